"""Working-day arithmetic for reporting deadlines.

The official calendar (statutory holidays and make-up working days, 调休) comes
from ``chinese_calendar`` for the years it knows. For any other year the office
must list the holidays and make-up days itself in ``duban.toml`` under
``[calendar]``; those overrides also win over the library for the years it does
know. A deadline that would fall in a year nobody describes raises
:class:`~office.errors.CalendarGap` instead of being guessed from weekends alone.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Iterable

import chinese_calendar
from chinese_calendar.constants import holidays as _LIB_HOLIDAYS

from office.errors import CalendarGap, ConfigError, DubanError

_ONE_DAY = timedelta(days=1)

# The years chinese_calendar has data for (it validates against the same range).
_LIB_MIN_YEAR = min(_LIB_HOLIDAYS).year
_LIB_MAX_YEAR = max(_LIB_HOLIDAYS).year


def gap_message(year: int) -> str:
    """The Chinese explanation shown when ``year`` has no holiday schedule."""
    return (
        f"{year}年的法定节假日安排尚未收录，无法准确计算截止日期。"
        "请在 duban.toml 的 [calendar] 中填写 holidays 和 workdays（调休上班日）后重试。"
    )


def _calendar_gap(year: int) -> CalendarGap:
    err = CalendarGap(gap_message(year))
    err.year = year
    return err


def _as_date(value: object, field: str) -> date:
    """An override entry as a date; TOML gives dates, but quoted strings are accepted too."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ConfigError(
        f"duban.toml 的 [calendar] {field} 中有无法识别的日期：{value!r}。"
        "请写成 2027-01-01 这样的格式。"
    )


def _check_count(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise DubanError(f"工作日天数应为正整数，实际为：{n!r}。")


def _check_month(month: int) -> None:
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
        raise DubanError(f"月份应为 1 到 12 之间的整数，实际为：{month!r}。")


class WorkCalendar:
    """Which days are working days, per the official schedule plus local overrides."""

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()):
        self._holidays = frozenset(_as_date(d, "holidays") for d in holidays)
        self._workdays = frozenset(_as_date(d, "workdays") for d in workdays)
        both = sorted(self._holidays & self._workdays)
        if both:
            listed = "、".join(d.isoformat() for d in both)
            raise ConfigError(
                f"duban.toml 的 [calendar] 中，{listed} 同时出现在 holidays 和 workdays 里。"
                "请只保留其中一处。"
            )
        self._override_years = frozenset(d.year for d in self._holidays | self._workdays)

    # -- single days ---------------------------------------------------------

    def covers(self, year: int) -> bool:
        """True if the library knows ``year`` or an override exists for it."""
        return _LIB_MIN_YEAR <= year <= _LIB_MAX_YEAR or year in self._override_years

    def is_workday(self, d: date) -> bool:
        if isinstance(d, datetime):
            d = d.date()
        if d in self._holidays:
            return False
        if d in self._workdays:
            return True
        if _LIB_MIN_YEAR <= d.year <= _LIB_MAX_YEAR:
            return chinese_calendar.is_workday(d)
        if d.year in self._override_years:
            return d.weekday() < 5
        raise _calendar_gap(d.year)

    # -- counting ------------------------------------------------------------

    def add_workdays(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` itself is not counted)."""
        _check_count(n)
        d = start.date() if isinstance(start, datetime) else start
        while n:
            d += _ONE_DAY
            if self.is_workday(d):
                n -= 1
        return d

    def workdays_before(self, due: date, n: int) -> date:
        """The n-th working day before ``due`` (``due`` itself is not counted)."""
        _check_count(n)
        d = due.date() if isinstance(due, datetime) else due
        while n:
            d -= _ONE_DAY
            if self.is_workday(d):
                n -= 1
        return d

    def workdays_between(self, due: date, received: date) -> int:
        """Working days late: the working days d with ``due < d <= received``."""
        if isinstance(due, datetime):
            due = due.date()
        if isinstance(received, datetime):
            received = received.date()
        count = 0
        d = due + _ONE_DAY
        while d <= received:
            if self.is_workday(d):
                count += 1
            d += _ONE_DAY
        return count

    def first_workday(self, year: int, month: int) -> date:
        _check_month(month)
        return self.add_workdays(date(year, month, 1) - _ONE_DAY, 1)


# -- deadlines ---------------------------------------------------------------


def status_deadline(cal: WorkCalendar, year: int, month: int, n: int = 5) -> date:
    """The monthly status for ``month`` is due on the n-th working day of the next month."""
    _check_month(month)
    _check_count(n)
    if month == 12:
        month_end = date(year, 12, 31)
    else:
        month_end = date(year, month + 1, 1) - _ONE_DAY
    return cal.add_workdays(month_end, n)


def plan_deadline(year: int, month_day: str = "02-18") -> date:
    """The fixed calendar date by which the year's work plan is due."""
    m = re.fullmatch(r"(\d{1,2})-(\d{1,2})", unicodedata.normalize("NFKC", str(month_day)).strip())
    try:
        if m is None:
            raise ValueError(month_day)
        return date(year, int(m.group(1)), int(m.group(2)))
    except ValueError:
        raise DubanError(
            f"年度计划截止日期“{month_day}”不正确，应写成“月-日”，例如 02-18。"
        ) from None


def year_deadlines(cal: WorkCalendar, year: int, n: int = 5, plan: str = "02-18") -> list[dict]:
    """The plan deadline and the 12 monthly status deadlines of ``year``.

    A month whose deadline falls in an undescribed year gets ``"due": None`` and
    a ``"problem"`` text instead of raising, so the rest of the listing still shows.
    """
    out: list[dict] = [
        {"kind": "plan", "period": f"{year}", "due": plan_deadline(year, plan).isoformat()}
    ]
    for month in range(1, 13):
        entry: dict = {"kind": "status", "period": f"{year}-{month:02d}"}
        try:
            entry["due"] = status_deadline(cal, year, month, n).isoformat()
        except CalendarGap as gap:
            entry["due"] = None
            entry["problem"] = str(gap)
        out.append(entry)
    return out


# -- periods -----------------------------------------------------------------

_PERIOD_PATTERNS = (
    re.compile(r"(\d{4})\s*-\s*(\d{1,2})"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:份)?"),
)


def parse_period(s: str) -> tuple[int, int]:
    """``"2025-03"`` or ``"2025年3月"`` -> ``(2025, 3)``."""
    text = unicodedata.normalize("NFKC", s).strip() if isinstance(s, str) else ""
    for pattern in _PERIOD_PATTERNS:
        m = pattern.fullmatch(text)
        if m:
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                return year, month
            break
    raise DubanError(f"无法识别的月份：“{s}”。请写成 2025-03 或 2025年3月 这样的格式。")


def quarter_of(month: int) -> int:
    _check_month(month)
    return (month - 1) // 3 + 1
