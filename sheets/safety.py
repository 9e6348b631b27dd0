"""First look at a returned file: what it really is, and whether it is safe to open.

Units email back whatever their computer produced: real workbooks, but also web pages
renamed to .xls, CSV text, PDFs, Word files, encrypted workbooks, half-copied files,
and now and then something hostile (zip bombs, XML entity bombs, sheets that declare
a million rows so a reader allocates a huge grid).  ``sniff`` looks at the bytes only,
never at the name, reads a bounded amount of memory, and answers with a ``Sniff``:
the format it found, whether a reader may go on, and one Chinese sentence telling the
unit what to do.  It never opens a workbook with a spreadsheet library and never runs
anything in it.

``sniff`` does not raise on any content; it raises ``InputFileError`` only when the
path itself cannot be read (missing, a folder, no permission).
"""

from __future__ import annotations

import codecs
import io
import mmap
import os
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from office.errors import InputFileError

__all__ = [
    "DEFAULT_LIMITS",
    "FORMATS",
    "Limits",
    "Sniff",
    "is_temp_file",
    "sniff",
]

FORMATS = (
    "xlsx", "xls", "encrypted", "html", "csv", "empty", "truncated", "zip", "ole", "pdf", "unknown",
)


@dataclass(frozen=True)
class Sniff:
    """What a file really is.

    ``format`` is one of ``FORMATS``; ``ok`` is True only for an "xlsx" (xlsm too) or
    "xls" (BIFF, WPS .et too) that passed every bounds check.  ``reason`` is "" when ok,
    else one Chinese sentence for the unit.  ``macros`` notes a VBA/XLM project: it is
    never run, the file stays ok.  A file over ``Limits.max_file_bytes`` is not
    looked into: it comes back as "unknown", not ok, with a "too big" reason.
    """

    format: str
    ok: bool
    reason: str
    macros: bool = False


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 2**20
    max_uncompressed_bytes: int = 200 * 2**20  # sum of zip members
    max_ratio: int = 200  # per-member compression ratio cap, members > 1 MiB only
    max_rows: int = 20000
    max_cols: int = 200
    max_cell_chars: int = 32767  # for readers; sniff does not look at cell text


DEFAULT_LIMITS = Limits()

# Fixed caps that are not worth a knob.
_MAX_ZIP_MEMBERS = 10000
_MAX_ZIP_CD_BYTES = 8 * 2**20  # central directory size
_RATIO_FLOOR = 2**20  # ratio is only checked for members bigger than this
_CHUNK = 64 * 1024
_MAX_CARRY = 4 * 2**20  # longest run of sheet XML without a "<" we accept
_HEAD = 64 * 1024  # bytes read for the text/HTML sniff

# --------------------------------------------------------------------------- reasons

R_EMPTY = "文件为空（0 字节），可能没有保存成功，请重新保存后再发送。"
R_TRUNCATED = "文件不完整（可能未下载或复制完），请重新发送完整文件。"
R_DAMAGED = "文件已损坏（内部数据校验失败），无法读取，请在 Excel 中重新保存后再发送。"
R_ENCRYPTED = "文件已加密（设置了打开密码），请取消打开密码后重新报送。"
R_HTML = "文件实为网页（HTML）格式，只是扩展名为 .xls，请在 Excel 中“另存为”.xlsx 后重新报送。"
R_XML2003 = "文件实为 Excel 2003 XML 表格格式，请在 Excel 中“另存为”.xlsx 后重新报送。"
R_CSV = "文件实为 CSV 文本（逗号或制表符分隔），不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_TEXT = "文件是纯文本，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_PDF = "文件是 PDF，无法读取其中的数据，请用报送模板填写后发送 Excel 原文件（.xlsx）。"
R_DOCX = "文件是 Word 文档（.docx），不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_PPTX = "文件是 PowerPoint 演示文稿，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_XLSB = "文件是 Excel 二进制工作簿（.xlsb），请在 Excel 中“另存为”.xlsx 后重新报送。"
R_ODS = "文件是 OpenDocument 表格（.ods），请在 WPS 或 Excel 中“另存为”.xlsx 后重新报送。"
R_ARCHIVE = "文件是压缩包，不是 Excel 工作簿，请解压后直接发送其中的 Excel 文件。"
R_ZIP = "文件是 ZIP 压缩格式的其他文件，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_DOC = "文件是 Word 文档（.doc），不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_PPT = "文件是 PowerPoint 演示文稿（.ppt），不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_MSG = "文件是 Outlook 邮件（.msg），不是 Excel 工作簿，请直接发送其中附带的 Excel 文件。"
R_OLE = "文件是 Word 等其他程序的文件，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_OLD_BIFF = "文件是很旧的 Excel 格式（Excel 4.0 或更早），请在 Excel 中“另存为”.xlsx 后重新报送。"
R_RAR = "文件是 RAR 或 7z 压缩包，不是 Excel 工作簿，请解压后直接发送其中的 Excel 文件。"
R_IMAGE = "文件是图片，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_RTF = "文件是 RTF 文档，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_UNKNOWN = "无法识别的文件格式，不是 Excel 工作簿，请用报送模板填写后保存为 .xlsx 重新报送。"
R_DTD = (
    "文件内含不允许的 XML 声明（DOCTYPE/ENTITY），不是 Excel 正常保存的文件，"
    "请用报送模板重新填写保存后报送。"
)
R_ENCODING = "文件内部编码异常，不是 Excel 正常保存的文件，请在 Excel 中重新保存后报送。"
R_METHOD = "文件使用了 Excel 不会使用的压缩方式，请在 Excel 中重新保存后报送。"
R_BADREF = "文件内部的单元格位置写法异常，不是 Excel 正常保存的文件，请在 Excel 中重新保存后报送。"
R_STRUCTURE = "文件内部结构异常（工作表中有一段超长的无分隔内容），请在 Excel 中重新保存后报送。"


