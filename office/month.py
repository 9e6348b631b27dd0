"""The month's facts, computed once from the ledger: shared by the tracker and the briefing.

Everything here is a pure function of the ledger, the registry and ``now``, so the
tracker and the briefing for the same month and ``now`` agree number for number.

Memory: the month's lines are read from the ledger in task order, a few hundred tasks at
a time (:class:`_LineReader`). Up to :data:`STREAM_LINES` lines, ``MonthData.rows`` is a
plain list; above it (a city: 400,000 lines held at ~4 KB each needed 1.7 GB) it is a
:class:`TaskRows`, which keeps tasks and statuses and reads the lines back on iteration.
``Line.cells`` holds bare cell addresses of ``Line.file`` ("E7"), shared between lines
with the same layout; treat it as read-only.

Who is asked: a unit is 应报 for a period only if that period's form was issued to it
(:func:`office.mailer.issued_units`: mailed, or recorded with ``send --record-only``) or it
returned the form anyway. A unit not issued the form is ``not_issued`` (未下发): no 未报/迟报,
not counted in any rate. Under ``[workflow] co_units = "via_lead"`` only lead units report the
status form (one line per lead unit on each task).

A blank return (a status form with no 完成情况 in any row; a plan with no quarter target in any
row) is not a report: the unit keeps the state it would have without it (``missing`` once the
deadline has passed, ``pending`` before, i.e. 视同未报), with ``UnitState.blank`` set, its label
“空表”, and one ``blank`` finding (空表) in place of the ``missing`` one (and of the line findings
of its rows). The lateness of a later, filled-in return counts from that return.
"""

from __future__ import annotations

import itertools
import json
import re
import sqlite3
import weakref
from array import array
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time

from office.mailer import issued_units
from office.errors import command
from office.model import Finding, KIND_LABELS, Task
from office.units import looks_like_group
from office.workdays import WorkCalendar, parse_period, plan_deadline, status_deadline
from office.wording import percent, rate
from office.workspace import Workspace

FINDING_LABELS = {
    "missing": "未报",
    "late": "迟报",
    "incomplete": "内容不全",
    "not_achieved": "未完成阶段目标",
    "no_plan": "计划未报",
    "copied": "照搬上月",
    "task_edited": "改动任务",
    "blank": "空表",
}
STATUS_FIELDS = ("target", "progress", "problems", "next_steps", "achieved")
FIELD_LABELS = {
    "target": "季度计划完成目标", "progress": "完成情况", "problems": "存在问题",
    "next_steps": "下一步计划", "achieved": "是否完成阶段任务目标",
    "q1": "一季度", "q2": "二季度", "q3": "三季度", "q4": "四季度",
    "main_leader": "主要负责人", "deputy": "分管负责人", "note": "备注",
}
REQUIRED = ("progress", "next_steps", "achieved")
STREAM_LINES = 20_000  # above this many (task, unit) lines, MonthData.rows is a TaskRows (see there)
CHUNK_TASKS = 500  # tasks per read of lines from the ledger
_WS = re.compile(r"\s+")


def squash(text: str | None) -> str:
    return _WS.sub("", text or "")


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


STATE_LABELS = {"on_time": "按时报送", "missing": "未报", "pending": "未到截止日", "not_issued": "未下发"}


@dataclass
class UnitState:
    """How one unit stands for one period. ``state``: on_time | late | missing | pending | not_issued
    (the form was never issued to it: 未下发, not 应报). ``blank``: what it returned is a blank form
    (state stays missing / pending, label 空表; see the module docstring)."""

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


@dataclass
class TaskRow:
    task: Task
    status: str  # 红 | 黄 | 绿
    lines: list[Line]


