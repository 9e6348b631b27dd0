"""A form template (templates_xlsx/落实计划表.xlsx, 落实情况表.xlsx) read into a plain spec.

A template is the official blank form as a clerk keeps it in Excel: rows above the table
(title, month, instructions, 填报单位/填报时间), the header rows (one, or two when a group
label such as 季度目标及推进计划 stands over 一季度…四季度), a section row (一、年度工作任务)
and one sample task row carrying each column's format, then the rows under the table
(填报人/联系电话/负责人签字, 说明). It is read once per run with openpyxl into a
:class:`FormTemplate` made of plain tuples, which :mod:`sheets.forms` then writes for every
unit with xlsxwriter.

Each column's meaning comes from its header text (:mod:`sheets.columns`); a header naming
no known meaning is an extra column, filled in by the unit and carried as free text. A
template without a 序号 or 重点任务 column, with two columns of one meaning, or without a
column the office's rules need, is refused with a :class:`~office.errors.ConfigError`
naming the cell.

Texts in the fixed rows may hold placeholders, replaced in each unit's form:
{年度} {月份} {填报单位} {截止日期} {督查室}. Without them the official wording works too:
the year in the title (2025年…) becomes the form's year, an empty “（  月）” the month, and an
empty “填报单位：” is followed by the unit's name.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

from office.atomic import write_text
from office.errors import ConfigError
from sheets import columns as C
from sheets.cells import clean_text, col_letter, parse_seq
from sheets.form_spec import (  # noqa: F401 - the spec's names are part of this module's interface
    SPEC_VERSION,
    Block,
    Column,
    FixedCell,
    FixedRow,
    FormTemplate,
    Page,
    Style,
    Validation,
    from_json,
    options,
    restyle,
    spec_file,
    style,
    to_json,
)

KIND_NAMES = {"plan": "落实计划表", "status": "落实情况表"}
HEADER_SCAN_ROWS = 30
DEFAULT_WIDTH = 8.43
DEFAULT_HEIGHT = 15.0
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
MAX_TAIL_ROWS = 40  # rows under the table that are copied (footer, instructions)
MAX_HEADER_TEXT = 40  # a longer cell is not a column header

_BORDERS = {
    "thin": 1, "medium": 2, "dashed": 3, "dotted": 4, "thick": 5, "double": 6, "hair": 7, "mediumDashed": 8,
    "dashDot": 9, "mediumDashDot": 10, "dashDotDot": 11, "mediumDashDotDot": 12, "slantDashDot": 13,
}
_HALIGN = {"left": "left", "center": "center", "right": "right", "fill": "fill", "justify": "justify",
           "centerContinuous": "center_across", "distributed": "distributed"}
_VALIGN = {"top": "top", "center": "vcenter", "bottom": "bottom", "justify": "vjustify", "distributed": "vdistributed"}


# ---------------------------------------------------------------- styles from openpyxl


def _rgb(color) -> str | None:  # noqa: ANN001 - an openpyxl Color
    if color is None or getattr(color, "type", None) != "rgb":
        return None
    rgb = color.rgb
    if not isinstance(rgb, str) or not re.fullmatch(r"[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8}", rgb):
        return None
    return "#" + rgb[-6:].upper()


def cell_style(cell) -> Style:  # noqa: ANN001 - an openpyxl cell
    """The xlsxwriter format options of an openpyxl cell (only what differs from the defaults);
    () for a cell without a style of its own."""
    if not cell.has_style:
        return ()
    o: dict = {}
    f = cell.font
    if f is not None:
        if f.name:
            o["font_name"] = f.name
        if f.sz:
            o["font_size"] = float(f.sz)
        if f.b:
            o["bold"] = True
        if f.i:
            o["italic"] = True
        if f.u and f.u != "none":
            o["underline"] = {"single": 1, "double": 2, "singleAccounting": 33, "doubleAccounting": 34}.get(f.u, 1)
        if f.strike:
            o["font_strikeout"] = True
        color = _rgb(f.color)
        if color and color != "#000000":
            o["font_color"] = color
    fill = cell.fill
    if fill is not None and getattr(fill, "fill_type", None) == "solid":
        color = _rgb(fill.fgColor)
        if color:
            o["bg_color"] = color
    b = cell.border
    if b is not None:
        for side in ("left", "right", "top", "bottom"):
            s = getattr(b, side)
            if s is not None and s.style in _BORDERS:
                o[side] = _BORDERS[s.style]
                color = _rgb(s.color)
                if color and color != "#000000":
                    o[f"{side}_color"] = color
    a = cell.alignment
    if a is not None:
        if a.horizontal in _HALIGN:
            o["align"] = _HALIGN[a.horizontal]
        if a.vertical in _VALIGN and a.vertical != "bottom":
            o["valign"] = _VALIGN[a.vertical]
        if a.wrap_text:
            o["text_wrap"] = True
        if a.shrink_to_fit:
            o["shrink"] = True
        if a.indent:
            o["indent"] = int(a.indent)
        if a.text_rotation:
            o["rotation"] = int(a.text_rotation)
    if cell.number_format and cell.number_format != "General":
        o["num_format"] = cell.number_format
    p = cell.protection
    if p is not None:
        if p.locked is False:
            o["locked"] = False
        if p.hidden:
            o["hidden"] = True
    return style(o)


# ---------------------------------------------------------------- reading


def _refuse(name: str, what: str) -> ConfigError:
    return ConfigError(f"报送表模板“{name}”{what}请在 Excel 中改正模板后重新运行。")


def _value(ws, r: int, c: int, merged_at: dict) -> object:  # noqa: ANN001 - r, c 1-based
    top = merged_at.get((r, c))
    if top is not None:
        r, c = top
    return ws.cell(r, c).value


def _text(v: object) -> str:
    return clean_text(v) or ""


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"无法读取报送表模板“{path}”：{e.strerror or e}。") from e
    if len(data) > MAX_TEMPLATE_BYTES:
        raise _refuse(path.name, f"超过 {MAX_TEMPLATE_BYTES // (1024 * 1024)} MB，不像一份空白报送表。")
    return data


def _open(name: str, data: bytes):  # noqa: ANN202
    import zipfile

    import openpyxl  # only here: importing it (with numpy) costs more than reading the template

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _refuse(name, "不是 .xlsx 文件（报送表模板须为 Excel 2007 及以上格式）。")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except Exception as e:  # noqa: BLE001 - openpyxl raises many unrelated types for a broken file
        raise _refuse(name, f"无法打开（{type(e).__name__}），文件可能已损坏。") from e


def _merges(ws) -> tuple[list[tuple[int, int, int, int]], dict]:  # noqa: ANN001
    ranges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    at: dict[tuple[int, int], tuple[int, int]] = {}
    for r0, c0, r1, c1 in ranges:
        if (r1 - r0 + 1) * (c1 - c0 + 1) > 5000:
            continue
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                at[(r, c)] = (r0, c0)
    return ranges, at


def _find_header(ws, merged_at: dict, max_col: int) -> int | None:  # noqa: ANN001
    """1-based row of the header: the first row with a 序号 header and a 重点任务 header, else
    the first row with a 序号 header (refused later for its missing task column)."""
    first_seq = None
    for r in range(1, min(ws.max_row, HEADER_SCAN_ROWS) + 1):
        found = set()
        for c in range(1, max_col + 1):
            v = _value(ws, r, c, merged_at)
            if isinstance(v, str) and len(v) <= MAX_HEADER_TEXT:
                found.add(C.meaning_of(v))
        if "seq" in found:
            if "text" in found:
                return r
            first_seq = first_seq or r
    return first_seq


def _widths(ws, ncols: int) -> tuple[float, ...]:  # noqa: ANN001
    from openpyxl.utils import column_index_from_string

    default = ws.sheet_format.defaultColWidth or DEFAULT_WIDTH
    out = [float(default)] * ncols
    for letter, dim in ws.column_dimensions.items():
        lo = dim.min or column_index_from_string(letter)
        hi = dim.max or lo
        if dim.width is None or dim.width <= 0:
            continue
        for c in range(lo, min(hi, ncols) + 1):
            out[c - 1] = float(dim.width)
    return tuple(out)


def _row_cells(ws, r: int, ncols: int, merged_at: dict) -> FixedRow:  # noqa: ANN001
    cells = []
    for c in range(1, ncols + 1):
        top = merged_at.get((r, c))
        if top is not None and top != (r, c):
            continue  # written by its merge
        cell = ws.cell(r, c)
        value = cell.value
        if isinstance(value, bool) or (value is not None and not isinstance(value, (str, int, float))):
            value = _text(value) or None  # a date, a formula object ...: its text
        elif isinstance(value, str) and not value.strip():
            value = None
        st = cell_style(cell)
        if value is None and not st:
            continue
        cells.append(FixedCell(c - 1, value, st))
    height = ws.row_dimensions[r].height if r in ws.row_dimensions else None
    return FixedRow(float(height) if height else None, tuple(cells))


def _block(ws, first: int, last: int, ncols: int, ranges: list, merged_at: dict) -> Block:  # noqa: ANN001
    rows = tuple(_row_cells(ws, r, ncols, merged_at) for r in range(first, last + 1))
    merges = tuple(sorted((r0 - first, c0 - 1, r1 - first, min(c1, ncols) - 1) for r0, c0, r1, c1 in ranges
                          if first <= r0 and r1 <= last and c0 <= ncols and (r1 > r0 or min(c1, ncols) > c0)))
    return Block(rows, merges)


def _row_texts(ws, r: int, ncols: int, merged_at: dict) -> list[str]:  # noqa: ANN001
    out = []
    for c in range(1, ncols + 1):
        top = merged_at.get((r, c))
        if top is not None and top != (r, c):
            continue
        t = _text(ws.cell(r, c).value)
        if t:
            out.append(t)
    return out


def _bordered(ws, r: int, ncols: int) -> bool:  # noqa: ANN001
    for c in range(1, ncols + 1):
        b = ws.cell(r, c).border
        if b is not None and any(getattr(b, s) is not None and getattr(b, s).style for s in ("left", "right", "top", "bottom")):
            return True
    return False


_CRITERIA = {"between": "between", "notBetween": "not between", "equal": "==", "notEqual": "!=", "greaterThan": ">",
             "lessThan": "<", "greaterThanOrEqual": ">=", "lessThanOrEqual": "<="}


def _bound(formula: str) -> object:
    """A number validation's bound: a number ("100" -> 100), or a formula ("=$J$1")."""
    text = str(formula).strip().lstrip("=")
    try:
        number = float(text)
    except ValueError:
        return "=" + text
    return int(number) if number.is_integer() else number


