"""考核 scores: each unit's points for a year or a quarter, from the months' facts.

A pure computation over :func:`office.month.build_month` (or over the same facts already taken
by :func:`office.year.build_year`: ``compute(..., months=YearData.score_months)``, see
:class:`office.score_data.MonthFacts`), and, for the year's plan, the same functions build_month
uses: :func:`office.month.submissions`, :func:`office.month.unit_state`, :func:`office.workdays.plan_deadline`, :func:`office.ledger.mail.issued_units`. Nothing is
printed or written here; :mod:`jobs.score` writes the book.

What is scored (``[score]`` in duban.toml, :class:`office.settings.ScoreSettings`):

* every report, i.e. each month's 落实情况表 and the year's 落实计划表, returned late (迟报) or not
  returned by its deadline (未报; a blank return 空表 counts as 未报, the plan's 未报 is 计划未报):
  ``late`` / ``missing`` points per report;
* every finding of a kind in ``[score.kinds]`` (内容不全, 照搬上月, ...): its points per finding;
  kinds worth 0 (the default) give no deduction row;
* ``co_unit_factor``: a finding on a task where the unit's role is 配合 counts × factor; the
  reporting events of a unit that leads no task of the table (and its findings not tied to a
  task, such as 发件人与报送单位不符) count × factor.

Which periods: the year's 12 months (a quarter: its 3 months) whose deadline has passed at
``now``; a month still open is not scored and is named in ``Scores.not_scored``. The year's
plan belongs to the year, and to the quarter holding its deadline (02-18: the first). A period
whose form was not issued to a unit costs that unit nothing (``UnitScore.not_issued``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from office.dates import period_label, quarter_label
from office.errors import DubanError, command
from office.ledger import mail
from office.model import KIND_LABELS, Finding, Task
from office.month import build_month, end_of, month_deadline, reporting_units, submissions, unit_state, via_lead
from office.score_data import EVENT_FINDINGS, KIND_ORDER, Deduction, MonthFacts, Scores, UnitScore, as_decimal, kind_label, rule_text
from office.settings import SCORE_KINDS, ScoreSettings
from office.workdays import plan_deadline
from office.workspace import Workspace

__all__ = ["compute", "plan_quarter", "scope_months"]


def scope_months(quarter: int | None) -> list[int]:
    """The months of the scope: the year's twelve, or the quarter's three."""
    return list(range(1, 13)) if quarter is None else list(range(3 * quarter - 2, 3 * quarter + 1))


def plan_quarter(ws: Workspace, year: int) -> int:
    """The quarter whose score includes the year's plan: the one holding the plan's deadline."""
    return (plan_deadline(year, ws.settings.plan_deadline).month - 1) // 3 + 1


def plan_label(year: int) -> str:
    return f"{year}年度计划"


class _Tally:
    """The deductions as they are found, with the rules and who leads what."""

    def __init__(self, rules: ScoreSettings, units: list[str], tasks: list[Task]):
        self.rules = rules
        self.units = set(units)
        self.tasks = {t.id: t for t in tasks}
        self.leads = {u for t in tasks for u in t.lead_units}
        self.factor = as_decimal(rules.co_unit_factor)
        self.rows: list[Deduction] = []

    def _points(self, kind: str) -> Decimal:
        if kind == "late":
            return as_decimal(self.rules.late)
        if kind == "missing":
            return as_decimal(self.rules.missing)
        return as_decimal(self.rules.points(kind))

    def add(self, kind: str, f: Finding, period: str, label: str) -> None:
        """Score finding ``f`` as ``kind`` (late / missing / a SCORE_KINDS kind) in the period."""
        if f.unit not in self.units:
            return
        per = self._points(kind)
        if per == 0:
            return
        rule = rule_text(kind, per)
        t = self.tasks.get(f.task) if f.task else None
        if t is not None:
            co = t.role_of(f.unit) == "配合"
            why = "配合单位"
        else:  # the unit's report as a whole
            co = f.unit not in self.leads
            why = "仅为配合单位"
        points = per
        if co and self.factor != 1:
            points = per * self.factor
            rule += f"；{why} ×{format(self.factor.normalize(), 'f')}"
        self.rows.append(Deduction(
            unit=f.unit, period=period, period_label=label, kind=kind, kind_label=kind_label(kind), finding=f.kind,
            rule=rule, points=points, message=f.message, file=f.file, cell=f.cell, task=f.task,
            task_label=f"{KIND_LABELS.get(t.kind, t.kind)}{t.seq}" if t is not None else ""))

    def findings(self, found: Iterable[Finding], period: str, label: str) -> None:
        """The period's findings of the kinds [score.kinds] may score."""
        for f in found:
            if f.period == period and f.kind in SCORE_KINDS:
                self.add(f.kind, f, period, label)


