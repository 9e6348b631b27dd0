"""完成进度 against 序时进度: the numbers and the bands that light a task by its progress.

序时进度 ("schedule") for a month is the share of the year elapsed at the month's end
(September: 75), or, for a task whose plan gives its own 完成时限, the share of the span from
the start of the year to that deadline (a task due at the end of June is at 50 in March and
100 from June on). 完成进度 ("percent") is what the lead unit reports, 0–100. The gap is
序时进度 minus 完成进度: positive when the task is behind.

Bands (``[progress]`` in duban.toml): behind by less than ``yellow_gap`` points is 绿,
``yellow_gap`` to ``red_gap`` is 黄, more than ``red_gap`` is 红; a lead that reports 否 makes
the task 红 when ``no_forces_red`` is set. Plain functions: nothing here reads the workspace.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

# How each light was decided (the tracker prints the label beside the light).
RULE_LABELS = {
    "progress": "按完成进度对照序时进度",
    "yes_no": "按是否完成阶段任务目标",
    "done": "已完成（销号）",
}


@dataclass(frozen=True)
class ProgressSettings:
    """[progress]: the bands, in percentage points behind 序时进度."""

    yellow_gap: float = 10.0  # behind by this much or more: 黄
    red_gap: float = 30.0  # behind by more than this: 红
    no_forces_red: bool = True  # the lead reports 否 (未完成阶段任务目标): 红 whatever the progress


def schedule_pct(year: int, month: int, due: date | None = None) -> float:
    """序时进度 at the end of ``month`` of ``year``, 0–100: ``month / 12``, or with the task's own
    deadline ``due`` the share of January 1 .. ``due`` elapsed at the month's end (100 from the
    deadline's month on; a deadline in another year counts as the year's end or start)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month}")
    if due is None or due.year > year:
        return round(month * 100 / 12, 1)
    if due.year < year:
        return 100.0
    span = due.month - 1 + due.day / calendar.monthrange(due.year, due.month)[1]  # months from Jan 1 to due
    if month >= span or span <= 0:
        return 100.0
    return round(month * 100 / span, 1)


def gap_of(percent: float | None, schedule: float) -> float | None:
    """序时进度 − 完成进度 (positive: behind), None when no progress is reported."""
    return None if percent is None else round(schedule - percent, 1)


def band(gap: float, settings: ProgressSettings) -> str:
    """红/黄/绿 for a gap (points behind)."""
    if gap > settings.red_gap:
        return "红"
    if gap >= settings.yellow_gap:
        return "黄"
    return "绿"


_NUMBER = re.compile(r"^(\d+(?:\.\d+)?)\s*%?$")
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')  # literal text, an escaped character, [colour]/[condition]


def is_percent_format(number_format: str | None) -> bool:
    """Whether an Excel number format shows the value as a percentage ("0%", "0.0%"; a "%" inside
    quotes or escaped is literal text and does not count)."""
    if not number_format:
        return False
    return "%" in _QUOTED.sub("", number_format)


def parse_percent(value: object, number_format: str | None = None) -> tuple[float | None, bool]:
    """A 完成进度 cell as a number 0–100: (value, True); (None, True) for an empty cell;
    (None, False) for anything else ("八成", "120", "约60%", a date).

    A number cell is what Excel stores: a cell formatted as a percentage holds the share
    (80% is 0.8, 100% is 1), so with a percent ``number_format`` the value is multiplied by
    100. Without one (the format is unknown, or a plain number), a value between 0 and 1 is
    still taken for a share (0.8 -> 80: no unit reports 0.8%); 1 and above are points. Text
    is read as written: "80", "80%", "８０％", "66.5 %"."""
    if value is None:
        return None, True
    if isinstance(value, bool) or isinstance(value, (date, datetime)):
        return None, False
    if isinstance(value, (int, float)):
        number = float(value)
        if number != number:  # NaN
            return None, False
        if is_percent_format(number_format) or 0 < number < 1:
            number *= 100
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
        if not text:
            return None, True
        m = _NUMBER.match(text)
        if not m:
            return None, False
        number = float(m.group(1))
    number = round(number, 1)
    if not 0 <= number <= 100:
        return None, False
    return number, True


def stored_percent(value: object) -> float | None:
    """The 完成进度 kept with a return's values (:func:`percent_value`) as a float; None when the
    cell was empty or could not be read (the values then hold None, or nothing)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def percent_value(number: float) -> int | float:
    """A parsed 完成进度 as stored with a return's values: 80 (an int when whole), 66.5."""
    return int(number) if float(number).is_integer() else float(number)


def percent_text(value: float | None) -> str:
    """完成进度 / 序时进度 as printed: "55%", "66.7%", "—" when not reported."""
    if value is None:
        return "—"
    return f"{value:g}%" if value == int(value) else f"{value:.1f}%"


def percent_shown(value: object) -> str:
    """A unit's 完成进度 as the tracker and the page show it: "55%" for a number (55, 0.55, "55",
    "55％"), the text as typed for anything else ("八成": found as 完成进度无法识别), "" when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    number, ok = parse_percent(value)
    if ok and number is not None:
        return percent_text(number)
    return value if isinstance(value, str) else str(value)


def gap_text(gap: float | None) -> str:
    """The gap as printed: "落后20个百分点", "超前5个百分点", "持平", "—"."""
    if gap is None:
        return "—"
    if abs(gap) < 0.05:
        return "持平"
    n = f"{abs(gap):g}" if abs(gap) == int(abs(gap)) else f"{abs(gap):.1f}"
    return f"落后{n}个百分点" if gap > 0 else f"超前{n}个百分点"


_CN_MONTH = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}
_DUE_FULL = re.compile(r"(\d{4})\s*[年\-./]\s*(\d{1,2})(?:\s*[月\-./]\s*(\d{1,2})日?)?")
_DUE_MONTH = re.compile(r"(\d{1,2}|十[一二]?|[一二三四五六七八九])\s*月")
_DUE_QUARTER = re.compile(r"(?:第)?([一二三四1-4])\s*季度")


def parse_due(value: object, year: int) -> date | None:
    """A 完成时限 cell as a date: "2025年6月底" / "6月底前" / "2025-06-30" / "6月" → the day given or
    the month's last day; "上半年" → June 30; "三季度末" → September 30; "年底"/"年内" → December 31.
    None when it names no date ("长期坚持", "持续推进", empty)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None

    def month_end(y: int, m: int) -> date | None:
        if not 1 <= m <= 12:
            return None
        return date(y, m, calendar.monthrange(y, m)[1])

    m = _DUE_FULL.search(text)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        if m.group(3):
            try:
                return date(y, mo, int(m.group(3)))
            except ValueError:
                return month_end(y, mo)
        return month_end(y, mo)
    m = _DUE_MONTH.search(text)
    if m:
        word = m.group(1)
        mo = int(word) if word.isdigit() else _CN_MONTH.get(word, 0)
        return month_end(year, mo)
    m = _DUE_QUARTER.search(text)
    if m:
        q = "一二三四".find(m.group(1)) + 1 if not m.group(1).isdigit() else int(m.group(1))
        return month_end(year, 3 * q)
    if "上半年" in text:
        return date(year, 6, 30)
    if "下半年" in text or "年底" in text or "年内" in text or "年末" in text or "全年" in text:
        return date(year, 12, 31)
    return None
