"""The year tracker (全年台账) workbook, written from a :class:`~office.year_data.YearData`.

Sheets, in order: 总览 (the year's counts, the month-by-month table, the legend, and per category
the mean 完成进度 against 序时进度 by month, as a table and as native charts), 任务进度 (per task
two rows: the month's light, exactly the month's tracker 状态, and the 完成进度 under it as the
month's tracker prints it on the lead unit's line (the lowest, "最低30%", when several leads
reported different ones; "无法识别" for one that could not be read), on a blue ground while 已完成; then the year-end
state and when it was 已完成, or when it was and was reported not done again), 报送情况 (per unit the month's label, exactly the month's
tracker 报送情况 cell, and its counts). Sheets another module adds (the 考核 score) come after
them: ``write_year_tracker(..., add_sheets=[fn])`` calls ``fn(workbook)`` with the open
xlsxwriter Workbook once these are written, before it is closed.

Layout as the month's tracker (sheets.tracker.layout): the same fonts, formats, colours, row
heights and print setup (A4 landscape, one page wide, the header row repeated, the title in the
page header), frozen panes. Every text is written with ``write_string`` (never a formula).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Sequence

import xlsxwriter

from office.dates import cn_datetime
from office.wording import STATUS_RULES, percent
from office.year_data import (ALL_TASKS, DONE, ISSUED, LOWEST, MONTH_NOT_STARTED, MONTH_STATUS_LABELS, MONTHS, NO_LIGHT,
                              NOT_ISSUED, NOT_STARTED, UNREADABLE, TaskYear, YearData, month_span)
from sheets.tracker.cell_text import TRUNCATED_NOTE, XL_MAX, _CONTROL, _SUSPECT, _cut_utf16, _put, utf16_len
from sheets.tracker.layout import BODY_FONT, FONT_SIZE, HEADER_FONT, PAGE_MARGINS, LayoutMixin, fit_height, text_lines

YEAR_SHEETS = ("总览", "任务进度", "报送情况")
TASK_HEADS = (("seq", "序号", 5), ("category", "类别", 12), ("text", "重点任务", 40), ("lead_units", "牵头单位", 12),
              ("item", "项目", 5))
MONTH_WIDTH = 6.5  # 任务进度: one month's light / 完成进度 ("66.7%", "未下发")
DONE_WIDTH = 16  # 任务进度: 已完成时间 ("2025年3月", "2月完成，3月回退" on one line)
UNIT_MONTH_WIDTH = 11  # 报送情况: one month's label, "迟报12个工作日" on one line
STATE_ITEM, PROGRESS_ITEM = "状态", "进度"
DONE_FILL = {"bg_color": "#BDD7EE", "font_color": "#1F4E79"}
SERIES_COLORS = ("#4472C4", "#C00000")  # 完成进度 columns, 序时进度 line
OVERVIEW_WIDTHS = (24, 13, *([8.5] * 12))  # 总览: names, then a column per month (四、) or figure
CHART_SIZE = (480, 240)  # pixels: two side by side within 总览's 14 columns
CHART_ROWS = math.ceil((CHART_SIZE[1] + 12) / (fit_height(1) / 0.75))  # rows of 总览 a chart takes
CHARTS_PER_PAGE = 2  # rows of charts printed on one landscape page
# A4 landscape within PAGE_MARGINS, in pixels (96 per inch): the width, and the height less a little slack
PAGE_PIXELS = ((11.69 - PAGE_MARGINS["left"] - PAGE_MARGINS["right"]) * 96,
               (8.27 - PAGE_MARGINS["top"] - PAGE_MARGINS["bottom"]) * 96 * 0.96)

AddSheet = Callable[[xlsxwriter.Workbook], None]


def write_year_tracker(path: Path, data: YearData, office: str, add_sheets: Sequence[AddSheet] = ()) -> None:
    """Write the year tracker to ``path`` (the caller makes it atomic). ``add_sheets``: functions
    taking the open Workbook, called in order after 总览, 任务进度 and 报送情况 are written (the
    score sheet: ``lambda wb: add_score_sheets(wb, scores)``)."""
    _YearWriter(Path(path), data, office, add_sheets).write()


def _progress_lines(text: str, width: float) -> int:
    """Lines of a 进度 cell: "最低30%" wraps after 最低 in a month's column."""
    return text_lines(text.replace(LOWEST, LOWEST + "\n", 1) if text.startswith(LOWEST) else text, width)


