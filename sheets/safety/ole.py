"""OLE compound files: an .xls (or WPS .et) workbook checked record by record, the
encrypted ones, and the other Office documents told apart."""

from __future__ import annotations

import mmap
import struct

from sheets.safety.biff import check_biff
from sheets.safety.cfb import Cfb, Malformed
from sheets.safety.limits import Limits
from sheets.safety.reasons import R_DOC, R_ENCRYPTED, R_MSG, R_OLE, R_PPT, R_TRUNCATED
from sheets.safety.verdict import Sniff, bad

def sniff_ole(f, size: int, limits: Limits) -> Sniff:
    if size < 512:
        return bad("truncated", R_TRUNCATED)
    try:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (ValueError, OSError):  # no mmap here: the file is bounded, read it
        f.seek(0)
        return _sniff_ole_data(f.read(), limits)
    with data:
        return _sniff_ole_data(data, limits)


def _sniff_ole_data(data, limits: Limits) -> Sniff:
    try:
        cfb = Cfb(data)
        top = cfb.root_children()
        if "ENCRYPTIONINFO" in top or "ENCRYPTEDPACKAGE" in top:
            return bad("encrypted", R_ENCRYPTED)
        book = top.get("WORKBOOK") or top.get("BOOK")
        if book is not None and book.kind == 2:
            macros = "_VBA_PROJECT_CUR" in top
            stream = cfb.read_stream(book)
            verdict = check_biff(stream, limits)
            if verdict is not None:
                return Sniff(verdict.format, False, verdict.reason, macros)
            return Sniff("xls", True, "", macros)
    except (Malformed, struct.error, IndexError, ValueError, OverflowError, MemoryError):
        return bad("truncated", R_TRUNCATED)
    if "WORDDOCUMENT" in top:
        return bad("ole", R_DOC)
    if "POWERPOINT DOCUMENT" in top:
        return bad("ole", R_PPT)
    if any(k.startswith("__SUBSTG1.0_") or k == "__PROPERTIES_VERSION1.0" for k in top):
        return bad("ole", R_MSG)
    return bad("ole", R_OLE)
