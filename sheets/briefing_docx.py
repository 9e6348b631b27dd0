"""The briefing (通报) as a Word document in official style (GB/T 9704 fonts, sizes and margins).

Layout only: the words come from briefing_text, the facts from briefing_facts. The document is
title (broken in two lines where a person would), 主送 line, intro, the numbered sections with
the chart and its caption under 总体情况, the closing request, 附件 line, signature (office)
and date — the closing request, 附件 line, signature and date kept on one page — then the annex
in a landscape section: a table with a repeating header row and rows as tall as their text.
"""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from office.atomic import atomic_path
from office.dates import cn_date
from sheets.briefing_chart import Chart
from sheets.briefing_facts import BriefFacts, CategoryFact, TaskFact
from office.progress import gap_text, percent_text
from sheets.briefing_text import RECIPIENTS, body, cn_number, intro_text, text_width, title_lines

# --- fonts and sizes of the official style -------------------------------------------------

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE = "宋体"
SIZE_TITLE = Pt(22)  # 二号
SIZE_BODY = Pt(16)  # 三号
SIZE_ANNEX_TITLE = Pt(18)  # 小二
SIZE_CAPTION = Pt(14)  # 四号
SIZE_TABLE = Pt(10.5)  # 五号
SIZE_PAGE = Pt(14)  # 四号
LINE = Pt(28)
TABLE_LINE = Pt(12.5)
CHART_WIDTH = Cm(14)
STATUS_FILL = {"绿": "C6EFCE", "黄": "FFEB9C", "红": "FFC7CE"}

# the annex section: A4 landscape
ANNEX_MARGINS = {"top": 2.0, "bottom": 1.9, "left": 2.4, "right": 2.4}  # cm
CELL_PAD = 0.1  # cm, left and right padding of a table cell
# header, width (cm); the second header is 项目 (monthly) or 任务 (quarterly)
ANNEX_COLUMNS = (("序号", 1.0), ("任务", 5.6), ("牵头单位", 2.6), ("完成情况", 5.4), ("存在问题", 3.2),
                 ("完成进度", 1.4), ("序时进度", 1.4), ("差距", 1.8), ("是否完成", 1.4), ("状态", 1.1))
# lines of text a cell may take before it is shortened: every project in full-ish, tasks in two lines
ANNEX_LINES = {"monthly": 4, "quarterly": 2}


# --- styles --------------------------------------------------------------------------------

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
    pf.widow_control = True
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


def _margins(sec, top: float, bottom: float, left: float, right: float) -> None:
    sec.top_margin, sec.bottom_margin = Cm(top), Cm(bottom)
    sec.left_margin, sec.right_margin = Cm(left), Cm(right)


def _setup(doc) -> None:
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Cm(21), Cm(29.7)
    _margins(sec, 3.7, 3.5, 2.8, 2.6)
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
    _style(doc, "主送", FONT_BODY, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.LEFT, indent=0)
    _style(doc, "一级标题", FONT_H1, SIZE_BODY, outline=0)
    _style(doc, "二级标题", FONT_H2, SIZE_BODY, outline=1)
    _style(doc, "附件标题", FONT_TITLE, SIZE_ANNEX_TITLE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=Pt(32))
    _style(doc, "图片", FONT_BODY, SIZE_BODY, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=None)
    _style(doc, "图注", FONT_BODY, SIZE_CAPTION, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=Pt(22))
    _style(doc, "表格文字", FONT_BODY, SIZE_TABLE, align=WD_ALIGN_PARAGRAPH.LEFT, indent=0, exact=TABLE_LINE)
    _style(doc, "页码", FONT_PAGE, SIZE_PAGE, align=WD_ALIGN_PARAGRAPH.CENTER, indent=0, exact=None)


FONTS_OF = {"Normal": (FONT_BODY, SIZE_BODY), "通报标题": (FONT_TITLE, SIZE_TITLE), "主送": (FONT_BODY, SIZE_BODY),
            "一级标题": (FONT_H1, SIZE_BODY), "二级标题": (FONT_H2, SIZE_BODY), "附件标题": (FONT_TITLE, SIZE_ANNEX_TITLE),
            "表格文字": (FONT_BODY, SIZE_TABLE), "页码": (FONT_PAGE, SIZE_PAGE), "图片": (FONT_BODY, SIZE_BODY),
            "图注": (FONT_BODY, SIZE_CAPTION)}


def _run(par, text: str, font: str, size, bold: bool = False):
    r = par.add_run(text)
    r.font.name = font
    r.font.size = size
    if bold:
        r.bold = True
    _rfonts(r._element.get_or_add_rPr(), font)
    return r


