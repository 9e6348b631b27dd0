"""The month's tracker workbook (sheets.tracker), read back with openpyxl."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from office.model import Finding, Task
from office.month import FINDING_LABELS, Line, MonthData, Progress, TaskRow, UnitState
from openpyxl.utils import get_column_letter

from sheets import tracker
from sheets.cells import MAX_ROW_HEIGHT
from sheets.tracker import TRUNCATED_NOTE, write_tracker
from office.wording import STATUS_RULES, is_no_problem

FIELDS = ("target", "progress", "problems", "next_steps", "achieved")
COLS = dict(zip(FIELDS, "FGHIJ"))
FORMULA = '=HYPERLINK("http://x","y")'
LONG = "长" * 40_000


def line(unit, role, row, reported=True, **values):
    file = f"{unit}_2025年6月落实情况表.xlsx"
    vals = {"target": "完成全年目标的50%", "progress": f"{unit}本月推进顺利", "problems": "", "next_steps": "继续推进",
            "achieved": "是"}
    vals.update(values)
    if not reported:
        return Line(unit, role, {"target": vals["target"]}, {}, "", False)
    cells = {f: f"{file}!{COLS[f]}{row}" for f in FIELDS}
    if "percent" in values:
        cells["percent"] = f"{file}!K{row}"  # the form's 完成进度（%） column
    return Line(unit, role, vals, cells, file, True)


def month_data() -> MonthData:
    t1 = Task("annual", 1, "推进营商环境优化提升行动", category="经济发展", leaders=("张三",),
              lead_units=("发改局",), co_units=("财政局", "统计局"))
    t2 = Task("annual", 2, "办好人民满意的教育", category="社会事业", leaders=("李四", "王五"), lead_units=("教育局",))
    t3 = Task("annual", 3, "专班推进的重点项目", category="经济发展", leaders=("张三",), lead_units=("重点项目专班",))
    t4 = Task("livelihood", 1, "新建改建公办幼儿园3所", leaders=("李四",), lead_units=("民政局",), co_units=("财政局",))
    rows = [
        # co-unit lines deliberately before the lead's: the sheet puts the lead first.
        # Task 1 became 已完成 this month (its lead: 100% and 是); 2 is lit by 是/否 (no 完成进度);
        # 3 has no lines; 实事1 is 13.3 points behind its own 序时进度 (due in October).
        TaskRow(t1, "绿", [
            line("财政局", "配合", 9, progress=FORMULA, problems="+1", next_steps="-2", target="@a", percent="60%"),
            line("发改局", "牵头", 8, problems="资金缺口较大\x07", progress="进展\x00顺利\x1b，已完成\t第一阶段",
                 next_steps="第一步\r\n第二步\u2028第三步\x85\ufffe", percent=100.0),
            line("统计局", "配合", 0, reported=False),
        ], Progress(100.0, 50.0, "done", done=True, done_period="2025-06")),
        TaskRow(t2, "红", [line("教育局", "牵头", 8, achieved="否", progress=LONG, problems="无")],
                Progress(None, 50.0, "yes_no")),
        TaskRow(t3, "黄", [], Progress(None, 50.0, "yes_no")),
        TaskRow(t4, "黄", [line("民政局", "牵头", 8, achieved="", problems="场地难落实", percent=0.45),
                          line("财政局", "配合", 12, percent="八成")],
                Progress(45.0, 58.3, "progress", due=date(2025, 10, 31))),
    ]
    due = date(2025, 7, 9)
    units = [
        UnitState("发改局", due, "on_time", 0, "发改局_2025年6月落实情况表.xlsx", datetime(2025, 7, 3, 10)),
        UnitState("教育局", due, "on_time", 0, "教育局_2025年6月落实情况表.xlsx", datetime(2025, 7, 4, 10)),
        UnitState("民政局", due, "on_time", 0, "民政局_2025年6月落实情况表.xlsx", datetime(2025, 7, 5, 10)),
        UnitState("财政局", due, "late", 2, "财政局_2025年6月落实情况表.xlsx", datetime(2025, 7, 11, 9)),
        UnitState("统计局", due, "missing"),
    ]
    labels = {"发改局": "按时报送", "教育局": "按时报送", "民政局": "按时报送", "财政局": "迟报2个工作日", "统计局": "未报"}
    history = {u: {"年度计划": "按时报送", "5月": "按时报送", "6月": lab} for u, lab in labels.items()}
    findings = [
        Finding("late", "财政局", "", "2025-06", "财政局_2025年6月落实情况表.xlsx", "", "财政局迟报2个工作日。"),
        Finding("missing", "统计局", "", "2025-06", "", "", "统计局未报送。"),
        Finding("not_achieved", "教育局", "annual-2", "2025-06", "教育局_2025年6月落实情况表.xlsx", "J8", "教育局报告年度工作任务2未完成阶段任务目标。"),
        Finding("incomplete", "民政局", "livelihood-1", "2025-06", "民政局_2025年6月落实情况表.xlsx", "J8", "民政局关于为民办实事1的是否完成阶段任务目标未填写。"),
        Finding("copied", "发改局", "annual-1", "2025-06", "发改局_2025年6月落实情况表.xlsx", "G8", "与上月相同。"),
        Finding("no_plan", "统计局", "", "2025", "", "", "统计局未报送2025年度落实计划表。"),
    ]
    return MonthData("2025-06", 2025, 6, due, datetime(2025, 7, 12, 16, 30), rows, units, history,
                     ["年度计划", "5月", "6月"], findings, date(2025, 2, 14))


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("tracker") / "台账.xlsx"
    write_tracker(path, month_data(), "区政府督查室")
    return path, openpyxl.load_workbook(path)


HEAD = 4  # 台账 and 为民办实事: three legend rows, then the header


def rows_of(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def data_rows(ws):
    """The task sheets' rows below the header."""
    return rows_of(ws)[HEAD:]