def _r_too_big(size: int, limit: int) -> str:
    return (
        f"文件过大（{size / 2**20:.1f} MB，上限 {limit / 2**20:.0f} MB），不像是报送表，"
        "请删除图片等多余内容后重新保存报送。"
    )


def _r_unzipped_too_big(size: int, limit: int) -> str:
    return (
        f"文件解压后过大（约 {size / 2**20:.0f} MB，上限 {limit / 2**20:.0f} MB），不像是报送表，"
        "请只保留表格内容、在 Excel 中重新保存后报送。"
    )


def _r_ratio(ratio: int) -> str:
    return (
        f"文件中有异常高度压缩的内容（压缩比超过 {ratio} 倍），不像是 Excel 正常保存的文件，"
        "请只保留表格内容、在 Excel 中重新保存后报送。"
    )


def _r_members(n: int) -> str:
    return f"文件内部部件过多（{n} 个，上限 {_MAX_ZIP_MEMBERS} 个），不像是报送表，请只保留表格内容后重新保存。"


def _r_range(what: str, ref: str, limits: Limits) -> str:
    return (
        f"工作表范围过大（{what} {ref}，上限 {limits.max_rows} 行 × {limits.max_cols} 列），"
        "不像是报送表，请删除多余的行列、只保留表格内容后重新保存。"
    )


def _r_count(limits: Limits) -> str:
    return (
        f"工作表范围过大（行数或单元格数超过 {limits.max_rows} 行 × {limits.max_cols} 列），"
        "不像是报送表，请删除多余的行列、只保留表格内容后重新保存。"
    )


# ----------------------------------------------------------------------- temp files

_TEMP_NAMES = {".ds_store", "thumbs.db", "desktop.ini", "ehthumbs.db"}
_TEMP_SUFFIXES = (".tmp", ".temp", ".crdownload", ".part", ".partial", ".download")
_WRL_RE = re.compile(r"^~wrl\d+\.tmp$", re.IGNORECASE)


def is_temp_file(name: str) -> bool:
    """True for lock, temporary and OS clutter files that are never a return.

    ``~$x.xlsx`` (Office owner file), ``.~lock.x.xlsx#`` (LibreOffice/WPS lock),
    ``~WRL1234.tmp``, ``._x.xlsx`` (macOS AppleDouble), ``.DS_Store``, ``Thumbs.db``,
    ``desktop.ini``, and half-downloaded ``.tmp``/``.crdownload``/``.part`` files.
    Only the last path component is looked at; both / and \\ separate.
    """
    base = re.split(r"[\\/]", str(name))[-1].strip()
    low = base.lower()
    if not low:
        return False
    if low.startswith("~$") or low.startswith("._"):
        return True
    if low.startswith(".~lock.") and low.endswith("#"):
        return True
    if low in _TEMP_NAMES or _WRL_RE.match(low):
        return True
    return low.endswith(_TEMP_SUFFIXES)


# ---------------------------------------------------------------------------- sniff

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


def _bad(fmt: str, reason: str, macros: bool = False) -> Sniff:
    return Sniff(fmt, False, reason, macros)


def sniff(path: str | Path, *, limits: Limits = DEFAULT_LIMITS, data: bytes | None = None) -> Sniff:
    """Tell what the file at ``path`` really is, by its bytes.

    ``data``: the file's bytes when the caller has already read them (collect does, to
    hash and archive them); the path is then not opened again and only names the file.

    Never raises on content: any malformed structure becomes a not-ok ``Sniff``.
    Raises ``InputFileError`` when the path cannot be read at all.
    """
    p = Path(path)
    try:
        if data is not None:
            return _sniff_open(io.BytesIO(data), len(data), limits)
        with open(p, "rb") as f:
            return _sniff_open(f, os.fstat(f.fileno()).st_size, limits)
    except IsADirectoryError as e:
        raise InputFileError(f"“{p.name}”是文件夹，不是文件。") from e
    except FileNotFoundError as e:
        raise InputFileError(f"找不到文件“{p.name}”，可能已被移走或删除。") from e
    except PermissionError as e:
        raise InputFileError(f"没有权限读取文件“{p.name}”，请检查文件是否被其他程序占用。") from e
    except OSError as e:
        raise InputFileError(f"无法读取文件“{p.name}”：{e.strerror or e}。") from e


def _sniff_open(f, size: int, limits: Limits) -> Sniff:
    """``sniff`` on an open binary file (or BytesIO) of ``size`` bytes, positioned at 0."""
    if size == 0:
        return _bad("empty", R_EMPTY)
    if size > limits.max_file_bytes:
        return _bad("unknown", _r_too_big(size, limits.max_file_bytes))
    head = f.read(_HEAD)
    if not head:
        return _bad("empty", R_EMPTY)
    if head[:4] in _ZIP_MAGICS:
        return _sniff_zip(f, size, limits)
    if head[:8] == _OLE_MAGIC:
        return _sniff_ole(f, size, limits)
    return _sniff_head(head, complete=size <= len(head), limits=limits)


