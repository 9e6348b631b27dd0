"""The month's tracker (台账) workbook, written from a :class:`MonthData`.

Sheets, in order: 总览, 台账, 为民办实事, 报送情况, 问题清单, 发现.

Everything a unit typed is written with ``write_string`` only (never ``write()``, never
a formula or a URL), after control characters are stripped, so "=HYPERLINK(...)",
"+1", "-2" or "@a" stay plain text. A text longer than Excel's cell limit (32767
UTF-16 units) is cut, marked with :data:`TRUNCATED_NOTE`, and counted on 总览.

Size modes (decided once from the number of lines, i.e. (task, unit) rows):

* up to :data:`COMMENT_LIMIT` comments (and :data:`COMMENT_LINE_LIMIT` lines): every value
  cell with a known source gets a cell comment "来源：文件!单元格" besides the 来源 column.
  xlsxwriter builds a VML shape per comment at close, which is slow (45,000 comments took
  longer than all the rest of a 9,000-line tracker) and bloats the file, so above the limit
  only the 来源 column is kept.
* up to :data:`CONSTANT_MEMORY_LINES` lines: normal mode, the printed task columns
  (序号, 类别, 重点任务, 牵头领导) are written once, on the task's first line, whose row is
  tall enough for the task's text; the task's other lines leave them blank, drawn without
  the rule between them so the task reads as one block. Merged cells would share the
  text's height among the lines, but a merged block that runs over a page break prints
  its text cut in two, and a row is never split across pages. The unit lists (牵头单位,
  配合单位), which are not printed, are merged over the task's lines, so that a long list
  does not make the first row tall. 状态 is on every line, so a filter on 红 shows all of
  a task's lines.
* above it: xlsxwriter's ``constant_memory`` mode, which flushes each row as soon as a
  later row is written, keeping memory flat for ~400k lines; the task columns are
  repeated on every line (long unit lists named once). Every sheet is written strictly row by row
  (总览 is written last, but it has its own row buffer; rows within a sheet only ever
  increase). The two task sheets are written side by side in one pass over
  ``data.rows`` (a :class:`~office.month_data.MonthRows`, which reads the lines back from
  the ledger a chunk at a time instead of holding them all).

``Line.cells`` holds cell addresses in ``Line.file`` ("E7"); "文件!单元格" is put together
only when written (a "file!E7" value is taken as it is).

Print: every sheet is A4 landscape, one page wide. On 台账 and 为民办实事 the print area is
the columns a leader reads (:data:`PRINTED_COLUMNS`), the header row repeats on every page,
and three rows above it, and the page footer, say what 红/黄/绿 mean. Every row is as tall
as its most wrapped cell (sheets.cells.estimate_lines, Excel's metrics, the
narrowest). Rates on 总览 are the text of ``MonthData.counts`` (office.wording.percent),
the same the briefing prints.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol

from office.dates import cn_date, cn_datetime, period_label
from office.model import Task
from office.month_data import FIELD_LABELS, FINDING_LABELS, Line, MonthData, TaskRow
from office.wording import STATUS_RULES, is_no_problem, status_legend
from sheets.cells import MAX_ROW_HEIGHT, estimate_lines, line_height
from sheets.columns import is_extra, label_of

COMMENT_LIMIT = 5_000  # cell comments (one per sourced value cell)
COMMENT_LINE_LIMIT = 20_000
CONSTANT_MEMORY_LINES = 20_000
XL_MAX = 32767
TRUNCATED_NOTE = "……（原文超过Excel单元格上限，已截断，全文见归档文件）"
NOT_REPORTED = "（未报送）"
NONE_BUCKET = "无"
CHART_COLUMNS = (2, 8)  # 总览: the two charts side by side, right of 一、报送情况 (which is taller than they are)
LONG_UNIT_LIST = 120  # characters; longer unit lists are written once per task (see _task_sheet)

SHEETS = ("总览", "台账", "为民办实事", "报送情况", "问题清单", "发现")
BODY_FONT = "仿宋_GB2312"
HEADER_FONT = "黑体"
FONT_SIZE = 11  # body and header cells
KIND_SHORT = {"annual": "年度", "livelihood": "实事"}
LIVELIHOOD_CATEGORY = "为民办实事"
NO_LEADER = "未明确牵头领导"
UNIT_LEVEL = "不涉及具体任务"  # 未报, 迟报, 计划未报: a unit's lapse, not a task's
PAGE_MARGINS = {"left": 0.4, "right": 0.4, "top": 0.7, "bottom": 0.6}  # inches
ROW_PADDING = 4.0  # points above and below a cell's lines

# 台账 columns: (key, header, width). "category" is dropped on 为民办实事. The first
# PRINTED_COLUMNS (those a leader reads) make the print area, one A4 landscape page wide
# at about 92% (Excel's column metrics); the rest (牵头/配合单位 lists, 季度目标, 下一步计划 and the 来源 of every
# value) stay in the workbook for the clerk, with the source comments on the value cells.
TASK_COLUMNS = (
    ("seq", "序号", 5),
    ("category", "类别", 12),
    ("text", "重点任务", 38),
    ("leaders", "牵头领导", 9),
    ("unit", "单位", 15),
    ("role", "职责", 5),
    ("progress", FIELD_LABELS["progress"], 38),
    ("problems", FIELD_LABELS["problems"], 22),
    ("achieved", "是否完成", 5),
    ("status", "状态", 5),
    ("lead_units", "牵头单位", 18),
    ("co_units", "配合单位", 36),
    ("target", FIELD_LABELS["target"], 28),
    ("next_steps", FIELD_LABELS["next_steps"], 36),
    ("source", "来源", 44),
)
PRINTED_COLUMNS = ("seq", "category", "text", "leaders", "unit", "role", "progress", "problems", "achieved", "status")
TASK_FIELDS = ("seq", "category", "text", "leaders", "lead_units", "co_units", "status")
VALUE_FIELDS = ("target", "progress", "problems", "next_steps", "achieved")
LABELLED = ("progress", "problems", "target", "next_steps")  # headers that follow the form's (write_tracker labels)
EXTRA_WIDTH = 24  # an extra column of the form (sheets.columns), after the answers
CENTERED = {"seq", "leaders", "role", "achieved", "status"}
MERGED_FIELDS = ("lead_units", "co_units")  # not printed: merged over the task's lines (normal mode)
LEGEND = ("红", "黄", "绿")  # rows above the 台账 header, in this order

# Control characters (all but \n), lone surrogates and the two XML non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SUSPECT = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


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


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _cut_utf16(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that fits in ``limit`` UTF-16 units."""
    out = text[:limit]
    while True:
        excess = utf16_len(out) - limit
        if excess <= 0:
            return out
        out = out[: len(out) - excess]


