"""The briefing (通报): a Word document in official style, built from MonthData only.

Two steps, so the numbers can be checked apart from the layout:

* ``monthly_facts`` / ``quarterly_facts`` turn MonthData into a ``BriefFacts``: every number
  and every sentence fragment of the document comes from there;
* ``write_briefing`` lays the facts out as a .docx (A4, GB/T 9704 style fonts and margins),
  with an optional chart from ``render_chart`` under 总体情况 and a table annex.

The monthly briefing covers the livelihood projects (为民办实事); the quarterly one covers
every task, grouped by category. Unit reporting (on time / late / missing) is per unit and
taken from ``MonthData.units``, whose order is the registry's official order.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..atomic import atomic_path
from ..errors import DubanError
from ..model import KIND_LABELS
from ..rollup import MonthData, TaskRow, UnitState
from ..settings import BriefSettings

# --- fonts and sizes of the official style -------------------------------------------------

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE = "宋体"
SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_ANNEX_TITLE = Pt(18)  # 小二
SIZE_TABLE = Pt(12)  # 小四
SIZE_PAGE = Pt(14)  # 四号
LINE = Pt(28)
CHART_WIDTH = Cm(15)

STATUS_MEANING = {"绿": "完成阶段目标", "黄": "推进中或信息不全", "红": "未完成阶段目标或未报送"}
STATUS_FILL = {"绿": "C6EFCE", "黄": "FFEB9C", "红": "FFC7CE"}
STATUS_COLORS = {"绿": "#3A9D4A", "黄": "#E8B500", "红": "#D64541"}
QUARTER_NAMES = "一二三四"
CN_NUMBERS = "一二三四五六七八九十"
NOTHING = {"无", "暂无", "没有", "无问题", "暂无问题", "无困难", "暂无困难", "/", "-", "—", "——", "无无"}
# annex columns: header, width
ANNEX_COLUMNS = (("序号", 1.4), ("任务", 3.9), ("牵头单位", 2.4), ("完成情况", 5.0), ("是否完成", 1.5), ("状态", 1.4))
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Serif CJK SC", "Source Han Serif SC",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
             "SimSun", "FangSong", "KaiTi", "Noto Sans CJK JP", "Noto Sans CJK TC", "Arial Unicode MS")


# --- facts ---------------------------------------------------------------------------------

@dataclass
class LeadReport:
    """What one lead unit reported on a task this month."""

    unit: str
    state: str  # on_time | late | missing | pending (the unit's state this month)
    reported: bool  # its return has a row for this task
    progress: str
    achieved: str  # 是 | 否 | "" (not filled)


@dataclass
class TaskFact:
    id: str
    kind: str
    seq: int
    category: str
    text: str
    label: str  # how the text refers to it: 第3项 / 为民办实事第3项
    status: str  # 绿 | 黄 | 红
    achieved: str  # annex column: 是 | 否 | 未填写 | 未报送 | 未到期 | 未明确
    reason: str  # why the status, one short clause
    leads: list[LeadReport]
    co_units: tuple[str, ...] = ()

    @property
    def lead_names(self) -> str:
        return "、".join(r.unit for r in self.leads) or "未明确"

    @property
    def progress(self) -> str:
        parts = [(r.unit, r.progress) for r in self.leads if r.progress]
        if len(parts) == 1:
            return parts[0][1]
        return "；".join(f"{u}：{p}" for u, p in parts)


@dataclass
class CategoryFact:
    name: str
    tasks: list[TaskFact]

    def of(self, status: str) -> list[TaskFact]:
        return [t for t in self.tasks if t.status == status]


@dataclass
class Lapse:
    """A unit late or missing in one month."""

    unit: str
    month: int
    state: str  # late | missing
    late_days: int = 0


@dataclass
class Issue:
    """One item of 存在的问题."""

    unit: str
    task: str  # label, e.g. 第3项
    text: str = ""


@dataclass
class BriefFacts:
    """Everything the briefing says. Built from MonthData by monthly_facts / quarterly_facts."""

    title: str
    period_label: str  # 2025年3月 | 2025年第一季度
    scope: str  # monthly | quarterly
    counts: dict  # MonthData.counts of the (last) month
    office: str = ""
    date: date | None = None  # signature date: data.now of the (last) month
    year: int = 0
    month: int = 0  # the (last) month
    task_counts: dict = field(default_factory=dict)  # tasks/green/yellow/red of the tasks covered
    tasks: list[TaskFact] = field(default_factory=list)
    categories: list[CategoryFact] = field(default_factory=list)
    lapses: list[Lapse] = field(default_factory=list)  # in registry order, then month
    month_counts: list[tuple[int, dict]] = field(default_factory=list)  # (month, counts) for each month covered
    not_achieved: list[Issue] = field(default_factory=list)
    problems: list[Issue] = field(default_factory=list)
    copied: list[Issue] = field(default_factory=list)
    incomplete: list[Issue] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)  # overall | progress | problems | reporting
    closing: str = ""
    annex_title: str = ""

    @property
    def late_units(self) -> list[str]:
        return _unique(lp.unit for lp in self.lapses if lp.state == "late")

    @property
    def missing_units(self) -> list[str]:
        return _unique(lp.unit for lp in self.lapses if lp.state == "missing")


class _Keep(dict):
    """format_map mapping that leaves unknown placeholders as they are."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, **values: object) -> str:
    try:
        return template.format_map(_Keep(values))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


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