def _events(tally: _Tally, states, findings: list[Finding], period: str, label: str,  # noqa: ANN001
            fallback) -> list[str]:  # noqa: ANN001
    """迟报/未报 of the period's unit states; returns the units it was not issued to.
    ``fallback(state)``: the finding to cite when the month has none for the event."""
    by_unit: dict[tuple[str, str], Finding] = {}
    for f in findings:
        if f.period == period:
            by_unit.setdefault((f.unit, f.kind), f)
    not_issued: list[str] = []
    for s in states:
        if s.state == "not_issued":
            not_issued.append(s.unit)
            continue
        if s.state not in ("late", "missing"):
            continue
        cited = next((by_unit[(s.unit, k)] for k in EVENT_FINDINGS[s.state] if (s.unit, k) in by_unit), None)
        tally.add(s.state, cited or fallback(s), period, label)
    return not_issued


def compute(ws: Workspace, year: int, now: datetime, quarter: int | None = None,
            months: Mapping[int, MonthFacts] | None = None) -> Scores:
    """Each unit's score for ``year`` (or its ``quarter``, 1–4) at ``now``: see the module's doc.

    ``months``: month (1–12) -> :class:`MonthFacts` already taken at the same ``now`` (by
    :func:`office.year.build_year`, which builds every month anyway); a month the score needs and
    ``months`` lacks is built here."""
    if year != ws.settings.year:
        raise DubanError(f"{year}年不是本工作区的年度（{ws.settings.year}年），只能计算{ws.settings.year}年的考核评分。")
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise DubanError(f"季度应为 1 到 4，实际为：{quarter!r}。")
    tasks = ws.ledger.tasks()
    if not tasks:
        raise DubanError(f"任务登记为空，无从计分。请先运行 {command('import 任务分解表.xlsx')} 导入任务。")
    units = reporting_units(ws, tasks, via_lead(ws))
    rules = ws.settings.score
    tally = _Tally(rules, units, tasks)
    not_issued: dict[str, list[str]] = {u: [] for u in units}
    scored: list[str] = []
    not_scored: list[str] = []
    plan_findings: list[Finding] | None = None  # the plan's findings, as every month repeats them
    year_key = str(year)

    pending: list[tuple[int, date]] = []  # months of the scope not yet past their deadline

    def facts_of(m: int) -> MonthFacts:
        got = months.get(m) if months is not None else None
        if got is None:
            with build_month(ws, f"{year}-{m:02d}", now) as data:
                got = MonthFacts.of(data)
        return got

    def note_not_issued(label: str, form: str, missed: list[str], listed: int) -> bool:
        """Record the units the period's form (``form``: 2025年3月落实情况表) was not issued to;
        False when it was issued to nobody."""
        if missed and len(missed) >= listed:
            not_scored.append(f"{form}未下发给任何单位，不计分。")
            return False
        for u in missed:
            not_issued[u].append(label)
        return True

    for m in scope_months(quarter):
        period = f"{year}-{m:02d}"
        label = period_label(period)
        try:
            due = month_deadline(ws, year, m)
        except DubanError as exc:
            not_scored.append(f"{label}落实情况表的截止日期无法计算，未计分：{exc}")
            continue
        if now <= end_of(due):
            pending.append((m, due))
            continue
        facts = facts_of(m)
        if plan_findings is None:
            plan_findings = [f for f in facts.findings if f.period == year_key]

        def cite(s, _label=label, _period=period, _due=due):  # noqa: ANN001, ANN202
            what = "迟报" if s.state == "late" else "未报送"
            return Finding(s.state, s.unit, "", _period, s.file, "", f"{s.unit}{what}{_label}落实情况表（截止日期{_due:%m月%d日}）。")

        missed = _events(tally, facts.units, facts.findings, period, label, cite)
        tally.findings(facts.findings, period, label)
        if note_not_issued(label, f"{label}落实情况表", missed, len(facts.units)):
            scored.append(label)

    if pending:
        first, last = pending[0][0], pending[-1][0]
        span = f"{first}月" if first == last else f"{first}月至{last}月"
        d = pending[0][1]
        not_scored.append(f"{year}年{span}落实情况表未到截止日期，未计分（{first}月的截止日期为{d.year}年{d.month}月{d.day}日）。")
    if quarter is None or quarter == plan_quarter(ws, year):
        _plan(ws, year, now, tally, plan_findings, units, scored, not_scored, note_not_issued, facts_of)

    pos = {u: i for i, u in enumerate(units)}
    period_pos = {year_key: 0, **{f"{year}-{m:02d}": m for m in range(1, 13)}}
    kind_pos = {k: i for i, k in enumerate(KIND_ORDER)}
    task_pos = {t.id: i for i, t in enumerate(tasks)}
    rows = sorted(tally.rows, key=lambda d: (pos[d.unit], period_pos.get(d.period, 99), kind_pos.get(d.kind, 99),
                                             task_pos.get(d.task, -1), d.cell))
    base = as_decimal(rules.base)
    per_unit = {u: UnitScore(u, base, leads=u in tally.leads, not_issued=not_issued[u], co_unit_factor=tally.factor)
                for u in units}
    for d in rows:
        s = per_unit[d.unit]
        s.total += d.points
        if d.kind == "late":
            s.late += 1
        elif d.kind == "missing":
            s.missing += 1
        else:
            s.other += d.points
            s.other_count += 1
    scored.sort(key=lambda label: 0 if label == plan_label(year) else 1)
    return Scores(year, quarter, quarter_label(year, quarter) if quarter else f"{year}年度", now, rules,
                  [per_unit[u] for u in units], rows, scored, not_scored)


