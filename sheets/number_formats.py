"""The number formats of a returned workbook's cells, for the few values whose meaning depends
on them: a 完成进度 cell holding 1 is 100% when the cell is formatted as a percentage, 1%
otherwise (python-calamine gives values only).

:func:`number_formats` gives, for one worksheet, the format code of every cell that has one
other than General, as {(row, col): code} (0-based, as the reader's grid). It is asked only
when such a value is met, once per file, and never raises: a workbook it cannot follow gives
{} (the value is then read without its format). .xlsx parts are scanned with bounded regular
expressions (no XML parser, no entity expansion); .xls goes through xlrd.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path, PurePosixPath

MAX_PART_BYTES = 64 * 2**20  # a worksheet or styles part larger than this is not looked at
# The built-in formats (ECMA-376 18.8.30) that are not General; ids 5-8 and 41-44 are currency
# and accounting formats whose codes depend on the locale, and matter only as "not a percentage".
BUILTIN = {1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?",
           13: "# ??/??", 14: "mm-dd-yy", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)",
           40: "#,##0.00;[Red](#,##0.00)", 48: "##0.0E+0", 49: "@"}

_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET = re.compile(r"<(?:\w+:)?sheet\b([^<>]*)/?>")
_REL = re.compile(r"<(?:\w+:)?Relationship\b([^<>]*)/?>")
_NUMFMT = re.compile(r"<(?:\w+:)?numFmt\b([^<>]*)/?>")
_CELLXFS = re.compile(r"<(?:\w+:)?cellXfs\b[^<>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(r"<(?:\w+:)?xf\b([^<>]*?)/?>")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^<>]*)>")
_CELL_ATTR = re.compile(rb"""\b(r|s)\s*=\s*["']([^"']*)["']""")
_ADDRESS = re.compile(rb"^([A-Z]{1,3})([0-9]+)$")


def _attrs(text: str) -> dict[str, str]:
    return {k: html.unescape(v1 or v2) for k, v1, v2 in _ATTR.findall(text)}


def _part(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = zf.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        return None
    with zf.open(info) as fh:
        return fh.read(MAX_PART_BYTES + 1)[:MAX_PART_BYTES]


def _text(data: bytes | None) -> str:
    return data.decode("utf-8", "replace") if data else ""


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The part name of the worksheet called ``sheet`` ("xl/worksheets/sheet1.xml")."""
    rid = None
    for m in _SHEET.finditer(_text(_part(zf, "xl/workbook.xml"))):
        a = _attrs(m.group(1))
        if a.get("name") == sheet:
            rid = next((v for k, v in a.items() if k == "id" or k.endswith(":id")), None)
            break
    if rid is None:
        return None
    for m in _REL.finditer(_text(_part(zf, "xl/_rels/workbook.xml.rels"))):
        a = _attrs(m.group(1))
        if a.get("Id") != rid:
            continue
        target = a.get("Target", "")
        full = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        parts: list[str] = []
        for piece in full.split("/"):
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece not in ("", "."):
                parts.append(piece)
        return "/".join(parts)
    return None


def _style_codes(zf: zipfile.ZipFile) -> list[str | None]:
    """Per cell style index (the ``s`` of a cell): its number format code, None for General."""
    styles = _text(_part(zf, "xl/styles.xml"))
    custom = {}
    for m in _NUMFMT.finditer(styles):
        a = _attrs(m.group(1))
        if a.get("numFmtId", "").isdigit():
            custom[int(a["numFmtId"])] = a.get("formatCode", "")
    m = _CELLXFS.search(styles)
    out: list[str | None] = []
    for xf in _XF.finditer(m.group(1) if m else ""):
        fid = _attrs(xf.group(1)).get("numFmtId", "0")
        n = int(fid) if fid.isdigit() else 0
        out.append(custom.get(n) or BUILTIN.get(n))
    return out


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _xlsx(data: bytes, sheet: str) -> dict[tuple[int, int], str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        part = _sheet_part(zf, sheet)
        codes = _style_codes(zf)
        body = _part(zf, part) if part and codes else None
    if not body:
        return {}
    out: dict[tuple[int, int], str] = {}
    for m in _CELL.finditer(body):
        a = dict(_CELL_ATTR.findall(m.group(1)))
        s, ref = a.get(b"s"), a.get(b"r")
        if not s or not ref or not s.isdigit():
            continue
        i = int(s)
        code = codes[i] if i < len(codes) else None
        at = _ADDRESS.match(ref)
        if code and at:
            out[(int(at.group(2)) - 1, _col(at.group(1)))] = code
    return out


def _xls(data: bytes, sheet: str) -> dict[tuple[int, int], str]:
    import xlrd  # only here: an .xls return with a value whose format matters

    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    try:
        sh = book.sheet_by_name(sheet)
        out: dict[tuple[int, int], str] = {}
        for r in range(sh.nrows):
            for c in range(sh.row_len(r)):
                xf = book.xf_list[sh.cell_xf_index(r, c)]
                fmt = book.format_map.get(xf.format_key)
                code = fmt.format_str if fmt is not None else None
                if code and code != "General":
                    out[(r, c)] = code
        return out
    finally:
        book.release_resources()


def number_formats(data: bytes, fmt: str, sheet: str) -> dict[tuple[int, int], str]:
    """{(row, col): format code} of the cells of worksheet ``sheet`` that have a number format
    other than General (``fmt``: "xlsx" | "xls"); {} when the workbook cannot be followed."""
    try:
        return _xls(data, sheet) if fmt == "xls" else _xlsx(data, sheet)
    except Exception:  # noqa: BLE001 - only a hint for reading a value; the reader goes on without it
        return {}


class CellFormats:
    """:func:`number_formats` of a file's sheets, read when first asked for (the file's bytes
    ``data``, else read from ``path`` then), and kept."""

    def __init__(self, fmt: str, data: bytes | None = None, path: Path | None = None) -> None:
        self.fmt, self.data, self.path = fmt, data, path
        self.sheets: dict[str, dict[tuple[int, int], str]] = {}

    def code(self, sheet: str, r: int, c: int) -> str | None:
        """The number format code of cell (r, c) of ``sheet`` (0-based), None for General or unknown."""
        got = self.sheets.get(sheet)
        if got is None:
            data = self.data
            if data is None and self.path is not None:
                try:
                    data = self.data = Path(self.path).read_bytes()
                except OSError:
                    data = None
            got = self.sheets[sheet] = number_formats(data, self.fmt, sheet) if data else {}
        return got.get((r, c))
