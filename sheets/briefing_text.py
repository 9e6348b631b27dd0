"""The wording of a briefing (通报): BriefFacts in, paragraphs out, in the order they are printed.

``body(facts)`` returns the blocks between the 主送 line and the closing request: level-1
headings, level-2 headings, paragraphs and the place of the chart. The structure is the one
a 督查室 uses: 总体情况 in one paragraph; only what needs attention in detail (red and yellow
items with what their units reported), the green ones in one sentence per category; the
problems units reported; 报送情况 naming late and missing units in registry order; the
request for the next month.

Parallel items (projects, categories) are worded from the data (who is behind and why, what
was reported) and, where the data are alike, with rotating phrasings (:class:`Vary`), so that a
page does not read as one sentence repeated.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from sheets.briefing_facts import (BriefFacts, CategoryFact, Issue, LeadReport, Tally, TaskFact, by_gap, schedule_words,
                                   seq_ranges, shorten)

RECIPIENTS = "各街道办事处，区政府各部门："
COLOR = {"绿": "绿色", "黄": "黄色", "红": "红色", "—": "未下发"}
LEGEND = "（绿色表示完成阶段目标、进度符合序时要求，黄色表示推进中、进度落后或信息不全，红色表示未完成阶段目标、进度严重落后或未报送）"
MAX_DETAILED = 6  # red and yellow projects given a paragraph each; more are listed
MAX_NAMED = 3  # units named for one reported problem before "等N个单位"


@dataclass(frozen=True)
class Block:
    kind: str  # h1 | h2 | p | chart
    text: str = ""


class Vary:
    """Rotates through phrasings of one thing, so that parallel sentences differ."""

    def __init__(self) -> None:
        self.used: Counter = Counter()

    def pick(self, key: str, options: tuple[str, ...] | list[str]) -> str:
        i = self.used[key]
        self.used[key] += 1
        return options[i % len(options)]


def _join(items: list[str], sep: str = "、") -> str:
    return sep.join(items)


def _units(names: list[str]) -> str:
    if len(names) <= MAX_NAMED:
        return "、".join(names)
    return "、".join(names[:MAX_NAMED]) + f"等{len(names)}个单位"


def q(text: str) -> str:
    """Quoted in running text; quotes inside become single quotes, as Chinese typesetting does."""
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


def _months(months: list[int]) -> str:
    return "、".join(f"{m}月" for m in months)


# --- intro and 总体情况 ----------------------------------------------------------------------

def intro_text(facts: BriefFacts) -> str:
    subject = "为民办实事项目推进情况" if facts.scope == "monthly" else "政府工作报告重点任务落实情况"
    if facts.issued:
        return f"根据各责任单位报送的落实情况表，现将{facts.period_label}{subject}通报如下："
    return f"现将{facts.period_label}{subject}通报如下："


def _reporting_figures(when: str, t: Tally) -> str:
    s = (f"{when}应报送落实情况的单位{t.units}个，已报送{t.reported}个，其中按时报送{t.on_time}个、"
         f"迟报{t.late}个；未报送{t.missing}个")
    if t.pending:
        s += f"；另有{t.pending}个单位尚未到报送截止日期"
    if t.not_issued:
        s += f"（另有{t.not_issued}个单位的落实情况表未下发，不计入应报）"
    s += "。"
    if t.due:
        s += f"报送率{t.submission_rate}，按时报送率{t.on_time_rate}。"
    return s


def _status_words(tc: dict) -> str:
    parts = [(tc["green"], "完成阶段目标", "绿色"), (tc["yellow"], "推进中或信息不全", "黄色"),
             (tc["red"], "未完成阶段目标或未报送", "红色")]
    return "，".join(f"{n}项{what}（{color}）" for n, what, color in parts if n)


def _done_words(n: int, new: int, when: str) -> str:
    """"，已完成（销号）3项（其中本月新完成1项）"; "" when none is done."""
    if not n:
        return ""
    return f"，已完成（销号）{n}项" + (f"（其中{when}新完成{new}项）" if new else "")


def overall_text(facts: BriefFacts) -> str:
    """总体情况, one paragraph."""
    s = _overall_text(facts)
    return s + schedule_words(facts) if facts.issued else s


def _overall_text(facts: BriefFacts) -> str:
    c, tc, t = facts.counts, facts.task_counts, facts.tally
    if facts.scope == "monthly":
        if not facts.issued:
            return (f"{facts.period_label}落实情况表未下发，各单位本月无需报送，本通报不统计报送情况。"
                    f"纳入督办的为民办实事项目共{tc['tasks']}项，推进状态待落实情况表下发、各单位报送后再作通报。")
        s = _reporting_figures("本月", t)
        s += f"纳入督办的重点任务共{c['tasks']}项，其中绿色{c['green']}项、黄色{c['yellow']}项、红色{c['red']}项"
        s += _done_words(c.get("done", 0), c.get("done_new", 0), "本月")
        if tc["tasks"] and tc["tasks"] != c["tasks"]:
            s += f"；为民办实事项目{tc['tasks']}项中，{_status_words(tc)}"
            s += _done_words(tc.get("done", 0), tc.get("done_new", 0), "本月").replace("，", "；", 1) + "。"
        elif tc["tasks"]:
            s += f"，均为为民办实事项目{LEGEND}。"
        else:
            s += "；本月无为民办实事项目纳入督办。"
        return s
    s = ""
    if not facts.issued:
        return (f"{facts.period_label}各月落实情况表均未下发，各单位无需报送，本通报不统计报送情况。"
                f"纳入督办的重点任务共{tc['tasks']}项，推进状态待落实情况表下发、各单位报送后再作通报。")
    if facts.months_not_issued:
        s += (f"{facts.period_label}，{_months(facts.months_not_issued)}落实情况表未下发，"
              f"本通报只统计已下发的{_months(facts.months_issued)}。")
    s += _reporting_figures(f"{facts.month}月", t)
    earlier = [(m, mt) for m, mt in facts.month_tallies if m != facts.month]
    if earlier:
        s += "此前，" + "；".join(f"{m}月应报送{mt.units}个，按时报送{mt.on_time}个、迟报{mt.late}个、未报送{mt.missing}个"
                                 for m, mt in earlier) + "。"
    s += (f"截至{facts.month}月，纳入督办的重点任务共{c['tasks']}项，其中绿色{c['green']}项、黄色{c['yellow']}项、"
          f"红色{c['red']}项{LEGEND}{_done_words(c.get('done', 0), c.get('done_new', 0), f'{facts.month}月')}。")
    return s


# --- 推进情况, monthly: the livelihood projects -----------------------------------------------

def _co(t: TaskFact) -> str:
    return f"，{_join(list(t.co_units))}配合" if t.co_units else ""


def _lead_words(r: LeadReport, v: Vary) -> str:
    if r.state == "missing":
        return v.pick("missing", (f"{r.unit}未报送本月落实情况", f"{r.unit}本月未报送落实情况表，进展情况不明",
                                  f"截至通报时{r.unit}仍未报送落实情况"))
    if r.state == "pending":
        return f"{r.unit}尚未到报送截止日期"
    if r.state == "not_issued":
        return f"{r.unit}的本月落实情况表未下发"
    if not r.reported:
        return f"{r.unit}报送的表中缺少该项目"
    prog = shorten(r.progress, 80).rstrip("。；;，,")
    said = v.pick("said", (f"{r.unit}报告：{prog}", f"据{r.unit}报告，{prog}", f"{r.unit}报送的进展为：{prog}")) \
        if prog else f"{r.unit}未填写完成情况"
    if r.achieved == "否":
        said += v.pick("no", ("，未完成阶段任务目标", "，阶段任务目标未能完成", "，但未达到阶段任务目标"))
    elif r.achieved != "是":
        said += "，未填写是否完成阶段任务目标"
    return said


def project_text(t: TaskFact, i: int, v: Vary) -> str:
    """One paragraph on a red or yellow livelihood project: its 完成进度 against 序时进度 in the
    opening sentence, then what its units reported."""
    color = COLOR[t.status]
    if not t.leads:
        return f"{i}.第{t.seq}项{q(t.name)}未明确牵头单位，列为{color}。"
    prog = f"（{t.progress_words}）" if t.progress_words else ""
    head = v.pick("project", (f"{i}.第{t.seq}项{q(t.name)}，由{t.lead_names}牵头{_co(t)}，列为{color}{prog}。",
                              f"{i}.{t.lead_names}牵头的第{t.seq}项{q(t.name)}{_co(t)}，本月为{color}{prog}。",
                              f"{i}.第{t.seq}项{q(t.name)}（{t.lead_names}牵头{_co(t)}）本月列为{color}{prog}。"))
    s = head + "；".join(_lead_words(r, v) for r in t.leads) + "。"
    if t.co_behind:
        s += f"配合单位{_join(list(t.co_behind))}报告未完成所承担的任务。"
    problems = [(u, p) for u, p in t.problems]
    if problems:
        said = "；".join(f"{u}反映{p.rstrip('。；;')}" for u, p in problems)
        s += v.pick("problems", (f"{said}。", f"存在的困难：{said}。"))
    return s


def _green_sentence(greens: list[TaskFact], total: int, what: str = "个项目") -> str:
    if not greens:
        return ""
    if len(greens) == total:
        return f"{total}{what}均完成阶段目标，按计划推进。"
    return f"序号{seq_ranges(t.seq for t in greens)}的{len(greens)}{what}完成阶段目标，按计划推进。"


def _done_sentence(facts: BriefFacts) -> str:
    """The livelihood projects 已完成 (销号), those done this month named apart."""
    done = [t for t in facts.tasks if t.done]
    if not done:
        return ""
    new = [t for t in done if t.done_period == f"{facts.year}-{facts.month:02d}"]
    s = f"第{seq_ranges(t.seq for t in done)}项已全部完成，予以销号"
    if new and len(new) < len(done):
        s += f"，其中第{seq_ranges(t.seq for t in new)}项为本月新完成"
    elif new:
        s += "，均为本月新完成"
    return s + "。"


def monthly_progress(facts: BriefFacts, v: Vary) -> list[Block]:
    if not facts.tasks:
        return [Block("p", "本月无为民办实事项目纳入督办。")]
    if not facts.issued:
        return [Block("p", f"本月落实情况表未下发，{len(facts.tasks)}个为民办实事项目的推进情况待各单位报送后再作通报。"
                           "各项目及牵头单位见附件。")]
    greens = [t for t in facts.tasks if t.status == "绿"]
    out = []
    first = _green_sentence(greens, len(facts.tasks)) + _done_sentence(facts)
    # red and yellow, the furthest behind 序时进度 first; those without a 完成进度 after (red first)
    behind = by_gap([t for t in facts.tasks if t.status == "红"] + [t for t in facts.tasks if t.status == "黄"])
    rest = [t for t in facts.tasks if t.status == "—"]
    if behind:
        n_red = sum(t.status == "红" for t in behind)
        n_yellow = len(behind) - n_red
        parts = [f"{n}个项目列为{c}" for n, c in ((n_red, "红色"), (n_yellow, "黄色")) if n]
        first += "，".join(parts) + "，具体如下："
    if rest:
        first += f"另有{len(rest)}个项目的牵头单位本月落实情况表未下发（序号{seq_ranges(t.seq for t in rest)}）。"
    out.append(Block("p", first))
    if len(behind) <= MAX_DETAILED:
        out += [Block("p", project_text(t, i, v)) for i, t in enumerate(behind, start=1)]
    else:  # many behind: one list per colour, as the quarterly briefing lists tasks
        k = CategoryFact("", behind)
        for status, lead in (("红", "红色项目："), ("黄", "黄色项目：")):
            tasks = k.of(status)
            if tasks:
                items = _red_items(tasks, v) if status == "红" else [_task_clause(t, v) for t in tasks]
                out.append(Block("p", lead + "；".join(items) + "。"))
    return out


# --- 推进情况, quarterly: by category --------------------------------------------------------

def _rest(k: CategoryFact) -> str:
    parts = [f"{c}{n}项" for c, n in (("红色", len(k.of("红"))), ("黄色", len(k.of("黄")))) if n]
    none = len(k.of("—"))
    if none:
        parts.append(f"未下发{none}项")
    return "、".join(parts)


def category_summary(k: CategoryFact, v: Vary) -> str:
    """The one sentence on a category's green tasks (and how many are not)."""
    n, g = len(k.tasks), len(k.of("绿"))
    if g == n == 1:
        return "本类1项任务已完成阶段目标。"
    if g == n:
        return v.pick("all_green", (f"本类{n}项任务均完成阶段目标。", f"{n}项任务全部完成阶段目标，推进顺利。",
                                    f"所列{n}项任务均已完成阶段目标。", f"{n}项任务均按计划推进，完成阶段目标。",
                                    f"各项任务（共{n}项）均达到阶段目标。"))
    if g == 0:
        return f"本类{n}项任务均未列为绿色，其中{_rest(k)}。"
    if n - g == 1 and g >= 2:
        return v.pick("one_behind", (f"{n}项任务中，除1项外均完成阶段目标。", f"本类{n}项任务有{g}项完成阶段目标，仅1项滞后。"))
    return v.pick("mixed", (f"共{n}项任务，{g}项完成阶段目标，{_rest(k)}。",
                            f"本类{n}项任务中，{g}项已完成阶段目标，{_rest(k)}。",
                            f"{n}项任务有{g}项完成阶段目标，另有{_rest(k)}。",
                            f"本类任务{n}项，完成阶段目标的{g}项，{_rest(k)}。",
                            f"{g}项任务完成阶段目标（本类共{n}项），{_rest(k)}。"))


