"""考核 scores: three months with known late and missing reports, built through the real jobs
(generate, send --record-only, collect; forms filled by tests/fill.py by header text), scored
by office.score, written by the score job and read back with openpyxl; the command line.

The expected deductions are listed by hand below (EXPECTED), each with the file and cell it
must cite; every unit's score is the base plus its own rows' points, summed here with Decimal.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from conftest import generate_forms, run_cli
from fill import form_sheet, locate, lo_convert
from jobs import score as score_job
from month_fixture import U, answer, full, issue, make_ws, outbox_form, plan_values
from office.errors import DubanError
from office.month import build_month, month_deadline
from office.score import compute
from office.score_data import points_text
from office.workspace import open_workspace
from openpyxl.utils import get_column_letter

NOW = datetime(2025, 4, 15, 9)
LATE_FILE = "=SUM(1)迟报.xlsx"  # a unit's file name that looks like a formula: written as text
# Tasks of month_fixture: annual-1 U0 lead / U1 co; annual-2 U2; annual-3 U3 lead / U4 co; annual-4 U5;
# annual-5 U6; livelihood-1 U1. U4 (区测试五局) leads nothing: its reporting events count × 0.5.


def _cell(ws, unit: str, kind: str, period: str | None, task: str, field: str) -> str:
    """The address of a fill-in cell of the unit's generated form, found by header text."""
    sheet = form_sheet(openpyxl.load_workbook(outbox_form(ws, kind, period, unit)))
    cols, rows, _ = locate(sheet)
    return f"{get_column_letter(cols[field])}{rows[task]}"


def _build(root: Path):
    """Plan, January, February (not issued to U2) and March 2025, answered at known times;
    [score.kinds] incomplete = -0.05. Returns (ws, facts) with the files and cells to cite."""
    ws = make_ws(root)
    cfg = root / "duban.toml"
    text = cfg.read_text(encoding="utf-8")
    assert "# incomplete = -0.05" in text
    cfg.write_text(text.replace("# incomplete = -0.05", "incomplete = -0.05"), encoding="utf-8")
    ws.close()
    ws = open_workspace(root)
    assert ws.settings.score.points("incomplete") == -0.05
    facts: dict[str, str] = {}

    # the plan, due 02-18: U5 never sends it, U6 sends it late
    generate_forms(ws, "plan", now=datetime(2025, 1, 27, 9))
    issue(ws, "plan")
    # January, due 2025-02-10
    generate_forms(ws, "status", "2025-01", now=datetime(2025, 1, 27, 10))
    issue(ws, "status", "2025-01", datetime(2025, 1, 27, 10, 5))
    jan = "2025-01"
    answer(ws, "status", jan, U[0], {"*": full("一月：园区规划")}, datetime(2025, 2, 7, 10))
    # U1 leaves 完成情况 blank on annual-1, where it is a co-unit: 内容不全 × 0.5
    p = answer(ws, "status", jan, U[1], {"annual-1": full("", next_steps="二月配合推进"), "livelihood-1": full("一月：公园选址")},
               datetime(2025, 2, 8, 10))
    facts["u1_jan_file"], facts["u1_jan_cell"] = p.name, _cell(ws, U[1], "status", jan, "annual-1", "progress")
    facts["u2_jan_file"] = answer(ws, "status", jan, U[2], {"*": full("一月：项目储备")}, datetime(2025, 2, 12, 10)).name  # late
    answer(ws, "status", jan, U[3], {"*": full("一月：城市更新摸底")}, datetime(2025, 2, 10, 16))
    facts["u4_jan_file"] = answer(ws, "status", jan, U[4], {"*": full("一月：配合摸底")}, datetime(2025, 2, 13, 9)).name  # late
    # U5 never answers January; U6 returns a blank form (no 完成情况 in any row): 空表, counted as 未报
    facts["u6_jan_file"] = answer(ws, "status", jan, U[6], {"*": {"problems": "无", "next_steps": "继续推进"}},
                                  datetime(2025, 2, 9, 10)).name
    for u in (U[0], U[1], U[2], U[3], U[4]):
        answer(ws, "plan", None, u, {"*": plan_values(u)}, datetime(2025, 2, 14, 10))
    facts["u6_plan_file"] = answer(ws, "plan", None, U[6], {"*": plan_values(U[6])}, datetime(2025, 2, 20, 10)).name

    # February, due 2025-03-07, issued to every unit but U2
    feb = "2025-02"
    generate_forms(ws, "status", feb, now=datetime(2025, 3, 1, 9))
    issue(ws, "status", feb, datetime(2025, 3, 3, 9), units=[u for u in U if u != U[2]])
    # U0 never answers February
    answer(ws, "status", feb, U[1], {"*": full("二月：公园设计")}, datetime(2025, 3, 5, 10))
    # U3 leaves 下一步计划 blank on annual-3, which it leads: 内容不全, full points
    p = answer(ws, "status", feb, U[3], {"annual-3": full("二月：拆迁过半", next_steps="")}, datetime(2025, 3, 5, 11))
    facts["u3_feb_file"], facts["u3_feb_cell"] = p.name, _cell(ws, U[3], "status", feb, "annual-3", "next_steps")
    answer(ws, "status", feb, U[4], {"*": full("二月：配合拆迁")}, datetime(2025, 3, 6, 10))
    facts["u5_feb_file"] = answer(ws, "status", feb, U[5], {"*": full("二月：改造招标")}, datetime(2025, 3, 11, 10)).name  # late
    answer(ws, "status", feb, U[6], {"*": full("二月：岗位开发")}, datetime(2025, 3, 6, 11))

    # March, due 2025-04-08 (清明 on the 4th)
    mar = "2025-03"
    generate_forms(ws, "status", mar, now=datetime(2025, 4, 1, 8))
    issue(ws, "status", mar, datetime(2025, 4, 1, 9))
    answer(ws, "status", mar, U[0], {"*": full("三月：园区招商")}, datetime(2025, 4, 3, 10))
    answer(ws, "status", mar, U[2], {"*": full("三月：项目开工")}, datetime(2025, 4, 3, 10))
    # 否: 未完成阶段目标 is found, but worth 0 points it gives no deduction row
    answer(ws, "status", mar, U[3], {"*": full("三月：拆迁八成", achieved="否")}, datetime(2025, 4, 3, 11))
    # U4 never answers March
    answer(ws, "status", mar, U[5], {"*": full("三月：改造开工")}, datetime(2025, 4, 7, 10))
    answer(ws, "status", mar, U[6], {"*": full("三月：岗位开发")}, datetime(2025, 4, 8, 16))
    answer(ws, "status", mar, U[1], {"*": full("三月：公园施工")}, datetime(2025, 4, 10, 10), name=LATE_FILE)  # late
    return ws, facts


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    ws, facts = _build(tmp_path_factory.mktemp("score") / "ws")
    yield ws, facts
    ws.close()