# ------------------------------------------------------------------------------ zip


def _zip_directory_size(f, size: int) -> tuple[int, int] | None:
    """(number of members, central directory bytes) from the end record, or None."""
    tail_len = min(size, 22 + 65535)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or pos + 22 > len(tail):
        return None
    entries, cd_size = struct.unpack_from("<HI", tail, pos + 10)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc = pos - 20
        if loc >= 0 and tail[loc:loc + 4] == b"PK\x06\x07":
            (z64_off,) = struct.unpack_from("<Q", tail, loc + 8)
            if z64_off + 56 <= size:
                f.seek(z64_off)
                rec = f.read(56)
                if rec[:4] == b"PK\x06\x06":
                    entries, cd_size = struct.unpack_from("<QQ", rec, 32)
    return entries, cd_size


def _mentions(f, needle: bytes) -> bool:
    """Whether the raw bytes of the (size-capped) file contain ``needle``."""
    f.seek(0)
    tail = b""
    while chunk := f.read(2**20):
        if needle in tail + chunk[: len(needle)] or needle in chunk:
            return True
        tail = chunk[-len(needle):]
    return False


def _sniff_zip(f, size: int, limits: Limits) -> Sniff:
    try:
        dims = _zip_directory_size(f, size)
        if dims is None:
            return _bad("truncated", R_TRUNCATED)
        entries, cd_size = dims
        if entries > _MAX_ZIP_MEMBERS or cd_size > _MAX_ZIP_CD_BYTES:
            return _bad("xlsx" if _mentions(f, b"xl/workbook.xml") else "zip", _r_members(entries))
        f.seek(0)
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error, OSError):
        return _bad("truncated", R_TRUNCATED)
    except Exception:  # any other parse failure of a hostile directory
        return _bad("truncated", R_TRUNCATED)
    with zf:
        try:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                return _classify_other_zip(zf, infos, names)
            return _check_workbook_zip(zf, infos, limits)
        except zipfile.BadZipFile:
            return _bad("truncated", R_DAMAGED)
        except NotImplementedError:
            return _bad("xlsx", R_METHOD)
        except RuntimeError:  # encrypted member, raised by zipfile
            return _bad("encrypted", R_ENCRYPTED)
        except Exception:  # zlib.error, EOFError, struct.error, ... on hostile data
            return _bad("truncated", R_DAMAGED)


_SPREADSHEET_EXT = (".xlsx", ".xlsm", ".xls", ".et", ".csv", ".xltx", ".ett")


def _classify_other_zip(zf: zipfile.ZipFile, infos, names: set[str]) -> Sniff:
    low = {n.lower() for n in names}
    if "word/document.xml" in low:
        return _bad("zip", R_DOCX)
    if "ppt/presentation.xml" in low:
        return _bad("zip", R_PPTX)
    if "xl/workbook.bin" in low:
        return _bad("zip", R_XLSB)
    if "mimetype" in names:
        info = zf.getinfo("mimetype")
        if info.file_size < 200 and info.compress_size < 400:
            try:
                with zf.open(info) as m:
                    mt = m.read(200)
            except Exception:
                mt = b""
            if b"opendocument.spreadsheet" in mt:
                return _bad("zip", R_ODS)
    if any(n.endswith(_SPREADSHEET_EXT) for n in low):
        return _bad("zip", R_ARCHIVE)
    return _bad("zip", R_ZIP)


# Members never parsed as XML by a spreadsheet reader: not scanned for DOCTYPE
# (an embedded SVG image may legitimately carry one).
_BINARY_PREFIXES = ("xl/media/", "xl/embeddings/", "xl/printersettings/", "xl/activex/", "docprops/thumbnail")
_BINARY_EXT = (
    ".bin", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff",
    ".ico", ".svg", ".wdp", ".jfif", ".webp",
)
_XML_EXT = (".xml", ".rels", ".vml")