def _problem_of(t: TaskFact) -> str:
    own = [p for u, p in t.problems if u in {r.unit for r in t.leads}]
    return own[0] if own else ""


def _task_clause(t: TaskFact, v: Vary) -> str:
    """One red or yellow task in a category's list."""
    name = f"{t.label}{q(t.name)}"
    r = t.leads[0] if t.leads else None
    if r is None:
        return f"{name}未明确牵头单位"
    lead_said = False  # the clause speaks of what the lead unit reported
    if any(x.achieved == "否" for x in t.leads):
        lead_said = True
        s = v.pick("lead_no", (f"{t.lead_names}牵头的{name}未完成阶段目标", f"{name}（{t.lead_names}）阶段目标未完成",
                               f"{name}，{t.lead_names}报告未完成"))
    elif any(x.state == "pending" for x in t.leads):
        s = f"{name}（{t.lead_names}）尚未到报送截止日期"
    elif any(x.state == "not_issued" for x in t.leads):
        s = f"{name}（{t.lead_names}）的落实情况表未下发"
    elif any(not x.reported for x in t.leads if x.state in ("on_time", "late")):
        s = f"{name}（{t.lead_names}）报送的表中缺少该项"
    elif t.co_behind:
        s = v.pick("co_no", (f"{name}（{t.lead_names}牵头）的配合单位{_join(list(t.co_behind))}报告未完成",
                             f"{name}由{t.lead_names}牵头，配合单位{_join(list(t.co_behind))}未完成所承担任务"))
    elif any(x.achieved != "是" for x in t.leads):
        s = f"{name}（{t.lead_names}）未填写是否完成阶段目标"
    elif t.progress_words:
        s = f"{name}（{t.lead_names}）{t.progress_words}"
    else:
        s = f"{name}（{t.lead_names}）{t.reason}"
    if t.progress_words and not s.endswith(t.progress_words):
        s += "，" + t.progress_words
    p = _problem_of(t)
    if p and lead_said:
        s += v.pick("reflects", (f"，反映{q(p.rstrip('。；;'))}", f"，原因是{q(p.rstrip('。；;'))}"))
    elif p:
        s += f"，牵头单位反映{q(p.rstrip('。；;'))}"
    return s