def header_index(ws, row: int = HEAD) -> dict[str, int]:
    return {c.value: c.column - 1 for c in ws[row]}


def at(ws, row: int, header: str):
    """The cell of the `row`-th task line (1-based) under `header`."""
    return ws.cell(row=HEAD + row, column=header_index(ws)[header] + 1)


def test_sheet_names_and_order(book):
    _, wb = book
    assert wb.sheetnames == ["总览", "台账", "为民办实事", "报送情况", "问题清单", "发现"]


def test_tracker_columns(book):
    _, wb = book
    assert [c.value for c in wb["台账"][HEAD]] == [
        "序号", "类别", "重点任务", "牵头领导", "单位", "职责", "完成情况", "存在问题", "是否完成", "完成进度",
        "序时进度", "差距", "状态", "判定依据", "牵头单位", "配合单位", "季度计划完成目标", "下一步计划", "来源"]
    assert [c.value for c in wb["为民办实事"][HEAD]] == [
        "序号", "重点任务", "牵头领导", "单位", "职责", "完成情况", "存在问题", "是否完成", "完成进度",
        "序时进度", "差距", "状态", "判定依据", "牵头单位", "配合单位", "季度计划完成目标", "下一步计划", "来源"]


def test_legend_above_the_header(book):
    _, wb = book
    for name in ("台账", "为民办实事"):
        ws = wb[name]
        keys = [ws.cell(row=r, column=1) for r in (1, 2, 3)]
        assert [k.value for k in keys] == ["红", "黄", "绿"]
        assert [k.fill.fgColor.rgb[-6:] for k in keys] == ["FFC7CE", "FFEB9C", "C6EFCE"]
        for r, key in enumerate(("红", "黄", "绿"), start=1):
            assert ws.cell(row=r, column=2).value == f"{key}：{STATUS_RULES[key]}"
        last_printed = header_index(ws)["判定依据"]
        merged = {str(m) for m in ws.merged_cells.ranges}
        assert {f"B{r}:{get_column_letter(last_printed + 1)}{r}" for r in (1, 2, 3)} <= merged
        assert "红：未完成或未报送" in ws.oddFooter.left.text and "绿：完成阶段目标" in ws.oddFooter.left.text
    # the rule the legend states is the one the tracker applies (rollup.traffic_light)
    assert "未完成" in STATUS_RULES["红"] and "未报送" in STATUS_RULES["红"]
    assert "配合单位报告未完成" in STATUS_RULES["黄"] and "没有应报单位" in STATUS_RULES["黄"]