def expected(facts: dict[str, str]) -> list[tuple]:
    """The deductions by hand: (unit, period, kind, points, file, cell, task), in the book's order."""
    return [
        (U[0], "2025-02", "missing", Decimal("-0.5"), "", "", ""),
        (U[1], "2025-01", "incomplete", Decimal("-0.025"), facts["u1_jan_file"], facts["u1_jan_cell"], "annual-1"),
        (U[1], "2025-03", "late", Decimal("-0.1"), LATE_FILE, "", ""),
        (U[2], "2025-01", "late", Decimal("-0.1"), facts["u2_jan_file"], "", ""),
        (U[3], "2025-02", "incomplete", Decimal("-0.05"), facts["u3_feb_file"], facts["u3_feb_cell"], "annual-3"),
        (U[4], "2025-01", "late", Decimal("-0.05"), facts["u4_jan_file"], "", ""),
        (U[4], "2025-03", "missing", Decimal("-0.25"), "", "", ""),
        (U[5], "2025", "missing", Decimal("-0.5"), "", "", ""),
        (U[5], "2025-01", "missing", Decimal("-0.5"), "", "", ""),
        (U[5], "2025-02", "late", Decimal("-0.1"), facts["u5_feb_file"], "", ""),
        (U[6], "2025", "late", Decimal("-0.1"), facts["u6_plan_file"], "", ""),
        (U[6], "2025-01", "missing", Decimal("-0.5"), facts["u6_jan_file"], "", ""),
    ]


# every unit's score, summed by hand from the list above
SCORES = {U[0]: Decimal("99.5"), U[1]: Decimal("99.875"), U[2]: Decimal("99.9"), U[3]: Decimal("99.95"),
          U[4]: Decimal("99.7"), U[5]: Decimal("98.9"), U[6]: Decimal("99.4")}


def test_the_deadlines_the_scenario_assumes(scored):
    ws, _ = scored
    assert [month_deadline(ws, 2025, m).isoformat() for m in (1, 2, 3, 4)] == ["2025-02-10", "2025-03-07", "2025-04-08", "2025-05-12"]