def _validations(ws, sample_row: int, ncols: int) -> list[Validation]:  # noqa: ANN001
    from openpyxl.utils.cell import range_boundaries

    out: dict[int, Validation] = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type not in ("list", "decimal", "whole") or not dv.formula1:
            continue  # only lists (是/否) and number ranges (完成进度 0–100) are carried over
        cols = set()
        for rng in str(dv.sqref).split():
            try:
                c0, r0, c1, r1 = range_boundaries(rng)
            except ValueError:
                continue
            if r0 <= sample_row <= r1:
                cols.update(range(c0, min(c1, ncols) + 1))
        if not cols:
            continue
        o: dict = {"ignore_blank": bool(dv.allowBlank), "show_input": bool(dv.showInputMessage),
                   "show_error": bool(dv.showErrorMessage)}
        if dv.type == "list":
            f1 = dv.formula1.strip()
            if f1.startswith('"') and f1.endswith('"'):
                source: object = tuple(x for x in f1[1:-1].split(",") if x)
            else:
                source = "=" + f1.lstrip("=")
            o.update(validate="list", source=source, dropdown=not dv.showDropDown)
        else:
            criteria = _CRITERIA.get(dv.operator or "between")
            if criteria is None:
                continue
            o.update(validate=dv.type, criteria=criteria)
            bounds = ("minimum", "maximum") if criteria in ("between", "not between") else ("value",)
            given = [f for f in (dv.formula1, dv.formula2)[:len(bounds)] if f is not None]
            if len(given) < len(bounds):
                continue
            o.update(zip(bounds, map(_bound, given)))
        for key, value, limit in (("input_title", dv.promptTitle, 32), ("input_message", dv.prompt, 255),
                                  ("error_title", dv.errorTitle, 32), ("error_message", dv.error, 255)):
            if value:
                o[key] = value[:limit]
        if dv.errorStyle in ("stop", "warning", "information"):
            o["error_type"] = dv.errorStyle
        for c in sorted(cols):
            out.setdefault(c - 1, Validation(c - 1, style(o)))
    return list(out.values())


