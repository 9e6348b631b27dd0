"""Read a returned form (xlsx/xls) by meaning, not by position.

The form sheet is found by its header (any name, any position), columns are mapped by
header text, rows by the 序号 column inside the section rows “一、年度工作任务” /
“二、为民办实事”. Inserted blank rows are skipped; rows without a 序号 right under a
task are sub-items and are merged into that task. Only cell values are read (python-
calamine); formulas and macros never run.
"""

from __future__ import annotations

import dataclasses
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as pc

from office.errors import InputFileError, TemplateMismatch
from office.model import KIND_LABELS, KINDS, Finding, task_id
from office.progress import parse_percent, percent_value
from sheets import columns as C
from sheets import identity as ident
from sheets.footer import FOOTER_LABELS, footer_values  # noqa: F401 - FOOTER_LABELS is part of this module's interface
from sheets.number_formats import CellFormats
from sheets.cells import (
    NO,
    PLACEHOLDER_NO_PLAN,
    cell_address,
    clean_text,
    col_letter,
    coerce_raw,
    label_key,
    parse_seq,
    parse_yes_no,
    strip_role_note,
)

PLAN_FIELDS = C.PLAN_FIELDS
STATUS_FIELDS = C.STATUS_FIELDS
FIELD_LABELS = C.LABELS
# Kinds of the findings made while reading (Finding.kind), with their labels.
READ_FINDING_LABELS = {
    "bad_yes_no": "是否填写有误",
    "bad_percent": "完成进度填写有误",
    "too_long": "内容超长",
    "unknown_row": "序号不符",
    "duplicate_row": "任务重复",
    "task_edited": "改动任务",
}
MAX_CELL_TEXT = 32767
HEADER_SCAN_ROWS = 60


@dataclass
class ReturnRow:
    task_id: str
    kind: str
    seq: int
    text: str  # as found in the returned file
    values: dict[str, object]  # field -> normalized value (str or None; achieved -> "是"/"否"/None; percent -> 0–100 or None)
    cells: dict[str, str]  # field -> cell address like "E12" (also "text")


@dataclass
class ReturnRead:
    sheet: str  # the form sheet's name as found
    identity: dict | None  # from _duban if present, else None
    visible: dict  # {"title", "year", "month", "unit", "kind"} from the visible cells
    kind: str | None  # "plan" | "status"
    rows: list[ReturnRow]
    extra_rows: list[str]  # notes: sub-item rows merged, unknown 序号, missing tasks, ...
    problems: list[str]  # cell-level messages naming sheet, cell, bad value and what to do
    header_row: int  # 1-based row number of the (first) header row
    footer: dict = field(default_factory=dict)  # {"filled_at", "filler", "phone", "signer"} if filled
    # "tampered": an identity sheet was there but its seal failed; it was read as if lost
    identity_note: str = ""
    # The cell-level problems as data, each with its file and cell (kinds: READ_FINDING_LABELS).
    # unit and period are the identity's (or the visible cells'); "" when unknown.
    findings: list[Finding] = field(default_factory=list)
    labels: dict = field(default_factory=dict)  # key -> the header as found in the file
    extras: list = field(default_factory=list)  # keys of the extra (free-text) columns, in form order


# ---------------------------------------------------------------- workbook access


def _open(path: Path, fmt: str, data: bytes | None = None) -> pc.CalamineWorkbook:
    if fmt not in ("xlsx", "xls"):
        raise ValueError(f"fmt must be 'xlsx' or 'xls', got {fmt!r}")
    path = Path(path)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise InputFileError(f"无法打开文件“{path.name}”：{e.strerror or e}。") from e
    if not data:
        raise InputFileError(f"文件“{path.name}”是空文件（0 字节），请重新报送。")
    try:
        # Sniff the content rather than trust the extension: units rename .xls to .xlsx.
        return pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as e:
        raise InputFileError(f"文件“{path.name}”设置了密码，无法读取。请取消密码后重新报送。") from e
    except Exception as e:  # calamine raises several unrelated types for broken files
        hint = ""
        if data[:4] == b"\xd0\xcf\x11\xe0" and fmt == "xlsx":
            hint = "（文件可能已加密，或不是 Excel 文件）"
        raise InputFileError(
            f"无法读取“{path.name}”{hint}：{type(e).__name__}。"
            "请用 Excel 或 WPS 打开后另存为 .xlsx 文件再报送。"
        ) from e