def test_every_task_once_and_lead_first(book):
    _, wb = book
    ws = wb["台账"]
    h = header_index(ws)
    data = data_rows(ws)
    seqs = [r[h["序号"]] for r in data if r[h["序号"]] is not None]
    assert seqs == [1, 2, 3]  # each annual task once (merged cells keep the value in the top cell)
    assert [r[h["单位"]] for r in data] == ["发改局", "财政局", "统计局", "教育局", "（无应报单位）"]
    assert [r[h["职责"]] for r in data][:3] == ["牵头", "配合", "配合"]
    # the printed task columns once, on the first line, the lines drawn as one block, not
    # merged (a merged block running over a page break prints its text cut in two); the
    # unit lists, not printed, merged over the lines
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert merged == {"B1:N1", "B2:N2", "B3:N3", "O5:O7", "P5:P7"}
    for c in "ABCDKLN":
        assert ws[f"{c}5"].value is not None and ws[f"{c}6"].value is None and ws[f"{c}7"].value is None
        assert ws[f"{c}5"].border.bottom.style is None and ws[f"{c}6"].border.top.style is None
        assert ws[f"{c}7"].border.bottom.style == "thin" and ws[f"{c}5"].border.top.style == "thin"
        assert ws[f"{c}8"].border.top.style == "thin" and ws[f"{c}8"].border.bottom.style == "thin"
    assert [ws[f"M{r}"].value for r in range(5, 10)] == ["绿", "绿", "绿", "红", "黄"]  # 状态 on every line
    assert ws["C9"].value == "专班推进的重点项目"  # a task without lines still appears
    assert ws["D6"].value is None and ws["D5"].value == "张三"
    assert ws["D8"].value == "李四、王五"
    assert ws["O5"].value == "发改局" and ws["P5"].value == "财政局、统计局"
    live = wb["为民办实事"]
    assert [r[0] for r in data_rows(live)] == [1, None]
    assert [r[header_index(live)["单位"]] for r in data_rows(live)] == ["民政局", "财政局"]


def test_statuses_and_fills(book):
    _, wb = book
    ws = wb["台账"]
    assert [ws[f"M{r}"].value for r in (5, 8, 9)] == ["绿", "红", "黄"]
    assert at(wb["为民办实事"], 1, "状态").value == "黄"
    rules = [(rng.sqref, rule) for rng in ws.conditional_formatting for rule in rng.rules]
    formulas = {rule.formula[0] for sq, rule in rules if rule.type == "cellIs" and rule.operator == "equal"}
    assert formulas == {'"红"', '"黄"', '"绿"'}
    assert all(str(sq) == "M5:M9" for sq, _ in rules)
    fills = {rule.formula[0]: rule.dxf.fill.bgColor.rgb for sq, rule in rules}
    assert fills['"红"'].endswith("FFC7CE") and fills['"绿"'].endswith("C6EFCE")


def test_provenance_comment_and_source_column(book):
    _, wb = book
    ws = wb["台账"]
    target = at(ws, 1, "季度计划完成目标")
    assert target.value == "完成全年目标的50%"
    assert target.comment is not None
    assert target.comment.text == "来源：发改局_2025年6月落实情况表.xlsx!F8"
    progress = at(ws, 2, "完成情况")
    assert progress.comment.text == "来源：财政局_2025年6月落实情况表.xlsx!G9"
    assert at(ws, 1, "来源").value == "发改局_2025年6月落实情况表.xlsx!F8:K8"  # 季度目标 … 完成进度
    # the unit that did not report: no comment, no source, grey italic placeholder
    missing = at(ws, 3, "完成情况")
    assert missing.value == "（未报送）"
    assert missing.comment is None
    assert missing.font.i and missing.font.color.rgb.endswith("808080")
    assert at(ws, 3, "来源").value is None
    assert at(ws, 3, "季度计划完成目标").value == "完成全年目标的50%"  # from the plan


def test_unit_text_never_becomes_formula(book):
    path, wb = book
    ws = wb["台账"]
    for field, expected in (("完成情况", FORMULA), ("存在问题", "+1"), ("下一步计划", "-2"), ("季度计划完成目标", "@a")):
        cell = at(ws, 2, field)  # 财政局 on task 1
        assert cell.value == expected
        assert cell.data_type == "s"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml
                assert "<hyperlink" not in xml


def test_control_characters_stripped(book):
    _, wb = book
    ws = wb["台账"]
    assert at(ws, 1, "完成情况").value == "进展顺利，已完成 第一阶段"
    assert at(ws, 1, "存在问题").value == "资金缺口较大"
    assert at(ws, 1, "下一步计划").value == "第一步\n第二步\n第三步"


def test_long_text_truncated_and_flagged(book):
    _, wb = book
    ws = wb["台账"]
    value = at(ws, 4, "完成情况").value
    assert len(value) == 32767
    assert value.endswith(TRUNCATED_NOTE)
    assert value.startswith("长" * 1000)
    overview = {r[0]: r[1] for r in rows_of(wb["总览"]) if r[0]}
    assert overview["超长文字截断"] == 1
    # far past what the tallest row shows: capped, and said so
    assert ws.row_dimensions[HEAD + 4].height == pytest.approx(MAX_ROW_HEIGHT, abs=0.75)
    assert overview["行高已达上限"] == 1