def test_each_deduction_and_each_score_are_the_hand_computed_ones(scored):
    ws, facts = scored
    s = compute(ws, 2025, NOW)
    got = [(d.unit, d.period, d.kind, d.points, d.file, d.cell, d.task) for d in s.deductions]
    assert got == expected(facts)
    assert [u.unit for u in s.units] == U  # official order
    assert {u.unit: u.score for u in s.units} == SCORES
    for u in s.units:
        mine = [row for row in expected(facts) if row[0] == u.unit]
        assert u.total == sum((row[3] for row in mine), Decimal(0))
        assert (u.late, u.missing) == (sum(1 for r in mine if r[2] == "late"), sum(1 for r in mine if r[2] == "missing"))
        assert u.other == sum((r[3] for r in mine if r[2] not in ("late", "missing")), Decimal(0))
    # the blank return counts as 未报 and cites the 空表 finding; the plan's 未报 cites 计划未报
    by_key = {(d.unit, d.period, d.kind): d for d in s.deductions}
    assert by_key[(U[6], "2025-01", "missing")].finding == "blank" and "空表" in by_key[(U[6], "2025-01", "missing")].message
    assert by_key[(U[5], "2025", "missing")].finding == "no_plan" and by_key[(U[5], "2025", "missing")].period_label == "2025年度计划"
    assert by_key[(U[1], "2025-01", "incomplete")].rule == "内容不全每条 −0.05 分；配合单位 ×0.5"
    assert by_key[(U[1], "2025-01", "incomplete")].task_label == "年度工作任务1"
    assert by_key[(U[4], "2025-01", "late")].rule == "迟报一次 −0.1 分；仅为配合单位 ×0.5"
    assert by_key[(U[0], "2025-02", "missing")].rule == "未报一次 −0.5 分"
    assert next(u for u in s.units if u.unit == U[4]).note == "仅作配合单位：迟报、未报×0.5"
    assert s.scored == ["2025年度计划", "2025年1月", "2025年2月", "2025年3月"]
    assert any("4月至12月" in n and "未到截止日期" in n for n in s.not_scored)


def test_a_unit_not_issued_a_month_loses_nothing_for_it(scored):
    ws, _ = scored
    with build_month(ws, "2025-02", NOW) as feb:
        assert {u.unit: u.state for u in feb.units}[U[2]] == "not_issued"
    s = compute(ws, 2025, NOW)
    assert not [d for d in s.deductions if d.unit == U[2] and d.period == "2025-02"]
    u2 = next(u for u in s.units if u.unit == U[2])
    assert u2.not_issued == ["2025年2月"] and "2025年2月" in u2.note
    assert all(u.not_issued == [] for u in s.units if u.unit != U[2])


def test_zero_point_kinds_are_found_but_give_no_row(scored):
    ws, _ = scored
    with build_month(ws, "2025-03", NOW) as mar:
        assert any(f.kind == "not_achieved" and f.unit == U[3] for f in mar.findings)
    s = compute(ws, 2025, NOW)
    assert all(d.kind in ("late", "missing", "incomplete") for d in s.deductions)


def test_the_settings_decide_the_points(scored, tmp_path):
    """base 60 and a co-unit factor of 1 in duban.toml: the same events at full points."""
    ws, facts = scored
    root = tmp_path / "ws"
    shutil.copytree(ws.root, root)
    cfg = root / "duban.toml"
    text = cfg.read_text(encoding="utf-8")
    assert "base = 100\n" in text and "co_unit_factor = 0.5\n" in text
    cfg.write_text(text.replace("base = 100\n", "base = 60\n").replace("co_unit_factor = 0.5\n", "co_unit_factor = 1\n"),
                   encoding="utf-8")
    other = open_workspace(root)
    try:
        s = compute(other, 2025, NOW)
    finally:
        other.close()
    full_points = {Decimal("-0.025"): Decimal("-0.05"), Decimal("-0.05"): Decimal("-0.1"), Decimal("-0.25"): Decimal("-0.5")}
    want = [(r[0], r[1], r[2], full_points.get(r[3], r[3]) if r[0] in (U[1], U[4]) else r[3]) for r in expected(facts)]
    assert [(d.unit, d.period, d.kind, d.points) for d in s.deductions] == want
    assert not any("×" in d.rule for d in s.deductions)
    assert {u.unit: u.score for u in s.units} == {u: Decimal(60) + sum((r[3] for r in want if r[0] == u), Decimal(0)) for u in U}
    assert next(u for u in s.units if u.unit == U[4]).note == ""


