"""Reading returned forms: filled like a unit would, re-saved by LibreOffice, edited."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from office.errors import InputFileError, TemplateMismatch
from office.model import Finding, Task
from sheets.cells import clean_text, parse_seq, parse_yes_no
from sheets.forms import FormRow, FormSpec, write_form
from sheets.returns import PLAN_FIELDS, STATUS_FIELDS, edited_tasks, read_return

try:
    from tests.fill import (edit, fill_form, form_sheet, insert_rows, lo_convert, locate, replace_in_package, set_text,
                            soffice, swap_rows)
except ImportError:  # tests/ is not a package
    from fill import (edit, fill_form, form_sheet, insert_rows, lo_convert, locate, replace_in_package, set_text, soffice,
                      swap_rows)

TASKS = [
    Task("annual", 1, "地区生产总值增长5.6%左右。", lead_units=("区商务局",)),
    Task("annual", 2, "积极申报省级经济开发区，加快建设“一区多园”。", lead_units=("区商务局",)),
    Task("annual", 5, "大力发展低空经济、航空航天、机器人等未来产业。", co_units=("区商务局",)),
    Task("livelihood", 1, "新增城镇就业岗位5000个。", lead_units=("区商务局",)),
    Task("livelihood", 3, "改造老旧小区10个。", co_units=("区商务局",)),
]
TARGETS = {"annual-1": "一季度增长5%", "annual-2": None, "annual-5": "完成产业规划编制", "livelihood-1": "新增1200个",
           "livelihood-3": None}
STATUS = FormSpec(
    "ws-r", "市中区人民政府办公室督查室", 2025, "区商务局", "status", "2025-03", date(2025, 4, 8),
    tuple(FormRow(t, t.role_of("区商务局"), target=TARGETS[t.id]) for t in TASKS),
)
PLAN = FormSpec(
    "ws-r", "市中区人民政府办公室督查室", 2025, "区商务局", "plan", "2025", date(2025, 2, 18),
    tuple(FormRow(t, t.role_of("区商务局")) for t in TASKS),
)
IDS = [t.id for t in TASKS]

FILLED = {
    "annual-1": {"progress": "一季度实现地区生产总值增长5.2%。\n第二段说明", "problems": "外需不足",
                 "next_steps": "=HYPERLINK(\"http://example.com\",\"见附件\")", "achieved": "是"},
    "annual-2": {"target": "完成申报材料", "progress": "已完成申报材料初稿", "problems": "无",
                 "next_steps": "+报送省发展改革委", "achieved": "否"},
    "annual-5": {"progress": "@规划编制中", "achieved": "是"},
    "livelihood-1": {"progress": "新增就业岗位1350个", "problems": "", "next_steps": "继续推进", "achieved": "是"},
    "livelihood-3": {"progress": "3个小区已开工", "achieved": "否"},
}
FOOTER = {"填报人：": "王小明", "联系电话：": "0531-12345678", "填报时间：": "2025年4月3日"}


def expected_status() -> dict[str, dict]:
    out = {}
    for tid in IDS:
        vals = {f: None for f in STATUS_FIELDS + ("percent",)}  # the default form has the optional 完成进度（%）
        vals["target"] = TARGETS[tid]
        for f, v in FILLED[tid].items():
            vals[f] = v if v != "" else None
        out[tid] = vals
    return out


def values_by_id(read) -> dict[str, dict]:
    return {r.task_id: r.values for r in read.rows}


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("blank") / "2025年3月_落实情况表_区商务局.xlsx"
    write_form(STATUS, p)
    return p


@pytest.fixture(scope="module")
def col(blank) -> dict[str, str]:
    """field -> column letter of the generated status form, found by its header text (tests/fill.py)."""
    cols, _, _ = locate(form_sheet(openpyxl.load_workbook(blank)))
    return {f: openpyxl.utils.get_column_letter(c) for f, c in cols.items()}


@pytest.fixture(scope="module")
def filled(blank, tmp_path_factory) -> Path:
    return fill_form(blank, tmp_path_factory.mktemp("filled") / "filled.xlsx", FILLED, FOOTER)


def _edited(filled, tmp_path, fn, name="edited.xlsx"):
    return edit(filled, tmp_path / name, fn)


# ------------------------------------------------------------------ plain openpyxl fill


def test_filled_values_read_back_exactly(filled, col):
    read = read_return(filled, "xlsx")
    assert read.sheet == "落实情况表"
    assert read.kind == "status"
    assert read.header_row == 5
    assert [r.task_id for r in read.rows] == IDS
    assert values_by_id(read) == expected_status()
    assert read.problems == [] and read.extra_rows == []
    assert read.identity["unit"] == "区商务局" and read.identity["task_ids"] == IDS
    assert read.visible == {"title": "2025年年度工作任务落实情况表", "year": 2025, "month": 3, "unit": "区商务局",
                            "kind": "status"}
    assert read.footer == {"filler": "王小明", "phone": "0531-12345678", "filled_at": "2025年4月3日"}
    row = read.rows[0]
    assert row.text == TASKS[0].text and row.seq == 1 and row.kind == "annual"
    assert row.cells == {f: f"{col[f]}7" for f in ("text", "target", "progress", "percent", "problems", "next_steps", "achieved")}
    assert list(col) == ["seq", "text", "target", "progress", "percent", "problems", "next_steps", "achieved"]  # form order
    assert read.rows[3].cells["progress"] == f"{col['progress']}11"  # livelihood-1 below its section row


def test_plan_filled_values_read_back(tmp_path):
    blank = tmp_path / "plan.xlsx"
    write_form(PLAN, blank)
    vals = {
        "annual-1": {"q1": "完成一季度目标", "q2": "二季度", "q3": "三季度", "q4": "四季度", "main_leader": "张三",
                     "deputy": "李四", "note": "=备注"},
        "livelihood-3": {"q4": "全部完工", "deputy": "王五"},
    }
    read = read_return(fill_form(blank, tmp_path / "plan_filled.xlsx", vals), "xlsx")
    assert read.kind == "plan" and read.header_row == 4
    got = values_by_id(read)
    assert set(got) == set(IDS)
    for tid in IDS:
        want = {f: None for f in PLAN_FIELDS} | vals.get(tid, {})
        assert got[tid] == want, tid
    assert read.rows[0].cells["q1"] == "C7" and read.rows[0].cells["note"] == "I7"
    assert read.problems == []


# ------------------------------------------------------------------ LibreOffice


needs_lo = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) not installed")


@pytest.fixture(scope="module")
def lo_files(filled, tmp_path_factory):
    d = tmp_path_factory.mktemp("lo_ret")
    return {fmt: lo_convert(filled, fmt, d / fmt)[0] for fmt in ("xlsx", "xls")}


@needs_lo
@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_libreoffice_resaved(lo_files, fmt, tmp_path):
    direct = read_return(lo_files[fmt], fmt)
    # a unit renames the file before mailing it back
    renamed = tmp_path / f"区商务局3月份报表（终稿）.{fmt}"
    shutil.copy(lo_files[fmt], renamed)
    for read in (direct, read_return(renamed, fmt)):
        assert values_by_id(read) == expected_status()
        assert read.identity is not None and read.identity["task_ids"] == IDS
        assert read.visible["unit"] == "区商务局" and read.visible["month"] == 3
        assert read.footer["filler"] == "王小明"
        assert read.problems == [] and read.extra_rows == []


@needs_lo
def test_xls_content_with_xlsx_name(lo_files, tmp_path):
    wrong = tmp_path / "报表.xlsx"
    shutil.copy(lo_files["xls"], wrong)
    assert values_by_id(read_return(wrong, "xlsx")) == expected_status()


# ------------------------------------------------------------------ edited by the unit


def test_sheet_renamed_and_moved(filled, tmp_path):
    def fn(wb, ws):
        ws.title = "Sheet1"
        info = wb.create_sheet("填报说明", 0)
        info["A1"] = "这是单位自己加的说明页"
        info["A2"] = "序号"
        wb.move_sheet(ws, offset=1)

    path = _edited(filled, tmp_path, fn)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames.index("Sheet1") > 0
    read = read_return(path, "xlsx")
    assert read.sheet == "Sheet1"
    assert values_by_id(read) == expected_status()


def test_rows_reordered(filled, tmp_path, col):
    path = _edited(filled, tmp_path, lambda wb, ws: swap_rows(ws, 7, 9))  # annual-1 <-> annual-5
    read = read_return(path, "xlsx")
    assert values_by_id(read) == expected_status()
    by_id = {r.task_id: r for r in read.rows}
    assert by_id["annual-1"].cells["progress"] == f"{col['progress']}9"
    assert by_id["annual-5"].cells["progress"] == f"{col['progress']}7"
    assert by_id["annual-1"].text == TASKS[0].text
    assert read.extra_rows == []


def test_blank_rows_inserted(filled, tmp_path, col):
    def fn(wb, ws):
        insert_rows(ws, 10, 2)  # before the 为民办实事 section row
        insert_rows(ws, 8, 1)  # between annual-1 and annual-2
        insert_rows(ws, 6, 1)  # between header and first section

    path = _edited(filled, tmp_path, fn)
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws["A14"].value == "二、为民办实事"
    read = read_return(path, "xlsx")
    assert values_by_id(read) == expected_status()
    assert read.extra_rows == [] and read.problems == []
    assert {r.task_id: r.cells["progress"] for r in read.rows}["livelihood-1"] == f"{col['progress']}15"


def test_sub_item_row_is_merged(filled, tmp_path, col):
    def fn(wb, ws):
        insert_rows(ws, 8, 1)  # under annual-1 (row 7)
        set_text(ws[f"{col['progress']}8"], "分项二：招商引资项目落地3个")
        set_text(ws[f"{col['achieved']}8"], "否")

    read = read_return(_edited(filled, tmp_path, fn), "xlsx")
    got = values_by_id(read)
    want = expected_status()
    want["annual-1"]["progress"] = FILLED["annual-1"]["progress"] + "\n分项二：招商引资项目落地3个"
    want["annual-1"]["achieved"] = "否"  # one sub-item not achieved
    assert got == want
    assert len(read.extra_rows) == 1
    assert "第8行" in read.extra_rows[0] and "年度工作任务第1项" in read.extra_rows[0]
    assert {r.task_id: r.cells["progress"] for r in read.rows}["annual-1"] == f"{col['progress']}7"


def test_unknown_and_missing_rows(filled, tmp_path):
    def fn(wb, ws):
        set_text(ws["A8"], 99)  # annual-2 renumbered to a seq this unit does not have

    read = read_return(_edited(filled, tmp_path, fn), "xlsx")
    assert "annual-2" not in values_by_id(read)
    assert any("第8行" in m and "99" in m for m in read.extra_rows)
    assert any("年度工作任务第2项" in m and "没有找到" in m for m in read.extra_rows)
    assert [(f.kind, f.cell, f.file) for f in read.findings] == [("unknown_row", "A8", "edited.xlsx")]


def test_duplicate_row_and_edited_text_are_findings(filled, tmp_path):
    def fn(wb, ws):
        set_text(ws["A8"], 1)  # annual-2's row renumbered as annual-1: twice
        set_text(ws["B9"], "大力发展低空经济、航空航天等未来产业（单位改写）。")  # annual-5's task text

    read = read_return(_edited(filled, tmp_path, fn), "xlsx")
    assert [(f.kind, f.task, f.cell) for f in read.findings] == [("duplicate_row", "annual-1", "A8")]
    edited = edited_tasks(read, {t.id: t.text for t in TASKS}, "edited.xlsx")
    assert [(f.kind, f.unit, f.task, f.period, f.file, f.cell) for f in edited] == [
        ("task_edited", "区商务局", "annual-5", "2025-03", "edited.xlsx", "B9")]
    assert edited_tasks(read_return(filled, "xlsx"), {t.id: t.text for t in TASKS}) == []


YES_NO = [
    ("是", "是"), ("否", "否"), ("√", "是"), ("×", "否"), ("✓", "是"), ("✗", "否"), ("Y", "是"), ("n", "否"),
    ("yes", "是"), ("No", "否"), ("已完成", "是"), ("未完成", "否"), ("完成", "是"), ("是的", "是"),
    ("\u3000是\xa0", "是"), ("ＹＥＳ", "是"), ("是。", "是"), (True, "是"), (False, "否"),
]


@pytest.mark.parametrize("batch", [YES_NO[i:i + 5] for i in range(0, len(YES_NO), 5)])
def test_yes_no_variants(filled, tmp_path, batch):
    vals = {tid: {"achieved": raw} for tid, (raw, _) in zip(IDS, batch)}
    path = fill_form(filled, tmp_path / "yn.xlsx", vals)
    got = values_by_id(read_return(path, "xlsx"))
    for tid, (raw, want) in zip(IDS, batch):
        assert got[tid]["achieved"] == want, raw


def test_bad_yes_no_is_a_problem(filled, tmp_path, col):
    path = fill_form(filled, tmp_path / "bad.xlsx", {"annual-2": {"achieved": "已完成大部分"}})
    read = read_return(path, "xlsx")
    assert values_by_id(read)["annual-2"]["achieved"] is None
    cell = f"{col['achieved']}8"
    message = f"工作表“落实情况表”，{cell}：“已完成大部分”不是“是/否”，请从下拉列表选择。"
    assert read.problems == [message]
    # the same problem as data, from the moment it is found: file, cell, unit, task and period
    assert read.findings == [Finding("bad_yes_no", "区商务局", "annual-2", "2025-03", "bad.xlsx", cell, message)]


def test_values_are_normalized(filled, tmp_path, col):
    def fn(wb, ws):
        # _x0007_ is how a control character (BEL) is stored in an xlsx string
        set_text(ws[f"{col['progress']}7"], "\u3000\u200b 进展顺利\r\n第二_x0007_行\xa0 ")
        ws[f"{col['problems']}7"] = 85  # a number in a text field
        ws[f"{col['problems']}8"] = 12.5
        set_text(ws["A8"], "２")  # 序号 retyped as full-width text

    read = read_return(_edited(filled, tmp_path, fn), "xlsx")
    got = values_by_id(read)
    assert got["annual-1"]["progress"] == "进展顺利\n第二行"
    assert got["annual-1"]["problems"] == "85"
    assert got["annual-2"]["problems"] == "12.5"
    assert got["annual-2"]["progress"] == FILLED["annual-2"]["progress"]
    assert read.extra_rows == []


def test_very_long_text_kept_with_warning(filled, tmp_path, col):
    long = "长" * 33000
    marked = fill_form(filled, tmp_path / "marked.xlsx", {"livelihood-3": {"progress": "LONG-TEXT-MARKER"}})
    read = read_return(replace_in_package(marked, tmp_path / "long.xlsx", "LONG-TEXT-MARKER", long), "xlsx")
    assert values_by_id(read)["livelihood-3"]["progress"] == long
    cell = f"{col['progress']}12"
    assert any(cell in m and "32767" in m for m in read.extra_rows)
    [f] = read.findings
    assert (f.kind, f.task, f.file, f.cell, f.unit) == ("too_long", "livelihood-3", "long.xlsx", cell, "区商务局")


def test_rows_under_the_table_are_not_tasks(filled, tmp_path, col):
    def fn(wb, ws):
        insert_rows(ws, 13, 2)  # between the last task (row 12) and the footer
        set_text(ws["A13"], "注：数据截至3月31日。")
        set_text(ws[f"{col['progress']}13"], "这一行不是分项")

    read = read_return(_edited(filled, tmp_path, fn), "xlsx")
    assert values_by_id(read) == expected_status() and read.extra_rows == [] and read.problems == []


def test_role_note_under_the_task_text_is_not_the_text(tmp_path):
    rows = tuple(FormRow(t, t.role_of("区商务局"), target=TARGETS[t.id], partners=("区财政局",)) for t in TASKS)
    blank = tmp_path / "noted.xlsx"
    write_form(dataclasses.replace(STATUS, rows=rows), blank)
    assert "\n（本单位" in openpyxl.load_workbook(blank).worksheets[0]["B7"].value
    read = read_return(fill_form(blank, tmp_path / "noted_filled.xlsx", FILLED), "xlsx")
    assert [r.text for r in read.rows] == [t.text for t in TASKS]
    assert values_by_id(read) == expected_status()
    assert edited_tasks(read, {t.id: t.text for t in TASKS}) == []


def test_renamed_optional_and_extra_columns_are_read(filled, tmp_path, col):
    extra = openpyxl.utils.get_column_letter(openpyxl.utils.column_index_from_string(col["achieved"]) + 1)

    def fn(wb, ws):
        set_text(ws[f"{col['next_steps']}5"], "下一步\n工作打算")  # renamed (and wrapped) by the unit
        set_text(ws[f"{col['percent']}5"], "进度(%)")  # the optional column, renamed
        set_text(ws[f"{extra}5"], "佐证材料")  # a column of its own, after the last one
        set_text(ws[f"{col['percent']}7"], "85%")
        set_text(ws[f"{extra}7"], "照片3张")
        set_text(ws[f"{col['percent']}8"], "40")
        insert_rows(ws, 8, 1)  # a sub-item of annual-1 with evidence of its own
        set_text(ws[f"{col['progress']}8"], "分项二")
        set_text(ws[f"{extra}8"], "会议纪要")

    read = read_return(_edited(filled, tmp_path, fn), "xlsx")
    got = values_by_id(read)
    assert got["annual-1"]["next_steps"] == FILLED["annual-1"]["next_steps"]
    assert got["annual-1"]["percent"] == 85 and got["annual-2"]["percent"] == 40  # read as numbers
    assert got["annual-1"]["extra:佐证材料"] == "照片3张\n会议纪要"
    assert got["annual-5"]["extra:佐证材料"] is None and got["annual-5"]["percent"] is None
    assert read.labels["next_steps"] == "下一步工作打算" and read.labels["percent"] == "进度(%)"
    assert read.extras == ["extra:佐证材料"]
    row = {r.task_id: r for r in read.rows}["annual-1"]
    assert row.cells["percent"] == f"{col['percent']}7" and row.cells["extra:佐证材料"] == f"{extra}7"
    assert any("“完成情况”、“佐证材料”" in m for m in read.extra_rows)  # the sub-item, named by its headers


def test_missing_identity_sheet(filled, tmp_path, col):
    def fn(wb, ws):
        del wb["_duban"]

    read = read_return(_edited(filled, tmp_path, fn), "xlsx")
    assert read.identity is None
    assert read.visible["unit"] == "区商务局" and read.visible["month"] == 3 and read.visible["year"] == 2025
    assert read.kind == "status"
    assert values_by_id(read) == expected_status()
    # a finding still names the unit and period, from the visible cells
    bad = read_return(fill_form(_edited(filled, tmp_path, fn, "lost.xlsx"), tmp_path / "lost_bad.xlsx",
                                {"annual-1": {"achieved": "大概"}}), "xlsx")
    assert [(f.kind, f.unit, f.period, f.cell) for f in bad.findings] == [("bad_yes_no", "区商务局", "2025-03", f"{col['achieved']}7")]


def test_unrelated_workbook(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "工资表"
    wb.active.append(["姓名", "部门", "金额"])
    wb.active.append(["张三", "办公室", 100])
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(TemplateMismatch) as e:
        read_return(tmp_path / "other.xlsx", "xlsx")
    assert "工资表" in str(e.value) and "姓名" in str(e.value)


def test_not_a_workbook(tmp_path):
    p = tmp_path / "x.xlsx"
    p.write_bytes(b"this is not excel")
    with pytest.raises(InputFileError) as e:
        read_return(p, "xlsx")
    assert not isinstance(e.value, TemplateMismatch)
    assert "x.xlsx" in str(e.value)


def test_cell_helpers():
    assert clean_text("  \u200b") is None
    assert clean_text(3.0) == "3"
    assert parse_seq("3.") == 3 and parse_seq(3.0) == 3 and parse_seq("（1）") is None and parse_seq(1.5) is None
    assert parse_yes_no("差不多") == ("差不多", False)
    assert parse_yes_no(None) == (None, True)


# ------------------------------------------------------------------ 完成进度（%）

P_UNIT = "区商务局"
P_TASKS = [Task("annual", 1, "地区生产总值增长5.6%左右。", lead_units=(P_UNIT,)),
         Task("annual", 2, "积极申报省级经济开发区。", lead_units=(P_UNIT,)),
         Task("annual", 3, "推进产业园建设。", lead_units=(P_UNIT,)),
         Task("livelihood", 1, "新增城镇就业岗位5000个。", lead_units=(P_UNIT,))]
P_SPEC = FormSpec("ws-p", "市中区人民政府办公室督查室", 2025, P_UNIT, "status", "2025-09", date(2025, 10, 14),
                tuple(FormRow(t, "牵头") for t in P_TASKS))
# typed as a unit would: 80% and 100% into cells Excel formats as percentages, 55 as a plain number, text
TYPED = {"annual-1": (0.8, "0%"), "annual-2": (1, "0%"), "annual-3": (55, None), "livelihood-1": ("66.5%", None)}
WANT = {"annual-1": 80, "annual-2": 100, "annual-3": 55, "livelihood-1": 66.5}


@pytest.fixture(scope="module")
def typed(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("typed")
    blank = d / "blank.xlsx"
    write_form(P_SPEC, blank)
    filled = fill_form(blank, d / "filled.xlsx", {tid: {"progress": "推进中", "percent": v, "achieved": "是"}
                                                  for tid, (v, _) in TYPED.items()})

    def formats(wb, ws):  # noqa: ANN001
        cols, rows, _ = locate(ws)
        for tid, (_, fmt) in TYPED.items():
            if fmt:
                ws.cell(rows[tid], cols["percent"]).number_format = fmt

    return edit(filled, d / "typed.xlsx", formats)


def test_percent_cells_are_read_as_numbers_with_their_format(typed):
    read = read_return(typed, "xlsx")
    assert {r.task_id: r.values["percent"] for r in read.rows} == WANT
    assert all(type(r.values["percent"]) in (int, float) for r in read.rows)
    assert read.findings == [] and read.problems == []


@needs_lo
@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_percent_cells_survive_a_libreoffice_round_trip(typed, fmt, tmp_path):
    again = lo_convert(typed, fmt, tmp_path)[0]
    cols, rows, _ = locate(form_sheet(openpyxl.load_workbook(typed)))
    read = read_return(again, fmt)
    assert {r.task_id: r.values["percent"] for r in read.rows} == WANT  # 100% stays 100, not 1, in .xls too
    assert read.findings == []
    col = openpyxl.utils.get_column_letter(cols["percent"])
    assert {r.task_id: r.cells["percent"] for r in read.rows} == {tid: f"{col}{rows[tid]}" for tid in WANT}


def test_an_unreadable_percent_is_a_finding_of_its_cell(typed, tmp_path):
    bad = fill_form(typed, tmp_path / "八成.xlsx", {"annual-3": {"percent": "八成"}})
    read = read_return(bad, "xlsx")
    cols, rows, _ = locate(form_sheet(openpyxl.load_workbook(bad)))
    cell = f"{openpyxl.utils.get_column_letter(cols['percent'])}{rows['annual-3']}"
    [f] = read.findings
    assert (f.kind, f.unit, f.task, f.period, f.file, f.cell) == ("bad_percent", P_UNIT, "annual-3", "2025-09", "八成.xlsx", cell)
    assert "八成.xlsx" in f.message and "落实情况表" in f.message and cell in f.message and "“八成”" in f.message
    assert "0 到 100" in f.message and "如 80" in f.message
    assert {r.task_id: r.values["percent"] for r in read.rows}["annual-3"] is None  # not reported
    assert read.problems == [f.message]


def test_sub_items_give_the_lowest_percent(typed, tmp_path):
    def sub_item(wb, ws):  # noqa: ANN001
        cols, rows, _ = locate(ws)
        r = rows["annual-1"] + 1
        insert_rows(ws, r, 1)
        set_text(ws.cell(r, cols["progress"]), "分项二")
        ws.cell(r, cols["percent"]).value = 30

    read = read_return(edit(typed, tmp_path / "sub.xlsx", sub_item), "xlsx")
    assert {r.task_id: r.values["percent"] for r in read.rows}["annual-1"] == 30


# ------------------------------------------------------------------ property


_CHARS = st.sampled_from(
    list("重点任务民生实事完成情况存在问题下一步计划督查室一二三四五年月日")
    + list("，。、；：？！“”（）%")
    + list("abcXYZ0123456789-=+@#/")
)
_SEGMENT = st.text(_CHARS, min_size=1, max_size=40)
_TEXT = st.builds(
    lambda lead, segs: lead + "\n".join(segs),
    st.sampled_from(["", "=", "+", "@", "-", "=HYPERLINK("]),
    st.lists(_SEGMENT, min_size=1, max_size=3),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(_TEXT, min_size=3, max_size=3))
def test_property_text_round_trip(blank, tmp_path, texts):
    vals = {"annual-5": dict(zip(("progress", "problems", "next_steps"), texts))}
    read = read_return(fill_form(blank, tmp_path / "prop.xlsx", vals), "xlsx")
    got = values_by_id(read)["annual-5"]
    assert (got["progress"], got["problems"], got["next_steps"]) == tuple(texts)
    assert read.problems == []


# ------------------------------------------------------------------ fast paths are the slow paths


def _clean_text_slow(text: str) -> str | None:
    """clean_text of a str as it was before its fast path: controls removed, every space stripped."""
    from sheets.cells import _strip_all, remove_controls

    return _strip_all(remove_controls(text)) or None


# every kind of space, control and format character clean_text treats specially, and some plain ones
_ODD = list("\x00\x01\x08\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f \x7f\x80\x85\x9f\xa0\xad\u1680\u180e\u2000\u2007\u200a\u200b"
            "\u200c\u200d\u200e\u2028\u2029\u202f\u205f\u2060\u3000\ufeff\ufffe") + list("是否a1，。 ")


@settings(max_examples=3000, deadline=None)
@given(st.text(st.one_of(st.characters(), st.sampled_from(_ODD)), max_size=12))
def test_clean_text_fast_path_is_the_slow_path(text):
    assert clean_text(text) == _clean_text_slow(text)


def test_clean_text_fast_path_every_character():
    chars = [chr(cp) for cp in range(0x3100)] + [chr(cp) for cp in (0xfeff, 0xfffe, 0xff01, 0x1d400, 0xe0001)]
    for ch in chars:
        for text in (ch, f"a{ch}", f"{ch}a", f"a{ch}b", f"{ch}{ch}", f" {ch}\n"):
            assert clean_text(text) == _clean_text_slow(text), repr(text)


# sniff scans sheet XML with one regex (_TAG_RE) where it used four; it must find the same
_XML_BITS = [
    b"<c", b"<row", b"<x:c", b"<c:row", b"<row:c", b"<c:c", b"<_a.b-c:row", b"<cc", b"<rows", b"<C", b"< c", b"</c>",
    b' r="A1"', b" r='B2'", b' r="ZZZ9"', b' r=""', b' r = "C3"', b' r="1"', b' r="&#49;0"', b' s="1"', b" t='s'",
    b' x:r="5"', b' rr="6"', b">", b"/>", b"<v>1</v>", b"\t", b"\n", b" ", b"\r", b"\x0b", b"\x0c", b"9", b"A", b"=",
    b'"', b"'", b"<", b":", b"r", b"c", b"row",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_XML_BITS), st.binary(max_size=2)), max_size=40).map(b"".join))
def test_sniff_one_pass_tag_scan_finds_what_the_four_patterns_find(seg):
    from sheets.safety import xml_scan as S

    tags = S._TAG_RE.findall(seg)
    assert [dq or sq for name, r, dq, sq in tags if r and name == b"c"] == [dq or sq for dq, sq in S._CELL_R_RE.findall(seg)]
    assert [dq or sq for name, r, dq, sq in tags if r and name == b"row"] == [dq or sq for dq, sq in S._ROW_R_RE.findall(seg)]
    assert [t[0] for t in tags].count(b"c") == len(S._CELL_TAG_RE.findall(seg))
    assert [t[0] for t in tags].count(b"row") == len(S._ROW_TAG_RE.findall(seg))
    for lim in (S.DEFAULT_LIMITS, S.Limits(max_rows=20, max_cols=5)):
        digits = S._DIGITS_RE.findall(seg)
        letters = set(S._LETTERS_RE.findall(seg))
        slow = bool(digits and (max(map(len, digits)) > 9 or max(map(int, digits)) > lim.max_rows)) or any(
            len(x) > 3 or S._col_number(x.decode("ascii")) > lim.max_cols for x in letters)
        assert S._refs_too_far(seg, lim) == slow
