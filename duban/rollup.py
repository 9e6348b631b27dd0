"""The month's facts, computed once from the ledger: shared by the tracker and the briefing.

Everything here is a pure function of the ledger, the registry and ``now``, so the
tracker and the briefing for the same month and ``now`` agree number for number.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time

from .model import Finding, KIND_LABELS, Task
from .units import looks_like_group
from .workdays import WorkCalendar, parse_period, plan_deadline, status_deadline
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


@dataclass
class Line:
    unit: str
    role: str
    values: dict
    cells: dict  # field -> "file!cell"
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
    rows: list[TaskRow]
    units: list[UnitState]
    history: dict[str, dict[str, str]]  # unit -> {"计划": label, "1月": label, ...}
    history_columns: list[str]
    findings: list[Finding]
    plan_deadline: date
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict:
        states = Counter(u.state for u in self.units)
        status = Counter(r.status for r in self.rows)
        due_units = len(self.units) - states["pending"]
        reported = states["on_time"] + states["late"]
        return {
            "units": len(self.units),
            "reported": reported,
            "on_time": states["on_time"],
            "late": states["late"],
            "missing": states["missing"],
            "pending": states["pending"],
            "submission_rate": round(reported / due_units, 4) if due_units else 0.0,
            "on_time_rate": round(states["on_time"] / due_units, 4) if due_units else 0.0,
            "tasks": len(self.rows),
            "green": status["绿"],
            "yellow": status["黄"],
            "red": status["红"],
            "findings": dict(Counter(f.kind for f in self.findings)),
        }


def end_of(d: date) -> datetime:
    return datetime.combine(d, time(23, 59, 59))


def reporting_units(ws: Workspace, tasks: list[Task]) -> list[str]:
    """Units that must report: every unit named on a task, undefined groups aside, in official order."""
    names: list[str] = []
    for t in tasks:
        for u in t.units:
            if u not in names and (ws.registry.get(u) or not looks_like_group(u)):
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
    by_unit = {u: entries(ws, subs.get(u)) for u in units}
    prev_by_unit = {u: entries(ws, prev_subs.get(u)) for u in units}
    plan_by_unit = {u: entries(ws, plan_subs.get(u)) for u in units}

    states = [unit_state(cal, u, due, subs.get(u), now) for u in units]
    state_of = {s.unit: s for s in states}
    for s in states:
        if s.state == "missing":
            n = sum(1 for t in tasks if s.unit in t.units)
            findings.append(Finding("missing", s.unit, "", period, "", "", f"{s.unit}截至{now:%Y年%m月%d日}未报送{year}年{month}月落实情况表（截止日期{due:%m月%d日}，涉及{n}项任务）。"))
        elif s.state == "late":
            findings.append(Finding("late", s.unit, "", period, s.file, "", f"{s.unit}于{s.received_at:%m月%d日}报送，晚于截止日期{due:%m月%d日}，迟报{s.late_days}个工作日。"))
    if now > end_of(p_due):
        for u in units:
            if u not in plan_subs:
                findings.append(Finding("no_plan", u, "", str(year), "", "", f"{u}未报送{year}年度落实计划表（截止日期{p_due:%m月%d日}），季度目标无从对照。"))

    rows: list[TaskRow] = []
    for t in tasks:
        lines: list[Line] = []
        for u in t.units:
            if u not in state_of:
                continue
            e = by_unit[u].get(t.id)
            sub = subs.get(u)
            values = dict(e["values"]) if e else {}
            if not values.get("target"):
                values["target"] = quarter_target((plan_by_unit[u].get(t.id) or {}).get("values", {}), month)
            cells = {k: f"{sub.file}!{c}" for k, c in (e["cells"] if e else {}).items()} if sub else {}
            lines.append(Line(u, t.role_of(u) or "", values, cells, sub.file if sub else "", e is not None))
            if sub is None:
                continue
            label = f"{KIND_LABELS[t.kind]}{t.seq}"
            if e is None:
                findings.append(Finding("incomplete", u, t.id, period, sub.file, "", f"{u}报送的表中缺少任务“{label}”这一行，请核实。"))
                continue
            blank = [f for f in REQUIRED if not (values.get(f) or "").strip()]
            if blank:
                findings.append(Finding("incomplete", u, t.id, period, sub.file, "、".join(e["cells"].get(f, "") for f in blank if e["cells"].get(f)),
                                        f"{u}关于{label}的{'、'.join(FIELD_LABELS[f] for f in blank)}未填写。"))
            if values.get("achieved") == "否":
                findings.append(Finding("not_achieved", u, t.id, period, sub.file, e["cells"].get("achieved", ""), f"{u}报告{label}未完成阶段任务目标。"))
            prev = prev_by_unit[u].get(t.id)
            if prev:
                same = [f for f in ("progress", "next_steps") if squash(values.get(f)) and squash(values.get(f)) == squash(prev["values"].get(f))]
                if same:
                    findings.append(Finding("copied", u, t.id, period, sub.file, "、".join(e["cells"].get(f, "") for f in same),
                                            f"{u}关于{label}的{'、'.join(FIELD_LABELS[f] for f in same)}与上月报送完全相同。"))
            if e["text"] and squash(e["text"]) != squash(t.text):
                findings.append(Finding("task_edited", u, t.id, period, sub.file, e["cells"].get("text", ""), f"{u}改动了{label}的任务内容，台账仍以任务分解表为准。"))
        rows.append(TaskRow(t, traffic_light(lines, state_of), lines))

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
    kind_order = list(FINDING_LABELS)
    task_pos = {t.id: i for i, t in enumerate(tasks)}
    findings.sort(key=lambda f: (order.get(f.unit, 10**6), kind_order.index(f.kind), task_pos.get(f.task, -1)))
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