_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)")


def _col_number(letters: str) -> int:
    return xl_cell_to_rowcol(f"{letters}1")[1]


def cell_span(cells: list[str]) -> str:
    """["F8", "G8", "H8"] -> "F8:H8" (one row, adjacent columns); otherwise "F8、H8"."""
    if len(cells) > 1:
        parsed = [_CELL.fullmatch(c) for c in cells]
        if all(parsed) and len({m.group(2) for m in parsed}) == 1:
            cols = sorted(_col_number(m.group(1)) for m in parsed)
            if cols == list(range(cols[0], cols[0] + len(cols))):
                first = min(parsed, key=lambda m: _col_number(m.group(1)))
                last = max(parsed, key=lambda m: _col_number(m.group(1)))
                return f"{first.group(0)}:{last.group(0)}"
    return "、".join(cells)


def _put(ws, row: int, col: int, value: str, fmt) -> None:
    """Unit text goes in with write_string only; an empty text is a formatted blank cell."""
    if value:
        ws.write_string(row, col, value, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def task_label(task_id: str) -> str:
    """``annual-23`` -> 年度23, ``livelihood-5`` -> 实事5."""
    kind, _, seq = task_id.rpartition("-")
    return f"{KIND_SHORT.get(kind, kind)}{seq}" if kind else task_id


def write_tracker(path: Path, data: MonthData, office: str, leaders_of: Callable[[str], tuple[str, ...]] | None = None,
                  labels: Mapping[str, str] | None = None, extras: Sequence[tuple[str, str]] = ()) -> None:
    """Write the month's tracker workbook to ``path`` (the caller makes it atomic).

    ``labels``: the status form's headers (key -> header, from its template), used for the
    answer columns; ``extras``: (key, header) of the form's extra columns (sheets.columns), shown
    after the answers. Extra columns found in the month's answers are shown as well (a month of
    up to CONSTANT_MEMORY_LINES lines is looked through for them)."""
    _TrackerWriter(Path(path), data, office, leaders_of, labels, extras).write()


def extra_columns(rows: Sequence[TaskRow], given: Sequence[tuple[str, str]] = ()) -> list[tuple[str, str]]:
    """(key, header) of the extra columns: those given, then any other ``extra:`` key the lines'
    answers hold (only looked for in a month of up to CONSTANT_MEMORY_LINES lines: a big month's
    lines are not read twice)."""
    out = dict(given)
    if sum(rows.line_count(i) for i in range(len(rows))) <= CONSTANT_MEMORY_LINES:
        for r in rows:
            for ln in r.lines:
                for key in ln.values:
                    if key not in out and is_extra(key):
                        out[key] = label_of(key)
    return list(out.items())


class _TrackerWriter:
    def __init__(self, path: Path, data: MonthData, office: str, leaders_of: Callable[[str], tuple[str, ...]] | None,
                 labels: Mapping[str, str] | None = None, extras: Sequence[tuple[str, str]] = ()):
        self.path = path
        self.labels = dict(labels or {})
        self.extras = extra_columns(data.rows, extras)
        self.value_fields = VALUE_FIELDS + tuple(k for k, _ in self.extras)
        self.data = data
        self.office = office or ""
        self.leaders_of = leaders_of
        rows = data.rows
        self.task_list: list[Task] = rows.tasks  # no line is read for these
        self.tasks: dict[str, Task] = {t.id: t for t in self.task_list}
        self.line_counts = [rows.line_count(i) for i in range(len(rows))]
        self.n_lines = sum(max(1, n) for n in self.line_counts)
        self.constant = self.n_lines > CONSTANT_MEMORY_LINES
        self.repeat = self.constant  # task columns on every line (big months)
        self.comments = self.n_lines <= COMMENT_LINE_LIMIT and self._n_comments() <= COMMENT_LIMIT
        self.truncated = 0
        self.overflow = 0  # cells whose text needs more than Excel's tallest row
        self._spans: dict[tuple[str, ...], str] = {}
        self.title = f"{data.year}年{data.month}月政府工作报告任务落实台账"

    def _n_comments(self) -> int:
        """How many value cells would carry a source comment."""
        return self.data.rows.value_cells

    # ------------------------------------------------------------------ text
    def text(self, value: object) -> str:
        """Any value as cell text: control characters removed, cut to the cell limit."""
        if value is None:
            return ""
        s = value if isinstance(value, str) else str(value)
        if _SUSPECT.search(s):  # one scan for the common, clean case
            s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
            s = _CONTROL.sub("", s.replace("\t", " "))
        if len(s) > XL_MAX // 2 and utf16_len(s) > XL_MAX:
            s = _cut_utf16(s, XL_MAX - utf16_len(TRUNCATED_NOTE)) + TRUNCATED_NOTE
            self.truncated += 1
        return s

    def leaders(self, tid: str) -> tuple[str, ...]:
        found: tuple[str, ...] = ()
        if self.leaders_of is not None:
            found = tuple(x for x in (self.leaders_of(tid) or ()) if x)
        if not found and tid in self.tasks:
            found = tuple(x for x in self.tasks[tid].leaders if x)
        return found

    @staticmethod
    def category(task: Task | None) -> str:
        if task is None:
            return "未分类"
        if task.kind == "livelihood":
            return LIVELIHOOD_CATEGORY
        return task.category or "未分类"

    # --------------------------------------------------------------- workbook
    def write(self) -> None:
        options = {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "constant_memory": self.constant,
        }
        if self.constant and self._estimated_bytes() > 1_500_000_000:
            options["use_zip64"] = True
        wb = xlsxwriter.Workbook(str(self.path), options)
        try:
            wb.set_properties({"title": self.text(self.title), "author": self.text(self.office), "company": self.text(self.office)})
            self._formats(wb)
            sheets = {name: wb.add_worksheet(name) for name in SHEETS}
            problems = self._task_sheets(sheets["台账"], sheets["为民办实事"])
            self._history_sheet(sheets["报送情况"])
            self._problems_sheet(sheets["问题清单"], problems)
            self._findings_sheet(sheets["发现"])
            self._overview_sheet(wb, sheets["总览"])  # last: it reports the truncation count
            sheets["总览"].activate()
        finally:
            wb.close()

    def _estimated_bytes(self) -> int:
        """A generous guess of the 台账 sheet's XML size: zipfile needs ZIP64 past 2 GiB."""
        total = 0
        for t, n in zip(self.task_list, self.line_counts):
            total += max(1, n) * (len(t.text) + len(t.category) + 2 * LONG_UNIT_LIST + 200)
        total += self.data.rows.text_chars
        return total * 3 + self.n_lines * 1000

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

    # ---------------------------------------------------------------- 台账
    @staticmethod
    def _ref(line: Line, cell: object) -> str:
        """"file!E7" for a cell address in the line's file; a "file!E7" value is kept as it is."""
        cell = str(cell)
        if "!" in cell or not line.file:
            return cell
        return f"{line.file}!{cell}"

    def _span(self, cells: tuple[str, ...]) -> str:
        """cell_span, remembered: the same row layout comes back for every unit."""
        got = self._spans.get(cells)
        if got is None:
            if len(self._spans) > 10_000:
                self._spans.clear()
            got = self._spans[cells] = cell_span(list(cells))
        return got

    def _source(self, line: Line) -> str:
        """来源 column: file!cells of the line's values ("x.xlsx!F8:J8"), or just the file."""
        cells = line.cells
        refs = [str(c) for c in (cells.get(f) for f in self.value_fields) if c]
        if not refs:
            refs = [str(v) for v in cells.values() if v]
        if not refs:
            return line.file if line.reported else ""
        if not any("!" in ref for ref in refs):  # the usual case: addresses in the line's file
            span = self._span(tuple(dict.fromkeys(refs)))
            return f"{line.file}!{span}" if line.file else span
        by_file: dict[str, list[str]] = {}
        for ref in refs:
            file, sep, cell = ref.rpartition("!")
            if not sep:
                file = line.file
            found = by_file.setdefault(file, [])
            if cell and cell not in found:
                found.append(cell)
        return "；".join(f"{f}!{self._span(tuple(c))}" if f and c else (f or self._span(tuple(c))) for f, c in by_file.items())

    def _task_sheets(self, annual_ws, livelihood_ws) -> dict[str, list[tuple[Task, object, str, object]]]:
        """台账 and 为民办实事, side by side in one pass over the rows; returns 问题清单's
        entries per unit: (task, 存在问题, file, cell)."""
        annual = _TaskSheet(self, annual_ws, with_category=True)
        livelihood = _TaskSheet(self, livelihood_ws, with_category=False)
        problems: dict[str, list[tuple[Task, object, str, object]]] = {u.unit: [] for u in self.data.units}
        texts: dict[str, str] = {}  # the same answer ("资金紧张") kept once
        for tr in self.data.rows:
            (livelihood if tr.task.kind == "livelihood" else annual).add(tr)
            for ln in tr.lines:
                p = ln.values.get("problems")
                if p is None or is_no_problem(str(p)):
                    continue
                if isinstance(p, str):
                    p = texts.setdefault(p, p)
                problems.setdefault(ln.unit, []).append((tr.task, p, ln.file, ln.cells.get("problems")))
        annual.finish()
        livelihood.finish()
        return problems

    # ------------------------------------------------------------ 报送情况
    def _history_sheet(self, ws) -> None:
        cols = list(self.data.history_columns)
        widths = [30] + [16] * len(cols)
        ncols = self._header(ws, ["单位", *cols], widths)
        r = 1
        for u in self.data.units:
            h = self.data.history.get(u.unit, {})
            values = [self.text(u.unit), *(self.text(h.get(c, "")) for c in cols)]
            self._fit_row(ws, r, zip(values, widths))
            _put(ws, r, 0, values[0], self.f_body)
            for j, value in enumerate(values[1:], start=1):
                _put(ws, r, j, value, self.f_center)
            r += 1
        last = max(r - 1, 1)
        ws.autofilter(0, 0, last, ncols - 1)
        if cols:
            rng = (1, 1, last, len(cols))
            ws.conditional_format(*rng, {"type": "cell", "criteria": "==", "value": '"未报"', "format": self.f_red})
            ws.conditional_format(*rng, {"type": "text", "criteria": "begins with", "value": "迟报", "format": self.f_yellow})
            ws.conditional_format(*rng, {"type": "text", "criteria": "begins with", "value": "按时", "format": self.f_green})
        self._page(ws)

    # ------------------------------------------------------------ 问题清单
    def _problems_sheet(self, ws, per_unit: dict[str, list[tuple[Task, object, str, object]]]) -> None:
        widths = [20, 8, 44, 50, 30]
        ncols = self._header(ws, ["单位", "序号", "任务", self.labels.get("problems", FIELD_LABELS["problems"]), "来源"], widths)
        r = 1
        for unit, items in per_unit.items():
            for task, problem, file, cell in items:
                ref = (f"{file}!{cell}" if file and "!" not in str(cell) else str(cell)) if cell else file
                values = (self.text(unit), task_label(task.id), self.text(task.text), self.text(problem), self.text(ref))
                self._fit_row(ws, r, zip(values, widths))
                for j, value in enumerate(values):
                    _put(ws, r, j, value, self.f_center if j == 1 else self.f_body)
                r += 1
        ws.autofilter(0, 0, max(r - 1, 1), ncols - 1)
        self._page(ws)

    # ---------------------------------------------------------------- 发现
    def _task_brief(self, tid: str) -> str:
        if not tid:
            return ""
        t = self.tasks.get(tid)
        label = task_label(tid)
        if t is None:
            return label
        head = _SPACE.sub("", t.text)
        return f"{label} {head[:20]}{'…' if len(head) > 20 else ''}"

    def _findings_sheet(self, ws) -> None:
        widths = [14, 20, 26, 11, 30, 10, 56]
        ncols = self._header(ws, ["类型", "单位", "任务", "期次", "文件", "单元格", "说明"], widths)
        centered = {0, 3}
        r = 1
        for f in self.data.findings:
            values = (self.text(FINDING_LABELS.get(f.kind, f.kind)), self.text(f.unit), self.text(self._task_brief(f.task)),
                      self.text(period_label(f.period)), self.text(f.file), self.text(f.cell), self.text(f.message))
            self._fit_row(ws, r, zip(values, widths))
            for j, value in enumerate(values):
                _put(ws, r, j, value, self.f_center if j in centered else self.f_body)
            r += 1
        ws.autofilter(0, 0, max(r - 1, 1), ncols - 1)
        self._page(ws)

    # ---------------------------------------------------------------- 总览
    def _kinds(self) -> list[str]:
        kinds = list(FINDING_LABELS)
        for f in self.data.findings:
            if f.kind not in kinds:
                kinds.append(f.kind)
        return kinds

    def _per_name(self, names_of: Callable[[str], tuple[str, ...]], order: list[str]) -> list[tuple[str, Counter, Counter]]:
        """(name, 红/黄/绿 of its tasks, its findings by kind) per name, names in `order` first.

        `names_of(task_id)` gives a task's names (its leaders, its category); each task and
        each finding counts once under each of its names, never twice under one. Findings
        without a task (未报, 迟报, 计划未报) go under UNIT_LEVEL.
        """
        tasks: dict[str, Counter] = {}
        for t, status in zip(self.task_list, self.data.rows.statuses):
            for name in names_of(t.id):
                tasks.setdefault(name, Counter())[status] += 1
        found: dict[str, Counter] = {}
        for f in self.data.findings:
            for name in (names_of(f.task) if f.task else (UNIT_LEVEL,)):
                found.setdefault(name, Counter())[f.kind] += 1
        seen = set(tasks) | set(found)
        names = [n for n in dict.fromkeys(order) if n in seen]
        names += [n for n in dict.fromkeys([*tasks, *found]) if n not in names]
        return [(n, tasks.get(n, Counter()), found.get(n, Counter())) for n in names]

    def _per_unit(self) -> list[tuple[str, Counter, Counter]]:
        """(unit, -, its findings by kind) per unit, in official order: every finding has one unit."""
        found: dict[str, Counter] = {}
        for f in self.data.findings:
            found.setdefault(f.unit or NONE_BUCKET, Counter())[f.kind] += 1
        order = [u.unit for u in self.data.units]
        names = [n for n in order if n in found] + [n for n in found if n not in order]
        return [(n, Counter(), found[n]) for n in names]

    def _leader_names(self, tid: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.leaders(tid))) or (NO_LEADER,)

    def _category_names(self, tid: str) -> tuple[str, ...]:
        return (self.category(self.tasks.get(tid)),)

    def _overview_sheet(self, wb, ws) -> None:
        d = self.data
        c = d.counts
        kinds = self._kinds()
        kind_heads = tuple(self.text(FINDING_LABELS.get(k, k)) for k in kinds)
        width = 6 + len(kinds)  # name, 任务数, 绿, 黄, 红, kinds..., 合计
        ws.set_column(0, 0, 30)
        ws.set_column(1, width - 1, 11)
        ws.set_default_row(fit_height(1))
        r = 0
        ws.set_row(0, 36)
        ws.merge_range(0, 0, 0, width - 1, "", self.f_title)
        ws.write_string(0, 0, self.text(self.title), self.f_title)
        r = 2
        info = [
            ("截止日期", cn_date(d.deadline)),
            ("年度计划截止日期", cn_date(d.plan_deadline)),
            ("统计时间", cn_datetime(d.now)),
            ("督查单位", self.office),
            ("来源标注", "数值单元格批注及“来源”列（“来源”等核对用的列不打印）" if self.comments
             else f"共{self.n_lines}行，来源仅列于“来源”列（数值单元格较多，不加批注；核对用的列不打印）"),
        ]
        for label, value in info:
            ws.write_string(r, 0, label, self.f_label)
            _put(ws, r, 1, self.text(value), self.f_plain)
            r += 1
        ws.write_string(r, 0, "超长文字截断", self.f_label)
        ws.write_number(r, 1, self.truncated, self.f_plain_num)
        ws.write_string(r, 2, "个单元格的文字超过Excel单元格上限（32767字），已截断并标注“已截断”，全文见归档文件。"
                        if self.truncated else "个单元格（无超长文字）", self.f_plain)
        r += 1
        if self.overflow:
            ws.write_string(r, 0, "行高已达上限", self.f_label)
            ws.write_number(r, 1, self.overflow, self.f_plain_num)
            ws.write_string(r, 2, "处文字超过Excel最大行高（409磅）能显示的长度，屏幕和打印上显示不全，请在单元格中查看全文。",
                            self.f_plain)
            r += 1
        for w in d.warnings:
            ws.write_string(r, 0, "提示", self.f_label)
            _put(ws, r, 1, self.text(w), self.f_plain)
            r += 1

        # 一、报送情况. Rates are the text every document prints (office.wording.percent).
        chart_at = r + 1
        r = self._block_head(ws, r + 1, "一、报送情况", ("项目", "数值")) + 1
        sub_rows = {}
        for label, key in (("应报单位", "units"), ("已报", "reported"), ("按时", "on_time"), ("迟报", "late"),
                           ("未报", "missing"), ("未到期", "pending"), ("报送率", "submission_pct"), ("按时率", "on_time_pct")):
            ws.write_string(r, 0, label, self.f_body)
            if key.endswith("_pct"):
                ws.write_string(r, 1, c[key], self.f_center)
            else:
                ws.write_number(r, 1, c[key], self.f_num)
            sub_rows[key] = r
            r += 1

        # 二、任务状态, with what each colour means
        r = self._block_head(ws, r + 1, "二、任务状态", ("状态", "任务数")) + 1
        ws.merge_range(r - 1, 2, r - 1, width - 1, "含义", self.f_head)
        span = 11 * (width - 2)
        status_fill_from = r
        for label, key in (("红", "red"), ("黄", "yellow"), ("绿", "green")):
            rule = STATUS_RULES[label]
            self._fit_row(ws, r, [(rule, span)])
            ws.write_string(r, 0, label, self.f_center)
            ws.write_number(r, 1, c[key], self.f_num)
            ws.merge_range(r, 2, r, width - 1, rule, self.f_legend)
            r += 1
        self._status_fills(ws, status_fill_from, r - 1, 0, 0)
        ws.write_string(r, 0, "合计", self.f_center)
        ws.write_number(r, 1, c["tasks"], self.f_num)
        ws.merge_range(r, 2, r, width - 1, "", self.f_body)
        r += 1

        # 三、发现（按类型）
        r = self._block_head(ws, r + 1, "三、发现问题（按类型）", ("类型", "条数")) + 1
        by_kind = Counter(f.kind for f in d.findings)
        kind_first = r
        for k in kinds:
            ws.write_string(r, 0, self.text(FINDING_LABELS.get(k, k)), self.f_body)
            ws.write_number(r, 1, by_kind.get(k, 0), self.f_num)
            r += 1
        kind_last = r - 1
        ws.write_string(r, 0, "合计", self.f_body)
        ws.write_number(r, 1, len(d.findings), self.f_num)
        r += 1

        # 四、五、六: by leader, category, unit (unit last: it is the long one). A task with two
        # leaders is on both leaders' rows; the 合计 row counts every task and finding once.
        leader_order = [name for t in self.task_list for name in self._leader_names(t.id)]
        category_order = [self.category(t) for t in self.task_list]
        statuses = Counter(d.rows.statuses)
        total_tasks = Counter({"tasks": len(self.task_list), **statuses})
        tables = [
            ("四、任务和发现问题（按牵头领导）", "牵头领导", self._per_name(self._leader_names, leader_order + [NO_LEADER, UNIT_LEVEL]), True,
             "注：一项任务有几位牵头领导的，在每位领导名下各计一次；“合计”行每项任务、每条问题只计一次，与“二”“三”一致。"
             "未报、迟报、计划未报是单位的问题，不针对具体任务，计入“" + UNIT_LEVEL + "”。"),
            ("五、任务和发现问题（按任务类别）", "任务类别", self._per_name(self._category_names, category_order + [UNIT_LEVEL]), True, ""),
            ("六、发现问题（按单位）", "单位", self._per_unit(), False, ""),
        ]
        header_row = r
        for title, name_head, rows, with_tasks, note in tables:
            task_heads = ("任务数", "绿", "黄", "红") if with_tasks else ()
            header_row = r = self._block_head(ws, r + 1, title, (name_head, *task_heads, *kind_heads, "合计"))
            r += 1
            if not rows:
                ws.write_string(r, 0, "（无）", self.f_grey)
                for j in range(1, len(task_heads) + len(kinds) + 2):
                    ws.write_blank(r, j, None, self.f_body)
                r += 1
            for name, task_counts, counts in (*rows, ("合计", total_tasks if with_tasks else Counter(), by_kind)):
                numbers = []
                if with_tasks:
                    numbers += [sum(task_counts[s] for s in ("绿", "黄", "红")) if name != "合计" else task_counts["tasks"],
                                task_counts["绿"], task_counts["黄"], task_counts["红"]]
                numbers += [counts.get(k, 0) for k in kinds] + [sum(counts.values())]
                self._fit_row(ws, r, [(self.text(name), 30)])
                total = name == "合计"
                ws.write_string(r, 0, self.text(name), self.f_total if total else self.f_body)
                for j, value in enumerate(numbers, start=1):
                    ws.write_number(r, j, value, self.f_total_num if total else self.f_num)
                r += 1
            if note:
                ws.set_row(r, fit_height(text_lines(note, 30 + 11 * (width - 1))))
                ws.merge_range(r, 0, r, width - 1, note, self.f_note)
                r += 1
        ws.autofilter(header_row, 0, max(r - 1, header_row + 1), len(kinds) + 1)  # 六: name, kinds, 合计

        # Charts, referencing the cells written above.
        sheet = "总览"
        pie = wb.add_chart({"type": "pie"})
        pie.add_series({
            "name": "报送情况",
            "categories": [sheet, sub_rows["on_time"], 0, sub_rows["missing"], 0],
            "values": [sheet, sub_rows["on_time"], 1, sub_rows["missing"], 1],
            "data_labels": {"value": True, "percentage": True, "category": True, "separator": "\n"},
            "points": [{"fill": {"color": "#70AD47"}}, {"fill": {"color": "#FFC000"}}, {"fill": {"color": "#C00000"}}],
        })
        pie.set_title({"name": "本月报送情况（按时/迟报/未报）", "name_font": {"name": HEADER_FONT, "size": 12, "bold": False}})
        pie.set_legend({"position": "bottom", "font": {"name": BODY_FONT}})
        ws.insert_chart(chart_at, CHART_COLUMNS[0], pie, {"x_offset": 8, "y_offset": 4})

        bar = wb.add_chart({"type": "bar"})
        bar.add_series({
            "name": "发现问题条数",
            "categories": [sheet, kind_first, 0, kind_last, 0],
            "values": [sheet, kind_first, 1, kind_last, 1],
            "data_labels": {"value": True},
            "fill": {"color": "#4472C4"},
        })
        bar.set_title({"name": "发现问题（按类型）", "name_font": {"name": HEADER_FONT, "size": 12, "bold": False}})
        bar.set_legend({"none": True})
        bar.set_y_axis({"reverse": True, "num_font": {"name": BODY_FONT}})
        top = max(by_kind.values(), default=0)
        bar.set_x_axis({"num_font": {"name": BODY_FONT}, "min": 0, "num_format": "0",
                        "major_unit": max(1, -(-top // 5))})
        ws.insert_chart(chart_at, CHART_COLUMNS[1], bar, {"x_offset": 8, "y_offset": 4})

        ws.freeze_panes(1, 0)
        self._page(ws, header_row=None)


class _TaskSheet:
    """台账 or 为民办实事, written one task (and its lines) at a time.

    Rows: the 红/黄/绿 legend (LEGEND rows), the header, then each task's lines. Every row
    is as tall as its most wrapped cell; the task's first line also holds the task's own
    columns (see the module docstring).
    """

    def __init__(self, w: _TrackerWriter, ws, with_category: bool):
        self.w, self.ws = w, ws
        columns = [(key, w.labels.get(key, head) if key in LABELLED else head, width)
                   for key, head, width in TASK_COLUMNS if with_category or key != "category"]
        at = next(i for i, c in enumerate(columns) if c[0] == "source")
        columns[at:at] = [(key, label, EXTRA_WIDTH) for key, label in w.extras]
        self.col = {key: i for i, (key, _, _) in enumerate(columns)}
        self.width = {key: width for key, _, width in columns}
        self.width_of = {i: width for i, (_, _, width) in enumerate(columns)}  # by column index
        self.n_printed = sum(1 for key, _, _ in columns if key in PRINTED_COLUMNS)
        self.header_row = len(LEGEND)
        self._legend(columns)
        self.ncols = w._header(ws, [h for _, h, _ in columns], [width for _, _, width in columns], row=self.header_row)
        ws.set_comments_author(w.text(w.office) or "督查室")
        self.comment_opts = {"x_scale": 2.2, "y_scale": 0.6, "font_name": BODY_FONT}
        self.r = self.header_row + 1

    def _legend(self, columns) -> None:
        """What 红/黄/绿 mean, one row each above the header: the colour in the first
        column, the rule across the other printed columns."""
        w, ws = self.w, self.ws
        span = sum(width for _, _, width in columns[1:self.n_printed])
        for r, key in enumerate(LEGEND):
            text = f"{key}：{STATUS_RULES[key]}"
            ws.set_row(r, fit_height(text_lines(text, span)))
            ws.write_string(r, 0, key, w.f_key[key])
            ws.merge_range(r, 1, r, self.n_printed - 1, text, w.f_legend)

    def _heights(self, needs: list[int], merged_lines: int) -> list[float]:
        """Row heights for a task's rows: each row's own `needs` (in lines); with
        `merged_lines`, a cell merged over all the rows must also get that many."""
        w = self.w
        heights = [w._capped(fit_height(n)) if n > 1 else fit_height(1) for n in needs]
        missing = fit_height(merged_lines) - sum(heights) if merged_lines else 0.0
        while missing > 0.01:  # spread what the merged cell lacks over the rows
            open_rows = [i for i, h in enumerate(heights) if h < MAX_ROW_HEIGHT]
            if not open_rows:
                w.overflow += 1
                break
            share = math.ceil(missing / len(open_rows) / 0.75) * 0.75
            for i in open_rows:
                add = min(share, MAX_ROW_HEIGHT - heights[i], missing)
                heights[i] += add
                missing -= add
                if missing <= 0.01:
                    break
        return heights

    def add(self, tr: TaskRow) -> None:
        w, ws, col, r, width, width_of = self.w, self.ws, self.col, self.r, self.width, self.width_of
        text = w.text
        t = tr.task
        task_vals = {
            "category": text(t.category),
            "text": text(t.text),
            "leaders": text("、".join(w.leaders(t.id))),
            "lead_units": text("、".join(t.lead_units)),
            "co_units": text("、".join(t.co_units)),
        }
        status = text(tr.status)
        lines = sorted(tr.lines, key=lambda ln: 0 if ln.role == "牵头" else 1)
        n = max(1, len(lines))
        repeat = w.repeat
        merge_units = not repeat and n > 1  # the unit lists (not printed) merged over the lines
        # (column, text, kind) of the task columns on the task's first line, and, when they
        # are repeated (big months), on the others
        first: list[tuple[int, str, str]] = [(col["seq"], "", "num")]
        later: list[tuple[int, str, str]] = [(col["seq"], "", "num")]
        merged: list[tuple[int, str]] = []
        first_lines = later_lines = merged_lines = 1
        for key in TASK_FIELDS:
            if key in ("seq", "status") or key not in col:
                continue
            value = task_vals[key]
            if merge_units and key in MERGED_FIELDS:
                merged.append((col[key], value))
                merged_lines = max(merged_lines, text_lines(value, width[key]))
                continue
            kind = "center" if key in CENTERED else "text"
            first.append((col[key], value, kind))
            first_lines = max(first_lines, text_lines(value, width[key]))
            if key in MERGED_FIELDS and len(value) > LONG_UNIT_LIST:
                # Repeated on every line: a list of hundreds of units would be written
                # hundreds of times. Name it once, count it after.
                n_units = len(t.lead_units if key == "lead_units" else t.co_units)
                value = f"（共{n_units}个单位，见本任务首行）"
            later.append((col[key], value, kind))
            later_lines = max(later_lines, text_lines(value, width[key]))

        # Each row's own cells, to size the rows before writing them.
        c_unit, c_role, c_source, c_status = col["unit"], col["role"], col["source"], col["status"]
        f_body, f_center, f_grey = w.f_body, w.f_center, w.f_grey
        rows: list[list[tuple[int, str, object]]] = []
        needs: list[int] = []
        for i in range(n):
            if i >= len(lines):
                cells = [(c_unit, "（无应报单位）", f_grey)]
            else:
                ln = lines[i]
                vals = ln.values
                cells = [(c_unit, text(ln.unit), f_body), (c_role, text(ln.role), f_center)]
                for key in w.value_fields:
                    if key == "progress" and not ln.reported:
                        cells.append((col[key], NOT_REPORTED, f_grey))
                    else:
                        cells.append((col[key], text(vals.get(key)), f_center if key == "achieved" else f_body))
                cells.append((c_source, text(w._source(ln)), f_body))
            need = max(text_lines(v, width_of[c]) for c, v, _ in cells)
            if i == 0:
                need = max(need, first_lines)
            elif repeat:
                need = max(need, later_lines)
            rows.append(cells)
            needs.append(need)
        for i, h in enumerate(self._heights(needs, merged_lines if merged else 0)):
            if h > fit_height(1):
                ws.set_row(r + i, h)

        f_block, f_status = w.f_block, w.f_task_center
        for c, value in merged:
            ws.merge_range(r, c, r + n - 1, c, value, w.f_body)
        comments = w.comments
        for i, cells in enumerate(rows):
            row = r + i
            if i == 0 or repeat:
                place = "first" if (i == 0 and not repeat and n > 1) else "single"
                task_cells = first if i == 0 else later
            else:
                place = "last" if i == n - 1 else "middle"
                task_cells = first
            for c, value, kind in task_cells:
                fmt = f_block[(kind, place)]
                if i and not repeat:
                    ws.write_blank(row, c, None, fmt)
                elif kind == "num":
                    ws.write_number(row, c, t.seq, fmt)
                else:
                    _put(ws, row, c, value, fmt)
            _put(ws, row, c_status, status, f_status)
            if i >= len(lines):
                _put(ws, row, c_unit, "（无应报单位）", f_grey)
                for key in ("role", *w.value_fields, "source"):
                    ws.write_blank(row, col[key], None, f_body)
                continue
            for c, value, fmt in cells:
                _put(ws, row, c, value, fmt)
            if comments:
                ln = lines[i]
                for key in w.value_fields:
                    if ln.cells.get(key):
                        ws.write_comment(row, col[key], "来源：" + text(w._ref(ln, ln.cells[key])), self.comment_opts)
        self.r = r + n
        if w.constant:
            _forget_written_rows(ws)

    def finish(self) -> None:
        w, ws = self.w, self.ws
        head = self.header_row
        last = max(self.r - 1, head + 1)
        ws.autofilter(head, 0, last, self.ncols - 1)
        w._status_fills(ws, head + 1, last, self.col["status"], self.col["status"])
        ws.print_area(0, 0, last, self.n_printed - 1)
        w._page(ws, header_row=head, legend=True)