def test_truncation_counts_utf16_units(tmp_path):
    data = month_data()
    astral = "𠀀" * 20_000  # 40,000 UTF-16 units in 20,000 characters
    data.rows[1].lines[0].values["progress"] = astral
    path = tmp_path / "t.xlsx"
    write_tracker(path, data, "督查室")
    value = at(openpyxl.load_workbook(path)["台账"], 4, "完成情况").value
    assert value.endswith(TRUNCATED_NOTE)
    assert len(value.encode("utf-16-le")) // 2 <= 32767
    assert value.startswith("𠀀" * 100)


def _block(table, title):
    start = next(i for i, r in enumerate(table) if r[0] == title)
    out = {}
    for r in table[start + 2:]:
        if r[0] is None or str(r[0]).startswith("注："):
            break
        out[r[0]] = r
    return table[start + 1], out


def test_overview(book):
    _, wb = book
    ws = wb["总览"]
    assert ws["A1"].value == "2025年6月政府工作报告任务落实台账"
    values = {r[0]: r[1] for r in rows_of(ws) if r[0]}
    assert values["截止日期"] == "2025年7月9日"
    assert values["统计时间"] == "2025年7月12日 16:30"
    assert values["督查单位"] == "区政府督查室"
    assert (values["应报单位"], values["已报"], values["按时"], values["迟报"], values["未报"], values["未到期"]) == (5, 4, 3, 1, 1, 0)
    # rates are the text the briefing prints, not a number Excel rounds its own way
    assert values["报送率"] == "80.0%" and values["按时率"] == "60.0%"
    assert (values["绿"], values["黄"], values["红"]) == (1, 2, 1)
    assert values["内容不全"] == 1 and values["照搬上月"] == 1 and values["改动任务"] == 0
    table = rows_of(ws)
    head, status = _block(table, "二、任务状态")
    assert head[:3] == ["状态", "任务数", "含义"]
    assert {k: status[k][2] for k in ("红", "黄", "绿")} == STATUS_RULES

    head, by_kind = _block(table, "四、发现问题（按类型）")
    assert list(by_kind)[:7] == ["未报", "迟报", "内容不全", "未完成阶段目标", "计划未报", "照搬上月", "改动任务"]
    head, by_leader = _block(table, "五、任务和发现问题（按牵头领导）")
    T = 5 + len(FINDING_LABELS)  # 牵头领导, 任务数, 绿, 黄, 红, one column per finding kind, 合计
    assert head[:6] == ["牵头领导", "任务数", "绿", "黄", "红", "未报"] and head[T] == "合计"
    assert list(by_leader) == ["张三", "李四", "王五", "不涉及具体任务", "合计"]
    assert by_leader["不涉及具体任务"][T] == 3  # late, missing, no_plan: unit-level
    assert by_leader["张三"][1:5] == [2, 1, 1, 0]  # tasks 1 (green) and 3 (yellow)
    assert by_leader["李四"][1:5] == [2, 0, 1, 1]  # task 2 (red, also 王五's) and 实事1 (yellow)
    assert by_leader["李四"][T] == 2 and by_leader["王五"][T] == 1
    # 合计 counts every task and finding once, although task 2 is on two leaders' rows
    assert by_leader["合计"][1:5] == [4, 1, 2, 1]
    assert by_leader["合计"][T] == 6 == sum(r[T] for n, r in by_leader.items() if n != "合计") - 1
    note = next(r[0] for r in table if r[0] and str(r[0]).startswith("注：一项任务"))
    assert "各计一次" in note and "只计一次" in note
    head, by_cat = _block(table, "六、任务和发现问题（按任务类别）")
    assert list(by_cat) == ["经济发展", "社会事业", "为民办实事", "不涉及具体任务", "合计"]
    assert by_cat["为民办实事"][1:5] == [1, 0, 1, 0] and by_cat["为民办实事"][7] == 1  # 内容不全
    assert by_cat["合计"][1:5] == [4, 1, 2, 1] and by_cat["合计"][T] == 6
    assert sum(r[T] for n, r in by_cat.items() if n != "合计") == 6
    head, by_unit = _block(table, "七、发现问题（按单位）")
    assert list(by_unit) == ["发改局", "教育局", "民政局", "财政局", "统计局", "合计"]  # registry order
    U = 1 + len(FINDING_LABELS)  # 单位, one column per finding kind, 合计
    assert by_unit["统计局"][1] == 1 and by_unit["统计局"][5] == 1 and by_unit["统计局"][U] == 2
    assert by_unit["合计"][U] == 6
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert ws.auto_filter.ref.startswith(f"A{cells['七、发现问题（按单位）'].row + 1}:")