def _missing_clauses(tasks: list[TaskFact], v: Vary) -> tuple[list[str], list[TaskFact]]:
    """Red tasks whose lead unit did not report, grouped by that unit; the other tasks."""
    by: dict[str, list[TaskFact]] = {}
    others = []
    for t in tasks:
        gone = t.missing_leads
        if gone and not any(x.achieved == "否" for x in t.leads):
            by.setdefault(gone[0], []).append(t)
        else:
            others.append(t)
    out = []
    for unit, ts in by.items():
        names = "、".join(f"{t.label}{q(t.name)}" for t in ts)
        out.append(v.pick("missing_lead", (f"{unit}未报送落实情况，其牵头的{names}暂列红色",
                                           f"{names}因牵头单位{unit}未报送而列为红色")))
    return out, others


def _red_items(tasks: list[TaskFact], v: Vary) -> list[str]:
    """The clauses on red tasks (given by gap): those with a 完成进度 first, then the ones whose lead
    unit did not report (grouped by that unit), then the others without a 完成进度."""
    grouped, others = _missing_clauses(tasks, v)
    return ([_task_clause(t, v) for t in others if t.gap is not None] + grouped
            + [_task_clause(t, v) for t in others if t.gap is None])


def category_text(k: CategoryFact, v: Vary) -> str:
    """The paragraph on one category: the summary sentence, then its red and yellow tasks."""
    reds, yellows = by_gap(k.of("红")), by_gap(k.of("黄"))
    if len(k.tasks) == 1 and (reds or yellows):
        t = k.tasks[0]
        grouped, others = _missing_clauses(reds, v)
        return f"本类仅1项任务，列为{COLOR[t.status]}：" + "".join(grouped or [_task_clause(t, v)]) + "。"
    s = category_summary(k, v)
    if reds:
        items = _red_items(reds, v)
        lead = v.pick("red_lead", ("红色任务：", "列为红色的是：", "需重点督办的红色任务有："))
        s += lead + "；".join(items) + "。"
    if yellows:
        lead = v.pick("yellow_lead", ("黄色任务：", "列为黄色的是：", "推进中或信息不全的有："))
        s += lead + "；".join(_task_clause(t, v) for t in yellows) + "。"
    return s


