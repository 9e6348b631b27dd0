"""sniff: what a returned file really is, decided by its bytes, within bounded memory."""

from __future__ import annotations

import io
import re
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from office.errors import InputFileError
from sheets.safety import DEFAULT_LIMITS, FORMATS, Limits, Sniff, is_temp_file, sniff

try:
    from tests import hostile
except ImportError:  # tests/ is not a package
    import hostile

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_sentence(reason: str) -> None:
    """One Chinese sentence: Chinese words, one full stop at the very end, one line."""
    assert isinstance(reason, str) and reason
    assert CJK.search(reason), reason
    assert reason.endswith("。"), reason
    assert reason.count("。") == 1, reason
    assert "\n" not in reason and "Traceback" not in reason, reason


def assert_verdict(r: Sniff) -> None:
    assert isinstance(r, Sniff)
    assert r.format in FORMATS, r
    if r.ok:
        assert r.format in ("xlsx", "xls") and r.reason == "", r
    else:
        assert_sentence(r.reason)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, hostile.build_all(folder)


# Written out here, not taken from hostile.KINDS: (format, ok, reason key words, macros).
CASES = {
    "empty.xlsx": ("empty", False, ("空",), False),
    "truncated.xlsx": ("truncated", False, ("不完整", "重新发送"), False),
    "truncated.xls": ("truncated", False, ("不完整",), False),
    "lying_header.xlsx": ("truncated", False, ("损坏",), False),
    "zip_bomb.xlsx": ("xlsx", False, ("解压后过大", "1024 MB"), False),
    "ratio_bomb.xlsx": ("xlsx", False, ("压缩比",), False),
    "many_members.xlsx": ("xlsx", False, ("部件过多",), False),
    "billion_laughs.xlsx": ("xlsx", False, ("DOCTYPE",), False),
    "dtd_utf16.xlsx": ("xlsx", False, ("DOCTYPE",), False),
    "utf7_sheet.xlsx": ("xlsx", False, ("编码异常",), False),
    "xfd_1048576.xlsx": ("xlsx", False, ("范围过大", "XFD1048576", "只保留表格内容"), False),
    "hidden_far_cell.xlsx": ("xlsx", False, ("范围过大", "XFD2"), False),
    "many_rows.xlsx": ("xlsx", False, ("范围过大",), False),
    "far_cell.xls": ("xls", False, ("范围过大", "C30001"), False),
    "encrypted.xlsx": ("encrypted", False, ("加密", "取消打开密码"), False),
    "encrypted.xls": ("encrypted", False, ("加密", "取消打开密码"), False),
    "zipcrypto.xlsx": ("encrypted", False, ("加密",), False),
    "web_page.xls": ("html", False, ("网页", "另存为"), False),
    "table_only.xls": ("html", False, ("网页",), False),
    "excel2003.xls": ("html", False, ("2003", "另存为"), False),
    "csv_text.xlsx": ("csv", False, ("CSV", "报送模板"), False),
    "csv_gbk.xls": ("csv", False, ("CSV",), False),
    "unicode_text.xls": ("csv", False, ("CSV",), False),
    "scan.xlsx": ("pdf", False, ("PDF",), False),
    "word.xlsx": ("zip", False, ("Word", "不是 Excel 工作簿"), False),
    "binary.xlsx": ("zip", False, ("xlsb", "另存为"), False),
    "libre.xlsx": ("zip", False, ("ods",), False),
    "archive.xlsx": ("zip", False, ("压缩包", "解压"), False),
    "word97.xls": ("ole", False, ("Word", "不是 Excel 工作簿"), False),
    "word_with_sheet.xls": ("ole", False, ("Word",), False),
    "random.xlsx": ("unknown", False, ("无法识别",), False),
    "notes.xls": ("unknown", False, ("纯文本",), False),
    "photo.xlsx": ("unknown", False, ("图片",), False),
    "macro.xlsm": ("xlsx", True, (), True),
    "small.xls": ("xls", True, (), False),
    "big.xls": ("xls", True, (), False),
    "wps.et": ("xls", True, (), False),
    "odd_hyperlink_text.xlsx": ("xlsx", True, (), False),
    "odd_long_cell.xlsx": ("xlsx", True, (), False),
    "odd_date_1904.xlsx": ("xlsx", True, (), False),
}
TEMP = ["~$报送表.xlsx", ".~lock.报送表.xlsx#"]


