"""完成进度, 序时进度 and 已完成 (销号): the numbers, and the month's lights through real files
(generated, filled by header text with tests/fill.py, collected, built into the month from the
ledger). How the 完成进度（%） cell itself is read is tested with the reader (tests/test_returns.py)."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from conftest import generate_forms
from fill import fill_form, form_sheet, locate, task_ids
from month_fixture import U, answer, arrived, full, issue, make_ws, outbox_form, plan_values
from office.month import build_month, done_step
from office.progress import (ProgressSettings, band, gap_text, is_percent_format, parse_due, parse_percent, percent_text,
                             schedule_pct)
from office.workspace import open_workspace
from office.wording import STATUS_RULES, status_legend, status_rules

# -- the numbers ----------------------------------------------------------------------------------


def test_schedule_of_each_month_of_2025_is_the_share_of_the_year():
    for m in range(1, 13):
        assert schedule_pct(2025, m) == round(m / 12 * 100, 1), m
    assert (schedule_pct(2025, 3), schedule_pct(2025, 9), schedule_pct(2025, 12)) == (25.0, 75.0, 100.0)


def test_schedule_runs_to_the_tasks_own_deadline():
    june = date(2025, 6, 30)
    assert schedule_pct(2025, 3, june) == 50.0
    assert schedule_pct(2025, 1, june) == round(100 / 6, 1)
    assert [schedule_pct(2025, m, june) for m in range(6, 13)] == [100.0] * 7
    assert schedule_pct(2025, 3, date(2025, 12, 31)) == 25.0  # due at the year's end: as the year
    assert schedule_pct(2025, 3, date(2026, 6, 30)) == 25.0 and schedule_pct(2025, 3, date(2024, 12, 31)) == 100.0
    assert schedule_pct(2025, 3, date(2025, 4, 15)) == round(3 / 3.5 * 100, 1)  # mid-April: 3.5 months
    with pytest.raises(ValueError):
        schedule_pct(2025, 13)


@pytest.mark.parametrize("value, fmt, want", [
    (None, None, (None, True)), ("", None, (None, True)), ("  ", None, (None, True)),
    (80, None, (80.0, True)), (0, None, (0.0, True)), (100, None, (100.0, True)), (66.54, None, (66.5, True)),
    (0.8, None, (80.0, True)),  # a share (a cell formatted as 0% whose format is not known)
    (1, None, (1.0, True)),  # 1 in a plain cell is 1 percent ...
    (1, "0%", (100.0, True)), (0.555, "0.0%", (55.5, True)), (0.8, "0%", (80.0, True)),  # ... formatted as 0%, 100
    (55, "General", (55.0, True)), (55, '0"%"', (55.0, True)), (55, "0.0", (55.0, True)),  # a literal % is text
    (1.5, "0%", (None, False)),  # 150%
    ("80", None, (80.0, True)), ("80%", None, (80.0, True)), ("８０％", None, (80.0, True)), (" 66.5 % ", None, (66.5, True)),
    ("100.0", None, (100.0, True)), ("0.8", None, (0.8, True)),  # text is read as written
    ("八成", None, (None, False)), ("约60%", None, (None, False)), ("120", None, (None, False)), ("-5", None, (None, False)),
    ("60-70", None, (None, False)), (120, None, (None, False)), (-1, None, (None, False)), (True, None, (None, False)),
    (datetime(2025, 3, 1), None, (None, False)), (float("nan"), None, (None, False)),
])
def test_parse_percent(value, fmt, want):
    assert parse_percent(value, fmt) == want


def test_percent_formats_and_texts():
    assert is_percent_format("0%") and is_percent_format("0.00%") and is_percent_format("#,##0.0%;[Red]-0.0%")
    assert not is_percent_format(None) and not is_percent_format("General") and not is_percent_format('0"%"')
    assert not is_percent_format("0\\%") and not is_percent_format("0.0")
    assert (percent_text(55.0), percent_text(66.7), percent_text(None)) == ("55%", "66.7%", "—")
    assert (gap_text(20.0), gap_text(-5.0), gap_text(0.0), gap_text(None)) == ("落后20个百分点", "超前5个百分点", "持平", "—")


@pytest.mark.parametrize("text, want", [
    ("2025年6月底", date(2025, 6, 30)), ("6月底前", date(2025, 6, 30)), ("2025-06-30", date(2025, 6, 30)),
    ("2025.9.15", date(2025, 9, 15)), ("十月", date(2025, 10, 31)), ("十二月底", date(2025, 12, 31)),
    ("上半年", date(2025, 6, 30)), ("三季度末", date(2025, 9, 30)), ("第2季度", date(2025, 6, 30)),
    ("年底前完成", date(2025, 12, 31)), ("年内", date(2025, 12, 31)), (date(2025, 5, 1), date(2025, 5, 1)),
    ("长期坚持", None), ("持续推进", None), ("", None), (None, None), ("2025年2月30日", date(2025, 2, 28)),
])
def test_parse_due(text, want):
    assert parse_due(text, 2025) == want


def test_bands_are_inclusive_between_yellow_and_red():
    s = ProgressSettings()
    assert [band(g, s) for g in (-20, 0, 9.9, 10, 20, 30, 30.1, 75)] == ["绿", "绿", "绿", "黄", "黄", "黄", "红", "红"]
    moved = ProgressSettings(yellow_gap=25, red_gap=40)
    assert [band(g, moved) for g in (20, 25, 35, 40, 40.5)] == ["绿", "黄", "黄", "黄", "红"]


def test_done_step():
    assert done_step("", "2025-06", [(100.0, "是")]) == "2025-06"
    assert done_step("", "2025-06", [(100.0, "是"), (90.0, "是")]) == ""  # every lead
    assert done_step("", "2025-06", [(100.0, "是"), None]) == ""  # a lead that did not report
    assert done_step("", "2025-06", [(100.0, "否")]) == "" and done_step("", "2025-06", []) == ""
    assert done_step("2025-06", "2025-07", [None]) == "2025-06"  # not reported: stays
    assert done_step("2025-06", "2025-07", [(None, "是")]) == "2025-06"  # says nothing otherwise
    assert done_step("2025-06", "2025-07", [(60.0, "是")]) == "" and done_step("2025-06", "2025-07", [(100.0, "否")]) == ""


def test_the_legend_tells_both_rules_with_the_bands():
    default = status_rules()
    assert default == STATUS_RULES
    assert "超过30个百分点" in default["红"] and "未报送" in default["红"] and "未完成阶段任务目标" in default["红"]
    assert "10至30个百分点" in default["黄"] and "配合单位报告未完成" in default["黄"] and "没有应报单位" in default["黄"]
    assert "已完成（销号）" in default["绿"] and "不到10个百分点" in default["绿"]
    moved = status_rules(ProgressSettings(yellow_gap=15, red_gap=40, no_forces_red=False))
    assert "超过40个百分点" in moved["红"] and "15至40个百分点" in moved["黄"] and "不到15个百分点" in moved["绿"]
    assert "未填完成进度的，报告未完成阶段任务目标" in moved["红"]  # 否 forces 红 only where no progress is reported
    assert status_legend(settings=ProgressSettings(15, 40)).startswith("红：") and "15至40" in status_legend(
        settings=ProgressSettings(15, 40))


# -- the month's lights, through real files ----------------------------------------------------------
#
# month_fixture's tasks: annual-1 U0 (lead) + U1, annual-2 U2, annual-3 U3 (lead) + U4, annual-4 U5,
# annual-5 U6, livelihood-1 U1.

SEPTEMBER = {  # unit -> {task: answers}; 序时进度 at the end of September: 75
    U[0]: {"annual-1": {"percent": 70, "achieved": "否"}},  # 5 behind, but 否
    U[1]: {"annual-1": {"percent": 10}, "livelihood-1": {}},  # a co-unit's percent does not light the task
    U[2]: {"annual-2": {"percent": 55}},  # 20 behind: 黄
    U[3]: {"annual-3": {"percent": "八成"}},  # unreadable: not reported, lit by 是/否
    U[4]: {"annual-3": {}},
    U[5]: {"annual-4": {"percent": "40%"}},  # 35 behind: 红
    U[6]: {"annual-5": {"percent": 70}},  # 5 behind: 绿
}
AFTER = datetime(2025, 11, 20, 9)


def _month(ws, period: str, answers: dict[str, dict[str, dict]], at: datetime) -> None:
    """Generate and issue the month's forms; each unit of ``answers`` fills its rows ({task: fields},
    on top of a full 是 answer) with the independent filler, and the file is collected at ``at``."""
    y, m = int(period[:4]), int(period[5:])
    generate_forms(ws, "status", period, now=datetime(y, m, 1, 9))
    issue(ws, "status", period, datetime(y, m, 1, 10))
    for unit, rows in answers.items():
        values = {tid: full(f"{period} {unit}推进") | fields for tid, fields in rows.items()}
        answer(ws, "status", period, unit, values, at)


def _lights(data) -> dict[str, tuple]:  # noqa: ANN001
    return {t.id: (s, p.rule, p.percent, p.schedule, p.done, p.done_period)
            for t, s, p in zip(data.rows.tasks, data.rows.statuses, data.rows.progress)}


@pytest.fixture(scope="module")
def september(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("september") / "ws"
    ws = make_ws(root)
    try:
        _month(ws, "2025-09", SEPTEMBER, datetime(2025, 10, 9, 10))
    finally:
        ws.close()
    return root


def _with_progress(src: Path, dst: Path, **values) -> Path:
    """A copy of the workspace with ``[progress]`` set as a clerk writes it in duban.toml."""
    shutil.copytree(src, dst)
    cfg = dst / "duban.toml"
    text = cfg.read_text(encoding="utf-8")
    for key, value in values.items():
        old = next(line for line in text.splitlines() if line.startswith(f"{key} = "))
        text = text.replace(old, f"{key} = {value}")
    cfg.write_text(text, encoding="utf-8")
    return dst


def test_september_lights_follow_progress_against_schedule(september):
    ws = open_workspace(september)
    try:
        with build_month(ws, "2025-09", AFTER) as data:
            got = _lights(data)
            findings = list(data.findings)
    finally:
        ws.close()
    assert got["annual-2"] == ("黄", "progress", 55, 75.0, False, "")
    assert got["annual-4"] == ("红", "progress", 40, 75.0, False, "")
    assert got["annual-5"] == ("绿", "progress", 70, 75.0, False, "")
    assert got["annual-1"] == ("红", "progress", 70, 75.0, False, "")  # 否 forces 红 although 5 behind
    assert got["annual-3"][:3] == ("绿", "yes_no", None)  # 八成 is not a number: lit by 是/否 as before
    assert got["livelihood-1"][:3] == ("绿", "yes_no", None)
    # 八成: one finding, of its cell and file, and nothing else about that cell
    bad = [f for f in findings if f.kind == "bad_progress"]
    assert len(bad) == 1
    form = outbox_form(open_workspace(september), "status", "2025-09", U[3])
    cols, rows, _ = locate(form_sheet(openpyxl.load_workbook(form)))
    cell = f"{openpyxl.utils.get_column_letter(cols['percent'])}{rows['annual-3']}"
    assert (bad[0].unit, bad[0].task, bad[0].period, bad[0].cell) == (U[3], "annual-3", "2025-09", cell)
    assert bad[0].file.startswith(U[3]) and bad[0].file in bad[0].message and cell in bad[0].message
    assert [f.kind for f in findings if f.cell == cell and f.unit == U[3]] == ["bad_progress"]
    assert not [f for f in findings if f.kind == "incomplete" and f.unit == U[3]]


def test_bands_and_no_forces_red_come_from_duban_toml(september, tmp_path):
    moved = open_workspace(_with_progress(september, tmp_path / "moved", yellow_gap=25, red_gap=40))
    loose = open_workspace(_with_progress(september, tmp_path / "loose", no_forces_red="false"))
    try:
        assert moved.settings.progress == ProgressSettings(25, 40, True)
        with build_month(moved, "2025-09", AFTER) as data:
            got = _lights(data)
        assert (got["annual-2"][0], got["annual-4"][0], got["annual-5"][0], got["annual-1"][0]) == ("绿", "黄", "绿", "红")
        with build_month(loose, "2025-09", AFTER) as data:
            got = _lights(data)
        assert got["annual-1"][:2] == ("绿", "progress")  # 否 no longer forces 红: 5 behind is 绿
        assert (got["annual-2"][0], got["annual-4"][0]) == ("黄", "红")
    finally:
        moved.close()
        loose.close()


def test_a_month_without_any_percent_is_lit_by_yes_no_as_before(filled_month):
    with build_month(filled_month, "2025-03", datetime(2025, 4, 15, 9)) as data:
        assert {p.rule for p in data.rows.progress} == {"yes_no"}
        assert all(p.percent is None and p.schedule == 25.0 and not p.done for p in data.rows.progress)
        status = dict(zip((t.id for t in data.rows.tasks), data.rows.statuses))
    assert status["annual-3"] == "红"  # U[3] reports 否
    assert status["annual-2"] == "绿"  # U[2] reports 是


# 已完成 (销号) over the months: U[2] alone on annual-2, U[6] alone on annual-5
DONE_MONTHS = {
    "2025-06": {U[2]: {"annual-2": {"percent": 100}}, U[6]: {"annual-5": {"percent": 100, "achieved": "否"}}},
    "2025-07": {U[2]: {"annual-2": {"percent": 100}}, U[6]: {"annual-5": {"percent": "100%"}}},
    "2025-08": {U[6]: {"annual-5": {}}},  # U[2] does not report at all; U[6] gives no percent
    "2025-09": {U[2]: {"annual-2": {"percent": 60}}, U[6]: {"annual-5": {"percent": 100}}},
    "2025-10": {U[2]: {"annual-2": {"percent": 100}}, U[6]: {"annual-5": {"percent": 100}}},
}


@pytest.fixture(scope="module")
def done_ws(tmp_path_factory):
    ws = make_ws(tmp_path_factory.mktemp("done") / "ws")
    for period, answers in DONE_MONTHS.items():
        y, m = int(period[:4]), int(period[5:])
        _month(ws, period, answers, datetime(y, m + 1, 3, 10))
    yield ws
    ws.close()


def _facts(ws, period: str) -> tuple:  # noqa: ANN001
    with build_month(ws, period, AFTER) as data:
        got = _lights(data)
        return ({k: got[k] for k in ("annual-2", "annual-5")}, [f for f in data.findings if f.kind == "reopened"],
                (data.counts["done"], data.counts["done_new"]))


def test_a_task_done_stays_done_until_a_lead_says_otherwise(done_ws):
    june, july, august, september, october = (_facts(done_ws, p) for p in DONE_MONTHS)
    assert june[0] == {"annual-2": ("绿", "done", 100, 50.0, True, "2025-06"), "annual-5": ("红", "progress", 100, 50.0, False, "")}
    assert june[2] == (1, 1) and june[1] == []
    assert july[0]["annual-2"] == ("绿", "done", 100, round(700 / 12, 1), True, "2025-06")  # still since June
    assert july[0]["annual-5"][4:] == (True, "2025-07") and july[2] == (2, 1)
    # August: U[2] did not report (missing) and U[6] gave no percent: both stay done
    assert august[0]["annual-2"][:2] == ("绿", "done") and august[0]["annual-2"][5] == "2025-06"
    assert august[0]["annual-5"][:2] == ("绿", "done") and august[0]["annual-5"][5] == "2025-07"
    assert august[2] == (2, 0) and august[1] == []
    # September: U[2] reports 60%: one finding, the state lifted, lit by its progress (15 behind 75: 黄)
    assert september[0]["annual-2"] == ("黄", "progress", 60, 75.0, False, "")
    assert september[0]["annual-5"][4:] == (True, "2025-07")
    [f] = september[1]
    form = outbox_form(done_ws, "status", "2025-09", U[2])
    cols, rows, _ = locate(form_sheet(openpyxl.load_workbook(form)))
    assert (f.unit, f.task, f.period) == (U[2], "annual-2", "2025-09")
    assert f.cell == f"{openpyxl.utils.get_column_letter(cols['percent'])}{rows['annual-2']}" and f.file.startswith(U[2])
    assert U[2] in f.message and "年度工作任务2" in f.message and "2025年6月" in f.message and "60%" in f.message
    # October: 100 and 是 again: done again, from October
    assert october[0]["annual-2"] == ("绿", "done", 100, round(1000 / 12, 1), True, "2025-10")
    assert october[1] == [] and october[2] == (2, 1)


def test_months_give_the_same_facts_in_any_order(done_ws):
    forward = [_facts(done_ws, p) for p in DONE_MONTHS]
    backward = [_facts(done_ws, p) for p in reversed(DONE_MONTHS)][::-1]
    assert forward == backward


def test_the_plans_deadline_sets_the_schedule(tmp_path):
    """A workspace plan template with a 完成时限 column: the lead's 6月底 puts 序时进度 at 50 in March."""
    from test_templates import _edited_template, append_column

    ws = make_ws(tmp_path / "ws")
    try:
        (ws.root / "templates").mkdir()
        _edited_template(ws.root / "templates", "plan", lambda sheet: append_column(sheet, "完成时限", 14))
        generate_forms(ws, "plan", now=datetime(2025, 1, 27, 9))
        issue(ws, "plan")
        for unit, due in ((U[2], "6月底前"), (U[6], "长期坚持")):
            src = outbox_form(ws, "plan", None, unit)
            dst = ws.root / "inbox" / f"{unit}_计划.xlsx"
            arrived(fill_form(src, dst, {tid: plan_values(unit) | {"due_by": due} for tid in task_ids(src)}))
        from conftest import collect_inbox

        assert len(collect_inbox(ws, datetime(2025, 2, 14, 10)).data["accepted"]) == 2
        _month(ws, "2025-03", {U[2]: {"annual-2": {"percent": 40}}, U[6]: {"annual-5": {"percent": 40}}}, datetime(2025, 4, 2, 10))
        with build_month(ws, "2025-03", datetime(2025, 4, 15, 9)) as data:
            got = {t.id: p for t, p in zip(data.rows.tasks, data.rows.progress)}
            status = dict(zip((t.id for t in data.rows.tasks), data.rows.statuses))
        assert (got["annual-2"].due, got["annual-2"].schedule, got["annual-2"].gap) == (date(2025, 6, 30), 50.0, 10.0)
        assert status["annual-2"] == "黄"
        assert (got["annual-5"].due, got["annual-5"].schedule, status["annual-5"]) == (None, 25.0, "绿")  # no date: the year
    finally:
        ws.close()
