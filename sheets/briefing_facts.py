"""What a briefing (通报) says, as data: built from MonthData, before any wording or layout.

``monthly_facts`` (the livelihood projects of one month) and ``quarterly_facts`` (every task,
the quarter's issued months) return a :class:`BriefFacts`. Every number, every unit named and
every piece of text a unit reported comes from here; briefing_text turns it into sentences.

A period whose form was never issued to a unit (``UnitState.state == "not_issued"``, or
``MonthData.issued`` False) produces no 未报 and no 迟报: such units are counted apart and
the document says 未下发. Both attributes are read with defaults, so older MonthData works.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from office.errors import DubanError
from office.model import KIND_LABELS
from office.placeholders import fill
from office.month_data import RULE_KINDS, MonthData, Progress, TaskRow, UnitState
from office.progress import gap_text, percent_text
from office.settings import BriefSettings
from office.wording import is_no_problem, not_green_reasons, percent

QUARTER_NAMES = "一二三四"
NOT_ISSUED = "not_issued"
REPORTED_STATES = ("on_time", "late")
# what each status means, as the briefing and its annex explain it
STATUS_MEANING = {"绿": "完成阶段目标", "黄": "推进中或信息不全", "红": "未完成阶段目标或未报送", "—": "落实情况表未下发"}


# --- records -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Tally:
    """How the units stand for one month's form. ``units`` counts only the units it was issued to."""

    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0
    not_issued: int = 0

    @property
    def units(self) -> int:
        return self.on_time + self.late + self.missing + self.pending

    @property
    def reported(self) -> int:
        return self.on_time + self.late

    @property
    def due(self) -> int:
        """Units past their deadline: the denominator of every rate."""
        return self.on_time + self.late + self.missing

    @property
    def submission_rate(self) -> str:
        return percent(self.reported, self.due)

    @property
    def on_time_rate(self) -> str:
        return percent(self.on_time, self.due)


def tally(units: Iterable[UnitState]) -> Tally:
    n = {"on_time": 0, "late": 0, "missing": 0, "pending": 0, "not_issued": 0}
    for u in units:
        if u.state in n:
            n[u.state] += 1
    return Tally(**n)


@dataclass
class LeadReport:
    """What one lead unit reported on a task this month."""

    unit: str
    state: str  # on_time | late | missing | pending | not_issued (the unit's state this month)
    reported: bool  # its return has a row for this task
    progress: str
    achieved: str  # 是 | 否 | "" (not filled)
    problems: str = ""  # what it reported under 存在问题, "" when nothing (see wording.is_no_problem)


@dataclass
class TaskFact:
    id: str
    kind: str
    seq: int
    category: str
    text: str
    label: str  # how the text refers to it: 第3项 / 为民办实事第3项
    status: str  # 绿 | 黄 | 红 | — (not issued to any lead unit)
    achieved: str  # annex column: 是 | 否 | 未填写 | 未报送 | 未到期 | 未下发 | 未明确
    reason: str  # why the status, one short clause
    leads: list[LeadReport]
    co_units: tuple[str, ...] = ()
    co_behind: tuple[str, ...] = ()  # co-units that report 否
    problems: list[tuple[str, str]] = field(default_factory=list)  # (unit, text) of every line with a problem
    # the task's progress (MonthData's Progress): 完成进度 (None: not reported), 序时进度, the rule
    # that lit it, 已完成 (销号) since done_period
    percent: float | None = None
    schedule: float | None = None
    rule: str = ""
    done: bool = False
    done_period: str = ""
    own_schedule: bool = False  # 序时进度 from the task's own 完成时限 (else the month's, said once)

    @property
    def gap(self) -> float | None:
        """序时进度 − 完成进度 (positive: behind), None without a 完成进度."""
        if self.percent is None or self.schedule is None:
            return None
        return round(self.schedule - self.percent, 1)

    @property
    def progress_words(self) -> str:
        """"完成进度55%，落后20个百分点" (the month's 序时进度 is said once, in 总体情况), with
        "序时进度50%" between for a task with its own 完成时限; "" without a 完成进度."""
        if self.gap is None:
            return ""
        own = f"序时进度{percent_text(self.schedule)}，" if self.own_schedule else ""
        return f"完成进度{percent_text(self.percent)}，{own}{gap_text(self.gap)}"

    @property
    def lead_names(self) -> str:
        return "、".join(r.unit for r in self.leads) or "未明确"

    @property
    def name(self) -> str:
        """A short name for the task in running text: its first clause."""
        return short_name(self.text)

    @property
    def progress(self) -> str:
        parts = [(r.unit, r.progress) for r in self.leads if r.progress]
        if len(parts) == 1:
            return parts[0][1]
        return "；".join(f"{u}：{p}" for u, p in parts)

    @property
    def missing_leads(self) -> list[str]:
        return [r.unit for r in self.leads if r.state == "missing"]


