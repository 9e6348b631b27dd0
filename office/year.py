"""The year's facts, month by month, from the same computation as each month's tracker.

:func:`build_year` builds every month from January to the month of ``now`` with
:func:`office.month.build_month` (at the same ``now``), takes what the year view needs and closes
the month before building the next one, so that twelve months of lines are never held: per task
its light and :class:`~office.month_data.Progress`, and (issued months only) whether a lead unit
returned its form, what it reported, whether several leads' 完成进度 differ and whether one could
not be read; per unit its :class:`~office.month_data.UnitState` label; the month's counts; and
what the 考核 score takes of the month (:class:`~office.score_data.MonthFacts`: the units' states
and the findings), so that ``merge --year`` scores the year without building its months again.
Months after the month of ``now`` are 未开始 and not built; a month whose form was issued to
no unit is 未下发 (its units are 未下发 in build_month already; its tasks get no light, and its
categories no mean 完成进度).

The records are in :mod:`office.year_data`, which the document writers import.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from office.dates import cn_datetime
from office.errors import DubanError
from office.month import build_month, end_of
from office.month_data import MonthData, Progress
from office.progress import stored_percent
from office.score_data import MonthFacts
from office.wording import is_no_problem
from office.workspace import Workspace
from office.year_data import (ALL_TASKS, ISSUED, MONTH_NOT_ISSUED, MONTH_NOT_STARTED, MONTHS, NOT_ISSUED, NOT_STARTED,
                              CategoryMonth, TaskMonth, TaskYear, UnitYear, YearData, category_of)

__all__ = ["build_year", "last_month", "category_means"]

SUMMARY_CHARS = 120  # a lead unit's 完成情况 / 存在问题 kept for the briefing, at most


def last_month(year: int, now: datetime) -> int:
    """The last month of ``year`` to build at ``now``: 12 once the year is over, the month of
    ``now`` during it, 0 before it."""
    if now.year > year:
        return 12
    if now.year == year:
        return now.month
    return 0


def category_means(progress: list[Progress | None], issued: bool = True) -> CategoryMonth:
    """The mean 完成进度 (of the tasks that reported one; an 已完成 task at 100%) and mean 序时进度 of
    some tasks' Progress; in a month not ``issued`` no 完成进度 (nothing was reported)."""
    got = [p for p in progress if p is not None]
    reported = [p for p in got if p.percent is not None] if issued else []
    return CategoryMonth(round(sum(p.percent for p in reported) / len(reported), 1) if reported else None,
                         round(sum(p.schedule for p in got) / len(got), 1) if got else None, len(reported), len(progress),
                         sum(1 for p in reported if p.done))


def _short(text: object) -> str:
    s = "".join(str(text or "").split())
    return s if len(s) <= SUMMARY_CHARS else s[: SUMMARY_CHARS - 1] + "…"


def _lead_reports(data: MonthData) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[bool, bool, bool]]]:
    """task id -> (完成情况, 存在问题) its lead units reported this month; and task id -> (some lead
    unit returned its form, the leads' 完成进度 differ, a lead's 完成进度 could not be read) of the
    tasks some lead returned its form for (the lines are read once)."""
    out: dict[str, tuple[str, str]] = {}
    marks: dict[str, tuple[bool, bool, bool]] = {}
    unreadable = {(f.task, f.unit) for f in data.findings if f.kind == "bad_progress" and f.period == data.period}
    for row in data.rows:
        leads = [ln for ln in row.lines if ln.role == "牵头"] or row.lines[:1]
        got = [ln for ln in leads if ln.reported]
        if got:
            percents = {p for p in (stored_percent(ln.values.get("percent")) for ln in got) if p is not None}
            marks[row.task.id] = (True, len(percents) > 1, any((row.task.id, ln.unit) in unreadable for ln in got))
        said = [(ln.unit, _short(ln.values.get("progress"))) for ln in got if ln.values.get("progress")]
        problems = [(ln.unit, _short(ln.values.get("problems"))) for ln in got
                    if not is_no_problem(str(ln.values.get("problems") or ""))]
        if said or problems:
            one = len(leads) == 1
            out[row.task.id] = ("；".join(p if one else f"{u}：{p}" for u, p in said),
                                "；".join(p if one else f"{u}：{p}" for u, p in problems))
    return out, marks


