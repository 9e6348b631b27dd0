"""Value normalization shared by the form writer and the return reader.

Everything here is pure: a raw cell value (as python-calamine or openpyxl gives it)
goes in, a normalized Python value comes out.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import unicodedata

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from office.dates import cn_date  # noqa: F401  (the one Chinese date; forms import it from here)

# Characters treated as "space" at both ends of a value. str.strip() already knows
# most Unicode spaces (\u3000, \xa0, \u2000-\u200a, ...), but not the zero-width and
# format characters that come in with text pasted from web pages and WeChat.
_EXTRA_SPACES = "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad"
_CTRL_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SEQ_RE = re.compile(r"^(\d+)(?:\.0+)?[\.、]?$")
# A str containing none of these is cleaned by value.strip() alone: no control
# characters (\n is kept by remove_controls and is whitespace for strip), no \r or \t
# to translate, no line/paragraph separators, none of _EXTRA_SPACES.
_NEEDS_SLOW_CLEAN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029" + _EXTRA_SPACES + "]"
).search

PLACEHOLDER_NO_PLAN = "（未报送计划）"
# The line the form writer puts under a shared task's text when the form has no 本单位职责
# column (sheets.forms.role_note): “（本单位配合。牵头单位：…）”. The reader takes it off.
# The note as the writer puts it: its own （…） may hold unit names with （…） of their own, and
# it must end the cell (text a unit added after it is kept: an edited task text shows).
_ROLE_NOTE_RE = re.compile(r"\n（本单位(?:牵头|配合)(?:[^\n（）]|（[^\n（）]*）)*）\s*$")

YES = "是"
NO = "否"
_YES_WORDS = {
    "是", "是的", "√", "✓", "✔", "☑", "y", "yes", "t", "true", "对", "已完成", "完成", "已达到", "达到",
    "是(已完成)", "是,已完成",
}
_NO_WORDS = {
    "否", "不是", "×", "✗", "✘", "✕", "✖", "☒", "x", "n", "no", "f", "false", "未完成", "没有完成", "没完成",
    "不", "未达到", "没有", "否(未完成)", "否,未完成",
}
_TRAILING_PUNCT = "。.!！;；,，"


def coerce_raw(value: object) -> object:
    """A raw cell value with the reader's quirks removed: integral floats -> int, "" -> None."""
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if isinstance(value, str) and value == "":
        return None
    return value


def strip_spaces(text: str) -> str:
    """Remove every kind of space at both ends (\\u3000, \\xa0, \\u200b, newlines ...)."""
    return text.strip().strip(_EXTRA_SPACES + " \t\n\r\u3000\xa0").strip()


def _strip_all(text: str) -> str:
    prev = None
    while prev != text:
        prev = text
        text = strip_spaces(text)
    return text