@dataclass
class CategoryFact:
    name: str
    tasks: list[TaskFact]

    def of(self, status: str) -> list[TaskFact]:
        return [t for t in self.tasks if t.status == status]

    @property
    def short(self) -> str:
        return short_name(self.name, 12)


@dataclass
class Lapse:
    """A unit late or missing in one month."""

    unit: str
    month: int
    state: str  # late | missing
    late_days: int = 0


@dataclass
class Issue:
    """One item of 存在的问题: a unit, the task it concerns, and what it said."""

    unit: str
    task: str  # label, e.g. 第3项
    text: str = ""


@dataclass
class BriefFacts:
    """Everything the briefing says. Built from MonthData by monthly_facts / quarterly_facts."""

    title: str
    period_label: str  # 2025年3月 | 2025年第一季度
    scope: str  # monthly | quarterly
    counts: dict  # MonthData.counts of the base month (the last issued one)
    office: str = ""
    date: date | None = None  # signature date: data.now of the last month
    year: int = 0
    month: int = 0  # the base month: the last issued month covered (or the last month if none was issued)
    tally: Tally = field(default_factory=Tally)  # the base month's units
    issued: bool = True  # the base month's form was issued to at least one unit
    task_counts: dict = field(default_factory=dict)  # tasks/green/yellow/red of the tasks covered
    tasks: list[TaskFact] = field(default_factory=list)
    categories: list[CategoryFact] = field(default_factory=list)
    lapses: list[Lapse] = field(default_factory=list)  # in registry order, then month
    month_tallies: list[tuple[int, Tally]] = field(default_factory=list)  # each issued month covered
    months_not_issued: list[int] = field(default_factory=list)  # months of the period whose form was never issued
    not_issued_units: list[str] = field(default_factory=list)  # base month: units the form was not issued to
    problems: list[Issue] = field(default_factory=list)
    copied: list[Issue] = field(default_factory=list)
    incomplete: list[Issue] = field(default_factory=list)
    blank: list[Issue] = field(default_factory=list)  # units that returned a (nearly) blank form
    unclear: list[Issue] = field(default_factory=list)  # cells found unreadable when the returns were read (是/否 …)
    notes: list[str] = field(default_factory=list)  # for the office, not the document (MonthData.not_issued_note)
    unit_order: list[str] = field(default_factory=list)  # the registry's official order (base month's units)
    sections: dict[str, str] = field(default_factory=dict)  # overall | progress | problems | reporting | next
    closing: str = ""
    annex_title: str = ""

    @property
    def late_units(self) -> list[str]:
        return _unique(lp.unit for lp in self.lapses if lp.state == "late")

    @property
    def missing_units(self) -> list[str]:
        return _unique(lp.unit for lp in self.lapses if lp.state == "missing")

    @property
    def missing_now(self) -> list[str]:
        """Units missing the base month's form (the ones still to report)."""
        return _unique(lp.unit for lp in self.lapses if lp.state == "missing" and lp.month == self.month)

    @property
    def months_issued(self) -> list[int]:
        return [m for m, _ in self.month_tallies]


# --- small helpers -------------------------------------------------------------------------