def test_leaders_of_overrides(tmp_path):
    path = tmp_path / "t.xlsx"
    write_tracker(path, month_data(), "督查室", leaders_of=lambda tid: ("赵六",) if tid == "annual-2" else ())
    wb = openpyxl.load_workbook(path)
    assert wb["台账"]["D8"].value == "赵六"
    assert wb["台账"]["D5"].value == "张三"  # falls back to the task's own leaders
    names = [r[0] for r in rows_of(wb["总览"])]
    assert "赵六" in names


def test_charts(book):
    path, wb = book
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert "xl/charts/chart1.xml" in names and "xl/charts/chart2.xml" in names
        charts = [z.read(f"xl/charts/chart{i}.xml").decode("utf-8") for i in (1, 2)]
    assert "<c:pieChart>" in charts[0] and "<c:barChart>" in charts[1]
    ws = wb["总览"]
    rows: dict[str, int] = {}
    for c in ws["A"]:
        if isinstance(c.value, str):
            rows.setdefault(c.value, c.row)  # first occurrence: the 报送情况 table
    assert f"总览!$B${rows['按时']}:$B${rows['未报']}" in charts[0]
    assert f"总览!$A${rows['按时']}:$A${rows['未报']}" in charts[0]
    kinds_at = rows["四、发现问题（按类型）"] + 2
    assert f"总览!$B${kinds_at}:$B${kinds_at + len(FINDING_LABELS) - 1}" in charts[1]
    assert len(ws._charts) == 2
    # side by side right of 一、报送情况, over cells left empty, ending above 二's header
    anchors = sorted((ch.anchor._from.row, ch.anchor._from.col) for ch in ws._charts)
    top = rows["一、报送情况"] - 1
    assert anchors == [(top, 2), (top, 8)]
    below = rows["二、任务状态"]  # 1-based: the row of 二's title
    for r in range(top + 1, below + 1):
        assert all(c.value is None for c in ws[r][2:]), r
    heights = [ws.row_dimensions[r].height or ws.sheet_format.defaultRowHeight for r in range(top + 1, below + 1)]
    assert sum(heights) / 0.75 >= 288 + 4  # the charts' default height, in pixels
    assert ws.print_title_rows is None  # 总览 repeats no rows


def test_history_sheet(book):
    _, wb = book
    ws = wb["报送情况"]
    data = rows_of(ws)
    assert data[0] == ["单位", "年度计划", "5月", "6月"]
    assert [r[0] for r in data[1:]] == ["发改局", "教育局", "民政局", "财政局", "统计局"]
    assert data[4][3] == "迟报2个工作日" and data[5][3] == "未报"
    rules = [rule for rng in ws.conditional_formatting for rule in rng.rules]
    kinds = {(r.type, r.operator, r.text if r.type != "cellIs" else r.formula[0]) for r in rules}
    assert ("cellIs", "equal", '"未报"') in kinds
    assert ("beginsWith", "beginsWith", "迟报") in kinds
    assert ("beginsWith", "beginsWith", "按时") in kinds


def test_problems_sheet(book):
    _, wb = book
    data = rows_of(wb["问题清单"])
    assert data[0] == ["单位", "序号", "任务", "存在问题", "来源"]
    # 教育局 wrote 无 (no problem): left off; units in registry order
    assert [(r[0], r[1], r[3]) for r in data[1:]] == [
        ("发改局", "年度1", "资金缺口较大"), ("民政局", "实事1", "场地难落实"), ("财政局", "年度1", "+1")]
    assert data[1][2] == "推进营商环境优化提升行动"
    assert data[1][4] == "发改局_2025年6月落实情况表.xlsx!H8"


@pytest.mark.parametrize("answer", ["无", "暂无", "暂未发现问题", "无困难", "暂无困难和问题", "无。", " 无 ", "——", ""])
def test_problems_sheet_leaves_off_every_no_problem_word(tmp_path, answer):
    data = month_data()
    data.rows[0].lines[0].values["problems"] = answer  # 财政局 on task 1 ("+1" before)
    path = tmp_path / "t.xlsx"
    write_tracker(path, data, "督查室")
    units = [r[0] for r in rows_of(openpyxl.load_workbook(path)["问题清单"])[1:]]
    assert units == ["发改局", "民政局"]
    assert is_no_problem(answer)


def test_problems_sheet_keeps_a_real_problem_mentioning_none(tmp_path):
    data = month_data()
    data.rows[0].lines[0].values["problems"] = "无专项资金"
    path = tmp_path / "t.xlsx"
    write_tracker(path, data, "督查室")
    got = [(r[0], r[3]) for r in rows_of(openpyxl.load_workbook(path)["问题清单"])[1:]]
    assert ("财政局", "无专项资金") in got


