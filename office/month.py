"""The month's facts and rules, computed once from the ledger: shared by the tracker, the
briefing, the reminders and the web page.

Everything here is a pure function of the ledger, the registry and ``now``, so the
tracker and the briefing for the same month and ``now`` agree number for number. The
records (:class:`MonthData` and its parts) are in :mod:`office.month_data`, which the
document writers import; this module reads the ledger through :mod:`office.ledger`.

Memory: the month's lines are read from the ledger in task order, a few hundred tasks at
a time (:class:`office.ledger.lines.LineSet`). ``MonthData.rows`` is a
:class:`~office.month_data.MonthRows` whatever the size: it keeps tasks and statuses and
reads the lines back on iteration (a city: 400,000 lines held at ~4 KB each would need
1.7 GB). Close the month (``data.close()`` or ``with build_month(...) as data``) when done;
``ws.close()`` closes any left open. ``Line.cells`` holds bare cell addresses of
``Line.file`` ("E7"), shared between lines with the same layout; treat it as read-only.

Who is asked: a unit is 应报 for a period only if that period's form was issued to it
(:func:`office.ledger.mail.issued_units`: mailed, or recorded with ``send --record-only``) or
it returned the form anyway. A unit not issued the form is ``not_issued`` (未下发): no 未报/迟报,
not counted in any rate. Under ``[workflow] co_units = "via_lead"`` only lead units report the
status form (one line per lead unit on each task).

A blank return (a status form with no 完成情况 in any row; a plan with no quarter target in any
row) is not a report: the unit keeps the state it would have without it (``missing`` once the
deadline has passed, ``pending`` before, i.e. 视同未报), with ``UnitState.blank`` set, its label
“空表”, and one ``blank`` finding (空表) in place of the ``missing`` one (and of the line findings
of its rows). The lateness of a later, filled-in return counts from that return.

Findings: the month's rules give 未报, 迟报, 空表, 计划未报, 内容不全, 未完成阶段目标, 照搬上月,
改动任务 (the task text as returned differs from the register's) and 已完成任务进度回退. Problems
found in a cell while reading a return (a 是/否 cell holding something else, a 完成进度 that is
not a number, ...) were stored with the file when it was accepted (:mod:`office.ledger.findings`);
the month adds those of the returns that count. A 是/否 cell that could not be read is reported
once, as 是/否无法识别, not also as 未填写.

红/黄/绿 (:func:`task_progress`): a task whose lead units report a 完成进度 is banded by how far the
lowest of them is behind 序时进度 (``[progress]``; of the task's own 完成时限 when a lead's plan gives
one), a lead's 否 making it 红 (``no_forces_red``); without one, :func:`traffic_light` (是/否) as
before; a lead missing past the deadline is 红 either way. A task is 已完成 (销号) from the first
month every lead reports 100 and 是, and stays so (绿) in the later months unless a lead's report
says otherwise (below 100, or 否: one 已完成任务进度回退 finding, and the normal rules again). That
state is rebuilt each time from the leads' accepted returns of the earlier months
(:mod:`office.ledger.progress`), so a month gives the same result whatever order months are built in.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, time

from office.errors import command
from office.ledger import entries as entries_table, files, findings as findings_table, generated, lines, mail, mailbox
from office.ledger import progress as progress_table
from office.model import Finding, KIND_LABELS, Task
from office.month_data import (FIELD_LABELS, FINDING_LABELS, RECEIVED_SOURCES, RULE_KINDS, STATE_LABELS, STATUS_FIELDS, Line, MonthData,
                               MonthRows, Progress, Submission, TaskRow, UnitState, row_statuses, row_tasks)
from office.progress import ProgressSettings, band, gap_of, parse_due, percent_text, schedule_pct, stored_percent
from office.units import looks_like_group
from office.workdays import WorkCalendar, parse_period, plan_deadline, status_deadline
from office.workspace import Workspace

__all__ = [
    "FIELD_LABELS", "FINDING_LABELS", "REQUIRED", "RULE_KINDS", "STATE_LABELS", "STATUS_FIELDS", "Line", "MonthData",
    "MonthRows", "Progress", "Submission", "TaskRow", "UnitState", "blank_files", "build_month", "end_of", "entries", "line_units",
    "month_deadline", "not_issued_note", "quarter_target", "reporting_units", "row_statuses", "row_tasks", "squash",
    "submissions", "task_progress", "traffic_light", "unit_state", "via_lead",
]

REQUIRED = ("progress", "next_steps", "achieved")
CHUNK_TASKS = 500  # tasks per read of lines from the ledger
_WS = re.compile(r"\s+")


def squash(text: str | None) -> str:
    return _WS.sub("", text or "")


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


# A return is blank when none of its rows has a value in these fields.
_FILLED_FIELDS = {"status": ("progress",), "plan": ("q1", "q2", "q3", "q4")}


def blank_files(ws: Workspace, kind: str, period: str) -> set[str]:
    """sha256 of the accepted (or superseded) returns of the period that are blank: no 完成情况 in
    any row (status), no quarter target in any row (plan)."""
    return files.blank_returns(ws.ledger, kind, period, _FILLED_FIELDS.get(kind, ("progress",)))


def submissions(ws: Workspace, kind: str, period: str) -> dict[str, Submission]:
    """The accepted submission per unit, with the time of its first accepted version that was not blank."""
    rows = files.versions(ws.ledger, kind, period)
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
    """task id -> {text, values, cells} of a submission's rows."""
    if sub is None:
        return {}
    return {e["task_id"]: {"text": e["text"], "values": e["values"], "cells": e["cells"]}
            for e in entries_table.of_file(ws.ledger, sub.sha256, sub.unit)}


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


