"""The BIFF records of an .xls workbook stream: encryption and the sheets' bounds."""

from __future__ import annotations

import struct

from xlsxwriter.utility import xl_col_to_name

from sheets.safety.limits import Limits
from sheets.safety.reasons import R_DAMAGED, R_ENCRYPTED, range_too_big
from sheets.safety.verdict import Sniff, bad

BOF_TYPES = (0x0809, 0x0409, 0x0209, 0x0009)
_CELL_RECORDS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}
_MUL_RECORDS = {0x00BD, 0x00BE}


def check_biff(stream: bytes, limits: Limits) -> Sniff | None:
    """Walk the BIFF records: FILEPASS -> encrypted; cells or DIMENSIONS out of bounds -> refuse.

    None when the stream is fine.
    """
    n = len(stream)
    pos = 0
    stack: list[int] = []  # BOF types of the open substreams (charts nest in sheets)
    globals_done = False
    max_rows, max_cols = limits.max_rows, limits.max_cols
    unpack = struct.unpack_from
    first = True

    def cell_too_far(row0: int, col0: int, what: str) -> Sniff:
        return bad("xls", range_too_big(what, f"{xl_col_to_name(col0)}{row0 + 1}", limits))

    while pos + 4 <= n:
        rt, ln = unpack("<HH", stream, pos)
        body = pos + 4
        if body + ln > n:
            break
        if first:
            if rt not in BOF_TYPES or ln < 4:
                return bad("truncated", R_DAMAGED)
            first = False
        if rt == 0 and ln == 0:
            break  # zero padding at the end of the stream
        sub = stack[-1] if stack else None
        if rt in BOF_TYPES and ln >= 4:
            stack.append(unpack("<H", stream, body + 2)[0])
        elif rt == 0x000A:  # EOF
            if stack and stack.pop() == 0x0005:
                globals_done = True
        elif rt == 0x002F and not globals_done:
            return bad("encrypted", R_ENCRYPTED)
        elif sub in (0x0010, 0x0040):
            if rt in _CELL_RECORDS and ln >= 4:
                row, col = unpack("<HH", stream, body)
                if row >= max_rows or col >= max_cols:
                    return cell_too_far(row, col, "有内容到")
            elif rt in _MUL_RECORDS and ln >= 6:
                row = unpack("<H", stream, body)[0]
                last = unpack("<H", stream, body + ln - 2)[0]
                if row >= max_rows or last >= max_cols:
                    return cell_too_far(row, last, "有内容到")
            elif rt == 0x0208 and ln >= 2:  # ROW
                row = unpack("<H", stream, body)[0]
                if row >= max_rows:
                    return bad("xls", range_too_big("有行到", f"第 {row + 1} 行", limits))
            elif rt == 0x0200:  # DIMENSIONS: the last row/col are exclusive
                if ln >= 14:
                    _r0, row_end, _c0, col_end = unpack("<IIHH", stream, body)
                elif ln >= 10:
                    _r0, row_end, _c0, col_end = unpack("<HHHH", stream, body)
                else:
                    row_end = col_end = 0
                if row_end > max_rows or col_end > max_cols:
                    return cell_too_far(max(row_end, 1) - 1, max(col_end, 1) - 1, "声明到")
        pos = body + ln
    if first:
        return bad("truncated", R_DAMAGED)
    return None