def test_findings_sheet(book):
    _, wb = book
    data = rows_of(wb["发现"])
    assert data[0] == ["类型", "单位", "任务", "期次", "文件", "单元格", "说明"]
    assert len(data) == 7
    by_kind = {r[0]: r for r in data[1:]}
    assert by_kind["未完成阶段目标"][2].startswith("年度2 办好人民满意的教育")
    assert by_kind["内容不全"][2].startswith("实事1 ")
    assert by_kind["未报"][2] is None and by_kind["未报"][3] == "2025年6月"
    assert by_kind["计划未报"][3] == "2025年度"
    assert by_kind["照搬上月"][4:6] == ["发改局_2025年6月落实情况表.xlsx", "G8"]


def test_layout_and_print_settings(book):
    _, wb = book
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert int(ws.page_setup.paperSize) == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        # fitToWidth="1" is the OOXML default, which xlsxwriter leaves out
        assert int(ws.page_setup.fitToWidth or 1) == 1 and int(ws.page_setup.fitToHeight) == 0
        task_sheet = ws.title in ("台账", "为民办实事")
        assert ws.freeze_panes == ("A5" if task_sheet else "A2")
        if ws.title != "总览":
            assert ws.print_title_rows == ("$4:$4" if task_sheet else "$1:$1")
        assert "第 &P 页，共 &N 页" in ws.oddFooter.center.text
        assert ws.auto_filter.ref
        # the title prints whole: "&12" is not followed by the year's digits
        assert ws.oddHeader.center.text == "2025年6月政府工作报告任务落实台账"
        assert ws.oddHeader.center.size == 12
    ws = wb["台账"]
    assert ws.auto_filter.ref == "A4:S9"
    assert ws.print_area == "'台账'!$A$1:$N$9"  # 序号 … 判定依据; 牵头/配合单位, 目标, 下一步, 来源 not printed
    assert ws["A4"].font.name == "黑体" and ws["G5"].font.name == "仿宋_GB2312"
    assert ws["G5"].alignment.wrap_text
    assert ws.column_dimensions["G"].width > ws.column_dimensions["A"].width
    assert wb["为民办实事"].print_area == "'为民办实事'!$A$1:$M$6"


def test_page_header_escapes_ampersand(tmp_path):
    data = month_data()
    path = tmp_path / "t.xlsx"
    tracker.write_tracker(path, data, "督查室")
    assert tracker.page_header("A&B 2025") == '&C&12&"黑体,常规"A&&B 2025'
    header = openpyxl.load_workbook(path)["台账"].oddHeader.center
    assert header.font == "黑体,常规" and header.size == 12


def test_large_smoke(tmp_path):
    n_units, n_tasks = 300, 30
    units = [f"单位{i:03d}" for i in range(n_units)]
    rows = []
    for t in range(1, n_tasks + 1):
        kind = "livelihood" if t > 25 else "annual"
        task = Task(kind, t, f"任务{t}", category="类别", leaders=("张三",), lead_units=(units[0],), co_units=tuple(units[1:]))
        rows.append(TaskRow(task, "绿", [line(u, "牵头" if i == 0 else "配合", 8 + t, problems=f"问题{t}") for i, u in enumerate(units)]))
    states = [UnitState(u, date(2025, 7, 9), "on_time") for u in units]
    history = {u: {"6月": "按时报送"} for u in units}
    findings = [Finding("copied", u, "annual-1", "2025-06", "f.xlsx", "G9", "照搬") for u in units]
    data = MonthData("2025-06", 2025, 6, date(2025, 7, 9), datetime(2025, 7, 10), rows, states, history, ["6月"],
                     findings, date(2025, 2, 14))
    path = tmp_path / "big.xlsx"
    write_tracker(path, data, "督查室")
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb["台账"].max_row == HEAD + 25 * n_units
    assert wb["为民办实事"].max_row == HEAD + 5 * n_units
    assert wb["报送情况"].max_row == 1 + n_units
    assert wb["问题清单"].max_row == 1 + n_tasks * n_units
    assert wb["发现"].max_row == 1 + n_units
    seqs = [r[0] for r in wb["台账"].iter_rows(min_row=HEAD + 1, values_only=True) if r[0] is not None]
    assert seqs == list(range(1, 26))
    wb.close()