def _meaningful(text: str | None) -> bool:
    s = re.sub(r"[\s。.，,！!；;]+", "", text or "")
    return bool(s) and s not in NOTHING


def _label(kind: str, seq: int, mixed: bool) -> str:
    return f"{KIND_LABELS['livelihood']}第{seq}项" if mixed and kind == "livelihood" else f"第{seq}项"


def _task_fact(row: TaskRow, state_of: dict[str, UnitState], mixed: bool) -> TaskFact:
    t = row.task
    lead_lines = [ln for ln in row.lines if ln.role == "牵头"] or row.lines[:1]
    leads = []
    for ln in lead_lines:
        st = state_of.get(ln.unit)
        leads.append(LeadReport(ln.unit, st.state if st else "missing", ln.reported,
                                shorten(ln.values.get("progress"), 300), (ln.values.get("achieved") or "").strip()))
    co = tuple(ln.unit for ln in row.lines if ln not in lead_lines)
    # the annex's 是否完成, worst first
    if not leads:
        achieved = "未明确"
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
    reason = _reason(row, leads)
    return TaskFact(t.id, t.kind, t.seq, t.category, t.text, _label(t.kind, t.seq, mixed), row.status, achieved,
                    reason, leads, co)


def _reason(row: TaskRow, leads: list[LeadReport]) -> str:
    if not leads:
        return "未明确责任单位"
    if row.status == "绿":
        return "已完成阶段任务目标"
    why = []
    for r in leads:
        if r.achieved == "否":
            why.append(f"{r.unit}报告未完成阶段任务目标")
        elif r.state == "missing":
            why.append(f"{r.unit}未报送")
        elif r.state == "pending":
            why.append(f"{r.unit}尚未到报送截止日期")
        elif not r.reported:
            why.append(f"{r.unit}报送的表中缺少该项")
        elif r.achieved != "是":
            why.append(f"{r.unit}未填写是否完成阶段任务目标")
    lead_units = {r.unit for r in leads}
    for ln in row.lines:
        if ln.unit not in lead_units and (ln.values.get("achieved") or "").strip() == "否":
            why.append(f"配合单位{ln.unit}报告未完成")
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


def _issues(data: MonthData, rows: list[TaskRow], facts: dict[str, TaskFact]) -> tuple[list[Issue], ...]:
    ids = set(facts)
    not_achieved = [Issue(f.unit, facts[f.task].label, shorten(facts[f.task].text, 40))
                    for f in data.findings if f.kind == "not_achieved" and f.task in ids]
    problems = []
    for row in rows:
        for ln in row.lines:
            if _meaningful(ln.values.get("problems")):
                problems.append(Issue(ln.unit, facts[row.task.id].label, shorten(ln.values.get("problems"), 80)))
    copied = [Issue(f.unit, facts[f.task].label) for f in data.findings if f.kind == "copied" and f.task in ids]
    incomplete = [Issue(f.unit, facts[f.task].label) for f in data.findings if f.kind == "incomplete" and f.task in ids]
    return not_achieved, problems, copied, incomplete