def quarterly_progress(facts: BriefFacts, v: Vary) -> list[Block]:
    if not facts.categories:
        return [Block("p", "本季度无纳入督办的任务。")]
    if not facts.issued:
        return [Block("p", f"本季度落实情况表未下发，{len(facts.tasks)}项任务的推进情况待各单位报送后再作通报。各项任务见附件。")]
    out = []
    for i, k in enumerate(facts.categories, start=1):
        out.append(Block("h2", f"（{cn_number(i)}）{k.name}"))
        out.append(Block("p", category_text(k, v)))
    return out


# --- 存在的问题 ------------------------------------------------------------------------------

def _grouped(items: list[Issue]) -> str:
    by: dict[str, list[str]] = {}
    for i in items:
        lst = by.setdefault(i.unit, [])
        if i.task and i.task not in lst:
            lst.append(i.task)
    return "、".join(f"{u}（{'、'.join(ts)}）" if ts else u for u, ts in by.items())


def _problem_groups(items: list[Issue], order: list[str]) -> str:
    pos = {u: i for i, u in enumerate(order)}
    items = sorted(items, key=lambda i: pos.get(i.unit, len(pos)))
    by: dict[str, list[Issue]] = {}
    text_of: dict[str, str] = {}
    for i in items:
        key = re.sub(r"[\s。；;，,]+", "", i.text)
        by.setdefault(key, []).append(i)
        text_of.setdefault(key, i.text.rstrip("。；;，,"))
    order = sorted(by, key=lambda k: -len(by[k]))  # the most reported first, then as found
    parts = []
    for key in order:
        group = by[key]
        if len(group) == 1:
            parts.append(f"{text_of[key]}（{group[0].unit}，{group[0].task}）")
        else:
            units = list(dict.fromkeys(i.unit for i in group))
            parts.append(f"{text_of[key]}（{_units(units)}反映）")
    return "；".join(parts)