def quarter_target(plan_vals: dict | None, month: int) -> str | None:
    return plan_vals.get(f"q{(month - 1) // 3 + 1}") if plan_vals else None


# ---------------------------------------------------------------------------- lines


class _MonthLines:
    """The month's (task, unit) lines as :class:`Line` records, read through a ledger
    :class:`~office.ledger.lines.LineSet` in task order, :data:`CHUNK_TASKS` tasks at a time."""

    def __init__(self, ws: Workspace, tasks: list[Task], state_of: dict[str, UnitState], month: int,
                 subs: dict[str, Submission], prev_subs: dict[str, Submission], plan_subs: dict[str, Submission],
                 lead_only: bool = False):
        self.tasks = tasks
        self.lead_only = lead_only
        self.included = state_of.keys()
        self.month = month
        self.subs = subs
        self.offsets = array("q", [0])  # tasks[i]'s lines are positions offsets[i] .. offsets[i+1]-1
        self.per_unit: Counter = Counter()  # unit -> number of its lines (tasks naming it)
        included, offsets, per_unit = self.included, self.offsets, self.per_unit

        def key(sub: Submission | None) -> tuple[str, str] | None:
            return None if sub is None else (sub.sha256, sub.unit)

        def planned():
            pos = 0
            for t in tasks:
                tid = t.id
                for u in line_units(t, lead_only):
                    if u in included:
                        yield tid, key(subs.get(u)), key(prev_subs.get(u)), key(plan_subs.get(u))
                        per_unit[u] += 1
                        pos += 1
                offsets.append(pos)

        self.set = lines.LineSet(ws.ledger, planned())
        self.n_lines = self.offsets[-1]

    def line_counts(self) -> array:
        o = self.offsets
        return array("q", (o[i + 1] - o[i] for i in range(len(o) - 1)))

    def read(self, lo: int, hi: int, with_checks: bool = False) -> Iterator[tuple[Task, list[Line], list[lines.Raw]]]:
        """(task, lines, raw lines) for tasks[lo:hi] in order; with ``with_checks`` the raw lines also
        carry the task text as returned and last month's answers."""
        tasks, included, subs, month, offsets = self.tasks, self.included, self.subs, self.month, self.offsets
        lead_only = self.lead_only
        for a in range(lo, hi, CHUNK_TASKS):
            b = min(hi, a + CHUNK_TASKS)
            it = iter(self.set.read(offsets[a], offsets[b], with_checks))
            for t in tasks[a:b]:
                out: list[Line] = []
                raws: list[lines.Raw] = []
                for u in line_units(t, lead_only):
                    if u not in included:
                        continue
                    raw = next(it)
                    sub = subs.get(u)
                    if raw.values is not None:
                        values, cells, reported = raw.values, raw.cells, True
                    else:
                        values, cells, reported = {}, {}, False
                    if not values.get("target"):
                        values["target"] = quarter_target(raw.plan, month)
                    out.append(Line(u, t.role_of(u) or "", values, cells, sub.file if sub else "", reported))
                    raws.append(raw)
                yield t, out, raws

    def rows(self, statuses: list[str], text_chars: int, value_cells: int, progress: list[Progress]) -> MonthRows:
        def produce(lo: int, hi: int) -> Iterator[TaskRow]:
            for i, (t, got, _) in enumerate(self.read(lo, hi), start=lo):
                yield TaskRow(t, statuses[i], got, progress[i])

        return MonthRows(self.tasks, statuses, self.line_counts(), produce, text_chars=text_chars,
                         value_cells=value_cells, close=self.set.close, progress=progress)

    def close(self) -> None:
        self.set.close()


