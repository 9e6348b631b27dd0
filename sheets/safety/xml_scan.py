"""Bounded streaming checks on the XML parts of a workbook: no DTD anywhere, and (for
sheets) no cell, row or declared range past the limits.

The scan works on bytes with regular expressions, chunk by chunk, keeping only a short
carry between chunks; it never builds a tree and never expands an entity.
"""

from __future__ import annotations

import codecs
import re

from xlsxwriter.utility import xl_cell_to_rowcol

from sheets.safety.limits import DEFAULT_LIMITS, MAX_CARRY, Limits  # noqa: F401  (DEFAULT_LIMITS: for the scan's tests)
from sheets.safety.reasons import R_BADREF, R_DTD, R_ENCODING, R_STRUCTURE, count_too_big, range_too_big
from sheets.safety.verdict import Reject

_ATTR = rb"""(?:\s+[^\s=<>/]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*?"""
PFX = rb"(?:[A-Za-z_][\w.\-]*:)?"
_CELL_R_RE = re.compile(rb"<" + PFX + rb"c" + _ATTR + rb"""\s+r\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_ROW_R_RE = re.compile(rb"<" + PFX + rb"row" + _ATTR + rb"""\s+r\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_DIM_RE = re.compile(rb"<" + PFX + rb"dimension" + _ATTR + rb"""\s+ref\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_CELL_TAG_RE = re.compile(rb"<" + PFX + rb"c[\s/>]")
_ROW_TAG_RE = re.compile(rb"<" + PFX + rb"row[\s/>]")
# The four patterns above in one pass: a match per <c>/<row> tag (the tag regexes), with
# group 2 = b"r" when its r attribute is there (the *_R_RE regexes) and 3/4 its value.
# Same matches: every match holds exactly one "<" (its start), so findall of any of them
# is "the pattern matched at this '<'"; at one '<' only one prefix reading can be
# followed by c/row and a space, / or >, and the optional r part is the *_R_RE tail.
_TAG_RE = re.compile(
    rb"<" + PFX + rb"(c|row)(?=[\s/>])(?:" + _ATTR + rb"""\s+(r)\s*=\s*(?:"([^"<]*)"|'([^'<]*)'))?"""
)
_DTD_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_TAIL = 16
_DTD16 = [
    s.encode(enc) for s in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity") for enc in ("utf-16-le", "utf-16-be")
]
_XMLDECL_ENC_RE = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_CHARREF_RE = re.compile(r"&(#x[0-9A-Fa-f]+|#\d+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def unescape(value: str) -> str:
    def one(m: re.Match) -> str:
        body = m.group(1)
        try:
            if body.startswith("#x"):
                return chr(int(body[2:], 16))
            if body.startswith("#"):
                return chr(int(body[1:]))
        except (ValueError, OverflowError):
            return ""
        return _NAMED.get(body, "")

    return _CHARREF_RE.sub(one, value) if "&" in value else value


def _col_number(letters: str) -> int:
    """Column letters (any case, at most 3) -> 1-based column number."""
    return xl_cell_to_rowcol(f"{letters.upper()}1")[1] + 1


_ASCII_PROBE = bytes(range(0x20, 0x7F)) + b"\t\r\n +ADw- +ACE-"


def _ascii_transparent(codec: str) -> bool:
    """Whether ``codec`` reads ASCII bytes as ASCII (so byte scanning sees the markup)."""
    try:
        return _ASCII_PROBE.decode(codec) == _ASCII_PROBE.decode("ascii")
    except (UnicodeError, LookupError, TypeError, ValueError):
        return False


class XmlScan:
    """Streaming checks on one XML part: no DTD anywhere, and (for sheets) bounds."""

    def __init__(self, limits: Limits, sheet: bool):
        self.limits = limits
        self.sheet = sheet
        self.started = False
        self.need_lt = True
        self.codec: str | None = None
        self.decoder = None
        self.tail = b""
        self.carry = b""
        self.rows = 0
        self.cells = 0

    def _start(self, data: bytes) -> None:
        self.started = True
        if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
            codec = "utf-32"
        elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
            codec = "utf-16"
        elif data.startswith(b"<\x00") and not data.startswith(b"<\x00\x00"):
            codec = "utf-16-le"
        elif data.startswith(b"\x00<"):
            codec = "utf-16-be"
        elif b"\x00" in data[:4]:
            raise Reject("xlsx", R_ENCODING)
        else:
            codec = None
            m = _XMLDECL_ENC_RE.match(data[:512])
            if m:
                name = m.group(1).decode("ascii")
                try:
                    info = codecs.lookup(name)
                except LookupError:
                    raise Reject("xlsx", R_ENCODING) from None
                if not info.name.startswith(("utf-16", "utf-32")) and not _ascii_transparent(info.name):
                    raise Reject("xlsx", R_ENCODING)
        if codec:
            self.codec = codec
            self.decoder = codecs.getincrementaldecoder(codec)(errors="replace")

    def feed(self, data: bytes, final: bool = False) -> None:
        if not self.started:
            if not data and not final:
                return
            self._start(data)
        if self.decoder is not None:
            data = self.decoder.decode(data, final).encode("utf-8")
        if self.need_lt:
            # An XML document starts with "<" (after a BOM and blanks); anything else
            # is an encoding we do not read byte-wise (EBCDIC, ...), or not XML at all.
            stripped = data.lstrip(b" \t\r\n\xef\xbb\xbf")
            if stripped:
                if not stripped.startswith(b"<"):
                    raise Reject("xlsx", R_ENCODING)
                self.need_lt = False
        window = self.tail + data
        if _DTD_RE.search(window):
            raise Reject("xlsx", R_DTD)
        self.tail = window[-_DTD_TAIL:]
        if not self.sheet:
            return
        buf = self.carry + data
        cut = len(buf) if final else buf.rfind(b"<")
        if cut <= 0:
            self.carry = buf
        else:
            self._scan(buf[:cut])
            self.carry = buf[cut:]
        if len(self.carry) > MAX_CARRY:
            raise Reject("xlsx", R_STRUCTURE)

    def feed_raw_dtd_only(self, data: bytes) -> None:
        window = self.tail + data
        if _DTD_RE.search(window) or any(p in window for p in _DTD16):
            raise Reject("xlsx", R_DTD)
        self.tail = window[-2 * _DTD_TAIL:]

    def _scan(self, seg: bytes) -> None:
        lim = self.limits
        for dq, sq in _DIM_RE.findall(seg) if b"dimension" in seg else ():
            ref = _ascii_ref(dq or sq, _WEIRD_DIM_RE)
            for part in ref.split(b":"):
                if _refs_too_far(part, lim):
                    raise Reject("xlsx", range_too_big("声明到", _show(part), lim))
        tags = _TAG_RE.findall(seg)  # one pass for _CELL_R_RE, _ROW_R_RE, _CELL_TAG_RE, _ROW_TAG_RE
        cells = [dq or sq for name, r, dq, sq in tags if r and name == b"c"]
        if cells:
            joined = _ascii_ref(b"\n".join(cells), _WEIRD_CELL_RE)
            if _refs_too_far(joined, lim):
                for v in joined.split(b"\n"):  # only now, one by one, for the message
                    if _refs_too_far(v, lim):
                        raise Reject("xlsx", range_too_big("有内容到", _show(v), lim))
        rows = [dq or sq for name, r, dq, sq in tags if r and name == b"row"]
        if rows:
            joined = _ascii_ref(b"\n".join(rows), _WEIRD_ROW_RE)
            if _refs_too_far(joined, lim):
                last = max(int(v) if len(v) < 16 else 10**16 for v in joined.split(b"\n") if v)
                raise Reject("xlsx", range_too_big("有行到", f"第 {min(last, 10**15)} 行", lim))
        # Rows and cells may also come without references (their place is implicit).
        n_rows = [t[0] for t in tags].count(b"row")
        self.rows += n_rows
        self.cells += len(tags) - n_rows
        if self.rows > lim.max_rows or self.cells > lim.max_rows * lim.max_cols:
            raise Reject("xlsx", count_too_big(lim))


_WEIRD_CELL_RE = re.compile(rb"[^A-Za-z0-9\n]")
_WEIRD_ROW_RE = re.compile(rb"[^0-9\n]")
_WEIRD_DIM_RE = re.compile(rb"[^A-Za-z0-9:]")
_LETTERS_RE = re.compile(rb"[A-Za-z]+")
_DIGITS_RE = re.compile(rb"[0-9]+")


def _ascii_ref(raw: bytes, weird: re.Pattern) -> bytes:
    """A cell/row reference as the parsers will read it, or a refusal when it is not plain.

    Readers run int() and \\d on these (both take "１", "1_0", " 1"), so anything but
    ASCII letters and digits would let a far reference slip past the byte checks.
    """
    if b"&" in raw:
        raw = unescape(raw.decode("utf-8", "replace")).encode("utf-8")
    if weird.search(raw):
        raise Reject("xlsx", R_BADREF)
    return raw


# bytes.translate tables: every byte that is not a digit (a letter) becomes \n, so
# splitting on \n gives the runs _DIGITS_RE (_LETTERS_RE) finds, plus empty strings.
_ONLY_DIGITS = bytes(b if 0x30 <= b <= 0x39 else 0x0A for b in range(256))
_ONLY_LETTERS = bytes(b if (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A) else 0x0A for b in range(256))


def _refs_too_far(refs: bytes, lim: Limits) -> bool:
    """Whether any row number or column in ``refs`` (plain ASCII) is past the limits."""
    # Distinct runs only (a sheet repeats each row number in every cell of the row);
    # same answer as max() over every _DIGITS_RE / _LETTERS_RE match.
    digits = set(refs.translate(_ONLY_DIGITS).split(b"\n"))
    digits.discard(b"")
    if digits and (max(map(len, digits)) > 9 or max(map(int, digits)) > lim.max_rows):
        return True
    letters_runs = set(refs.translate(_ONLY_LETTERS).split(b"\n"))
    letters_runs.discard(b"")
    for letters in letters_runs:
        if len(letters) > 3 or _col_number(letters.decode("ascii")) > lim.max_cols:
            return True
    return False


def _show(ref: bytes) -> str:
    text = ref.decode("ascii", "replace").upper()
    return text if len(text) <= 24 else text[:24] + "…"
