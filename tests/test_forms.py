"""Generated forms: prefilled content, protection, validation, print setup, identity."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import openpyxl
import pytest
import python_calamine as pc

from office.model import Task
from sheets.cells import strip_role_note
from sheets.forms import (
    FormRow,
    FormSpec,
    form_filename,
    prefilled_checksum,
    role_note,
    role_text,
    write_form,
)
from sheets.template import default_template
from sheets.identity import parse_identity
from sheets.returns import read_return

try:
    from tests.fill import form_sheet, lo_convert, locate, soffice
except ImportError:  # tests/ is not a package
    from fill import form_sheet, lo_convert, locate, soffice

LONG = (
    "地区生产总值增长5.6%左右；一般公共预算收入增长3%左右；农林牧渔业总产值增长4%左右；"
    "规模以上工业增加值增长7.5%左右；参与核算规模以上服务业营收增长6.5%左右；固定资产投资增长5%左右；"
    "社会消费品零售总额增长3.5%左右；进出口总额增长5%左右；实际使用外资1.85亿美元。"
)
T_A1 = Task("annual", 1, LONG, category="经济社会发展主要预期目标", lead_units=("区商务局",), co_units=("区财政局", "区统计局"))
T_A3 = Task("annual", 3, "大力发展新一代信息技术、电力装备和新能源汽车等支柱产业。", lead_units=("区工业和信息化局",), co_units=("区商务局",))
T_A7 = Task("annual", 7, "=SUM(A1:A2) 以公式符号开头的任务文字也必须原样显示", lead_units=("区商务局",))
T_L2 = Task("livelihood", 2, "新建改造城市道路5条，打通断头路2条。", lead_units=("区商务局",))
T_L5 = Task("livelihood", 5, "为城中村、城乡结合部推广安装一氧化碳报警器。", lead_units=("区应急局",), co_units=("区商务局",))

ROWS_PLAN = (
    FormRow(T_A1, "牵头", partners=("区财政局", "区统计局")),
    FormRow(T_A3, "配合"),
    FormRow(T_A7, "牵头"),
    FormRow(T_L2, "牵头"),
    FormRow(T_L5, "配合"),
)
ROWS_STATUS = (
    FormRow(T_A1, "牵头", target="一季度地区生产总值增长5%", partners=("区财政局", "区统计局")),
    FormRow(T_A3, "配合", target=None),
    FormRow(T_A7, "牵头", target="完成年度目标的25%"),
    FormRow(T_L2, "牵头", target="完成2条道路施工招标"),
    FormRow(T_L5, "配合", target=None),
)
OFFICE = "市中区人民政府办公室督查室"
PLAN = FormSpec("ws-test", OFFICE, 2025, "区商务局", "plan", "2025", date(2025, 2, 18), ROWS_PLAN)
STATUS = FormSpec("ws-test", OFFICE, 2025, "区商务局", "status", "2025-03", date(2025, 4, 8), ROWS_STATUS)

# expected layout (1-based rows)
PLAN_ROWS = {"annual-1": 7, "annual-3": 8, "annual-7": 9, "livelihood-2": 11, "livelihood-5": 12}
STATUS_ROWS = {"annual-1": 7, "annual-3": 8, "annual-7": 9, "livelihood-2": 11, "livelihood-5": 12}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    d = tmp_path_factory.mktemp("forms")
    out = {}
    for spec in (PLAN, STATUS):
        p = d / form_filename(spec)
        out[spec.kind] = (p, write_form(spec, p))
    return out


def _ws(written, kind):
    wb = openpyxl.load_workbook(written[kind][0])
    return wb, wb.worksheets[0]


def _cols(ws) -> dict[str, int]:
    """field -> 1-based column of a form sheet, found by its header text (tests/fill.py)."""
    return locate(form_sheet(ws.parent))[0]


def _right_of(ws, label: str):  # noqa: ANN202
    """The first cell right of the cell holding ``label`` that is not covered by a merge (a footer's fill-in cell)."""
    from openpyxl.cell.cell import MergedCell

    for row in ws.iter_rows():
        for cell in row:
            if cell.value == label:
                c = cell.column + 1
                while isinstance(ws.cell(cell.row, c), MergedCell):
                    c += 1
                return ws.cell(cell.row, c)
    raise LookupError(label)


def test_filenames():
    assert form_filename(PLAN) == "2025年_落实计划表_区商务局.xlsx"
    assert form_filename(STATUS) == "2025年3月_落实情况表_区商务局.xlsx"


def test_plan_prefilled_cells(written):
    wb, ws = _ws(written, "plan")
    assert wb.sheetnames == ["落实计划表", "_duban"]
    assert ws["A1"].value == "2025年年度工作任务落实计划表"
    assert ws["A1"].font.name == "方正小标宋简体" and ws["A1"].font.sz == 20
    assert "请于2025年2月18日前报送督查室" in ws["A2"].value
    assert ws["A3"].value == "填报单位：区商务局"
    assert ws["G3"].value == "填报时间："
    header = [ws.cell(4, c).value for c in range(1, 10)]
    assert header == ["分解序号", "重点任务、民生实事内容", "季度目标及推进计划", None, None, None,
                      "主要负责人", "分管负责人", "备注"]
    assert [ws.cell(5, c).value for c in range(3, 7)] == ["一季度", "二季度", "三季度", "四季度"]
    assert "C4:F4" in {str(r) for r in ws.merged_cells.ranges}
    assert "A4:A5" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A4"].font.name == "黑体"
    assert ws["A6"].value == "一、年度工作任务"
    assert ws["A10"].value == "二、为民办实事"
    for tid, r in PLAN_ROWS.items():
        row = next(x for x in ROWS_PLAN if x.task.id == tid)
        assert ws.cell(r, 1).value == row.task.seq
        want = row.task.text + (f"\n{role_note(row)}" if row.partners else "")
        assert ws.cell(r, 2).value == want
        assert ws.cell(r, 2).data_type == "s"  # "=SUM(...)" stays text
        assert ws.cell(r, 2).font.name == "仿宋_GB2312"
        for c in range(3, 10):
            assert ws.cell(r, c).value is None
    # no 本单位职责 column in the official form: a shared task says who else works on it
    assert ws["B7"].value.endswith("\n（本单位牵头。配合单位：区财政局、区统计局）")
    footer = [ws.cell(14, c).value for c in range(1, 10)]
    assert "填报人：" in footer and "联系电话：" in footer and "负责人签字：" in footer
    assert ws["A15"].value.startswith("说明：")


def test_status_prefilled_cells(written):
    _, ws = _ws(written, "status")
    assert ws.title == "落实情况表"
    assert ws["A1"].value == "2025年年度工作任务落实情况表"
    assert ws["A2"].value == "（3月）"
    assert "请于2025年4月8日前报送督查室" in ws["A3"].value
    assert ws["A4"].value == "填报单位：区商务局"
    assert [ws.cell(5, c).value for c in range(1, 10)] == [  # the official 附件4 with 完成进度（%） after 完成情况
        "序号", "重点任务、民生实事内容", "季度计划完成目标", "完成情况", "完成进度（%）", "存在问题", "下一步计划",
        "是否完成阶段任务目标", None,
    ]
    assert ws["A6"].value == "一、年度工作任务" and ws["A10"].value == "二、为民办实事"
    for row in ROWS_STATUS:
        r = STATUS_ROWS[row.task.id]
        assert ws.cell(r, 1).value == row.task.seq
        assert ws.cell(r, 2).value.split("\n（本单位")[0] == row.task.text
        assert ws.cell(r, 3).value == (row.target or "（未报送计划）")
        for c in range(4, 9):
            assert ws.cell(r, c).value is None


def test_role_texts():
    co = FormRow(T_A3, "配合", partners=("区工业和信息化局", "区财政局"))
    lead = FormRow(T_A1, "牵头", partners=("区财政局", "区统计局"))
    two_leads = FormRow(Task("annual", 9, "x", lead_units=("区商务局", "区发展改革局"), co_units=("区财政局",)), "牵头",
                        partners=("区发展改革局", "区财政局"))
    gather = FormRow(T_A1, "牵头", partners=("区财政局",), gather=True)
    assert role_text(co) == "配合\n牵头单位：区工业和信息化局\n其他配合单位：区财政局"
    assert role_note(co) == "（本单位配合。牵头单位：区工业和信息化局；其他配合单位：区财政局）"
    assert role_text(lead) == "牵头\n配合单位：区财政局、区统计局"
    assert role_text(two_leads) == "牵头\n其他牵头单位：区发展改革局\n配合单位：区财政局"
    assert role_text(gather) == "牵头（汇总报送）\n请汇总配合单位区财政局的落实情况"
    assert role_note(gather) == "（本单位牵头，汇总报送：请汇总配合单位区财政局的落实情况）"
    assert role_text(FormRow(T_A7, "牵头")) == "牵头" and role_note(FormRow(T_A7, "牵头")) == ""
    for row in (co, lead, two_leads, gather):  # the reader takes the note off again
        assert strip_role_note(f"{row.task.text}\n{role_note(row)}") == row.task.text


def test_empty_section_is_omitted(tmp_path):
    spec = dataclasses.replace(STATUS, rows=tuple(r for r in ROWS_STATUS if r.task.kind == "livelihood"))
    p = tmp_path / "x.xlsx"
    write_form(spec, p)
    ws = openpyxl.load_workbook(p).worksheets[0]
    col_a = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert "一、为民办实事" in col_a
    assert not any(isinstance(v, str) and "年度工作任务" in v and "、" in v[:2] for v in col_a)
    assert [v for v in col_a if isinstance(v, int)] == [2, 5]


def test_protection_locked_and_unlocked(written):
    for kind, rows in (("plan", PLAN_ROWS), ("status", STATUS_ROWS)):
        _, ws = _ws(written, kind)
        cols = _cols(ws)
        fill_cols = [c for f, c in cols.items() if f not in ("seq", "text", "role", "target")]
        assert len(fill_cols) == (7 if kind == "plan" else 5)  # 4 quarters, 2 leaders, 备注 | 完成情况 … 是否完成
        assert ws.protection.sheet is True
        assert not ws.protection.password
        # allowed (False = not forbidden): resize rows/columns, insert rows
        assert ws.protection.formatRows is False
        assert ws.protection.formatColumns is False
        assert ws.protection.insertRows is False
        assert ws.protection.formatCells is not False  # styles stay protected
        for r in rows.values():
            for c in (1, 2):
                assert ws.cell(r, c).protection.locked is True, (kind, r, c)
            for c in fill_cols:
                cell = ws.cell(r, c)
                assert cell.protection.locked is False, (kind, cell.coordinate)
                assert cell.fill.fgColor.rgb.upper().endswith("FFF7DC"), cell.coordinate
        assert ws["A1"].protection.locked is True
    _, ws = _ws(written, "status")
    # target: locked when prefilled, open when no plan was reported
    assert ws["C7"].protection.locked is True
    assert ws["C8"].protection.locked is False and ws["C8"].value == "（未报送计划）"
    # 填报时间 and footer fill-in cells are open
    for label in ("填报时间：", "填报人：", "联系电话：", "负责人签字："):
        assert _right_of(ws, label).protection.locked is False, label
    assert _right_of(ws, "填报人：").row == 14


def test_yes_no_and_percent_validation(written):
    _, ws = _ws(written, "status")
    cols = {f: openpyxl.utils.get_column_letter(c) for f, c in _cols(ws).items()}
    dvs = ws.data_validations.dataValidation
    lists = [dv for dv in dvs if dv.type == "list"]
    numbers = [dv for dv in dvs if dv.type != "list"]
    assert lists and numbers and len(lists) + len(numbers) == len(dvs)
    for dv in lists:
        assert dv.formula1 == '"是,否"'
        assert dv.showErrorMessage and dv.showInputMessage
        assert dv.errorTitle == "输入有误"
        assert "是" in dv.error and "否" in dv.error and "下拉列表" in dv.error
        assert "下拉列表" in dv.prompt
    for dv in numbers:  # 完成进度（%）: a number from 0 to 100, explained in Chinese
        assert (dv.type, dv.operator or "between", dv.formula1, dv.formula2) == ("decimal", "between", "0", "100")
        assert dv.showErrorMessage and dv.showInputMessage and (dv.errorStyle or "stop") == "stop"  # stop: the default
        assert "0 到 100" in dv.error and "0 到 100" in dv.prompt and dv.promptTitle == "完成进度（%）"

    def covered(coord, which=dvs):  # noqa: ANN001, ANN202
        return any(coord in dv.sqref for dv in which)

    for r in STATUS_ROWS.values():
        assert covered(f"{cols['achieved']}{r}", lists) and not covered(f"{cols['achieved']}{r}", numbers)
        assert covered(f"{cols['percent']}{r}", numbers) and not covered(f"{cols['percent']}{r}", lists)
        assert not covered(f"{cols['next_steps']}{r}") and not covered(f"{cols['progress']}{r}")
    for c in (cols["achieved"], cols["percent"]):
        assert not covered(f"{c}6") and not covered(f"{c}10")  # section rows


def test_print_and_view_settings(written):
    for kind in ("plan", "status"):
        _, ws = _ws(written, kind)
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        # fitToWidth defaults to 1 in OOXML when the attribute is absent
        assert int(ws.page_setup.fitToWidth or 1) == 1 and int(ws.page_setup.fitToHeight) == 0
        assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
        assert ws.freeze_panes == "A6"
    _, ws = _ws(written, "plan")
    assert ws.print_title_rows.replace("$", "") == "4:5"
    _, ws = _ws(written, "status")
    assert ws.print_title_rows.replace("$", "") == "5:5"


def test_row_heights_follow_text(written):
    _, ws = _ws(written, "status")
    long_h = ws.row_dimensions[STATUS_ROWS["annual-1"]].height
    short_h = ws.row_dimensions[STATUS_ROWS["annual-3"]].height
    assert short_h >= 60
    assert long_h > short_h
    widths = {c: ws.column_dimensions[c].width for c in "ABD"}
    assert widths["A"] < 10 and widths["B"] > 30 and widths["D"] > 25


def test_identity_sheet(written):
    for spec, rows in ((PLAN, ROWS_PLAN), (STATUS, ROWS_STATUS)):
        path, checksum = written[spec.kind]
        wb = openpyxl.load_workbook(path)
        ws = wb["_duban"]
        assert ws.sheet_state == "hidden"
        got = parse_identity([list(r) for r in ws.iter_rows(values_only=True)])
        assert got == {
            "workspace_id": "ws-test",
            "unit": "区商务局",
            "kind": spec.kind,
            "period": spec.period,
            "year": 2025,
            "template_version": default_template(spec.kind).version,
            "task_ids": [r.task.id for r in rows],
            "checksum": checksum,
        }
        assert checksum == prefilled_checksum(spec)
        assert len(checksum) == 16 and int(checksum, 16) >= 0


def test_checksum_covers_prefilled_content():
    base = prefilled_checksum(STATUS)
    assert prefilled_checksum(dataclasses.replace(STATUS)) == base
    changed_text = dataclasses.replace(
        STATUS, rows=(FormRow(dataclasses.replace(T_A1, text=LONG + "。"), "牵头"),) + ROWS_STATUS[1:]
    )
    changed_target = dataclasses.replace(
        STATUS, rows=(dataclasses.replace(ROWS_STATUS[0], target="别的目标"),) + ROWS_STATUS[1:]
    )
    changed_role = dataclasses.replace(
        STATUS, rows=ROWS_STATUS[:1] + (dataclasses.replace(ROWS_STATUS[1], role="牵头"),) + ROWS_STATUS[2:]
    )
    fewer = dataclasses.replace(STATUS, rows=ROWS_STATUS[:-1])
    sums = {prefilled_checksum(s) for s in (changed_text, changed_target, changed_role, fewer)}
    assert base not in sums and len(sums) == 4
    # the deadline is not prefilled task content
    assert prefilled_checksum(dataclasses.replace(STATUS, deadline=date(2025, 4, 9))) == base


def test_bad_spec_rejected(tmp_path):
    with pytest.raises(ValueError):
        write_form(dataclasses.replace(STATUS, period="2025"), tmp_path / "a.xlsx")
    with pytest.raises(ValueError):
        write_form(dataclasses.replace(PLAN, rows=(FormRow(T_A1, "主办"),)), tmp_path / "b.xlsx")


# ------------------------------------------------------------ LibreOffice round trip

needs_lo = pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) not installed")