# ---------------------------------------------------------------------------- the month


def _line_findings(findings: list[Finding], t: Task, ln: Line, entry_text: str | None, prev_values: dict | None,
                   period: str, unreadable: set[str], edited_elsewhere: bool = False) -> None:
    """Findings on one reported unit's line of one task (the unit's submission exists).
    ``unreadable``: cells of the unit's file whose value could not be read (reported as read)."""
    u, values, cells = ln.unit, ln.values, ln.cells
    label = f"{KIND_LABELS[t.kind]}{t.seq}"
    if not ln.reported:
        findings.append(Finding("incomplete", u, t.id, period, ln.file, "", f"{u}报送的表中缺少任务“{label}”这一行，请核实。"))
        return
    blank = [f for f in REQUIRED if not (values.get(f) or "").strip() and cells.get(f, "") not in unreadable]
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
    if entry_text and not edited_elsewhere and squash(entry_text) != squash(t.text):
        findings.append(Finding("task_edited", u, t.id, period, ln.file, cells.get("text", ""), f"{u}改动了{label}的任务内容，台账仍以任务分解表为准。"))


def _reading_findings(ws: Workspace, period: str, year: int, subs: dict[str, Submission],
                      plan_subs: dict[str, Submission], included) -> list[Finding]:  # noqa: ANN001
    """The findings stored when the returns that count were read (blank returns aside: they
    have their one 空表 finding)."""
    out: list[Finding] = []
    for kind, per, which in (("status", period, subs), ("plan", str(year), plan_subs)):
        for f in findings_table.of_returns(ws.ledger, kind, per):
            sub = which.get(f.unit)
            if f.unit not in included or sub is None or sub.blank:
                continue
            out.append(f)
    return out


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