def test_build_all_covers_every_case(built):
    _folder, expected = built
    assert set(expected) == set(CASES) | set(TEMP)
    assert len(expected) >= 20
    for name in TEMP:
        assert expected[name] == "temp"
    for name, (fmt, ok, words, _m) in CASES.items():
        value = expected[name]
        if ok or fmt not in ("xlsx", "xls"):
            assert value == fmt, name
        else:
            assert value in words, name  # a key word of the reason


@pytest.mark.parametrize("name", sorted(CASES))
def test_sniff_kind(built, name):
    folder, _ = built
    fmt, ok, words, macros = CASES[name]
    r = sniff(folder / name)
    assert_verdict(r)
    assert (r.format, r.ok, r.macros) == (fmt, ok, macros), r
    for w in words:
        assert w in r.reason, (w, r.reason)


@pytest.mark.parametrize("name", TEMP)
def test_lock_files_are_temp_and_not_workbooks(built, name):
    folder, _ = built
    assert is_temp_file(name)
    assert is_temp_file(f"收件箱/区商务局/{name}")
    r = sniff(folder / name)
    assert_verdict(r)
    assert not r.ok


@pytest.mark.parametrize(
    "name,temp",
    [
        ("~$报送表.xlsx", True),
        (".~lock.报送表.xlsx#", True),
        ("~WRL1234.tmp", True),
        (".DS_Store", True),
        ("Thumbs.db", True),
        ("thumbs.db", True),
        ("desktop.ini", True),
        ("报送表.xlsx.tmp", True),
        ("报送表.xlsx.crdownload", True),
        ("报送表.xlsx.part", True),
        ("._报送表.xlsx", True),
        ("C:\\Users\\a\\~$报送表.xlsx", True),
        ("报送表.xlsx", False),
        ("~报送表.xlsx", False),
        ("区商务局-3月.xls", False),
        ("tmp报送.xlsx", False),
        ("report.partial.xlsx", False),
        ("", False),
    ],
)
def test_is_temp_file(name, temp):
    assert is_temp_file(name) is temp


def test_sniff_ignores_the_name(built, tmp_path):
    folder, _ = built
    shutil.copy(folder / "small.xls", tmp_path / "看起来像.pdf")
    shutil.copy(folder / "odd_date_1904.xlsx", tmp_path / "无扩展名")
    shutil.copy(folder / "scan.xlsx", tmp_path / "scan.pdf")
    assert sniff(tmp_path / "看起来像.pdf") == Sniff("xls", True, "")
    assert sniff(tmp_path / "无扩展名") == Sniff("xlsx", True, "")
    assert sniff(str(tmp_path / "scan.pdf")).format == "pdf"


# ------------------------------------------------------------------- bombs, memory


def _peak(fn):
    tracemalloc.start()
    try:
        result = fn()
        _cur, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def test_zip_bomb_is_small_on_disk_and_declares_a_gigabyte(built):
    folder, _ = built
    path = folder / "zip_bomb.xlsx"
    assert path.stat().st_size < 2 * 2**20
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size >= hostile.BOMB_MEMBER_BYTES


@pytest.mark.parametrize(
    "limits",
    [
        DEFAULT_LIMITS,
        Limits(max_uncompressed_bytes=8 * 2**20),
        # Caps lifted: the scan itself must still stop early and stay small.
        Limits(max_uncompressed_bytes=2**40, max_ratio=10**9),
    ],
    ids=["default", "small-cap", "caps-lifted"],
)
def test_zip_bomb_bounded_memory(built, limits):
    folder, _ = built
    r, peak = _peak(lambda: sniff(folder / "zip_bomb.xlsx", limits=limits))
    assert_verdict(r)
    assert r.format == "xlsx" and not r.ok
    assert peak < 100 * 2**20, peak