def test_large_mode_repeats_task_columns_without_merges(tmp_path, monkeypatch):
    monkeypatch.setattr(tracker, "CONSTANT_MEMORY_LINES", 3)
    monkeypatch.setattr(tracker, "COMMENT_LINE_LIMIT", 3)
    monkeypatch.setattr(tracker, "LONG_UNIT_LIST", 5)
    path = tmp_path / "big.xlsx"
    write_tracker(path, month_data(), "督查室")
    wb = openpyxl.load_workbook(path)
    ws = wb["台账"]
    assert {str(m) for m in ws.merged_cells.ranges} == {"B1:N1", "B2:N2", "B3:N3"}  # the legend only
    h = header_index(ws)
    data = data_rows(ws)
    assert [r[0] for r in data] == [1, 1, 1, 2, 3]
    assert [r[h["状态"]] for r in data] == ["绿", "绿", "绿", "红", "黄"]
    assert [r[h["单位"]] for r in data] == ["发改局", "财政局", "统计局", "教育局", "（无应报单位）"]
    assert data[0][h["配合单位"]] == "财政局、统计局" and data[1][h["配合单位"]] == "（共2个单位，见本任务首行）"
    assert all(c.comment is None for row in ws.iter_rows() for c in row)
    assert data[0][h["来源"]] == "发改局_2025年6月落实情况表.xlsx!F8:K8"
    assert at(ws, 2, "完成情况").value == FORMULA and at(ws, 2, "完成情况").data_type == "s"
    assert data[3][h["完成情况"]].endswith(TRUNCATED_NOTE)
    overview = {r[0]: r[1] for r in rows_of(wb["总览"]) if r[0]}
    assert overview["超长文字截断"] == 1
    assert "来源仅列于" in overview["来源标注"]
    # rows are sized in this mode too, each for its own repeated task cells
    assert ws.row_dimensions[HEAD + 2].height >= tracker.fit_height(1)
    with zipfile.ZipFile(path) as z:
        assert "xl/charts/chart1.xml" in z.namelist()


@pytest.mark.parametrize("text, width, size, lines", [
    ("国" * 18, 40, 11, 1),  # 40 units = 280 px of text: 18 full-width characters of 15 px
    ("国" * 19, 40, 11, 2),
    ("国" * 37, 40, 11, 3),
    ("国" * 14, 32, 12, 1),  # 12pt: 16 px a character
    ("国" * 15, 32, 12, 2),
    ("甲\n乙\n\n丙", 10, 11, 4),  # explicit line breaks, an empty line among them
    ("", 10, 11, 1),
    ("3月份，完成项目立项6次，对接辖区企业22家（个），累计完成年度目标的30%。", 38, 11, 3),
    ("see https://example.org/a/very/long/address/that/does/not/fit/on/one/line", 20, 11, 5),  # "see", then 70 characters at 18 a line
])
def test_estimate_lines(text, width, size, lines):
    from sheets.cells import estimate_lines

    assert estimate_lines(text, width, size) == lines


def test_row_height_follows_the_estimate(tmp_path):
    data = month_data()
    data.rows[0].lines[1].values["progress"] = "国" * 60  # 发改局 on task 1: 4 lines of 17 in a width of 38
    path = tmp_path / "t.xlsx"
    write_tracker(path, data, "督查室")
    ws = openpyxl.load_workbook(path)["台账"]
    assert at(ws, 1, "完成情况").value == "国" * 60
    assert ws.row_dimensions[HEAD + 1].height == pytest.approx(tracker.fit_height(4), abs=0.01)
    assert tracker.fit_height(4) == pytest.approx(4 * 16 + 4, abs=0.75)


# --- 完成进度, 序时进度, 差距, 判定依据; 已完成; the tasks that need attention -----------------------


def test_progress_columns_per_line_and_per_task(book):
    _, wb = book
    ws = wb["台账"]
    cols = ("单位", "完成进度", "序时进度", "差距", "状态", "判定依据")
    got = [tuple(at(ws, i, h).value for h in cols) for i in range(1, 6)]
    assert got == [
        # task 1, 已完成 this month: each unit's own 完成进度 on its line, the task's columns on the first
        ("发改局", "100%", "50%", "超前50个百分点", "绿", "已完成（销号）\n本月新完成"),
        ("财政局", "60%", None, None, "绿", None),
        ("统计局", None, None, None, "绿", None),  # not reported: no 完成进度
        # task 2: no 完成进度 reported, the 是/否 rule decided
        ("教育局", "—", "50%", "—", "红", "按是否完成阶段任务目标"),
        ("（无应报单位）", None, "50%", "—", "黄", "按是否完成阶段任务目标"),
    ]
    live = wb["为民办实事"]
    got = [tuple(at(live, i, h).value for h in cols) for i in (1, 2)]
    assert got == [("民政局", "45%", "58.3%", "落后13.3个百分点", "黄", "按完成进度对照序时进度"),
                   ("财政局", "八成", None, None, "黄", None)]  # an unreadable 完成进度 shown as typed
    # the unit's 完成进度 carries its source cell like every answer
    assert at(ws, 1, "完成进度").comment.text == "来源：发改局_2025年6月落实情况表.xlsx!K8"
    assert at(ws, 1, "完成进度").data_type == "s"


