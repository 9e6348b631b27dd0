"""Mail messages as returned by units: who sent them, when, and the workbooks they carry.

``read_message(raw)`` takes the bytes of one message (as fetched over IMAP, or a .eml file
saved by hand) and gives its sender, subject, Message-ID, the time in its topmost
``Received:`` header (the office's server) and its ``Date:``, and every workbook attached
to it: directly, inside .zip files, and inside forwarded messages (message/rfc822 parts or
attached .eml files), to a bounded depth and count. Nothing here trusts the message:

- attachment names are decoded (RFC 2047 words, RFC 2231 parameters, raw 8-bit GBK or UTF-8,
  zip members without the UTF-8 flag) and sanitised (no folder parts, no control characters);
- a GB2312 or GBK label is read as GB18030 (a superset: names often use GBK-only characters);
- sizes, counts and nesting are limited; what is left out is listed with a reason, never raised.

Times are returned as the message states them (aware); callers convert them with
office.clock.to_office_local.
"""

from __future__ import annotations

import email
import email.header
import email.message
import email.policy
import email.utils
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePosixPath

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".et")
ARCHIVE_SUFFIXES = (".zip",)
MESSAGE_SUFFIXES = (".eml",)
OTHER_ARCHIVES = (".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz")
# Workbook types a mailer may send without a file name
WORKBOOK_TYPES = {
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/kset": ".et",
}
# Labels of Chinese charsets read as the superset GB18030
_CHARSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030",
             "gb_2312-80": "gb18030", "csgb2312": "gb18030", "windows-936": "gb18030", "hz-gb-2312": "hz",
             "utf8": "utf-8", "unknown-8bit": "", "x-unknown": "", "us-ascii": "utf-8", "ascii": "utf-8"}
_BAD_IN_NAMES = re.compile(r'[<>:"|?*]')
MAX_NAME = 120  # characters of a sanitised file name


@dataclass(frozen=True)
class Limits:
    """Bounds on what one message may make us read."""

    max_bytes: int = 25 * 1024 * 1024  # the message itself
    max_attachments: int = 30  # workbooks taken from one message
    max_depth: int = 3  # zip files and forwarded messages inside one another
    max_member_bytes: int = 50 * 1024 * 1024  # one file unpacked from a zip
    max_zip_members: int = 500  # entries of one zip looked at


@dataclass(frozen=True)
class Attachment:
    """One workbook taken from a message."""

    name: str  # sanitised file name
    data: bytes
    where: str  # how it was found: "附件", "压缩包“x.zip”", "转发邮件“主题”", joined with " › "
    senders: tuple[str, ...] = ()  # From addresses of the forwarded messages around it (innermost last)


@dataclass(frozen=True)
class Skipped:
    """A part that was not taken, and why (in Chinese, for the clerk)."""

    name: str
    reason: str


@dataclass
class MailMessage:
    message_id: str = ""
    sender: str = ""  # From address, lower case
    sender_name: str = ""
    subject: str = ""
    date: datetime | None = None  # Date: header (aware)
    received: datetime | None = None  # topmost Received: header (aware)
    attachments: list[Attachment] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    refused: str = ""  # the whole message was not read: why


# ---------------------------------------------------------------------------- text


def _charset(label: str | None) -> str:
    label = (label or "").strip().lower()
    return _CHARSETS.get(label, label)


def _decode_bytes(data: bytes, label: str | None = None) -> str:
    """Bytes of a name or header in ``label``'s charset; without one (or a wrong one), UTF-8 then GB18030."""
    tried: list[str] = []
    for cs in (_charset(label), "utf-8", "gb18030"):
        if not cs or cs in tried:
            continue
        tried.append(cs)
        try:
            return data.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", errors="replace")


def _unescape_8bit(text: str) -> str:
    """A header read with surrogate escapes (raw 8-bit bytes, e.g. GBK without encoding) as text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return _decode_bytes(text.encode("utf-8", "surrogateescape"))


def decode_words(value: object) -> str:
    """A header value as text: RFC 2047 encoded words decoded (GBK labels read as GB18030), raw
    8-bit bytes read as UTF-8 or GB18030."""
    if value is None:
        return ""
    text = _unescape_8bit(str(value))
    if "=?" not in text:
        return text
    try:
        parts = email.header.decode_header(text)
    except (ValueError, email.errors.HeaderParseError):
        return text
    out = []
    for chunk, cs in parts:
        out.append(_decode_bytes(chunk, cs) if isinstance(chunk, bytes) else chunk)
    return "".join(out)


def safe_name(name: str, fallback: str = "附件") -> str:
    """A file name safe to write in the inbox: its last path part only, no control or format
    characters, none of <>:"|?*, no leading dots, tilde-dollar or spaces, at most MAX_NAME characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(" " if ch in "\t\r\n" else ch for ch in name
                   if ch in "\t\r\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    name = _BAD_IN_NAMES.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip()
    while name.startswith((".", "~$", "~", " ")):
        name = name[2:] if name.startswith("~$") else name[1:]
    name = name.rstrip(" .")
    if not name:
        name = fallback
    if len(name) > MAX_NAME:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 10 else ""
        name = name[:MAX_NAME - len(suffix)].rstrip(" .") + suffix
    return name


