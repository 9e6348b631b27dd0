"""The month's tracker workbook (duban.sheets.tracker), read back with openpyxl."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from duban.model import Finding, Task
from duban.rollup import Line, MonthData, TaskRow, UnitState
from duban.sheets import tracker
from duban.sheets.tracker import TRUNCATED_NOTE, write_tracker

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
    return Line(unit, role, vals, cells, file, True)


def month_data() -> MonthData:
    t1 = Task("annual", 1, "推进营商环境优化提升行动", category="经济发展", leaders=("张三",),
              lead_units=("发改局",), co_units=("财政局", "统计局"))
    t2 = Task("annual", 2, "办好人民满意的教育", category="社会事业", leaders=("李四", "王五"), lead_units=("教育局",))
    t3 = Task("annual", 3, "专班推进的重点项目", category="经济发展", leaders=("张三",), lead_units=("重点项目专班",))
    t4 = Task("livelihood", 1, "新建改建公办幼儿园3所", leaders=("李四",), lead_units=("民政局",), co_units=("财政局",))
    rows = [
        # co-unit lines deliberately before the lead's: the sheet puts the lead first
        TaskRow(t1, "绿", [
            line("财政局", "配合", 9, progress=FORMULA, problems="+1", next_steps="-2", target="@a"),
            line("发改局", "牵头", 8, problems="资金缺口较大\x07", progress="进展\x00顺利\x1b，已完成\t第一阶段",
                 next_steps="第一步\r\n第二步\u2028第三步\x85\ufffe"),
            line("统计局", "配合", 0, reported=False),
        ]),
        TaskRow(t2, "红", [line("教育局", "牵头", 8, achieved="否", progress=LONG, problems="无")]),
        TaskRow(t3, "黄", []),
        TaskRow(t4, "黄", [line("民政局", "牵头", 8, achieved="", problems="场地难落实"), line("财政局", "配合", 12)]),
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


def rows_of(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def header_index(ws) -> dict[str, int]:
    return {c.value: c.column - 1 for c in ws[1]}


def test_sheet_names_and_order(book):
    _, wb = book
    assert wb.sheetnames == ["总览", "台账", "为民办实事", "报送情况", "问题清单", "发现"]


def test_tracker_columns(book):
    _, wb = book
    assert [c.value for c in wb["台账"][1]] == [
        "序号", "类别", "重点任务", "牵头领导", "牵头单位", "配合单位", "单位", "职责", "季度计划完成目标",
        "完成情况", "存在问题", "下一步计划", "是否完成", "状态", "来源"]
    assert [c.value for c in wb["为民办实事"][1]] == [
        "序号", "重点任务", "牵头领导", "牵头单位", "配合单位", "单位", "职责", "季度计划完成目标",
        "完成情况", "存在问题", "下一步计划", "是否完成", "状态", "来源"]


def test_every_task_once_and_lead_first(book):
    _, wb = book
    ws = wb["台账"]
    h = header_index(ws)
    data = rows_of(ws)[1:]
    seqs = [r[h["序号"]] for r in data if r[h["序号"]] is not None]
    assert seqs == [1, 2, 3]  # each annual task once (merged cells keep the value in the top cell)
    assert [r[h["单位"]] for r in data] == ["发改局", "财政局", "统计局", "教育局", "（无应报单位）"]
    assert [r[h["职责"]] for r in data][:3] == ["牵头", "配合", "配合"]
    merged = {str(m) for m in ws.merged_cells.ranges}
    assert {"A2:A4", "C2:C4", "D2:D4", "F2:F4", "N2:N4"} <= merged
    assert not any(m.startswith("A5") or m.startswith("A6") for m in merged)  # single-line tasks not merged
    assert ws["C6"].value == "专班推进的重点项目"  # a task without lines still appears
    assert ws["D3"].value is None and ws["D2"].value == "张三"
    assert ws["D5"].value == "李四、王五"
    assert ws["E2"].value == "发改局" and ws["F2"].value == "财政局、统计局"
    live = wb["为民办实事"]
    assert [r[0] for r in rows_of(live)[1:]] == [1, None]
    assert [r[5] for r in rows_of(live)[1:]] == ["民政局", "财政局"]


def test_statuses_and_fills(book):
    _, wb = book
    ws = wb["台账"]
    assert [ws[f"N{r}"].value for r in (2, 5, 6)] == ["绿", "红", "黄"]
    assert wb["为民办实事"]["M2"].value == "黄"
    rules = [(rng.sqref, rule) for rng in ws.conditional_formatting for rule in rng.rules]
    formulas = {rule.formula[0] for sq, rule in rules if rule.type == "cellIs" and rule.operator == "equal"}
    assert formulas == {'"红"', '"黄"', '"绿"'}
    assert all(str(sq).startswith("N2") for sq, _ in rules)
    fills = {rule.formula[0]: rule.dxf.fill.bgColor.rgb for sq, rule in rules}
    assert fills['"红"'].endswith("FFC7CE") and fills['"绿"'].endswith("C6EFCE")


def test_provenance_comment_and_source_column(book):
    _, wb = book
    ws = wb["台账"]
    h = header_index(ws)
    target = ws.cell(row=2, column=h["季度计划完成目标"] + 1)
    assert target.value == "完成全年目标的50%"
    assert target.comment is not None
    assert target.comment.text == "来源：发改局_2025年6月落实情况表.xlsx!F8"
    progress = ws.cell(row=3, column=h["完成情况"] + 1)
    assert progress.comment.text == "来源：财政局_2025年6月落实情况表.xlsx!G9"
    assert ws.cell(row=2, column=h["来源"] + 1).value == "发改局_2025年6月落实情况表.xlsx!F8:J8"
    # the unit that did not report: no comment, no source, grey italic placeholder
    missing = ws.cell(row=4, column=h["完成情况"] + 1)
    assert missing.value == "（未报送）"
    assert missing.comment is None
    assert missing.font.i and missing.font.color.rgb.endswith("808080")
    assert ws.cell(row=4, column=h["来源"] + 1).value is None
    assert ws.cell(row=4, column=h["季度计划完成目标"] + 1).value == "完成全年目标的50%"  # from the plan


def test_unit_text_never_becomes_formula(book):
    path, wb = book
    ws = wb["台账"]
    h = header_index(ws)
    row = 3  # 财政局 on task 1
    for field, expected in (("完成情况", FORMULA), ("存在问题", "+1"), ("下一步计划", "-2"), ("季度计划完成目标", "@a")):
        cell = ws.cell(row=row, column=h[field] + 1)
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
    h = header_index(ws)
    assert ws.cell(row=2, column=h["完成情况"] + 1).value == "进展顺利，已完成 第一阶段"
    assert ws.cell(row=2, column=h["存在问题"] + 1).value == "资金缺口较大"
    assert ws.cell(row=2, column=h["下一步计划"] + 1).value == "第一步\n第二步\n第三步"


def test_long_text_truncated_and_flagged(book):
    _, wb = book
    ws = wb["台账"]
    h = header_index(ws)
    value = ws.cell(row=5, column=h["完成情况"] + 1).value
    assert len(value) == 32767
    assert value.endswith(TRUNCATED_NOTE)
    assert value.startswith("长" * 1000)
    overview = {r[0]: r[1] for r in rows_of(wb["总览"]) if r[0]}
    assert overview["超长文字截断"] == 1


def test_truncation_counts_utf16_units(tmp_path):
    data = month_data()
    astral = "𠀀" * 20_000  # 40,000 UTF-16 units in 20,000 characters
    data.rows[1].lines[0].values["progress"] = astral
    path = tmp_path / "t.xlsx"
    write_tracker(path, data, "督查室")
    value = openpyxl.load_workbook(path)["台账"]["J5"].value
    assert value.endswith(TRUNCATED_NOTE)
    assert len(value.encode("utf-16-le")) // 2 <= 32767
    assert value.startswith("𠀀" * 100)


def test_overview(book):
    _, wb = book
    ws = wb["总览"]
    assert ws["A1"].value == "2025年6月政府工作报告任务落实台账"
    values = {r[0]: r[1] for r in rows_of(ws) if r[0]}
    assert values["截止日期"] == "2025年7月9日"
    assert values["统计时间"] == "2025年7月12日 16:30"
    assert values["督查单位"] == "区政府督查室"
    assert (values["应报单位"], values["已报"], values["按时"], values["迟报"], values["未报"], values["未到期"]) == (5, 4, 3, 1, 1, 0)
    assert values["报送率"] == pytest.approx(0.8) and values["按时率"] == pytest.approx(0.6)
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert "%" in ws.cell(row=cells["报送率"].row, column=2).number_format
    assert (values["绿"], values["黄"], values["红"]) == (1, 2, 1)
    assert values["内容不全"] == 1 and values["照搬上月"] == 1 and values["改动任务"] == 0
    table = rows_of(ws)

    def block(title):
        start = next(i for i, r in enumerate(table) if r[0] == title)
        out = {}
        for r in table[start + 2:]:
            if r[0] is None:
                break
            out[r[0]] = r
        return table[start + 1], out

    head, by_kind = block("三、发现问题（按类型）")
    assert list(by_kind)[:7] == ["未报", "迟报", "内容不全", "未完成阶段目标", "计划未报", "照搬上月", "改动任务"]
    head, by_leader = block("四、发现问题（按牵头领导）")
    assert head[:2] == ["牵头领导", "未报"] and head[8] == "合计"
    assert list(by_leader) == ["张三", "李四", "王五", "无"]
    assert by_leader["无"][8] == 3  # late, missing, no_plan: unit-level
    assert by_leader["李四"][8] == 2 and by_leader["王五"][8] == 1
    head, by_cat = block("五、发现问题（按任务类别）")
    assert list(by_cat) == ["经济发展", "社会事业", "为民办实事", "无"]
    assert by_cat["为民办实事"][3] == 1  # 内容不全
    head, by_unit = block("六、发现问题（按单位）")
    assert list(by_unit) == ["发改局", "教育局", "民政局", "财政局", "统计局"]  # registry order
    assert by_unit["统计局"][1] == 1 and by_unit["统计局"][5] == 1 and by_unit["统计局"][8] == 2
    assert ws.auto_filter.ref.startswith(f"A{cells['六、发现问题（按单位）'].row + 1}:")


def test_leaders_of_overrides(tmp_path):
    path = tmp_path / "t.xlsx"
    write_tracker(path, month_data(), "督查室", leaders_of=lambda tid: ("赵六",) if tid == "annual-2" else ())
    wb = openpyxl.load_workbook(path)
    assert wb["台账"]["D5"].value == "赵六"
    assert wb["台账"]["D2"].value == "张三"  # falls back to the task's own leaders
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
    kinds_at = rows["三、发现问题（按类型）"] + 2
    assert f"总览!$B${kinds_at}:$B${kinds_at + 6}" in charts[1]
    assert len(ws._charts) == 2


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
        assert ws.freeze_panes == "A2"
        assert ws.print_title_rows == "$1:$1"
        assert "第 &P 页，共 &N 页" in ws.oddFooter.center.text
        assert ws.auto_filter.ref
    ws = wb["台账"]
    assert ws.auto_filter.ref == "A1:O6"
    assert ws["A1"].font.name == "黑体" and ws["J2"].font.name == "仿宋_GB2312"
    assert ws["J2"].alignment.wrap_text
    assert ws.column_dimensions["J"].width > ws.column_dimensions["A"].width


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
    assert wb["台账"].max_row == 1 + 25 * n_units
    assert wb["为民办实事"].max_row == 1 + 5 * n_units
    assert wb["报送情况"].max_row == 1 + n_units
    assert wb["问题清单"].max_row == 1 + n_tasks * n_units
    assert wb["发现"].max_row == 1 + n_units
    seqs = [r[0] for r in wb["台账"].iter_rows(min_row=2, values_only=True) if r[0] is not None]
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
    assert not ws.merged_cells.ranges
    data = rows_of(ws)[1:]
    assert [r[0] for r in data] == [1, 1, 1, 2, 3]
    assert [r[13] for r in data] == ["绿", "绿", "绿", "红", "黄"]
    assert [r[6] for r in data] == ["发改局", "财政局", "统计局", "教育局", "（无应报单位）"]
    assert data[0][5] == "财政局、统计局" and data[1][5] == "（共2个单位，见本任务首行）"
    assert all(c.comment is None for row in ws.iter_rows() for c in row)
    assert data[0][14] == "发改局_2025年6月落实情况表.xlsx!F8:J8"
    assert ws.cell(row=3, column=10).value == FORMULA and ws.cell(row=3, column=10).data_type == "s"
    assert data[3][9].endswith(TRUNCATED_NOTE)
    overview = {r[0]: r[1] for r in rows_of(wb["总览"]) if r[0]}
    assert overview["超长文字截断"] == 1
    assert "来源仅列于" in overview["来源标注"]
    with zipfile.ZipFile(path) as z:
        assert "xl/charts/chart1.xml" in z.namelist()