DEFAULT_YES_NO = style({
    "validate": "list", "source": ("是", "否"), "ignore_blank": True, "dropdown": True, "show_input": True,
    "show_error": True, "input_title": "是否完成阶段任务目标", "input_message": "请从下拉列表选择“是”或“否”。",
    "error_title": "输入有误", "error_message": "此处只能填写“是”或“否”，请从下拉列表选择。", "error_type": "stop",
})
# a 完成进度（%） column without a validation of its own in the template gets this one
DEFAULT_PERCENT = style({
    "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100, "ignore_blank": True, "show_input": True,
    "show_error": True, "input_title": "完成进度（%）", "input_message": "本项任务累计完成的百分比：填写 0 到 100 之间的数字，如 80。",
    "error_title": "输入有误", "error_message": "完成进度请填写 0 到 100 之间的数字，如 80 表示完成 80%。", "error_type": "stop",
})
DEFAULT_BODY = style({"font_name": "仿宋_GB2312", "font_size": 12.0, "text_wrap": True, "valign": "vcenter", "border": 1,
                      "left": 1, "right": 1, "top": 1, "bottom": 1})
DEFAULT_SECTION = style({"font_name": "黑体", "font_size": 12.0, "valign": "vcenter", "align": "left", "bg_color": "#EDEDED",
                         "left": 1, "right": 1, "top": 1, "bottom": 1})