def test_a_pending_month_is_not_scored(scored):
    ws, facts = scored
    s = compute(ws, 2025, datetime(2025, 3, 7, 20))  # February's deadline is not over yet
    got = [(d.unit, d.period, d.kind, d.points) for d in s.deductions]
    assert got == [r[:4] for r in expected(facts) if r[1] in ("2025", "2025-01")]
    assert s.scored == ["2025年度计划", "2025年1月"]
    assert any(n.startswith("2025年2月至12月落实情况表未到截止日期") for n in s.not_scored)


def test_a_quarter_is_scored_alone(scored):
    ws, facts = scored
    q1 = compute(ws, 2025, NOW, quarter=1)  # the plan (due 02-18) belongs to the first quarter
    assert [(d.unit, d.period, d.kind, d.points) for d in q1.deductions] == [r[:4] for r in expected(facts)]
    assert q1.label == "2025年第一季度"
    q2 = compute(ws, 2025, NOW, quarter=2)
    assert q2.deductions == [] and q2.scored == [] and all(u.score == Decimal(100) for u in q2.units)
    assert q2.not_scored == ["2025年4月至6月落实情况表未到截止日期，未计分（4月的截止日期为2025年5月12日）。"]


def test_the_book_lists_every_deduction_with_its_source(scored):
    ws, facts = scored
    report = score_job.run(ws, score_job.Request(2025), NOW)
    path = Path(report.data["score_book"])
    assert path == ws.root / "trackers" / "2025年_考核评分.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["考核评分", "扣分明细", "计分规则"]
    detail = wb["扣分明细"]
    head = [c.value for c in detail[3]]
    assert head == ["单位", "期次", "类别", "规则", "分值", "说明", "文件", "单元格", "任务"]
    rows = [tuple(c.value for c in r) for r in detail.iter_rows(min_row=4) if r[0].value]
    labels = {"2025": "2025年度计划", "2025-01": "2025年1月", "2025-02": "2025年2月", "2025-03": "2025年3月"}
    kinds = {"late": "迟报", "missing": "未报", "incomplete": "内容不全"}
    tasks = {"annual-1": "年度工作任务1", "annual-3": "年度工作任务3", "": None}
    want = [(u, labels[p], kinds[k], float(pts), f or None, c or None, tasks[t]) for u, p, k, pts, f, c, t in expected(facts)]
    assert [(r[0], r[1], r[2], r[4], r[6], r[7], r[8]) for r in rows] == want
    assert all(r[5] for r in rows) and all(r[3].startswith(("迟报一次", "未报一次", "内容不全每条")) for r in rows)
    formula_like = next(c for r in detail.iter_rows(min_row=4) for c in r if c.value == LATE_FILE)
    assert formula_like.data_type == "s"  # a unit's file name is text, not a formula
    book = wb["考核评分"]
    assert [c.value for c in book[3]] == ["序号", "单位", "基础分", "迟报次数", "未报次数", "其他扣分", "合计扣分", "得分", "说明"]
    units = [tuple(c.value for c in r) for r in book.iter_rows(min_row=4, max_row=3 + len(U))]
    assert [r[1] for r in units] == U and [r[0] for r in units] == list(range(1, len(U) + 1))
    for r in units:
        mine = [x for x in expected(facts) if x[0] == r[1]]
        assert Decimal(str(r[7])) == SCORES[r[1]]
        assert Decimal(str(r[6])) == sum((x[3] for x in mine), Decimal(0))
        assert (r[3], r[4]) == (sum(1 for x in mine if x[2] == "late"), sum(1 for x in mine if x[2] == "missing"))
    assert "2025年2月" in next(r[8] for r in units if r[1] == U[2])
    rules = {r[0].value: r[1].value for r in wb["计分规则"].iter_rows(min_row=4) if r[0].value}
    assert rules["迟报"] == "−0.1 分/次" and rules["未报"] == "−0.5 分/次" and rules["内容不全"] == "−0.05 分/条"
    assert rules["照搬上月"] == "不计分" and rules["配合单位系数"] == "×0.5"
    setup = book.page_setup
    assert setup.paperSize == 9 and book.print_title_rows == "$3:$3" and book.sheet_properties.pageSetUpPr.fitToPage
    assert detail.page_setup.orientation == "landscape"
    # the Report for --json: each unit's score and every deduction with its source
    data = report.data
    assert {u["unit"]: Decimal(str(u["score"])) for u in data["units"]} == SCORES
    assert [(d["unit"], d["period"], d["kind"], Decimal(str(d["points"])), d["file"], d["cell"], d["task"])
            for d in data["deductions"]] == expected(facts)


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")), reason="LibreOffice and pdftotext needed")
def test_the_book_prints(scored, tmp_path):
    ws, facts = scored
    path = Path(score_job.run(ws, score_job.Request(2025), NOW).data["score_book"])
    pdf = lo_convert(path, "pdf", tmp_path)[0]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    squashed = "".join(text.split())
    assert "2025年度考核评分" in squashed and "2025年度考核扣分明细" in squashed and "2025年度考核计分规则" in squashed
    for u in U:
        assert u in squashed
    assert facts["u1_jan_cell"] in squashed and facts["u3_feb_cell"] in squashed
    assert "99.875" in squashed and "98.9" in squashed