@dataclass
class MonthData:
    period: str
    year: int
    month: int
    deadline: date
    now: datetime
    rows: Sequence[TaskRow]  # a list, or a TaskRows (big months: lines read back from the ledger)
    units: list[UnitState]
    history: dict[str, dict[str, str]]  # unit -> {"计划": label, "1月": label, ...}
    history_columns: list[str]
    findings: list[Finding]
    plan_deadline: date
    warnings: list[str] = field(default_factory=list)
    issued: bool = True  # the month's status form was issued to at least one unit (or one returned it)
    not_issued_note: str = ""  # forms generated but never sent: what to run (send --record-only), or ""

    @property
    def counts(self) -> dict:
        """The month's figures. ``units``: 应报 (listed units the form was issued to); ``due``: of
        those, past the deadline (on_time + late + missing), the denominator of every rate;
        ``submission_pct``/``on_time_pct`` are :func:`office.wording.percent` of it, the text every
        document prints; ``not_issued``: 未下发; ``blank``: units whose return was blank (counted
        in ``missing`` or ``pending``); ``listed``: every unit of the month's table."""
        states = Counter(u.state for u in self.units)
        status = Counter(row_statuses(self.rows))
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
            "findings": dict(Counter(f.kind for f in self.findings)),
        }


def row_tasks(rows: Sequence[TaskRow]) -> list[Task]:
    """The rows' tasks, without reading any line back (cheap for a :class:`TaskRows`)."""
    return list(rows.tasks) if isinstance(rows, TaskRows) else [r.task for r in rows]


def row_statuses(rows: Sequence[TaskRow]) -> list[str]:
    """The rows' 红/黄/绿, without reading any line back (cheap for a :class:`TaskRows`)."""
    return list(rows.statuses) if isinstance(rows, TaskRows) else [r.status for r in rows]


def end_of(d: date) -> datetime:
    return datetime.combine(d, time(23, 59, 59))


def via_lead(ws: Workspace) -> bool:
    """``[workflow] co_units = "via_lead"``: lead units report the status form for the whole task."""
    return getattr(ws.settings, "co_units", "direct") == "via_lead"


def line_units(t: Task, lead_only: bool = False) -> tuple[str, ...]:
    """The units that report on task ``t``: all of them, or (via_lead) its lead units."""
    return (t.lead_units or t.units) if lead_only else t.units


def reporting_units(ws: Workspace, tasks: list[Task], lead_only: bool = False) -> list[str]:
    """Units that must report: every unit named on a task (``lead_only``: every lead unit),
    undefined groups aside, in official order."""
    seen: set[str] = set()
    names: list[str] = []
    for t in tasks:
        for u in line_units(t, lead_only):
            if u not in seen:
                seen.add(u)
                if ws.registry.get(u) or not looks_like_group(u):
                    names.append(u)
    return sorted(names, key=ws.registry.order_key)


_BLANK_SPACE = " \t\r\n\u3000"
# A return is blank when none of its rows has a value in these fields.
_FILLED_FIELDS = {"status": ("progress",), "plan": ("q1", "q2", "q3", "q4")}


def blank_files(ws: Workspace, kind: str, period: str) -> set[str]:
    """sha256 of the accepted (or superseded) returns of the period that are blank: no 完成情况 in
    any row (status), no quarter target in any row (plan)."""
    filled = " OR ".join(f"trim(coalesce(json_extract(e.vals, '$.{f}'), ''), '{_BLANK_SPACE}') != ''"
                         for f in _FILLED_FIELDS.get(kind, ("progress",)))
    return {r[0] for r in ws.ledger.db.execute(
        "SELECT f.sha256 FROM files f WHERE f.kind=? AND f.period=? AND f.verdict IN ('accepted','superseded') "
        f"AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.sha256=f.sha256 AND e.unit=f.unit AND ({filled}))",
        (kind, period))}


def submissions(ws: Workspace, kind: str, period: str) -> dict[str, Submission]:
    """The accepted submission per unit, with the time of its first accepted version that was not blank."""
    rows = ws.ledger.db.execute(
        "SELECT unit, sha256, name, received_at, verdict FROM files WHERE kind=? AND period=? "
        "AND verdict IN ('accepted','superseded') ORDER BY received_at, name", (kind, period)).fetchall()
    blank = blank_files(ws, kind, period) if rows else set()
    first: dict[str, datetime] = {}
    out: dict[str, Submission] = {}
    for r in rows:
        at = datetime.fromisoformat(r["received_at"])
        empty = r["sha256"] in blank
        if not empty:
            first.setdefault(r["unit"], at)
        if r["verdict"] == "accepted":
            out[r["unit"]] = Submission(r["unit"], kind, period, r["sha256"], r["name"], at, first.get(r["unit"], at), empty)
    return out