def _grid(sheet: pc.CalamineSheet) -> list[list]:
    rows = sheet.to_python(skip_empty_area=False)
    # coerce_raw, with the common case (a str: "" -> None, else itself) inlined
    return [[(v or None) if type(v) is str else coerce_raw(v) for v in row] for row in rows]


class _Sheet:
    """Values of one sheet plus its merged ranges (cell -> top-left)."""

    def __init__(self, name: str, rows: list[list], merges) -> None:
        self.name = name
        self.rows = rows
        self._clean: dict[int, list] = {}
        self.merged: dict[tuple[int, int], tuple[int, int]] = {}
        self.ranges: list[tuple[int, int, int, int]] = []
        for (r0, c0), (r1, c1) in merges or []:
            self.ranges.append((r0, c0, r1, c1))
            if (r1 - r0 + 1) * (c1 - c0 + 1) > 20000:
                continue
            for r in range(r0, r1 + 1):
                for c in range(c0, c1 + 1):
                    if (r, c) != (r0, c0):
                        self.merged[(r, c)] = (r0, c0)

    def raw(self, r: int, c: int):
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    def clean(self, r: int) -> list:
        """clean_text of every cell of row r (computed once per row)."""
        got = self._clean.get(r)
        if got is None:
            got = self._clean[r] = [clean_text(v) for v in self.rows[r]]
        return got

    def value(self, r: int, c: int):
        """The cell's value, or the value of the merged range it lies in."""
        v = self.raw(r, c)
        if v is None and (r, c) in self.merged:
            return self.raw(*self.merged[(r, c)])
        return v

    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)


# ---------------------------------------------------------------- header


@dataclass
class _Header:
    first: int  # 0-based first header row
    last: int  # 0-based last header row
    cols: dict[str, int]  # key (a meaning or "extra:<header>") -> 0-based column
    kind: str | None
    labels: dict[str, str] = field(default_factory=dict)  # key -> the header as found


def _label_keys(values) -> list[str]:
    """label_key of each value; a merged range gives the very same object for each of its
    cells (a long title or note across the row), so that one is reduced once."""
    out: list[str] = []
    prev: object = out  # nothing a cell holds
    key = ""
    for v in values:
        if v is not prev:
            prev, key = v, label_key(v)
        out.append(key)
    return out


def _find_header(sh: _Sheet) -> _Header | None:
    width = sh.width()
    for r in range(min(len(sh.rows), HEADER_SCAN_ROWS)):
        keys = _label_keys(sh.value(r, c) for c in range(width))
        if not any("序号" in k for k in keys):  # meaning_of gives "seq" exactly for these
            continue
        fields = [C.meaning_of_key(k) for k in keys]
        if "seq" not in fields or "text" not in fields:
            continue
        # a second header row: 一季度…四季度 (or other headers) under a label merged over them
        groups = {c for r0, c0, r1, c1 in sh.ranges if r0 == r1 == r and c1 > c0 for c in range(c0, c1 + 1)}
        below = [sh.raw(r + 1, c) for c in range(width)]
        below_keys = [C.key_of(v) if v is not None else None for v in below]
        two_rows = any(k in C.QUARTERS for k in below_keys) or any(below_keys[c] for c in groups if c < width)
        cols: dict[str, int] = {}
        labels: dict[str, str] = {}
        for c in range(width):
            if two_rows and below_keys[c] and (c in groups or below_keys[c] in C.BY_KEY):
                key, raw = below_keys[c], below[c]
            else:
                raw = sh.value(r, c)
                key = C.key_of(raw) if fields[c] != C.GROUP else None
            if key and key not in cols:
                cols[key] = c
                labels[key] = C.header_text(raw)
        if any(q in cols for q in C.QUARTERS):
            kind = "plan"
        elif any(f in cols for f in ("progress", "achieved", "problems", "next_steps", "target")):
            kind = "status"
        else:
            kind = None
        return _Header(r, r + 1 if two_rows else r, cols, kind, labels)
    return None