def part_filename(part: email.message.Message) -> str:
    """The file name a part declares (Content-Disposition filename, else Content-Type name), decoded."""
    for param, header in (("filename", "content-disposition"), ("name", "content-type")):
        raw = next((v for k, v in part.raw_items() if k.lower() == header), None)
        if raw is None:
            continue
        probe = email.message.Message()  # the raw header, 8-bit bytes read as text first
        probe[header] = _unescape_8bit(str(raw))
        try:
            value = probe.get_param(param, None, header)
        except (ValueError, IndexError, TypeError):
            value = None
        if value is None:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, text of the percent-decoded bytes)
            charset, _, text = value
            try:
                raw = text.encode("latin-1", "surrogateescape")
            except UnicodeEncodeError:
                return decode_words(text)
            return decode_words(_decode_bytes(raw, charset))
        return decode_words(value)
    return ""


# ---------------------------------------------------------------------------- headers


def _header(msg: email.message.Message, name: str) -> str:
    """The first ``name`` header, decoded; raw items keep 8-bit bytes recoverable."""
    for key, value in msg.raw_items():
        if key.lower() == name.lower():
            return decode_words(value).strip()
    return ""


def parse_time(text: str) -> datetime | None:
    """An RFC 5322 date (as in Date: and Received:), aware; "-0000" (zone unknown) is read as UTC."""
    text = " ".join((text or "").split())
    if not text:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt


def received_time(msg: email.message.Message) -> datetime | None:
    """The time in the topmost Received: header (stamped by the last server, the office's own)."""
    for key, value in msg.raw_items():
        if key.lower() == "received":
            text = _unescape_8bit(str(value))
            return parse_time(text.rsplit(";", 1)[-1]) if ";" in text else None
    return None


def _address(msg: email.message.Message) -> tuple[str, str]:
    name, addr = email.utils.parseaddr(_header(msg, "from"))
    return name.strip(), addr.strip().lower()


# ---------------------------------------------------------------------------- walking