def entries(ws: Workspace, sub: Submission | None) -> dict[str, dict]:
    if sub is None:
        return {}
    out = {}
    for r in ws.ledger.db.execute("SELECT task_id, text, vals, cells FROM entries WHERE sha256=? AND unit=?", (sub.sha256, sub.unit)):
        out[r["task_id"]] = {"text": r["text"], "values": json.loads(r["vals"]), "cells": json.loads(r["cells"])}
    return out


def unit_state(cal: WorkCalendar, unit: str, due: date | None, sub: Submission | None, now: datetime,
               issued: bool = True) -> UnitState:
    """The unit's state for a period. ``issued``: the period's form was issued to it (a unit that
    returned the form counts as issued whatever the records say)."""
    if sub is not None and not sub.blank:
        if due is not None and sub.first_received_at.date() > due:
            return UnitState(unit, due, "late", cal.workdays_between(due, sub.first_received_at.date()), sub.file, sub.first_received_at)
        return UnitState(unit, due, "on_time", 0, sub.file, sub.first_received_at)
    if sub is None and not issued:
        return UnitState(unit, due, "not_issued")
    past = due is not None and now > end_of(due)
    if sub is not None:  # blank: 视同未报
        return UnitState(unit, due, "missing" if past else "pending", 0, sub.file, sub.received_at, blank=True)
    return UnitState(unit, due, "missing" if past else "pending")


def month_deadline(ws: Workspace, year: int, month: int) -> date:
    return status_deadline(ws.calendar, year, month, ws.settings.status_workdays)


def quarter_target(plan_vals: dict, month: int) -> str | None:
    return plan_vals.get(f"q{(month - 1) // 3 + 1}") if plan_vals else None


# ---------------------------------------------------------------------------- lines


