"""Write the pre-filled forms a unit fills in: 落实计划表 (plan) and 落实情况表 (status).

The layout comes from a template workbook (:mod:`sheets.template`; the official ones are in
templates_xlsx/): its rows above and under the table are copied, its columns give the
task rows their order, widths and formats, and each column's meaning (from its header)
decides what goes in: the 序号 and task text (and, if the template has such a column,
本单位职责 and the quarter's target) are prefilled and locked; every other column,
extra ones included, is unlocked and shaded for the unit to fill in. The sheet is
protected without a password so a unit can still resize rows/columns and insert rows
(for sub-items). A hidden sheet "_duban" carries the identity (see identity.py).

Without a 本单位职责 column, a task shared by several units says under its text who leads
and who else works on it (:func:`role_note`); the reader takes that line off again.
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
from sheets.template import FormTemplate, default_template, restyle

ROLES = ("牵头", "配合")
PLAN_SHEET = "落实计划表"
STATUS_SHEET = "落实情况表"
PLACEHOLDER_COLOR = "#808080"
CN_NUMERALS = "一二三四五六七八九十"
PREFILLED_FIELDS = ("seq", "text", "role")
LINE_EM = 1.375  # points per wrapped line of body text, in font sizes (16.5 for 12pt)
MAX_ROW_HEIGHT = 409
SECTION_HEIGHT = 24.0


@dataclass(frozen=True)
class FormRow:
    task: Task
    role: str  # "牵头" | "配合"
    target: str | None = None  # status only: accepted plan target of the quarter; None -> "（未报送计划）"
    partners: tuple[str, ...] = ()  # the other units on the task (lead units among them are named as such)
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


def _split_partners(row: FormRow) -> tuple[list[str], list[str]]:
    """(the other lead units, the other co-units) among the row's partners."""
    leads = set(row.task.lead_units)
    return [u for u in row.partners if u in leads], [u for u in row.partners if u not in leads]


def role_text(row: FormRow) -> str:
    """The 本单位职责 cell: the unit's role, then who leads and who else works on the task."""
    if not row.partners:
        return row.role
    if row.gather:
        return f"{row.role}（汇总报送）\n请汇总配合单位{'、'.join(row.partners)}的落实情况"
    leads, others = _split_partners(row)
    lines = [row.role]
    if leads:
        lines.append(f"{'其他牵头单位' if row.role == '牵头' else '牵头单位'}：{'、'.join(leads)}")
    if others:
        lines.append(f"{'配合单位' if row.role == '牵头' else '其他配合单位'}：{'、'.join(others)}")
    return "\n".join(lines)


def role_note(row: FormRow) -> str:
    """The line under a shared task's text on a form without 本单位职责 column ("" for a task of
    one unit): “（本单位配合。牵头单位：…；其他配合单位：…）”."""
    if not row.partners:
        return ""
    if row.gather:
        return f"（本单位牵头，汇总报送：请汇总配合单位{'、'.join(row.partners)}的落实情况）"
    leads, others = _split_partners(row)
    parts = []
    if leads:
        parts.append(f"{'其他牵头单位' if row.role == '牵头' else '牵头单位'}：{'、'.join(leads)}")
    if others:
        parts.append(f"{'配合单位' if row.role == '牵头' else '其他配合单位'}：{'、'.join(others)}")
    return f"（本单位{row.role}。{'；'.join(parts)}）"


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


def template_for(kind: str, template: FormTemplate | None = None) -> FormTemplate:
    """`template`, checked to be one for `kind`, or the packaged official one."""
    tpl = template if template is not None else default_template(kind)
    if tpl.kind != kind:
        raise ValueError(f"a {tpl.kind} template cannot write a {kind} form")
    return tpl


# The same task text (and role, target) appears in the form of every unit on the task:
# measure each (text, width) once. Bounded, so a long-running process does not grow.
_lines = lru_cache(maxsize=1 << 16)(estimate_lines)


# ---------------------------------------------------------------- the layout of a template


