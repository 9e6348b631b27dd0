"""Write the pre-filled forms a unit fills in: 落实计划表 (plan) and 落实情况表 (status).

Layouts follow attachments 3 and 4 of the 立项督查 notice, with a 本单位职责 column
added. Prefilled cells are locked, fill-in cells unlocked and shaded; the sheet is
protected without a password so a unit can still resize rows/columns and insert rows
(for sub-items). A hidden sheet "_duban" carries the identity (see identity.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import xlsxwriter

from office.model import KIND_LABELS, KINDS, Task
from sheets import identity
from sheets.cells import PLACEHOLDER_NO_PLAN, cn_date, estimate_lines

TEMPLATE_VERSION = "1"

ROLES = ("牵头", "配合")
PLAN_SHEET = "落实计划表"
STATUS_SHEET = "落实情况表"

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADER_FONT = "黑体"
FILL_COLOR = "#FFF7DC"  # light shading of the cells a unit fills in

CN_NUMERALS = "一二三四五六七八九十"

# (field, header label, column width)
PLAN_COLUMNS = (
    ("seq", "分解序号", 6),
    ("text", "重点任务、民生实事内容", 42),
    ("role", "本单位职责", 14),
    ("q1", "一季度", 17),
    ("q2", "二季度", 17),
    ("q3", "三季度", 17),
    ("q4", "四季度", 17),
    ("main_leader", "主要负责人", 10),
    ("deputy", "分管负责人", 10),
    ("note", "备注", 12),
)
PLAN_GROUP_LABEL = "季度目标及推进计划"
STATUS_COLUMNS = (
    ("seq", "序号", 6),
    ("text", "重点任务、民生实事内容", 40),
    ("role", "本单位职责", 14),
    ("target", "季度计划完成目标", 24),
    ("progress", "完成情况", 32),
    ("problems", "存在问题", 22),
    ("next_steps", "下一步计划", 24),
    ("achieved", "是否完成阶段任务目标", 12),
)
PREFILLED_FIELDS = ("seq", "text", "role")

LINE_HEIGHT = 16.5  # points per wrapped line of the 12pt body font
MAX_ROW_HEIGHT = 409


@dataclass(frozen=True)
class FormRow:
    task: Task
    role: str  # "牵头" | "配合"
    target: str | None = None  # status only: accepted plan target of the quarter; None -> "（未报送计划）"
    partners: tuple[str, ...] = ()  # other units on the task, shown under the role
    gather: bool = False  # via_lead: the lead reports for the whole task, gathering from the partners (co-units)


@dataclass(frozen=True)
class FormSpec:
    workspace_id: str
    office: str
    year: int
    unit: str
    kind: str  # "plan" | "status"
    period: str  # "2025" for plan, "2025-03" for status
    deadline: date
    rows: tuple[FormRow, ...]


def _check(spec: FormSpec) -> None:
    if spec.kind not in ("plan", "status"):
        raise ValueError(f"unknown form kind {spec.kind!r}")
    if spec.kind == "status" and _month(spec) is None:
        raise ValueError(f"status period must be YYYY-MM, got {spec.period!r}")
    seen = set()
    for row in spec.rows:
        if row.role not in ROLES:
            raise ValueError(f"role must be 牵头 or 配合, got {row.role!r}")
        if row.task.kind not in KINDS:
            raise ValueError(f"unknown task kind {row.task.kind!r}")
        if row.task.id in seen:
            raise ValueError(f"task {row.task.id} listed twice")
        seen.add(row.task.id)


def _month(spec: FormSpec) -> int | None:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", spec.period)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return int(m.group(2))


def _safe(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name).strip() or "_"


def form_filename(spec: FormSpec) -> str:
    """"2025年_落实计划表_区商务局.xlsx" / "2025年3月_落实情况表_区商务局.xlsx"."""
    if spec.kind == "plan":
        return f"{spec.year}年_{PLAN_SHEET}_{_safe(spec.unit)}.xlsx"
    month = _month(spec)
    year = spec.period.split("-")[0]
    return f"{year}年{month}月_{STATUS_SHEET}_{_safe(spec.unit)}.xlsx"


def title_text(spec: FormSpec) -> str:
    return f"{spec.year}年年度工作任务落实{'计划' if spec.kind == 'plan' else '情况'}表"


def role_text(row: FormRow) -> str:
    if not row.partners:
        return row.role
    if row.gather:
        return f"{row.role}（汇总报送）\n请汇总配合单位{'、'.join(row.partners)}的落实情况"
    label = "配合" if row.role == "牵头" else "其他责任单位"
    return f"{row.role}\n{label}：{'、'.join(row.partners)}"


def ordered_rows(spec: FormSpec) -> list[FormRow]:
    """Rows grouped by kind (annual first), keeping the given order inside a kind."""
    return [r for k in KINDS for r in spec.rows if r.task.kind == k]


def _checksum_rows(spec: FormSpec) -> list[tuple]:
    out = []
    for r in ordered_rows(spec):
        target = r.target if spec.kind == "status" else None
        out.append((r.task.id, r.task.text, r.role, target, list(r.partners)) + (("gather",) if r.gather and r.partners else ()))
    return out


def prefilled_checksum(spec: FormSpec) -> str:
    """sha256 (hex, first 16 chars) over the prefilled content: unit, kind, period and
    per row task id, text, role, partners and (status) target."""
    return identity.checksum_of(spec.unit, spec.kind, spec.period, _checksum_rows(spec))


# The same task text (and role, target) appears in the form of every unit on the task:
# measure each (text, width) once. Bounded, so a long-running process does not grow.
_lines = lru_cache(maxsize=1 << 16)(estimate_lines)


def _row_height(texts_widths: list[tuple[str, float]], minimum: float) -> float:
    lines = max((_lines(t, w) for t, w in texts_widths if t), default=1)
    return min(MAX_ROW_HEIGHT, max(minimum, lines * LINE_HEIGHT + 8))


def write_form(spec: FormSpec, path: Path, checksum: str | None = None) -> str:
    """Write the form for one unit to `path` (xlsx); returns the prefilled checksum.

    `checksum` is prefilled_checksum(spec) when the caller has already computed it.
    """
    _check(spec)
    if checksum is None:
        checksum = prefilled_checksum(spec)
    rows = ordered_rows(spec)
    plan = spec.kind == "plan"
    columns = PLAN_COLUMNS if plan else STATUS_COLUMNS
    ncols = len(columns)
    last_col = ncols - 1
    col_of = {f: i for i, (f, _, _) in enumerate(columns)}
    width_of = {f: w for f, _, w in columns}

    wb = xlsxwriter.Workbook(
        str(path),
        # in_memory: a form is small; no temporary file per XML part
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "in_memory": True},
    )
    try:
        wb.set_properties(
            {
                "title": title_text(spec),
                "subject": spec.unit,
                "author": spec.office,
                "company": spec.office,
                "comments": f"duban template {TEMPLATE_VERSION}",
            }
        )
        base = {"font_name": BODY_FONT, "font_size": 12, "text_wrap": True, "valign": "vcenter"}
        border = {"border": 1}
        f_title = wb.add_format(
            {"font_name": TITLE_FONT, "font_size": 20, "align": "center", "valign": "vcenter"}
        )
        f_sub = wb.add_format({**base, "align": "center"})
        f_line = wb.add_format({**base, "align": "left", "text_wrap": False})
        f_line_r = wb.add_format({**base, "align": "right", "text_wrap": False})
        f_header = wb.add_format(
            {**base, **border, "font_name": HEADER_FONT, "align": "center", "bg_color": "#D9E1F2"}
        )
        f_section = wb.add_format(
            {**base, **border, "font_name": HEADER_FONT, "align": "left", "bg_color": "#EDEDED"}
        )
        f_seq = wb.add_format({**base, **border, "align": "center"})
        f_text = wb.add_format({**base, **border, "align": "left"})
        f_role = wb.add_format({**base, **border, "align": "center"})
        f_fill = wb.add_format({**base, **border, "align": "left", "locked": False, "bg_color": FILL_COLOR})
        f_fill_center = wb.add_format(
            {**base, **border, "align": "center", "locked": False, "bg_color": FILL_COLOR}
        )
        f_placeholder = wb.add_format(
            {**base, **border, "align": "left", "locked": False, "bg_color": FILL_COLOR, "font_color": "#808080"}
        )
        f_fill_line = wb.add_format(
            {**base, "align": "left", "locked": False, "bg_color": FILL_COLOR, "bottom": 1}
        )

        ws = wb.add_worksheet(PLAN_SHEET if plan else STATUS_SHEET)
        for i, (_, _, w) in enumerate(columns):
            ws.set_column(i, i, w)

        r = 0
        ws.merge_range(r, 0, r, last_col, title_text(spec), f_title)
        ws.set_row(r, 40)
        r += 1
        if not plan:
            ws.merge_range(r, 0, r, last_col, f"（{_month(spec)}月）", f_sub)
            ws.set_row(r, 22)
            r += 1
        deadline = f"请于{cn_date(spec.deadline)}前报送{_office_short(spec.office)}。"
        hint = "请在浅黄色单元格内填写；一项任务需分项填报的，可在该任务下方插入行。"
        if not plan:
            hint += "“是否完成阶段任务目标”请从下拉列表选择“是”或“否”。"
        ws.merge_range(r, 0, r, last_col, deadline + hint, f_line)
        ws.set_row(r, 22)
        r += 1

        # 填报单位 (prefilled) / 填报时间 (fill-in)
        ws.merge_range(r, 0, r, 2, f"填报单位：{spec.unit}", f_line)
        time_label_col = last_col - 2
        ws.write_string(r, time_label_col, "填报时间：", f_line_r)
        ws.merge_range(r, time_label_col + 1, r, last_col, "", f_fill_line)
        ws.set_row(r, 24)
        r += 1

        # header
        header_first = r
        if plan:
            q_first, q_last = col_of["q1"], col_of["q4"]
            for f, label, _ in columns:
                c = col_of[f]
                if q_first <= c <= q_last:
                    ws.write_string(r + 1, c, label, f_header)
                else:
                    ws.merge_range(r, c, r + 1, c, label, f_header)
            ws.merge_range(r, q_first, r, q_last, PLAN_GROUP_LABEL, f_header)
            ws.set_row(r, 24)
            ws.set_row(r + 1, 24)
            r += 2
        else:
            for f, label, w in columns:
                ws.write_string(r, col_of[f], label, f_header)
            ws.set_row(r, _row_height([(lbl, w) for _, lbl, w in columns], 36))
            r += 1
        header_last = r - 1
        first_data = r

        fill_fields = [f for f, _, _ in columns if f not in PREFILLED_FIELDS]
        # Per-row constants, looked up once: the task rows are most of the cells.
        c_seq, c_text, c_role = col_of["seq"], col_of["text"], col_of["role"]
        w_text, w_role = width_of["text"], width_of["role"]
        c_target, w_target = col_of.get("target"), width_of.get("target")
        blanks = [(col_of[f], f_fill_center if f == "achieved" else f_fill) for f in fill_fields if f != "target"]
        row_min = 48 if plan else 60
        achieved_blocks: list[tuple[int, int]] = []
        n_section = 0
        for kind in KINDS:
            krows = [x for x in rows if x.task.kind == kind]
            if not krows:
                continue
            label = f"{CN_NUMERALS[n_section]}、{KIND_LABELS[kind]}"
            n_section += 1
            ws.merge_range(r, 0, r, last_col, label, f_section)
            ws.set_row(r, 24)
            r += 1
            block_start = r
            for fr in krows:
                text = fr.task.text
                ws.write_number(r, c_seq, fr.task.seq, f_seq)
                ws.write_string(r, c_text, text, f_text)
                role = role_text(fr)
                ws.write_string(r, c_role, role, f_role)
                # row height as _row_height(): the most wrapped lines of the non-empty texts
                lines = 1
                if text:
                    lines = _lines(text, w_text)
                if role:
                    lines = max(lines, _lines(role, w_role))
                if c_target is not None:  # strings in the same order as before: shared-string indices
                    if fr.target:
                        ws.write_string(r, c_target, fr.target, f_text)
                        lines = max(lines, _lines(fr.target, w_target))
                    else:
                        ws.write_string(r, c_target, PLACEHOLDER_NO_PLAN, f_placeholder)
                for c, fmt in blanks:
                    ws.write_blank(r, c, None, fmt)
                ws.set_row(r, min(MAX_ROW_HEIGHT, max(row_min, lines * LINE_HEIGHT + 8)))
                r += 1
            achieved_blocks.append((block_start, r - 1))

        if not plan:
            c = col_of["achieved"]
            for a, b in achieved_blocks:
                ws.data_validation(
                    a,
                    c,
                    b,
                    c,
                    {
                        "validate": "list",
                        "source": ["是", "否"],
                        "ignore_blank": True,
                        "dropdown": True,
                        "input_title": "是否完成阶段任务目标",
                        "input_message": "请从下拉列表选择“是”或“否”。",
                        "error_title": "输入有误",
                        "error_message": "此处只能填写“是”或“否”，请从下拉列表选择。",
                        "error_type": "stop",
                    },
                )

        # footer: 填报人 / 联系电话 / 负责人签字
        r += 1
        footer_row = r
        if plan:
            ws.merge_range(r, 0, r, 1, "填报人：", f_line_r)
            ws.merge_range(r, 2, r, 3, "", f_fill_line)
            ws.merge_range(r, 4, r, 5, "联系电话：", f_line_r)
            ws.merge_range(r, 6, r, 7, "", f_fill_line)
            ws.write_string(r, 8, "负责人签字：", f_line_r)
            ws.write_blank(r, 9, None, f_fill_line)
        else:
            ws.merge_range(r, 0, r, 1, "填报人：", f_line_r)
            ws.merge_range(r, 2, r, 3, "", f_fill_line)
            ws.write_string(r, 4, "联系电话：", f_line_r)
            ws.write_blank(r, 5, None, f_fill_line)
            ws.write_string(r, 6, "负责人签字：", f_line_r)
            ws.write_blank(r, 7, None, f_fill_line)
        ws.set_row(r, 30)

        # protection, print and view settings
        ws.protect(
            "",
            {
                "format_rows": True,
                "format_columns": True,
                "insert_rows": True,
                "delete_rows": True,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )
        ws.freeze_panes(header_last + 1, 0)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(header_first, header_last)
        ws.set_footer("&C第 &P 页，共 &N 页")
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.print_area(0, 0, footer_row, last_col)
        ws.activate()
        if rows:  # cursor on the first fill-in cell of the first task
            ws.set_selection(first_data + 1, col_of[fill_fields[0]], first_data + 1, col_of[fill_fields[0]])

        identity.write_identity_sheet(
            wb,
            identity.identity_rows(
                workspace_id=spec.workspace_id,
                unit=spec.unit,
                kind=spec.kind,
                period=spec.period,
                year=spec.year,
                template_version=TEMPLATE_VERSION,
                task_ids=[x.task.id for x in rows],
                checksum=checksum,
            ),
        )
    finally:
        wb.close()
    return checksum


def _office_short(office: str) -> str:
    """"市中区人民政府办公室督查室" -> "督查室" for the deadline line; other names as they are."""
    office = (office or "").strip()
    if not office:
        return "督查室"
    if office.endswith("督查室"):
        return "督查室"
    return office