def problem_text(facts: BriefFacts) -> list[str]:
    if not facts.issued:
        return ["落实情况表未下发，本期无报送内容可供分析。"]
    items = []
    if facts.problems:
        items.append(f"责任单位反映的困难和问题主要有：{_problem_groups(facts.problems, facts.unit_order)}。")
    if facts.blank:
        items.append(f"报回空表。{_grouped(facts.blank)}报回的表格基本空白，未填写季度目标或完成情况，"
                     "不能视为已按要求报送，需重新填报。")
    if facts.copied:
        items.append(f"部分报送内容照搬上月。{_grouped(facts.copied)}报送的完成情况或下一步计划与上月完全相同，"
                     "未反映本月实际进展。")
    if facts.incomplete:
        items.append(f"部分报送内容不全。{_grouped(facts.incomplete)}的必填内容未填写或缺项。")
    if facts.unclear:
        items.append(f"部分填报内容无法识别。{_grouped(facts.unclear)}的“是否完成阶段任务目标”等栏目未按下拉选项填写，"
                     "无法判断是否完成。")
    out = [f"{n}.{item}" for n, item in enumerate(items, start=1)]
    if not out:
        out.append("本期各单位报送内容完整，未反映需要协调解决的困难和问题。")
    return out


# --- 报送情况 --------------------------------------------------------------------------------