DEFAULT_FILL = "#FFF7DC"


def _page(ws) -> Page:  # noqa: ANN001
    ps = ws.page_setup
    fit = bool(ws.sheet_properties.pageSetUpPr and ws.sheet_properties.pageSetUpPr.fitToPage)
    m = ws.page_margins
    po = ws.print_options

    def hf(item) -> str:  # noqa: ANN001 - an openpyxl HeaderFooterItem
        parts = []
        for code, part in (("&L", item.left), ("&C", item.center), ("&R", item.right)):
            if part is not None and part.text:
                parts.append(code + part.text)
        return "".join(parts)

    paper = int(ps.paperSize) if ps.paperSize else 9
    return Page(
        landscape=ps.orientation == "landscape",
        paper=paper,
        fit_width=(int(ps.fitToWidth) if ps.fitToWidth is not None else 1) if fit else None,
        fit_height=(int(ps.fitToHeight) if ps.fitToHeight is not None else 1) if fit else 0,
        margins=(float(m.left), float(m.right), float(m.top), float(m.bottom)),
        header_margin=float(m.header), footer_margin=float(m.footer),
        header=hf(ws.oddHeader), footer=hf(ws.oddFooter),
        center_horizontally=bool(po.horizontalCentered), center_vertically=bool(po.verticalCentered),
    )


def _form_sheet(wb, name: str):  # noqa: ANN001, ANN202
    """The first visible sheet with a 序号 header."""
    found = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        _, at = _merges(ws)
        r = _find_header(ws, at, min(ws.max_column, 60))
        if r is not None:
            return ws, r
        found.append(ws.title)
    raise _refuse(name, f"中没有找到表头：应有一行包含“序号”和“重点任务、民生实事内容”（在各工作表的前 {HEADER_SCAN_ROWS} 行中查找；"
                        f"工作表：{'、'.join(found) or '无'}）。")


