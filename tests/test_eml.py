"""Reading mail (sheets/mail.py), office time (office/clock.py) and the [mail.imap] / [office]
timezone settings: names as Chinese mail clients really write them, bounds, odd messages."""

from __future__ import annotations

import base64
import io
import urllib.parse
import zipfile
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from zoneinfo import ZoneInfo

import pytest

from office.clock import to_office_local, utc_as_office_local
from office.errors import ConfigError
from office.settings import load_settings, render_config
from sheets.mail import Limits, decode_words, read_message, safe_name
from smtp_server import set_config

XLSX = b"PK\x03\x04" + b"workbook bytes " * 20  # what the parser sees is bytes; the format is collect's business
SHANGHAI = ZoneInfo("Asia/Shanghai")


def mime(parts: list[bytes], headers: bytes = b"From: =?GBK?B?" + base64.b64encode("区商务局".encode("gbk")) + b"?= <sw@example.org>\r\n") -> bytes:
    """A multipart message assembled by hand, as a client that does not follow the RFCs writes it."""
    out = headers + b"Subject: test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"
    out += b"--BB\r\nContent-Type: text/plain; charset=GBK\r\n\r\n" + "见附件".encode("gbk") + b"\r\n"
    for p in parts:
        out += b"--BB\r\n" + p + b"\r\n"
    return out + b"--BB--\r\n"


def part(disposition: bytes, data: bytes = XLSX, ctype: bytes = b"application/octet-stream") -> bytes:
    return (b"Content-Type: " + ctype + b"\r\nContent-Disposition: " + disposition + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(data))


def names(raw: bytes, **limits) -> list[str]:
    return [a.name for a in read_message(raw, Limits(**limits) if limits else None).attachments]


# ---------------------------------------------------------------------------- names


def test_gbk_names_in_every_encoding_clients_use():
    want = "区测试局3月落实情况表（喆）.xlsx"  # 喆 is in GBK, not in GB2312
    gbk = want.encode("gbk")
    raw = mime([
        part(b"attachment; filename*=GBK''" + urllib.parse.quote(gbk).encode()),  # RFC 2231
        part(b"attachment; filename*0*=gbk''" + urllib.parse.quote(gbk[:10]).encode()  # RFC 2231, continued
             + b";\r\n filename*1*=" + urllib.parse.quote(gbk[10:]).encode()),
        part(b'attachment; filename="=?gb2312?B?' + base64.b64encode(gbk) + b'?="'),  # RFC 2047 labelled GB2312, really GBK
        part(b'attachment; filename="' + gbk + b'"'),  # raw 8-bit GBK bytes
        part(b'attachment; filename="' + want.encode("utf-8") + b'"'),  # raw 8-bit UTF-8
        part(b"attachment", ctype=b'application/vnd.ms-excel; name="=?GB18030?Q?'
             + "".join(f"={b:02X}" for b in gbk).encode() + b'?="'),  # only Content-Type name, quoted-printable words
    ])
    msg = read_message(raw)
    assert [a.name for a in msg.attachments] == [want] * 6
    assert msg.sender == "sw@example.org" and msg.sender_name == "区商务局"


def test_zip_members_named_in_gbk_or_utf8():
    raw_gbk = "区商务局3月落实情况表.xlsx".encode("gbk")
    placeholder = b"q" * len(raw_gbk)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(placeholder.decode(), XLSX + b"1")  # renamed to the GBK bytes below: no UTF-8 flag
        zf.writestr("文件夹/区财政局.xls", XLSX + b"2")  # Python writes UTF-8 with the flag
        zf.writestr("说明.docx", b"not a workbook")
    data = buf.getvalue().replace(placeholder, raw_gbk)
    m = EmailMessage()
    m["From"] = "a@example.org"
    m.set_content("x")
    m.add_attachment(data, maintype="application", subtype="zip", filename="附件.zip")
    msg = read_message(m.as_bytes(policy=SMTP))
    got = [(a.name, a.where) for a in msg.attachments]
    assert got[0] == ("区商务局3月落实情况表.xlsx", "压缩包“附件.zip”")
    assert got[1] == ("区财政局.xls", "压缩包“附件.zip”")  # folder parts dropped
    assert [s.name for s in msg.skipped] == ["说明.docx"]


def test_names_are_sanitised():
    assert safe_name("..\\..\\windows\\system32\\evil.xlsx") == "evil.xlsx"
    assert safe_name("../../etc/passwd.xlsx") == "passwd.xlsx"
    assert safe_name("a\x00b\x1fc\u202e.xlsx") == "abc.xlsx"  # control and bidi override characters
    assert safe_name('报表<1>:"?*|.xlsx') == "报表_1______.xlsx"
    assert safe_name("~$临时.xlsx") == "临时.xlsx" and safe_name(".hidden.xlsx") == "hidden.xlsx"
    assert safe_name("   ") == "附件" and safe_name("") == "附件"
    long = "很长" * 200 + ".xlsx"
    assert len(safe_name(long)) <= 120 and safe_name(long).endswith(".xlsx")
    assert safe_name("a\r\nb.xlsx") == "a b.xlsx"