# ---------------------------------------------------------------- rows


def _section_kind(cleaned: list) -> str | None:
    """The kind of a section row (“一、年度工作任务”), else None. ``cleaned``: the row's cleaned cells."""
    texts = {t for t in cleaned if t}
    if len(texts) != 1:
        return None
    return C.section_kind(texts.pop())


def _is_footer(cleaned: list) -> bool:
    """填报人/联系电话/负责人签字 anywhere in the row, or 说明：/注： in its first column."""
    if any(C.is_sign_text(t) for t in cleaned if t):
        return True
    return bool(cleaned) and cleaned[0] is not None and C.is_note_text(cleaned[0])


def _sheet_label(name: str) -> str:
    return f"工作表“{name}”"


def _task_label(kind: str, seq: int) -> str:
    return f"{KIND_LABELS[kind]}第{seq}项"


def _short(text: str, n: int = 30) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= n else text[:n] + "…"


def _combine(old: object, new: object, fld: str) -> object:
    if new is None:
        return old
    if old is None:
        return new
    if fld == "achieved":
        return old if old == new else NO
    if fld == "percent":  # sub-items or a repeated row: the task is as far as its least advanced part
        return min(old, new)  # type: ignore[type-var]
    return f"{old}\n{new}"


def _fields(kind: str, header: _Header) -> tuple[str, ...]:
    """What a form of `kind` is read into: its standard answers, then the optional and extra
    columns it has (in column order)."""
    standard = C.FIELDS[kind]
    more = sorted((c, k) for k, c in header.cols.items()
                  if k not in standard and k not in C.PREFILLED and C.belongs_to(k, kind))
    return standard + tuple(k for _, k in more)


