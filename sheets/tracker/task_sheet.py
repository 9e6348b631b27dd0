"""The 台账 and 为民办实事 sheets: one row per (task, unit) line, a task's columns on its first line."""

from __future__ import annotations

import math

from office.month_data import FIELD_LABELS, Line, Progress, TaskRow
from office.progress import RULE_LABELS, gap_text, percent_shown, percent_text
from office.wording import STATUS_RULES
from sheets.cells import MAX_ROW_HEIGHT
from sheets.tracker.cell_text import _put
from sheets.tracker.layout import BODY_FONT, _forget_written_rows, fit_height, text_lines

NOT_REPORTED = "（未报送）"

# 台账 columns: (key, header, width). "category" is dropped on 为民办实事. The first
# PRINTED_COLUMNS (those a leader reads) make the print area, one A4 landscape page wide
# at about 80% (Excel's column metrics); the rest (牵头/配合单位 lists, 季度目标, 下一步计划 and the 来源 of every
# value) stay in the workbook for the clerk, with the source comments on the value cells.
# 完成进度 is each line's own (the unit's 完成进度（%）); 序时进度, 差距 and 判定依据 (which rule lit
# the task: office.progress.RULE_LABELS) are the task's, on its first line like 序号.
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
    ("percent", "完成进度", 6),
    ("schedule", "序时进度", 6),
    ("gap", "差距", 9),
    ("status", "状态", 5),
    ("rule", "判定依据", 10),
    ("lead_units", "牵头单位", 18),
    ("co_units", "配合单位", 36),
    ("target", FIELD_LABELS["target"], 28),
    ("next_steps", FIELD_LABELS["next_steps"], 36),
    ("source", "来源", 44),
)
PRINTED_COLUMNS = ("seq", "category", "text", "leaders", "unit", "role", "progress", "problems", "achieved", "percent",
                   "schedule", "gap", "status", "rule")
TASK_FIELDS = ("seq", "category", "text", "leaders", "schedule", "gap", "rule", "lead_units", "co_units", "status")
VALUE_FIELDS = ("target", "progress", "percent", "problems", "next_steps", "achieved")
LABELLED = ("progress", "problems", "target", "next_steps")  # headers that follow the form's (write_tracker labels)
EXTRA_WIDTH = 24  # an extra column of the form (sheets.columns), after the answers
CENTERED = {"seq", "leaders", "role", "achieved", "percent", "schedule", "gap", "rule", "status"}
MERGED_FIELDS = ("lead_units", "co_units")  # not printed: merged over the task's lines (normal mode)
LEGEND = ("红", "黄", "绿")  # rows above the 台账 header, in this order
NO_PERCENT = "—"  # a lead unit that reported no 完成进度


def rule_shown(progress: Progress | None, period: str) -> str:
    """判定依据: the rule that lit the task; a 已完成 task says since when."""
    if progress is None:
        return ""
    label = RULE_LABELS.get(progress.rule, progress.rule)
    if progress.done or progress.rule == "done":
        label = RULE_LABELS["done"]
        if progress.done_period == period:
            label += "\n本月新完成"
        elif progress.done_period[5:7].isdigit():
            label += f"\n{int(progress.done_period[5:7])}月完成"
    return label


def line_percent(ln: Line, first: bool, progress: Progress | None, any_reported: bool) -> str:
    """The 完成进度 cell of one line: the unit's own; on the task's first line of a month whose lines
    carry no 完成进度 at all (a month made without them), the task's; "—" for a lead unit that
    reported none."""
    if "percent" in ln.values:
        shown = percent_shown(ln.values["percent"])
        if shown:
            return shown
    elif first and not any_reported and progress is not None:
        return percent_text(progress.percent) if progress.percent is not None or ln.reported else ""
    return NO_PERCENT if ln.role == "牵头" and ln.reported else ""


class TaskSheet:
    """台账 or 为民办实事, written one task (and its lines) at a time.

    Rows: the 红/黄/绿 legend (LEGEND rows), the header, then each task's lines. Every row
    is as tall as its most wrapped cell; the task's first line also holds the task's own
    columns (see the package docstring).
    """

    def __init__(self, w, ws, with_category: bool):
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
        p = tr.progress
        task_vals["schedule"] = percent_text(p.schedule) if p is not None else ""
        task_vals["gap"] = gap_text(p.gap) if p is not None else ""
        task_vals["rule"] = rule_shown(p, w.data.period)
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
            if key in MERGED_FIELDS and len(value) > w.long_unit_list:
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
        any_percent = any("percent" in ln.values for ln in lines)
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
                    elif key == "percent":
                        cells.append((col[key], text(line_percent(ln, i == 0, p, any_percent)), f_center))
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
