"""read_decomposition: the 任务分解表 in every shape an office sends it, checked against tasks.csv."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from builders import build_decomposition_docx, build_variant_decomposition_xlsx
from office.errors import InputFileError
from sheets.decomposition import read_decomposition

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHIZHONG = SHARED / "data" / "shizhong-2025"
SEED_000 = SHARED / "seeds" / "000_233c76886741cf97.txt"
needs_shared = pytest.mark.skipif(not SHIZHONG.is_dir(), reason="shared/ data not present")


def csv_records() -> list[dict]:
    with open(SHIZHONG / "tasks.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        r["seq"] = int(r["seq"])
        r["leaders"] = r["leaders"].split("、")
        r["units"] = r["units"].split("、")
    return rows


def expected() -> dict:
    return {(r["kind"], r["seq"]): (r["text"], r["leaders"], r["units"][:1], r["units"][1:], r["category"])
            for r in csv_records()}


def records(tasks) -> dict:
    out = {(t.kind, t.seq): (t.text, t.leaders, t.lead_units, t.co_units, t.category) for t in tasks}
    assert len(out) == len(tasks), "duplicate (kind, seq)"
    return out


def assert_same_as_csv(tasks) -> None:
    want, got = expected(), records(tasks)
    assert sorted(got) == sorted(want)
    diffs = [(key, got[key], want[key]) for key in want if got[key] != want[key]]
    assert not diffs, diffs[:3]


# --------------------------------------------------------------------------- the shizhong data


@needs_shared
def test_shizhong_workbook_matches_csv():
    tasks, warnings = read_decomposition(SHIZHONG / "decomposition.xlsx")
    assert [t.kind for t in tasks].count("annual") == 109
    assert [t.kind for t in tasks].count("livelihood") == 20
    assert_same_as_csv(tasks)
    assert warnings == []
    first = tasks[0]
    assert first.source == "工作表“年度工作任务”第3行"
    assert first.category == "经济社会发展主要预期目标"
    four = next(t for t in tasks if (t.kind, t.seq) == ("annual", 4))
    assert four.leaders == ["栾长征", "王延安"]  # one per line in the cell


@needs_shared
@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_utf8_bom_and_gbk(tmp_path, encoding):
    text = (SHIZHONG / "tasks.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "tasks.csv"
    path.write_bytes(text.encode(encoding))
    tasks, _ = read_decomposition(path)
    assert_same_as_csv(tasks)


@needs_shared
def test_docx_with_two_tables_and_bold_lead_units(tmp_path):
    path = build_decomposition_docx(tmp_path / "分解表.docx", csv_records())
    tasks, warnings = read_decomposition(path)
    assert_same_as_csv(tasks)
    assert warnings == []
    assert tasks[0].source == "第1个表格第2行"


@needs_shared
def test_docx_bold_unit_that_is_not_first_leads(tmp_path):
    recs = [dict(r) for r in csv_records()[:3]]
    path = build_decomposition_docx(tmp_path / "a.docx", recs)
    import docx

    doc = docx.Document(str(path))
    cell = doc.tables[0].rows[1].cells[4]
    runs = cell.paragraphs[0].runs
    runs[0].bold, runs[1].bold = False, True  # “区发展改革局”, then “、区工业和信息化局” in bold
    doc.save(str(path))
    tasks, _ = read_decomposition(path)
    assert tasks[0].lead_units == ["区工业和信息化局"]
    assert tasks[0].co_units[0] == "区发展改革局"


@needs_shared
def test_variant_workbook_one_sheet_with_section_rows(tmp_path):
    recs = csv_records()
    recs[4]["note"] = "跨年度任务"
    path = build_variant_decomposition_xlsx(tmp_path / "variant.xlsx", recs)
    tasks, warnings = read_decomposition(path)
    assert_same_as_csv(tasks)
    assert warnings == []
    assert next(t for t in tasks if t.seq == 5 and t.kind == "annual").note == "跨年度任务"
    assert {t.source.split("第")[0] for t in tasks} == {"工作表“Sheet1”"}


@needs_shared
def test_xlsx_renamed_to_xls_is_read_by_content(tmp_path):
    path = tmp_path / "分解表.xls"
    shutil.copyfile(SHIZHONG / "decomposition.xlsx", path)
    assert len(read_decomposition(path)[0]) == 129


@needs_shared
def test_xls_saved_by_libreoffice(tmp_path):
    fill = pytest.importorskip("fill")
    if fill.soffice() is None:
        pytest.skip("LibreOffice not installed")
    (xls,) = fill.lo_convert(SHIZHONG / "decomposition.xlsx", "xls", tmp_path)
    tasks, warnings = read_decomposition(xls)
    assert_same_as_csv(tasks)
    assert warnings == []


def test_two_row_header_hidden_sheet_blank_numbered_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务"
    ws.append(["序号", "重点任务", "牵头领导", "责任单位", None])
    ws.append([None, None, None, "牵头单位", "配合单位"])
    ws.merge_cells("D1:E1")
    ws.append(["1", "任务一", "王  莹、张源", "区财政局", "区商务局，区统计局"])
    ws.append([2, None, None, None, None])  # pre-numbered rows left blank at the end
    ws.append([3, None, None, None, None])
    hidden = wb.create_sheet("旧版")
    hidden.append(["序号", "重点任务", "责任单位"])
    hidden.append([1, "旧任务", "区财政局"])
    hidden.sheet_state = "hidden"
    wb.create_sheet("说明").append(["本表由督查室编制"])
    wb.save(tmp_path / "t.xlsx")
    tasks, warnings = read_decomposition(tmp_path / "t.xlsx")
    assert [(t.seq, t.leaders, t.lead_units, t.co_units) for t in tasks] == [
        (1, ["王莹", "张源"], ["区财政局"], ["区商务局", "区统计局"])]
    assert warnings == [
        "工作表“旧版”是隐藏的工作表，未导入；如需导入请先取消隐藏。",
        "工作表“任务”第4行起有2行只有序号，没有内容，已忽略。",
        "工作表“说明”中没有任务分解表的表头，已跳过。",
    ]


@needs_shared
def test_docx_table_split_in_two_goes_on(tmp_path):
    path = build_decomposition_docx(tmp_path / "split.docx", csv_records()[:30])
    import copy

    import docx

    doc = docx.Document(str(path))
    tbl = doc.tables[0]._tbl
    second = copy.deepcopy(tbl)
    rows, rows2 = tbl.findall(docx.oxml.ns.qn("w:tr")), second.findall(docx.oxml.ns.qn("w:tr"))
    for tr in rows[11:]:
        tbl.remove(tr)  # header + tasks 1..10 stay here
    for tr in rows2[:11]:
        second.remove(tr)  # tasks 11..30, no header
    tbl.addnext(second)
    doc.save(str(path))
    tasks, warnings = read_decomposition(path)
    assert [t.seq for t in tasks] == list(range(1, 31))
    assert tasks[10].source == "第2个表格第1行"
    assert tasks[10].category == csv_records()[10]["category"]


# --------------------------------------------------------------------------- bold in rich text


def _units_workbook(path: Path, cells: list) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度工作任务"
    ws.append(["序号", "重点任务", "牵头领导", "责任单位（加黑的为牵头单位）"])
    for n, value in enumerate(cells, 1):
        ws.append([n, f"任务{n}", "王莹", value])
    ws["D3"].font = openpyxl.styles.Font(bold=True)  # row 2: the whole cell bold
    wb.save(path)
    return path


def test_rich_text_bold_decides_the_lead(tmp_path):
    bold, plain = InlineFont(b=True), InlineFont(b=False)
    path = _units_workbook(tmp_path / "b.xlsx", [
        CellRichText([TextBlock(plain, "区财政局、"), TextBlock(bold, "区商务局"), "、区统计局"]),
        "区财政局、区商务局",  # whole cell bold, several units: the first leads
        CellRichText([TextBlock(bold, "区财政局"), "、", TextBlock(bold, "区税务局"), "、区统计局"]),
        "区财政局\n区商务局（牵头）",
    ])
    tasks, _ = read_decomposition(path)
    assert [(t.lead_units, t.co_units) for t in tasks] == [
        (["区商务局"], ["区财政局", "区统计局"]),
        (["区财政局"], ["区商务局"]),
        (["区财政局", "区税务局"], ["区统计局"]),
        (["区商务局"], ["区财政局"]),
    ]


def test_header_says_bold_but_nothing_is_bold_warns(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", "重点任务", "责任单位（加黑的为牵头单位）"])
    ws.append([1, "任务", "区财政局、区商务局"])
    wb.save(tmp_path / "w.xlsx")
    tasks, warnings = read_decomposition(tmp_path / "w.xlsx")
    assert tasks[0].lead_units == ["区财政局"]
    assert len(warnings) == 1 and "加黑" in warnings[0] and "工作表“Sheet”" in warnings[0]


# --------------------------------------------------------------------------- prose


def _notes_in(text: str) -> int:
    return len(re.findall(r"[（(]\s*(?:牵头领导|牵头单位|责任单位)\s*[：:]", text))


@pytest.mark.skipif(not SEED_000.exists(), reason="shared/ seeds not present")
def test_seed_000_prose():
    text = SEED_000.read_text(encoding="utf-8")
    tasks, warnings = read_decomposition(SEED_000)
    assert len(tasks) == _notes_in(text) == 79
    assert [t.seq for t in tasks] == list(range(1, 80))
    assert {t.kind for t in tasks} == {"annual"}
    t = next(t for t in tasks if t.text.endswith("固定资产投资增长2%"))
    assert t.text == "固定资产投资增长2%"
    assert t.leaders == ["武毅"]
    assert t.lead_units == ["区发展改革局"]
    assert t.co_units == ["区工业和信息化局", "区住房城市建设局", "区统计局", "各街道办事处"]
    assert t.category == "经济社会发展主要预期目标"
    two = next(t for t in tasks if t.text == "一般公共预算收入增长3%")
    assert two.lead_units == ["区财政局", "区税务局"]  # several 牵头单位 all lead
    only_units = next(t for t in tasks if t.leaders == ["武毅", "赵冬梅", "于杰", "洪露", "房星"])
    assert only_units.lead_units == ["区应急局"]
    assert only_units.co_units[:2] == ["区市场监督管理局", "区住房城市建设局"]
    assert only_units.category == "强化三项保障，夯实高质量发展坚强基石"
    nested = next(t for t in tasks if t.text.startswith("提升对外开放活力"))
    assert nested.lead_units == ["中国（山东）自由贸易试验区济南片区历下区块管理办公室"]
    first_in_section = next(t for t in tasks if t.source == "第8行第1个标注")
    assert first_in_section.category == "紧盯一个目标，加快构建城市发展新格局"
    assert first_in_section.text.endswith("完成50处院落修缮")
    assert warnings == []


@pytest.mark.skipif(not SEED_000.exists(), reason="shared/ seeds not present")
def test_seed_000_as_docx_paragraphs(tmp_path):
    import docx

    doc = docx.Document()
    for line in SEED_000.read_text(encoding="utf-8").splitlines():
        doc.add_paragraph(line)
    doc.save(str(tmp_path / "报告.docx"))
    from_docx, _ = read_decomposition(tmp_path / "报告.docx")
    from_txt, _ = read_decomposition(SEED_000)
    assert [(t.text, t.leaders, t.lead_units, t.co_units, t.category) for t in from_docx] == \
        [(t.text, t.leaders, t.lead_units, t.co_units, t.category) for t in from_txt]


PROSE = (
    "一、稳增长\n"
    "固定资产投资增长2%，（牵头领导：武毅；牵头单位：区发展改革局；责任单位：区统计局、各街道办事处）"
    "开展安全生产大检查。（牵头领导：武毅、房星；责任单位：区应急局、区公安分局）\n"
)


def test_prose_note_with_only_units_and_ascii_punctuation(tmp_path):
    full = tmp_path / "full.txt"
    full.write_text(PROSE, encoding="utf-8")
    ascii_ = tmp_path / "ascii.md"
    ascii_.write_text(PROSE.replace("（牵", "(牵").replace("）", ")").replace("：", ":").replace("；", ";"),
                      encoding="utf-8")
    a, _ = read_decomposition(full)
    b, _ = read_decomposition(ascii_)
    assert a == b
    assert [(t.text, t.category, t.leaders, t.lead_units, t.co_units) for t in a] == [
        ("固定资产投资增长2%", "稳增长", ["武毅"], ["区发展改革局"], ["区统计局", "各街道办事处"]),
        ("开展安全生产大检查", "稳增长", ["武毅", "房星"], ["区应急局"], ["区公安分局"]),
    ]


def test_prose_without_units_is_refused(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("开展安全生产大检查。（牵头领导：武毅）\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="第1行第1个标注.*缺少牵头单位和责任单位"):
        read_decomposition(path)


# --------------------------------------------------------------------------- refusals


def test_unrelated_headers_are_named(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "年龄"])
    wb.active.append(["张三", 30])
    wb.save(tmp_path / "people.xlsx")
    with pytest.raises(InputFileError) as exc:
        read_decomposition(tmp_path / "people.xlsx")
    msg = str(exc.value)
    assert "未找到任务分解表的表头" in msg
    assert "工作表“Sheet”第1行：姓名、年龄" in msg
    assert "需要包含：序号、重点任务" in msg


def test_bad_rows_are_all_listed(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度工作任务"
    ws.append(["2025年年度工作任务责任分解立项表"])
    ws.append(["序号", "重点任务", "牵头领导", "责任单位"])
    ws.append([1, "任务一", "王莹", "区财政局"])
    ws.append([2, "任务二", "王莹", None])  # row 4
    ws.append([None, None, None, None])  # row 5: empty, skipped silently
    ws.append([3, None, "王莹", "区商务局"])  # row 6
    ws.append([1, "任务四", "王莹", "区统计局"])  # row 7: duplicate 序号
    ws.append(["填报人：张三"])
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(InputFileError) as exc:
        read_decomposition(tmp_path / "bad.xlsx")
    lines = str(exc.value).splitlines()
    assert "3处问题" in lines[0]
    assert lines[1:] == [
        "工作表“年度工作任务”第4行：缺少责任单位。",
        "工作表“年度工作任务”第6行：缺少任务内容。",
        "工作表“年度工作任务”第7行：序号1与工作表“年度工作任务”第3行重复。",
    ]


def _small_xlsx() -> bytes:
    import io

    buf = io.BytesIO()
    openpyxl.Workbook().save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("content, words", [
    (b"", "空文件"),
    (b"%PDF-1.7\n%...", "PDF"),
    (_small_xlsx()[:2000], "不完整"),
    (b"\xff\xff\xff\xfa,\xff", "编码"),
], ids=["empty", "pdf", "truncated", "encoding"])
def test_unreadable_files(tmp_path, content, words):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match=words):
        read_decomposition(path)


def test_excel_unicode_text_export(tmp_path):
    path = tmp_path / "分解表.txt"  # Excel “Unicode 文本”: UTF-16 with BOM, tab-separated
    path.write_bytes("序号\t重点任务\t责任单位\n１\t开展检查\t区财政局、区税务局\n".encode("utf-16"))
    tasks, _ = read_decomposition(path)
    assert [(t.seq, t.text, t.lead_units, t.co_units) for t in tasks] == [
        (1, "开展检查", ["区财政局"], ["区税务局"])]


def test_missing_file(tmp_path):
    with pytest.raises(InputFileError, match="找不到文件"):
        read_decomposition(tmp_path / "nope.xlsx")


CORPUS = sorted(p for d in ("excel-made", "misc") if (SHARED / "corpus" / d).is_dir()
                for p in (SHARED / "corpus" / d).iterdir() if p.name != "README.md")


@pytest.mark.skipif(not CORPUS, reason="shared/corpus not present")
def test_corpus_workbooks_are_refused_cleanly():
    unexpected = []
    for path in CORPUS:
        try:
            read_decomposition(path)
            unexpected.append((path.name, "accepted"))
        except InputFileError as exc:
            if not str(exc).startswith(f"文件“{path.name}”"):
                unexpected.append((path.name, str(exc)[:80]))
        except Exception as exc:  # the point of this test: nothing else may escape
            unexpected.append((path.name, repr(exc)))
    assert not unexpected
    assert len(CORPUS) >= 100