def final_head(data: YearData) -> str:
    """The 任务进度 header of the year-end state: 年末状态 once December is the final month."""
    return "年末状态" if data.final_month in (0, 12) else f"截至{data.final_month}月状态"


class _YearWriter(LayoutMixin):
    def __init__(self, path: Path, data: YearData, office: str, add_sheets: Sequence[AddSheet]):
        self.path, self.data, self.office, self.add_sheets = path, data, office or "", list(add_sheets)
        self.title = f"{data.year}年政府工作报告重点任务全年台账"
        self.overflow = 0

    def text(self, value: object) -> str:
        """Any value as cell text: control characters removed, cut to the cell limit."""
        if value is None:
            return ""
        s = value if isinstance(value, str) else str(value)
        if _SUSPECT.search(s):
            s = s.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
            s = _CONTROL.sub("", s.replace("\t", " "))
        if len(s) > XL_MAX // 2 and utf16_len(s) > XL_MAX:
            s = _cut_utf16(s, XL_MAX - utf16_len(TRUNCATED_NOTE)) + TRUNCATED_NOTE
        return s

    def write(self) -> None:
        wb = xlsxwriter.Workbook(str(self.path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                  "strings_to_numbers": False})
        try:
            wb.set_properties({"title": self.title, "author": self.text(self.office), "company": self.text(self.office)})
            self._formats(wb)
            self.f_done = wb.add_format(DONE_FILL)
            self.f_done_cell = wb.add_format({"font_name": BODY_FONT, "font_size": FONT_SIZE, "text_wrap": True,
                                              "valign": "top", "border": 1, "align": "center", **DONE_FILL})
            self.f_info = wb.add_format({"font_name": BODY_FONT, "font_size": 11, "valign": "vcenter", "text_wrap": True})
            self.f_one = wb.add_format({"font_name": BODY_FONT, "font_size": 11, "border": 1, "align": "center",
                                        "valign": "vcenter", "num_format": "0.0"})
            sheets = {name: wb.add_worksheet(name) for name in YEAR_SHEETS}
            self._task_sheet(sheets["任务进度"])
            self._unit_sheet(sheets["报送情况"])
            self._overview(wb, sheets["总览"])
            for add in self.add_sheets:  # e.g. the 考核 score sheet
                add(wb)
            sheets["总览"].activate()
        finally:
            wb.close()

    # ---------------------------------------------------------------- 任务进度
    def _task_sheet(self, ws) -> None:
        d = self.data
        heads = [*TASK_HEADS, *((f"m{m}", f"{m}月", MONTH_WIDTH) for m in MONTHS), ("state", final_head(d), 10),
                 ("done", "已完成时间", DONE_WIDTH)]
        col = {key: i for i, (key, _, _) in enumerate(heads)}
        width = {key: w for key, _, w in heads}
        legend = ("状态：" + "；".join(f"{k}——{STATUS_RULES[k]}" for k in ("红", "黄", "绿"))
                  + f"（即各月台账的“状态”）；{NOT_ISSUED}——该月落实情况表未下发；{NOT_STARTED}——尚未到该月。"
                  f"进度：牵头单位填报的完成进度（即各月台账牵头单位的“完成进度”），“—”为报送了但未填完成进度，空白为未报送；"
                  f"有几个牵头单位且填报不同的，取最低的，如“{LOWEST}30%”（各单位的见该月台账）；"
                  f"“{UNREADABLE}”为牵头单位填写的完成进度无法识别（如“八成”，见该月台账“发现问题”）。"
                  f"{DONE}：牵头单位报告完成进度100%且完成阶段任务目标（销号），进度格为蓝底；"
                  "已销号的任务以后又报告未完成的，按进度重新判断，“已完成时间”注明何月完成、何月回退。")
        total = sum(w for _, _, w in heads)
        ws.set_row(0, fit_height(text_lines(legend, total)))
        ws.merge_range(0, 0, 0, len(heads) - 1, legend, self.f_legend)
        self._header(ws, [h for _, h, _ in heads], [w for _, _, w in heads], row=1)
        r = 2
        for t in d.tasks:
            self._task_rows(ws, r, t, col, width)
            r += 2
        last = max(r - 1, 3)
        first_month, state_col = col["m1"], col["state"]
        self._status_fills(ws, 2, last, first_month, state_col)
        ws.conditional_format(2, state_col, last, state_col,
                              {"type": "cell", "criteria": "==", "value": f'"{DONE}"', "format": self.f_done})
        ws.autofilter(1, 0, last, len(heads) - 1)
        ws.print_area(0, 0, last, len(heads) - 1)
        self._page(ws, header_row=1, legend=True)
        ws.freeze_panes(2, col["item"] + 1)

    def _task_rows(self, ws, r: int, t: TaskYear, col: dict[str, int], width: dict[str, float]) -> None:
        text = self.text
        task = t.task
        values = {"category": text(t.category), "text": text(task.text), "lead_units": text("、".join(task.lead_units))}
        lines = max(max(text_lines(v, width[k]) for k, v in values.items()), text_lines(t.done_history, width["done"]) - 1)
        if lines > 1:
            ws.set_row(r, self._capped(fit_height(lines)))
        shown = [cell.shown if cell.light != NOT_STARTED else "" for cell in t.months]
        below = max(max(_progress_lines(v, width[f"m{m}"]) for m, v in zip(MONTHS, shown)),
                    _progress_lines(t.shown, width["state"]))
        if below > 1:  # "最低30%" / "无法识别" in a month's narrow column
            ws.set_row(r + 1, fit_height(below))
        ws.write_number(r, col["seq"], task.seq, self.f_block[("num", "first")])
        ws.write_blank(r + 1, col["seq"], None, self.f_block[("num", "last")])
        for key, value in values.items():
            _put(ws, r, col[key], value, self.f_block[("text", "first")])
            ws.write_blank(r + 1, col[key], None, self.f_block[("text", "last")])
        ws.write_string(r, col["item"], STATE_ITEM, self.f_center)
        ws.write_string(r + 1, col["item"], PROGRESS_ITEM, self.f_center)
        for m in MONTHS:
            cell = t.months[m - 1]
            c = col[f"m{m}"]
            grey = cell.light in (NOT_ISSUED, NOT_STARTED)
            ws.write_string(r, c, text(cell.light), self.f_grey if grey else self.f_center)
            fmt = self.f_done_cell if cell.done else self.f_grey if grey else self.f_center
            _put(ws, r + 1, c, shown[m - 1], fmt)
        state = t.state
        ws.write_string(r, col["state"], state, self.f_grey if state == NO_LIGHT else self.f_center)
        _put(ws, r + 1, col["state"], t.shown, self.f_done_cell if t.done else self.f_center)
        ws.merge_range(r, col["done"], r + 1, col["done"], "", self.f_center)
        _put(ws, r, col["done"], text(t.done_history), self.f_center)

    # ---------------------------------------------------------------- 报送情况
    COUNT_HEADS = (("due", "应报"), ("on_time", "按时"), ("late", "迟报"), ("missing", "未报"), ("late_days", "迟报工作日"))

    def _unit_sheet(self, ws) -> None:
        d = self.data
        heads = ["单位", "年度计划", *(f"{m}月" for m in MONTHS), *(h for _, h in self.COUNT_HEADS)]
        widths = [24, 11, *([UNIT_MONTH_WIDTH] * 12), 6, 6, 6, 6, 8]
        self._header(ws, heads, widths)
        first_count = 14
        r = 1
        for u in d.units:
            values = [self.text(u.unit), self.text(u.plan), *(self.text(x) for x in u.labels)]
            self._fit_row(ws, r, zip(values, widths))
            _put(ws, r, 0, values[0], self.f_body)
            for j, value in enumerate(values[1:], start=1):
                _put(ws, r, j, value, self.f_grey if value == NOT_STARTED else self.f_center)
            for j, n in enumerate((u.due, u.on_time, u.late, u.missing, u.late_days_total), start=first_count):
                ws.write_number(r, j, n, self.f_num)
            r += 1
        last_unit = r - 1
        c = d.counts
        per_month = [x or {} for x in d.month_counts]
        ws.write_string(r, 0, "合计（各月应报单位数）", self.f_total)
        ws.write_blank(r, 1, None, self.f_body)
        for m in MONTHS:
            got = per_month[m - 1]
            if got:
                ws.write_number(r, m + 1, got["due"], self.f_total_num)
            else:
                ws.write_blank(r, m + 1, None, self.f_body)
        for j, key in enumerate(("due", "on_time", "late", "missing", "late_days"), start=first_count):
            ws.write_number(r, j, c[key], self.f_total_num)
        r += 1
        for label, num in (("报送率", "reported"), ("按时报送率", "on_time")):
            ws.write_string(r, 0, label, self.f_total)
            ws.write_blank(r, 1, None, self.f_body)
            for m in MONTHS:
                got = per_month[m - 1]
                _put(ws, r, m + 1, percent(got[num], got["due"]) if got else "", self.f_center)
            ws.merge_range(r, first_count, r, first_count + len(self.COUNT_HEADS) - 1,
                           f"全年{c['submission_pct' if num == 'reported' else 'on_time_pct']}", self.f_center)
            r += 1
        if last_unit >= 1:
            rng = (1, 1, last_unit, 13)
            ws.conditional_format(*rng, {"type": "cell", "criteria": "==", "value": '"未报"', "format": self.f_red})
            ws.conditional_format(*rng, {"type": "text", "criteria": "begins with", "value": "空表", "format": self.f_red})
            ws.conditional_format(*rng, {"type": "text", "criteria": "begins with", "value": "迟报", "format": self.f_yellow})
            ws.conditional_format(*rng, {"type": "text", "criteria": "begins with", "value": "按时", "format": self.f_green})
        ws.autofilter(0, 0, max(last_unit, 1), len(heads) - 1)
        self._page(ws)
        ws.freeze_panes(1, 1)

    # ---------------------------------------------------------------- 总览
    def _overview(self, wb, ws) -> None:
        d = self.data
        c = d.counts
        ncols = len(OVERVIEW_WIDTHS)
        for j, w in enumerate(OVERVIEW_WIDTHS):
            ws.set_column(j, j, w)
        ws.set_default_row(fit_height(1))
        ws.set_row(0, 36)
        ws.merge_range(0, 0, 0, ncols - 1, self.title, self.f_title)
        r = 2
        built, not_started = d.built, d.not_started_months
        span = month_span(built) + (f"（{month_span(not_started)}未开始）" if not_started else "")
        final = (f"{d.final_month}月（截止日期已过的最近一个已下发月份）" if d.final_month else "无（各月落实情况表均未下发）")
        info = [("统计时间", cn_datetime(d.now)), ("督查单位", self.office), ("汇总月份", span),
                ("未下发月份", month_span(d.not_issued_months) or "无"), ("任务状态取自", final)]
        info += [("提示", w) for w in (*d.notes, *d.warnings)]
        span_width = sum(OVERVIEW_WIDTHS[1:])
        for label, value in info:
            value = self.text(value)
            ws.write_string(r, 0, label, self.f_label)
            ws.set_row(r, self._capped(fit_height(text_lines(value, span_width))))
            ws.merge_range(r, 1, r, ncols - 1, "", self.f_info)
            _put(ws, r, 1, value, self.f_info)
            r += 1

        # 一、全年报送情况
        r = self._block_head(ws, r + 1, "一、全年报送情况（单位·月）", ("项目", "数值")) + 1
        for label, key in (("应报送（次）", "due"), ("已报送", "reported"), ("按时报送", "on_time"), ("迟报", "late"),
                           ("未报", "missing"), ("未到截止日", "pending"), ("未下发", "not_issued"), ("报送率", "submission_pct"),
                           ("按时报送率", "on_time_pct"), ("迟报合计工作日", "late_days")):
            ws.write_string(r, 0, label, self.f_body)
            if key.endswith("_pct"):
                ws.write_string(r, 1, c[key], self.f_center)
            else:
                ws.write_number(r, 1, c[key], self.f_num)
            r += 1
        note = ("注：一个单位一个月的落实情况表计一次；报送空表视同未报；未下发给该单位的月份不计入应报。"
                "各单位逐月情况见“报送情况”表，与各月台账的“报送情况”一致。")
        ws.set_row(r, fit_height(text_lines(note, sum(OVERVIEW_WIDTHS))))
        ws.merge_range(r, 0, r, ncols - 1, note, self.f_note)
        r += 1

        # 二、任务状态
        when = f"截至{d.final_month}月" if d.final_month else "无已下发月份"
        r = self._block_head(ws, r + 1, f"二、任务状态（{when}）", ("状态", "任务数")) + 1
        ws.merge_range(r - 1, 2, r - 1, ncols - 1, "含义", self.f_head)
        fills_from = r
        for label, key in (("红", "red"), ("黄", "yellow"), ("绿", "green")):
            rule = STATUS_RULES[label]
            self._fit_row(ws, r, [(rule, sum(OVERVIEW_WIDTHS[2:]))])
            ws.write_string(r, 0, label, self.f_center)
            ws.write_number(r, 1, c[key], self.f_num)
            ws.merge_range(r, 2, r, ncols - 1, rule, self.f_legend)
            r += 1
        self._status_fills(ws, fills_from, r - 1, 0, 0)
        ws.write_string(r, 0, DONE, self.f_center)
        ws.conditional_format(r, 0, r, 0, {"type": "cell", "criteria": "==", "value": f'"{DONE}"', "format": self.f_done})
        ws.write_number(r, 1, c["done"], self.f_num)
        ws.merge_range(r, 2, r, ncols - 1, "牵头单位报告完成进度100%且完成阶段任务目标（销号），不论当月红黄绿，另计于此", self.f_legend)
        r += 1
        ws.write_string(r, 0, "合计", self.f_center)
        ws.write_number(r, 1, c["tasks"], self.f_num)
        ws.merge_range(r, 2, r, ncols - 1, f"年度工作任务{c['annual']}项，为民办实事{c['livelihood']}项", self.f_body)
        r += 1

        # 三、逐月情况
        heads = ("月份", "下发情况", "截止日期", "应报", "按时", "迟报", "未报", "未到截止日", "报送率", "按时率", "绿", "黄", "红", "已完成")
        self.breaks: list[int] = []
        self._keep_together(ws, r + 1, 5)
        r = self._block_head(ws, r + 1, "三、逐月情况", heads) + 1
        ws.set_row(r - 1, fit_height(2))
        for m in MONTHS:
            got = d.month_counts[m - 1]
            status = d.month_status[m - 1]
            due = d.deadlines[m - 1]
            ws.write_string(r, 0, f"{m}月", self.f_center)
            ws.write_string(r, 1, MONTH_STATUS_LABELS[status], self.f_grey if status == MONTH_NOT_STARTED else self.f_center)
            _put(ws, r, 2, f"{due.month}月{due.day}日" if due else "", self.f_center)
            if got:
                numbers = (got["due"], got["on_time"], got["late"], got["missing"], got["pending"])
                for j, n in enumerate(numbers, start=3):
                    ws.write_number(r, j, n, self.f_num)
                ws.write_string(r, 8, got["submission_pct"], self.f_center)
                ws.write_string(r, 9, got["on_time_pct"], self.f_center)
                lit = status == ISSUED
                for j, key in enumerate(("green", "yellow", "red", "done"), start=10):
                    if lit:
                        ws.write_number(r, j, got[key], self.f_num)
                    else:
                        ws.write_string(r, j, "—", self.f_center)
            else:
                for j in range(3, len(heads)):
                    ws.write_blank(r, j, None, self.f_body)
            r += 1

        # 四、完成进度与序时进度, and the charts drawn from it
        r = self._progress_table(wb, ws, r + 1, ncols)
        for i in range(r):  # every row's height given, so that each program prints the pages measured above
            if i not in ws.row_sizes:
                ws.set_row(i, fit_height(1))
        ws.print_area(0, 0, r, ncols - 1)
        ws.freeze_panes(1, 0)
        self._page(ws, header_row=None)

    def _progress_table(self, wb, ws, r: int, ncols: int) -> int:
        d = self.data
        self._keep_together(ws, r, 5)
        head_row = self._block_head(ws, r, "四、完成进度与序时进度（%，按类别、按月）", ("类别", "项目", *(f"{m}月" for m in MONTHS)))
        r = head_row + 1
        series: list[tuple[str, int]] = []  # (category, first of its rows)
        names = [ALL_TASKS, *d.categories]
        for name in names:
            cells = d.category_months.get(name, [None] * 12)
            rows = (("平均完成进度", lambda x: x.percent), ("序时进度", lambda x: x.schedule),
                    ("填报进度的任务数", lambda x: x.reported))
            height = fit_height(text_lines(self.text(name), 24)) / len(rows)
            for i, (label, get) in enumerate(rows):
                if height > fit_height(1):
                    ws.set_row(r + i, self._capped(height))
                ws.write_string(r + i, 1, label, self.f_center)
                for m in MONTHS:
                    cell = cells[m - 1]
                    value = get(cell) if cell is not None else None
                    if value is None:
                        ws.write_blank(r + i, m + 1, None, self.f_one)
                    elif i == 2:
                        ws.write_number(r + i, m + 1, value, self.f_num)
                    else:
                        ws.write_number(r + i, m + 1, value, self.f_one)
            ws.merge_range(r, 0, r + len(rows) - 1, 0, self.text(name), self.f_body)
            series.append((name, r))
            r += len(rows)
        note = ("注：平均完成进度为填报了完成进度的任务的平均值，未填报的月份不画柱形；序时进度为各任务序时进度的平均值"
                "（到当月底全年时间已过的比例，计划写明完成时限的任务按年初到完成时限计算）。")
        ws.set_row(r, fit_height(text_lines(note, sum(OVERVIEW_WIDTHS))))
        ws.merge_range(r, 0, r, ncols - 1, note, self.f_note)
        r += 2
        # the charts start on a page of their own, CHARTS_PER_PAGE rows of them a page
        n_rows = (len(series) + 1) // 2
        self.breaks += [r + k * CHART_ROWS for k in range(0, n_rows, CHARTS_PER_PAGE)]
        ws.set_h_pagebreaks(self.breaks)
        for k, (name, first) in enumerate(series):
            chart = self._chart(wb, name, head_row, first)
            ws.insert_chart(r + (k // 2) * CHART_ROWS, 0 if k % 2 == 0 else 6, chart,
                            {"x_offset": 4 if k % 2 == 0 else 20, "y_offset": 4})
        return r + n_rows * CHART_ROWS

    def _keep_together(self, ws, r: int, rows: int) -> None:
        """A page break before row ``r`` when the page it would print on has no room for ``rows``
        rows from it (a section's title, its header and its first lines). Rows are measured as
        written so far (xlsxwriter's row sizes, pixels), the page as printed one page wide."""
        width = sum(ws._size_col(c) for c in range(len(OVERVIEW_WIDTHS)))
        page = PAGE_PIXELS[1] * max(1.0, width / PAGE_PIXELS[0])
        used = 0.0
        for i in range(r):
            h = ws._size_row(i)
            if i in self.breaks or used + h > page:
                used = 0.0
            used += h
        if used + rows * ws._size_row(r) > page:
            self.breaks.append(r)

    def _chart(self, wb, name: str, head_row: int, first: int):
        sheet = "总览"
        months = [sheet, head_row, 2, head_row, 13]
        bars = wb.add_chart({"type": "column"})
        bars.add_series({"name": "平均完成进度", "categories": months, "values": [sheet, first, 2, first, 13],
                         "fill": {"color": SERIES_COLORS[0]}, "gap": 80})
        line = wb.add_chart({"type": "line"})
        line.add_series({"name": "序时进度", "categories": months, "values": [sheet, first + 1, 2, first + 1, 13],
                         "line": {"color": SERIES_COLORS[1], "width": 2},
                         "marker": {"type": "circle", "size": 4, "fill": {"color": SERIES_COLORS[1]},
                                    "border": {"color": SERIES_COLORS[1]}}})
        bars.combine(line)
        bars.set_title({"name": self.text(name)[:40], "name_font": {"name": HEADER_FONT, "size": 11, "bold": False}})
        bars.set_y_axis({"min": 0, "max": 100, "major_unit": 25, "num_font": {"name": BODY_FONT},
                         "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}})
        bars.set_x_axis({"num_font": {"name": BODY_FONT}})
        bars.set_legend({"position": "bottom", "font": {"name": BODY_FONT}})
        bars.show_blanks_as("gap")
        bars.set_size({"width": CHART_SIZE[0], "height": CHART_SIZE[1]})
        return bars


__all__ = ["write_year_tracker", "final_head", "YEAR_SHEETS", "STATE_ITEM", "PROGRESS_ITEM", "AddSheet"]