def _task_counts(facts: list[TaskFact]) -> dict:
    return {"tasks": len(facts), "green": sum(f.status == "绿" for f in facts),
            "yellow": sum(f.status == "黄" for f in facts), "red": sum(f.status == "红" for f in facts)}


def _sections(settings: BriefSettings, period: str) -> dict[str, str]:
    return {"overall": _fill(settings.section_overall, period=period),
            "progress": _fill(settings.section_progress, period=period),
            "problems": _fill(settings.section_problems, period=period),
            "reporting": _fill(settings.section_reporting, period=period)}


def _lapses(months: list[MonthData]) -> list[Lapse]:
    order: list[str] = []
    for data in reversed(months):  # the last month's registry order first
        order += [u.unit for u in data.units if u.unit not in order]
    pos = {u: i for i, u in enumerate(order)}
    out = [Lapse(u.unit, data.month, u.state, u.late_days if u.state == "late" else 0)
           for data in months for u in data.units if u.state in ("late", "missing")]
    return sorted(out, key=lambda lp: (pos[lp.unit], lp.month))


def _build(months: list[MonthData], settings: BriefSettings, office: str, scope: str) -> BriefFacts:
    last = months[-1]
    if scope == "monthly":
        period = f"{last.year}年{last.month}月"
        rows = [r for r in last.rows if r.task.kind == "livelihood"]
        title = _fill(settings.monthly_title, period=period)
        annex = f"{period}为民办实事项目推进情况表"
    else:
        period = f"{last.year}年第{QUARTER_NAMES[(last.month - 1) // 3]}季度"
        rows = list(last.rows)
        title = _fill(settings.quarterly_title, period=period)
        annex = f"{period}重点任务落实情况表"
    mixed = len({r.task.kind for r in rows}) > 1
    state_of = {u.unit: u for u in last.units}
    tasks = [_task_fact(r, state_of, mixed) for r in rows]
    by_id = {f.id: f for f in tasks}
    not_achieved, problems, copied, incomplete = _issues(last, rows, by_id)
    return BriefFacts(
        title=title, period_label=period, scope=scope, counts=last.counts, office=office, date=last.now.date(),
        year=last.year, month=last.month, task_counts=_task_counts(tasks), tasks=tasks, categories=_categories(tasks),
        lapses=_lapses(months), month_counts=[(m.month, m.counts) for m in months],
        not_achieved=not_achieved, problems=problems, copied=copied, incomplete=incomplete,
        sections=_sections(settings, period), closing=_fill(settings.closing, period=period), annex_title=annex)


def monthly_facts(data: MonthData, settings: BriefSettings, office: str) -> BriefFacts:
    """The monthly briefing on the livelihood projects (task.kind == "livelihood")."""
    return _build([data], settings, office, "monthly")