def _unique(items) -> list:
    out: list = []
    for x in items:
        if x not in out:
            out.append(x)
    return out


def shorten(text: str | None, limit: int = 80) -> str:
    """One line of at most ``limit`` characters, cut at a clause end if one is near."""
    s = re.sub(r"\s+", "", text or "")
    if len(s) <= limit:
        return s
    head = s[: limit - 2]
    cut = max(head.rfind(c) for c in "。；;，,")
    if cut >= limit * 0.6:
        head = head[:cut]
    return head.rstrip("，,、；;。：:") + "……"


def short_name(text: str | None, limit: int = 18) -> str:
    """The first clause of a task or category text, at most ``limit`` characters."""
    s = re.sub(r"\s+", "", text or "")
    first = re.split(r"[，,；;。：:]", s, maxsplit=1)[0]
    if len(first) < 4 and len(s) > len(first):  # a clause too short to name the task
        first = s
    if len(first) > limit:
        return first[: limit - 2] + "……"
    return first


def seq_ranges(seqs: Iterable[int]) -> str:
    """1、2、3、5 -> 1—3、5 (how offices write runs of numbers)."""
    xs = sorted(set(seqs))
    out: list[str] = []
    i = 0
    while i < len(xs):
        j = i
        while j + 1 < len(xs) and xs[j + 1] == xs[j] + 1:
            j += 1
        if j - i >= 2:
            out.append(f"{xs[i]}—{xs[j]}")
        else:
            out.extend(str(x) for x in xs[i:j + 1])
        i = j + 1
    return "、".join(out)


def _meaningful(text: str | None) -> bool:
    return not is_no_problem(text)


def _label(kind: str, seq: int, mixed: bool) -> str:
    return f"{KIND_LABELS['livelihood']}第{seq}项" if mixed and kind == "livelihood" else f"第{seq}项"


def _issued(data: MonthData) -> bool:
    issued = getattr(data, "issued", None)
    if issued is None:
        return any(u.state != NOT_ISSUED for u in data.units) or not data.units
    return bool(issued)


# --- tasks ---------------------------------------------------------------------------------

def _task_fact(row: TaskRow, state_of: dict[str, UnitState], mixed: bool) -> TaskFact:
    t = row.task
    p: Progress | None = row.progress
    lead_lines = [ln for ln in row.lines if ln.role == "牵头"] or row.lines[:1]
    leads = []
    for ln in lead_lines:
        st = state_of.get(ln.unit)
        problems = ln.values.get("problems")
        leads.append(LeadReport(ln.unit, st.state if st else "missing", ln.reported,
                                shorten(ln.values.get("progress"), 300), (ln.values.get("achieved") or "").strip(),
                                shorten(problems, 80) if _meaningful(problems) else ""))
    co_lines = [ln for ln in row.lines if ln not in lead_lines]
    co = tuple(ln.unit for ln in co_lines)
    co_behind = tuple(ln.unit for ln in co_lines if (ln.values.get("achieved") or "").strip() == "否")
    problems = [(ln.unit, shorten(ln.values.get("problems"), 80)) for ln in row.lines if _meaningful(ln.values.get("problems"))]
    status = row.status
    # the annex's 是否完成, worst first
    if not leads:
        achieved = "未明确"
    elif all(r.state == NOT_ISSUED for r in leads):
        achieved, status = "未下发", "—"
    elif any(r.achieved == "否" for r in leads):
        achieved = "否"
    elif any(r.state == "missing" for r in leads):
        achieved = "未报送"
    elif any(r.state == "pending" for r in leads):
        achieved = "未到期"
    elif all(r.achieved == "是" for r in leads):
        achieved = "是"
    else:
        achieved = "未填写"
    done = p is not None and p.done
    if done and status != "—":
        achieved = "已完成"
    return TaskFact(t.id, t.kind, t.seq, t.category, t.text, _label(t.kind, t.seq, mixed), status, achieved,
                    _reason(status, leads, co_behind, p), leads, co, co_behind, problems,
                    percent=p.percent if p else None, schedule=p.schedule if p else None, rule=p.rule if p else "",
                    done=done, done_period=p.done_period if done else "", own_schedule=p is not None and p.due is not None)