def _units_in(lapses: list, state: str) -> list[str]:
    return list(dict.fromkeys(lp.unit for lp in lapses if lp.state == state))


def _lapse_list(lapses: list, late: list[str], missing: list[str]) -> str:
    """迟报单位N个：A（迟报1个工作日）、…；未报送单位N个：…  (one month's lapses, units in the given order)."""
    parts = []
    if late:
        days = {lp.unit: lp.late_days for lp in lapses if lp.state == "late"}
        parts.append(f"迟报单位{len(late)}个：" + "、".join(f"{u}（迟报{days[u]}个工作日）" for u in late))
    if missing:
        parts.append(f"未报送单位{len(missing)}个：" + "、".join(missing))
    return "；".join(parts)


def reporting_text(facts: BriefFacts) -> str:
    """The 报送情况 paragraph: names exactly the units late or missing, in registry order."""
    monthly = facts.scope == "monthly"
    when = "本月" if monthly else facts.period_label
    if not facts.issued:
        if monthly:
            return f"{facts.period_label}落实情况表未下发，本月不统计迟报、未报送情况。"
        return f"{facts.period_label}各月落实情况表均未下发，本季度不统计迟报、未报送情况。"
    lead = ""
    if facts.months_not_issued and not monthly:
        lead = f"{_months(facts.months_not_issued)}落实情况表未下发，不统计报送情况。"
    # a month in which no unit reported at all is said once, not unit by unit
    whole = [m for m, t in facts.month_tallies if not monthly and t.due and t.missing == t.due and len(facts.month_tallies) > 1]
    lapses = [lp for lp in facts.lapses if lp.month not in whole]
    late = list(dict.fromkeys(lp.unit for lp in lapses if lp.state == "late"))
    missing = list(dict.fromkeys(lp.unit for lp in lapses if lp.state == "missing"))
    t = facts.tally
    tail = ""
    if t.not_issued and monthly:
        tail += f"另有{t.not_issued}个单位本月落实情况表未下发，不计入应报。"
    if t.pending:
        tail += f"另有{t.pending}个单位尚未到报送截止日期。"
    if whole:
        lead += f"{_months(whole)}各单位均未报送落实情况表。"
    if not late and not missing:
        if not t.units:
            return lead + f"{when}无应报送落实情况的单位。" + tail
        if t.pending and not t.reported:
            return lead + f"{when}暂无迟报、未报送的单位。" + tail
        return lead + f"{when}各单位均按时报送。" + tail
    if monthly:
        s = lead + f"{when}，" + _lapse_list(lapses, late, missing) + "。"
    else:
        s = lead
        for m, mt in facts.month_tallies:
            lps = [lp for lp in lapses if lp.month == m]
            if lps:
                s += f"{m}月，" + _lapse_list(lps, _units_in(lps, "late"), _units_in(lps, "missing")) + "。"
            elif m not in whole and mt.due and not mt.pending:
                s += f"{m}月各单位均按时报送。"
    if monthly and t.on_time:
        s += f"其余{t.on_time}个单位均按时报送。"
    return s + tail


# --- 下一步工作要求 ---------------------------------------------------------------------------

def next_text(facts: BriefFacts) -> str:
    """The closing request: what follows from this period's data, then the office's standing words."""
    asks = []
    if facts.issued:
        if facts.missing_now:
            asks.append(f"未报送的{len(facts.missing_now)}个单位要尽快补报")
        if facts.late_units:
            asks.append("迟报单位要严格按规定时限报送")
        if facts.task_counts.get("red"):
            asks.append("红色任务的牵头单位要逐项分析原因，明确赶进措施和时限")
        if facts.task_counts.get("yellow"):
            asks.append("黄色任务的责任单位要加强协同配合，补齐报送信息")
        if facts.blank or facts.incomplete or facts.copied or facts.unclear:
            asks.append("报送内容不全或照搬上月的单位要如实、完整填报")
        if facts.problems:
            asks.append("对反映的困难和问题，相关单位要主动对接、推动解决")
    else:
        asks.append("落实情况表下发后，各单位要按时、如实报送")
    s = ("下一步，" + "；".join(asks) + "。") if asks else ""
    return s + facts.closing


