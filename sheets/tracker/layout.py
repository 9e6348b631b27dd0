"""The tracker's layout: fonts, cell formats, row heights, header rows and print setup.

Every row is as tall as its most wrapped cell (sheets.cells.estimate_lines, Excel's metrics,
the narrowest). Print: every sheet is A4 landscape, one page wide, the title in the page header.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Iterable

from office.wording import status_legend
from sheets.cells import MAX_ROW_HEIGHT, estimate_lines, line_height

BODY_FONT = "仿宋_GB2312"
HEADER_FONT = "黑体"
FONT_SIZE = 11  # body and header cells
PAGE_MARGINS = {"left": 0.4, "right": 0.4, "top": 0.7, "bottom": 0.6}  # inches
ROW_PADDING = 4.0  # points above and below a cell's lines


_lines = lru_cache(maxsize=1 << 16)(estimate_lines)  # unit names, 是/否, repeated answers


def text_lines(text: str, width: float) -> int:
    """Wrapped lines of `text` in a body cell `width` wide (see cells.estimate_lines)."""
    return _lines(text, width, FONT_SIZE) if text else 1


def fit_height(lines: int) -> float:
    """Row height in points for `lines` lines of body text, uncapped, on xlsxwriter's
    pixel grid (rounded up to whole pixels, so the file holds at least this much)."""
    return math.ceil((lines * line_height(FONT_SIZE) + ROW_PADDING) / 0.75) * 0.75


def page_header(title: str, size: int = 12) -> str:
    """A centred page header printing `title` whole: "&" doubled, and the font size code
    before the font name, so that digits opening the title ("2025年") are not read as
    part of the size ("&122025" would be size 122025)."""
    return f'&C&{size}&"{HEADER_FONT},常规"' + title.replace("&", "&&")


def _forget_written_rows(ws) -> None:
    """constant_memory: drop xlsxwriter's record of the heights of rows already written
    out. It keeps them for the whole sheet (~320 bytes a row, 130 MB for 400,000 lines)
    though it only needs them to place images and charts, which the task sheets do not
    have. Done every thousand rows; harmless if xlsxwriter stores them otherwise."""
    info, sizes, written = getattr(ws, "row_info", None), getattr(ws, "row_sizes", None), getattr(ws, "previous_row", None)
    if not isinstance(info, dict) or not isinstance(sizes, dict) or not isinstance(written, int) or len(info) < 1000:
        return
    for row in [row for row in info if row < written]:
        del info[row]
        sizes.pop(row, None)



class LayoutMixin:
    """The writer's cell formats and the layout every sheet shares (mixed into the writer,
    whose ``text``, ``title`` and ``overflow`` it uses)."""

    def _formats(self, wb) -> None:
        base = {"font_name": BODY_FONT, "font_size": FONT_SIZE, "text_wrap": True, "valign": "top", "border": 1}
        head = {"font_name": HEADER_FONT, "font_size": FONT_SIZE, "bold": False, "text_wrap": True, "valign": "vcenter",
                "align": "center", "border": 1, "bg_color": "#D9E1F2"}
        self.f_head = wb.add_format(head)
        self.f_body = wb.add_format(base)
        self.f_center = wb.add_format({**base, "align": "center"})
        self.f_task = wb.add_format(base)
        self.f_task_center = wb.add_format({**base, "align": "center"})
        self.f_grey = wb.add_format({**base, "italic": True, "font_color": "#808080"})
        self.f_num = wb.add_format({**base, "align": "center", "num_format": "0"})
        self.f_task_num = wb.add_format({**base, "align": "center", "num_format": "0"})
        # A task's columns over its lines: (kind, place) -> format, the rule between its rows left out.
        places = {"single": {}, "first": {"bottom": 0}, "middle": {"top": 0, "bottom": 0}, "last": {"top": 0}}
        kinds = {"text": {}, "center": {"align": "center"}, "num": {"align": "center", "num_format": "0"}}
        self.f_block = {(k, p): wb.add_format({**base, **kv, **pv}) for k, kv in kinds.items() for p, pv in places.items()}
        self.f_pct = wb.add_format({**base, "align": "center", "num_format": "0.0%"})
        self.f_title = wb.add_format({"font_name": HEADER_FONT, "font_size": 18, "align": "center", "valign": "vcenter"})
        self.f_label = wb.add_format({"font_name": HEADER_FONT, "font_size": 11, "valign": "vcenter"})
        self.f_plain = wb.add_format({"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter"})
        self.f_plain_num = wb.add_format({"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter", "align": "left", "num_format": "0"})
        self.f_section = wb.add_format({"font_name": HEADER_FONT, "font_size": 12, "valign": "vcenter"})
        self.f_red = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.f_yellow = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.f_green = wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"})
        # the same colours as cell formats, for the legend's keys
        self.f_key = {
            key: wb.add_format({**base, "align": "center", "valign": "vcenter", "bg_color": bg, "font_color": fg})
            for key, bg, fg in (("红", "#FFC7CE", "#9C0006"), ("黄", "#FFEB9C", "#9C5700"), ("绿", "#C6EFCE", "#006100"))
        }
        self.f_legend = wb.add_format({**base, "valign": "vcenter"})
        self.f_total = wb.add_format({**base, "font_name": HEADER_FONT, "valign": "vcenter"})
        self.f_total_num = wb.add_format({**base, "font_name": HEADER_FONT, "align": "center", "num_format": "0"})
        self.f_note = wb.add_format({"font_name": BODY_FONT, "font_size": FONT_SIZE, "valign": "top", "text_wrap": True,
                                     "italic": True, "font_color": "#595959"})

    def _page(self, ws, header_row: int | None = 0, legend: bool = False) -> None:
        """A4 landscape, one page wide; the header row repeated on every page; the title
        in the page header; with `legend`, 红/黄/绿 in the page footer too."""
        ws.set_paper(9)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        if header_row is not None:
            ws.repeat_rows(header_row)
        ws.set_margins(**PAGE_MARGINS)
        ws.set_header(page_header(self.text(self.title)[:200]))
        left = "&L&9" + status_legend(short=True, sep="　").replace("&", "&&") if legend else ""
        ws.set_footer(left + "&C第 &P 页，共 &N 页")

    def _header(self, ws, headers: Iterable[str], widths: Iterable[float], row: int = 0) -> int:
        """The header row at `row` (frozen, tall enough for its wrapped names); returns the column count.
        Rows not set otherwise are one line of body text tall."""
        ws.set_default_row(fit_height(1))
        n = 0
        lines = 1
        for c, (h, w) in enumerate(zip(headers, widths)):
            ws.write_string(row, c, h, self.f_head)
            ws.set_column(c, c, w)
            lines = max(lines, text_lines(h, w))
            n += 1
        ws.set_row(row, max(24.0, fit_height(lines)))
        ws.freeze_panes(row + 1, 0)
        return n

    def _fit_row(self, ws, row: int, cells: Iterable[tuple[str, float]]) -> None:
        """Set `row` tall enough for the most wrapped of its (text, column width) cells."""
        lines = max((text_lines(t, w) for t, w in cells if t), default=1)
        if lines > 1:
            ws.set_row(row, self._capped(fit_height(lines)))

    def _capped(self, height: float) -> float:
        if height > MAX_ROW_HEIGHT:
            self.overflow += 1
            return MAX_ROW_HEIGHT
        return height

    def _block_head(self, ws, r: int, title: str, heads: tuple[str, ...]) -> int:  # noqa: ANN001
        """A section title at row r and its header row below; returns the header row."""
        ws.write_string(r, 0, title, self.f_section)
        ws.write_row(r + 1, 0, heads, self.f_head)
        return r + 1

    def _status_fills(self, ws, first_row: int, last_row: int, first_col: int, last_col: int) -> None:
        for value, fmt in (("红", self.f_red), ("黄", self.f_yellow), ("绿", self.f_green)):
            ws.conditional_format(first_row, first_col, last_row, last_col,
                                  {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": fmt})
