"""The records of a year's facts (:class:`YearData`), shared by the year tracker and the annual
briefing. Plain data: nothing here reads the workspace or the ledger (:func:`office.year.build_year`
fills them, one month at a time, from :func:`office.month.build_month`).

Months are numbered 1..12 and every per-month list has twelve entries (index ``month - 1``). A
month after the month of "now" is 未开始 (not built); a month whose status form was issued to no
unit is 未下发. A task's light in a month is exactly the month's tracker 状态 (红/黄/绿); a unit's
label in a month is exactly :attr:`office.month_data.UnitState.label`, the month's tracker
报送情况 cell (按时报送 / 迟报n个工作日 / 未报 / 未到截止日 / 未下发 / 空表).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from office.dates import period_label
from office.model import Task
from office.month_data import STATE_LABELS, Progress
from office.progress import percent_text
from office.score_data import MonthFacts
from office.wording import percent, rate

MONTHS = tuple(range(1, 13))
NOT_STARTED = "未开始"  # a month after the month of "now": not built
NOT_ISSUED = STATE_LABELS["not_issued"]  # 未下发
DONE = "已完成"  # a task 销号 (its lead reported 100% and 是)
NO_LIGHT = "—"  # a task with no light yet (no month issued)
NO_PERCENT = "—"  # a lead unit that returned its form without a 完成进度 (as the month's tracker)
LOWEST = "最低"  # before the 完成进度 of a task whose lead units reported different ones: "最低30%"
UNREADABLE = "无法识别"  # a lead unit's 完成进度 that could not be read ("八成": a bad_progress finding)
LIVELIHOOD_CATEGORY = "为民办实事"
UNCATEGORISED = "未分类"
ALL_TASKS = "全部任务"  # the row of every task in the progress table and its chart

# month_status values
ISSUED, MONTH_NOT_ISSUED, MONTH_NOT_STARTED = "issued", "not_issued", "not_started"
MONTH_STATUS_LABELS = {ISSUED: "已下发", MONTH_NOT_ISSUED: NOT_ISSUED, MONTH_NOT_STARTED: NOT_STARTED}


def category_of(task: Task) -> str:
    """The category a task is counted under (as the month's tracker groups it): 为民办实事 for
    the livelihood projects, else its 类别, else 未分类."""
    if task.kind == "livelihood":
        return LIVELIHOOD_CATEGORY
    return task.category or UNCATEGORISED


@dataclass(frozen=True)
class TaskMonth:
    """A task in one month: ``light`` is the month's tracker 状态 (红/黄/绿), or 未下发 / 未开始;
    ``progress`` its Progress that month (None for a month not built); ``reported``: a lead unit
    returned its form that month (a blank one included), as the month's tracker lines show it;
    ``lowest``: its lead units reported different 完成进度 (the task's is the lowest of them);
    ``unreadable``: a lead unit's 完成进度 could not be read (a bad_progress finding that month)."""

    light: str
    progress: Progress | None = None
    reported: bool = False
    lowest: bool = False
    unreadable: bool = False

    @property
    def done(self) -> bool:
        """已完成 (销号) that month."""
        return bool(self.progress is not None and self.progress.done)

    @property
    def shown(self) -> str:
        """The task's 完成进度 as the month's tracker prints it on its lead unit's line: "55%" (100%
        while 已完成); "最低30%" when its lead units reported different ones (each has its own on
        its line of the month's tracker); "无法识别" when no lead's could be read and one wrote
        something unreadable; "—" when the lead returned its form without one; "" when it did not
        report (or the month was not built)."""
        p = self.progress
        if p is not None and p.percent is not None:
            text = percent_text(p.percent)
            return LOWEST + text if self.lowest and not p.done else text
        if p is not None and self.unreadable:
            return UNREADABLE
        return NO_PERCENT if self.reported and p is not None else ""


@dataclass
class TaskYear:
    """One task over the year. ``final_month``: the month its year-end state is taken from
    (:attr:`YearData.final_month`, 0 when none); ``lead_progress``/``lead_problems``: what its
    lead units last reported under 完成情况 / 存在问题 (shortened), "" when never."""

    task: Task
    category: str
    months: list[TaskMonth]
    final_month: int = 0
    lead_progress: str = ""
    lead_problems: str = ""

    def light(self, month: int) -> str:
        return self.months[month - 1].light

    @property
    def progress(self) -> Progress | None:
        """The Progress of the final month."""
        return self.months[self.final_month - 1].progress if self.final_month else None

    @property
    def last_light(self) -> str:
        """红/黄/绿 in the final month; — when no month was issued."""
        return self.light(self.final_month) if self.final_month else NO_LIGHT

    @property
    def done(self) -> bool:
        p = self.progress
        return bool(p is not None and p.done)

    @property
    def done_period(self) -> str:
        """"2025-06": the month it became 已完成 (销号), "" when it is not."""
        p = self.progress
        return p.done_period if p is not None and p.done else ""

    @property
    def state(self) -> str:
        """年末状态: 已完成, or the final month's light."""
        return DONE if self.done else self.last_light

    @property
    def shown(self) -> str:
        """The final month's 完成进度 as printed (:attr:`TaskMonth.shown`), "" when none."""
        return self.months[self.final_month - 1].shown if self.final_month else ""

    def done_spans(self) -> list[tuple[int, int | None]]:
        """(month it became 已完成, month a lead reported it not done or None while it stays) for
        each time it was 已完成 up to the final month, in order."""
        spans: list[tuple[int, int | None]] = []
        before = False
        for m in range(1, self.final_month + 1):
            cell = self.months[m - 1]
            if cell.progress is None:
                continue
            if cell.done and not before:
                p = cell.progress.done_period
                spans.append((int(p[5:7]) if p[5:7].isdigit() else m, None))
            elif before and not cell.done:
                spans[-1] = (spans[-1][0], m)
            before = cell.done
        return spans

    @property
    def done_history(self) -> str:
        """已完成时间 as the year tracker prints it: "2025年3月" while 已完成; "2月完成，3月回退" for a
        task reported not done after it was (with the current 已完成 month first when it is again);
        "" when never 已完成."""
        closed = [f"{a}月完成，{b}月回退" for a, b in self.done_spans() if b is not None]
        if self.done:
            head = period_label(self.done_period)
            return head + (f"（{'；'.join(closed)}）" if closed else "")
        return "；".join(closed)

    def count(self, light: str) -> int:
        """How many months the task was lit ``light``."""
        return sum(1 for m in self.months if m.light == light)


@dataclass
class UnitYear:
    """One unit over the year: per month its label (UnitState.label, or 未开始), state
    (on_time | late | missing | pending | not_issued | not_started) and late working days;
    ``plan``: its 年度计划 label."""

    unit: str
    labels: list[str]
    states: list[str]
    late_days: list[int]
    blank: list[bool]
    plan: str = ""

    def _n(self, state: str) -> int:
        return sum(1 for s in self.states if s == state)

    @property
    def on_time(self) -> int:
        return self._n("on_time")

    @property
    def late(self) -> int:
        return self._n("late")

    @property
    def missing(self) -> int:
        """Months past the deadline without a report (a blank return counts as none)."""
        return self._n("missing")

    @property
    def pending(self) -> int:
        return self._n("pending")

    @property
    def not_issued(self) -> int:
        return self._n("not_issued")

    @property
    def due(self) -> int:
        """Reports due: months past the deadline whose form was issued to the unit."""
        return self.on_time + self.late + self.missing

    @property
    def lapses(self) -> int:
        return self.late + self.missing

    @property
    def late_days_total(self) -> int:
        return sum(self.late_days)

    @property
    def blanks(self) -> int:
        return sum(1 for b in self.blank if b)


@dataclass(frozen=True)
class CategoryMonth:
    """A category in one month: the mean 完成进度 of the tasks that reported one (None when none
    did; an 已完成 task counts as 100%) and the mean 序时进度 of all its tasks, in percent; how many
    tasks reported (of them ``done`` 已完成). In a month not issued nothing is reported."""

    percent: float | None
    schedule: float | None
    reported: int
    tasks: int
    done: int = 0  # of the ``reported``: tasks 已完成 (counted at 100%)


@dataclass
class YearData:
    """The year's facts at ``now``. ``month_status``: issued | not_issued | not_started per month;
    ``final_month``: the last issued month whose deadline has passed (the last issued month when
    none has; 0 when no month was issued), whose lights are the year-end state."""

    year: int
    now: datetime
    month_status: list[str]
    deadlines: list[date | None]
    tasks: list[TaskYear]
    units: list[UnitYear]
    categories: list[str]  # in table order
    category_months: dict[str, list[CategoryMonth | None]]  # category (and ALL_TASKS) -> per month
    month_counts: list[dict | None]  # MonthData.counts per built month, "findings" of the month itself (not the plan's)
    final_month: int = 0
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # forms generated but never sent (MonthData.not_issued_note)
    plan_findings: dict = field(default_factory=dict)  # kind -> findings on the year's plan (计划未报, ...), at "now"
    # month -> what the 考核 score takes of it (units' states, findings), for office.score.compute(months=...)
    score_months: dict[int, MonthFacts] = field(default_factory=dict)

    @property
    def built(self) -> list[int]:
        """The months built (1 .. the month of "now")."""
        return [m for m in MONTHS if self.month_status[m - 1] != MONTH_NOT_STARTED]

    @property
    def issued_months(self) -> list[int]:
        return [m for m in MONTHS if self.month_status[m - 1] == ISSUED]

    @property
    def not_issued_months(self) -> list[int]:
        return [m for m in MONTHS if self.month_status[m - 1] == MONTH_NOT_ISSUED]

    @property
    def not_started_months(self) -> list[int]:
        return [m for m in MONTHS if self.month_status[m - 1] == MONTH_NOT_STARTED]

    @property
    def counts(self) -> dict:
        """The year's figures. Reports are unit-months of the status form: ``due`` (past the
        deadline, issued: on_time + late + missing) is the denominator of the rates, whose text
        is :func:`office.wording.percent`; task lights are the final month's; ``findings``: the
        months' own findings by kind, summed, and those on the year's plan once."""
        units = self.units
        on_time = sum(u.on_time for u in units)
        late = sum(u.late for u in units)
        missing = sum(u.missing for u in units)
        reported = on_time + late
        due = reported + missing
        lights = Counter(t.last_light for t in self.tasks)
        findings: Counter = Counter(self.plan_findings)
        for c in self.month_counts:
            if c:
                findings.update(c.get("findings", {}))
        return {
            "year": self.year,
            "units": len(units),
            "due": due,
            "reported": reported,
            "on_time": on_time,
            "late": late,
            "missing": missing,
            "pending": sum(u.pending for u in units),
            "not_issued": sum(u.not_issued for u in units),
            "blank": sum(u.blanks for u in units),
            "late_days": sum(u.late_days_total for u in units),
            "submission_rate": rate(reported, due),
            "on_time_rate": rate(on_time, due),
            "submission_pct": percent(reported, due),
            "on_time_pct": percent(on_time, due),
            "tasks": len(self.tasks),
            "annual": sum(1 for t in self.tasks if t.task.kind == "annual"),
            "livelihood": sum(1 for t in self.tasks if t.task.kind == "livelihood"),
            "green": lights["绿"],
            "yellow": lights["黄"],
            "red": lights["红"],
            "done": sum(1 for t in self.tasks if t.done),
            "final_month": self.final_month,
            "months_built": self.built,
            "months_issued": self.issued_months,
            "months_not_issued": self.not_issued_months,
            "findings": dict(findings),
        }


def month_span(months: list[int]) -> str:
    """[1, 2, 3, 5] -> "1—3月、5月" (how the office names runs of months); "" for none."""
    out: list[str] = []
    xs = sorted(months)
    i = 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[j + 1] == xs[j] + 1:
            j += 1
        out.append(f"{xs[i]}月" if i == j else f"{xs[i]}—{xs[j]}月")
        i = j + 1
    return "、".join(out)


__all__ = ["ALL_TASKS", "CategoryMonth", "DONE", "ISSUED", "LIVELIHOOD_CATEGORY", "LOWEST", "MONTHS", "MONTH_NOT_ISSUED",
           "MONTH_NOT_STARTED", "MONTH_STATUS_LABELS", "NO_LIGHT", "NO_PERCENT", "NOT_ISSUED", "NOT_STARTED", "TaskMonth",
           "TaskYear", "UNCATEGORISED", "UNREADABLE", "UnitYear", "YearData", "category_of", "month_span"]