class _LineReader:
    """The month's (task, unit) lines, read from the ledger in task order, a range of tasks at a time.

    A temporary table lists every line: its task and the ledger ids of the unit's accepted
    submissions (this month, last month, the year's plan). Joined with ``entries`` on its
    primary key it returns the lines of any range of tasks in order, so that neither
    build_month nor a reader of a big month ever holds every unit's entries at once.
    Submissions are pinned by sha256, whose entries never change, so reading again later
    gives the same lines even if new returns arrive meanwhile.
    """

    _ids = itertools.count(1)

    def __init__(self, db: sqlite3.Connection, tasks: list[Task], state_of: dict[str, UnitState], month: int,
                 subs: dict[str, Submission], prev_subs: dict[str, Submission], plan_subs: dict[str, Submission],
                 lead_only: bool = False):
        self.db = db
        self.tasks = tasks
        self.lead_only = lead_only
        self.included = state_of.keys()
        self.month = month
        self.subs = subs
        n = next(self._ids)
        lines_t, subs_t = f"duban_month_lines_{n}", f"duban_month_subs_{n}"
        self._tables = (lines_t, subs_t)
        sub_ids: dict[tuple[str, str], int] = {}
        for sub in (*subs.values(), *prev_subs.values(), *plan_subs.values()):
            sub_ids.setdefault((sub.sha256, sub.unit), len(sub_ids))

        def ids(which: dict[str, Submission]) -> dict[str, int]:
            return {u: sub_ids[(s.sha256, s.unit)] for u, s in which.items()}

        cur, prev, plan = ids(subs), ids(prev_subs), ids(plan_subs)
        self.offsets = array("q", [0])  # tasks[i]'s lines are positions offsets[i] .. offsets[i+1]-1
        self.per_unit: Counter = Counter()  # unit -> number of its lines (tasks naming it)
        included, offsets, per_unit = self.included, self.offsets, self.per_unit

        def plan_rows():
            pos = 0
            for t in tasks:
                tid = t.id
                for u in line_units(t, lead_only):
                    if u in included:
                        yield pos, tid, cur.get(u), prev.get(u), plan.get(u)
                        per_unit[u] += 1
                        pos += 1
                offsets.append(pos)

        own_tx = not db.in_transaction
        db.execute(f"CREATE TEMP TABLE {subs_t} (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, unit TEXT NOT NULL)")
        db.execute(f"CREATE TEMP TABLE {lines_t} (pos INTEGER PRIMARY KEY, task_id TEXT NOT NULL, "
                   "cur INTEGER, prev INTEGER, plan INTEGER)")
        self._drop = weakref.finalize(self, _drop_tables, db, self._tables)
        if own_tx:
            db.execute("BEGIN")  # one transaction for the inserts (temp tables only: no lock on the ledger)
        try:
            db.executemany(f"INSERT INTO temp.{subs_t} VALUES (?,?,?)", [(i, sha, unit) for (sha, unit), i in sub_ids.items()])
            db.executemany(f"INSERT INTO temp.{lines_t} VALUES (?,?,?,?,?)", plan_rows())
        except BaseException:
            if own_tx:
                db.execute("ROLLBACK")
            raise
        if own_tx:
            db.execute("COMMIT")
        self.n_lines = self.offsets[-1]

        join = []
        for alias, col in (("e", "cur"), ("pe", "prev"), ("qe", "plan")):
            join.append(f"LEFT JOIN temp.{subs_t} {alias}s ON {alias}s.id = l.{col} "
                        f"LEFT JOIN entries {alias} ON {alias}.sha256 = {alias}s.sha256 AND {alias}.task_id = l.task_id "
                        f"AND {alias}.unit = {alias}s.unit")
        where = "WHERE l.pos >= ? AND l.pos < ? ORDER BY l.pos"
        # with_checks: what build_month's findings need besides the line (task text as returned, last month's answers)
        self._sql_checks = f"SELECT e.vals, e.cells, qe.vals, e.text, pe.vals FROM temp.{lines_t} l {' '.join(join)} {where}"
        self._sql = f"SELECT e.vals, e.cells, qe.vals FROM temp.{lines_t} l {join[0]} {join[2]} {where}"

    def close(self) -> None:
        self._drop()

    def read(self, lo: int, hi: int, with_checks: bool = False):
        """Yield (task, lines, checks) for tasks[lo:hi] in order; checks (only with_checks) holds, per
        line, (text of the task as returned or None, last month's values or None)."""
        tasks, included, subs, month, offsets = self.tasks, self.included, self.subs, self.month, self.offsets
        lead_only = self.lead_only
        sql = self._sql_checks if with_checks else self._sql
        layouts: dict[str, dict] = {}  # raw "cells" JSON -> its dict
        for a in range(lo, hi, CHUNK_TASKS):
            b = min(hi, a + CHUNK_TASKS)
            cur = self.db.cursor()
            cur.row_factory = None
            try:
                got = cur.execute(sql, (offsets[a], offsets[b])).fetchall()
            finally:
                cur.close()
            if len(got) != offsets[b] - offsets[a]:
                raise RuntimeError("台账数据库在读取期间被改动（临时表不完整），请重新运行。")
            # All the chunk's answers in one json.loads: the decoder then shares the field
            # names ("progress", ...) between them instead of a fresh copy per line.
            answered = [row[0] for row in got if row[0] is not None]
            decoded = iter(json.loads("[" + ",".join(answered) + "]") if answered else ())
            it = iter(got)
            for t in tasks[a:b]:
                lines: list[Line] = []
                checks: list[tuple[str | None, dict | None]] = []
                for u in line_units(t, lead_only):
                    if u not in included:
                        continue
                    row = next(it)
                    sub = subs.get(u)
                    if row[0] is not None:
                        values, reported = next(decoded), True
                        # Equal layouts share one (read-only) dict: every unit's form puts a
                        # task's answers in the same few cells.
                        cells = layouts.get(row[1])
                        if cells is None:
                            if len(layouts) > 50_000:
                                layouts.clear()
                            cells = layouts[row[1]] = json.loads(row[1])
                    else:
                        values, cells, reported = {}, {}, False
                    if not values.get("target"):
                        values["target"] = quarter_target(json.loads(row[2]) if row[2] else None, month)
                    lines.append(Line(u, t.role_of(u) or "", values, cells, sub.file if sub else "", reported))
                    if with_checks:
                        checks.append((row[3], json.loads(row[4]) if row[4] is not None else None))
                yield t, lines, checks


