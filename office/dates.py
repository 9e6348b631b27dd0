"""Chinese dates and period labels: the one way each is written.

A period is ``"2025"`` (the year's plan), ``"2025-03"`` (a month's status forms) or
``"2025Q1"`` (a quarter, for the quarterly briefing).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from office.errors import DubanError

CN_QUARTERS = "一二三四"
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_YEAR = re.compile(r"\d{4}")
_QUARTER_CODE = re.compile(r"(\d{4})Q([1-4])")
_QUARTER_TEXT = re.compile(r"^\s*(\d{4})\s*(?:[Qq]|年第?)\s*([1-4一二三四])\s*(?:季度)?\s*$")


def cn_date(d: date) -> str:
    """2025-02-18 -> 2025年2月18日."""
    return f"{d.year}年{d.month}月{d.day}日"


def cn_datetime(t: datetime) -> str:
    """2025-02-18 09:30 -> 2025年2月18日 09:30."""
    return f"{cn_date(t)} {t:%H:%M}"


def period_label(period: str) -> str:
    """2025-03 -> 2025年3月, 2025 -> 2025年度, 2025Q1 -> 2025年第一季度; anything else as it is."""
    text = period or ""
    m = _MONTH.fullmatch(text)
    if m:
        return f"{m.group(1)}年{int(m.group(2))}月"
    if _YEAR.fullmatch(text):
        return f"{text}年度"
    m = _QUARTER_CODE.fullmatch(text)
    if m:
        return f"{m.group(1)}年第{CN_QUARTERS[int(m.group(2)) - 1]}季度"
    return text


def month_label(period: str) -> str:
    """2025-03 -> 3月 (the month alone, for lines that already name the year)."""
    m = _MONTH.fullmatch(period or "")
    return f"{int(m.group(2))}月" if m else (period or "")


def template_period(kind: str, period: str) -> str:
    """The ``{period}`` placeholder of the mail templates: ``2025`` for the plan (the
    templates write ``{period}年度``), ``2025年3月`` for a month."""
    return period if kind == "plan" else period_label(period)


def form_label(kind: str, period: str) -> str:
    """2025年度落实计划表 / 2025年3月落实情况表; 报送表 when the kind is not known."""
    if kind == "plan":
        return f"{period_label(period) if period else ''}落实计划表"
    if kind == "status":
        return f"{period_label(period) if period else ''}落实情况表"
    return "报送表"


def parse_quarter(text: str) -> tuple[int, int]:
    """``"2025Q1"``, ``"2025年第一季度"`` -> ``(2025, 1)``."""
    m = _QUARTER_TEXT.match(text or "")
    if not m:
        raise DubanError(f"季度“{text}”无法识别，请写成 2025Q1 的形式。")
    q = m.group(2)
    return int(m.group(1)), CN_QUARTERS.index(q) + 1 if q in CN_QUARTERS else int(q)


def quarter_label(year: int, quarter: int) -> str:
    """(2025, 1) -> 2025年第一季度."""
    return f"{year}年第{CN_QUARTERS[quarter - 1]}季度"