def _para(doc_or_cell, text: str = "", style: str = "Normal", align=None, indent: int | None = None, keep: bool = False):
    par = doc_or_cell.add_paragraph(style=style)
    if text:
        font, size = FONTS_OF[style]
        _run(par, text, font, size)
    if align is not None:
        par.alignment = align
    if indent is not None:
        _indent_chars(par.paragraph_format, indent, FONTS_OF[style][1])
    if keep:
        par.paragraph_format.keep_with_next = True
        par.paragraph_format.keep_together = True
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


# --- the annex table -----------------------------------------------------------------------

def _shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def header_table(doc, columns):  # noqa: ANN001, ANN201 - python-docx Document; [(header, width cm)]
    """A bordered table with its grey header row (repeated on every page), the columns
    ``columns`` wide: (table, widths). Every table of the briefings starts so."""
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _borders(table)
    _cell_margins(table)
    widths = [Cm(w) for _, w in columns]
    for col, w in zip(table.columns, widths):
        col.width = w
    head = table.rows[0]
    _row_flags(head, header=True)
    for cell, (name, _), w in zip(head.cells, columns, widths):
        cell.width = w
        _cell(cell, name, WD_ALIGN_PARAGRAPH.CENTER, font=FONT_H1)
        _shade(cell, "D9D9D9")
    return table, widths


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


def _cell_margins(table) -> None:
    tblpr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for edge, cm in (("top", 0.03), ("left", CELL_PAD), ("bottom", 0.03), ("right", CELL_PAD)):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:w"), str(round(cm / 2.54 * 1440)))
        e.set(qn("w:type"), "dxa")
        mar.append(e)
    tblpr.append(mar)


def _row_flags(row, header: bool = False) -> None:
    trpr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    cant.set(qn("w:val"), "true")
    trpr.append(cant)
    if header:
        th = OxmlElement("w:tblHeader")
        th.set(qn("w:val"), "true")
        trpr.append(th)


def _cell(cell, text: str, align=WD_ALIGN_PARAGRAPH.LEFT, font: str = FONT_BODY) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    par = cell.paragraphs[0]
    par.style = cell.part.document.styles["表格文字"]
    par.alignment = align
    _run(par, text, font, SIZE_TABLE)


def _fit(text: str, width_cm: float, lines: int) -> str:
    """``text`` shortened to about ``lines`` lines of a column ``width_cm`` wide (cut at a clause end if one is near)."""
    # one character less than fits: punctuation that may not start a line pushes words down
    per_line = max(4, int((width_cm - 2 * CELL_PAD) / (SIZE_TABLE.pt * 2.54 / 72)) - 1)
    limit = per_line * lines
    text = "".join(text.split())
    if text_width(text) <= limit:
        return text
    head, w = "", 0.0
    for ch in text:
        w += text_width(ch)
        if w > limit - 2:
            break
        head += ch
    cut = max(head.rfind(c) for c in "。；;，,")
    if cut >= len(head) * 0.6:
        head = head[:cut]
    return head.rstrip("，,、；;。：:") + "……"


def annex_values(t: TaskFact, scope: str) -> tuple[str, ...]:
    """The annex row of a task: 序号, 任务, 牵头单位, 完成情况, 存在问题, 完成进度, 序时进度, 差距,
    是否完成 (已完成 for a task 销号), 状态."""
    lines = ANNEX_LINES[scope]
    w = dict(ANNEX_COLUMNS)
    leads = {r.unit for r in t.leads}
    own = len(leads) == 1 and all(u in leads for u, _ in t.problems)  # only the lead unit's words: no name needed
    problems = "；".join(p if own else f"{u}：{p}" for u, p in t.problems)
    if t.status == "—":
        progress = "落实情况表未下发"
    elif any(r.state == "missing" for r in t.leads) and not t.progress:
        progress = "未报送"
    else:
        progress = t.progress or "—"
    schedule = percent_text(t.schedule) if t.schedule is not None else "—"
    return (str(t.seq), _fit(t.text, w["任务"], lines), t.lead_names, _fit(progress, w["完成情况"], lines),
            _fit(problems, w["存在问题"], lines) or "—", percent_text(t.percent), schedule, gap_text(t.gap),
            t.achieved, t.status)


def annex_section(doc) -> None:  # noqa: ANN001 - python-docx Document
    """A new landscape A4 section for the annex tables."""
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21)
    _margins(sec, **ANNEX_MARGINS)
    sec.header_distance, sec.footer_distance = Cm(1.0), Cm(0.8)