def test_the_command_line(scored, tmp_path):
    ws, facts = scored
    root = str(ws.root)
    r = run_cli("score", "--year", "2025", "-w", root, "--json", "--now", "2025-04-15T09:00")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert [(d["unit"], d["period"], d["kind"], Decimal(str(d["points"])), d["file"], d["cell"], d["task"])
            for d in data["deductions"]] == expected(facts)
    assert {u["unit"]: Decimal(str(u["score"])) for u in data["units"]} == SCORES
    r = run_cli("score", "--quarter", "2025Q1", "-w", root, "--json", "--now", "2025-04-15T09:00")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert Path(data["score_book"]).name == "2025年第一季度_考核评分.xlsx" and Path(data["score_book"]).is_file()
    assert len(data["deductions"]) == len(expected(facts))
    r = run_cli("score", "-w", root, "--now", "2025-04-15T09:00")
    assert r.returncode == 0 and "2025年度考核评分已生成" in r.stdout and "最低 区测试六局 98.9 分" in r.stdout
    for bad, words in (("2025Q5", "季度"), ("三季度", "季度"), ("2024Q3", "不属于本工作区的年度")):
        r = run_cli("score", "--quarter", bad, "-w", root, "--now", "2025-04-15T09:00")
        assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr, (bad, r.stderr)
    r = run_cli("score", "--year", "2024", "-w", root)
    assert r.returncode == 2 and "2024年" in r.stderr and "Traceback" not in r.stderr


def test_no_tasks_and_a_foreign_year_are_one_chinese_message(tmp_path):
    from office.workspace import init_workspace

    init_workspace(tmp_path / "ws", 2025)
    ws = open_workspace(tmp_path / "ws")
    try:
        with pytest.raises(DubanError, match="任务登记为空"):
            score_job.run(ws, score_job.Request(2025), NOW)
        with pytest.raises(DubanError, match="不是同一年"):
            score_job.run(ws, score_job.Request(2026, "2025Q1"), NOW)
    finally:
        ws.close()


def test_points_are_printed_with_a_true_minus_and_no_trailing_zeros():
    assert [points_text(x) for x in (Decimal("-0.10"), -0.5, 0, 2, Decimal("-100"))] == ["−0.1", "−0.5", "0", "+2", "−100"]


def test_the_score_sheets_go_into_another_workbook_as_text(scored, tmp_path):
    """add_score_sheets in a workbook made with xlsxwriter's default options (strings starting
    with "=" would be formulas through write()): every text is still text."""
    import xlsxwriter

    from sheets.score_book import add_score_sheets

    ws, _ = scored
    year, q2 = compute(ws, 2025, NOW), compute(ws, 2025, NOW, quarter=2)
    path = tmp_path / "year.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("台账")
    formats = add_score_sheets(wb, year, office="=1+1督查室")
    add_score_sheets(wb, q2, formats, names=("二季度评分", "二季度扣分"))
    wb.close()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["台账", "考核评分", "扣分明细", "二季度评分", "二季度扣分"]
    subtitle = book["考核评分"]["A2"]
    assert subtitle.data_type == "s" and subtitle.value.startswith("=1+1督查室")
    assert any(c.value == LATE_FILE and c.data_type == "s" for r in book["扣分明细"].iter_rows() for c in r)
    assert book["二季度扣分"]["A4"].value == "计分期次内没有扣分。"
    assert [r[1].value for r in book["二季度评分"].iter_rows(min_row=4, max_row=3 + len(U))] == U