def remove_controls(text: str) -> str:
    """Line breaks become \\n, a tab a space; other control characters are dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = text.replace("\u2028", "\n").replace("\u2029", "\n")
    return _CTRL_RE.sub("", text)


def number_text(value: int | float) -> str:
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    return str(value)


def clean_text(value: object) -> str | None:
    """A free-text cell as a clean str, or None when empty.

    Text is kept as typed (no NFKC: full-width Chinese punctuation stays), only the
    ends are stripped and control characters removed. A string that looks like a
    formula ("=HYPERLINK(...)") is plain text and stays as it is.
    """
    if type(value) is str:
        # Fast path: nothing for remove_controls to change and none of the extra
        # spaces anywhere, so stripping is plain str.strip() (same result as below).
        if not _NEEDS_SLOW_CLEAN(value):
            return value.strip() or None
        text = _strip_all(remove_controls(value))
        return text or None
    if value is None:
        return None
    value = coerce_raw(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, (int, float)):
        return number_text(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        value = str(value)
    text = _strip_all(remove_controls(value))
    return text or None


def label_key(value: object) -> str:
    """A header/label cell reduced for matching: NFKC, no spaces, no punctuation."""
    text = clean_text(value)
    if text is None:
        return ""
    # Headers and labels are short and repeat in every file: cache them (long texts uncached).
    return _label_key_cached(text) if len(text) <= _CACHE_TEXT else _label_key_text(text)


def _label_key_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\u200b\ufeff、，,：:（）()\[\]【】“”\"'‘’·.。;；]+", "", text)


def parse_seq(value: object) -> int | None:
    """The 序号 of a task row: 3, 3.0, "3", "３", "3." -> 3; anything else None."""
    value = coerce_raw(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, float):
        return None
    text = clean_text(value)
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", text).replace(" ", "")
    m = _SEQ_RE.match(text)
    if not m:
        return None
    n = int(m.group(1))
    return n if n > 0 else None


def parse_yes_no(value: object) -> tuple[str | None, bool]:
    """(normalized, ok) for a 是/否 cell: ("是", True), ("否", True), (None, True) if empty,
    (original text, False) if it is not a recognizable yes/no."""
    value = coerce_raw(value)
    if value is None:
        return None, True
    if isinstance(value, bool):
        return (YES if value else NO), True
    text = clean_text(value)
    if text is None:
        return None, True
    word = _yes_no_cached(text) if len(text) <= _CACHE_TEXT else _yes_no_word(text)
    if word is not None:
        return word, True
    return text, False


def _yes_no_word(text: str) -> str | None:
    """YES, NO or None (not a yes/no word) for a cleaned, non-empty text."""
    key = unicodedata.normalize("NFKC", text).lower()
    key = re.sub(r"\s+", "", key).rstrip(_TRAILING_PUNCT)
    key = key.replace("（", "(").replace("）", ")")
    if key in _YES_WORDS:
        return YES
    if key in _NO_WORDS:
        return NO
    return None


_CACHE_TEXT = 64  # texts up to this length are memoized by label_key / parse_yes_no
_label_key_cached = functools.lru_cache(maxsize=2048)(_label_key_text)
_yes_no_cached = functools.lru_cache(maxsize=1024)(_yes_no_word)


def col_letter(col: int) -> str:
    """0-based column index -> Excel letters (xlsxwriter's)."""
    return xl_col_to_name(col)


def cell_address(row: int, col: int) -> str:
    """0-based (row, col) -> "E12"."""
    return xl_rowcol_to_cell(row, col)


def display_width(text: str) -> int:
    """Width in half-width character units (a Chinese character counts 2)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# Row heights. Excel and WPS lay a wrapped cell out in a text area of 7 px per unit of
# column width (a width of w holds w digits of the default 11pt font; the 5 px the file
# adds are margins and grid line); a CJK character is as wide as the font's pixel size
# (11pt -> 15 px at 96 dpi, the size being rounded to whole pixels), ASCII about half.
# LibreOffice without Calibri's metric twin draws columns wider, so Excel's layout is the
# one that wraps soonest. Lines are as tall as LibreOffice makes them with Noto CJK
# (about 1.45 em), which is taller than Excel's; so an estimate from both fits both.
MAX_ROW_HEIGHT = 409.0  # points: Excel's limit for one row
LINE_EM = 1.45
_ASCII_WORD = re.compile(r"[!-~]+")


def line_capacity(col_width: float, font_size: float = 12) -> float:
    """Half-width character units that fit on one line of a wrapped cell `col_width` wide."""
    em_px = max(1, round(font_size * 96 / 72))
    return max(2.0, 7.0 * col_width / (em_px / 2))


def estimate_lines(text: str, col_width: float, font_size: float = 12) -> int:
    """How many lines `text` wraps to in a column `col_width` (Excel units) wide.

    An upper bound rather than a simulation: a line is broken before the first CJK
    character or Latin word that does not fit, so each full line holds at least the
    capacity less the longest such token. Every non-ASCII character counts as full
    width (Chinese fonts draw “”、①° full width too).
    """
    if not text:
        return 1
    cap = line_capacity(col_width, font_size)
    whole = int(cap)
    lines = 0
    for para in text.split("\n"):
        n = len(para)
        if 2 * n <= cap:  # the common case: fits on one line whatever it holds
            lines += 1
            continue
        n_ascii = len(para.encode("ascii", "ignore"))
        width = 2 * n - n_ascii
        if width <= cap:
            lines += 1
        elif not n_ascii:  # all CJK: a line holds whole // 2 characters
            lines += -(-n // max(1, whole // 2))
        else:
            token = max([2, *map(len, _ASCII_WORD.findall(para))])
            if token >= whole:  # a word longer than the line is broken anywhere
                token = 2
            lines += -(-width // max(1, whole - token + 1))
    return lines


def line_height(font_size: float = 12) -> float:
    """Points per wrapped line of `font_size` text (LibreOffice's, the taller)."""
    return round(font_size * LINE_EM * 4) / 4


def row_height(lines: int, font_size: float = 12, padding: float = 4.0) -> float:
    """Points for a row showing `lines` lines, capped at Excel's maximum."""
    return min(MAX_ROW_HEIGHT, lines * line_height(font_size) + padding)


def strip_role_note(text: str) -> str:
    """A task cell's text without the role note the writer put under it (see _ROLE_NOTE_RE)."""
    if "（本单位" not in text:
        return text
    return _ROLE_NOTE_RE.sub("", text)