def test_decode_words_reads_mislabelled_and_raw_headers():
    assert decode_words("=?gb2312?B?" + base64.b64encode("喆".encode("gbk")).decode() + "?=") == "喆"
    assert decode_words("=?utf-8?q?=E5=8C=BA?= =?utf-8?q?=E5=95=86?=") == "区商"
    assert decode_words("plain") == "plain"
    assert decode_words("=?unknown-charset?B?" + base64.b64encode("区".encode("utf-8")).decode() + "?=") == "区"


# ---------------------------------------------------------------------------- structure and bounds


def test_forwarded_messages_and_attached_eml_files_are_opened():
    inner = EmailMessage()
    inner["From"] = "Unit <unit@example.org>"
    inner["Subject"] = "原邮件"
    inner.set_content("x")
    inner.add_attachment(XLSX, maintype="application", subtype="octet-stream", filename="原表.xlsx")
    outer = EmailMessage()
    outer["From"] = "clerk@example.org"
    outer["Subject"] = "转发"
    outer.set_content("见转发")
    outer.add_attachment(inner)  # message/rfc822
    outer.add_attachment(inner.as_bytes(), maintype="application", subtype="octet-stream", filename="另存的.eml")
    msg = read_message(outer.as_bytes(policy=SMTP))
    assert [(a.name, a.where, a.senders) for a in msg.attachments] == [
        ("原表.xlsx", "转发邮件“原邮件”", ("unit@example.org",)),
        ("原表.xlsx", "转发邮件“原邮件”", ("unit@example.org",))]


def nest(depth: int) -> bytes:
    """A workbook inside ``depth`` zips inside one another."""
    data, name = XLSX, "表.xlsx"
    for i in range(depth):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr(name, data)
        data, name = buf.getvalue(), f"第{i + 1}层.zip"
    return data


def test_nesting_depth_and_attachment_count_are_bounded():
    def with_zip(data: bytes) -> bytes:
        m = EmailMessage()
        m["From"] = "a@example.org"
        m.set_content("x")
        m.add_attachment(data, maintype="application", subtype="zip", filename="外层.zip")
        return m.as_bytes(policy=SMTP)

    assert names(with_zip(nest(2)), max_depth=3) == ["表.xlsx"]
    deep = read_message(with_zip(nest(4)), Limits(max_depth=3))
    assert deep.attachments == [] and any("嵌套超过 3 层" in s.reason for s in deep.skipped)

    m = EmailMessage()
    m["From"] = "a@example.org"
    m.set_content("x")
    for i in range(5):
        m.add_attachment(XLSX + bytes([i]), maintype="application", subtype="octet-stream", filename=f"表{i}.xlsx")
    many = read_message(m.as_bytes(policy=SMTP), Limits(max_attachments=3))
    assert [a.name for a in many.attachments] == ["表0.xlsx", "表1.xlsx", "表2.xlsx"]
    assert [s.name for s in many.skipped] == ["表3.xlsx", "表4.xlsx"] and "最多取 3 个" in many.skipped[0].reason


def test_a_zip_bomb_member_is_not_unpacked():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("炸弹.xlsx", b"\0" * (3 * 1024 * 1024))
    m = EmailMessage()
    m["From"] = "a@example.org"
    m.set_content("x")
    m.add_attachment(buf.getvalue(), maintype="application", subtype="zip", filename="a.zip")
    msg = read_message(m.as_bytes(policy=SMTP), Limits(max_member_bytes=1024 * 1024))
    assert msg.attachments == [] and "解压后有 3 MB" in msg.skipped[0].reason


def test_odd_messages_are_recorded_not_raised():
    assert read_message(b"").attachments == []
    assert read_message(b"\xff\xfe garbage \x00\x01" * 100).refused == ""
    big = read_message(b"x" * 2048, Limits(max_bytes=1024))
    assert "超过上限" in big.refused and big.attachments == []
    broken_zip = mime([part(b'attachment; filename="a.zip"', b"PK\x03\x04 not really a zip")])
    msg = read_message(broken_zip)
    assert msg.attachments == [] and msg.skipped[0].reason == "压缩包已损坏，无法解开。"
    rar = read_message(mime([part(b'attachment; filename="a.rar"', b"Rar!")]))
    assert "只能解开 .zip" in rar.skipped[0].reason
    pdf = read_message(mime([part(b'attachment; filename="a.pdf"', b"%PDF")]))
    assert pdf.skipped[0].name == "a.pdf" and "不是表格文件" in pdf.skipped[0].reason
    # a workbook type without any name gets one
    assert names(mime([part(b"attachment", ctype=b"application/vnd.ms-excel")])) == ["附件1.xls"]