def read_template(path: Path, kind: str, data: bytes | None = None) -> FormTemplate:
    """Read the template workbook at `path` (or its bytes `data`) for forms of `kind` ("plan" | "status")."""
    if kind not in KIND_NAMES:
        raise ValueError(f"unknown form kind {kind!r}")
    path = Path(path)
    name = path.name
    wb = _open(name, _read_bytes(path) if data is None else data)
    ws, hr = _form_sheet(wb, name)
    ranges, merged_at = _merges(ws)
    max_col = min(ws.max_column, 60)
    where = f"工作表“{ws.title}”"

    # -- header: one row, or two when a label is merged over several columns of the row below
    groups = [(c0, c1) for r0, c0, r1, c1 in ranges if r0 == hr == r1 and c1 > c0]
    tall = any(r0 == hr and r1 == hr + 1 for r0, c0, r1, c1 in ranges)
    two_rows = bool(groups) or tall
    header_last = hr + 1 if two_rows else hr
    in_group = {c for c0, c1 in groups for c in range(c0, c1 + 1)}
    cols: list[tuple[int, str | None, str, str]] = []  # (1-based col, key, label, cell)
    last_col = 0
    for c in range(1, max_col + 1):
        r = hr + 1 if (two_rows and c in in_group) else hr
        raw = _value(ws, r, c, merged_at)
        label = C.header_text(raw)
        key = C.key_of(raw)
        if C.meaning_of(raw) == C.GROUP:
            raise _refuse(name, f"{where}的 {col_letter(c - 1)}{r}“{label}”是季度目标的分组标题，其下方一行应为“一季度”至“四季度”。")
        cols.append((c, key, label, f"{col_letter(c - 1)}{r}"))
        if label or c in in_group:
            last_col = c
    cols = cols[:last_col]
    ncols = last_col
    seen: dict[str, str] = {}
    for c, key, label, cell in cols:
        if key is None:
            continue
        if key in seen:
            raise _refuse(name, f"{where}的 {seen[key]} 和 {cell} 两列表头都表示“{C.label_of(key)}”（{cell} 为“{label}”），"
                                "每项内容只能有一列。")
        seen[key] = cell
        if not C.belongs_to(key, kind):
            other = "落实计划表" if kind == "status" else "落实情况表"
            raise _refuse(name, f"是{KIND_NAMES[kind]}的模板，但 {cell}“{label}”是{other}的列。")
    header_row_cells = "、".join(f"{cell}“{label}”" for _, _, label, cell in cols if label) or "无"
    for key in ("seq", "text"):
        if key not in seen:
            raise _refuse(name, f"{where}的表头（第{hr}行）中没有可识别的任务列“{C.LABELS[key]}”（表头各列：{header_row_cells}）。")
    missing = [C.LABELS[k] for k in C.REQUIRED[kind] if k not in seen]
    if missing:
        raise _refuse(name, f"{where}的表头（第{hr}行）中没有“{'”“'.join(missing)}”列，督查室汇总需要这些内容"
                            f"（表头各列：{header_row_cells}）。可以改动列名，但请保留这些列。")

    # -- the body: a section row, the sample task row, then the rows under the table
    seq_col = next(c for c, key, _, _ in cols if key == "seq")
    section_style, section_height = DEFAULT_SECTION, None
    sample: int | None = None
    tail_first = header_last + 1
    r = header_last + 1
    last_row = ws.max_row
    while r <= last_row:
        texts = _row_texts(ws, r, ncols, merged_at)
        if any(C.is_sign_text(t) for t in texts) or (texts and C.is_note_text(texts[0])):
            break
        if sample is None:
            if len(set(texts)) == 1 and C.section_kind(texts[0]):
                section_style = cell_style(ws.cell(r, 1))
                h = ws.row_dimensions[r].height if r in ws.row_dimensions else None
                section_height = float(h) if h else None
            elif parse_seq(ws.cell(r, seq_col).value) is not None:
                sample = r
            elif texts:
                raise _refuse(name, f"{where}第{r}行（表头下方）既不是“一、年度工作任务”这样的分类行，也不是示例任务行"
                                    f"（内容：“{texts[0][:20]}”）。表头下方应为分类行和一行示例任务。")
        elif not _bordered(ws, r, ncols):
            break  # the first row outside the table (a spacer, a note): the tail starts here
        r += 1
    tail_first = r
    if sample is None:
        raise _refuse(name, f"{where}的表头下方没有示例任务行（“{C.LABELS['seq']}”列填有 1 的一行），无法确定各列的格式。")

    # -- used extent of the tail: the last row with a value or a style
    tail_last = tail_first - 1
    for rr in range(tail_first, min(last_row, tail_first + MAX_TAIL_ROWS) + 1):
        if _row_texts(ws, rr, ncols, merged_at) or any(cell_style(ws.cell(rr, c)) for c in range(1, ncols + 1)):
            tail_last = rr

    widths = _widths(ws, ncols)
    columns = []
    for c, key, label, cell in cols:
        st = cell_style(ws.cell(sample, c))
        size = dict(st).get("font_size", 11.0)
        columns.append(Column(c - 1, key, label, cell, widths[c - 1], st, float(size)))
    fill = next((dict(col.style)["bg_color"] for col in columns
                 if col.key and col.key not in C.PREFILLED and "bg_color" in dict(col.style)), DEFAULT_FILL)
    vals = _validations(ws, sample, ncols)
    for key, default in (("achieved", DEFAULT_YES_NO), ("percent", DEFAULT_PERCENT)):
        col = next((c for c in columns if c.key == key), None)
        if col is not None and not any(v.col == col.col for v in vals):
            vals.append(Validation(col.col, default))
    height = ws.row_dimensions[sample].height if sample in ws.row_dimensions else None
    spec = dict(
        kind=kind, name=name, sheet=ws.title, ncols=ncols, widths=widths,
        top=_block(ws, 1, header_last, ncols, ranges, merged_at), header_first=hr - 1, header_last=header_last - 1,
        columns=tuple(columns), section_style=section_style, section_height=section_height,
        row_height=float(height) if height else DEFAULT_HEIGHT, validations=tuple(sorted(vals, key=lambda v: v.col)),
        tail=_block(ws, tail_first, tail_last, ncols, ranges, merged_at), page=_page(ws), fill_color=fill,
    )
    digest = hashlib.sha256(repr(sorted(spec.items())).encode("utf-8")).hexdigest()[:12]
    return FormTemplate(version=f"{SPEC_VERSION}.{digest}", **spec)