def test_zip_bomb_reason_names_sizes(built):
    folder, _ = built
    r = sniff(folder / "zip_bomb.xlsx", limits=Limits(max_uncompressed_bytes=8 * 2**20))
    assert "解压后过大" in r.reason and "上限 8 MB" in r.reason


@pytest.mark.parametrize("name", ["lying_header.xlsx", "ratio_bomb.xlsx", "billion_laughs.xlsx"])
def test_other_bombs_bounded_memory(built, name):
    folder, _ = built
    r, peak = _peak(lambda: sniff(folder / name, limits=Limits(max_ratio=10**9)))
    assert not r.ok
    assert peak < 40 * 2**20, (name, peak)


def test_ratio_bomb_passes_ratio_check_only_when_lifted(built):
    folder, _ = built
    r = sniff(folder / "ratio_bomb.xlsx", limits=Limits(max_ratio=10**9))
    # The ratio cap lifted, the 40 MiB of blanks without markup is still refused.
    assert r.format == "xlsx" and not r.ok and "结构异常" in r.reason


def test_lying_header_reads_no_more_than_declared(built):
    folder, _ = built
    with zipfile.ZipFile(folder / "lying_header.xlsx") as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size == 4096
    r, peak = _peak(lambda: sniff(folder / "lying_header.xlsx"))
    assert r.format == "truncated" and "损坏" in r.reason
    assert peak < 10 * 2**20


# ---------------------------------------------------------------------- limits


def test_file_too_big(built):
    folder, _ = built
    r = sniff(folder / "odd_date_1904.xlsx", limits=Limits(max_file_bytes=1000))
    assert (r.format, r.ok) == ("unknown", False)
    assert "过大" in r.reason and "MB" in r.reason
    assert_sentence(r.reason)


def test_row_and_column_limits_are_honoured(tmp_path):
    def fill(wb, ws):
        ws.write_row(0, 0, ["序号", "单位", "完成情况"])
        for i in range(1, 10):
            ws.write_row(i, 0, [i, "区商务局", "已完成"])

    path = tmp_path / "ten.xlsx"
    path.write_bytes(hostile.xlsx_bytes(fill))
    assert sniff(path).ok
    assert sniff(path, limits=Limits(max_rows=10, max_cols=3)).ok
    r = sniff(path, limits=Limits(max_rows=9))
    assert not r.ok and "范围过大" in r.reason and "A1:C10" not in r.reason and "C10" in r.reason
    r = sniff(path, limits=Limits(max_cols=2))
    assert not r.ok and "范围过大" in r.reason and "上限 20000 行 × 2 列" in r.reason

    xls = tmp_path / "ten.xls"
    xls.write_bytes(hostile.xls_bytes({(r, c): float(r) for r in range(10) for c in range(3)}, pad_to=5000))
    assert sniff(xls).ok
    assert sniff(xls, limits=Limits(max_rows=10, max_cols=3)).ok
    assert "范围过大" in sniff(xls, limits=Limits(max_rows=9)).reason
    assert "范围过大" in sniff(xls, limits=Limits(max_cols=2)).reason


def _with_sheet(tmp_path: Path, body: str, *, raw: bytes | None = None) -> Path:
    xml = raw if raw is not None else (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + body + "</worksheet>"
    ).encode("utf-8")
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(hostile.rezip(hostile.xlsx_bytes(), {"xl/worksheets/sheet1.xml": xml}))
    return path


