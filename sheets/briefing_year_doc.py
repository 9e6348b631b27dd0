"""The annual briefing as a Word document, in the official style of the monthly and quarterly ones
(sheets.briefing_docx: A4, GB/T 9704 fonts and margins, 主送 line, signature and date, annexes
in a landscape section), and its charts (Chinese labels, or none: sheets.briefing_chart).

Annex 1 is the year grid of the tasks (per category, each month's light with its colour, the
state at the final month and the 完成进度); annex 2 the units' month-by-month reporting in short
marks, explained under the table.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from office.atomic import atomic_path
from office.dates import cn_date
from office.progress import percent_text
from office.year_data import DONE, MONTHS, NOT_ISSUED, NOT_STARTED, UnitYear
from sheets.briefing_chart import STATUS_COLORS, STATUS_WORDS, Chart, find_cjk_font
from sheets.briefing_docx import (FONT_H2, STATUS_FILL, _cell, _fit, _para, _row_flags, _shade, annex_section,
                                  header_table, sign, start_document, write_blocks)
from sheets.briefing_text import cn_number
from sheets.briefing_year import YearFacts, intro_text, year_body

# annex 1: 序号, 任务, 牵头单位, 1..12月, 年末状态, 完成进度 (cm; the landscape type area is 24.9 cm)
TASK_COLUMNS = (("序号", 0.9), ("任务", 5.0), ("牵头单位", 2.5), *((f"{m}月", 1.05) for m in MONTHS), ("年末状态", 1.8),
                ("完成进度", 1.8))
# annex 2: 序号, 单位, 1..12月, 应报, 按时, 迟报, 未报
UNIT_COLUMNS = (("序号", 0.9), ("单位", 4.9), *((f"{m}月", 1.2) for m in MONTHS), ("应报", 1.1), ("按时", 1.1), ("迟报", 1.1),
                ("未报", 1.1))
MARKS_NOTE = "注：√ 按时报送；迟n 迟报n个工作日；× 未报；空 报送空表（视同未报）；… 未到截止日；— 未下发；空白 尚未到该月。"
DONE_FILL = "BDD7EE"


def unit_mark(u: UnitYear, month: int) -> str:
    """A unit's month in annex 2 (see MARKS_NOTE)."""
    state = u.states[month - 1]
    if u.blank[month - 1]:
        return "空" if state == "missing" else "…"
    return {"on_time": "√", "late": f"迟{u.late_days[month - 1]}", "missing": "×", "pending": "…",
            "not_issued": "—"}.get(state, "")


def light_mark(light: str) -> str:
    """A task's month in annex 1: its light, — when not issued, empty before the month."""
    return {NOT_ISSUED: "—", NOT_STARTED: ""}.get(light, light)


# --- charts ---------------------------------------------------------------------------------

def render_year_charts(f: YearFacts, font: object = ...) -> dict[str, Chart]:
    """"overall": each issued month's reporting and the categories' states at the final month;
    "progress" (when a 完成进度 was reported): each category's mean 完成进度 against 序时进度.
    ``font``: a CJK family, None for no text (the values go into the captions), default: look one up."""
    if not f.issued:
        return {}
    if font is ...:
        font = find_cjk_font()
    out = {"overall": _png(*_overall_figure(f, font), font)}
    if f.progress_reported:
        out["progress"] = _png(*_progress_figure(f, font), font)
    return out


def _rc(font: str | None) -> dict:
    family = [font] if font else ["DejaVu Sans"]
    return {"font.family": family, "font.sans-serif": family, "axes.unicode_minus": False, "font.size": 9}


def _png(fig, caption: str, font: str | None) -> Chart:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.08)
    return Chart(buf.getvalue(), caption, font)