_cache: dict[tuple, FormTemplate] = {}


def load_template(path: Path, kind: str, cache_dir: Path | None = None) -> FormTemplate:
    """The template at `path` for forms of `kind`: from the JSON spec kept for these very bytes
    (beside the template, or in `cache_dir`), else read with openpyxl (and then kept in
    `cache_dir`, if given). Remembered in the process, too."""
    path = Path(path)
    if kind not in KIND_NAMES:
        raise ValueError(f"unknown form kind {kind!r}")
    if not path.is_file():
        raise ConfigError(f"找不到报送表模板“{path}”。")
    data = _read_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    key = (sha, kind, path.name)
    got = _cache.get(key)
    if got is not None:
        return got
    cached = Path(cache_dir) / f"{sha[:24]}-{kind}.json" if cache_dir is not None else None
    for candidate in (spec_file(path), cached):
        if candidate is None:
            continue
        try:
            text = candidate.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        got = from_json(text, sha, kind)
        if got is not None and got.name == path.name:
            break
        got = None
    if got is None:
        got = read_template(path, kind, data)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                write_text(cached, to_json(got, sha))
            except OSError:
                pass  # only a cache
    if len(_cache) > 16:
        _cache.clear()
    _cache[key] = got
    return got


def default_template(kind: str) -> FormTemplate:
    """The packaged official template (templates_xlsx/) for `kind`."""
    from templates_xlsx import template_file

    return load_template(template_file(kind), kind)