class _Parser:
    def __init__(self, sh: _Sheet, header: _Header, kind: str, identity: dict | None, file: str = "",
                 formats: CellFormats | None = None) -> None:
        self.sh = sh
        self.formats = formats
        self.h = header
        self.kind = kind
        self.identity = identity
        self.file = file
        self.fields = _fields(kind, header)
        self.rows: dict[str, ReturnRow] = {}
        self.extra: list[str] = []
        self.problems: list[str] = []
        self.findings: list[Finding] = []
        self.filled = 0
        self.footer_start: int | None = None
        self.known_ids = set(identity["task_ids"]) if identity else None
        self.row_no: dict[str, int] = {}
        # (field, column letters) of the cells recorded per row: "text" first, then the fields
        self.cell_cols = [("text", col_letter(header.cols["text"]))] + [
            (f, col_letter(header.cols[f])) for f in self.fields if f in header.cols]

    # -- values

    def label(self, fld: str) -> str:
        """The header of a field as this file shows it."""
        return self.h.labels.get(fld) or C.label_of(fld)

    def _find(self, kind: str, task: str, cell: str, message: str) -> None:
        self.findings.append(Finding(kind, "", task, "", self.file, cell, message))

    def _read_field(self, r: int, fld: str, cleaned: list) -> object:
        c = self.h.cols.get(fld)
        if c is None:
            return None
        if fld == "achieved":
            value, ok = parse_yes_no(self.sh.raw(r, c))
            if not ok:
                message = (f"{_sheet_label(self.sh.name)}，{cell_address(r, c)}：“{_short(str(value), 40)}”不是“是/否”，"
                           "请从下拉列表选择。")
                self.problems.append(message)
                self._find("bad_yes_no", self._row_task(r), cell_address(r, c), message)
                return None
            return value
        if fld == "percent":
            return self._read_percent(r, c)
        value = cleaned[c] if c < len(cleaned) else None
        if fld == "target" and value == PLACEHOLDER_NO_PLAN:
            return None
        if value is not None and len(value) > MAX_CELL_TEXT:
            message = (f"{_sheet_label(self.sh.name)}，{cell_address(r, c)}：内容有 {len(value)} 个字符，超过 Excel 单元格上限 "
                       f"{MAX_CELL_TEXT}，已完整读取，但在 Excel 中打开可能被截断，请精简。")
            self.extra.append(message)
            self._find("too_long", self._row_task(r), cell_address(r, c), message)
        return value

    def _read_percent(self, r: int, c: int) -> int | float | None:
        """A 完成进度 cell: 0–100, or None (empty, or unreadable: then a ``bad_percent`` finding).
        A number of 1 or more is read with the cell's number format (1 formatted as 0% is 100)."""
        raw = self.sh.raw(r, c)
        code = None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool) and raw >= 1 and self.formats is not None:
            code = self.formats.code(self.sh.name, r, c)
        number, ok = parse_percent(raw, code)
        if ok:
            return None if number is None else percent_value(number)
        shown = clean_text(raw) or str(raw)
        if isinstance(raw, (int, float)) and code and "%" in code:
            shown = f"{raw * 100:g}%"
        where = f"“{self.file}”" if self.file else ""
        message = (f"{where}{_sheet_label(self.sh.name)}，{cell_address(r, c)}：“{self.label('percent')}”填写为“{_short(shown, 40)}”，"
                   "不是 0 到 100 之间的数字，无法识别，按未填写处理。请填写数字，如 80（表示完成 80%）。")
        self.problems.append(message)
        self._find("bad_percent", self._row_task(r), cell_address(r, c), message)
        return None

    def _row_task(self, r: int) -> str:
        """The task id of row r as far as the walk knows it (for a finding made while reading it)."""
        return self._tid

    def _kind_for(self, current: str | None, seq: int) -> str:
        if current:
            return current
        if self.known_ids is not None:
            hits = [k for k in KINDS if task_id(k, seq) in self.known_ids]
            if len(hits) == 1:
                return hits[0]
        return "annual"

    # -- walk

    def run(self) -> None:
        sh, h = self.sh, self.h
        seq_col, text_col = h.cols["seq"], h.cols["text"]
        current_kind: str | None = None
        last: ReturnRow | None = None
        self._tid = ""
        for r in range(h.last + 1, len(sh.rows)):
            cl = sh.clean(r)  # every cell cleaned once; all checks below use it
            if all(t is None for t in cl):
                continue
            if _is_footer(cl):
                self.footer_start = r
                break
            seq = parse_seq(sh.raw(r, seq_col))
            if seq is None:
                kind = _section_kind(cl)
                if kind is not None:
                    current_kind, last = kind, None
                    continue
            if seq is not None:
                self._tid = task_id(self._kind_for(current_kind, seq), seq)
            else:  # a sub-item row: its task's
                self._tid = last.task_id if last is not None else ""
            values = {f: self._read_field(r, f, cl) for f in self.fields}
            self.filled += sum(1 for v in values.values() if v is not None)
            text = strip_role_note((cl[text_col] if text_col < len(cl) else None) or "")
            if seq is None:
                self._sub_item(r, last, values, text)
                continue
            k = self._kind_for(current_kind, seq)
            tid = task_id(k, seq)
            if self.known_ids is not None and tid not in self.known_ids:
                message = (f"{_sheet_label(sh.name)}第{r + 1}行：序号“{seq}”不在本单位的{KIND_LABELS[k]}任务中，"
                           f"已忽略该行（{_short(text) or '无内容'}）。")
                self.extra.append(message)
                self._find("unknown_row", "", cell_address(r, seq_col), message)
                last = None
                continue
            if tid in self.rows:
                prev = self.rows[tid]
                message = (f"{_sheet_label(sh.name)}第{r + 1}行：{_task_label(k, seq)}重复出现"
                           f"（首次在第{self.row_no[tid]}行），已将该行填报内容并入首次出现的行。")
                self.extra.append(message)
                self._find("duplicate_row", tid, cell_address(r, seq_col), message)
                for f, v in values.items():
                    prev.values[f] = _combine(prev.values.get(f), v, f)
                last = prev
                continue
            n = str(r + 1)
            cells = {f: letters + n for f, letters in self.cell_cols}
            last = ReturnRow(task_id=tid, kind=k, seq=seq, text=text, values=values, cells=cells)
            self.rows[tid] = last
            self.row_no[tid] = r + 1

    def _sub_item(self, r: int, last: ReturnRow | None, values: dict, text: str) -> None:
        """A row without a usable 序号: a sub-item of the task above, or ignored."""
        sh = self.sh
        where = f"{_sheet_label(sh.name)}第{r + 1}行"
        cl = sh.clean(r)
        seq_col = self.h.cols["seq"]
        seq_text = cl[seq_col] if seq_col < len(cl) else None
        if seq_text:
            where += f"（序号“{_short(seq_text, 10)}”）"
        filled = {f: v for f, v in values.items() if v is not None}
        content = text or next((t for t in cl if t), "")
        if not filled:
            self.extra.append(f"{where}没有序号，也没有填报内容（“{_short(content)}”），已忽略。")
            return
        if last is None:
            self.extra.append(f"{where}没有可识别的序号，也不在任何任务下方，已忽略（“{_short(content)}”）。")
            return
        for f, v in filled.items():
            last.values[f] = _combine(last.values.get(f), v, f)
        what = "、".join(f"“{self.label(f)}”" for f in filled)
        self.extra.append(
            f"{where}没有序号，视为{_task_label(last.kind, last.seq)}的分项，已将其{what}并入该任务"
            f"{'（分项内容：“' + _short(text) + '”）' if text else ''}。"
        )