def _drop_tables(db: sqlite3.Connection, tables: tuple[str, ...]) -> None:
    for name in tables:
        try:
            db.execute(f"DROP TABLE IF EXISTS temp.{name}")
        except sqlite3.Error:  # connection closed, or a statement still reading: the table goes with the connection
            pass


class TaskRows(Sequence):
    """``MonthData.rows`` of a big month (more than :data:`STREAM_LINES` lines).

    Tasks and their 红/黄/绿 are held; the lines are read back from the ledger, a few
    hundred tasks at a time, each time the rows are iterated, so that a 400,000-line
    month does not sit in memory. It behaves as a read-only list of :class:`TaskRow`
    (len, iteration, indexing, slicing); the workspace's ledger must stay open while it
    is used. :func:`row_tasks` and :func:`row_statuses` read tasks and statuses without
    touching the lines.
    """

    def __init__(self, reader: _LineReader, statuses: list[str], text_chars: int, value_cells: int):
        self._reader = reader
        self.tasks: list[Task] = reader.tasks
        self.statuses: list[str] = statuses
        self.n_lines: int = reader.n_lines
        self.text_chars = text_chars  # characters of all line values (the tracker sizes its file with it)
        self.value_cells = value_cells  # line values with a known source cell

    def line_count(self, i: int) -> int:
        return self._reader.offsets[i + 1] - self._reader.offsets[i]

    def __len__(self) -> int:
        return len(self.tasks)

    def _rows(self, lo: int, hi: int) -> Iterator[TaskRow]:
        statuses = self.statuses
        for i, (t, lines, _) in enumerate(self._reader.read(lo, hi), start=lo):
            yield TaskRow(t, statuses[i], lines)

    def __iter__(self) -> Iterator[TaskRow]:
        return self._rows(0, len(self.tasks))

    def __getitem__(self, index):
        n = len(self.tasks)
        if isinstance(index, slice):
            lo, hi, step = index.indices(n)
            if step == 1:
                return list(self._rows(lo, hi)) if lo < hi else []
            return [self[i] for i in range(lo, hi, step)]
        i = index.__index__()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("TaskRows index out of range")
        return next(self._rows(i, i + 1))

    def __repr__(self) -> str:
        return f"<TaskRows: {len(self.tasks)} tasks, {self.n_lines} lines>"


# ---------------------------------------------------------------------------- the month


def _line_findings(findings: list[Finding], t: Task, ln: Line, entry_text: str | None, prev_values: dict | None,
                   period: str) -> None:
    """Findings on one reported unit's line of one task (the unit's submission exists)."""
    u, values, cells = ln.unit, ln.values, ln.cells
    label = f"{KIND_LABELS[t.kind]}{t.seq}"
    if not ln.reported:
        findings.append(Finding("incomplete", u, t.id, period, ln.file, "", f"{u}报送的表中缺少任务“{label}”这一行，请核实。"))
        return
    blank = [f for f in REQUIRED if not (values.get(f) or "").strip()]
    if blank:
        findings.append(Finding("incomplete", u, t.id, period, ln.file, "、".join(cells.get(f, "") for f in blank if cells.get(f)),
                                f"{u}关于{label}的{'、'.join(FIELD_LABELS[f] for f in blank)}未填写。"))
    if values.get("achieved") == "否":
        findings.append(Finding("not_achieved", u, t.id, period, ln.file, cells.get("achieved", ""), f"{u}报告{label}未完成阶段任务目标。"))
    if prev_values is not None:
        same = [f for f in ("progress", "next_steps") if squash(values.get(f)) and squash(values.get(f)) == squash(prev_values.get(f))]
        if same:
            findings.append(Finding("copied", u, t.id, period, ln.file, "、".join(cells.get(f, "") for f in same),
                                    f"{u}关于{label}的{'、'.join(FIELD_LABELS[f] for f in same)}与上月报送完全相同。"))
    if entry_text and squash(entry_text) != squash(t.text):
        findings.append(Finding("task_edited", u, t.id, period, ln.file, cells.get("text", ""), f"{u}改动了{label}的任务内容，台账仍以任务分解表为准。"))


