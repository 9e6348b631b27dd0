"""Cell text for the tracker: control characters, Excel's cell limit, cell spans, task labels.

Everything a unit typed is written with ``write_string`` only (see :func:`_put`).
"""

from __future__ import annotations

import re

from xlsxwriter.utility import xl_cell_to_rowcol

XL_MAX = 32767
TRUNCATED_NOTE = "……（原文超过Excel单元格上限，已截断，全文见归档文件）"
KIND_SHORT = {"annual": "年度", "livelihood": "实事"}

# Control characters (all but \n), lone surrogates and the two XML non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SUSPECT = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


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
