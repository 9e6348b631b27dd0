"""Test helpers: faulty, hostile and odd files like the ones units email back.

Everything is built from code, nothing binary is checked in.  Each builder writes one
file into a folder.  ``build_all(folder)`` writes them all and returns
``{filename: expected}`` where ``expected`` is the ``Sniff.format`` sniff must report
when that alone tells the case apart ("xlsx"/"xls" then mean: ok), a key word of the
Chinese reason when the format alone does not (a workbook refused for its contents),
or ``"temp"`` for lock files that ``is_temp_file`` must recognise.  ``EXPECTED`` holds
the full expectation of every file: (format, ok, reason key word, macros).

Small tools here are reusable by other tests: ``cfb`` (a compound-file writer),
``biff_workbook`` (a minimal BIFF8 .xls), ``xlsx_bytes`` and ``rezip``.
"""

from __future__ import annotations

import datetime as _dt
import io
import random
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Callable, NamedTuple

import xlsxwriter

# ------------------------------------------------------------------ small builders


def xlsx_bytes(fill: Callable | None = None, options: dict | None = None) -> bytes:
    """A real workbook made by xlsxwriter; ``fill(workbook, worksheet)`` adds content."""
    bio = io.BytesIO()
    wb = xlsxwriter.Workbook(bio, {"in_memory": True, **(options or {})})
    ws = wb.add_worksheet("报送表")
    if fill is None:
        ws.write_row(0, 0, ["序号", "单位", "完成情况"])
        ws.write_row(1, 0, [1, "区商务局", "已完成"])
    else:
        fill(wb, ws)
    wb.close()
    return bio.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None, drop: set[str] = frozenset()) -> bytes:
    """Copy a zip, replacing or adding members (deflated) and dropping others."""
    replace = dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            if info.filename in replace:
                dst.writestr(info.filename, replace.pop(info.filename))
            else:
                dst.writestr(info.filename, src.read(info))
        for name, body in replace.items():
            dst.writestr(name, body)
    return out.getvalue()


def patch_zip_member(data: bytes, name: str, *, file_size: int | None = None, flag_bits: int | None = None) -> bytes:
    """Overwrite the declared size or flags of one member, in the local and central headers."""
    buf = bytearray(data)
    raw = name.encode("utf-8")
    pos = 0
    while (pos := buf.find(b"PK\x03\x04", pos)) >= 0:
        nlen, = struct.unpack_from("<H", buf, pos + 26)
        if bytes(buf[pos + 30:pos + 30 + nlen]) == raw:
            if file_size is not None:
                struct.pack_into("<I", buf, pos + 22, file_size)
            if flag_bits is not None:
                struct.pack_into("<H", buf, pos + 6, flag_bits)
        pos += 4
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos)) >= 0:
        nlen, = struct.unpack_from("<H", buf, pos + 28)
        if bytes(buf[pos + 46:pos + 46 + nlen]) == raw:
            if file_size is not None:
                struct.pack_into("<I", buf, pos + 24, file_size)
            if flag_bits is not None:
                struct.pack_into("<H", buf, pos + 8, flag_bits)
        pos += 4
    return bytes(buf)


# --------------------------------------------------------------- compound files

