"""The records of a month's facts (:class:`MonthData` and its parts), shared by the tracker,
the briefing, the reminders and the web page. Plain data: nothing here reads the workspace
or the ledger (:func:`office.month.build_month` fills them).

``MonthData.rows`` is always a :class:`MonthRows`, whatever the size of the month: the tasks
and their 红/黄/绿 are held, the lines are produced by the source it was made with, a few
hundred tasks at a time (for a built month: read back from the ledger, so that a
400,000-line month does not sit in memory). Close it (``MonthData.close()``, or ``with``)
when done; the workspace's ledger closes any left open.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from office.model import Finding, Task
from office.wording import percent, rate

FINDING_LABELS = {
    "missing": "未报",
    "late": "迟报",
    "incomplete": "内容不全",
    "not_achieved": "未完成阶段目标",
    "no_plan": "计划未报",
    "copied": "照搬上月",
    "task_edited": "改动任务",
    "blank": "空表",
    # found while reading a return, in a cell (stored with the file when it is accepted); a new
    # kind the reader reports gets its label here
    "bad_choice": "是/否无法识别",
    # found when a mailed return is collected: the form is one unit's, the address it was
    # mailed from is registered to another (office.ledger.mailbox.sender_findings)
    "sender_mismatch": "发件人与报送单位不符",
    # a 完成进度（%） cell that is not a number from 0 to 100 ("八成"), found while reading
    "bad_progress": "完成进度无法识别",
    # a task already 已完成 (销号: its lead reported 100% and 是) reported as not done in a later month
    "reopened": "已完成任务进度回退",
}
# The kinds the month's rules find (office.month); every other kind was found while reading a return.
RULE_KINDS = ("missing", "late", "incomplete", "not_achieved", "no_plan", "copied", "task_edited", "blank", "reopened")
# How a return's received time was found (office.ledger.mailbox, the collect report, the tracker)
RECEIVED_SOURCES = {
    "imap": "邮件服务器收到时间",
    "received": "邮件服务器收到时间（Received 头）",
    "date": "发信时间（Date 头）",
    "first_seen": "首次发现时间",
    "file_mtime": "文件修改时间",
    "given": "指定时间（--received）",
}
# The sender of a mailed return checked against the unit registry
SENDER_CHECKS = {"confirmed": "发件人与报送单位一致", "mismatch": "发件人与报送单位不符", "unknown": "发件地址不在单位名册中"}
STATUS_FIELDS = ("target", "progress", "problems", "next_steps", "achieved")
FIELD_LABELS = {
    "target": "季度计划完成目标", "progress": "完成情况", "problems": "存在问题",
    "next_steps": "下一步计划", "achieved": "是否完成阶段任务目标",
    "q1": "一季度", "q2": "二季度", "q3": "三季度", "q4": "四季度",
    "main_leader": "主要负责人", "deputy": "分管负责人", "note": "备注",
}
STATE_LABELS = {"on_time": "按时报送", "missing": "未报", "pending": "未到截止日", "not_issued": "未下发"}


@dataclass(frozen=True)
class Submission:
    unit: str
    kind: str
    period: str
    sha256: str
    file: str
    received_at: datetime
    first_received_at: datetime  # of the unit's first accepted version that was not blank (or of this one)
    blank: bool = False  # no 完成情况 (status) / no quarter target (plan) in any row


@dataclass
class UnitState:
    """How one unit stands for one period. ``state``: on_time | late | missing | pending | not_issued
    (the form was never issued to it: 未下发, not 应报). ``blank``: what it returned is a blank form
    (state stays missing / pending, label 空表; see office.month)."""

    unit: str
    due: date | None
    state: str  # on_time | late | missing | pending | not_issued
    late_days: int = 0
    file: str = ""
    received_at: datetime | None = None
    blank: bool = False

    @property
    def label(self) -> str:
        if self.blank:
            return "空表" if self.state == "missing" else "空表（未到截止日）"
        if self.state == "late":
            return f"迟报{self.late_days}个工作日"
        return STATE_LABELS[self.state]

    @property
    def is_due(self) -> bool:
        """应报 and past its deadline: counted in the rates (on time, late or missing)."""
        return self.state in ("on_time", "late", "missing")


@dataclass(slots=True)
class Line:
    unit: str
    role: str
    values: dict  # field -> the unit's answer ("target" falls back to the plan's quarterly target)
    cells: dict  # field -> cell address in ``file`` ("E7"), read-only (shared by lines); the tracker writes "file!E7"
    file: str = ""
    reported: bool = False


@dataclass(frozen=True, slots=True)
class Progress:
    """A task's progress in the month, and which rule lit it (office.progress).

    ``percent``: the lead units' 完成进度 (the lowest when several leads report), None when no lead
    reported one; ``schedule``: 序时进度 at the month's end (of the task's own 完成时限 when the
    plan gives one: ``due``); ``rule``: progress | yes_no | done (office.progress.RULE_LABELS);
    ``done``: 已完成 (销号) since ``done_period`` ("2025-06")."""

    percent: float | None
    schedule: float
    rule: str = "yes_no"
    due: date | None = None
    done: bool = False
    done_period: str = ""

    @property
    def gap(self) -> float | None:
        """序时进度 − 完成进度 (positive: behind), None without a 完成进度."""
        return None if self.percent is None else round(self.schedule - self.percent, 1)


@dataclass
class TaskRow:
    task: Task
    status: str  # 红 | 黄 | 绿
    lines: list[Line]
    progress: Progress | None = None


class MonthRows(Sequence):
    """The month's task rows, in table order: a read-only sequence of :class:`TaskRow`.

    Holds the tasks, their 红/黄/绿 and how many lines each has; the lines come from
    ``produce(lo, hi)`` (the rows of tasks lo .. hi-1, in order) each time rows are read, so
    a big month is never held whole. :meth:`held` wraps rows already in memory (a month made
    by hand). ``tasks``, ``statuses``, ``progress``, :meth:`line_count`, ``n_lines``,
    ``text_chars`` and ``value_cells`` never read a line.
    """

    def __init__(self, tasks: list[Task], statuses: list[str], line_counts: Sequence[int],
                 produce: Callable[[int, int], Iterator[TaskRow]], *, text_chars: int, value_cells: int,
                 close: Callable[[], None] | None = None, progress: list[Progress | None] | None = None):
        self.tasks = tasks
        self.statuses = statuses
        # per task, in order: its Progress (None for a month made by hand without one)
        self.progress: list[Progress | None] = progress if progress is not None else [None] * len(tasks)
        self._counts = line_counts
        self._produce = produce
        self._close = close
        self.n_lines: int = sum(line_counts)
        self.text_chars = text_chars  # characters of all line values (the tracker sizes its file with it)
        self.value_cells = value_cells  # line values (STATUS_FIELDS) with a known source cell

    @classmethod
    def held(cls, rows: Iterable[TaskRow]) -> MonthRows:
        rows = list(rows)
        text_chars = sum(len(v) for r in rows for ln in r.lines for v in ln.values.values() if isinstance(v, str))
        value_cells = sum(1 for r in rows for ln in r.lines for f in STATUS_FIELDS if ln.cells.get(f))
        return cls([r.task for r in rows], [r.status for r in rows], array("q", (len(r.lines) for r in rows)),
                   lambda lo, hi: iter(rows[lo:hi]), text_chars=text_chars, value_cells=value_cells,
                   progress=[r.progress for r in rows])

    def line_count(self, i: int) -> int:
        return self._counts[i]

    def close(self) -> None:
        """Stop reading lines (the ledger's temporary tables are dropped); tasks and statuses stay."""
        close, self._close = self._close, None
        if close is not None:
            close()

    def __enter__(self) -> MonthRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self.tasks)

    def __iter__(self) -> Iterator[TaskRow]:
        return self._produce(0, len(self.tasks))

    def __getitem__(self, index):  # noqa: ANN001, ANN204
        n = len(self.tasks)
        if isinstance(index, slice):
            lo, hi, step = index.indices(n)
            if step == 1:
                return list(self._produce(lo, hi)) if lo < hi else []
            return [self[i] for i in range(lo, hi, step)]
        i = index.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("MonthRows index out of range")
        return next(self._produce(i, i + 1))

    def __repr__(self) -> str:
        return f"<MonthRows: {len(self.tasks)} tasks, {self.n_lines} lines>"