def not_issued_note(ws: Workspace, kind: str, period: str, never_sent: list[str], generated: int) -> str:
    """The clerk's note on forms generated but never sent (issued to nobody, or not to some)."""
    if not never_sent:
        return ""
    label = f"{period}年度落实计划表" if kind == "plan" else f"{int(period[:4])}年{int(period[5:])}月落实情况表"
    month = f" --month {period}" if kind == "status" else ""
    cmd = command(f"send {kind}{month}")
    ws_arg = f"-w {ws.root}"
    if len(never_sent) >= generated:
        who, unit_arg = "", ""
        head = f"{label}已生成，但没有发送记录"
    else:
        shown = "、".join(never_sent[:10]) + (f"等{len(never_sent)}个单位" if len(never_sent) > 10 else "")
        head = f"{label}已生成，但{shown}没有发送记录"
        unit_arg = " --unit " + " ".join(never_sent)
        who = "这些单位"
    return (f"{head}，{who or '各单位'}按“未下发”处理，不计未报、迟报。如报送表已通过本单位邮箱或其他方式下发，请运行 "
            f"{cmd} --record-only{unit_arg} {ws_arg} 登记；尚未下发的，请运行 {cmd}{unit_arg} {ws_arg} 发送。")


def _generated_units(ws: Workspace, kind: str, period: str) -> set[str]:
    return {r[0] for r in ws.ledger.db.execute("SELECT unit FROM generated WHERE kind=? AND period=?", (kind, period))}