_ATTR = rb"""(?:\s+[^\s=<>/]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*?"""
_PFX = rb"(?:[A-Za-z_][\w.\-]*:)?"
_CELL_R_RE = re.compile(rb"<" + _PFX + rb"c" + _ATTR + rb"""\s+r\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_ROW_R_RE = re.compile(rb"<" + _PFX + rb"row" + _ATTR + rb"""\s+r\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_DIM_RE = re.compile(rb"<" + _PFX + rb"dimension" + _ATTR + rb"""\s+ref\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")
_CELL_TAG_RE = re.compile(rb"<" + _PFX + rb"c[\s/>]")
_ROW_TAG_RE = re.compile(rb"<" + _PFX + rb"row[\s/>]")
# The four patterns above in one pass: a match per <c>/<row> tag (the tag regexes), with
# group 2 = b"r" when its r attribute is there (the *_R_RE regexes) and 3/4 its value.
# Same matches: every match holds exactly one "<" (its start), so findall of any of them
# is "the pattern matched at this '<'"; at one '<' only one prefix reading can be
# followed by c/row and a space, / or >, and the optional r part is the *_R_RE tail.
_TAG_RE = re.compile(
    rb"<" + _PFX + rb"(c|row)(?=[\s/>])(?:" + _ATTR + rb"""\s+(r)\s*=\s*(?:"([^"<]*)"|'([^'<]*)'))?"""
)
_DTD_RE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DTD_TAIL = 16
_DTD16 = [
    s.encode(enc) for s in ("<!DOCTYPE", "<!ENTITY", "<!doctype", "<!entity") for enc in ("utf-16-le", "utf-16-be")
]
_XMLDECL_ENC_RE = re.compile(rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_CHARREF_RE = re.compile(r"&(#x[0-9A-Fa-f]+|#\d+|lt|gt|amp|quot|apos);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _unescape(value: str) -> str:
    def one(m: re.Match) -> str:
        body = m.group(1)
        try:
            if body.startswith("#x"):
                return chr(int(body[2:], 16))
            if body.startswith("#"):
                return chr(int(body[1:]))
        except (ValueError, OverflowError):
            return ""
        return _NAMED.get(body, "")

    return _CHARREF_RE.sub(one, value) if "&" in value else value


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out or "A"


_ASCII_PROBE = bytes(range(0x20, 0x7F)) + b"\t\r\n +ADw- +ACE-"


def _ascii_transparent(codec: str) -> bool:
    """Whether ``codec`` reads ASCII bytes as ASCII (so byte scanning sees the markup)."""
    try:
        return _ASCII_PROBE.decode(codec) == _ASCII_PROBE.decode("ascii")
    except (UnicodeError, LookupError, TypeError, ValueError):
        return False


class _Reject(Exception):
    """Internal: the zip scan found a reason to refuse the file."""

    def __init__(self, fmt: str, reason: str):
        super().__init__(reason)
        self.fmt = fmt
        self.reason = reason


class _XmlScan:
    """Streaming checks on one XML part: no DTD anywhere, and (for sheets) bounds."""

    def __init__(self, limits: Limits, sheet: bool):
        self.limits = limits
        self.sheet = sheet
        self.started = False
        self.need_lt = True
        self.codec: str | None = None
        self.decoder = None
        self.tail = b""
        self.carry = b""
        self.rows = 0
        self.cells = 0

    def _start(self, data: bytes) -> None:
        self.started = True
        if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
            codec = "utf-32"
        elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
            codec = "utf-16"
        elif data.startswith(b"<\x00") and not data.startswith(b"<\x00\x00"):
            codec = "utf-16-le"
        elif data.startswith(b"\x00<"):
            codec = "utf-16-be"
        elif b"\x00" in data[:4]:
            raise _Reject("xlsx", R_ENCODING)
        else:
            codec = None
            m = _XMLDECL_ENC_RE.match(data[:512])
            if m:
                name = m.group(1).decode("ascii")
                try:
                    info = codecs.lookup(name)
                except LookupError:
                    raise _Reject("xlsx", R_ENCODING) from None
                if not info.name.startswith(("utf-16", "utf-32")) and not _ascii_transparent(info.name):
                    raise _Reject("xlsx", R_ENCODING)
        if codec:
            self.codec = codec
            self.decoder = codecs.getincrementaldecoder(codec)(errors="replace")

    def feed(self, data: bytes, final: bool = False) -> None:
        if not self.started:
            if not data and not final:
                return
            self._start(data)
        if self.decoder is not None:
            data = self.decoder.decode(data, final).encode("utf-8")
        if self.need_lt:
            # An XML document starts with "<" (after a BOM and blanks); anything else
            # is an encoding we do not read byte-wise (EBCDIC, ...), or not XML at all.
            stripped = data.lstrip(b" \t\r\n\xef\xbb\xbf")
            if stripped:
                if not stripped.startswith(b"<"):
                    raise _Reject("xlsx", R_ENCODING)
                self.need_lt = False
        window = self.tail + data
        if _DTD_RE.search(window):
            raise _Reject("xlsx", R_DTD)
        self.tail = window[-_DTD_TAIL:]
        if not self.sheet:
            return
        buf = self.carry + data
        cut = len(buf) if final else buf.rfind(b"<")
        if cut <= 0:
            self.carry = buf
        else:
            self._scan(buf[:cut])
            self.carry = buf[cut:]
        if len(self.carry) > _MAX_CARRY:
            raise _Reject("xlsx", R_STRUCTURE)

    def feed_raw_dtd_only(self, data: bytes) -> None:
        window = self.tail + data
        if _DTD_RE.search(window) or any(p in window for p in _DTD16):
            raise _Reject("xlsx", R_DTD)
        self.tail = window[-2 * _DTD_TAIL:]

    def _scan(self, seg: bytes) -> None:
        lim = self.limits
        for dq, sq in _DIM_RE.findall(seg) if b"dimension" in seg else ():
            ref = _ascii_ref(dq or sq, _WEIRD_DIM_RE)
            for part in ref.split(b":"):
                if _refs_too_far(part, lim):
                    raise _Reject("xlsx", _r_range("声明到", _show(part), lim))
        tags = _TAG_RE.findall(seg)  # one pass for _CELL_R_RE, _ROW_R_RE, _CELL_TAG_RE, _ROW_TAG_RE
        cells = [dq or sq for name, r, dq, sq in tags if r and name == b"c"]
        if cells:
            joined = _ascii_ref(b"\n".join(cells), _WEIRD_CELL_RE)
            if _refs_too_far(joined, lim):
                for v in joined.split(b"\n"):  # only now, one by one, for the message
                    if _refs_too_far(v, lim):
                        raise _Reject("xlsx", _r_range("有内容到", _show(v), lim))
        rows = [dq or sq for name, r, dq, sq in tags if r and name == b"row"]
        if rows:
            joined = _ascii_ref(b"\n".join(rows), _WEIRD_ROW_RE)
            if _refs_too_far(joined, lim):
                last = max(int(v) if len(v) < 16 else 10**16 for v in joined.split(b"\n") if v)
                raise _Reject("xlsx", _r_range("有行到", f"第 {min(last, 10**15)} 行", lim))
        # Rows and cells may also come without references (their place is implicit).
        n_rows = [t[0] for t in tags].count(b"row")
        self.rows += n_rows
        self.cells += len(tags) - n_rows
        if self.rows > lim.max_rows or self.cells > lim.max_rows * lim.max_cols:
            raise _Reject("xlsx", _r_count(lim))


_WEIRD_CELL_RE = re.compile(rb"[^A-Za-z0-9\n]")
_WEIRD_ROW_RE = re.compile(rb"[^0-9\n]")
_WEIRD_DIM_RE = re.compile(rb"[^A-Za-z0-9:]")
_LETTERS_RE = re.compile(rb"[A-Za-z]+")
_DIGITS_RE = re.compile(rb"[0-9]+")


def _ascii_ref(raw: bytes, weird: re.Pattern) -> bytes:
    """A cell/row reference as the parsers will read it, or a refusal when it is not plain.

    Readers run int() and \\d on these (both take "１", "1_0", " 1"), so anything but
    ASCII letters and digits would let a far reference slip past the byte checks.
    """
    if b"&" in raw:
        raw = _unescape(raw.decode("utf-8", "replace")).encode("utf-8")
    if weird.search(raw):
        raise _Reject("xlsx", R_BADREF)
    return raw


# bytes.translate tables: every byte that is not a digit (a letter) becomes \n, so
# splitting on \n gives the runs _DIGITS_RE (_LETTERS_RE) finds, plus empty strings.
_ONLY_DIGITS = bytes(b if 0x30 <= b <= 0x39 else 0x0A for b in range(256))
_ONLY_LETTERS = bytes(b if (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A) else 0x0A for b in range(256))


def _refs_too_far(refs: bytes, lim: Limits) -> bool:
    """Whether any row number or column in ``refs`` (plain ASCII) is past the limits."""
    # Distinct runs only (a sheet repeats each row number in every cell of the row);
    # same answer as max() over every _DIGITS_RE / _LETTERS_RE match.
    digits = set(refs.translate(_ONLY_DIGITS).split(b"\n"))
    digits.discard(b"")
    if digits and (max(map(len, digits)) > 9 or max(map(int, digits)) > lim.max_rows):
        return True
    letters_runs = set(refs.translate(_ONLY_LETTERS).split(b"\n"))
    letters_runs.discard(b"")
    for letters in letters_runs:
        if len(letters) > 3 or _col_number(letters.decode("ascii")) > lim.max_cols:
            return True
    return False


def _show(ref: bytes) -> str:
    text = ref.decode("ascii", "replace").upper()
    return text if len(text) <= 24 else text[:24] + "…"


def _is_binary_member(name: str) -> bool:
    low = name.lower()
    return low.startswith(_BINARY_PREFIXES) or low.endswith(_BINARY_EXT)


_REL_RE = re.compile(rb"<" + _PFX + rb"""Relationship((?:\s+[^\s=<>/]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*/?>""")
_REL_ATTR_RE = re.compile(rb"""([^\s=<>/]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")


def _workbook_targets(zf: zipfile.ZipFile, limits: Limits) -> tuple[set[str], set[str]]:
    """(sheet parts, other parts) the workbook relationships point at."""
    name = "xl/_rels/workbook.xml.rels"
    try:
        info = zf.getinfo(name)
    except KeyError:
        return set(), set()
    if info.file_size > 16 * 2**20:
        raise _Reject("xlsx", R_STRUCTURE)
    scan = _XmlScan(limits, sheet=False)
    parts = []
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            scan.feed(chunk, final=not chunk)
            if not chunk:
                break
            parts.append(chunk)
    data = b"".join(parts)
    if scan.codec is not None:
        data = data.decode(scan.codec, "replace").encode("utf-8")
    sheets: set[str] = set()
    others: set[str] = set()
    for m in _REL_RE.finditer(data):
        attrs = {
            k.decode("ascii", "replace"): (v1 or v2).decode("utf-8", "replace")
            for k, v1, v2 in _REL_ATTR_RE.findall(m.group(1))
        }
        target = _unescape(attrs.get("Target", "")).strip()
        if not target or attrs.get("TargetMode", "").lower() == "external":
            continue
        if target.startswith("/"):
            full = target.lstrip("/")
        else:
            full = str(PurePosixPath("xl") / target)
        parts_ = []
        for piece in full.split("/"):
            if piece == "..":
                if parts_:
                    parts_.pop()
            elif piece not in ("", "."):
                parts_.append(piece)
        full = "/".join(parts_)
        rtype = attrs.get("Type", "")
        if rtype.endswith("/worksheet") or rtype.endswith("/dialogsheet") or rtype.endswith("/xlMacrosheet"):
            sheets.add(full)
        elif not rtype.endswith("/vbaProject"):
            others.add(full)
    return sheets, others


def _check_workbook_zip(zf: zipfile.ZipFile, infos, limits: Limits) -> Sniff:
    macros = False
    try:
        declared = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise _Reject("encrypted", R_ENCRYPTED)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise _Reject("xlsx", R_METHOD)
            declared += info.file_size
            low = info.filename.lower()
            if low.endswith("vbaproject.bin") or low.startswith("xl/macrosheets/"):
                macros = True
        if declared > limits.max_uncompressed_bytes:
            raise _Reject("xlsx", _r_unzipped_too_big(declared, limits.max_uncompressed_bytes))
        for info in infos:
            if info.file_size > _RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise _Reject("xlsx", _r_ratio(limits.max_ratio))

        sheet_targets, other_targets = _workbook_targets(zf, limits)
        budget = limits.max_uncompressed_bytes
        for info in infos:
            if info.is_dir():
                continue
            name = info.filename
            low = name.lower()
            is_sheet = name in sheet_targets or (low.startswith("xl/worksheets/") and low.endswith(".xml"))
            xml_like = is_sheet or low.endswith(_XML_EXT)
            # Parts the workbook points at are scanned for a DTD whatever their name.
            binary = not xml_like and name not in other_targets and _is_binary_member(name)
            scan = _XmlScan(limits, sheet=is_sheet)
            head = b""
            with zf.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    budget -= len(chunk)
                    if budget < 0:
                        raise _Reject("xlsx", _r_unzipped_too_big(
                            limits.max_uncompressed_bytes - budget, limits.max_uncompressed_bytes))
                    if xml_like:
                        scan.feed(chunk, final=not chunk)
                    elif not binary:
                        scan.feed_raw_dtd_only(chunk)
                    if name == "[Content_Types].xml" and len(head) < 2**20:
                        head += chunk
                    if not chunk:
                        break
            if head and b"macroEnabled" in head:
                macros = True
    except _Reject as r:
        return _bad(r.fmt, r.reason, macros)
    return Sniff("xlsx", True, "", macros)


# ------------------------------------------------------------------------------ OLE

_FREESECT = 0xFFFFFFFF
_ENDOFCHAIN = 0xFFFFFFFE
_NOSTREAM = 0xFFFFFFFF


class _Malformed(Exception):
    """Internal: the compound file does not hold together."""


@dataclass
class _DirEntry:
    name: str
    kind: int
    left: int
    right: int
    child: int
    start: int
    size: int


class _Cfb:
    """Just enough of [MS-CFB] to list root streams and read one of them."""

    def __init__(self, data) -> None:
        self.data = data
        n = len(data)
        if n < 512:
            raise _Malformed("short header")
        if data[:8] != _OLE_MAGIC:
            raise _Malformed("magic")
        major, byte_order, shift, mini_shift = struct.unpack_from("<HHHH", data, 0x1A)
        if byte_order != 0xFFFE or shift not in (9, 12) or mini_shift != 6:
            raise _Malformed("header")
        self.major = major
        self.ss = 1 << shift
        self.mss = 1 << mini_shift
        (n_fat, first_dir, _sig, cutoff, first_minifat, n_minifat, first_difat, n_difat) = struct.unpack_from(
            "<IIIIIIII", data, 0x2C
        )
        self.cutoff = cutoff
        self.first_minifat = first_minifat
        self.n_minifat = n_minifat
        self.n_sectors = max(0, (n - self.ss + self.ss - 1) // self.ss)
        if n_fat > self.n_sectors or n_fat == 0:
            raise _Malformed("fat count")
        # FAT sector list: 109 in the header, then the DIFAT chain.
        fat_sids = list(struct.unpack_from("<109I", data, 0x4C))
        sid = first_difat
        per = self.ss // 4 - 1
        seen: set[int] = set()
        for _ in range(n_difat):
            if sid in (_ENDOFCHAIN, _FREESECT):
                break
            if sid >= self.n_sectors or sid in seen:
                raise _Malformed("difat")
            seen.add(sid)
            sec = self._sector(sid)
            vals = struct.unpack_from(f"<{per + 1}I", sec)
            fat_sids.extend(vals[:per])
            sid = vals[per]
        fat_sids = fat_sids[:n_fat]
        if len(fat_sids) < n_fat:
            raise _Malformed("fat list")
        fat = bytearray()
        for s in fat_sids:
            if s >= self.n_sectors:
                raise _Malformed("fat sector")
            fat += self._sector(s)
        self.fat = struct.unpack(f"<{len(fat) // 4}I", bytes(fat))
        self.dir_bytes = self._read_chain(first_dir, self.fat, self._sector, self.n_sectors)
        self.n_entries = len(self.dir_bytes) // 128
        if self.n_entries == 0:
            raise _Malformed("no directory")
        self.root = self.entry(0)
        if self.root.kind != 5:
            raise _Malformed("root")
        self._mini = None

    def _sector(self, sid: int) -> bytes:
        off = (sid + 1) * self.ss
        sec = self.data[off:off + self.ss]
        if len(sec) < self.ss:
            if off >= len(self.data):
                raise _Malformed("sector past end")
            sec = bytes(sec) + b"\x00" * (self.ss - len(sec))
        return sec

    def _chain(self, start: int, table, limit: int) -> list[int]:
        chain: list[int] = []
        seen: set[int] = set()
        sid = start
        while sid != _ENDOFCHAIN:
            if sid >= len(table) or sid >= limit or sid in seen:
                raise _Malformed("chain")
            seen.add(sid)
            chain.append(sid)
            sid = table[sid]
        return chain

    def _read_chain(self, start: int, table, reader, limit: int, size: int | None = None) -> bytes:
        if start == _ENDOFCHAIN or (size == 0):
            return b""
        out = bytearray()
        for sid in self._chain(start, table, limit):
            out += reader(sid)
            if size is not None and len(out) >= size:
                break
        if size is not None:
            if len(out) < size:
                raise _Malformed("stream shorter than its size")
            del out[size:]
        return bytes(out)

    def entry(self, i: int) -> _DirEntry:
        if i >= self.n_entries:
            raise _Malformed("directory index")
        raw, off = self.dir_bytes, i * 128
        name_len = struct.unpack_from("<H", raw, off + 64)[0]
        name = ""
        if 2 <= name_len <= 64:
            name = raw[off:off + name_len - 2].decode("utf-16-le", "replace")
        kind = raw[off + 66]
        left, right, child = struct.unpack_from("<III", raw, off + 68)
        start = struct.unpack_from("<I", raw, off + 116)[0]
        size = struct.unpack_from("<Q", raw, off + 120)[0]
        if self.major == 3:
            size &= 0xFFFFFFFF
        return _DirEntry(name, kind, left, right, child, start, size)

    def root_children(self) -> dict[str, _DirEntry]:
        """Streams and storages directly under the root, by upper-cased name."""
        out: dict[str, _DirEntry] = {}
        stack = [self.root.child]
        seen: set[int] = set()
        while stack:
            i = stack.pop()
            if i == _NOSTREAM:
                continue
            if i in seen:
                raise _Malformed("directory loop")
            seen.add(i)
            e = self.entry(i)
            if e.kind in (1, 2):
                out.setdefault(e.name.upper(), e)
            stack.append(e.left)
            stack.append(e.right)
        return out

    def read_stream(self, e: _DirEntry) -> bytes:
        size = min(e.size, len(self.data))
        if size < self.cutoff:
            return self._read_mini(e.start, size)
        return self._read_chain(e.start, self.fat, self._sector, self.n_sectors, size)

    def _read_mini(self, start: int, size: int) -> bytes:
        if self._mini is None:
            root = self.root
            stream = self._read_chain(root.start, self.fat, self._sector, self.n_sectors,
                                      min(root.size, len(self.data)))
            minifat_raw = self._read_chain(self.first_minifat, self.fat, self._sector, self.n_sectors)
            minifat = struct.unpack(f"<{len(minifat_raw) // 4}I", minifat_raw)
            self._mini = (stream, minifat)
        stream, minifat = self._mini
        n_mini = len(stream) // self.mss

        def mini_sector(sid: int) -> bytes:
            return stream[sid * self.mss:(sid + 1) * self.mss]

        return self._read_chain(start, minifat, mini_sector, n_mini, size)


_BOF_TYPES = (0x0809, 0x0409, 0x0209, 0x0009)
_CELL_RECORDS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6}
_MUL_RECORDS = {0x00BD, 0x00BE}


def _check_biff(stream: bytes, limits: Limits) -> Sniff | None:
    """Walk the BIFF records: FILEPASS -> encrypted; cells or DIMENSIONS out of bounds -> refuse.

    None when the stream is fine.
    """
    n = len(stream)
    pos = 0
    stack: list[int] = []  # BOF types of the open substreams (charts nest in sheets)
    globals_done = False
    max_rows, max_cols = limits.max_rows, limits.max_cols
    unpack = struct.unpack_from
    first = True

    def cell_too_far(row0: int, col0: int, what: str) -> Sniff:
        return _bad("xls", _r_range(what, f"{_col_letters(col0 + 1)}{row0 + 1}", limits))

    while pos + 4 <= n:
        rt, ln = unpack("<HH", stream, pos)
        body = pos + 4
        if body + ln > n:
            break
        if first:
            if rt not in _BOF_TYPES or ln < 4:
                return _bad("truncated", R_DAMAGED)
            first = False
        if rt == 0 and ln == 0:
            break  # zero padding at the end of the stream
        sub = stack[-1] if stack else None
        if rt in _BOF_TYPES and ln >= 4:
            stack.append(unpack("<H", stream, body + 2)[0])
        elif rt == 0x000A:  # EOF
            if stack and stack.pop() == 0x0005:
                globals_done = True
        elif rt == 0x002F and not globals_done:
            return _bad("encrypted", R_ENCRYPTED)
        elif sub in (0x0010, 0x0040):
            if rt in _CELL_RECORDS and ln >= 4:
                row, col = unpack("<HH", stream, body)
                if row >= max_rows or col >= max_cols:
                    return cell_too_far(row, col, "有内容到")
            elif rt in _MUL_RECORDS and ln >= 6:
                row = unpack("<H", stream, body)[0]
                last = unpack("<H", stream, body + ln - 2)[0]
                if row >= max_rows or last >= max_cols:
                    return cell_too_far(row, last, "有内容到")
            elif rt == 0x0208 and ln >= 2:  # ROW
                row = unpack("<H", stream, body)[0]
                if row >= max_rows:
                    return _bad("xls", _r_range("有行到", f"第 {row + 1} 行", limits))
            elif rt == 0x0200:  # DIMENSIONS: the last row/col are exclusive
                if ln >= 14:
                    _r0, row_end, _c0, col_end = unpack("<IIHH", stream, body)
                elif ln >= 10:
                    _r0, row_end, _c0, col_end = unpack("<HHHH", stream, body)
                else:
                    row_end = col_end = 0
                if row_end > max_rows or col_end > max_cols:
                    return cell_too_far(max(row_end, 1) - 1, max(col_end, 1) - 1, "声明到")
        pos = body + ln
    if first:
        return _bad("truncated", R_DAMAGED)
    return None


def _sniff_ole(f, size: int, limits: Limits) -> Sniff:
    if size < 512:
        return _bad("truncated", R_TRUNCATED)
    try:
        data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (ValueError, OSError):  # no mmap here: the file is bounded, read it
        f.seek(0)
        return _sniff_ole_data(f.read(), limits)
    with data:
        return _sniff_ole_data(data, limits)


def _sniff_ole_data(data, limits: Limits) -> Sniff:
    try:
        cfb = _Cfb(data)
        top = cfb.root_children()
        if "ENCRYPTIONINFO" in top or "ENCRYPTEDPACKAGE" in top:
            return _bad("encrypted", R_ENCRYPTED)
        book = top.get("WORKBOOK") or top.get("BOOK")
        if book is not None and book.kind == 2:
            macros = "_VBA_PROJECT_CUR" in top
            stream = cfb.read_stream(book)
            verdict = _check_biff(stream, limits)
            if verdict is not None:
                return Sniff(verdict.format, False, verdict.reason, macros)
            return Sniff("xls", True, "", macros)
    except (_Malformed, struct.error, IndexError, ValueError, OverflowError, MemoryError):
        return _bad("truncated", R_TRUNCATED)
    if "WORDDOCUMENT" in top:
        return _bad("ole", R_DOC)
    if "POWERPOINT DOCUMENT" in top:
        return _bad("ole", R_PPT)
    if any(k.startswith("__SUBSTG1.0_") or k == "__PROPERTIES_VERSION1.0" for k in top):
        return _bad("ole", R_MSG)
    return _bad("ole", R_OLE)


# ------------------------------------------------------------------ text, HTML, rest

_HTML_STARTS = (
    "<html", "<!doctype html", "<table", "<head", "<meta", "<body", "<style", "<title", "<div",
)
_OFFICE_NS = "urn:schemas-microsoft-com:office"
_TEXT_BAD_CTRL = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f]")


def _decode_head(head: bytes, complete: bool) -> str | None:
    """The head as text if it is text (UTF-8/16 with BOM, UTF-8, GBK), else None."""
    if head.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8", head[3:])]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", head)]
    else:
        if b"\x00" in head:
            return None
        candidates = [("utf-8", head), ("gb18030", head)]
    for codec, data in candidates:
        try:
            text = codecs.getincrementaldecoder(codec)("strict").decode(data, complete)
        except UnicodeDecodeError:
            continue
        if _TEXT_BAD_CTRL.search(text):
            return None
        return text
    return None


def _looks_like_csv(text: str) -> bool:
    lines = [ln for ln in text.splitlines()[:50] if ln.strip()]
    if len(lines) < 2:
        return False
    with_delim = sum(1 for ln in lines if ("," in ln or "\t" in ln or ";" in ln))
    return with_delim >= 2 and with_delim * 2 >= len(lines)


def _sniff_head(head: bytes, *, complete: bool, limits: Limits) -> Sniff:
    if head.lstrip()[:5] == b"%PDF-" or b"%PDF-" in head[:1024]:
        return _bad("pdf", R_PDF)
    # Raw BIFF2-4 worksheets, no OLE container (Excel 4.0 and older).
    if len(head) >= 8 and struct.unpack_from("<H", head, 0)[0] in _BOF_TYPES:
        ln = struct.unpack_from("<H", head, 2)[0]
        if 4 <= ln <= 20:
            return _bad("xls", R_OLD_BIFF)
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head.startswith((b"GIF87a", b"GIF89a")):
        return _bad("unknown", R_IMAGE)
    if head.startswith((b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")):
        return _bad("unknown", R_RAR)
    if head.startswith(b"\x1f\x8b"):
        return _bad("unknown", R_ARCHIVE)
    if head.startswith(b"{\\rtf"):
        return _bad("unknown", R_RTF)

    text = _decode_head(head, complete)
    probe = text
    if probe is None:
        probe = head.decode("latin-1")
    low = probe.lstrip("\ufeff \t\r\n\x0b\x0c\x00").lower()
    if low.startswith(_HTML_STARTS):
        return _bad("html", R_HTML)
    if low.startswith("<?xml") or low.startswith("<!--"):
        window = low[:8192]
        if "urn:schemas-microsoft-com:office:spreadsheet" in window:
            return _bad("html", R_XML2003)
        if _OFFICE_NS in window or "<html" in window:
            return _bad("html", R_HTML)
    if text is None:
        return _bad("unknown", R_UNKNOWN)
    if _looks_like_csv(text):
        return _bad("csv", R_CSV)
    return _bad("unknown", R_TEXT)