@dataclass
class MonthData:
    period: str
    year: int
    month: int
    deadline: date
    now: datetime
    rows: MonthRows  # a list of TaskRow given here is held as MonthRows.held(list)
    units: list[UnitState]
    history: dict[str, dict[str, str]]  # unit -> {"计划": label, "1月": label, ...}
    history_columns: list[str]
    findings: list[Finding]
    plan_deadline: date
    warnings: list[str] = field(default_factory=list)
    issued: bool = True  # the month's status form was issued to at least one unit (or one returned it)
    not_issued_note: str = ""  # forms generated but never sent: what to run (send --record-only), or ""

    def __setattr__(self, name: str, value: object) -> None:
        if name == "rows" and not isinstance(value, MonthRows):
            value = MonthRows.held(value)  # type: ignore[arg-type]
        object.__setattr__(self, name, value)

    def close(self) -> None:
        self.rows.close()

    def __enter__(self) -> MonthData:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def counts(self) -> dict:
        """The month's figures. ``units``: 应报 (listed units the form was issued to); ``due``: of
        those, past the deadline (on_time + late + missing), the denominator of every rate;
        ``submission_pct``/``on_time_pct`` are :func:`office.wording.percent` of it, the text every
        document prints; ``not_issued``: 未下发; ``blank``: units whose return was blank (counted
        in ``missing`` or ``pending``); ``listed``: every unit of the month's table."""
        states = Counter(u.state for u in self.units)
        status = Counter(self.rows.statuses)
        reported = states["on_time"] + states["late"]
        due_units = reported + states["missing"]
        return {
            "units": len(self.units) - states["not_issued"],
            "listed": len(self.units),
            "due": due_units,
            "not_issued": states["not_issued"],
            "blank": sum(1 for u in self.units if u.blank),
            "reported": reported,
            "on_time": states["on_time"],
            "late": states["late"],
            "missing": states["missing"],
            "pending": states["pending"],
            "submission_rate": rate(reported, due_units),
            "on_time_rate": rate(states["on_time"], due_units),
            "submission_pct": percent(reported, due_units),
            "on_time_pct": percent(states["on_time"], due_units),
            "tasks": len(self.rows),
            "green": status["绿"],
            "yellow": status["黄"],
            "red": status["红"],
            # 已完成 (销号) tasks, and of those the ones that became so this month
            "done": sum(1 for p in self.rows.progress if p is not None and p.done),
            "done_new": sum(1 for p in self.rows.progress if p is not None and p.done and p.done_period == self.period),
            "findings": dict(Counter(f.kind for f in self.findings)),
        }


def row_tasks(rows: MonthRows) -> list[Task]:
    """The rows' tasks, without reading any line back."""
    return list(rows.tasks)


def row_statuses(rows: MonthRows) -> list[str]:
    """The rows' 红/黄/绿, without reading any line back."""
    return list(rows.statuses)