_TITLE_YEAR = re.compile(r"(?<!\d)\d{4}(?=\s*年.*?落实\s*(?:计划|情况)\s*表)")
_EMPTY_MONTH = re.compile(r"[（(]\s*月(?:份)?\s*[)）]")
_EMPTY_UNIT = re.compile(r"^\s*填\s*报\s*单\s*位\s*[:：]?\s*$")
_PLACEHOLDER = re.compile(r"\{(年度|月份|填报单位|截止日期|督查室)\}")


@dataclass(frozen=True)
class _Col:
    col: int
    key: str | None
    style: int  # index in _Layout.styles (prefilled: locked; fill-in: unlocked and shaded)
    placeholder: int  # target only: the open, grey cell of a target not (yet) planned (-1: none)
    width: float
    font_size: float


# A fixed cell to write: (row in its block, col, value, style index, fill per form?, merge end or None)
_Op = tuple


@dataclass(frozen=True)
class _Layout:
    """How to write a template, worked out once: every distinct format (a form creates them
    in this order), the fixed cells of the rows above and under the table, the columns."""

    styles: tuple[tuple, ...]
    cols: tuple[_Col, ...]
    top: tuple[_Op, ...]
    top_heights: tuple[float | None, ...]
    tail: tuple[_Op, ...]
    tail_heights: tuple[float | None, ...]
    section: int
    fill_first: int  # column of the first fill-in cell


def _fills(text: object, above_header: bool) -> bool:
    """Whether a fixed cell's text changes per form (placeholders; above the header also the
    title's year, an empty “（  月）” and an empty “填报单位：”)."""
    if not isinstance(text, str):
        return False
    if _PLACEHOLDER.search(text):
        return True
    return above_header and bool(_TITLE_YEAR.search(text) or _EMPTY_MONTH.search(text) or _EMPTY_UNIT.match(text))


def _ops(block, above: int, style_index) -> tuple[_Op, ...]:  # noqa: ANN001 - a form_spec.Block
    """The writes of a block: merged ranges first, then the other cells (rows before `above` are
    above the header)."""
    cells = {(i, c.col): c for i, row in enumerate(block.rows) for c in row.cells}
    out = []
    for r0, c0, r1, c1 in block.merges:
        cell = cells.pop((r0, c0), None)
        value = cell.value if cell is not None else None
        out.append((r0, c0, value, style_index(cell.style) if cell is not None else -1, _fills(value, r0 < above), (r1, c1)))
    for (i, col), cell in cells.items():
        out.append((i, col, cell.value, style_index(cell.style), _fills(cell.value, i < above), None))
    return tuple(out)


@lru_cache(maxsize=16)
def _layout(tpl: FormTemplate) -> _Layout:
    styles: dict[tuple, int] = {}

    def index(st: tuple) -> int:
        return styles.setdefault(st, len(styles))

    cols = []
    for c in tpl.columns:
        st, placeholder = c.style, -1
        bg = dict(st).get("bg_color") or tpl.fill_color
        if c.key in ("seq", "text", "role", "target"):
            st = restyle(st, locked=None)
            if c.key == "target":
                placeholder = index(restyle(st, locked=False, bg_color=bg, font_color=PLACEHOLDER_COLOR))
        elif c.key is not None:
            st = restyle(st, locked=False, bg_color=bg)
        cols.append(_Col(c.col, c.key, index(st), placeholder, c.width, c.font_size))
    top = _ops(tpl.top, tpl.header_first, index)
    tail = _ops(tpl.tail, 0, index)
    section = index(tpl.section_style)
    # header rows at least as tall as their wrapped labels (a clerk may have typed a longer one)
    spanned = {(r0, c) for r0, c0, r1, c1 in tpl.top.merges if c1 > c0 for c in range(c0, c1 + 1)}
    heights = [row.height for row in tpl.top.rows]
    for i in range(tpl.header_first, tpl.header_last + 1):
        row = tpl.top.rows[i]
        lines = max((_lines(str(cell.value), tpl.widths[cell.col], dict(cell.style).get("font_size", 11.0))
                     for cell in row.cells if isinstance(cell.value, str) and (i, cell.col) not in spanned), default=1)
        size = max((dict(cell.style).get("font_size", 11.0) for cell in row.cells), default=11.0)
        want = lines * size * LINE_EM + 8 if lines > 1 else 0
        heights[i] = max(row.height or 0, want) or None
    fill_first = next((c.col for c in cols if c.key and c.key not in ("seq", "text", "role", "target")), 0)
    return _Layout(tuple(styles), tuple(cols), top, tuple(heights), tail, tuple(r.height for r in tpl.tail.rows),
                   section, fill_first)


