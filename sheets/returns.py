"""Read a returned form (xlsx/xls) by meaning, not by position.

The form sheet is found by its header (any name, any position), columns are mapped by
header text, rows by the 序号 column inside the section rows “一、年度工作任务” /
“二、为民办实事”. Inserted blank rows are skipped; rows without a 序号 right under a
task are sub-items and are merged into that task. Only cell values are read (python-
calamine); formulas and macros never run.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as pc

from office.errors import InputFileError, TemplateMismatch
from office.model import KIND_LABELS, KINDS, task_id
from sheets import identity as ident
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
)

PLAN_FIELDS = ("q1", "q2", "q3", "q4", "main_leader", "deputy", "note")
STATUS_FIELDS = ("target", "progress", "problems", "next_steps", "achieved")
FIELD_LABELS = {
    "seq": "序号",
    "text": "重点任务、民生实事内容",
    "role": "本单位职责",
    "q1": "一季度",
    "q2": "二季度",
    "q3": "三季度",
    "q4": "四季度",
    "main_leader": "主要负责人",
    "deputy": "分管负责人",
    "note": "备注",
    "target": "季度计划完成目标",
    "progress": "完成情况",
    "problems": "存在问题",
    "next_steps": "下一步计划",
    "achieved": "是否完成阶段任务目标",
}
MAX_CELL_TEXT = 32767
HEADER_SCAN_ROWS = 60
FOOTER_LABELS = {"填报时间": "filled_at", "填报人": "filler", "联系电话": "phone", "负责人签字": "signer"}


@dataclass
class ReturnRow:
    task_id: str
    kind: str
    seq: int
    text: str  # as found in the returned file
    values: dict[str, object]  # field -> normalized value (str or None; achieved -> "是"/"否"/None)
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
        for (r0, c0), (r1, c1) in merges or []:
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


_QUARTER_RE = re.compile(r"^第?([一二三四1234])季度")
_QUARTERS = {"一": "q1", "1": "q1", "二": "q2", "2": "q2", "三": "q3", "3": "q3", "四": "q4", "4": "q4"}


def _field_for(key: str) -> str | None:
    if not key:
        return None
    if "序号" in key:
        return "seq"
    if "重点任务" in key or "民生实事" in key:
        return "text"
    if "职责" in key:
        return "role"
    m = _QUARTER_RE.match(key)
    if m:
        return _QUARTERS[m.group(1)]
    if "是否完成" in key or "阶段任务目标" in key or "阶段目标" in key:
        return "achieved"
    if "推进计划" in key:
        return None  # the group label over 一季度…四季度
    if "计划完成目标" in key or ("目标" in key and "季度" in key):
        return "target"
    if "完成情况" in key or "进展情况" in key:
        return "progress"
    if "存在问题" in key or key == "问题":
        return "problems"
    if "下一步" in key:
        return "next_steps"
    if "主要负责人" in key:
        return "main_leader"
    if "分管负责人" in key:
        return "deputy"
    if "备注" in key:
        return "note"
    return None


@dataclass
class _Header:
    first: int  # 0-based first header row
    last: int  # 0-based last header row
    cols: dict[str, int]
    kind: str | None


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
        if not any("序号" in k for k in keys):  # _field_for gives "seq" exactly for these
            continue
        fields = [_field_for(k) for k in keys]
        if "seq" not in fields or "text" not in fields:
            continue
        # a second header row (一季度…四季度 under 季度目标及推进计划)?
        below = [_field_for(label_key(sh.raw(r + 1, c))) for c in range(width)]
        two_rows = any(f in ("q1", "q2", "q3", "q4") for f in below)
        cols: dict[str, int] = {}
        for c in range(width):
            f = below[c] if two_rows and below[c] else fields[c]
            if f and f not in cols:
                cols[f] = c
        if any(q in cols for q in ("q1", "q2", "q3", "q4")):
            kind = "plan"
        elif any(f in cols for f in ("progress", "achieved", "problems", "next_steps", "target")):
            kind = "status"
        else:
            kind = None
        return _Header(r, r + 1 if two_rows else r, cols, kind)
    return None


# ---------------------------------------------------------------- rows


_SECTION_RE = re.compile(
    r"^(?:[一二三四五六七八九十\d]+[、.．]?)?(?:(年度工作任务)|(为民办(?:\d+件)?实事|民生实事))"
)
_FOOTER_RE = re.compile(r"^(填\s*报\s*人|联\s*系\s*电\s*话|负\s*责\s*人\s*签\s*字)\s*([:：]|$)")


def _section_kind(cleaned: list) -> str | None:
    """The kind of a section row (“一、年度工作任务”), else None. ``cleaned``: the row's cleaned cells."""
    texts = {t for t in cleaned if t}
    if len(texts) != 1:
        return None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", texts.pop()))
    m = _SECTION_RE.match(text)
    if not m or len(text) > 30:
        return None
    return "annual" if m.group(1) else "livelihood"