# --- the whole body ------------------------------------------------------------------------

def body(facts: BriefFacts) -> list[Block]:
    """The blocks after the 主送 line and intro, up to and including the closing request."""
    v = Vary()
    out = [Block("h1", facts.sections["overall"]), Block("p", overall_text(facts)), Block("chart")]
    out.append(Block("h1", facts.sections["progress"]))
    out += monthly_progress(facts, v) if facts.scope == "monthly" else quarterly_progress(facts, v)
    out.append(Block("h1", facts.sections["problems"]))
    out += [Block("p", s) for s in problem_text(facts)]
    out.append(Block("h1", facts.sections["reporting"]))
    out.append(Block("p", reporting_text(facts)))
    out.append(Block("h1", facts.sections["next"]))
    out.append(Block("p", next_text(facts)))
    return out


CN_NUMBERS = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    """Chinese numerals for headings （一）…（九十九）; plain digits beyond, as offices write them."""
    if n < 1 or n > 99:
        return str(n)
    if n <= 10:
        return CN_NUMBERS[n - 1]
    if n < 20:
        return "十" + CN_NUMBERS[n - 11]
    tens, ones = divmod(n, 10)
    return CN_NUMBERS[tens - 1] + "十" + (CN_NUMBERS[ones - 1] if ones else "")


# --- the title -----------------------------------------------------------------------------

TITLE_WIDTH = 20.0  # 二号 characters in a line of the type area (156 mm)
_BREAK_BEFORE = ("进展情况", "落实情况", "推进情况", "完成情况", "工作情况", "重点任务", "为民办实事", "《", "政府工作报告")
_PERIOD = re.compile(r"\d{4}年(?:第[一二三四]季度|\d{1,2}月|度)?")


def text_width(s: str) -> float:
    """Width in em: CJK and full-width characters 1, ASCII 0.5."""
    return sum(0.5 if ord(c) < 0x2E80 else 1.0 for c in s)


def title_lines(title: str, width: float = TITLE_WIDTH) -> list[str]:
    """The title broken where a person would break it: never a lone "通报" (or "的通报") on the
    last line; at a phrase boundary (before 重点任务 / 进展情况 / …, or after the period) with the
    lines as even as possible, the first one not shorter than the second."""
    title = title.strip()
    if text_width(title) <= width:
        return [title]
    cuts = set()
    for marker in _BREAK_BEFORE:
        for m in re.finditer(re.escape(marker), title):
            cuts.add(m.start())
    for m in _PERIOD.finditer(title):
        cuts.add(m.end())
    best, best_score = None, None
    for c in sorted(cuts):
        a, b = title[:c], title[c:]
        if not a or not b or text_width(a) > width or text_width(b) > width or text_width(b) < 4:
            continue
        score = abs(text_width(a) - text_width(b)) + (3 if text_width(a) < text_width(b) else 0)
        if best_score is None or score < best_score:
            best, best_score = c, score
    if best is not None:
        return [title[:best], title[best:]]
    # no phrase boundary fits: fill lines, then give the last line at least four characters
    lines, cur = [], ""
    for ch in title:
        if text_width(cur + ch) > width:
            lines.append(cur)
            cur = ""
        cur += ch
    lines.append(cur)
    if len(lines) > 1 and text_width(lines[-1]) < 4:
        need = 4 - len(lines[-1])
        lines[-1] = lines[-2][-need:] + lines[-1]
        lines[-2] = lines[-2][:-need]
    return lines


__all__ = ["Block", "Vary", "RECIPIENTS", "body", "intro_text", "overall_text", "project_text", "category_text",
           "category_summary", "problem_text", "reporting_text", "next_text", "title_lines", "cn_number", "text_width"]