def _office_short(office: str) -> str:
    """"市中区人民政府办公室督查室" -> "督查室" for the deadline line; other names as they are."""
    office = (office or "").strip()
    if not office:
        return "督查室"
    if office.endswith("督查室"):
        return "督查室"
    return office


def _filler(spec: FormSpec):  # noqa: ANN202
    """text -> the text as this unit's form shows it (placeholders, year, month, unit)."""
    month = _month(spec) if spec.kind == "status" else None
    values = {"年度": str(spec.year), "月份": str(month or ""), "填报单位": spec.unit,
              "截止日期": cn_date(spec.deadline), "督查室": _office_short(spec.office)}

    def fill(text: str) -> str:
        if _EMPTY_UNIT.match(text):
            return f"{text.strip().rstrip(':：')}：{spec.unit}"
        text = _TITLE_YEAR.sub(str(spec.year), text, count=1)
        if month:
            text = _EMPTY_MONTH.sub(f"（{month}月）", text, count=1)
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], text)

    return fill


def _write_ops(ws, ops: tuple, heights: tuple, first: int, formats: list, fill) -> int:  # noqa: ANN001
    """Write a block's fixed cells from row `first`; returns the row after the block."""
    for i, h in enumerate(heights):
        if h:
            ws.set_row(first + i, h)
    for i, col, value, st, fills, merge in ops:
        f = formats[st] if st >= 0 else None
        if fills:
            value = fill(value)
        if merge is not None:
            ws.merge_range(first + i, col, first + merge[0], merge[1], "" if value is None else value, f)
        elif isinstance(value, str):
            ws.write_string(first + i, col, value, f)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(first + i, col, value, f)
        else:
            ws.write_blank(first + i, col, None, f)
    return first + len(heights)


# ---------------------------------------------------------------- writing a form


