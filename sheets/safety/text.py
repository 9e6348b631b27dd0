"""Files that are not containers: PDF, images, other archives, and text (web pages,
Excel 2003 XML, CSV, plain text) told apart from the first bytes."""

from __future__ import annotations

import codecs
import re
import struct

from sheets.safety.biff import BOF_TYPES
from sheets.safety.limits import Limits
from sheets.safety.reasons import (R_ARCHIVE, R_CSV, R_HTML, R_IMAGE, R_OLD_BIFF, R_PDF, R_RAR, R_RTF, R_TEXT, R_UNKNOWN,
                                   R_XML2003)
from sheets.safety.verdict import Sniff, bad

_HTML_STARTS = (
    "<html", "<!doctype html", "<table", "<head", "<meta", "<body", "<style", "<title", "<div",
)
_OFFICE_NS = "urn:schemas-microsoft-com:office"
_TEXT_BAD_CTRL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")


def _decode_head(head: bytes, complete: bool) -> str | None:
    """The head as text if it is text (UTF-8/16 with BOM, UTF-8, GBK), else None."""
    if head.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8", head[3:])]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", head)]
    else:
        if b"\x00" in head:
            return None
        candidates = [("utf-8", head), ("gb18030", head)]
    for codec, data in candidates:
        try:
            text = codecs.getincrementaldecoder(codec)("strict").decode(data, complete)
        except UnicodeDecodeError:
            continue
        if _TEXT_BAD_CTRL.search(text):
            return None
        return text
    return None


def _looks_like_csv(text: str) -> bool:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if len(lines) < 2:
        return False
    with_delim = sum(1 for ln in lines if ("," in ln or "\t" in ln or ";" in ln))
    return with_delim >= 2 and with_delim * 2 >= len(lines)


def sniff_head(head: bytes, *, complete: bool, limits: Limits) -> Sniff:
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return bad("pdf", R_PDF)
    # Raw BIFF2-4 worksheets, no OLE container (Excel 4.0 and older).
    if len(head) >= 8 and struct.unpack_from("<H", head, 0)[0] in BOF_TYPES:
        ln = struct.unpack_from("<H", head, 2)[0]
        if 4 <= ln <= 20:
            return bad("xls", R_OLD_BIFF)
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head.startswith((b"GIF87a", b"GIF89a")):
        return bad("unknown", R_IMAGE)
    if head.startswith((b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")):
        return bad("unknown", R_RAR)
    if head.startswith(b"\x1f\x8b"):
        return bad("unknown", R_ARCHIVE)
    if head.startswith(b"{\\rtf"):
        return bad("unknown", R_RTF)

    text = _decode_head(head, complete)
    probe = text
    if probe is None:
        probe = head.decode("latin-1")
    low = probe.lstrip("\ufeff \t\r\n\x0b\x0c\x00").lower()
    if low.startswith(_HTML_STARTS):
        return bad("html", R_HTML)
    if low.startswith("<?xml") or low.startswith("<!--"):
        window = low[:8192]
        if "urn:schemas-microsoft-com:office:spreadsheet" in window:
            return bad("html", R_XML2003)
        if _OFFICE_NS in window or "<html" in window:
            return bad("html", R_HTML)
    if text is None:
        return bad("unknown", R_UNKNOWN)
    if _looks_like_csv(text):
        return bad("csv", R_CSV)
    return bad("unknown", R_TEXT)