def test_a_float_percent_from_the_reader_is_shown_as_a_percentage(tmp_path):
    data = month_data()
    data.rows[0].lines[0].values["percent"] = 37.5  # 财政局 on task 1, a number cell
    data.rows[1].lines[0].values["percent"] = 0.8  # 教育局: 80% formatted as a share in Excel
    path = tmp_path / "t.xlsx"
    write_tracker(path, data, "督查室")
    ws = openpyxl.load_workbook(path)["台账"]
    assert at(ws, 2, "完成进度").value == "37.5%" and at(ws, 4, "完成进度").value == "80%"


def test_a_month_without_percent_values_shows_the_tasks_own(tmp_path):
    """Lines that carry no 完成进度 at all (made before the column existed): the task's 完成进度 on its first line."""
    data = month_data()
    rows = list(data.rows)
    for r in rows:
        for ln in r.lines:
            ln.values.pop("percent", None)
    data.rows = rows
    path = tmp_path / "t.xlsx"
    write_tracker(path, data, "督查室")
    live = openpyxl.load_workbook(path)["为民办实事"]
    assert [at(live, i, "完成进度").value for i in (1, 2)] == ["45%", None]


def test_overview_counts_done_tasks(book):
    _, wb = book
    head, status = _block(rows_of(wb["总览"]), "二、任务状态")
    assert status["已完成（销号）"][1] == 1 and status["其中本月新完成"][1] == 1
    assert status["合计"][1] == 4


def test_overview_lists_red_and_yellow_tasks_largest_gap_first(tmp_path):
    data = month_data()
    t5 = Task("livelihood", 2, "改造老旧小区", leaders=("李四",), lead_units=("教育局",))
    t6 = Task("annual", 4, "建设智慧城市", category="城市建设", leaders=("张三",), lead_units=("发改局",))
    rows = list(data.rows) + [
        TaskRow(t5, "红", [line("教育局", "牵头", 9, percent="20")], Progress(20.0, 58.3, "progress")),
        TaskRow(t6, "黄", [line("发改局", "牵头", 10, percent="35")], Progress(35.0, 50.0, "progress")),
        TaskRow(Task("annual", 5, "绿色任务", lead_units=("发改局",)), "绿", [line("发改局", "牵头", 11, percent=48)],
                Progress(48.0, 50.0, "progress")),
    ]
    data.rows = rows
    path = tmp_path / "t.xlsx"
    write_tracker(path, data, "督查室")
    ws = openpyxl.load_workbook(path)["总览"]
    table = rows_of(ws)
    start = next(i for i, r in enumerate(table) if r[0] and str(r[0]).startswith("三、需关注的任务"))
    assert table[start + 1][:7] == ["任务", "状态", "完成进度", "序时进度", "差距", "判定依据", "牵头单位"]
    listed = []
    for r in table[start + 2:]:
        if not r[0] or str(r[0]).startswith("注："):
            break
        listed.append((r[0].split("　")[0], r[1], r[2], r[4]))
    # by gap: 38.3, 15, 13.3 behind; then the two without a 完成进度, in table order (年度2 before 年度3)
    assert listed == [("实事2", "红", "20%", "落后38.3个百分点"), ("年度4", "黄", "35%", "落后15个百分点"),
                      ("实事1", "黄", "45%", "落后13.3个百分点"), ("年度2", "红", "—", "—"), ("年度3", "黄", "—", "—")]
    first = table[start + 2]
    assert first[6] == "教育局" and table[start + 5][10] == "教育局报告未完成阶段任务目标"
    assert table[start + 6][10] == "没有应报单位"
    # the 状态 cells are coloured like the tracker's
    rules = {str(rng.sqref): [r.formula[0] for r in rng.rules] for rng in ws.conditional_formatting}
    assert rules[f"B{start + 3}:B{start + 7}"] == ['"红"', '"黄"', '"绿"']


def test_overview_without_tasks_behind_says_so(tmp_path):
    data = month_data()
    data.rows = [TaskRow(r.task, "绿", r.lines, r.progress) for r in data.rows]
    path = tmp_path / "t.xlsx"
    write_tracker(path, data, "督查室")
    table = rows_of(openpyxl.load_workbook(path)["总览"])
    start = next(i for i, r in enumerate(table) if r[0] and str(r[0]).startswith("三、需关注的任务"))
    assert table[start + 2][:2] == ["（无）", "本月没有列为红色或黄色的任务。"]