def _overall_figure(f: YearFacts, font: str | None):
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    text = font is not None
    months = [(m, c) for m, c in f.month_counts]
    cats = f.categories
    with matplotlib.rc_context(_rc(font)), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = Figure(figsize=(6.8, 0.9 + max(2.0, 0.24 * len(cats))), dpi=180)
        FigureCanvasAgg(fig)
        ax1, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
        xs = list(range(len(months)))
        bottom = [0] * len(months)
        bars = (("按时报送", "on_time", "#4472C4"), ("迟报", "late", "#ED7D31"), ("未报送", "missing", "#C00000"))
        if any(c["pending"] for _, c in months):
            bars += (("未到截止日", "pending", "#BFBFBF"),)
        for label, key, color in bars:
            vals = [c[key] for _, c in months]
            ax1.bar(xs, vals, bottom=bottom, color=color, width=0.6, label=label if text else "_nolegend_")
            bottom = [a + b for a, b in zip(bottom, vals)]
        ax1.set_ylim(0, max(bottom + [1]) * 1.25)
        ax1.spines[["top", "right"]].set_visible(False)
        ys = list(range(len(cats)))[::-1]
        left = [0] * len(cats)
        for status in ("绿", "黄", "红"):
            vals = [len(k.of(status)) for k in cats]
            ax2.barh(ys, vals, left=left, color=STATUS_COLORS[status], height=0.62,
                     label=STATUS_WORDS[status] if text else "_nolegend_")
            left = [a + b for a, b in zip(left, vals)]
        ax2.set_xlim(0, max(left + [1]) * 1.05)
        ax2.spines[["top", "right"]].set_visible(False)
        if text:
            ax1.set_xticks(xs)
            ax1.set_xticklabels([f"{m}月" for m, _ in months])
            ax1.set_title("各月报送情况（个）", fontsize=10)
            ax1.legend(fontsize=7, frameon=False, ncol=len(bars), loc="upper center", bbox_to_anchor=(0.5, -0.12),
                       columnspacing=0.8, handlelength=1.2)
            ax1.yaxis.get_major_locator().set_params(integer=True)
            ax2.set_yticks(ys)
            ax2.set_yticklabels([k.name[:10] + ("…" if len(k.name) > 10 else "") for k in cats], fontsize=8)
            ax2.set_title(f"各类任务状态（截至{f.final_month}月，项）", fontsize=10)
            ax2.legend(fontsize=7, frameon=False, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.12))
            ax2.xaxis.get_major_locator().set_params(integer=True)
            caption = f"图1  {f.period}各月报送情况和各类任务状态"
        else:
            for ax in (ax1, ax2):
                ax.set_xticks([])
                ax.set_yticks([])
            per_month = "；".join(f"{m}月按时报送{c['on_time']}个、迟报{c['late']}个、未报送{c['missing']}个"
                                  + (f"、未到截止日{c['pending']}个" if c["pending"] else "") for m, c in months)
            per_cat = "；".join(f"{k.name}：" + "、".join(f"{STATUS_WORDS[s]}{len(k.of(s))}项" for s in ("绿", "黄", "红"))
                                for k in cats)
            caption = (f"图1  {f.period}各月报送情况和各类任务状态。左图自左至右为各月，每条自下而上为{'、'.join(b[0] for b in bars)}："
                       f"{per_month}。右图自上而下为各类任务：{per_cat}。")
        fig.tight_layout()
    return fig, caption


def _progress_figure(f: YearFacts, font: str | None):
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    text = font is not None
    cats = [k for k in f.categories if k.progress is not None]
    with matplotlib.rc_context(_rc(font)), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig = Figure(figsize=(6.4, 0.8 + 0.3 * len(cats)), dpi=180)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        ys = list(range(len(cats)))[::-1]
        got = [k.progress.percent or 0 for k in cats]
        due = [k.progress.schedule or 0 for k in cats]
        ax.barh([y + 0.18 for y in ys], got, height=0.36, color="#4472C4", label="平均完成进度" if text else "_nolegend_")
        ax.barh([y - 0.18 for y in ys], due, height=0.36, color="#BFBFBF", label="序时进度" if text else "_nolegend_")
        ax.set_xlim(0, 105)
        ax.spines[["top", "right"]].set_visible(False)
        if text:
            ax.set_yticks(ys)
            ax.set_yticklabels([k.name[:12] + ("…" if len(k.name) > 12 else "") for k in cats], fontsize=8)
            ax.set_title(f"各类任务平均完成进度与序时进度（截至{f.final_month}月，%）", fontsize=10, loc="left")
            ax.legend(fontsize=7, frameon=False, ncol=2, loc="lower right", bbox_to_anchor=(1.0, 1.0))
            caption = f"图2  截至{f.final_month}月各类任务平均完成进度与序时进度"
        else:
            ax.set_yticks([])
            ax.set_xticks([])
            rows = "；".join(f"{k.name}：完成进度{percent_text(k.progress.percent)}、序时进度{percent_text(k.progress.schedule)}"
                            for k in cats)
            caption = (f"图2  截至{f.final_month}月各类任务平均完成进度与序时进度。自上而下每类两条，上为平均完成进度、"
                       f"下为序时进度：{rows}。")
        fig.tight_layout()
    return fig, caption


# --- the annexes ----------------------------------------------------------------------------

def _row(table, widths, values, aligns) -> list:  # noqa: ANN001
    row = table.add_row()
    _row_flags(row)
    for cell, v, a, w in zip(row.cells, values, aligns, widths):
        cell.width = w
        _cell(cell, v, a)
    return row.cells