def _reason(status: str, leads: list[LeadReport], co_behind: tuple[str, ...], progress: Progress | None = None) -> str:
    if not leads:
        return "未明确责任单位"
    if status == "—":
        return "落实情况表未下发"
    if status == "绿":
        return "已完成阶段任务目标"
    why = not_green_reasons(((r.unit, r.state, r.reported, r.achieved) for r in leads), co_behind,
                            progress.gap if progress is not None else None)
    return "，".join(why) or "仍在推进中"


def _category_name(kind: str, category: str) -> str:
    if category:
        return category
    return KIND_LABELS["livelihood"] if kind == "livelihood" else "其他重点任务"


def _categories(facts: list[TaskFact]) -> list[CategoryFact]:
    out: dict[str, CategoryFact] = {}
    for f in facts:
        name = _category_name(f.kind, f.category)
        out.setdefault(name, CategoryFact(name, [])).tasks.append(f)
    return list(out.values())


def _task_counts(facts: list[TaskFact], period: str = "") -> dict:
    return {"tasks": len(facts), "green": sum(f.status == "绿" for f in facts),
            "yellow": sum(f.status == "黄" for f in facts), "red": sum(f.status == "红" for f in facts),
            "not_issued": sum(f.status == "—" for f in facts),
            "done": sum(f.done for f in facts), "done_new": sum(f.done and f.done_period == period for f in facts)}


def by_gap(facts: list[TaskFact]) -> list[TaskFact]:
    """Tasks with a 完成进度 first, the one furthest behind 序时进度 first (red before yellow on a tie);
    the others after, as given."""
    with_gap = sorted((f for f in facts if f.gap is not None), key=lambda f: (-f.gap, f.status != "红"))
    return with_gap + [f for f in facts if f.gap is None]


# --- issues and lapses ---------------------------------------------------------------------

def _issues(data: MonthData, facts: dict[str, TaskFact]) -> tuple[list[Issue], list[Issue], list[Issue], list[Issue], list[Issue]]:
    problems = [Issue(u, f.label, text) for f in facts.values() for u, text in f.problems]
    copied = [Issue(x.unit, facts[x.task].label) for x in data.findings if x.kind == "copied" and x.task in facts]
    incomplete = [Issue(x.unit, facts[x.task].label) for x in data.findings if x.kind == "incomplete" and x.task in facts]
    # a blank return concerns the whole form (task "") or one task of the scope
    blank = [Issue(x.unit, facts[x.task].label if x.task in facts else "") for x in data.findings
             if x.kind == "blank" and (not x.task or x.task in facts)]
    unclear = [Issue(x.unit, facts[x.task].label) for x in data.findings if x.kind not in RULE_KINDS and x.task in facts]
    return problems, copied, incomplete, blank, unclear


def _lapses(months: list[MonthData]) -> list[Lapse]:
    order: list[str] = []
    for data in reversed(months):  # the last month's registry order first
        order += [u.unit for u in data.units if u.unit not in order]
    pos = {u: i for i, u in enumerate(order)}
    out = [Lapse(u.unit, data.month, u.state, u.late_days if u.state == "late" else 0)
           for data in months for u in data.units if u.state in ("late", "missing")]
    return sorted(out, key=lambda lp: (pos[lp.unit], lp.month))


def _sections(settings: BriefSettings, period: str) -> dict[str, str]:
    out = {"overall": fill(settings.section_overall, period=period),
           "progress": fill(settings.section_progress, period=period),
           "problems": fill(settings.section_problems, period=period),
           "reporting": fill(settings.section_reporting, period=period)}
    nxt = getattr(settings, "section_next", "")
    if not nxt:
        numbered = [re.match(r"^([一二三四五六七八九十]+)、", v) for v in out.values()]
        nxt = "五、下一步工作要求" if all(numbered) else "下一步工作要求"
    out["next"] = fill(nxt, period=period)
    return out