def build_month(ws: Workspace, period: str, now: datetime) -> MonthData:
    """The month's facts at ``now``. Close the result when done (it reads its lines from the ledger)."""
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
    issued = mail.issued_units(ws.ledger, "status", period)
    plan_issued = mail.issued_units(ws.ledger, "plan", str(year))

    states = [unit_state(cal, u, due, subs.get(u), now, u in issued) for u in units]
    state_of = {s.unit: s for s in states}
    reader = _MonthLines(ws, tasks, state_of, month, subs, prev_subs, plan_subs, lead_only)
    try:
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

        read_found = _reading_findings(ws, period, year, subs, plan_subs, state_of.keys())
        findings += read_found
        # mailed from an address registered to another unit (the month's form, and the year's plan)
        findings += mailbox.sender_findings(ws.ledger, "status", period) + mailbox.sender_findings(ws.ledger, "plan", str(year))
        unreadable: dict[str, set[str]] = {}  # unit -> cells of its return whose 是/否 could not be read
        edited: set[tuple[str, str]] = set()  # (unit, task) already reported as edited when read
        for f in read_found:
            if f.kind == "bad_choice" and f.period == period:
                unreadable.setdefault(f.unit, set()).add(f.cell)
            elif f.kind == "task_edited":
                edited.add((f.unit, f.task))
        nothing: set[str] = set()

        # 已完成 (销号) up to last month, from the lead units' returns of the earlier months
        leads_of = {t.id: lead_units(t, state_of.keys(), lead_only) for t in tasks}
        answers = progress_table.lead_answers(ws.ledger, year, month, ((tid, u) for tid, us in leads_of.items() for u in us))
        done_before = done_state(answers, leads_of, year, month)

        # One pass over the lines in task order: findings and 红/黄/绿; the rows read the lines
        # back when they are iterated.
        statuses: list[str] = []
        progress: list[Progress] = []
        rules = ws.settings.progress
        text_chars = value_cells = 0
        for t, got, raws in reader.read(0, len(tasks), with_checks=True):
            for ln, raw in zip(got, raws):
                if ln.unit in subs and not subs[ln.unit].blank:
                    _line_findings(findings, t, ln, raw.text, raw.previous, period, unreadable.get(ln.unit, nothing),
                                   (ln.unit, t.id) in edited)
            light, p = task_progress(t, got, raws, state_of, subs, year, month, done_before.get(t.id, ""), rules, findings)
            statuses.append(light)
            progress.append(p)
            for ln in got:
                for v in ln.values.values():
                    if isinstance(v, str):
                        text_chars += len(v)
                value_cells += sum(1 for f in STATUS_FIELDS if ln.cells.get(f))
        rows = reader.rows(statuses, text_chars, value_cells, progress)

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
                missued = mail.issued_units(ws.ledger, "status", per)
                st = {u: unit_state(cal, u, d, msubs.get(u), now, u in missued) for u in units}
            for u in units:
                history[u][f"{m}月"] = st[u].label
        # When each unit's return of the month counts as received, and where that time came from
        # (邮件服务器收到时间 for a fetched mail, 首次发现时间 for a file dropped in the inbox, ...).
        got_column, source_column = f"{month}月收到时间", "收到时间来源"
        columns += [got_column, source_column]
        sources = mailbox.received_labels(ws.ledger, [s.sha256 for s in subs.values()])
        for u in units:
            got, sub = state_of[u].received_at, subs.get(u)
            history[u][got_column] = f"{got:%m-%d %H:%M}" if got and sub else ""
            history[u][source_column] = sources.get(sub.sha256, RECEIVED_SOURCES["first_seen"]) if got and sub else ""

        made = generated.units(ws.ledger, "status", period)
        note = not_issued_note(ws, "status", period, [s.unit for s in states if s.state == "not_issued" and s.unit in made],
                               len(made))
        plan_made = generated.units(ws.ledger, "plan", str(year))
        plan_note = not_issued_note(ws, "plan", str(year), [u for u in units if plan_states[u].state == "not_issued" and u in plan_made],
                                    len(plan_made))
        if plan_note:
            warnings.append(plan_note)
    except BaseException:
        reader.close()
        raise

    order = {u: i for i, u in enumerate(units)}
    kind_order = {k: i for i, k in enumerate(FINDING_LABELS)}
    task_pos = {t.id: i for i, t in enumerate(tasks)}
    findings.sort(key=lambda f: (order.get(f.unit, 10**6), kind_order.get(f.kind, len(kind_order)), task_pos.get(f.task, -1)))
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


# ---------------------------------------------------------------------------- 完成进度 and 已完成


def lead_units(t: Task, included, lead_only: bool = False) -> list[str]:  # noqa: ANN001 - a set-like of unit names
    """The units whose answers light task ``t``: its lead units that report this month, else the
    first unit that does (as :func:`traffic_light` takes them)."""
    units = [u for u in line_units(t, lead_only) if u in included]
    return [u for u in units if t.role_of(u) == "牵头"] or units[:1]


def _completes(answer: tuple[float | None, object] | None) -> bool:
    return answer is not None and answer[0] is not None and answer[0] >= 100 and answer[1] == "是"


def _contradicts(answer: tuple[float | None, object] | None) -> bool:
    return answer is not None and ((answer[0] is not None and answer[0] < 100) or answer[1] == "否")


def done_step(done: str, period: str, answers: list) -> str:  # noqa: ANN001 - (percent, achieved) or None per lead
    """The period since which a task is 已完成 after ``period``, given the state before it
    (``done``: that period, or "") and each lead unit's answer of ``period`` ((percent, achieved),
    None when it gave none): a lead saying otherwise (below 100, or 否) lifts the state; every
    lead reporting 100 and 是 sets it."""
    if done:
        return "" if any(_contradicts(a) for a in answers) else done
    return period if answers and all(_completes(a) for a in answers) else ""