def _plan(ws: Workspace, year: int, now: datetime, tally: _Tally, plan_findings: list[Finding] | None, units: list[str],
          scored: list[str], not_scored: list[str], note_not_issued,  # noqa: ANN001
          facts_of: Callable[[int], MonthFacts]) -> None:
    """The year's plan: 迟报/未报 of its states, and the findings on the returned plans."""
    label, key = plan_label(year), str(year)
    due = plan_deadline(year, ws.settings.plan_deadline)
    if now <= end_of(due):
        not_scored.append(f"{year}年度落实计划表未到截止日期（{due.year}年{due.month}月{due.day}日），未计分。")
        return
    subs = submissions(ws, "plan", key)
    issued = mail.issued_units(ws.ledger, "plan", key)
    states = [unit_state(ws.calendar, u, due, subs.get(u), now, u in issued) for u in units]
    if plan_findings is None:  # no month of the scope is past its deadline: the plan's findings from January's facts
        plan_findings = [f for f in facts_of(1).findings if f.period == key]

    def cite(s) -> Finding:  # noqa: ANN001
        if s.state == "late":
            return Finding("late", s.unit, "", key, s.file, "", f"{s.unit}于{s.received_at:%m月%d日}报送{year}年度落实计划表，"
                           f"晚于截止日期{due:%m月%d日}，迟报{s.late_days}个工作日。")
        return Finding("no_plan", s.unit, "", key, s.file, "", f"{s.unit}未报送{year}年度落实计划表（截止日期{due:%m月%d日}）。")

    # build_month finds no late plan: a late plan is cited from its state; 空表 and 计划未报 from the month's findings
    missed = _events(tally, states, plan_findings, key, label, cite)
    tally.findings(plan_findings, key, label)
    if note_not_issued(label, f"{year}年度落实计划表", missed, len(states)):
        scored.append(label)