@pytest.mark.parametrize(
    "body,word",
    [
        ('<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>', None),
        ('<dimension ref="A1:GR20000"/><sheetData/>', None),
        ('<dimension ref="A1:GS1"/><sheetData/>', "GS1"),
        ('<dimension ref="A1:A20001"/><sheetData/>', "A20001"),
        ('<sheetData><row r="20001"/></sheetData>', "第 20001 行"),
        ('<sheetData><x:row r="2"><x:c r="XFD2"/></x:row></sheetData>', "XFD2"),
        ('<sheetData><row r="2"><c s="1" t="n" r="B30000"/></row></sheetData>', "B30000"),
        ("<sheetData><row r='2'><c t='n' r='ZZ2'/></row></sheetData>", "ZZ2"),
        ('<sheetData><row r="2"><c xr:uid="a>b" r="B99999"/></row></sheetData>', "B99999"),
        ('<sheetData><row\n r="2"><c\tr = "AAAA2"/></row></sheetData>', "AAAA2"),
        ('<sheetData><row r="2"><c r="b999999999999999999999"/></row></sheetData>', "范围过大"),
        ('<sheetData><row r="1_048_576"/></sheetData>', "位置写法异常"),
        ('<sheetData><row r=" 30000"/></sheetData>', "位置写法异常"),
        ('<sheetData><row r="2"><c r="A&#65297;00000"/></row></sheetData>', "位置写法异常"),
        ('<sheetData><row r="2"><c r="\uff21100000"/></row></sheetData>', "位置写法异常"),
        ('<sheetData><row r="&#50;0001"/></sheetData>', "第 20001 行"),
        ('<sheetData><cols><col min="1" max="16384"/></cols><row r="1"><c r="A1"/></row></sheetData>', None),
    ],
)
def test_sheet_references(tmp_path, body, word):
    r = sniff(_with_sheet(tmp_path, body))
    assert_verdict(r)
    if word is None:
        assert r == Sniff("xlsx", True, ""), r
    else:
        assert (r.format, r.ok) == ("xlsx", False) and word in r.reason, r


def test_sheet_xml_encodings(tmp_path):
    body = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{}</sheetData></worksheet>'
    near = '<row r="2"><c r="B2"><v>1</v></c></row>'
    far = '<row r="2"><c r="B30000"><v>1</v></c></row>'
    decl = '<?xml version="1.0" encoding="{}"?>'
    ok = [
        b"\xef\xbb\xbf" + (decl.format("UTF-8") + body.format(near)).encode("utf-8"),
        (decl.format("UTF-16") + body.format(near)).encode("utf-16"),
        (decl.format("GB2312") + body.format(near)).encode("gb2312"),
    ]
    for raw in ok:
        assert sniff(_with_sheet(tmp_path, "", raw=raw)).ok
    far_utf16 = (decl.format("UTF-16") + body.format(far)).encode("utf-16")
    r = sniff(_with_sheet(tmp_path, "", raw=far_utf16))
    assert not r.ok and "B30000" in r.reason
    r = sniff(_with_sheet(tmp_path, "", raw=(decl.format("UTF-32") + body.format(near)).encode("utf-32")))
    assert r.ok  # UTF-32 with a BOM is decoded, not misread
    r = sniff(_with_sheet(tmp_path, "", raw=(decl.format("cp037") + body.format(near)).encode("cp037")))
    assert not r.ok and "编码异常" in r.reason