def _annex(doc, facts: BriefFacts) -> None:
    annex_section(doc)
    _para(doc, "附件", "一级标题", indent=0)
    _para(doc, facts.annex_title, "附件标题")
    columns = [(("项目" if facts.scope == "monthly" else "任务") if h == "任务" else h, w) for h, w in ANNEX_COLUMNS]
    table, widths = header_table(doc, columns)
    center = WD_ALIGN_PARAGRAPH.CENTER
    left = WD_ALIGN_PARAGRAPH.LEFT
    aligns = (center, left, left, left, left, center, center, center, center, center)
    groups = facts.categories if facts.scope == "quarterly" else [CategoryFact("", facts.tasks)]
    for gi, group in enumerate(groups):
        if group.name:
            row = table.add_row()
            _row_flags(row)
            merged = row.cells[0].merge(row.cells[-1])
            _cell(merged, f"（{cn_number(gi + 1)}）{group.name}", font=FONT_H2)
        for t in group.tasks:
            row = table.add_row()
            _row_flags(row)
            for cell, v, a, w in zip(row.cells, annex_values(t, facts.scope), aligns, widths):
                cell.width = w
                _cell(cell, v, a)
            _shade(row.cells[-1], STATUS_FILL.get(t.status, "FFFFFF"))
    if not facts.tasks:
        row = table.add_row()
        merged = row.cells[0].merge(row.cells[-1])
        _cell(merged, "本期无纳入通报的任务。", WD_ALIGN_PARAGRAPH.CENTER)
    note = "注：状态一栏，绿色表示完成阶段目标，黄色表示推进中或信息不全，红色表示未完成阶段目标或未报送"
    if any(t.status == "—" for t in facts.tasks):
        note += "，“—”表示落实情况表未下发"
    note += "；差距为序时进度与牵头单位填报的完成进度之差，未填报完成进度的记“—”，按是否完成阶段任务目标判定"
    if any(t.done for t in facts.tasks):
        note += "；“已完成”表示任务已全部完成（销号）"
    par = _para(doc, note + "。", "表格文字")
    par.paragraph_format.space_before = Pt(4)


# --- the document --------------------------------------------------------------------------

def _title(doc, title: str) -> None:
    par = doc.add_paragraph(style="通报标题")
    lines = title_lines(title)
    for i, line in enumerate(lines):
        r = _run(par, line, FONT_TITLE, SIZE_TITLE)
        if i < len(lines) - 1:
            r.add_break(WD_BREAK.LINE)


def _chart(doc, chart: Chart | bytes | None) -> None:
    if not chart:
        return
    png, caption = (chart, "") if isinstance(chart, bytes) else (chart.png, chart.caption)
    par = _para(doc, "", "图片", keep=bool(caption))
    par.add_run().add_picture(io.BytesIO(png), width=CHART_WIDTH)
    if caption:
        cap = _para(doc, caption, "图注")
        if text_width(caption) > 30:  # a long caption (labels of a chart drawn without text) reads better justified
            cap.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def start_document(title: str, office: str, intro: str, page_numbers: bool = True):  # noqa: ANN201 - a Document
    """A briefing's first page up to its introduction: styles, page numbers, title, 主送, intro."""
    doc = Document()
    _setup(doc)
    doc.core_properties.title = title
    doc.core_properties.author = office
    if page_numbers:
        _page_number(doc, doc.sections[0])
    _title(doc, title)
    _para(doc, "", "Normal")
    _para(doc, RECIPIENTS, "主送")
    _para(doc, intro)
    return doc


def write_blocks(doc, blocks: list, chart_of) -> None:  # noqa: ANN001 - Document; chart_of(block text) -> Chart | None
    """The body's blocks in order; the last paragraph (the closing request) stays on the page of the signature."""
    for i, b in enumerate(blocks):
        if b.kind == "chart":
            _chart(doc, chart_of(b.text))
        elif b.kind == "h1":
            _para(doc, b.text, "一级标题")
        elif b.kind == "h2":
            _para(doc, b.text, "二级标题")
        else:
            _para(doc, b.text, keep=i == len(blocks) - 1)


def sign(doc, office: str, signed: str, blanks: int = 2) -> None:  # noqa: ANN001 - python-docx Document
    """``blanks`` blank lines, then the office and the date flush right, kept together."""
    for _ in range(blanks):
        _para(doc, "", "Normal", keep=True)
    for j, s in enumerate((office, signed)):
        par = _para(doc, s, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=0, keep=j == 0)
        par.paragraph_format.right_indent = Pt(SIZE_BODY.pt * 2)


def write_briefing(path: Path, facts: BriefFacts, chart: Chart | bytes | None = None) -> None:
    """Write the briefing .docx atomically. ``chart`` (see render_chart) goes under 总体情况
    with its caption; None leaves the chart out."""
    doc = start_document(facts.title, facts.office, intro_text(facts))
    write_blocks(doc, body(facts), lambda _: chart)
    _para(doc, "", "Normal", keep=True)
    _para(doc, f"附件：{facts.annex_title}", keep=True)
    sign(doc, facts.office, cn_date(facts.date) if facts.date else "")
    _annex(doc, facts)
    with atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))


__all__ = ["write_briefing", "annex_values", "ANNEX_COLUMNS", "FONT_TITLE", "FONT_BODY", "FONT_H1", "FONT_H2"]
