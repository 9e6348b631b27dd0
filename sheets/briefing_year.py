"""The annual briefing (年度通报): what it says, from a :class:`~office.year_data.YearData`, and its
wording, in the order printed. The document itself (the same official layout as the monthly and
quarterly briefings) is written by sheets.briefing_year_doc.

``yearly_facts`` takes every number from YearData (the months' own computation, month by
month); ``year_body`` turns them into the blocks between the 主送 line and the signature:
一、总体情况 (tasks, 已完成, lights at the final month, the year's reporting rates written with
office.wording.percent), 二、推进情况 by category, 三、存在的问题 (tasks behind, units with the most
late or missing reports, in official order, what the months found), 四、报送情况 (every unit: on
time throughout, or its counts) and the request that closes it. Units are always named in the
registry's official order (YearData.units).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from office.model import KIND_LABELS
from office.month_data import FINDING_LABELS
from office.placeholders import fill
from office.progress import ProgressSettings, gap_text, percent_text
from office.settings import BriefSettings
from office.year_data import ALL_TASKS, CategoryMonth, TaskYear, UnitYear, YearData, month_span
from sheets.briefing_facts import _sections, short_name
from sheets.briefing_text import LEGEND, Block, Vary, cn_number, q

MAX_LISTED = 8  # tasks of one colour named in a category's paragraph, then "等N项"
MANY_LAPSES = 2  # late + missing reports that make a unit "迟报、未报较多"
MANY_RED = 2  # months lit red that make a task "多个月列为红色"
QUALITY_KINDS = ("incomplete", "copied", "task_edited", "bad_choice", "bad_progress", "reopened", "sender_mismatch")


@dataclass
class CategoryYear:
    name: str
    tasks: list[TaskYear]
    progress: CategoryMonth | None = None  # the final month's mean 完成进度 and 序时进度

    def of(self, light: str) -> list[TaskYear]:
        """Its tasks lit ``light`` (红/黄/绿) at the final month, 已完成 ones included."""
        return [t for t in self.tasks if t.last_light == light]

    @property
    def done(self) -> list[TaskYear]:
        return [t for t in self.tasks if t.done]


@dataclass
class YearFacts:
    """Everything the annual briefing says."""

    title: str
    year: int
    period: str  # 2025年度, or 2025年1—6月 while the year runs
    office: str
    signed_on: date  # the signature date (the day of "now")
    final_month: int
    counts: dict  # YearData.counts
    issued_months: list[int]
    not_issued_months: list[int]
    not_started_months: list[int]
    month_counts: list[tuple[int, dict]]  # (month, MonthData.counts) of each issued month
    categories: list[CategoryYear]
    tasks: list[TaskYear]
    units: list[UnitYear]
    overall: CategoryMonth | None = None  # every task's mean progress at the final month
    sections: dict[str, str] = field(default_factory=dict)
    closing: str = ""
    annex_titles: tuple[str, str] = ("", "")
    notes: list[str] = field(default_factory=list)  # for the office, not the document
    behind_gap: float = 10.0  # points behind 序时进度 that name a task under 存在的问题 ([progress] yellow_gap)

    @property
    def issued(self) -> bool:
        return bool(self.issued_months)

    @property
    def progress_reported(self) -> bool:
        """Some lead unit reported a 完成进度 in the final month."""
        return bool(self.overall and self.overall.percent is not None)


def yearly_facts(data: YearData, settings: BriefSettings, office: str, progress: ProgressSettings | None = None) -> YearFacts:
    """The annual briefing's facts from the year's facts. ``progress`` ([progress]): a task behind
    序时进度 by its ``yellow_gap`` or more is named under 存在的问题."""
    title = fill(settings.yearly_title, period=f"{data.year}年度")
    built = data.built
    period = f"{data.year}年度" if len(built) == 12 else f"{data.year}年{month_span(built)}"
    final = data.final_month
    cats = [CategoryYear(name, [t for t in data.tasks if t.category == name],
                         data.category_months[name][final - 1] if final else None) for name in data.categories]
    return YearFacts(
        title=title, year=data.year, period=period, office=office, signed_on=data.now.date(), final_month=final,
        counts=data.counts, issued_months=data.issued_months, not_issued_months=data.not_issued_months,
        not_started_months=data.not_started_months,
        month_counts=[(m, data.month_counts[m - 1]) for m in data.issued_months],
        categories=cats, tasks=list(data.tasks), units=list(data.units),
        overall=data.category_months[ALL_TASKS][final - 1] if final else None,
        sections=_sections(settings, period), closing=fill(settings.closing, period=period),
        annex_titles=(f"{data.year}年度重点任务逐月落实情况表", f"{data.year}年度各单位落实情况表报送情况"),
        notes=list(data.notes), behind_gap=(progress or ProgressSettings()).yellow_gap)


# --- wording --------------------------------------------------------------------------------

def task_name(t: TaskYear) -> str:
    label = f"{KIND_LABELS['livelihood']}第{t.task.seq}项" if t.task.kind == "livelihood" else f"第{t.task.seq}项"
    return f"{label}{q(short_name(t.task.text))}"


def lead_names(t: TaskYear) -> str:
    return "、".join(t.task.lead_units) or "未明确牵头单位"


def intro_text(f: YearFacts) -> str:
    return f"根据各责任单位报送的年度落实计划表和各月落实情况表，现将{f.period}政府工作报告重点任务落实情况通报如下："


def _reporting(f: YearFacts) -> str:
    c = f.counts
    if not f.issued:
        return f"{f.period}各月落实情况表均未下发，不统计报送情况。"
    s = f"{month_span(f.issued_months)}共{len(f.issued_months)}个月下发落实情况表"
    if f.not_issued_months:
        s += f"（{month_span(f.not_issued_months)}未下发，不计入）"
    s += (f"，各单位应报送{c['due']}次，已报送{c['reported']}次，其中按时报送{c['on_time']}次、迟报{c['late']}次"
          + (f"（合计迟报{c['late_days']}个工作日）" if c["late"] else "") + f"；未报送{c['missing']}次"
          + (f"（含报送空表{c['blank']}次）" if c["blank"] else "") + "。")
    if c["pending"]:
        s += f"另有{c['pending']}次尚未到报送截止日期，不计入。"
    if c["due"]:
        s += f"全年报送率{c['submission_pct']}，按时报送率{c['on_time_pct']}。"
    rates = [(m, mc) for m, mc in f.month_counts if mc["due"]]
    if len(rates) > 1:
        s += "各月按时报送率分别为：" + "、".join(f"{m}月{mc['on_time_pct']}" for m, mc in rates) + "。"
    return s


def overall_text(f: YearFacts) -> str:
    c = f.counts
    s = (f"{f.period}，纳入督办的政府工作报告重点任务共{c['tasks']}项，其中年度工作任务{c['annual']}项、"
         f"为民办实事{c['livelihood']}项。")
    if f.final_month:
        s += (f"截至{f.final_month}月，已完成（销号）{c['done']}项；按{f.final_month}月各责任单位报送情况，"
              f"绿色{c['green']}项、黄色{c['yellow']}项、红色{c['red']}项{LEGEND}。")
        if f.progress_reported:
            o = f.overall
            with_done = f"（含已完成{o.done}项，按100%计）" if o.done else ""
            s += (f"有完成进度的{o.reported}项任务{with_done}，平均完成进度{percent_text(o.percent)}，"
                  f"序时进度{percent_text(o.schedule)}，{_gap_words(o)}。")
    return s + _reporting(f)


def _gap_words(k: CategoryMonth) -> str:
    """"落后20个百分点" / "超前5个百分点" / "与序时进度持平"."""
    if k.percent is None or k.schedule is None:
        return ""
    words = gap_text(round(k.schedule - k.percent, 1))
    return "与序时进度持平" if words == "持平" else words


def _listed(tasks: list[TaskYear], clause) -> str:  # noqa: ANN001
    shown = [clause(t) for t in tasks[:MAX_LISTED]]
    more = f"等{len(tasks)}项" if len(tasks) > MAX_LISTED else ""
    return "；".join(shown) + more


def _red_clause(t: TaskYear, v: Vary) -> str:
    n = t.count("红")
    s = f"{task_name(t)}（{lead_names(t)}）"
    if n > 1:
        s += v.pick("red_months", (f"，全年{n}个月列为红色", f"，{n}个月为红色"))
    p = t.progress
    if p is not None and p.percent is not None and p.gap is not None and p.gap > 0:
        s += f"，完成进度{percent_text(p.percent)}，{gap_text(p.gap)}"
    if t.lead_problems:
        s += f"，牵头单位反映{q(t.lead_problems.rstrip('。；;'))}"
    return s


def _yellow_clause(t: TaskYear) -> str:
    return f"{task_name(t)}（{lead_names(t)}）"


def category_text(k: CategoryYear, f: YearFacts, v: Vary) -> str:
    n, done = len(k.tasks), k.done
    reds, yellows, greens = [t for t in k.of("红") if not t.done], [t for t in k.of("黄") if not t.done], k.of("绿")
    s = f"本类{n}项任务，"
    if not f.final_month:
        return s + "各月落实情况表均未下发，推进状态待报送后再作通报。"
    parts = [f"{c}{len(k.of(light))}项" for c, light in (("绿色", "绿"), ("黄色", "黄"), ("红色", "红")) if k.of(light)]
    if len(greens) == n:
        s += v.pick("all_green", (f"截至{f.final_month}月均完成阶段目标", f"截至{f.final_month}月全部按计划推进"))
    else:
        s += f"截至{f.final_month}月" + "、".join(parts)
    s += (f"，其中已完成（销号）{len(done)}项。" if done else "。")
    if k.progress is not None and k.progress.percent is not None:
        s += (f"平均完成进度{percent_text(k.progress.percent)}，序时进度{percent_text(k.progress.schedule)}，"
              f"{_gap_words(k.progress)}。")
    if reds:
        s += v.pick("red_lead", ("红色任务：", "列为红色的是：", "需重点督办的红色任务有：")) + _listed(reds, lambda t: _red_clause(t, v)) + "。"
    if yellows:
        s += v.pick("yellow_lead", ("黄色任务：", "列为黄色的是：", "推进中或信息不全的有：")) + _listed(yellows, _yellow_clause) + "。"
    if done:
        s += "已完成的有：" + _listed(done, lambda t: f"{task_name(t)}（{t.done_period[:4]}年{int(t.done_period[5:])}月）") + "。"
    return s


def progress_blocks(f: YearFacts, v: Vary) -> list[Block]:
    if not f.categories:
        return [Block("p", "本年度无纳入督办的任务。")]
    out = [Block("chart", "progress")] if f.progress_reported else []
    for i, k in enumerate(f.categories, start=1):
        out.append(Block("h2", f"（{cn_number(i)}）{k.name}"))
        out.append(Block("p", category_text(k, f, v)))
    return out


def _lapse_words(u: UnitYear) -> str:
    parts = []
    if u.late:
        parts.append(f"迟报{u.late}次（共{u.late_days_total}个工作日）")
    if u.missing:
        parts.append(f"未报{u.missing}次" + (f"（其中空表{u.blanks}次）" if u.blanks else ""))
    return "、".join(parts)


def problem_texts(f: YearFacts) -> list[str]:
    if not f.issued:
        return ["各月落实情况表均未下发，本年度无报送内容可供分析。"]
    items: list[str] = []
    c = f.counts
    many_red = sorted((t for t in f.tasks if t.count("红") >= MANY_RED and not t.done), key=lambda t: -t.count("红"))
    gaps = sorted((t for t in f.tasks if not t.done and t.progress is not None
                   and (t.progress.gap or 0) >= f.behind_gap), key=lambda t: -(t.progress.gap or 0))
    if c["red"] or many_red or gaps:
        s = f"部分任务推进滞后。截至{f.final_month}月，{c['red']}项任务列为红色、{c['yellow']}项列为黄色"
        if many_red:
            s += "；多个月列为红色的有：" + _listed(many_red, lambda t: f"{task_name(t)}（{lead_names(t)}，{t.count('红')}个月）")
        if gaps:
            s += f"；完成进度落后序时进度{f.behind_gap:g}个百分点以上的有：" + _listed(gaps, lambda t: f"{task_name(t)}（完成进度{percent_text(t.progress.percent)}，"
                                                                 f"{gap_text(t.progress.gap)}）")
        items.append(s + "。")
    many = [u for u in f.units if u.lapses >= MANY_LAPSES]
    if many:
        items.append("部分单位报送不及时。全年迟报、未报较多的单位有：" + "；".join(f"{u.unit}（{_lapse_words(u)}）" for u in many) + "。")
    found = c.get("findings", {})
    quality = [(FINDING_LABELS[k], found[k]) for k in QUALITY_KINDS if found.get(k)]
    no_plan = found.get("no_plan", 0)
    if quality or c["blank"] or no_plan:
        bits = []
        if quality:
            bits.append("全年发现" + "、".join(f"{label}{n}条" for label, n in quality))
        if c["blank"]:
            bits.append(f"报送空表{c['blank']}次，视同未报")
        if no_plan:
            bits.append(f"{no_plan}个单位未报送年度落实计划表")
        items.append("报送质量有待提高。" + "；".join(bits) + "。")
    if not items:
        return ["本年度各单位按时报送、内容完整，未发现需要通报的问题。"]
    return [f"{n}.{item}" for n, item in enumerate(items, start=1)]


def reporting_text(f: YearFacts) -> str:
    if not f.issued:
        return f"{f.period}各月落实情况表均未下发，不统计迟报、未报送情况。"
    asked = [u for u in f.units if u.due]
    clean = [u.unit for u in asked if not u.lapses]
    lapsed = [u for u in asked if u.lapses]
    never = [u.unit for u in f.units if not u.due and not u.pending]
    s = ""
    if clean:
        s += (f"全年各月均按时报送的单位{len(clean)}个：" if lapsed else f"全年应报送的{len(clean)}个单位各月均按时报送：") + "、".join(clean) + "。"
    if lapsed:
        s += f"有迟报、未报情况的单位{len(lapsed)}个：" + "；".join(f"{u.unit}{_lapse_words(u)}" for u in lapsed) + "。"
    if never:
        s += f"另有{len(never)}个单位的落实情况表各月均未下发或尚未到报送截止日期，不计入：" + "、".join(never) + "。"
    pending = [m for m, mc in f.month_counts if mc["pending"]]
    if pending:
        s += f"{month_span(pending)}落实情况表尚未到报送截止日期，未到期的不计入。"
    return s or "本年度无应报送落实情况的单位。"


def next_text(f: YearFacts) -> str:
    asks = []
    c = f.counts
    if f.issued:
        if c["red"]:
            asks.append("红色任务的牵头单位要逐项分析原因，明确赶进措施和完成时限")
        if c["yellow"]:
            asks.append("黄色任务的责任单位要加强协同配合，补齐报送信息")
        if c["missing"] or c["late"]:
            asks.append("迟报、未报的单位要严格按规定时限报送")
        if any(c.get("findings", {}).get(k) for k in QUALITY_KINDS) or c["blank"]:
            asks.append("报送内容不全或照搬上月的单位要如实、完整填报")
        if c["done"]:
            asks.append("已完成的任务要巩固成效，防止反弹")
    else:
        asks.append("落实情况表下发后，各单位要按时、如实报送")
    return ("下一步，" + "；".join(asks) + "。" if asks else "") + f.closing


def year_body(f: YearFacts) -> list[Block]:
    """The blocks after the 主送 line and intro, up to and including the closing request."""
    v = Vary()
    out = [Block("h1", f.sections["overall"]), Block("p", overall_text(f))]
    if f.issued:
        out.append(Block("chart", "overall"))
    out.append(Block("h1", f.sections["progress"]))
    out += progress_blocks(f, v)
    out.append(Block("h1", f.sections["problems"]))
    out += [Block("p", s) for s in problem_texts(f)]
    out.append(Block("h1", f.sections["reporting"]))
    out.append(Block("p", reporting_text(f)))
    out.append(Block("h1", f.sections["next"]))
    out.append(Block("p", next_text(f)))
    return out


__all__ = ["CategoryYear", "YearFacts", "yearly_facts", "year_body", "intro_text", "overall_text", "category_text",
           "problem_texts", "reporting_text", "next_text", "task_name"]