def done_state(answers: list[tuple], leads_of: dict[str, list[str]], year: int, month: int) -> dict[str, str]:
    """task id -> the period it has been 已完成 since, at the end of the month before ``month``
    (tasks not done are left out). ``answers``: office.ledger.progress.lead_answers."""
    # only a task some lead once reported 100 and 是 for can be done
    maybe = {a[2] for a in answers if a[4] == "是" and _completes((stored_percent(a[3]), "是"))}
    said: dict[str, dict[str, dict[str, tuple]]] = {}  # task -> period -> unit -> (percent, achieved)
    for per, unit, tid, pct, ach in answers:
        if tid in maybe:
            said.setdefault(tid, {}).setdefault(per, {})[unit] = (stored_percent(pct), ach)
    out: dict[str, str] = {}
    for tid, months in said.items():
        done = ""
        leads = leads_of.get(tid, [])
        for m in range(1, month):
            per = f"{year}-{m:02d}"
            got = months.get(per, {})
            done = done_step(done, per, [got.get(u) for u in leads])
        if done:
            out[tid] = done
    return out


def _period_name(period: str) -> str:
    return f"{int(period[:4])}年{int(period[5:])}月"


def task_progress(t: Task, got: list[Line], raws: list, state_of: dict[str, UnitState], subs: dict[str, Submission],  # noqa: ANN001
                  year: int, month: int, done_before: str, settings: ProgressSettings,
                  findings: list[Finding]) -> tuple[str, Progress]:
    """The task's 红/黄/绿 and :class:`Progress` this month. ``raws``: the lines' raw records (their
    plan values give the 完成时限); ``done_before``: the period it has been 已完成 since (or "").

    已完成 stays unless a lead's report of this month says otherwise (one ``reopened`` finding,
    appended to ``findings``); a lead not due or missing leaves it. Otherwise: a lead missing past
    the deadline is 红; a reported 完成进度 (the lowest of the leads') is banded against 序时进度,
    a lead's 否 making it 红 when ``settings.no_forces_red``; without one, :func:`traffic_light`."""
    period = f"{year}-{month:02d}"
    leads = [i for i, ln in enumerate(got) if ln.role == "牵头"] or list(range(len(got)))[:1]
    answers: list[tuple[float | None, object] | None] = []
    due = None
    for i in leads:
        ln = got[i]
        sub = subs.get(ln.unit)
        reported = ln.reported and sub is not None and not sub.blank
        answers.append((stored_percent(ln.values.get("percent")), ln.values.get("achieved")) if reported else None)
        plan = raws[i].plan if i < len(raws) else None
        when = parse_due(plan.get("due_by"), year) if plan else None
        if when is not None and (due is None or when < due):
            due = when
    schedule = schedule_pct(year, month, due)
    percents = [a[0] for a in answers if a is not None and a[0] is not None]
    percent = min(percents) if percents else None
    done = done_step(done_before, period, answers)
    if done_before and not done:
        i, a = next((i, a) for i, a in zip(leads, answers) if _contradicts(a))
        ln = got[i]
        said = ([f"完成进度为{percent_text(a[0])}"] if a[0] is not None and a[0] < 100 else []) + \
               (["未完成阶段任务目标"] if a[1] == "否" else [])
        cell = ln.cells.get("percent" if a[0] is not None and a[0] < 100 else "achieved", "")
        findings.append(Finding("reopened", ln.unit, t.id, period, ln.file, cell,
                                f"{KIND_LABELS[t.kind]}{t.seq}已于{_period_name(done_before)}报告完成（已销号），{ln.unit}"
                                f"{_period_name(period)}报告{'、'.join(said)}，已恢复按进度跟踪，请核实。"))
    if done:
        return "绿", Progress(100.0 if percent is None else percent, schedule, "done", due, True, done)
    rule = "yes_no" if percent is None else "progress"
    if any(state_of[got[i].unit].state == "missing" for i in leads):
        light = "红"
    elif percent is None:
        light = traffic_light(got, state_of)
    elif settings.no_forces_red and any(a is not None and a[1] == "否" for a in answers):
        light = "红"
    else:
        light = band(gap_of(percent, schedule), settings)
    return light, Progress(percent, schedule, rule, due)
