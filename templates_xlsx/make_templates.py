"""Make the two official blank forms of this folder: 落实计划表.xlsx (附件3) and 落实情况表.xlsx (附件4).

The forms follow attachments 3 and 4 of the 立项督查 notice (市中政办发〔2025〕1号): the
same title, 填报单位/填报时间 line, columns and footer, laid out as a clerk would in Excel,
with a section row and one sample task row that carry the formats of the generated forms.

    python3 templates_xlsx/make_templates.py            # rewrite both files here
    python3 templates_xlsx/make_templates.py 文件夹      # write them into another folder

Beside each workbook it writes the spec read from it (落实计划表.spec.json, 落实情况表.spec.json),
so that generating forms from the official templates does not need openpyxl at all.

A clerk may also edit the files directly in Excel (see README.md); this script is only the
record of how the official ones were made.
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).resolve().parent
TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADER_FONT = "黑体"
FILL = "FFF7DC"  # the cells a unit fills in
HEADER_FILL = "D9E1F2"
SECTION_FILL = "EDEDED"
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LINE = Border(bottom=THIN)

PLAN_COLUMNS = (  # (header, width); the quarters sit under 季度目标及推进计划
    ("分解序号", 6), ("重点任务、民生实事内容", 48), ("一季度", 18), ("二季度", 18), ("三季度", 18), ("四季度", 18),
    ("主要负责人", 10), ("分管负责人", 10), ("备注", 12),
)
STATUS_COLUMNS = (  # 完成进度（%） (the one column added to the official 附件4) right after 完成情况
    ("序号", 6), ("重点任务、民生实事内容", 44), ("季度计划完成目标", 24), ("完成情况", 32), ("完成进度（%）", 11),
    ("存在问题", 22), ("下一步计划", 24), ("是否完成阶段任务目标", 12),
)
SAMPLE_TEXT = "（示例）本行是任务行的格式样例：生成报送表时，本单位承担的每项任务各占一行，格式与本行相同。"


def _font(name: str = BODY_FONT, size: float = 12, color: str | None = None) -> Font:
    return Font(name=name, size=size, color=color)


def _style(cell, *, font: Font | None = None, align: str = "left", wrap: bool = True, border: Border | None = None,
           fill: str | None = None, locked: bool = True, num_format: str | None = None) -> None:
    cell.font = font or _font()
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=wrap)
    if border is not None:
        cell.border = border
    if fill:
        cell.fill = PatternFill("solid", fgColor=fill)
    cell.protection = Protection(locked=locked)
    if num_format:
        cell.number_format = num_format


def _put(ws, rng: str, value, **style) -> None:  # noqa: ANN001
    """Style every cell of `rng`, put `value` in its first cell, merge it if it is a range."""
    for row in ws[rng] if ":" in rng else [[ws[rng]]]:
        for cell in row:
            _style(cell, **style)
    first = rng.split(":")[0]
    ws[first] = value
    if ":" in rng:
        ws.merge_cells(rng)


def _page(ws) -> None:  # noqa: ANN001
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.sheet_view.zoomScale = 90


def _footer(ws, r: int, cells: tuple[tuple[str, str | None], ...]) -> None:  # noqa: ANN001
    """填报人 / 联系电话 / 负责人签字: (range, label) pairs; a label of None is a fill-in line."""
    for rng, label in cells:
        if label is None:
            _put(ws, rng, None, border=LINE, fill=FILL, locked=False, wrap=False)
        else:
            _put(ws, rng, label, align="right", wrap=False)
    ws.row_dimensions[r].height = 30


def make_plan(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "落实计划表"
    for i, (_, width) in enumerate(PLAN_COLUMNS):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = width
    _put(ws, "A1:I1", "2025年年度工作任务落实计划表", font=_font(TITLE_FONT, 20), align="center", wrap=False)
    ws.row_dimensions[1].height = 40
    _put(ws, "A2:I2", "请于{截止日期}前报送{督查室}。请在浅黄色单元格内填写。", wrap=False)
    ws.row_dimensions[2].height = 22
    _put(ws, "A3:B3", "填报单位：", wrap=False)
    _put(ws, "G3", "填报时间：", align="right", wrap=False)
    _put(ws, "H3:I3", None, border=LINE, fill=FILL, locked=False, wrap=False)
    ws.row_dimensions[3].height = 24
    head = dict(font=_font(HEADER_FONT), align="center", border=BOX, fill=HEADER_FILL)
    for i, (label, _) in enumerate(PLAN_COLUMNS):
        col = openpyxl.utils.get_column_letter(i + 1)
        if label.endswith("季度"):
            _put(ws, f"{col}5", label, **head)
        else:
            _put(ws, f"{col}4:{col}5", label, **head)
    _put(ws, "C4:F4", "季度目标及推进计划", **head)
    ws.row_dimensions[4].height = ws.row_dimensions[5].height = 24
    _put(ws, "A6:I6", "一、年度工作任务", font=_font(HEADER_FONT), border=BOX, fill=SECTION_FILL)
    ws.row_dimensions[6].height = 24
    _put(ws, "A7", 1, align="center", border=BOX, num_format="0")
    _put(ws, "B7", SAMPLE_TEXT, border=BOX)
    for col in "CDEFGHI":
        _put(ws, f"{col}7", None, border=BOX, fill=FILL, locked=False)
    ws.row_dimensions[7].height = 48
    _footer(ws, 9, (("A9:B9", "填报人："), ("C9:D9", None), ("E9", "联系电话："), ("F9", None),
                    ("G9:H9", "负责人签字："), ("I9", None)))
    _put(ws, "A10:I10", "说明：1.分解序号和任务内容已预填，请勿改动。2.一项任务需分项填报的，可在该任务下方插入行，序号栏留空。"
                        "3.季度目标请写明可检查的工作节点和完成时限。")
    ws.row_dimensions[10].height = 36
    _page(ws)
    wb.save(path)
    return path


def make_status(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "落实情况表"
    for i, (_, width) in enumerate(STATUS_COLUMNS):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width = width
    _put(ws, "A1:H1", "2025年年度工作任务落实情况表", font=_font(TITLE_FONT, 20), align="center", wrap=False)
    ws.row_dimensions[1].height = 40
    _put(ws, "A2:H2", "（   月）", align="center", wrap=False)
    ws.row_dimensions[2].height = 22
    _put(ws, "A3:H3", "请于{截止日期}前报送{督查室}。请在浅黄色单元格内填写；“完成进度（%）”填写 0 到 100 的数字；"
                      "“是否完成阶段任务目标”请从下拉列表选择“是”或“否”。", wrap=False)
    ws.row_dimensions[3].height = 22
    _put(ws, "A4:B4", "填报单位：", wrap=False)
    _put(ws, "F4", "填报时间：", align="right", wrap=False)
    _put(ws, "G4:H4", None, border=LINE, fill=FILL, locked=False, wrap=False)
    ws.row_dimensions[4].height = 24
    for i, (label, _) in enumerate(STATUS_COLUMNS):
        _put(ws, f"{openpyxl.utils.get_column_letter(i + 1)}5", label, font=_font(HEADER_FONT), align="center",
             border=BOX, fill=HEADER_FILL)
    ws.row_dimensions[5].height = 36
    _put(ws, "A6:H6", "一、年度工作任务", font=_font(HEADER_FONT), border=BOX, fill=SECTION_FILL)
    ws.row_dimensions[6].height = 24
    _put(ws, "A7", 1, align="center", border=BOX, num_format="0")
    _put(ws, "B7", SAMPLE_TEXT, border=BOX)
    _put(ws, "C7", "（示例）本季度计划完成的目标，取自本单位报回的落实计划表", border=BOX)
    _put(ws, "D7", None, border=BOX, fill=FILL, locked=False)
    _put(ws, "E7", None, align="center", border=BOX, fill=FILL, locked=False)
    for col in "FG":
        _put(ws, f"{col}7", None, border=BOX, fill=FILL, locked=False)
    _put(ws, "H7", None, align="center", border=BOX, fill=FILL, locked=False)
    ws.row_dimensions[7].height = 60
    dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                        showInputMessage=True, errorStyle="stop", errorTitle="输入有误",
                        error="此处只能填写“是”或“否”，请从下拉列表选择。", promptTitle="是否完成阶段任务目标",
                        prompt="请从下拉列表选择“是”或“否”。")
    dv.add("H7")
    ws.add_data_validation(dv)
    pct = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                         showErrorMessage=True, showInputMessage=True, errorStyle="stop", errorTitle="输入有误",
                         error="完成进度请填写 0 到 100 之间的数字，如 80 表示完成 80%。", promptTitle="完成进度（%）",
                         prompt="本项任务累计完成的百分比：填写 0 到 100 之间的数字，如 80。")
    pct.add("E7")
    ws.add_data_validation(pct)
    _footer(ws, 9, (("A9:B9", "填报人："), ("C9", None), ("D9", "联系电话："), ("E9:F9", None),
                    ("G9", "负责人签字："), ("H9", None)))
    _put(ws, "A10:H10", "说明：1.序号、任务内容和季度计划完成目标已预填，请勿改动。2.一项任务需分项填报的，可在该任务下方插入行，"
                        "序号栏留空。3.完成情况请写明工作进展、完成的量化指标；存在问题请写明原因；没有问题的填“无”。"
                        "4.完成进度填写本项任务累计完成的百分比；填 100 且已完成阶段任务目标的，视为任务已完成。")
    ws.row_dimensions[10].height = 36
    _page(ws)
    wb.save(path)
    return path


def write_spec(path: Path, kind: str) -> Path:
    """The JSON spec of the template at `path`, beside it (see sheets.template.load_template)."""
    import hashlib

    if str(HERE.parent) not in sys.path:
        sys.path.insert(0, str(HERE.parent))
    from sheets.template import read_template, spec_file, to_json

    data = path.read_bytes()
    out = spec_file(path)
    out.write_text(to_json(read_template(path, kind, data), hashlib.sha256(data).hexdigest()), encoding="utf-8")
    return out


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    out.mkdir(parents=True, exist_ok=True)
    for kind, make, name in (("plan", make_plan, "落实计划表.xlsx"), ("status", make_status, "落实情况表.xlsx")):
        path = make(out / name)
        print(path)
        print(write_spec(path, kind))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
