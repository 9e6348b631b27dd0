"""The month's tracker (台账) workbook, written from a :class:`MonthData`.

Sheets, in order: 总览, 台账, 为民办实事, 报送情况, 问题清单, 发现.

Progress: every task shows 完成进度 (each unit's own, on its line), 序时进度, 差距 and 判定依据
(which rule lit it: office.progress.RULE_LABELS; 已完成（销号） for a completed task); 总览 counts
the 已完成 tasks and lists the 红/黄 tasks sorted by how far they are behind 序时进度
(:mod:`sheets.tracker.attention`).

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

The package: this module (the writer, the size limits, the 台账 pass), ``layout`` (formats,
widths, row heights, print setup), ``cell_text`` (text as Excel takes it), ``task_sheet``
(台账, 为民办实事), ``lists`` (报送情况, 问题清单, 发现), ``attention`` (the 红/黄 tasks for 总览)
and ``overview`` (总览).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Mapping, Sequence

import xlsxwriter

from office.model import Task
from office.month_data import Line, MonthData, TaskRow
from office.wording import is_no_problem
from sheets.columns import is_extra, label_of
from sheets.tracker.attention import AttentionItem, attention_item
from sheets.tracker.cell_text import (TRUNCATED_NOTE, XL_MAX, _CONTROL, _SUSPECT, _cut_utf16, cell_span, task_label,
                                      utf16_len)
from sheets.tracker.layout import LayoutMixin, fit_height, page_header, text_lines
from sheets.tracker.lists import ListsMixin
from sheets.tracker.overview import OverviewMixin
from sheets.tracker.task_sheet import PRINTED_COLUMNS, TASK_COLUMNS, VALUE_FIELDS, TaskSheet

__all__ = [
    "write_tracker", "extra_columns", "TRUNCATED_NOTE", "XL_MAX", "page_header", "fit_height", "text_lines",
    "utf16_len", "cell_span", "task_label", "TASK_COLUMNS", "PRINTED_COLUMNS", "SHEETS",
    "COMMENT_LIMIT", "COMMENT_LINE_LIMIT", "CONSTANT_MEMORY_LINES", "LONG_UNIT_LIST",
]

# The size limits are read from this module when a tracker is written (tests set them here).
COMMENT_LIMIT = 5_000  # cell comments (one per sourced value cell)
COMMENT_LINE_LIMIT = 20_000
CONSTANT_MEMORY_LINES = 20_000
LONG_UNIT_LIST = 120  # characters; longer unit lists are written once per task (see task_sheet.TaskSheet.add)

SHEETS = ("总览", "台账", "为民办实事", "报送情况", "问题清单", "发现")
LIVELIHOOD_CATEGORY = "为民办实事"


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


class _TrackerWriter(LayoutMixin, ListsMixin, OverviewMixin):
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
        self.long_unit_list = LONG_UNIT_LIST  # read here, so that the limit can be set on this module
        self.comments = self.n_lines <= COMMENT_LINE_LIMIT and self._n_comments() <= COMMENT_LIMIT
        self.attention: list[AttentionItem] = []  # 红 and 黄 tasks, gathered on the 台账 pass for 总览
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
        annual = TaskSheet(self, annual_ws, with_category=True)
        livelihood = TaskSheet(self, livelihood_ws, with_category=False)
        problems: dict[str, list[tuple[Task, object, str, object]]] = {u.unit: [] for u in self.data.units}
        texts: dict[str, str] = {}  # the same answer ("资金紧张") kept once
        state_of = {u.unit: u.state for u in self.data.units}
        for position, tr in enumerate(self.data.rows):
            (livelihood if tr.task.kind == "livelihood" else annual).add(tr)
            item = attention_item(position, tr, state_of)
            if item is not None:
                self.attention.append(item)
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