def _is_footer(cleaned: list) -> bool:
    # _FOOTER_RE can only match a text starting with 填, 联 or 负
    return any(_FOOTER_RE.match(t) for t in cleaned if t and t[0] in "填联负")


# per label: (its key, "label: value" pattern, "starts with the label" pattern)
_FOOTER_PATTERNS = [
    (key, re.compile(r"^" + r"\s*".join(label) + r"\s*[:：]?\s*(.*)$", re.S), re.compile(r"^" + r"\s*".join(label)))
    for label, key in FOOTER_LABELS.items()
]


def _footer_values(sh: _Sheet, rows: range) -> dict:
    out: dict = {}
    for r in rows:
        row = sh.clean(r)
        for c, text in enumerate(row):
            if not text:
                continue
            for key, value_re, _ in _FOOTER_PATTERNS:
                m = value_re.match(text)
                if not m or key in out:
                    continue
                value = clean_text(m.group(1))
                if not value:
                    for t2 in row[c + 1:]:
                        if t2:
                            if not any(label_re.match(t2) for _, _, label_re in _FOOTER_PATTERNS):
                                value = t2
                            break
                if value:
                    out[key] = value
    return out


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
    return f"{old}\n{new}"


class _Parser:
    def __init__(self, sh: _Sheet, header: _Header, kind: str, identity: dict | None) -> None:
        self.sh = sh
        self.h = header
        self.kind = kind
        self.identity = identity
        self.fields = PLAN_FIELDS if kind == "plan" else STATUS_FIELDS
        self.rows: dict[str, ReturnRow] = {}
        self.extra: list[str] = []
        self.problems: list[str] = []
        self.filled = 0
        self.footer_start: int | None = None
        self.known_ids = set(identity["task_ids"]) if identity else None
        self.row_no: dict[str, int] = {}
        # (field, column letters) of the cells recorded per row: "text" first, then the fields
        self.cell_cols = [("text", col_letter(header.cols["text"]))] + [
            (f, col_letter(header.cols[f])) for f in self.fields if f in header.cols]

    # -- values

    def _read_field(self, r: int, fld: str, cleaned: list) -> object:
        c = self.h.cols.get(fld)
        if c is None:
            return None
        if fld == "achieved":
            value, ok = parse_yes_no(self.sh.raw(r, c))
            if not ok:
                self.problems.append(
                    f"{_sheet_label(self.sh.name)}，{cell_address(r, c)}：“{_short(str(value), 40)}”不是“是/否”，请从下拉列表选择。"
                )
                return None
            return value
        value = cleaned[c] if c < len(cleaned) else None
        if fld == "target" and value == PLACEHOLDER_NO_PLAN:
            return None
        if value is not None and len(value) > MAX_CELL_TEXT:
            self.extra.append(
                f"{_sheet_label(self.sh.name)}，{cell_address(r, c)}：内容有 {len(value)} 个字符，超过 Excel 单元格上限 "
                f"{MAX_CELL_TEXT}，已完整读取，但在 Excel 中打开可能被截断，请精简。"
            )
        return value

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
            values = {f: self._read_field(r, f, cl) for f in self.fields}
            self.filled += sum(1 for v in values.values() if v is not None)
            text = (cl[text_col] if text_col < len(cl) else None) or ""
            if seq is None:
                self._sub_item(r, last, values, text)
                continue
            k = self._kind_for(current_kind, seq)
            tid = task_id(k, seq)
            if self.known_ids is not None and tid not in self.known_ids:
                self.extra.append(
                    f"{_sheet_label(sh.name)}第{r + 1}行：序号“{seq}”不在本单位的{KIND_LABELS[k]}任务中，"
                    f"已忽略该行（{_short(text) or '无内容'}）。"
                )
                last = None
                continue
            if tid in self.rows:
                prev = self.rows[tid]
                self.extra.append(
                    f"{_sheet_label(sh.name)}第{r + 1}行：{_task_label(k, seq)}重复出现"
                    f"（首次在第{self.row_no[tid]}行），"
                    "已将该行填报内容并入首次出现的行。"
                )
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
        what = "、".join(f"“{FIELD_LABELS[f]}”" for f in filled)
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
            p = _Parser(sh, header, kind, identity)
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
    fields = PLAN_FIELDS if kind == "plan" else STATUS_FIELDS
    for f in fields:
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
    footer = _footer_values(sh, footer_rows)
    if best.footer_start is not None:
        footer.update({k: v for k, v in _footer_values(sh, range(best.footer_start, len(sh.rows))).items()})
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
    )