_END, _FREE, _FATSECT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def cfb(tree: dict) -> bytes:
    """A version-3 compound file (512-byte sectors) holding ``tree``.

    ``tree`` maps names to bytes (a stream) or to a dict (a storage).  Streams under
    4096 bytes go to the mini stream, as the format requires.
    """
    entries: list[dict] = [{"name": "Root Entry", "type": 5, "data": b"", "kids": []}]

    def add(node: dict, parent: int) -> None:
        for name, value in node.items():
            idx = len(entries)
            if isinstance(value, dict):
                entries.append({"name": name, "type": 1, "data": b"", "kids": []})
                entries[parent]["kids"].append(idx)
                add(value, idx)
            else:
                entries.append({"name": name, "type": 2, "data": bytes(value), "kids": []})
                entries[parent]["kids"].append(idx)

    add(tree, 0)
    for e in entries:
        e.update(left=_NONE, right=_NONE, child=_NONE, start=_END, size=len(e["data"]))

    def balance(ids: list[int]) -> int:
        if not ids:
            return _NONE
        mid = len(ids) // 2
        entries[ids[mid]]["left"] = balance(ids[:mid])
        entries[ids[mid]]["right"] = balance(ids[mid + 1:])
        return ids[mid]

    for e in entries:
        kids = sorted(e["kids"], key=lambda i: (len(entries[i]["name"]), entries[i]["name"].upper()))
        e["child"] = balance(kids)

    # Mini stream: small streams, 64-byte mini sectors.
    mini = bytearray()
    minifat: list[int] = []
    for e in entries[1:]:
        if e["type"] == 2 and 0 < e["size"] < 4096:
            first = len(mini) // 64
            n = (e["size"] + 63) // 64
            e["start"] = first
            minifat.extend(list(range(first + 1, first + n)) + [_END])
            mini += e["data"] + b"\x00" * (n * 64 - e["size"])
    entries[0]["data"] = bytes(mini)
    entries[0]["size"] = len(mini)

    ss = 512
    # Regular-sector payloads in order: directory, mini FAT, mini stream, big streams.
    dir_raw = bytearray()
    payloads: list[tuple[str, bytes]] = []
    n_dir = (len(entries) + 3) // 4
    payloads.append(("dir", b"\x00" * (n_dir * ss)))  # filled in below
    minifat_raw = b"".join(struct.pack("<I", v) for v in minifat)
    if minifat_raw:
        payloads.append(("minifat", minifat_raw + struct.pack("<I", _FREE) * ((-len(minifat_raw) % ss) // 4)))
    if mini:
        payloads.append(("root", bytes(mini)))
    for i, e in enumerate(entries):
        if e["type"] == 2 and e["size"] >= 4096:
            payloads.append((i, e["data"]))

    starts: dict = {}
    sid = 0
    fat: list[int] = []
    for key, body in payloads:
        n = max(1, (len(body) + ss - 1) // ss)
        starts[key] = sid
        fat.extend(list(range(sid + 1, sid + n)) + [_END])
        sid += n
    n_fat = 1
    while sid + n_fat > n_fat * (ss // 4):
        n_fat += 1
    if n_fat > 109:
        raise ValueError("too big for this little writer")
    fat_sids = list(range(sid, sid + n_fat))
    fat.extend([_FATSECT] * n_fat)
    fat.extend([_FREE] * (n_fat * (ss // 4) - len(fat)))

    if mini:
        entries[0]["start"] = starts["root"]
    for key in starts:
        if isinstance(key, int):
            entries[key]["start"] = starts[key]

    for e in entries:
        name = e["name"].encode("utf-16-le") + b"\x00\x00"
        dir_raw += name.ljust(64, b"\x00")
        dir_raw += struct.pack("<HBB", len(name), e["type"], 1)
        dir_raw += struct.pack("<III", e["left"], e["right"], e["child"])
        dir_raw += b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
        dir_raw += struct.pack("<IQ", e["start"] if e["size"] or e["type"] == 5 else _END, e["size"])
    while len(dir_raw) < n_dir * ss:
        dir_raw += b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", _NONE, _NONE, _NONE)
        dir_raw += b"\x00" * 36 + struct.pack("<IQ", 0, 0)
    payloads[0] = ("dir", bytes(dir_raw))

    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 0x18, 0x003E, 3, 0xFFFE, 9, 6)
    struct.pack_into(
        "<IIIIIIIII", header, 0x28,
        0, n_fat, starts["dir"], 0, 4096,
        starts.get("minifat", _END), len(minifat_raw) // ss + (1 if len(minifat_raw) % ss else 0),
        _END, 0,
    )
    difat = fat_sids + [_FREE] * (109 - len(fat_sids))
    struct.pack_into("<109I", header, 0x4C, *difat)

    out = bytearray(header)
    for _key, body in payloads:
        out += body + b"\x00" * (-len(body) % ss if body else ss)
    out += b"".join(struct.pack("<I", v) for v in fat)
    return bytes(out)


# ------------------------------------------------------------------------ BIFF8


def biff_record(rt: int, body: bytes = b"") -> bytes:
    return struct.pack("<HH", rt, len(body)) + body


def _bof(dt: int) -> bytes:
    return biff_record(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0x41, 0x06))


def biff_workbook(cells: dict[tuple[int, int], float | str], *, filepass: bool = False,
                  sheet_name: str = "Sheet1", pad_to: int = 0) -> bytes:
    """A minimal BIFF8 Workbook stream with one sheet; xlrd reads it."""
    rows = [r for r, _ in cells] or [0]
    cols = [c for _, c in cells] or [0]
    sheet = bytearray(_bof(0x0010))
    sheet += biff_record(0x0200, struct.pack("<IIHHH", 0, max(rows) + 1, 0, max(cols) + 1, 0))
    for (r, c), v in sorted(cells.items()):
        if isinstance(v, str):
            raw = v.encode("utf-16-le")
            sheet += biff_record(0x0204, struct.pack("<HHHHB", r, c, 15, len(v), 1) + raw)
        else:
            sheet += biff_record(0x0203, struct.pack("<HHHd", r, c, 15, float(v)))
    sheet += biff_record(0x000A)

    def glob(sheet_pos: int) -> bytes:
        g = bytearray(_bof(0x0005))
        if filepass:
            body = struct.pack("<HHH", 1, 1, 1) + bytes(range(48))
            g += biff_record(0x002F, body)
        g += biff_record(0x0042, struct.pack("<H", 1200))  # CODEPAGE: UTF-16
        font = "Arial".encode("utf-16-le")
        g += biff_record(0x0031, struct.pack("<HHHHHBBBBBB", 200, 0, 0x7FFF, 400, 0, 0, 0, 0, 0, 5, 1) + font)
        for i in range(16):  # 15 style XFs and the default cell XF (index 15)
            g += biff_record(0x00E0, struct.pack("<HHHBBBBIIH", 0, 0, 0xFFF5 if i < 15 else 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0))
        name = sheet_name.encode("utf-16-le")
        g += biff_record(0x0085, struct.pack("<IBBBB", sheet_pos, 0, 0, len(sheet_name), 1) + name)
        g += biff_record(0x000A)
        return bytes(g)

    g = glob(0)
    g = glob(len(g))
    stream = g + bytes(sheet)
    if len(stream) < pad_to:
        stream += b"\x00" * (pad_to - len(stream))
    return stream


def xls_bytes(cells=None, **kw) -> bytes:
    cells = cells if cells is not None else {(0, 0): "序号", (0, 1): "单位", (1, 0): 1.0, (1, 1): "区商务局"}
    return cfb({"Workbook": biff_workbook(cells, **kw)})


# ---------------------------------------------------------------- the file kinds


class Kind(NamedTuple):
    filename: str
    format: str  # what sniff must report; "temp" for is_temp_file
    ok: bool
    keyword: str  # a word the Chinese reason must contain ("" when ok)
    macros: bool
    build: Callable[[Path], None]


def _write(data: bytes) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(data)


def _lazy(fn: Callable[[], bytes]) -> Callable[[Path], None]:
    return lambda p: p.write_bytes(fn())


BOMB_MEMBER_BYTES = 2**30  # uncompressed size of the zip bomb's sheet
LONG_CELL_CHARS = 40000
DATE_1904_VALUE = _dt.date(2025, 3, 31)
HYPERLINK_TEXT = '=HYPERLINK("http://evil","x")'


def _zip_bomb(p: Path) -> None:
    """An honest zip bomb: the header says 1 GiB, the file is about 1 MB."""
    base = xlsx_bytes()
    chunk = b" " * 2**20
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with dst.open(info.filename, "w", force_zip64=False) as out:
                    out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n')
                    for _ in range(BOMB_MEMBER_BYTES // len(chunk)):
                        out.write(chunk)
            else:
                dst.writestr(info.filename, src.read(info))


def _ratio_bomb() -> bytes:
    """Under the total cap, but one member compresses a thousand times."""
    body = b"<worksheet><sheetData>" + b" " * (40 * 2**20) + b"</sheetData></worksheet>"
    return rezip(xlsx_bytes(), {"xl/worksheets/sheet1.xml": body})


def _lying_header() -> bytes:
    """The sheet really holds 16 MiB, but the headers say 4 KiB."""
    base = xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    cut = sheet.index(b"<sheetData>") + len(b"<sheetData>")
    big = sheet[:cut] + b" " * (16 * 2**20) + sheet[cut:]
    return patch_zip_member(rezip(base, {"xl/worksheets/sheet1.xml": big}), "xl/worksheets/sheet1.xml",
                            file_size=4096)


_LOL = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10))
    + ']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    "<si><t>&lol9;</t></si></sst>"
)


def _billion_laughs() -> bytes:
    return rezip(xlsx_bytes(), {"xl/sharedStrings.xml": _LOL.encode("utf-8")})


def _dtd_utf16() -> bytes:
    text = _LOL.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    return rezip(xlsx_bytes(), {"xl/sharedStrings.xml": text.encode("utf-16")})


def _utf7_sheet() -> bytes:
    body = (
        '<?xml version="1.0" encoding="UTF-7"?>'
        '+ADw-worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"+AD4-'
        "+ADw-sheetData/+AD4-+ADw-/worksheet+AD4-"
    )
    return rezip(xlsx_bytes(), {"xl/worksheets/sheet1.xml": body.encode("ascii")})


def _xfd_sheet() -> bytes:
    def fill(wb, ws):
        ws.write(0, 0, "序号")
        ws.write(1048575, 16383, "尾")

    return xlsx_bytes(fill)


_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
)


def _hidden_far_cell() -> bytes:
    """Honest-looking dimension, but a cell reference written with a character reference."""
    body = (
        _SHEET_HEAD + '<dimension ref="A1:B2"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>序号</t></is></c></row>'
        '<row r="2" spans="1:2"><c s="0" t="n" r="&#88;FD2"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    )
    return rezip(xlsx_bytes(), {"xl/worksheets/sheet1.xml": body.encode("utf-8")})


def _many_rows_no_refs() -> bytes:
    """25,000 rows without r attributes (rows are then implicit)."""
    rows = "<row><c><v>1</v></c></row>" * 25000
    body = _SHEET_HEAD + "<sheetData>" + rows + "</sheetData></worksheet>"
    return rezip(xlsx_bytes(), {"xl/worksheets/sheet1.xml": body.encode("utf-8")})


def _many_members() -> bytes:
    base = xlsx_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        for i in range(10001):
            dst.writestr(f"customXml/x{i}.xml", b"")
    return out.getvalue()


def _zipcrypto() -> bytes:
    return patch_zip_member(xlsx_bytes(), "xl/worksheets/sheet1.xml", flag_bits=0x1)


def _truncated_xlsx() -> bytes:
    data = xlsx_bytes()
    return data[: len(data) // 2]


def _encrypted_xlsx() -> bytes:
    info = (
        b"\x04\x00\x04\x00\x40\x00\x00\x00"
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<encryption xmlns="http://schemas.microsoft.com/office/2006/encryption">'
        b'<keyData saltSize="16" blockSize="16" keyBits="256" hashSize="64" cipherAlgorithm="AES" '
        b'cipherChaining="ChainingModeCBC" hashAlgorithm="SHA512" saltValue="AAAAAAAAAAAAAAAAAAAAAA=="/>'
        b"</encryption>"
    )
    rng = random.Random(7)
    package = struct.pack("<Q", 9000) + bytes(rng.getrandbits(8) for _ in range(9008))
    return cfb({
        "\x06DataSpaces": {
            "Version": b"\x3c\x00\x00\x00" + "Microsoft.Container.DataSpaces".encode("utf-16-le") + b"\x01\x00" * 6,
            "DataSpaceMap": b"\x08\x00\x00\x00\x01\x00\x00\x00",
        },
        "EncryptionInfo": info,
        "EncryptedPackage": package,
    })


def _doc_ole() -> bytes:
    word = b"\xec\xa5\xc1\x00" + bytes(5000)
    return cfb({"WordDocument": word, "1Table": bytes(1200), "\x05SummaryInformation": bytes(200)})


def _doc_with_embedded_workbook() -> bytes:
    """A Word file embedding an Excel sheet: a Workbook stream, but not at the root."""
    return cfb({
        "WordDocument": b"\xec\xa5\xc1\x00" + bytes(5000),
        "1Table": bytes(1200),
        "ObjectPool": {"_1234567890": {"Workbook": biff_workbook({(0, 0): 1.0})}},
    })


def _html_xls() -> bytes:
    html = (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns="http://www.w3.org/TR/REC-html40">\n'
        '<head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>\n'
        "<body><table><tr><td>序号</td><td>单位</td></tr><tr><td>1</td><td>区商务局</td></tr></table></body></html>\n"
    )
    return html.encode("gb18030")


def _xml2003() -> bytes:
    return (
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
        '<Worksheet ss:Name="Sheet1"><Table><Row><Cell><Data ss:Type="String">序号</Data></Cell></Row>'
        "</Table></Worksheet></Workbook>\n"
    ).encode("utf-8")


def _png() -> bytes:
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")


def _pdf() -> bytes:
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="x"><w:body/></w:document>')
    return out.getvalue()


def _xlsb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("xl/workbook.bin", b"\x83\x01\x00" * 10)
        z.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00" * 10)
    return out.getvalue()


def _ods() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", '<?xml version="1.0"?><office:document-content xmlns:office="x"/>', zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _zip_of_workbooks() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("区商务局/督办报送表.xlsx", xlsx_bytes())
        z.writestr("区商务局/说明.txt", "见附件".encode("utf-8"))
    return out.getvalue()


def _xlsm() -> bytes:
    def fill(wb, ws):
        ws.write(0, 0, "序号")
        wb.add_vba_project(io.BytesIO(cfb({"VBA": {"dir": bytes(300)}, "PROJECT": b"ID=\"{0}\"\r\n"})), is_stream=True)

    return xlsx_bytes(fill)


def _hyperlink_text() -> bytes:
    def fill(wb, ws):
        ws.write_string(0, 0, "备注")
        ws.write_string(1, 0, HYPERLINK_TEXT)

    return xlsx_bytes(fill)


def _long_cell() -> bytes:
    marker = "PLACEHOLDER-LONG-CELL"

    def fill(wb, ws):
        ws.write_string(0, 0, "备注")
        ws.write_string(1, 0, marker)

    base = xlsx_bytes(fill)
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        sst = z.read("xl/sharedStrings.xml").decode("utf-8")
    text = ("进展顺利" * (LONG_CELL_CHARS // 4 + 1))[:LONG_CELL_CHARS]
    return rezip(base, {"xl/sharedStrings.xml": sst.replace(marker, text).encode("utf-8")})


def _date_1904() -> bytes:
    def fill(wb, ws):
        fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        ws.write_string(0, 0, "完成时间")
        ws.write_datetime(1, 0, _dt.datetime.combine(DATE_1904_VALUE, _dt.time()), fmt)

    return xlsx_bytes(fill, {"date_1904": True})


def _random_bytes() -> bytes:
    rng = random.Random(20250331)
    data = bytes(rng.getrandbits(8) for _ in range(4096))
    return b"\x13\x37" + data  # never a magic number


def _plain_text() -> bytes:
    return "各位领导：\n本单位本月工作进展顺利，详见附件。\n区商务局\n".encode("utf-8")


def _csv_utf8() -> bytes:
    return "\ufeff序号,单位,完成情况\n1,区商务局,已完成\n2,区财政局,推进中\n".encode("utf-8")


def _csv_gbk() -> bytes:
    return "序号,单位,完成情况\r\n1,区商务局,已完成\r\n2,区财政局,推进中\r\n".encode("gbk")


def _unicode_text() -> bytes:
    """What Excel writes for "Unicode text": UTF-16 with BOM, tab separated."""
    return "序号\t单位\t完成情况\r\n1\t区商务局\t已完成\r\n".encode("utf-16")


def _owner_file() -> bytes:
    user = "zhangsan"
    wide = user.encode("utf-16-le")
    return bytes([len(user)]) + user.encode("ascii").ljust(53, b" ") + b"\x00\x00" + wide + b" \x00" * (55 - len(user))


KINDS: dict[str, Kind] = {
    # empty, cut short, damaged
    "empty": Kind("empty.xlsx", "empty", False, "空", False, _write(b"")),
    "truncated_xlsx": Kind("truncated.xlsx", "truncated", False, "不完整", False, _lazy(_truncated_xlsx)),
    "truncated_xls": Kind("truncated.xls", "truncated", False, "不完整", False,
                          _lazy(lambda: xls_bytes(pad_to=20000)[:6000])),
    "lying_header": Kind("lying_header.xlsx", "truncated", False, "损坏", False, _lazy(_lying_header)),
    # decompression and parser bombs, absurd sizes
    "zip_bomb": Kind("zip_bomb.xlsx", "xlsx", False, "解压后过大", False, _zip_bomb),
    "ratio_bomb": Kind("ratio_bomb.xlsx", "xlsx", False, "压缩比", False, _lazy(_ratio_bomb)),
    "many_members": Kind("many_members.xlsx", "xlsx", False, "部件过多", False, _lazy(_many_members)),
    "billion_laughs": Kind("billion_laughs.xlsx", "xlsx", False, "DOCTYPE", False, _lazy(_billion_laughs)),
    "dtd_utf16": Kind("dtd_utf16.xlsx", "xlsx", False, "DOCTYPE", False, _lazy(_dtd_utf16)),
    "utf7_sheet": Kind("utf7_sheet.xlsx", "xlsx", False, "编码异常", False, _lazy(_utf7_sheet)),
    "xfd_sheet": Kind("xfd_1048576.xlsx", "xlsx", False, "范围过大", False, _lazy(_xfd_sheet)),
    "hidden_far_cell": Kind("hidden_far_cell.xlsx", "xlsx", False, "范围过大", False, _lazy(_hidden_far_cell)),
    "many_rows": Kind("many_rows.xlsx", "xlsx", False, "范围过大", False, _lazy(_many_rows_no_refs)),
    "xls_far_cell": Kind("far_cell.xls", "xls", False, "范围过大", False,
                         _lazy(lambda: xls_bytes({(0, 0): "序号", (30000, 2): 1.0}))),
    # passwords
    "encrypted_xlsx": Kind("encrypted.xlsx", "encrypted", False, "密码", False, _lazy(_encrypted_xlsx)),
    "encrypted_xls": Kind("encrypted.xls", "encrypted", False, "密码", False,
                          _lazy(lambda: xls_bytes(filepass=True, pad_to=5000))),
    "zipcrypto": Kind("zipcrypto.xlsx", "encrypted", False, "密码", False, _lazy(_zipcrypto)),
    # other formats under an Excel name
    "html_xls": Kind("web_page.xls", "html", False, "网页", False, _lazy(_html_xls)),
    "table_xls": Kind("table_only.xls", "html", False, "网页", False,
                      _write("<table><tr><td>序号</td></tr></table>".encode("utf-8"))),
    "xml2003": Kind("excel2003.xls", "html", False, "2003", False, _lazy(_xml2003)),
    "csv_xlsx": Kind("csv_text.xlsx", "csv", False, "CSV", False, _lazy(_csv_utf8)),
    "csv_gbk_xls": Kind("csv_gbk.xls", "csv", False, "CSV", False, _lazy(_csv_gbk)),
    "unicode_text_xls": Kind("unicode_text.xls", "csv", False, "CSV", False, _lazy(_unicode_text)),
    "pdf_xlsx": Kind("scan.xlsx", "pdf", False, "PDF", False, _lazy(_pdf)),
    "docx_xlsx": Kind("word.xlsx", "zip", False, "Word", False, _lazy(_docx)),
    "xlsb": Kind("binary.xlsx", "zip", False, "xlsb", False, _lazy(_xlsb)),
    "ods": Kind("libre.xlsx", "zip", False, "ods", False, _lazy(_ods)),
    "zip_archive": Kind("archive.xlsx", "zip", False, "压缩包", False, _lazy(_zip_of_workbooks)),
    "doc_xls": Kind("word97.xls", "ole", False, "Word", False, _lazy(_doc_ole)),
    "doc_embedding_xls": Kind("word_with_sheet.xls", "ole", False, "Word", False, _lazy(_doc_with_embedded_workbook)),
    "random": Kind("random.xlsx", "unknown", False, "无法识别", False, _lazy(_random_bytes)),
    "plain_text": Kind("notes.xls", "unknown", False, "纯文本", False, _lazy(_plain_text)),
    "png_xlsx": Kind("photo.xlsx", "unknown", False, "图片", False, _lazy(_png)),
    # fine, but worth noting
    "xlsm": Kind("macro.xlsm", "xlsx", True, "", True, _lazy(_xlsm)),
    "valid_xls_small": Kind("small.xls", "xls", True, "", False, _lazy(xls_bytes)),
    "valid_xls_big": Kind("big.xls", "xls", True, "", False,
                          _lazy(lambda: xls_bytes({(r, c): float(r * 10 + c) for r in range(300) for c in range(5)}))),
    "wps_et": Kind("wps.et", "xls", True, "", False, _lazy(lambda: xls_bytes(pad_to=8192))),
    # lock and clutter files
    "owner_file": Kind("~$报送表.xlsx", "temp", False, "", False, _lazy(_owner_file)),
    "lo_lock": Kind(".~lock.报送表.xlsx#", "temp", False, "", False,
                    _write(b"zhangsan,DESKTOP-1,C:/Users/zhangsan,31.03.2025 09:00,file:///C:/Users/zhangsan/AppData;\n")),
    # valid but odd workbooks, for the readers' tests
    "hyperlink_text": Kind("odd_hyperlink_text.xlsx", "xlsx", True, "", False, _lazy(_hyperlink_text)),
    "long_cell": Kind("odd_long_cell.xlsx", "xlsx", True, "", False, _lazy(_long_cell)),
    "date_1904": Kind("odd_date_1904.xlsx", "xlsx", True, "", False, _lazy(_date_1904)),
}

EXPECTED: dict[str, tuple[str, bool, str, bool]] = {
    k.filename: (k.format, k.ok, k.keyword, k.macros) for k in KINDS.values()
}


def build(kind: str, folder: str | Path) -> Path:
    """Write one kind into ``folder``; returns its path."""
    k = KINDS[kind]
    path = Path(folder) / k.filename
    k.build(path)
    return path


def build_all(folder: str | Path) -> dict[str, str]:
    """Write every kind into ``folder``: {filename: expected format, reason key word, or "temp"}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, str] = {}
    for name in KINDS:
        k = KINDS[name]
        build(name, folder)
        if k.format == "temp" or k.ok or not k.keyword or k.format not in ("xlsx", "xls"):
            out[k.filename] = k.format
        else:
            out[k.filename] = k.keyword
    return out
