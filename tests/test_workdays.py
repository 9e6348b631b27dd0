"""Working-day arithmetic against the official State Council holiday schedules.

The expected dates below are worked out by hand from the official notices,
counting working days by hand; they are not produced by the code under test.

2025 (State Council notice for 2025):
    元旦 1/1; 春节 1/28–2/4, 调休上班 1/26(日), 2/8(六); 清明 4/4–4/6;
    劳动节 5/1–5/5, 调休上班 4/27(日); 端午 5/31–6/2;
    国庆中秋 10/1–10/8, 调休上班 9/28(日), 10/11(六).
2026 (State Council notice for 2026, as carried by chinese_calendar 1.11.0):
    元旦 1/1–1/3, 调休上班 1/4(日); 春节 2/15–2/23, 调休上班 2/14(六), 2/28(六);
    清明 4/4–4/6; 劳动节 5/1–5/5, 调休上班 5/9(六); 端午 6/19–6/21;
    中秋 9/25–9/27; 国庆 10/1–10/7, 调休上班 9/20(日), 10/10(六).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from office.errors import CalendarGap, ConfigError, DubanError
from office.workdays import (
    WorkCalendar,
    parse_period,
    plan_deadline,
    quarter_of,
    status_deadline,
    year_deadlines,
)

D = date.fromisoformat

# Status for month M is due on the 5th working day of month M+1.
STATUS_2025 = {
    1: "2025-02-10",   # 2/1–2/4 holiday; 2/5, 2/6, 2/7, 2/8(六 调休), 2/10
    2: "2025-03-07",   # 3/3–3/7
    3: "2025-04-08",   # 4/1, 4/2, 4/3; 4/4–4/6 清明; 4/7, 4/8
    4: "2025-05-12",   # 5/1–5/5 holiday; 5/6–5/9, 5/12
    5: "2025-06-09",   # 6/1–6/2 端午; 6/3–6/6, 6/9
    6: "2025-07-07",   # 7/1–7/4, 7/7
    7: "2025-08-07",   # 8/1, 8/4–8/7
    8: "2025-09-05",   # 9/1–9/5
    9: "2025-10-14",   # 10/1–10/8 holiday; 10/9, 10/10, 10/11(六 调休), 10/13, 10/14
    10: "2025-11-07",  # 11/3–11/7
    11: "2025-12-05",  # 12/1–12/5
    12: "2026-01-08",  # 1/1–1/3 元旦; 1/4(日 调休), 1/5, 1/6, 1/7, 1/8
}

STATUS_2026 = {
    1: "2026-02-06",   # 2/2–2/6 (Spring Festival starts 2/15)
    2: "2026-03-06",   # 3/2–3/6 (2/28 调休 is still February)
    3: "2026-04-08",   # 4/1, 4/2, 4/3; 4/4–4/6 清明; 4/7, 4/8
    4: "2026-05-11",   # 5/1–5/5 holiday; 5/6, 5/7, 5/8, 5/9(六 调休), 5/11
    5: "2026-06-05",   # 6/1–6/5
    6: "2026-07-07",   # 7/1, 7/2, 7/3, 7/6, 7/7
    7: "2026-08-07",   # 8/3–8/7
    8: "2026-09-07",   # 9/1–9/4, 9/7
    9: "2026-10-13",   # 10/1–10/7 holiday; 10/8, 10/9, 10/10(六 调休), 10/12, 10/13
    10: "2026-11-06",  # 11/2–11/6
    11: "2026-12-07",  # 12/1–12/4, 12/7
}


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# -- monthly status deadlines ------------------------------------------------


@pytest.mark.parametrize("month,expected", sorted(STATUS_2025.items()))
def test_status_deadlines_2025(cal, month, expected):
    assert status_deadline(cal, 2025, month) == D(expected)


@pytest.mark.parametrize("month,expected", sorted(STATUS_2026.items()))
def test_status_deadlines_2026(cal, month, expected):
    assert status_deadline(cal, 2026, month) == D(expected)


def test_december_2026_needs_2027_schedule(cal):
    assert not cal.covers(2027)
    with pytest.raises(CalendarGap) as info:
        status_deadline(cal, 2026, 12)
    msg = str(info.value)
    assert "2027年的法定节假日安排尚未收录" in msg
    assert "duban.toml" in msg and "[calendar]" in msg
    assert isinstance(info.value, DubanError)


def test_december_2026_with_override(cal):
    ov = WorkCalendar(holidays=[D("2027-01-01")])
    assert ov.covers(2027)
    # 1/1(五) holiday; 1/4–1/8
    assert status_deadline(ov, 2026, 12) == D("2027-01-08")
    # Any 2027 override makes 2027 weekends-plus-overrides: 1/1 counts, then 1/4–1/7.
    ov2 = WorkCalendar(holidays=[D("2027-02-11")])
    assert status_deadline(ov2, 2026, 12) == D("2027-01-07")


def test_2027_override_moves_january_deadline():
    base = WorkCalendar(holidays=[D("2027-01-01")])
    assert status_deadline(base, 2027, 1) == D("2027-02-05")  # 2/1–2/5
    moved = WorkCalendar(holidays=[D("2027-01-01"), D("2027-02-05")])
    assert status_deadline(moved, 2027, 1) == D("2027-02-08")  # 2/5 off, next is Monday 2/8


def test_2027_make_up_workday_override():
    ov = WorkCalendar(holidays=[D("2027-01-01")], workdays=[D("2027-01-02")])
    assert ov.is_workday(D("2027-01-02"))  # Saturday made a working day
    assert not ov.is_workday(D("2027-01-03"))  # plain Sunday
    # 1/2(六 调休), 1/4, 1/5, 1/6, 1/7
    assert status_deadline(ov, 2026, 12) == D("2027-01-07")


def test_override_beats_library_in_known_year():
    ov = WorkCalendar(holidays=[D("2025-02-10")], workdays=[D("2025-02-01")])
    assert not ov.is_workday(D("2025-02-10"))
    assert ov.is_workday(D("2025-02-01"))
    # 2/1(override), 2/5, 2/6, 2/7, 2/8(六 调休)
    assert status_deadline(ov, 2025, 1) == D("2025-02-08")


def test_override_strings_and_conflicts():
    ov = WorkCalendar(holidays=["2027-01-01"])
    assert not ov.is_workday(D("2027-01-01"))
    with pytest.raises(ConfigError):
        WorkCalendar(holidays=["2027-13-01"])
    with pytest.raises(ConfigError) as info:
        WorkCalendar(holidays=[D("2027-01-04")], workdays=[D("2027-01-04")])
    assert "2027-01-04" in str(info.value)


# -- single days ---------------------------------------------------------------


def test_is_workday_official_days(cal):
    assert not cal.is_workday(D("2025-01-01"))
    assert cal.is_workday(D("2025-01-26"))  # Sunday, 调休上班
    assert not cal.is_workday(D("2025-01-28"))
    assert not cal.is_workday(D("2025-02-04"))
    assert cal.is_workday(D("2025-02-08"))  # Saturday, 调休上班
    assert cal.is_workday(D("2025-04-27"))  # Sunday, 调休上班
    assert not cal.is_workday(D("2025-10-08"))
    assert cal.is_workday(D("2025-09-28"))
    assert cal.is_workday(D("2025-10-11"))
    assert not cal.is_workday(D("2025-10-12"))  # plain Sunday
    assert cal.is_workday(D("2026-01-04"))
    assert cal.is_workday(D("2026-02-28"))
    assert not cal.is_workday(D("2026-09-25"))
    assert cal.is_workday(datetime(2025, 2, 8, 9, 30))


def test_unknown_year_without_overrides(cal):
    with pytest.raises(CalendarGap) as info:
        cal.is_workday(D("2027-03-01"))
    assert str(info.value).startswith("2027年")
    with pytest.raises(CalendarGap):
        cal.is_workday(D("2003-06-02"))


def test_covers():
    cal = WorkCalendar(workdays=[D("2028-01-29")])
    assert cal.covers(2004) and cal.covers(2025) and cal.covers(2026)
    assert not cal.covers(2003)
    assert not cal.covers(2027)
    assert cal.covers(2028)


# -- counting ----------------------------------------------------------------


def test_add_workdays(cal):
    assert cal.add_workdays(D("2025-01-27"), 1) == D("2025-02-05")  # across 春节
    assert cal.add_workdays(D("2025-09-30"), 1) == D("2025-10-09")  # across 国庆
    assert cal.add_workdays(D("2025-09-26"), 1) == D("2025-09-28")  # Sunday 调休
    assert cal.add_workdays(D("2025-02-10"), 1) == D("2025-02-11")  # start not counted
    with pytest.raises(DubanError):
        cal.add_workdays(D("2025-02-10"), 0)


def test_workdays_before(cal):
    assert cal.workdays_before(D("2025-02-05"), 1) == D("2025-01-27")
    assert cal.workdays_before(D("2025-10-14"), 5) == D("2025-09-30")  # 10/13, 10/11, 10/10, 10/9, 9/30
    assert cal.workdays_before(D("2025-02-10"), 2) == D("2025-02-07")  # 2/8, 2/7


def test_workdays_between_across_holiday(cal):
    # Due the Thursday before 清明 (4/4–4/6); received the next working day.
    assert cal.workdays_between(D("2025-04-03"), D("2025-04-07")) == 1
    # Due the last working day before 国庆; received the first one after it.
    assert cal.workdays_between(D("2025-09-30"), D("2025-10-09")) == 1
    # Received during the holiday: not late at all.
    assert cal.workdays_between(D("2025-09-30"), D("2025-10-08")) == 0
    # On time and early.
    assert cal.workdays_between(D("2025-02-10"), D("2025-02-10")) == 0
    assert cal.workdays_between(D("2025-02-10"), D("2025-02-03")) == 0
    # Saturday make-up day counts: 2/7 due, 2/8(六) received.
    assert cal.workdays_between(D("2025-02-07"), D("2025-02-08")) == 1
    # 10/14 due, 10/20 received: 10/15, 10/16, 10/17, 10/20
    assert cal.workdays_between(D("2025-10-14"), D("2025-10-20")) == 4


def test_workdays_between_into_unknown_year(cal):
    with pytest.raises(CalendarGap):
        cal.workdays_between(D("2026-12-31"), D("2027-01-05"))
    assert cal.workdays_between(D("2027-01-05"), D("2027-01-04")) == 0


def test_first_workday(cal):
    assert cal.first_workday(2025, 2) == D("2025-02-05")
    assert cal.first_workday(2025, 10) == D("2025-10-09")
    assert cal.first_workday(2026, 1) == D("2026-01-04")  # Sunday 调休
    assert cal.first_workday(2025, 6) == D("2025-06-03")
    with pytest.raises(CalendarGap):
        cal.first_workday(2027, 1)


def test_status_deadline_other_n(cal):
    assert status_deadline(cal, 2025, 1, n=1) == D("2025-02-05")
    assert status_deadline(cal, 2025, 9, n=3) == D("2025-10-11")
    with pytest.raises(DubanError):
        status_deadline(cal, 2025, 13)


# -- plan and listing ----------------------------------------------------------


def test_plan_deadline():
    assert plan_deadline(2025) == D("2025-02-18")
    assert plan_deadline(2026, "03-01") == D("2026-03-01")
    assert plan_deadline(2027, "2-5") == D("2027-02-05")
    for bad in ("02-30", "2月18日", "", "0218"):
        with pytest.raises(DubanError):
            plan_deadline(2025, bad)


def test_year_deadlines_2025(cal):
    rows = year_deadlines(cal, 2025)
    assert len(rows) == 13
    assert rows[0] == {"kind": "plan", "period": "2025", "due": "2025-02-18"}
    status = rows[1:]
    assert [r["kind"] for r in status] == ["status"] * 12
    assert [r["period"] for r in status] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert [r["due"] for r in status] == [STATUS_2025[m] for m in range(1, 13)]
    assert all("problem" not in r for r in rows)


def test_year_deadlines_2026_reports_gap(cal):
    rows = year_deadlines(cal, 2026, plan="02-20")
    assert rows[0]["due"] == "2026-02-20"
    assert [r["due"] for r in rows[1:12]] == [STATUS_2026[m] for m in range(1, 12)]
    dec = rows[12]
    assert dec["period"] == "2026-12"
    assert dec["due"] is None
    assert "2027年的法定节假日安排尚未收录" in dec["problem"]


def test_year_deadlines_2027_with_overrides():
    ov = WorkCalendar(holidays=[D("2027-01-01"), D("2027-02-05")])
    rows = year_deadlines(ov, 2026)
    assert rows[12]["due"] == "2027-01-08"
    rows = year_deadlines(ov, 2027)
    assert rows[1]["due"] == "2027-02-08"
    assert rows[12]["due"] is None and "2028年" in rows[12]["problem"]


# -- periods -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2025-03", (2025, 3)),
        ("2025-3", (2025, 3)),
        ("2025年3月", (2025, 3)),
        ("2025年03月", (2025, 3)),
        (" 2025年12月 ", (2025, 12)),
        ("２０２５－０３", (2025, 3)),  # full-width
    ],
)
def test_parse_period(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["2025-13", "2025-00", "2025年", "三月", "2025/03", "", None, "25-03"])
def test_parse_period_rejects(text):
    with pytest.raises(DubanError) as info:
        parse_period(text)
    assert "无法识别的月份" in str(info.value)


def test_quarter_of():
    assert [quarter_of(m) for m in range(1, 13)] == [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]
    with pytest.raises(DubanError):
        quarter_of(0)
