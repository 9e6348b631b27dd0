"""The 考核 score book (考核评分.xlsx), written from a :class:`~office.score_data.Scores`.

Sheets: 考核评分 (one row per unit, official order), 扣分明细 (every deduction with the finding,
period, file and cell it came from, so that each point can be shown to the unit), 计分规则
(the rules in force). :func:`add_score_sheets` adds the first two to any xlsxwriter workbook
(a year tracker includes them so).

Text from units and files (unit names, messages, file names) goes in with ``write_string``
only, control characters removed: "=HYPERLINK(...)" stays text. Print: A4, the title in the
first rows, the header row repeated on every page, one page wide; 考核评分 and 计分规则
portrait, 扣分明细 landscape. Fonts as in the tracker (sheets.tracker.layout).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter

from office.dates import cn_datetime
from office.score_data import Scores, points_text, rules_table
from sheets.tracker.cell_text import XL_MAX, _CONTROL, _cut_utf16, utf16_len
from sheets.tracker.layout import BODY_FONT, FONT_SIZE, HEADER_FONT, PAGE_MARGINS, fit_height, text_lines

SCORE_SHEET = "考核评分"
DETAIL_SHEET = "扣分明细"
RULES_SHEET = "计分规则"
SCORE_COLUMNS = (("序号", 5), ("单位", 22), ("基础分", 7), ("迟报次数", 7), ("未报次数", 7), ("其他扣分", 8),
                 ("合计扣分", 8), ("得分", 8), ("说明", 36))
DETAIL_COLUMNS = (("单位", 16), ("期次", 12), ("类别", 10), ("规则", 22), ("分值", 7), ("说明", 46), ("文件", 26),
                  ("单元格", 9), ("任务", 14))
RULES_COLUMNS = (("项目", 22), ("分值", 12), ("说明", 68))


def clean(value: object) -> str:
    """Cell text: control characters removed, cut to Excel's cell limit."""
    s = "" if value is None else str(value)
    s = _CONTROL.sub("", s.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    return _cut_utf16(s, XL_MAX) if utf16_len(s) > XL_MAX else s


@dataclass
class ScoreFormats:
    """The cell formats of the score sheets, made once per workbook."""

    head: Any
    body: Any
    center: Any
    number: Any
    title: Any
    subtitle: Any
    note: Any

    @classmethod
    def of(cls, wb: xlsxwriter.Workbook) -> ScoreFormats:
        base = {"font_name": BODY_FONT, "font_size": FONT_SIZE, "text_wrap": True, "valign": "vcenter", "border": 1}
        return cls(
            head=wb.add_format({"font_name": HEADER_FONT, "font_size": FONT_SIZE, "text_wrap": True, "valign": "vcenter",
                                "align": "center", "border": 1, "bg_color": "#D9E1F2"}),
            body=wb.add_format(base),
            center=wb.add_format({**base, "align": "center"}),
            number=wb.add_format({**base, "align": "center", "num_format": "General"}),
            title=wb.add_format({"font_name": HEADER_FONT, "font_size": 18, "align": "center", "valign": "vcenter"}),
            subtitle=wb.add_format({"font_name": BODY_FONT, "font_size": FONT_SIZE, "align": "center", "valign": "vcenter",
                                    "text_wrap": True}),
            note=wb.add_format({"font_name": BODY_FONT, "font_size": FONT_SIZE, "valign": "top", "text_wrap": True}),
        )


def _put(ws, row: int, col: int, value: object, fmt) -> None:  # noqa: ANN001
    text = clean(value)
    if text:
        ws.write_string(row, col, text, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def _merged(ws, row: int, last_col: int, text: str, fmt) -> None:  # noqa: ANN001
    """Text across columns 0..last_col of ``row``, written as text whatever the workbook's options."""
    ws.merge_range(row, 0, row, last_col, "", fmt)
    _put(ws, row, 0, text, fmt)


def _page(ws, header_row: int, landscape: bool) -> None:  # noqa: ANN001
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(**PAGE_MARGINS)
    ws.center_horizontally()
    ws.set_footer("&C第 &P 页，共 &N 页")


def _top(ws, f: ScoreFormats, columns, title: str, subtitle: str) -> int:  # noqa: ANN001
    """Title and subtitle rows, then the header row; returns the header row."""
    last = len(columns) - 1
    width = sum(w for _, w in columns)
    ws.set_row(0, 36)
    _merged(ws, 0, last, title, f.title)
    _merged(ws, 1, last, subtitle, f.subtitle)
    ws.set_row(1, fit_height(text_lines(clean(subtitle), width)))
    lines = 1
    for c, (name, w) in enumerate(columns):
        ws.write_string(2, c, name, f.head)
        ws.set_column(c, c, w)
        lines = max(lines, text_lines(name, w))
    ws.set_row(2, max(24.0, fit_height(lines)))
    ws.freeze_panes(3, 0)
    return 2


def _fit(ws, row: int, cells) -> None:  # noqa: ANN001
    lines = max((text_lines(t, w) for t, w in cells if t), default=1)
    if lines > 1:
        ws.set_row(row, min(409.0, fit_height(lines)))


def _notes(ws, f: ScoreFormats, row: int, columns, notes: list[str]) -> None:  # noqa: ANN001
    width = sum(w for _, w in columns)
    for note in notes:
        text = clean(note)
        _merged(ws, row, len(columns) - 1, text, f.note)
        ws.set_row(row, fit_height(text_lines(text, width)))
        row += 1


def subtitle_of(scores: Scores, office: str = "") -> str:
    scored = "、".join(scores.scored) if scores.scored else "无（尚无截止日期已过的期次）"
    head = f"{office}　" if office else ""
    return f"{head}计分期次：{scored}；计算时间：{cn_datetime(scores.now)}"


def _score_sheet(wb: xlsxwriter.Workbook, scores: Scores, f: ScoreFormats, office: str, name: str) -> None:
    ws = wb.add_worksheet(name)
    header = _top(ws, f, SCORE_COLUMNS, f"{scores.label}考核评分", subtitle_of(scores, office))
    widths = [w for _, w in SCORE_COLUMNS]
    r = header + 1
    for i, u in enumerate(scores.units, start=1):
        ws.write_number(r, 0, i, f.center)
        _put(ws, r, 1, u.unit, f.body)
        ws.write_number(r, 2, float(u.base), f.number)
        ws.write_number(r, 3, u.late, f.number)
        ws.write_number(r, 4, u.missing, f.number)
        ws.write_number(r, 5, float(u.other), f.number)
        ws.write_number(r, 6, float(u.total), f.number)
        ws.write_number(r, 7, float(u.score), f.number)
        _put(ws, r, 8, u.note, f.body)
        _fit(ws, r, [(clean(u.unit), widths[1]), (clean(u.note), widths[8])])
        r += 1
    rules = scores.rules
    notes = [f"说明：每个单位从基础分 {points_text(rules.base).lstrip('+')} 分起算；迟报每次 {points_text(rules.late)} 分，"
             f"未报每次 {points_text(rules.missing)} 分（空表视同未报），其他问题按“计分规则”工作表计分；"
             f"“合计扣分”为各项分值之和（负数为扣分），每项的来源（期次、文件、单元格）见“{DETAIL_SHEET}”工作表。"]
    notes += scores.not_scored
    _notes(ws, f, r + 1, SCORE_COLUMNS, notes)
    _page(ws, header, landscape=False)


def _detail_sheet(wb: xlsxwriter.Workbook, scores: Scores, f: ScoreFormats, office: str, name: str) -> None:
    ws = wb.add_worksheet(name)
    header = _top(ws, f, DETAIL_COLUMNS, f"{scores.label}考核扣分明细", subtitle_of(scores, office))
    widths = [w for _, w in DETAIL_COLUMNS]
    r = header + 1
    for d in scores.deductions:
        values = (d.unit, d.period_label, d.kind_label, d.rule, None, d.message, d.file, d.cell, d.task_label)
        for c, v in enumerate(values):
            if c == 4:
                ws.write_number(r, c, float(d.points), f.number)
            else:
                _put(ws, r, c, v, f.center if c in (1, 2, 7) else f.body)
        _fit(ws, r, [(clean(v), widths[c]) for c, v in enumerate(values) if isinstance(v, str)])
        r += 1
    if not scores.deductions:
        _merged(ws, r, len(DETAIL_COLUMNS) - 1, "计分期次内没有扣分。", f.center)
        r += 1
    if scores.deductions:
        ws.autofilter(header, 0, r - 1, len(DETAIL_COLUMNS) - 1)
    _page(ws, header, landscape=True)


def _rules_sheet(wb: xlsxwriter.Workbook, scores: Scores, f: ScoreFormats, office: str) -> None:
    ws = wb.add_worksheet(RULES_SHEET)
    header = _top(ws, f, RULES_COLUMNS, f"{scores.label}考核计分规则", "按工作区 duban.toml 的 [score] 和 [score.kinds] 设置"
                  + (f"（{office}）" if office else ""))
    widths = [w for _, w in RULES_COLUMNS]
    r = header + 1
    for item, points, why in rules_table(scores.rules):
        _put(ws, r, 0, item, f.body)
        _put(ws, r, 1, points, f.center)
        _put(ws, r, 2, why, f.body)
        _fit(ws, r, [(item, widths[0]), (points, widths[1]), (why, widths[2])])
        r += 1
    _page(ws, header, landscape=False)


def add_score_sheets(workbook: xlsxwriter.Workbook, scores: Scores, formats: ScoreFormats | None = None, *,
                     office: str = "", names: tuple[str, str] = (SCORE_SHEET, DETAIL_SHEET)) -> ScoreFormats:
    """Add the 考核评分 and 扣分明细 sheets (``names``) to an open xlsxwriter workbook; returns the formats used."""
    f = formats or ScoreFormats.of(workbook)
    _score_sheet(workbook, scores, f, office, names[0])
    _detail_sheet(workbook, scores, f, office, names[1])
    return f


def write_score_book(path: Path, scores: Scores, office: str) -> None:
    """The score book at ``path`` (the caller makes it atomic): 考核评分, 扣分明细, 计分规则."""
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False})
    try:
        wb.set_properties({"title": clean(f"{scores.label}考核评分"), "author": clean(office), "company": clean(office)})
        f = add_score_sheets(wb, scores, office=office)
        _rules_sheet(wb, scores, f, office)
        wb.worksheets()[0].activate()
    finally:
        wb.close()
