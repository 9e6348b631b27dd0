"""Files dropped on the 收件 page: bounded, written atomically into inbox/, then collected.

Nothing here judges a workbook: collect does that, with the same checks as for any file
put into inbox/. This module only bounds what it accepts (count, size, a .zip's members),
keeps each file's name readable and harmless, and writes the bytes atomically into a
folder of its own under ``inbox/网页上传/`` so that the page can show each file's verdict.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Iterable

from office.atomic import write_bytes
from sheets.safety import DEFAULT_LIMITS, is_temp_file

UPLOAD_FOLDER = "网页上传"
MAX_FILES = 100  # per upload, members of a .zip included
MAX_FILE_BYTES = DEFAULT_LIMITS.max_file_bytes  # what collect itself would look into
MAX_TOTAL_BYTES = 200 * 2**20  # per upload, after unpacking .zip files
MAX_REQUEST_BYTES = 120 * 2**20  # the whole request, as sent
MAX_ZIP_RATIO = DEFAULT_LIMITS.max_ratio
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


@dataclass
class Saved:
    """One uploaded file (or .zip member) and what became of it before collect."""

    name: str  # as the user sent it (the member's name for a .zip)
    rel: str = ""  # where it was written, relative to inbox/ ("" when refused here)
    reason: str = ""  # why it was refused here
    source: str = ""  # the .zip it came from


@dataclass
class Batch:
    folder: Path | None = None
    files: list[Saved] = field(default_factory=list)

    @property
    def written(self) -> list[Saved]:
        return [f for f in self.files if f.rel]


def clean_name(name: str) -> str:
    """A file name safe to write: the last part of any path, no control or reserved
    characters, no leading dots; Chinese kept as it is."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = _UNSAFE.sub("_", base).strip().lstrip(".").strip()
    if len(base.encode("utf-8")) > 200:
        stem, dot, ext = base.rpartition(".")
        keep = stem if dot else base
        while len((keep + dot + ext).encode("utf-8")) > 200:
            keep = keep[:-1]
        base = keep + dot + ext if dot else keep
    return base or "上传文件"


def _member_name(info: zipfile.ZipInfo) -> str:
    """A .zip member's name: Windows zip tools write GBK names without the UTF-8 flag."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _is_plain_zip(data: bytes) -> bool:
    """A .zip archive that is not itself a workbook (an .xlsx is a zip too)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" not in names


def _unzip(data: bytes, source: str) -> Iterable[tuple[Saved, bytes | None]]:
    """The members of an uploaded .zip, each with its bytes or a reason it is refused."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        yield Saved(source, reason="压缩包已损坏，无法解开。"), None
        return
    with z:
        members = [i for i in z.infolist() if not i.is_dir()]
        if len(members) > MAX_FILES:
            yield Saved(source, reason=f"压缩包中有 {len(members)} 个文件，一次最多 {MAX_FILES} 个，请分批上传。"), None
            return
        for info in members:
            name = _member_name(info)
            base = clean_name(name)
            saved = Saved(name, source=source)
            if is_temp_file(base) or base.startswith("__MACOSX") or "/__MACOSX/" in "/" + name:
                continue
            if info.flag_bits & 0x1:
                saved.reason = "压缩包中的文件已加密，无法解开，请直接上传其中的 Excel 文件。"
                yield saved, None
                continue
            if info.file_size > MAX_FILE_BYTES:
                saved.reason = f"文件超过 {MAX_FILE_BYTES // 2**20} MB，未接收。"
                yield saved, None
                continue
            if info.file_size > 2**20 and info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                saved.reason = "压缩比异常（可能是压缩炸弹），未解开。"
                yield saved, None
                continue
            try:
                with z.open(info) as fh:
                    body = fh.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
                saved.reason = "压缩包中的这个文件无法解开（可能已损坏或使用了不支持的压缩方式）。"
                yield saved, None
                continue
            if len(body) > MAX_FILE_BYTES:
                saved.reason = f"文件超过 {MAX_FILE_BYTES // 2**20} MB，未接收。"
                yield saved, None
                continue
            yield saved, body


def _free(folder: Path, name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate, n = name, 2
    while candidate in taken or (folder / candidate).exists():
        candidate = f"{stem}（{n}）{dot}{ext}"
        n += 1
    taken.add(candidate)
    return candidate


def save_uploads(inbox: Path, uploads: list[tuple[str, BinaryIO]], now: datetime, settle_seconds: float) -> Batch:
    """Write the uploaded files (a .zip unpacked) into a new folder under ``inbox/网页上传/``.

    Each file is written atomically (collect never sees half a file) and dated back past
    ``settle_seconds``, collect's wait for files still being copied: it is complete."""
    batch = Batch()
    pending: list[tuple[Saved, bytes]] = []
    total = 0
    count = 0
    for name, stream in uploads:
        if not name:
            continue
        body = stream.read(MAX_FILE_BYTES + 1)
        if len(body) > MAX_FILE_BYTES:
            batch.files.append(Saved(name, reason=f"文件超过 {MAX_FILE_BYTES // 2**20} MB，未接收。"))
            continue
        items: Iterable[tuple[Saved, bytes | None]]
        if name.lower().endswith(".zip") and _is_plain_zip(body):
            items = _unzip(body, name)
        else:
            items = [(Saved(name), body)]
        for saved, data in items:
            batch.files.append(saved)
            if data is None:
                continue
            count += 1
            total += len(data)
            if count > MAX_FILES:
                saved.reason = f"一次最多上传 {MAX_FILES} 个文件，这个文件未接收，请分批上传。"
                continue
            if total > MAX_TOTAL_BYTES:
                saved.reason = f"本次上传的文件合计超过 {MAX_TOTAL_BYTES // 2**20} MB，这个文件未接收，请分批上传。"
                continue
            pending.append((saved, data))
    if not pending:
        return batch
    folder = inbox / UPLOAD_FOLDER / f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    folder.mkdir(parents=True, exist_ok=False)
    batch.folder = folder
    taken: set[str] = set()
    past = time.time() - max(settle_seconds, 0) - 1
    for saved, data in pending:
        target = folder / _free(folder, clean_name(saved.name), taken)
        write_bytes(target, data)
        os.utime(target, (past, past))
        saved.rel = target.relative_to(inbox).as_posix()
    return batch