def build_year(ws: Workspace, year: int, now: datetime) -> YearData:
    """The year's facts at ``now`` (see the module docstring)."""
    if year != ws.settings.year:
        raise DubanError(f"{year}年不是本工作区的年度（{ws.settings.year}年）。每个工作区只管一个年度，"
                         f"请用 -w 指定{year}年度的工作区，或改为 --year {ws.settings.year}。")
    last = last_month(year, now)
    if not last:
        raise DubanError(f"统计时间{cn_datetime(now)}尚未到{year}年，没有可汇总的月份。")
    status = [MONTH_NOT_STARTED] * 12
    deadlines: list = [None] * 12
    counts: list[dict | None] = [None] * 12
    tasks: list[TaskYear] = []
    units: list[UnitYear] = []
    pos: dict[str, int] = {}
    unit_pos: dict[str, int] = {}
    warnings: list[str] = []
    notes: list[str] = []
    passed: list[int] = []  # issued months whose deadline has passed
    plan_findings: dict[str, int] = {}
    score_months: dict[int, MonthFacts] = {}

    for m in range(1, last + 1):
        with build_month(ws, f"{year}-{m:02d}", now) as data:
            if not tasks:
                tasks = [TaskYear(t, category_of(t), [TaskMonth(NOT_STARTED)] * 12) for t in data.rows.tasks]
                pos = {t.task.id: i for i, t in enumerate(tasks)}
            if not units:
                units = [UnitYear(u.unit, [NOT_STARTED] * 12, ["not_started"] * 12, [0] * 12, [False] * 12)
                         for u in data.units]
                unit_pos = {u.unit: i for i, u in enumerate(units)}
            issued = bool(data.issued)
            status[m - 1] = ISSUED if issued else MONTH_NOT_ISSUED
            deadlines[m - 1] = data.deadline
            # the month's own findings; those of the year's plan come back every month: taken once, from the last
            counts[m - 1] = {**data.counts, "findings": dict(Counter(f.kind for f in data.findings if f.period == data.period))}
            plan_findings = dict(Counter(f.kind for f in data.findings if f.period != data.period))
            score_months[m] = MonthFacts.of(data)
            if issued and now > end_of(data.deadline):
                passed.append(m)
            said, marks = _lead_reports(data) if issued else ({}, {})
            for t, light, p in zip(data.rows.tasks, data.rows.statuses, data.rows.progress):
                i = pos.get(t.id)
                if i is not None:
                    tasks[i].months[m - 1] = TaskMonth(light if issued else NOT_ISSUED, p, *marks.get(t.id, ()))
            for u in data.units:
                i = unit_pos.get(u.unit)
                if i is None:
                    continue
                y = units[i]
                y.labels[m - 1], y.states[m - 1] = u.label, u.state
                y.late_days[m - 1] = u.late_days if u.state == "late" else 0
                y.blank[m - 1] = u.blank
                y.plan = data.history.get(u.unit, {}).get("年度计划", y.plan)
            for tid, (progress, problems) in said.items():
                i = pos.get(tid)
                if i is not None:
                    tasks[i].lead_progress = progress or tasks[i].lead_progress
                    tasks[i].lead_problems = problems
            if data.not_issued_note and data.not_issued_note not in notes:
                notes.append(data.not_issued_note)
            warnings += [w for w in data.warnings if w not in warnings]

    issued_months = [m for m in MONTHS if status[m - 1] == ISSUED]
    final = passed[-1] if passed else (issued_months[-1] if issued_months else 0)
    for t in tasks:
        t.final_month = final
    categories = list(dict.fromkeys(t.category for t in tasks))
    by_category: dict[str, list[CategoryMonth | None]] = {}
    for name in [ALL_TASKS, *categories]:
        members = tasks if name == ALL_TASKS else [t for t in tasks if t.category == name]
        by_category[name] = [category_means([t.months[m - 1].progress for t in members], status[m - 1] == ISSUED)
                             if status[m - 1] != MONTH_NOT_STARTED else None for m in MONTHS]
    return YearData(year, now, status, deadlines, tasks, units, categories, by_category, counts, final, warnings, notes,
                    plan_findings, score_months)

