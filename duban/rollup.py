"""The month's facts, computed once from the ledger: shared by the tracker and the briefing.

Everything here is a pure function of the ledger, the registry and ``now``, so the
tracker and the briefing for the same month and ``now`` agree number for number.

Memory: the month's lines are read from the ledger in task order, a few hundred tasks at
a time (:class:`_LineReader`). Up to :data:`STREAM_LINES` lines, ``MonthData.rows`` is a
plain list; above it (a city: 400,000 lines held at ~4 KB each needed 1.7 GB) it is a
:class:`TaskRows`, which keeps tasks and statuses and reads the lines back on iteration.
``Line.cells`` holds bare cell addresses of ``Line.file`` ("E7"), shared between lines
with the same layout; treat it as read-only.
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

from .model import Finding, KIND_LABELS, Task
from .units import looks_like_group
from .workdays import WorkCalendar, parse_period, plan_deadline, status_deadline
from .wording import percent, rate
from .workspace import Workspace

FINDING_LABELS = {
    "missing": "未报",
    "late": "迟报",
    "incomplete": "内容不全",
    "not_achieved": "未完成阶段目标",
    "no_plan": "计划未报",
    "copied": "照搬上月",
    "task_edited": "改动任务",
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
    first_received_at: datetime


@dataclass
class UnitState:
    unit: str
    due: date | None
    state: str  # on_time | late | missing | pending
    late_days: int = 0
    file: str = ""
    received_at: datetime | None = None

    @property
    def label(self) -> str:
        return {"on_time": "按时报送", "late": f"迟报{self.late_days}个工作日", "missing": "未报",
                "pending": "未到截止日"}[self.state]


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

    @property
    def counts(self) -> dict:
        """The month's figures. Rates come from one place: ``due`` (units past their deadline:
        reported or missing) is the denominator, ``submission_pct``/``on_time_pct`` are
        :func:`duban.wording.percent` of it, the text every document prints."""
        states = Counter(u.state for u in self.units)
        status = Counter(row_statuses(self.rows))
        reported = states["on_time"] + states["late"]
        due_units = reported + states["missing"]
        return {
            "units": len(self.units),
            "due": due_units,
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


def reporting_units(ws: Workspace, tasks: list[Task]) -> list[str]:
    """Units that must report: every unit named on a task, undefined groups aside, in official order."""
    seen: set[str] = set()
    names: list[str] = []
    for t in tasks:
        for u in t.units:
            if u not in seen:
                seen.add(u)
                if ws.registry.get(u) or not looks_like_group(u):
                    names.append(u)
    return sorted(names, key=ws.registry.order_key)


def submissions(ws: Workspace, kind: str, period: str) -> dict[str, Submission]:
    """The accepted submission per unit, with the time of its first accepted version."""
    rows = ws.ledger.db.execute(
        "SELECT unit, sha256, name, received_at, verdict FROM files WHERE kind=? AND period=? "
        "AND verdict IN ('accepted','superseded') ORDER BY received_at, name", (kind, period)).fetchall()
    first: dict[str, datetime] = {}
    out: dict[str, Submission] = {}
    for r in rows:
        at = datetime.fromisoformat(r["received_at"])
        first.setdefault(r["unit"], at)
        if r["verdict"] == "accepted":
            out[r["unit"]] = Submission(r["unit"], kind, period, r["sha256"], r["name"], at, first[r["unit"]])
    return out


def entries(ws: Workspace, sub: Submission | None) -> dict[str, dict]:
    if sub is None:
        return {}
    out = {}
    for r in ws.ledger.db.execute("SELECT task_id, text, vals, cells FROM entries WHERE sha256=? AND unit=?", (sub.sha256, sub.unit)):
        out[r["task_id"]] = {"text": r["text"], "values": json.loads(r["vals"]), "cells": json.loads(r["cells"])}
    return out


def unit_state(cal: WorkCalendar, unit: str, due: date | None, sub: Submission | None, now: datetime) -> UnitState:
    if sub is not None:
        if due is not None and sub.first_received_at.date() > due:
            return UnitState(unit, due, "late", cal.workdays_between(due, sub.first_received_at.date()), sub.file, sub.first_received_at)
        return UnitState(unit, due, "on_time", 0, sub.file, sub.first_received_at)
    if due is not None and now > end_of(due):
        return UnitState(unit, due, "missing")
    return UnitState(unit, due, "pending")


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
                 subs: dict[str, Submission], prev_subs: dict[str, Submission], plan_subs: dict[str, Submission]):
        self.db = db
        self.tasks = tasks
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
                for u in t.units:
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
                for u in t.units:
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


def build_month(ws: Workspace, period: str, now: datetime) -> MonthData:
    year, month = parse_period(period)
    period = f"{year}-{month:02d}"
    cal = ws.calendar
    tasks = ws.ledger.tasks()
    units = reporting_units(ws, tasks)
    due = month_deadline(ws, year, month)
    p_due = plan_deadline(year, ws.settings.plan_deadline)
    findings: list[Finding] = []
    warnings: list[str] = []

    subs = submissions(ws, "status", period)
    prev_period = f"{year}-{month - 1:02d}" if month > 1 else None
    prev_subs = submissions(ws, "status", prev_period) if prev_period else {}
    plan_subs = submissions(ws, "plan", str(year))

    states = [unit_state(cal, u, due, subs.get(u), now) for u in units]
    state_of = {s.unit: s for s in states}
    reader = _LineReader(ws.ledger.db, tasks, state_of, month, subs, prev_subs, plan_subs)
    for s in states:
        if s.state == "missing":
            n = reader.per_unit[s.unit]
            findings.append(Finding("missing", s.unit, "", period, "", "", f"{s.unit}截至{now:%Y年%m月%d日}未报送{year}年{month}月落实情况表（截止日期{due:%m月%d日}，涉及{n}项任务）。"))
        elif s.state == "late":
            findings.append(Finding("late", s.unit, "", period, s.file, "", f"{s.unit}于{s.received_at:%m月%d日}报送，晚于截止日期{due:%m月%d日}，迟报{s.late_days}个工作日。"))
    if now > end_of(p_due):
        for u in units:
            if u not in plan_subs:
                findings.append(Finding("no_plan", u, "", str(year), "", "", f"{u}未报送{year}年度落实计划表（截止日期{p_due:%m月%d日}），季度目标无从对照。"))

    # One pass over the lines in task order: findings and 红/黄/绿. A big month keeps only the
    # statuses (its rows read the lines back when iterated); a small one keeps the rows.
    stream = reader.n_lines > STREAM_LINES
    kept: list[TaskRow] = []
    statuses: list[str] = []
    text_chars = value_cells = 0
    for t, lines, checks in reader.read(0, len(tasks), with_checks=True):
        for ln, (entry_text, prev_values) in zip(lines, checks):
            if ln.unit in subs:
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
    plan_states = {u: unit_state(cal, u, p_due, plan_subs.get(u), now) for u in units}
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
            st = {u: unit_state(cal, u, d, msubs.get(u), now) for u in units}
            if not msubs and not ws.ledger.db.execute("SELECT 1 FROM generated WHERE kind='status' AND period=?", (per,)).fetchone():
                for u in units:
                    history[u][f"{m}月"] = "未下发"
                continue
        for u in units:
            history[u][f"{m}月"] = st[u].label

    order = {u: i for i, u in enumerate(units)}
    kind_order = {k: i for i, k in enumerate(FINDING_LABELS)}
    task_pos = {t.id: i for i, t in enumerate(tasks)}
    findings.sort(key=lambda f: (order.get(f.unit, 10**6), kind_order[f.kind], task_pos.get(f.task, -1)))
    return MonthData(period, year, month, due, now, rows, states, history, columns, findings, p_due, warnings)


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
