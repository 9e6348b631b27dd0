"""Zip containers: the central directory's size, what kind of document a zip is, and the
bounded checks of a workbook zip (encryption, compression methods, sizes and ratios,
every XML part scanned by :mod:`sheets.safety.xml_scan`)."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import PurePosixPath

from sheets.safety.limits import CHUNK, MAX_ZIP_CD_BYTES, MAX_ZIP_MEMBERS, RATIO_FLOOR, Limits
from sheets.safety.reasons import (R_ARCHIVE, R_DAMAGED, R_DOCX, R_ENCRYPTED, R_METHOD, R_ODS, R_PPTX, R_STRUCTURE,
                                   R_TRUNCATED, R_XLSB, R_ZIP, ratio_too_high, too_many_members, unzipped_too_big)
from sheets.safety.verdict import Reject, Sniff, bad
from sheets.safety.xml_scan import PFX, XmlScan, unescape

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


def sniff_zip(f, size: int, limits: Limits) -> Sniff:
    try:
        dims = _zip_directory_size(f, size)
        if dims is None:
            return bad("truncated", R_TRUNCATED)
        entries, cd_size = dims
        if entries > MAX_ZIP_MEMBERS or cd_size > MAX_ZIP_CD_BYTES:
            return bad("xlsx" if _mentions(f, b"xl/workbook.xml") else "zip", too_many_members(entries))
        f.seek(0)
        zf = zipfile.ZipFile(f)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, struct.error, OSError):
        return bad("truncated", R_TRUNCATED)
    except Exception:  # any other parse failure of a hostile directory
        return bad("truncated", R_TRUNCATED)
    with zf:
        try:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            if "xl/workbook.xml" not in names:
                return _classify_other_zip(zf, infos, names)
            return _check_workbook_zip(zf, infos, limits)
        except zipfile.BadZipFile:
            return bad("truncated", R_DAMAGED)
        except NotImplementedError:
            return bad("xlsx", R_METHOD)
        except RuntimeError:  # encrypted member, raised by zipfile
            return bad("encrypted", R_ENCRYPTED)
        except Exception:  # zlib.error, EOFError, struct.error, ... on hostile data
            return bad("truncated", R_DAMAGED)


_SPREADSHEET_EXT = (".xlsx", ".xlsm", ".xls", ".et", ".csv", ".xltx", ".ett")


def _classify_other_zip(zf: zipfile.ZipFile, infos, names: set[str]) -> Sniff:
    low = {n.lower() for n in names}
    if "word/document.xml" in low:
        return bad("zip", R_DOCX)
    if "ppt/presentation.xml" in low:
        return bad("zip", R_PPTX)
    if "xl/workbook.bin" in low:
        return bad("zip", R_XLSB)
    if "mimetype" in names:
        info = zf.getinfo("mimetype")
        if info.file_size < 200 and info.compress_size < 400:
            try:
                with zf.open(info) as m:
                    mt = m.read(200)
            except Exception:
                mt = b""
            if b"opendocument.spreadsheet" in mt:
                return bad("zip", R_ODS)
    if any(n.endswith(_SPREADSHEET_EXT) for n in low):
        return bad("zip", R_ARCHIVE)
    return bad("zip", R_ZIP)


# Members never parsed as XML by a spreadsheet reader: not scanned for DOCTYPE
# (an embedded SVG image may legitimately carry one).
_BINARY_PREFIXES = ("xl/media/", "xl/embeddings/", "xl/printersettings/", "xl/activex/", "docprops/thumbnail")
_BINARY_EXT = (
    ".bin", ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff",
    ".ico", ".svg", ".wdp", ".jfif", ".webp",
)
_XML_EXT = (".xml", ".rels", ".vml")


def _is_binary_member(name: str) -> bool:
    low = name.lower()
    return low.startswith(_BINARY_PREFIXES) or low.endswith(_BINARY_EXT)


_REL_RE = re.compile(rb"<" + PFX + rb"""Relationship((?:\s+[^\s=<>/]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*/?>""")
_REL_ATTR_RE = re.compile(rb"""([^\s=<>/]+)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')""")


def _workbook_targets(zf: zipfile.ZipFile, limits: Limits) -> tuple[set[str], set[str]]:
    """(sheet parts, other parts) the workbook relationships point at."""
    name = "xl/_rels/workbook.xml.rels"
    try:
        info = zf.getinfo(name)
    except KeyError:
        return set(), set()
    if info.file_size > 16 * 2**20:
        raise Reject("xlsx", R_STRUCTURE)
    scan = XmlScan(limits, sheet=False)
    parts = []
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(CHUNK)
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
        target = unescape(attrs.get("Target", "")).strip()
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
                raise Reject("encrypted", R_ENCRYPTED)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise Reject("xlsx", R_METHOD)
            declared += info.file_size
            low = info.filename.lower()
            if low.endswith("vbaproject.bin") or low.startswith("xl/macrosheets/"):
                macros = True
        if declared > limits.max_uncompressed_bytes:
            raise Reject("xlsx", unzipped_too_big(declared, limits.max_uncompressed_bytes))
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > limits.max_ratio * max(info.compress_size, 1):
                raise Reject("xlsx", ratio_too_high(limits.max_ratio))

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
            scan = XmlScan(limits, sheet=is_sheet)
            head = b""
            with zf.open(info) as fh:
                while True:
                    chunk = fh.read(CHUNK)
                    budget -= len(chunk)
                    if budget < 0:
                        raise Reject("xlsx", unzipped_too_big(
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
    except Reject as r:
        return bad(r.fmt, r.reason, macros)
    return Sniff("xlsx", True, "", macros)