def test_dtd_anywhere_in_a_part_is_refused(tmp_path):
    filler = '<row r="1"><c r="A1"><v>1</v></c></row>' * 5000  # far past the first 4 KiB
    body = "<sheetData>" + filler + "</sheetData><!DOCTYPE x>"
    r = sniff(_with_sheet(tmp_path, body))
    assert not r.ok and "DOCTYPE" in r.reason
    # ... also when it sits in a member that is neither a sheet nor named .xml
    data = hostile.rezip(hostile.xlsx_bytes(), {"xl/strings.dat": b'<!DOCTYPE a [<!ENTITY b "c">]><a/>'})
    (tmp_path / "dat.xlsx").write_bytes(data)
    assert "DOCTYPE" in sniff(tmp_path / "dat.xlsx").reason
    # ... but an SVG picture may carry one
    data = hostile.rezip(hostile.xlsx_bytes(), {"xl/media/image1.svg": b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"><svg/>'})
    (tmp_path / "svg.xlsx").write_bytes(data)
    assert sniff(tmp_path / "svg.xlsx").ok


def test_sheet_found_through_the_workbook_relationships(tmp_path):
    """A sheet stored outside xl/worksheets/ is still bounds-checked."""
    def fill(wb, ws):
        ws.write(0, 0, "序号")
        ws.write(30000, 0, 1)

    base = hostile.xlsx_bytes(fill)
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
        rels = z.read("xl/_rels/workbook.xml.rels")
    rels = rels.replace(b'Target="worksheets/sheet1.xml"', b'Id2="a>b" Target="data/s1.dat"')
    assert b"data/s1.dat" in rels
    data = hostile.rezip(base, {"xl/data/s1.dat": sheet, "xl/_rels/workbook.xml.rels": rels},
                         drop={"xl/worksheets/sheet1.xml"})
    path = tmp_path / "moved.xlsx"
    path.write_bytes(data)
    r = sniff(path)
    assert (r.format, r.ok) == ("xlsx", False) and "A30001" in r.reason, r


def test_the_40000_character_cell_is_not_sniffs_business(built):
    folder, _ = built
    with zipfile.ZipFile(folder / "odd_long_cell.xlsx") as z:
        assert "进展顺利" * 100 in z.read("xl/sharedStrings.xml").decode("utf-8")
    assert sniff(folder / "odd_long_cell.xlsx").ok


def test_hostile_xls_files_open_with_xlrd(built):
    """The compound-file writer of the helpers is real: xlrd reads its output."""
    xlrd = pytest.importorskip("xlrd")
    folder, _ = built
    book = xlrd.open_workbook(str(folder / "small.xls"))
    assert book.sheet_by_index(0).cell_value(1, 1) == "区商务局"
    book = xlrd.open_workbook(str(folder / "big.xls"))
    assert book.sheet_by_index(0).nrows == 300


def test_unreadable_paths_raise_input_file_error(tmp_path):
    with pytest.raises(InputFileError, match="找不到"):
        sniff(tmp_path / "没有这个文件.xlsx")
    with pytest.raises(InputFileError, match="文件夹"):
        sniff(tmp_path)


# ---------------------------------------------------------------------- fuzzing

_SEEDS = {
    "xlsx": hostile.xlsx_bytes(),
    "xls": hostile.xls_bytes(pad_to=5000),
    "xls-mini": hostile.xls_bytes(),
    "encrypted": hostile._encrypted_xlsx(),
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(sorted(_SEEDS)),
    flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
    cut=st.one_of(st.none(), st.integers(min_value=1)),
)
def test_damaged_files_never_raise(tmp_path_factory, seed, flips, cut):
    data = bytearray(_SEEDS[seed])
    for pos, value in flips:
        data[pos % len(data)] = value
    if cut is not None:
        data = data[: cut % len(data) or 1]
    path = tmp_path_factory.mktemp("fuzz") / "x.bin"
    path.write_bytes(bytes(data))
    assert_verdict(sniff(path))


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_raise(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "x.bin"
    path.write_bytes(data)
    assert_verdict(sniff(path))


# ------------------------------------------------------------------- real files


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for sub in ("excel-made", "misc") for p in (CORPUS / sub).glob("*") if p.is_file())


def test_corpus_is_there():
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    files = _corpus_files()
    assert len(files) > 100
    assert {p.suffix for p in files} >= {".xlsx", ".xls", ".xlsm"}


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_sniffs(path):
    r = sniff(path)
    assert_verdict(r)
    # Every one of them is a genuine workbook of modest size: none may be refused.
    want = "xls" if path.suffix == ".xls" else "xlsx"
    assert (r.format, r.ok) == (want, True), r
    assert r.macros == (path.suffix == ".xlsm"), r


def test_corpus_workbook_with_cells_refused_by_tight_limits():
    path = CORPUS / "misc" / "ne_1033_data.xlsx"
    if not path.is_file():
        pytest.skip(f"no corpus at {CORPUS}")
    r = sniff(path, limits=Limits(max_rows=1000))
    assert (r.format, r.ok) == ("xlsx", False) and "范围过大" in r.reason
    assert sniff(CORPUS / "misc" / "test.xls", limits=Limits(max_rows=2)).format == "xls"
    assert not sniff(CORPUS / "misc" / "test.xls", limits=Limits(max_rows=2)).ok