def build_month(ws: Workspace, period: str, now: datetime) -> MonthData:
    year, month = parse_period(period)
    period = f"{year}-{month:02d}"
    cal = ws.calendar
    tasks = ws.ledger.tasks()
    lead_only = via_lead(ws)
    units = reporting_units(ws, tasks, lead_only)
    due = month_deadline(ws, year, month)
    p_due = plan_deadline(year, ws.settings.plan_deadline)
    findings: list[Finding] = []
    warnings: list[str] = []

    subs = submissions(ws, "status", period)
    prev_period = f"{year}-{month - 1:02d}" if month > 1 else None
    prev_subs = submissions(ws, "status", prev_period) if prev_period else {}
    plan_subs = submissions(ws, "plan", str(year))
    issued = issued_units(ws, "status", period)
    plan_issued = issued_units(ws, "plan", str(year))

    states = [unit_state(cal, u, due, subs.get(u), now, u in issued) for u in units]
    state_of = {s.unit: s for s in states}
    reader = _LineReader(ws.ledger.db, tasks, state_of, month, subs, prev_subs, plan_subs, lead_only)
    for s in states:
        if s.blank:
            findings.append(Finding("blank", s.unit, "", period, s.file, "", f"{s.unit}报送的{year}年{month}月落实情况表各项任务的"
                                    f"“完成情况”均未填写（空表），视同未报送，请督促其填写后重新报送（截止日期{due:%m月%d日}）。"))
        elif s.state == "missing":
            n = reader.per_unit[s.unit]
            findings.append(Finding("missing", s.unit, "", period, "", "", f"{s.unit}截至{now:%Y年%m月%d日}未报送{year}年{month}月落实情况表（截止日期{due:%m月%d日}，涉及{n}项任务）。"))
        elif s.state == "late":
            findings.append(Finding("late", s.unit, "", period, s.file, "", f"{s.unit}于{s.received_at:%m月%d日}报送，晚于截止日期{due:%m月%d日}，迟报{s.late_days}个工作日。"))
    plan_states = {u: unit_state(cal, u, p_due, plan_subs.get(u), now, u in plan_issued) for u in units}
    for u in units:
        ps = plan_states[u]
        if ps.blank:
            findings.append(Finding("blank", u, "", str(year), ps.file, "", f"{u}报送的{year}年度落实计划表各项任务的季度目标均未填写"
                                    f"（空表），视同未报送计划，季度目标无从对照。"))
        elif ps.state == "missing":
            findings.append(Finding("no_plan", u, "", str(year), "", "", f"{u}未报送{year}年度落实计划表（截止日期{p_due:%m月%d日}），季度目标无从对照。"))

    # One pass over the lines in task order: findings and 红/黄/绿. A big month keeps only the
    # statuses (its rows read the lines back when iterated); a small one keeps the rows.
    stream = reader.n_lines > STREAM_LINES
    kept: list[TaskRow] = []
    statuses: list[str] = []
    text_chars = value_cells = 0
    for t, lines, checks in reader.read(0, len(tasks), with_checks=True):
        for ln, (entry_text, prev_values) in zip(lines, checks):
            if ln.unit in subs and not subs[ln.unit].blank:
                _line_findings(findings, t, ln, entry_text, prev_values, period)
        status = traffic_light(lines, state_of)
        if stream:
            statuses.append(status)
            for ln in lines:
                for f, v in ln.values.items():
                    if isinstance(v, str):
                        text_chars += len(v)
                value_cells += sum(1 for f in STATUS_FIELDS if ln.cells.get(f))
        else:
            kept.append(TaskRow(t, status, lines))
    if stream:
        rows: Sequence[TaskRow] = TaskRows(reader, statuses, text_chars, value_cells)
    else:
        reader.close()
        rows = kept

    columns = ["年度计划"] + [f"{m}月" for m in range(1, month + 1)]
    history: dict[str, dict[str, str]] = {u: {} for u in units}
    for u in units:
        history[u]["年度计划"] = plan_states[u].label
    for m in range(1, month + 1):
        per = f"{year}-{m:02d}"
        if m == month:
            st = state_of
        else:
            try:
                d = month_deadline(ws, year, m)
            except Exception as exc:  # noqa: BLE001 - a calendar gap is shown, not fatal
                warnings.append(str(exc))
                d = None
            msubs = submissions(ws, "status", per)
            missued = issued_units(ws, "status", per)
            st = {u: unit_state(cal, u, d, msubs.get(u), now, u in missued) for u in units}
        for u in units:
            history[u][f"{m}月"] = st[u].label
    # When each unit's return of the month counts as received, and where that time came from
    # (邮件服务器收到时间 for a fetched mail, 首次发现时间 for a file dropped in the inbox, ...).
    from office.ledger.mailbox import received_labels

    got_column, source_column = f"{month}月收到时间", "收到时间来源"
    columns += [got_column, source_column]
    sources = received_labels(ws.ledger.db, [s.sha256 for s in subs.values()])
    for u in units:
        got, sub = state_of[u].received_at, subs.get(u)
        history[u][got_column] = f"{got:%m-%d %H:%M}" if got and sub else ""
        history[u][source_column] = sources.get(sub.sha256, "首次发现时间") if got and sub else ""

    generated = _generated_units(ws, "status", period)
    note = not_issued_note(ws, "status", period, [s.unit for s in states if s.state == "not_issued" and s.unit in generated],
                           len(generated))
    plan_generated = _generated_units(ws, "plan", str(year))
    plan_note = not_issued_note(ws, "plan", str(year), [u for u in units if plan_states[u].state == "not_issued" and u in plan_generated],
                                len(plan_generated))
    if plan_note:
        warnings.append(plan_note)

    order = {u: i for i, u in enumerate(units)}
    kind_order = {k: i for i, k in enumerate(FINDING_LABELS)}
    task_pos = {t.id: i for i, t in enumerate(tasks)}
    findings.sort(key=lambda f: (order.get(f.unit, 10**6), kind_order[f.kind], task_pos.get(f.task, -1)))
    return MonthData(period, year, month, due, now, rows, states, history, columns, findings, p_due, warnings,
                     issued=bool(issued) or bool(subs), not_issued_note=note)


def traffic_light(lines: list[Line], state_of: dict[str, UnitState]) -> str:
    """红: the lead unit reports 否 or has not reported past the deadline; 绿: lead reports 是 and
    no co-unit reports 否; 黄: everything in between (incomplete, pending, a co-unit behind)."""
    leads = [ln for ln in lines if ln.role == "牵头"] or lines[:1]
    if not leads:
        return "黄"
    if any(ln.values.get("achieved") == "否" or state_of[ln.unit].state == "missing" for ln in leads):
        return "红"
    if all(ln.values.get("achieved") == "是" for ln in leads) and not any(ln.values.get("achieved") == "否" for ln in lines):
        return "绿"
    return "黄"