def test_received_header_date_header_and_zones():
    raw = (b"Received: from relay (relay [10.0.0.1]) by mx.office.example; Wed, 9 Apr 2025 01:30:00 +0000\r\n"
           b"Received: from unit-pc by relay; Wed, 9 Apr 2025 09:29:00 +0800\r\n"
           b"From: a@example.org\r\nDate: Wed, 9 Apr 2025 09:28:00 +0800\r\nMessage-ID: <m1@example.org>\r\n\r\nbody\r\n")
    msg = read_message(raw)
    assert msg.received == datetime(2025, 4, 9, 1, 30, tzinfo=timezone.utc)  # the topmost one
    assert to_office_local(msg.received) == datetime(2025, 4, 9, 9, 30)
    assert to_office_local(msg.date, "Asia/Shanghai") == datetime(2025, 4, 9, 9, 28)
    assert msg.message_id == "<m1@example.org>"
    assert read_message(b"From: a@example.org\r\nDate: Wed, 9 Apr 2025 01:30:00 -0000\r\n\r\nx").date == datetime(
        2025, 4, 9, 1, 30, tzinfo=timezone.utc)
    assert read_message(b"From: a@example.org\r\nDate: not a date\r\n\r\nx").date is None


def test_office_time():
    aware = datetime(2025, 4, 8, 16, 30, 5, 123456, tzinfo=timezone.utc)
    assert to_office_local(aware) == datetime(2025, 4, 9, 0, 30, 5)  # the next day in Shanghai
    assert to_office_local(aware, "Europe/Berlin") == datetime(2025, 4, 8, 18, 30, 5)  # summer time
    assert to_office_local(datetime(2025, 4, 8, 9, 0)) == datetime(2025, 4, 8, 9, 0)  # naive: already office time
    assert to_office_local(datetime(2025, 4, 8, 9, 0, tzinfo=timezone(timedelta(hours=8)))).tzinfo is None
    assert utc_as_office_local(datetime(2025, 4, 8, 16, 0)) == datetime(2025, 4, 9, 0, 0)


# ---------------------------------------------------------------------------- settings


def test_imap_and_timezone_settings(tmp_path):
    cfg = tmp_path / "duban.toml"
    cfg.write_text(render_config("区政府督查室", "电话", 2025), encoding="utf-8")
    s = load_settings(cfg)
    assert s.timezone == "Asia/Shanghai"
    assert (s.mail.imap.host, s.mail.imap.port, s.mail.imap.security, s.mail.imap.folder) == ("", 993, "ssl", "INBOX")
    assert not s.mail.imap.configured and s.mail.imap.mark_seen is False and s.mail.imap.max_message_mb == 25
    set_config(cfg, "mail.imap", host="imap.example.cn", since="2025-01-01", folder="报送", mark_seen=True, max_attachments=5)
    set_config(cfg, "office", timezone="Asia/Urumqi")
    s = load_settings(cfg)
    assert s.mail.imap.configured and s.mail.imap.since.isoformat() == "2025-01-01" and s.mail.imap.folder == "报送"
    assert s.mail.imap.mark_seen is True and s.mail.imap.max_attachments == 5 and s.timezone == "Asia/Urumqi"
    assert s.mail.host == "smtp.example.org"  # [mail] itself unchanged
    for section, key, value, words in (("office", "timezone", "Mars/Olympus", "不是时区名称"),
                                       ("mail.imap", "security", "tls", "ssl、starttls 或 none"),
                                       ("mail.imap", "since", "去年", "应为日期"),
                                       ("mail.imap", "max_message_mb", 0, "[mail.imap] max_message_mb"),
                                       ("mail.imap", "port", 0, "[mail.imap] port")):
        text = cfg.read_text(encoding="utf-8")
        set_config(cfg, section, **{key: value})
        with pytest.raises(ConfigError) as exc:
            load_settings(cfg)
        assert words in str(exc.value)
        cfg.write_text(text, encoding="utf-8")


def test_office_now_is_the_office_wall_clock_whatever_the_machine_zone(monkeypatch):
    import time

    from office.clock import office_now

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        shanghai = office_now("Asia/Shanghai")
        truth = datetime.now(timezone.utc).astimezone(SHANGHAI).replace(tzinfo=None)
        assert shanghai.tzinfo is None and abs((truth - shanghai).total_seconds()) < 5
        assert abs((datetime.now() - shanghai).total_seconds()) > 3600  # the machine's local time is another
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