def write_form(spec: FormSpec, path: Path, checksum: str | None = None, template: FormTemplate | None = None) -> str:
    """Write the form for one unit to `path` (xlsx) from `template` (default: the packaged
    official one); returns the prefilled checksum.

    `checksum` is prefilled_checksum(spec) when the caller has already computed it.
    """
    _check(spec)
    tpl = template_for(spec.kind, template)
    lay = _layout(tpl)
    if checksum is None:
        checksum = prefilled_checksum(spec)
    rows = ordered_rows(spec)
    last_col = tpl.ncols - 1
    fill = _filler(spec)

    wb = xlsxwriter.Workbook(
        str(path),
        # in_memory: a form is small; no temporary file per XML part
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "in_memory": True},
    )
    try:
        wb.set_properties({"title": title_text(spec), "subject": spec.unit, "author": spec.office,
                           "company": spec.office, "comments": f"duban template {tpl.version}"})
        formats = [wb.add_format(dict(st)) for st in lay.styles]
        ws = wb.add_worksheet(tpl.sheet)
        for i, w in enumerate(tpl.widths):
            ws.set_column(i, i, w)
        r = _write_ops(ws, lay.top, lay.top_heights, 0, formats, fill)
        first_data = r

        # Per-row constants, looked up once: the task rows are most of the cells.
        plan = spec.kind == "plan"
        c_text = next(c for c in lay.cols if c.key == "text")
        c_role = next((c for c in lay.cols if c.key == "role"), None)
        c_target = next((c for c in lay.cols if c.key == "target"), None) if not plan else None
        c_seq = next(c for c in lay.cols if c.key == "seq")
        f_seq, f_text = formats[c_seq.style], formats[c_text.style]
        f_role = formats[c_role.style] if c_role else None
        f_target = formats[c_target.style] if c_target else None
        f_placeholder = formats[c_target.placeholder] if c_target else None
        blanks = [(c.col, formats[c.style]) for c in lay.cols if c.key not in ("seq", "text", "role", "target")]
        w_text, s_text = c_text.width, c_text.font_size
        line_h = s_text * LINE_EM
        row_min = tpl.row_height
        f_section = formats[lay.section]
        section_h = tpl.section_height or SECTION_HEIGHT
        blocks: list[tuple[int, int]] = []
        n_section = 0
        for kind in KINDS:
            krows = [x for x in rows if x.task.kind == kind]
            if not krows:
                continue
            ws.merge_range(r, 0, r, last_col, f"{CN_NUMERALS[n_section]}、{KIND_LABELS[kind]}", f_section)
            n_section += 1
            ws.set_row(r, section_h)
            r += 1
            block_start = r
            for fr in krows:
                text = fr.task.text
                ws.write_number(r, c_seq.col, fr.task.seq, f_seq)
                if c_role is not None:
                    role = role_text(fr)
                    ws.write_string(r, c_role.col, role, f_role)
                    lines = _lines(role, c_role.width, c_role.font_size)
                else:
                    note = role_note(fr)
                    if note:
                        text = f"{text}\n{note}"
                    lines = 1
                ws.write_string(r, c_text.col, text, f_text)
                if text:
                    lines = max(lines, _lines(text, w_text, s_text))
                if c_target is not None:
                    if fr.target:
                        ws.write_string(r, c_target.col, fr.target, f_target)
                        lines = max(lines, _lines(fr.target, c_target.width, c_target.font_size))
                    else:
                        ws.write_string(r, c_target.col, PLACEHOLDER_NO_PLAN, f_placeholder)
                for c, f in blanks:
                    ws.write_blank(r, c, None, f)
                ws.set_row(r, min(MAX_ROW_HEIGHT, max(row_min, lines * line_h + 8)))
                r += 1
            blocks.append((block_start, r - 1))

        for v in tpl.validations:
            opts = {k: (list(x) if isinstance(x, tuple) else x) for k, x in v.options}
            for a, b in blocks:
                ws.data_validation(a, v.col, b, v.col, dict(opts))

        tail_first = r
        end = _write_ops(ws, lay.tail, lay.tail_heights, tail_first, formats, fill)
        last_row = max(end - 1, tail_first - 1)

        # protection, print and view settings
        ws.protect("", {"format_rows": True, "format_columns": True, "insert_rows": True, "delete_rows": True,
                        "select_locked_cells": True, "select_unlocked_cells": True})
        ws.freeze_panes(tpl.header_last + 1, 0)
        page = tpl.page
        if page.landscape:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.set_paper(page.paper)
        if page.fit_width is not None:
            ws.fit_to_pages(page.fit_width, page.fit_height)
        ws.repeat_rows(tpl.header_first, tpl.header_last)
        if page.header:
            ws.set_header(page.header, {"margin": page.header_margin})
        if page.footer:
            ws.set_footer(page.footer, {"margin": page.footer_margin})
        left, right, top, bottom = page.margins
        ws.set_margins(left=left, right=right, top=top, bottom=bottom)
        if page.center_horizontally:
            ws.center_horizontally()
        if page.center_vertically:
            ws.center_vertically()
        ws.print_area(0, 0, last_row, last_col)
        ws.activate()
        if rows:  # cursor on the first fill-in cell of the first task
            ws.set_selection(first_data + 1, lay.fill_first, first_data + 1, lay.fill_first)

        identity.write_identity_sheet(
            wb,
            identity.identity_rows(
                workspace_id=spec.workspace_id,
                unit=spec.unit,
                kind=spec.kind,
                period=spec.period,
                year=spec.year,
                template_version=tpl.version,
                task_ids=[x.task.id for x in rows],
                checksum=checksum,
            ),
        )
    finally:
        wb.close()
    return checksum