# ---------------------------------------------------------------- entry point


def _find_identity(wb: pc.CalamineWorkbook) -> tuple[dict | None, str | None]:
    names = wb.sheet_names
    if ident.SHEET_NAME in names:
        got = ident.parse_identity(_grid(wb.get_sheet_by_name(ident.SHEET_NAME)))
        if got:
            return got, ident.SHEET_NAME
    for meta in wb.sheets_metadata:
        if meta.visible != pc.SheetVisibleEnum.Visible and meta.name != ident.SHEET_NAME:
            try:
                got = ident.parse_identity(_grid(wb.get_sheet_by_name(meta.name)))
            except Exception:
                continue
            if got:
                return got, meta.name
    return None, None


def _preview(wb: pc.CalamineWorkbook) -> str:
    for name in wb.sheet_names:
        try:
            rows = _grid(wb.get_sheet_by_name(name))
        except Exception:
            continue
        cells = [clean_text(v) for row in rows[:10] for v in row]
        cells = [c for c in cells if c][:4]
        if cells:
            return f"工作表“{name}”开头的内容：" + "、".join(f"“{_short(c, 20)}”" for c in cells)
    return "所有工作表都是空的"


def read_return(path: Path, fmt: str, *, data: bytes | None = None, ignore_identity: bool = False) -> ReturnRead:
    """Read a returned plan/status form. Raises InputFileError if the file cannot be read,
    TemplateMismatch if no sheet carries the form header.

    ``data``: the file's bytes when the caller already has them (``path`` then only names
    the file in messages and is not read). ``ignore_identity``: read the form as if its
    identity sheet were lost (its seal failed); the sheet is still not taken for the form."""
    path = Path(path)
    wb = _open(path, fmt, data)
    formats = CellFormats(fmt, data, path)
    try:
        identity, id_sheet = _find_identity(wb)
        if ignore_identity:
            identity = None
        candidates: list[tuple[_Sheet, _Header, bool]] = []
        for meta in wb.sheets_metadata:
            if meta.name == id_sheet or meta.typ != pc.SheetTypeEnum.WorkSheet:
                continue
            try:
                sheet = wb.get_sheet_by_name(meta.name)
                sh = _Sheet(meta.name, _grid(sheet), sheet.merged_cell_ranges)
            except Exception:
                continue
            header = _find_header(sh)
            if header is not None:
                candidates.append((sh, header, meta.visible == pc.SheetVisibleEnum.Visible))
        if not candidates:
            raise TemplateMismatch(
                f"“{path.name}”中没有找到落实计划表或落实情况表的表头（应有“序号”和“重点任务、民生实事内容”等列）。"
                f"文件中的工作表：{'、'.join(wb.sheet_names) or '无'}；{_preview(wb)}。"
                "请使用督查室下发的表格填报后重新报送。"
            )
        parsed = []
        for sh, header, visible in candidates:
            kind = (identity or {}).get("kind") or header.kind or "status"
            p = _Parser(sh, header, kind, identity, path.name, formats)
            p.run()
            parsed.append((p, visible))
        # the visible sheet with the most filled values wins (a unit may have copied the sheet)
        best, _ = max(parsed, key=lambda x: (x[1], x[0].filled, -parsed.index(x)))
    finally:
        wb.close()

    sh, h = best.sh, best.h
    extra = list(best.extra)
    problems = list(best.problems)
    for p, _ in parsed:
        if p is not best:
            extra.append(
                f"{_sheet_label(p.sh.name)}也有报表表头，但填报内容较少，未读取；"
                f"已读取{_sheet_label(sh.name)}。"
            )
    kind = (identity or {}).get("kind") or h.kind
    if identity and h.kind and h.kind != identity["kind"]:
        extra.append(
            f"{_sheet_label(sh.name)}的表头像是{'落实计划表' if h.kind == 'plan' else '落实情况表'}，"
            f"与文件识别信息（{'落实计划表' if identity['kind'] == 'plan' else '落实情况表'}）不一致。"
        )
    for f in C.REQUIRED.get(kind or "", ()):
        if f not in h.cols:
            problems.append(
                f"{_sheet_label(sh.name)}中没有找到“{FIELD_LABELS[f]}”列，该项无法读取；请使用督查室下发的表格填报。"
            )
    rows = sorted(best.rows.values(), key=lambda x: (KINDS.index(x.kind), x.seq))
    if identity:
        found = {x.task_id for x in rows}
        for tid in identity["task_ids"]:
            if tid not in found:
                k, _, s = tid.rpartition("-")
                label = _task_label(k, int(s)) if k in KINDS and s.isdigit() else tid
                extra.append(f"{_sheet_label(sh.name)}中没有找到{label}所在的行（可能被删除或序号被改动）。")

    visible = ident.parse_visible(sh.rows[: h.first])
    footer_rows = range(0, h.first)
    footer = footer_values(sh.clean, footer_rows)
    if best.footer_start is not None:
        footer.update({k: v for k, v in footer_values(sh.clean, range(best.footer_start, len(sh.rows))).items()})
    unit, period = _unit_period(identity, visible, kind)
    findings = [dataclasses.replace(f, unit=unit, period=period) for f in best.findings] if unit or period else best.findings
    return ReturnRead(
        sheet=sh.name,
        identity=identity,
        visible=visible,
        kind=kind,
        rows=rows,
        extra_rows=extra,
        problems=problems,
        header_row=h.first + 1,
        footer=footer,
        findings=findings,
        labels=dict(h.labels),
        extras=[k for k in best.fields if C.is_extra(k)],
    )


def _unit_period(identity: dict | None, visible: dict, kind: str | None) -> tuple[str, str]:
    """The unit and period a read form is for: its identity's, else what its visible cells say."""
    if identity:
        return identity.get("unit") or "", identity.get("period") or ""
    year, month = visible.get("year"), visible.get("month")
    period = ""
    if kind == "plan" and year:
        period = str(year)
    elif kind == "status" and year and month:
        period = f"{year}-{month:02d}"
    return visible.get("unit") or "", period


def edited_tasks(read: ReturnRead, issued: dict[str, str], file: str = "") -> list[Finding]:
    """A ``task_edited`` finding for each row whose task text differs (spaces aside) from the
    text issued (``issued``: task id -> text), with the cell of the text."""
    out = []
    unit, period = _unit_period(read.identity, read.visible, read.kind)
    for r in read.rows:
        want = issued.get(r.task_id)
        if want is None or not r.text or "".join(r.text.split()) == "".join(want.split()):
            continue
        cell = r.cells.get("text", "")
        out.append(Finding("task_edited", unit, r.task_id, period, file, cell,
                           f"{_sheet_label(read.sheet)}，{cell}：{_task_label(r.kind, r.seq)}的任务内容被改动，台账以任务分解表为准。"))
    return out