def _group_row(table, text: str) -> None:  # noqa: ANN001
    row = table.add_row()
    _row_flags(row)
    merged = row.cells[0].merge(row.cells[-1])
    _cell(merged, text, font=FONT_H2)


def _task_annex(doc, f: YearFacts) -> None:
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    _para(doc, "附件1", "一级标题", indent=0)
    _para(doc, f.annex_titles[0], "附件标题")
    final = "年末状态" if f.final_month in (0, 12) else f"截至{f.final_month}月"  # the year-end column, while the year runs
    table, widths = header_table(doc, [(final if name == "年末状态" else name, w) for name, w in TASK_COLUMNS])
    aligns = (center, left, left, *([center] * 12), center, center)
    w_task, w_lead = TASK_COLUMNS[1][1], TASK_COLUMNS[2][1]
    for gi, k in enumerate(f.categories, start=1):
        _group_row(table, f"（{cn_number(gi)}）{k.name}")
        for t in k.tasks:
            values = (str(t.task.seq), _fit(t.task.text, w_task, 2), _fit("、".join(t.task.lead_units) or "—", w_lead, 2),
                      *(light_mark(t.light(m)) for m in MONTHS), t.state, t.shown)
            cells = _row(table, widths, values, aligns)
            for m in MONTHS:
                fill = STATUS_FILL.get(t.light(m))
                if fill:
                    _shade(cells[2 + m], fill)
            state_fill = DONE_FILL if t.state == DONE else STATUS_FILL.get(t.state)
            if state_fill:
                _shade(cells[15], state_fill)
    if not f.tasks:
        row = table.add_row()
        _cell(row.cells[0].merge(row.cells[-1]), "本年度无纳入督办的任务。", center)
    note = ("注：各月一栏为当月台账的状态，绿色表示完成阶段目标，黄色表示推进中或信息不全，红色表示未完成阶段目标或未报送，"
            f"“—”表示该月落实情况表未下发，空白表示尚未到该月；{final}一栏取{f.final_month or '—'}月的状态，“已完成”表示已销号；"
            f"完成进度为牵头单位{f.final_month or ''}月填报的完成进度，“—”为报送了但未填完成进度，空白为未报送。")
    par = _para(doc, note, "表格文字")
    par.paragraph_format.space_before = Pt(4)


def _unit_annex(doc, f: YearFacts) -> None:
    center, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    _para(doc, "附件2", "一级标题", indent=0).paragraph_format.page_break_before = True
    _para(doc, f.annex_titles[1], "附件标题")
    table, widths = header_table(doc, UNIT_COLUMNS)
    aligns = (center, left, *([center] * 12), center, center, center, center)
    for i, u in enumerate(f.units, start=1):
        values = (str(i), u.unit, *(unit_mark(u, m) for m in MONTHS), str(u.due), str(u.on_time), str(u.late), str(u.missing))
        cells = _row(table, widths, values, aligns)
        for m in MONTHS:
            mark = values[1 + m]
            fill = "FFC7CE" if mark in ("×", "空") else "FFEB9C" if mark.startswith("迟") else None
            if fill:
                _shade(cells[1 + m], fill)
    c = f.counts
    _row(table, widths, ("", "合计", *([""] * 12), str(c["due"]), str(c["on_time"]), str(c["late"]), str(c["missing"])), aligns)
    par = _para(doc, MARKS_NOTE, "表格文字")
    par.paragraph_format.space_before = Pt(4)


# --- the document ---------------------------------------------------------------------------

def write_year_briefing(path: Path, f: YearFacts, charts: dict[str, Chart] | None = None) -> None:
    """Write the annual briefing .docx atomically; ``charts`` from render_year_charts (None: none)."""
    charts = charts or {}
    doc = start_document(f.title, f.office, intro_text(f))
    write_blocks(doc, year_body(f), charts.get)
    _para(doc, "", "Normal", keep=True)
    _para(doc, f"附件：1.{f.annex_titles[0]}", keep=True)
    _para(doc, f"2.{f.annex_titles[1]}", keep=True, indent=5)
    sign(doc, f.office, cn_date(f.signed_on))
    annex_section(doc)
    _task_annex(doc, f)
    _unit_annex(doc, f)
    with atomic_path(Path(path)) as tmp:
        doc.save(str(tmp))


__all__ = ["write_year_briefing", "render_year_charts", "unit_mark", "light_mark", "TASK_COLUMNS", "UNIT_COLUMNS",
           "MARKS_NOTE"]