@pytest.fixture(scope="module")
def converted(written, tmp_path_factory):
    d = tmp_path_factory.mktemp("lo")
    srcs = [written["plan"][0], written["status"][0]]
    out = {}
    for fmt in ("xlsx", "xls", "pdf"):
        plan, status = lo_convert(srcs, fmt, d / fmt)
        out[("plan", fmt)] = plan
        out[("status", fmt)] = status
    return out


def _summary(read):
    return [(r.task_id, r.kind, r.seq, r.text, r.values, r.cells) for r in read.rows]


@needs_lo
@pytest.mark.parametrize("kind", ["plan", "status"])
@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_libreoffice_keeps_identity_and_rows(written, converted, kind, fmt):
    path = converted[(kind, fmt)]
    wb = pc.CalamineWorkbook.from_path(str(path))
    meta = {m.name: m for m in wb.sheets_metadata}
    assert "_duban" in meta and meta["_duban"].visible == pc.SheetVisibleEnum.Hidden
    got = parse_identity(wb.get_sheet_by_name("_duban").to_python(skip_empty_area=False))
    assert got is not None
    assert got["checksum"] == written[kind][1]
    assert got["kind"] == kind
    original = read_return(written[kind][0], "xlsx")
    again = read_return(path, fmt)
    assert again.identity == original.identity == got
    assert again.visible == original.visible
    assert _summary(again) == _summary(original)
    assert len(original.rows) == 5
    assert again.problems == [] and again.extra_rows == []


@needs_lo
def test_libreoffice_xlsx_keeps_protection_and_validation(converted):
    ws = openpyxl.load_workbook(converted[("status", "xlsx")]).worksheets[0]
    cols = {f: openpyxl.utils.get_column_letter(c) for f, c in _cols(ws).items()}
    assert ws.protection.sheet is True
    assert ws["B7"].protection.locked is True
    assert ws[f"{cols['progress']}7"].protection.locked is False and ws[f"{cols['percent']}7"].protection.locked is False
    dvs = ws.data_validations.dataValidation
    assert any(f"{cols['achieved']}7" in dv.sqref and "是" in (dv.formula1 or "") for dv in dvs)
    assert any(f"{cols['percent']}7" in dv.sqref and dv.type == "decimal" and float(dv.formula2) == 100 for dv in dvs)


@needs_lo
@pytest.mark.parametrize("kind", ["plan", "status"])
def test_libreoffice_pdf(converted, kind):
    data = converted[(kind, "pdf")].read_bytes()
    assert data.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages == 1  # five tasks, fit to one page wide, landscape