class _Walk:
    def __init__(self, limits: Limits):
        self.limits = limits
        self.attachments: list[Attachment] = []
        self.skipped: list[Skipped] = []
        self.count = 0  # parts given a number for a name

    def skip(self, name: str, reason: str) -> None:
        self.skipped.append(Skipped(name, reason))

    def take(self, name: str, data: bytes, where: str, senders: tuple[str, ...]) -> None:
        if len(self.attachments) >= self.limits.max_attachments:
            self.skip(name, f"一封邮件最多取 {self.limits.max_attachments} 个表格文件（[mail.imap] max_attachments），其余未收取。")
            return
        if not data:
            self.skip(name, "附件是空文件，未收取。")
            return
        self.attachments.append(Attachment(name, data, where or "附件", senders))

    def file(self, name: str, data: bytes, where: str, depth: int, senders: tuple[str, ...]) -> None:
        """One file found in a message or a zip: a workbook, a zip, a message, or something else."""
        lower = name.lower()
        if lower.endswith(WORKBOOK_SUFFIXES):
            self.take(name, data, where, senders)
        elif lower.endswith(ARCHIVE_SUFFIXES):
            self.zip(name, data, where, depth + 1, senders)
        elif lower.endswith(MESSAGE_SUFFIXES):
            self.message(email.message_from_bytes(data, policy=email.policy.compat32), name, where, depth + 1, senders)
        elif lower.endswith(OTHER_ARCHIVES):
            self.skip(name, "压缩包格式不支持（只能解开 .zip），其中的表格未收取。请单位直接附上表格，或用 zip 压缩。")
        else:
            self.skip(name, "不是表格文件（.xlsx .xlsm .xls .et），未收取。")

    def zip(self, name: str, data: bytes, where: str, depth: int, senders: tuple[str, ...]) -> None:
        here = f"{where} › 压缩包“{name}”" if where else f"压缩包“{name}”"
        if depth > self.limits.max_depth:
            self.skip(name, f"压缩包和转发邮件嵌套超过 {self.limits.max_depth} 层（[mail.imap] max_depth），未解开。")
            return
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
            self.skip(name, "压缩包已损坏，无法解开。")
            return
        if len(infos) > self.limits.max_zip_members:
            self.skip(name, f"压缩包中有 {len(infos)} 个文件，超过 {self.limits.max_zip_members} 个，未解开。")
            return
        for info in infos:
            if info.is_dir():
                continue
            member = safe_name(zip_member_name(info), "压缩包中的文件")
            if not member.lower().endswith(WORKBOOK_SUFFIXES + ARCHIVE_SUFFIXES + MESSAGE_SUFFIXES):
                self.skip(member, f"{here}中的文件不是表格文件，未收取。")
                continue
            if info.flag_bits & 0x1:
                self.skip(member, f"{here}设有密码，无法解开。请单位去掉密码后重新发送。")
                continue
            if info.file_size > self.limits.max_member_bytes:
                self.skip(member, f"{here}中的这个文件解压后有 {info.file_size // 1048576} MB，超过上限，未收取。")
                continue
            try:
                with zf.open(info) as fh:
                    got = fh.read(self.limits.max_member_bytes + 1)
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
                self.skip(member, f"{here}中的这个文件已损坏，无法解开。")
                continue
            if len(got) > self.limits.max_member_bytes:
                self.skip(member, f"{here}中的这个文件解压后超过上限，未收取。")
                continue
            self.file(member, got, here, depth, senders)

    def message(self, msg: email.message.Message, name: str, where: str, depth: int, senders: tuple[str, ...]) -> None:
        """A message's parts; ``depth`` 0 is the message itself, 1 a message forwarded in it, ..."""
        if depth > 0:
            subject = _header(msg, "subject")
            label = f"转发邮件“{subject or name or '（无主题）'}”"
            where = f"{where} › {label}" if where else label
            if depth > self.limits.max_depth:
                self.skip(name or subject or "转发邮件", f"压缩包和转发邮件嵌套超过 {self.limits.max_depth} 层（[mail.imap] max_depth），未打开。")
                return
            inner = _address(msg)[1]
            if inner:
                senders = (*senders, inner)
        self.parts(msg, where, depth, senders)

    def parts(self, msg: email.message.Message, where: str, depth: int, senders: tuple[str, ...]) -> None:
        ctype = msg.get_content_type()
        if ctype == "message/rfc822" or (msg.is_multipart() and ctype.startswith("message/")):
            payload = msg.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, email.message.Message):
                self.message(inner, part_filename(msg), where, depth + 1, senders)
            return
        if msg.is_multipart():
            payload = msg.get_payload()
            for sub in payload if isinstance(payload, list) else ():
                if isinstance(sub, email.message.Message):
                    self.parts(sub, where, depth, senders)
            return
        raw_name = part_filename(msg)
        disposition = (msg.get_content_disposition() or "").lower()
        if not raw_name:
            suffix = WORKBOOK_TYPES.get(ctype)
            if suffix is None:
                return  # body text, inline images, signatures
            self.count += 1
            raw_name = f"附件{self.count}{suffix}"
        elif disposition == "inline" and ctype.startswith("image/"):
            return
        name = safe_name(raw_name)
        if not name.lower().endswith(WORKBOOK_SUFFIXES + ARCHIVE_SUFFIXES + MESSAGE_SUFFIXES + OTHER_ARCHIVES):
            self.skip(name, "不是表格文件（.xlsx .xlsm .xls .et），未收取。")
            return
        try:
            data = msg.get_payload(decode=True) or b""
        except (ValueError, TypeError, LookupError):
            self.skip(name, "附件编码损坏，无法解出。")
            return
        self.file(name, data, where, depth, senders)


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A zip entry's name: UTF-8 when flagged so, else the bytes as written (GBK on Chinese Windows)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    return _decode_bytes(raw)


def read_message(raw: bytes, limits: Limits | None = None) -> MailMessage:
    """Parse one message (bytes as received). Never raises on what the message holds."""
    limits = limits or Limits()
    out = MailMessage()
    if len(raw) > limits.max_bytes:
        out.refused = (f"邮件大小 {len(raw) / 1048576:.1f} MB，超过上限 {limits.max_bytes / 1048576:g} MB"
                       "（[mail.imap] max_message_mb），未读取。")
        return out
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception as exc:  # noqa: BLE001 - a message that breaks the parser is recorded, not raised
        out.refused = f"邮件无法解析（{type(exc).__name__}）。"
        return out
    out.message_id = _header(msg, "message-id")
    out.sender_name, out.sender = _address(msg)
    out.subject = _header(msg, "subject")
    out.date = parse_time(_header(msg, "date"))
    out.received = received_time(msg)
    walk = _Walk(limits)
    try:
        walk.message(msg, "", "", 0, ())
    except RecursionError:
        walk.skip("（邮件结构）", "邮件结构嵌套过深，其余部分未读取。")
    out.attachments, out.skipped = walk.attachments, walk.skipped
    return out
