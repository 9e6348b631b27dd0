"""Text of a decomposition's cells: spacing, enumerations, leaders and unit lists."""

from __future__ import annotations

import re

from sheets.cells import clean_text

_CJK = (
    "\u2010-\u206f\u2e80-\u2fff\u3000-\u303f\u3040-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
)
_CJK_CHAR = re.compile(f"[{_CJK}]")
SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
ENUM = re.compile(
    r"^\s*(?:[（(]\s*[一二三四五六七八九十百\d]+\s*[）)]|[一二三四五六七八九十百]+\s*[、.．]"
    r"|\d+\s*[、．]|\d+\s*\.(?!\d))\s*"
)
_LIVELIHOOD = re.compile(r"为民办.{0,6}实事|民生实事|实事项目")
_ANNUAL = re.compile(r"年度(?:重点)?(?:工作)?任务|重点工作任务|重点任务")


def cell_str(value) -> str:
    """A cell value as text, ends stripped: 12.0 -> "12", None -> "", dates as ISO dates."""
    return clean_text(value) or ""


def normalize_spaces(value) -> str:
    """Collapse whitespace; drop it entirely next to a Chinese character or punctuation mark."""
    s = cell_str(value)

    def join(m: re.Match) -> str:
        before = s[m.start() - 1] if m.start() else ""
        after = s[m.end()] if m.end() < len(s) else ""
        if not before or not after or _CJK_CHAR.match(before) or _CJK_CHAR.match(after):
            return ""
        return " "

    return SPACE.sub(join, s)


def strip_enum(text: str) -> str:
    """Drop a leading “一、”, “（一）”, “1.” or “1、”."""
    return ENUM.sub("", text, count=1)


def kind_of_title(text: str) -> str | None:
    """'livelihood' or 'annual' when a title or section row names one kind only."""
    live, annual = bool(_LIVELIHOOD.search(text)), bool(_ANNUAL.search(text))
    if live != annual:
        return "livelihood" if live else "annual"
    return None


def split_top(text: str, seps: str) -> list[tuple[int, int]]:
    """Spans of ``text`` between separators that stand outside parentheses."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        elif depth == 0 and ch in seps:
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(text)))
    return spans


def dedupe(items) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def split_people(value) -> list[str]:
    """Leaders: one per line or separated by 、，,;； — padding inside a name is removed."""
    text = cell_str(value).replace("\u3000", " ").replace("\xa0", " ")
    names = []
    for part in re.split(r"[\r\n、，,;；/]+", text):
        words = part.split()
        if len(words) > 1 and all(len(w) >= 2 for w in words):
            names.extend(words)  # "栾长征 王延安": two names side by side
        else:
            names.append("".join(words))  # "王  莹": one padded name
    return dedupe(names)


_UNIT_SEPS = "\r\n、，,;；"
_LEAD_MARK = re.compile(r"[（(]\s*(牵头|牵头单位|主责)\s*[）)]$")
_CO_MARK = re.compile(r"[（(]\s*(配合|配合单位|协办|参与)\s*[）)]$")


def split_units(segments: list[tuple[str, bool | None]]) -> list[tuple[str, bool, bool]]:
    """Units of a cell given as (text, bold) runs: [(name, marked_lead, bold)], in order.

    A unit counts as bold when most of its characters are; ``marked_lead`` is a “（牵头）”
    suffix, which is removed from the name like any whitespace inside it.
    """
    raw = "".join(t for t, _ in segments)
    bold = [bool(b) for t, b in segments for _ in t]
    units = []
    for a, b in split_top(raw, _UNIT_SEPS):
        chars = [i for i in range(a, b) if not raw[i].isspace()]
        name = SPACE.sub("", raw[a:b]).strip("。.")
        lead = bool(_LEAD_MARK.search(name))
        name = _CO_MARK.sub("", _LEAD_MARK.sub("", name))
        if name and name not in {u[0] for u in units}:
            units.append((name, lead, sum(bold[i] for i in chars) * 2 > len(chars)))
    return units


def assign_lead(units: list[tuple[str, bool, bool]]) -> tuple[list[str], list[str]]:
    """(lead, co) from one 责任单位 cell: units marked （牵头） or set in bold lead, unless every
    unit (or none) is bold: then the first listed unit leads."""
    names = [u[0] for u in units]
    marked = [u[0] for u in units if u[1]]
    bold = [u[0] for u in units if u[2]]
    lead = marked or (bold if 0 < len(bold) < len(units) else names[:1])
    return lead, [n for n in names if n not in lead]