def quarterly_facts(months: list[MonthData], settings: BriefSettings, office: str) -> BriefFacts:
    """The quarterly briefing on all tasks: status and counts of the quarter's last month given,
    reporting lapses (late or missing) of every month given."""
    if not months:
        raise DubanError("生成季度通报需要至少一个月的汇总数据。")
    months = sorted(months, key=lambda m: (m.year, m.month))
    quarters = {(m.year, (m.month - 1) // 3) for m in months}
    if len(quarters) > 1:
        raise DubanError("季度通报的各月数据不属于同一季度：" + "、".join(f"{m.year}年{m.month}月" for m in months) + "。")
    if len({m.month for m in months}) != len(months):
        raise DubanError("季度通报的各月数据有重复的月份。")
    return _build(months, settings, office, "quarterly")


# --- chart ---------------------------------------------------------------------------------

def _cjk_font() -> str | None:
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for n in CJK_FONTS:
        if n in names:
            return n
    for n in sorted(names):
        if "CJK" in n and "Mono" not in n:
            return n
    return None


def _wrap(text: str, width: int) -> str:
    return "\n".join(text[i:i + width] for i in range(0, len(text), width)) or " "


def render_chart(facts: BriefFacts) -> bytes:
    """A PNG for 总体情况: the reporting bar and status bar (monthly), or status by category,
    stacked 绿/黄/红 (quarterly). Labels are Chinese when a CJK font is installed, else ASCII."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font = _cjk_font()
    cn = font is not None
    rc = {"font.family": [font] if cn else ["DejaVu Sans"], "font.sans-serif": [font] if cn else ["DejaVu Sans"],
          "axes.unicode_minus": False, "font.size": 11}
    c = facts.counts
    colors = [STATUS_COLORS[s] for s in ("绿", "黄", "红")]
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if facts.scope == "monthly":
            fig = Figure(figsize=(8.0, 3.6), dpi=150)
            FigureCanvasAgg(fig)
            ax1, ax2 = fig.subplots(1, 2)
            labels = ["按时报送", "迟报", "未报送"] if cn else ["on time", "late", "missing"]
            values = [c["on_time"], c["late"], c["missing"]]
            bar_colors = ["#4472C4", "#ED7D31", "#C00000"]
            if c.get("pending"):
                labels.append("未到期" if cn else "pending")
                values.append(c["pending"])
                bar_colors.append("#A5A5A5")
            _bars(ax1, labels, values, bar_colors, "各单位报送情况（个）" if cn else "units")
            tc = facts.task_counts
            _bars(ax2, ["绿", "黄", "红"] if cn else ["G", "Y", "R"], [tc["green"], tc["yellow"], tc["red"]], colors,
                  "为民办实事项目状态（项）" if cn else "projects")
        else:
            cats = facts.categories or [CategoryFact("无" if cn else "-", [])]
            height = min(2.4 + 0.5 * len(cats), 10.0)
            fig = Figure(figsize=(8.0, height), dpi=150)
            FigureCanvasAgg(fig)
            ax = fig.subplots()
            names = [_wrap(k.name, 10) if cn else f"C{i + 1}" for i, k in enumerate(cats)]
            ys = list(range(len(cats)))[::-1]
            left = [0] * len(cats)
            for status, color in zip(("绿", "黄", "红"), colors):
                vals = [len(k.of(status)) for k in cats]
                label = f"{status}：{STATUS_MEANING[status]}" if cn else {"绿": "G", "黄": "Y", "红": "R"}[status]
                ax.barh(ys, vals, left=left, color=color, label=label, height=0.6)
                for y, v, x0 in zip(ys, vals, left):
                    if v:
                        ax.text(x0 + v / 2, y, str(v), ha="center", va="center", color="white", fontsize=9)
                left = [a + b for a, b in zip(left, vals)]
            ax.set_yticks(ys)
            ax.set_yticklabels(names)
            ax.set_title("各类任务推进状态（项）" if cn else "tasks by category")
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, fontsize=9, frameon=False)
            ax.set_xlim(0, max(left + [1]) * 1.05)
            ax.xaxis.get_major_locator().set_params(integer=True)
            ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.1)
    return buf.getvalue()


def _bars(ax, labels, values, colors, title) -> None:
    xs = list(range(len(labels)))
    ax.bar(xs, values, color=colors, width=0.6)
    ax.set_xticks(xs)
    ax.set_xticklabels(labels)
    ax.set_title(title)
    top = max(values + [1])
    ax.set_ylim(0, top * 1.2)
    for x, v in zip(xs, values):
        ax.text(x, v + top * 0.02, str(v), ha="center", va="bottom")
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.get_major_locator().set_params(integer=True)


# --- docx layout ---------------------------------------------------------------------------

def _rfonts(rpr, name: str) -> None:
    rf = rpr.get_or_add_rFonts()
    for a in ("ascii", "hAnsi", "eastAsia", "cs"):
        rf.set(qn(f"w:{a}"), name)
    for a in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rf.attrib.pop(qn(f"w:{a}"), None)


def _indent_chars(pf, chars: int, size: Pt) -> None:
    pf.first_line_indent = Pt(size.pt * chars) if chars else Pt(0)
    pf._element.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), str(chars * 100))


def _style(doc, name: str, font: str, size, *, base: str = "Normal", align=None, indent: int = 2,
           exact: Pt | None = LINE, outline: int | None = None, bold: bool = False):
    styles = doc.styles
    st = styles[name] if name in [s.name for s in styles] else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    if name != "Normal":
        st.base_style = styles[base]
        st.quick_style = True
    st.font.name = font
    st.font.size = size
    st.font.bold = bold
    st.font.color.rgb = RGBColor(0, 0, 0)
    _rfonts(st.element.get_or_add_rPr(), font)
    pf = st.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    if exact is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing = exact
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    _indent_chars(pf, indent, size)
    if align is not None:
        pf.alignment = align
    if outline is not None:
        pf.keep_with_next = True
        lvl = OxmlElement("w:outlineLvl")
        lvl.set(qn("w:val"), str(outline))
        st.element.get_or_add_pPr().append(lvl)
    return st


def _setup(doc) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    sec.header_distance, sec.footer_distance = Cm(1.5), Cm(2.5)
    # no theme fonts anywhere: they would win over the explicit names
    for rf in doc.styles.element.iter(qn("w:rFonts")):
        for a in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
            rf.attrib.pop(qn(f"w:{a}"), None)
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _rfonts(rpr, FONT_BODY)
            lang = rpr.find(qn("w:lang"))
            if lang is None:
                lang = OxmlElement("w:lang")
                rpr.append(lang)
            lang.set(qn("w:eastAsia"), "zh-CN")
    _style(doc, "Normal", FONT_BODY, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _style(doc, "通报标题", FONT_TITLE, SIZE_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=Pt(36))
    _style(doc, "一级标题", FONT_H1, SIZE_BODY, outline=0)
    _style(doc, "二级标题", FONT_H2, SIZE_BODY, outline=1)
    _style(doc, "附件标题", FONT_TITLE, SIZE_ANNEX_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=Pt(32))
    _style(doc, "图片", FONT_BODY, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=None)
    _style(doc, "表格文字", FONT_BODY, SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.LEFT, indent=0, exact=None)
    _style(doc, "页码", FONT_PAGE, SIZE_PAGE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=None)


def _run(par, text: str, font: str, size, bold: bool = False):
    r = par.add_run(text)
    r.font.name = font
    r.font.size = size
    if bold:
        r.bold = True
    _rfonts(r._element.get_or_add_rPr(), font)
    return r


FONTS_OF = {"Normal": (FONT_BODY, SIZE_BODY), "通报标题": (FONT_TITLE, SIZE_TITLE), "一级标题": (FONT_H1, SIZE_BODY),
            "二级标题": (FONT_H2, SIZE_BODY), "附件标题": (FONT_TITLE, SIZE_ANNEX_TITLE), "表格文字": (FONT_BODY, SIZE_TABLE),
            "页码": (FONT_PAGE, SIZE_PAGE), "图片": (FONT_BODY, SIZE_BODY)}


def _para(doc_or_cell, text: str = "", style: str = "Normal", align=None, indent: int | None = None):
    par = doc_or_cell.add_paragraph(style=style)
    if text:
        font, size = FONTS_OF[style]
        _run(par, text, font, size)
    if align is None and style in ("通报标题", "附件标题", "图片", "页码"):
        align = WD_ALIGN_PARAGRAPH.CENTER
    if align is not None:
        par.alignment = align
    if indent is not None:
        _indent_chars(par.paragraph_format, indent, FONTS_OF[style][1])
    return par


def _page_number(doc, sec) -> None:
    footer = sec.footer
    footer.is_linked_to_previous = False
    par = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    par.style = doc.styles["页码"]
    pf = par.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER
    pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _indent_chars(pf, 0, SIZE_PAGE)
    _run(par, "— ", FONT_PAGE, SIZE_PAGE)
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        r = _run(par, "", FONT_PAGE, SIZE_PAGE)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = text
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        r._element.append(el)
    _run(par, " —", FONT_PAGE, SIZE_PAGE)


def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _borders(table) -> None:
    tblpr = table._tbl.tblPr
    old = tblpr.find(qn("w:tblBorders"))
    if old is not None:
        tblpr.remove(old)
    b = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "single")
        e.set(qn("w:sz"), "4")
        e.set(qn("w:space"), "0")
        e.set(qn("w:color"), "000000")
        b.append(e)
    tblpr.append(b)


def _cell(cell, text: str, align=WD_ALIGN_PARAGRAPH.LEFT, bold: bool = False, font: str = FONT_BODY) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    par = cell.paragraphs[0]
    par.style = cell.part.document.styles["表格文字"]
    par.alignment = align
    _run(par, text, font, SIZE_TABLE, bold=bold)


def _annex(doc, facts: BriefFacts) -> None:
    par = _para(doc, "", "Normal", indent=0)
    par.add_run().add_break(WD_BREAK.PAGE)
    _para(doc, "附件", "一级标题", indent=0)
    _para(doc, facts.annex_title, "附件标题")
    table = doc.add_table(rows=1, cols=len(ANNEX_COLUMNS))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    widths = [Cm(w) for _, w in ANNEX_COLUMNS]
    for col, w in zip(table.columns, widths):
        col.width = w
    head = table.rows[0]
    trpr = head._tr.get_or_add_trPr()
    th = OxmlElement("w:tblHeader")
    th.set(qn("w:val"), "true")
    trpr.append(th)
    for cell, (name, _), w in zip(head.cells, ANNEX_COLUMNS, widths):
        cell.width = w
        _cell(cell, name, WD_ALIGN_PARAGRAPH.CENTER, font=FONT_H1)
        _shade(cell, "D9D9D9")
    groups = facts.categories if facts.scope == "quarterly" else [CategoryFact("", facts.tasks)]
    for gi, group in enumerate(groups):
        if group.name:
            row = table.add_row()
            merged = row.cells[0].merge(row.cells[-1])
            _cell(merged, f"（{_cn(gi + 1)}）{group.name}", font=FONT_H2)
        for t in group.tasks:
            row = table.add_row()
            values = (str(t.seq), t.text, t.lead_names, t.progress or "—", t.achieved, t.status)
            aligns = (WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.LEFT,
                      WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.CENTER)
            for cell, v, a, w in zip(row.cells, values, aligns, widths):
                cell.width = w
                _cell(cell, v, a)
            _shade(row.cells[-1], STATUS_FILL.get(t.status, "FFFFFF"))
    if not facts.tasks:
        row = table.add_row()
        merged = row.cells[0].merge(row.cells[-1])
        _cell(merged, "本期无纳入通报的任务。", WD_ALIGN_PARAGRAPH.CENTER)


def _cn(n: int) -> str:
    """Chinese numerals for headings （一）…（九十九）; plain digits beyond, as offices write them."""
    if n < 1 or n > 99:
        return str(n)
    if n <= 10:
        return CN_NUMBERS[n - 1]
    if n < 20:
        return "十" + CN_NUMBERS[n - 11]
    tens, ones = divmod(n, 10)
    return CN_NUMBERS[tens - 1] + "十" + (CN_NUMBERS[ones - 1] if ones else "")


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


# --- the text ------------------------------------------------------------------------------

def overall_text(facts: BriefFacts) -> list[str]:
    """The paragraphs of 总体情况."""
    c, tc = facts.counts, facts.task_counts
    when = "本月" if facts.scope == "monthly" else f"{facts.month}月"
    s = (f"{when}应报送落实情况的单位{c['units']}个，已报送{c['reported']}个，其中按时报送{c['on_time']}个、"
         f"迟报{c['late']}个；未报送{c['missing']}个")
    if c.get("pending"):
        s += f"；另有{c['pending']}个单位尚未到报送截止日期"
    s += "。"
    if c["units"] - c.get("pending", 0) > 0:
        s += f"报送率{_pct(c['submission_rate'])}，按时报送率{_pct(c['on_time_rate'])}。"
    out = [s]
    legend = "（绿色表示完成阶段目标，黄色表示推进中或信息不全，红色表示未完成阶段目标或未报送。）"
    whole = f"纳入督办的重点任务共{c['tasks']}项，其中绿色{c['green']}项、黄色{c['yellow']}项、红色{c['red']}项"
    if facts.scope == "monthly":
        part = (f"为民办实事项目{tc['tasks']}项，其中绿色{tc['green']}项、黄色{tc['yellow']}项、红色{tc['red']}项")
        if tc["tasks"] == c["tasks"]:
            out.append(f"本月{part}{legend}")
        else:
            out.append(f"本月{whole}；其中{part}{legend}")
    else:
        out.append(f"截至{facts.month}月，{whole}{legend}")
        if len(facts.month_counts) > 1:
            parts = [f"{m}月按时报送{mc['on_time']}个、迟报{mc['late']}个、未报送{mc['missing']}个"
                     for m, mc in facts.month_counts]
            out.append(f"{facts.period_label}各月报送情况：" + "；".join(parts) + "。")
    return out


def _achieved_words(r: LeadReport) -> str:
    if r.achieved == "是":
        return "已完成阶段任务目标"
    if r.achieved == "否":
        return "未完成阶段任务目标"
    return "未填写是否完成阶段任务目标"


def project_text(t: TaskFact) -> str:
    """The sentences on one livelihood project (monthly)."""
    s = f"该项目（序号{t.seq}）由{t.lead_names}牵头"
    if t.co_units:
        s += f"，{'、'.join(t.co_units)}配合"
    s += "。"
    for r in t.leads:
        if r.state == "missing":
            s += f"{r.unit}未报送本月落实情况。"
        elif r.state == "pending":
            s += f"{r.unit}尚未到报送截止日期。"
        elif not r.reported:
            s += f"{r.unit}报送的表中缺少该项目。"
        else:
            prog = shorten(r.progress, 80)
            s += (f"{r.unit}报告：{prog.rstrip('。')}。" if prog else f"{r.unit}未填写完成情况。") + f"{_achieved_words(r)}。"
    if not t.leads:
        s = f"该项目（序号{t.seq}）未明确牵头单位。"
    s += f"状态为{t.status}色（{STATUS_MEANING[t.status]}）。"
    return s


def category_text(k: CategoryFact) -> list[str]:
    """The paragraphs on one category (quarterly): counts, then each task behind."""
    g, y, r = len(k.of("绿")), len(k.of("黄")), len(k.of("红"))
    s = f"共{len(k.tasks)}项任务，其中绿色{g}项、黄色{y}项、红色{r}项。"
    if r:
        s += f"红色任务：{'、'.join(t.label for t in k.of('红'))}。"
    if y:
        s += f"黄色任务：{'、'.join(t.label for t in k.of('黄'))}。"
    if not (r or y) and k.tasks:
        s += "各项任务均已完成阶段目标。"
    out = [s]
    for t in k.of("红") + k.of("黄"):
        line = f"{t.label}“{shorten(t.text, 40)}”（牵头单位：{t.lead_names}，{t.status}色）：{t.reason}"
        prog = shorten(t.progress, 80)
        out.append(line + (f"；完成情况：{prog.rstrip('。')}。" if prog else "。"))
    return out


def problem_text(facts: BriefFacts) -> list[str]:
    out = []
    n = 0
    if facts.not_achieved:
        n += 1
        items = "；".join(f"{i.task}“{i.text}”（{i.unit}）" for i in facts.not_achieved)
        out.append(f"{n}.部分任务未完成阶段目标。{items}。")
    if facts.problems:
        n += 1
        out.append(f"{n}.责任单位反映的困难和问题。")
        out += [f"{i.unit}（{i.task}）：{i.text.rstrip('。')}。" for i in facts.problems]
    if facts.copied:
        n += 1
        out.append(f"{n}.部分报送内容照搬上月。{_grouped(facts.copied)}报送的完成情况或下一步计划与上月完全相同，未反映本月实际进展。")
    if facts.incomplete:
        n += 1
        out.append(f"{n}.部分报送内容不全。{_grouped(facts.incomplete)}的必填内容未填写或缺项。")
    if not out:
        out.append("本期未发现需要通报的问题。")
    return out


def _grouped(items: list[Issue]) -> str:
    by: dict[str, list[str]] = {}
    for i in items:
        lst = by.setdefault(i.unit, [])
        if i.task not in lst:
            lst.append(i.task)
    return "、".join(f"{u}（{'、'.join(ts)}）" for u, ts in by.items())


def reporting_text(facts: BriefFacts) -> str:
    """The 报送情况 paragraph: names exactly the units late or missing, in registry order."""
    monthly = facts.scope == "monthly"
    late, missing = facts.late_units, facts.missing_units
    when = "本月" if monthly else facts.period_label
    if not late and not missing:
        pending = facts.counts.get("pending", 0)
        if not facts.counts.get("units"):
            return f"{when}无应报送落实情况的单位。"
        if pending:
            return f"{when}暂无迟报、未报送的单位，另有{pending}个单位尚未到报送截止日期。"
        return f"{when}各单位均按时报送。"
    parts = []
    if late:
        items = []
        for u in late:
            lps = [lp for lp in facts.lapses if lp.unit == u and lp.state == "late"]
            items.append(f"{u}（" + "、".join(("" if monthly else f"{lp.month}月") + f"迟报{lp.late_days}个工作日" for lp in lps) + "）")
        parts.append(f"迟报单位{len(late)}个：{'、'.join(items)}")
    if missing:
        items = []
        for u in missing:
            if monthly:
                items.append(u)
            else:
                items.append(f"{u}（" + "、".join(f"{lp.month}月" for lp in facts.lapses if lp.unit == u and lp.state == "missing") + "）")
        parts.append(f"未报送单位{len(missing)}个：{'、'.join(items)}")
    return f"{when}，" + "；".join(parts) + "。"


def write_briefing(path: Path, facts: BriefFacts, chart_png: bytes | None = None) -> None:
    """Write the briefing .docx atomically. ``chart_png`` (see render_chart) goes under 总体情况;
    None leaves the chart out."""
    doc = Document()
    _setup(doc)
    doc.core_properties.title = facts.title
    doc.core_properties.author = facts.office
    sec = doc.sections[0]
    _page_number(doc, sec)

    _para(doc, facts.title, "通报标题")
    _para(doc, "", "Normal")

    _para(doc, facts.sections["overall"], "一级标题")
    for s in overall_text(facts):
        _para(doc, s)
    if chart_png:
        par = _para(doc, "", "图片")
        par.add_run().add_picture(io.BytesIO(chart_png), width=CHART_WIDTH)

    _para(doc, facts.sections["progress"], "一级标题")
    if facts.scope == "monthly":
        if not facts.tasks:
            _para(doc, "本月无为民办实事项目纳入督办。")
        for i, t in enumerate(facts.tasks, start=1):
            _para(doc, f"（{_cn(i)}）{shorten(t.text, 40)}", "二级标题")
            _para(doc, project_text(t))
    else:
        if not facts.categories:
            _para(doc, "本季度无纳入督办的任务。")
        for i, k in enumerate(facts.categories, start=1):
            _para(doc, f"（{_cn(i)}）{k.name}", "二级标题")
            for s in category_text(k):
                _para(doc, s)

    _para(doc, facts.sections["problems"], "一级标题")
    for s in problem_text(facts):
        _para(doc, s)

    _para(doc, facts.sections["reporting"], "一级标题")
    _para(doc, reporting_text(facts))

    _para(doc, facts.closing)
    _para(doc, "", "Normal")
    _para(doc, f"附件：{facts.annex_title}")
    _para(doc, "", "Normal")
    _para(doc, "", "Normal")
    for s in (facts.office, f"{facts.date.year}年{facts.date.month}月{facts.date.day}日" if facts.date else ""):
        par = _para(doc, s, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=0)
        par.paragraph_format.right_indent = Pt(SIZE_BODY.pt * 2)

    _annex(doc, facts)
    with atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))


__all__ = ["BriefFacts", "TaskFact", "CategoryFact", "LeadReport", "Lapse", "Issue", "monthly_facts",
           "quarterly_facts", "write_briefing", "render_chart", "shorten"]