# --- the briefings -------------------------------------------------------------------------

def _build(months: list[MonthData], every: list[MonthData], settings: BriefSettings, office: str,
           scope: str) -> BriefFacts:
    """``months``: the issued months covered (may be empty); ``every``: all months of the period."""
    base = months[-1] if months else every[-1]
    last = every[-1]
    if scope == "monthly":
        period = f"{base.year}年{base.month}月"
        rows = [r for r in base.rows if r.task.kind == "livelihood"]
        title = fill(settings.monthly_title, period=period)
        annex = f"{period}为民办实事项目推进情况表"
    else:
        period = f"{last.year}年第{QUARTER_NAMES[(last.month - 1) // 3]}季度"
        rows = list(base.rows)
        title = fill(settings.quarterly_title, period=period)
        annex = f"{period}重点任务落实情况表"
    mixed = len({r.task.kind for r in rows}) > 1
    state_of = {u.unit: u for u in base.units}
    tasks = [_task_fact(r, state_of, mixed) for r in rows]
    by_id = {f.id: f for f in tasks}
    issued = bool(months)
    problems, copied, incomplete, blank, unclear = _issues(base, by_id) if issued else ([], [], [], [], [])
    notes = _unique(n for m in every if (n := getattr(m, "not_issued_note", "") or ""))
    return BriefFacts(
        title=title, period_label=period, scope=scope, counts=base.counts, office=office, date=last.now.date(),
        year=base.year, month=base.month, tally=tally(base.units), issued=issued,
        task_counts=_task_counts(tasks, base.period), tasks=tasks, categories=_categories(tasks),
        lapses=_lapses(months), month_tallies=[(m.month, tally(m.units)) for m in months],
        months_not_issued=[m.month for m in every if not _issued(m)],
        not_issued_units=[u.unit for u in base.units if u.state == NOT_ISSUED] if issued else [],
        problems=problems, copied=copied, incomplete=incomplete, blank=blank, unclear=unclear, notes=notes,
        unit_order=[u.unit for u in base.units],
        sections=_sections(settings, period), closing=fill(settings.closing, period=period), annex_title=annex)


def monthly_facts(data: MonthData, settings: BriefSettings, office: str) -> BriefFacts:
    """The monthly briefing on the livelihood projects (task.kind == "livelihood")."""
    return _build([data] if _issued(data) else [], [data], settings, office, "monthly")


def quarterly_facts(months: list[MonthData], settings: BriefSettings, office: str) -> BriefFacts:
    """The quarterly briefing on all tasks: status and counts of the quarter's last issued month,
    reporting lapses (late or missing) of every issued month; months never issued are named."""
    if not months:
        raise DubanError("生成季度通报需要至少一个月的汇总数据。")
    months = sorted(months, key=lambda m: (m.year, m.month))
    quarters = {(m.year, (m.month - 1) // 3) for m in months}
    if len(quarters) > 1:
        raise DubanError("季度通报的各月数据不属于同一季度：" + "、".join(f"{m.year}年{m.month}月" for m in months) + "。")
    if len({m.month for m in months}) != len(months):
        raise DubanError("季度通报的各月数据有重复的月份。")
    return _build([m for m in months if _issued(m)], months, settings, office, "quarterly")


__all__ = ["BriefFacts", "TaskFact", "CategoryFact", "LeadReport", "Lapse", "Issue", "Tally", "tally", "by_gap",
           "monthly_facts", "quarterly_facts", "shorten", "short_name", "seq_ranges", "fill", "STATUS_MEANING"]


def schedule_words(facts: BriefFacts) -> str:
    """The month's 序时进度, said once, when some task reports a 完成进度: the gaps below refer to it."""
    common = next((x.schedule for x in facts.tasks if x.percent is not None and not x.own_schedule and x.schedule is not None), None)
    if common is None:
        return ""
    return f"{facts.month}月底序时进度为{percent_text(common)}，以下所列进度落后的百分点数均与此对照。"
