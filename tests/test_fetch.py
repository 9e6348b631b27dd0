"""fetch: returns straight from a real IMAP mailbox (dovecot on 127.0.0.1, tests/imap_server.py).

Messages are put in with IMAP APPEND and a chosen INTERNALDATE; forms are filled with the
independent filler (tests/fill.py); every check reads the ledger, the inbox, the archive, the
collect report or the month's facts that the real jobs wrote.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import zipfile
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from fill import fill_form, form_sheet, locate
from imap_server import PASSWORD, PASSWORD_ENV, imap_server, use_imap  # noqa: F401  (fixture)
from month_fixture import U, full, issue, make_ws
from smtp_server import set_config, smtp_server, use_server  # noqa: F401  (fixture)

from conftest import collect_inbox, generate_forms, merge_month, run_due_at
from jobs import collect, fetch
from office.ledger import mailbox
from office.month import build_month
from office.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
PERIOD = "2025-03"  # due Tuesday 2025-04-08 (5 working days after March, 清明 4/4–4/6 in between)
FETCHED = datetime(2025, 4, 16, 9, 0)  # a week after the deadline
ADDR = {u: f"u{i}@example.org" for i, u in enumerate(U, start=1)}


# ---------------------------------------------------------------------------- building blocks


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The seven-unit workspace with the March status forms generated and issued, and each unit's
    form filled in (bytes) by the independent filler."""
    base = tmp_path_factory.mktemp("fetch")
    ws = make_ws(base / "ws")
    generate_forms(ws, "status", PERIOD, now=datetime(2025, 4, 1, 9))
    issue(ws, "status", PERIOD, datetime(2025, 4, 1, 9, 5))
    forms = {}
    for u in U:
        src = next((ws.root / "outbox" / PERIOD).glob(f"*_{u}.xlsx"))
        _, rows, _ = locate(form_sheet(openpyxl.load_workbook(src)))
        dst = base / f"{u}.xlsx"
        fill_form(src, dst, {tid: full(f"三月：{u}按计划推进") for tid in rows})
        forms[u] = dst.read_bytes()
    ws.close()
    return base / "ws", forms


@pytest.fixture
def env(template, tmp_path, imap_server, monkeypatch):  # noqa: F811
    """(workspace root, {unit: filled form bytes}, server), the workspace pointed at the server."""
    src, forms = template
    root = tmp_path / "ws"
    shutil.copytree(src, root)
    use_imap(root, imap_server, monkeypatch)
    return root, forms, imap_server


def message(sender: str, subject: str, files: list[tuple[str, bytes]] = (), *, received: datetime | None = None,
            date: datetime | None = None, msgid: str | None = None, inner: EmailMessage | None = None) -> EmailMessage:
    """A unit's mail as its client writes it; ``received``: the office server's Received: stamp."""
    m = EmailMessage()
    if received is not None:
        m["Received"] = (f"from mail.unit.example (mail.unit.example [192.0.2.7]) by mx.office.example with ESMTPS id 4Q1; "
                         f"{received.strftime('%a, %d %b %Y %H:%M:%S %z')}")
    m["From"] = sender
    m["To"] = "duchashi@example.org"
    m["Subject"] = subject
    m["Date"] = (date or received or datetime(2025, 4, 8, 9, tzinfo=SHANGHAI)).strftime("%a, %d %b %Y %H:%M:%S %z")
    m["Message-ID"] = msgid or f"<{hashlib.sha1((sender + subject).encode()).hexdigest()}@unit.example>"
    m.set_content("督查室：\n附件是本单位的落实情况表，请查收。\n")
    for name, data in files:
        m.add_attachment(data, maintype="application", subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         filename=name)
    if inner is not None:
        m.add_attachment(inner)  # message/rfc822: forwarded as an attachment
    return m


def raw(m: EmailMessage) -> bytes:
    return m.as_bytes(policy=SMTP)


def gbk_zip(name: str, data: bytes) -> bytes:
    """A zip as Windows' built-in zipper writes it in China: the member's name in GBK, no UTF-8 flag."""
    gbk = name.encode("gbk")
    placeholder = "x" * len(gbk)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(placeholder, data)
    out = buf.getvalue().replace(placeholder.encode(), gbk)
    with zipfile.ZipFile(io.BytesIO(out)) as zf:  # really without the flag, really GBK bytes
        assert not zf.infolist()[0].flag_bits & 0x800 and zf.infolist()[0].filename.encode("cp437") == gbk
    return out


def gbk_named(sender: str, subject: str, name: str, data: bytes, received: datetime) -> bytes:
    """A message whose attachment name is written as RFC 2231 in GBK (as Foxmail and old Outlook do)."""
    m = message(sender, subject, received=received)
    m.add_attachment(data, maintype="application", subtype="octet-stream", filename="placeholder.xlsx")
    text = raw(m)
    rfc2231 = "filename*=GBK''" + urllib.parse.quote(name.encode("gbk"))
    head, sep, rest = text.partition(b'filename="placeholder.xlsx"')
    assert sep, text[-600:]
    return head + rfc2231.encode() + rest


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inbox_files(root: Path) -> dict[str, str]:
    """{path under inbox/: sha256} of the workbooks waiting in the inbox."""
    inbox = root / "inbox"
    return {p.relative_to(inbox).as_posix(): sha(p.read_bytes()) for p in sorted(inbox.rglob("*"))
            if p.is_file() and p.name != collect.REPORT_NAME}


def report_rows(path: Path, sheet: str | None = None) -> list[dict]:
    wb = openpyxl.load_workbook(path)
    rows = list((wb[sheet] if sheet else wb.active).iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "收到时间")
    return [dict(zip(rows[head], r)) for r in rows[head + 1:] if any(r)]


def file_row(root: Path, digest: str) -> dict:
    ws = open_workspace(root)
    try:
        r = ws.ledger.db.execute("SELECT * FROM files WHERE sha256=?", (digest,)).fetchone()
        return dict(r) if r else {}
    finally:
        ws.close()


def run_fetch(root: Path, now: datetime = FETCHED, **kw):  # noqa: ANN201
    ws = open_workspace(root)
    try:
        return fetch.run(ws, fetch.Request(**kw), now)
    finally:
        ws.close()


def run_collect(root: Path, now: datetime = FETCHED):  # noqa: ANN201
    ws = open_workspace(root)
    try:
        return collect_inbox(ws, now)
    finally:
        ws.close()


# ---------------------------------------------------------------------------- the received time


def test_a_return_received_a_working_day_late_is_late_by_one_day_even_when_fetched_a_week_later(env):
    root, forms, server = env
    # 2025-04-08T17:30Z is 04-09 01:30 in Shanghai: one working day after the 04-08 deadline
    # (read as UTC it would still be 04-08 and on time); 15:30Z is 04-08 23:30, on time.
    late_at, on_time_at = datetime(2025, 4, 8, 17, 30, tzinfo=UTC), datetime(2025, 4, 8, 15, 30, tzinfo=UTC)
    server.append(raw(message(ADDR[U[0]], "区测试一局3月落实情况", [("落实情况表.xlsx", forms[U[0]])])), late_at)
    server.append(raw(message(ADDR[U[2]], "区测试三局3月落实情况", [("三局.xlsx", forms[U[2]])])), on_time_at)

    got = run_fetch(root)
    assert got.ok and len(got.data["taken"]) == 2, got.data
    assert {r["received_at"] for r in got.data["taken"]} == {"2025-04-09T01:30:00", "2025-04-08T23:30:00"}
    # in the inbox by the day the server received them, their own time that moment
    files = inbox_files(root)
    assert files == {"邮件/2025-04-09/落实情况表.xlsx": sha(forms[U[0]]), "邮件/2025-04-08/三局.xlsx": sha(forms[U[2]])}
    assert (datetime.fromtimestamp((root / "inbox/邮件/2025-04-09/落实情况表.xlsx").stat().st_mtime)
            == datetime(2025, 4, 9, 1, 30))

    done = run_collect(root)  # a week later
    assert sorted(a["unit"] for a in done.data["accepted"]) == [U[0], U[2]]
    assert {r["source"] for r in done.data["received"]} == {"imap"}
    assert file_row(root, sha(forms[U[0]]))["received_at"] == "2025-04-09T01:30:00"
    assert file_row(root, sha(forms[U[2]]))["received_at"] == "2025-04-08T23:30:00"

    ws = open_workspace(root)
    try:
        data = build_month(ws, PERIOD, FETCHED)
        state = {s.unit: s for s in data.units}
        assert data.deadline.isoformat() == "2025-04-08"
        assert (state[U[0]].state, state[U[0]].late_days) == ("late", 1)
        assert (state[U[2]].state, state[U[2]].late_days) == ("on_time", 0)
        report = merge_month(ws, PERIOD, FETCHED)
        [late] = [f for f in report.data["findings"] if f["kind"] == "late"]
        assert late["unit"] == U[0] and "迟报1个工作日" in late["message"]
    finally:
        ws.close()

    rows = {r["文件名"]: r for r in report_rows(root / "inbox" / collect.REPORT_NAME)}
    assert rows["邮件/2025-04-09/落实情况表.xlsx"]["收到时间"] == "2025-04-09 01:30:00"
    assert rows["邮件/2025-04-09/落实情况表.xlsx"]["收到时间来源"] == "邮件服务器收到时间"
    assert rows["邮件/2025-04-09/落实情况表.xlsx"]["发件人"] == f"{ADDR[U[0]]}（发件人与报送单位一致）"
    # the tracker shows it and where it came from
    wb = openpyxl.load_workbook(next((root / "trackers").glob("2025年3月*.xlsx")))
    sheet = list(wb["报送情况"].iter_rows(values_only=True))
    head = sheet[0]
    line = dict(zip(head, next(r for r in sheet if r[0] == U[0])))
    assert (line["3月"], line["3月收到时间"], line["收到时间来源"]) == ("迟报1个工作日", "04-09 01:30", "邮件服务器收到时间")


# ---------------------------------------------------------------------------- the archive and the mailbox


def test_each_message_is_archived_byte_for_byte_and_points_back_from_its_files(env):
    root, forms, server = env
    body = raw(message(ADDR[U[1]], "区测试二局报送", [("二局.xlsx", forms[U[1]])], msgid="<two@unit.example>"))
    uid = server.append(body, datetime(2025, 4, 7, 10, 0, tzinfo=SHANGHAI))
    run_fetch(root)
    ws = open_workspace(root)
    try:
        [m] = mailbox.messages(ws.ledger.db)
        assert (ws.root / m["archive"]).read_bytes() == body and m["sha256"] == sha(body)
        assert m["archive"] == f"archive/mail/{sha(body)[:2]}/{sha(body)}.eml"
        assert not os.access(ws.root / m["archive"], os.W_OK) or os.geteuid() == 0  # read-only (root writes anyway)
        assert oct((ws.root / m["archive"]).stat().st_mode & 0o777) == "0o444"
        assert (m["message_id"], m["sender"], m["subject"], m["received_at"], m["received_from"]) == (
            "<two@unit.example>", ADDR[U[1]], "区测试二局报送", "2025-04-07T10:00:00", "imap")
        assert (m["uidvalidity"], m["uid"]) == (server.uidvalidity(), uid)
        origin = mailbox.mail_origin(ws.ledger.db, sha(forms[U[1]]))
        assert origin["message"] == sha(body) and origin["message_id"] == "<two@unit.example>"
    finally:
        ws.close()


def test_a_second_fetch_takes_nothing_and_the_mailbox_is_left_as_it_was(env):
    root, forms, server = env
    server.append(raw(message(ADDR[U[0]], "一局", [("一局.xlsx", forms[U[0]])])), datetime(2025, 4, 7, 9, tzinfo=SHANGHAI))
    server.append(raw(message(ADDR[U[1]], "二局", [("二局.xlsx", forms[U[1]])])), datetime(2025, 4, 7, 10, tzinfo=SHANGHAI),
                  flags=(b"\\Seen",))
    before = server.state()
    first = run_fetch(root)
    assert len(first.data["taken"]) == 2
    taken = inbox_files(root)
    assert sorted(taken.values()) == sorted([sha(forms[U[0]]), sha(forms[U[1]])])
    again = run_fetch(root)
    assert again.data["taken"] == [] and again.data["files"] == [] and "没有新邮件" in again.summary
    assert inbox_files(root) == taken
    assert server.state() == before  # nothing deleted or moved, \Seen as it was (one unread, one read)
    assert [v["flags"] for _, v in sorted(before.items())] == [set(), {b"\\Seen"}]
    run_collect(root)
    third = run_fetch(root)  # after collect took the files: still nothing again
    assert third.data["taken"] == [] and inbox_files(root) == {}


def test_mark_seen_sets_seen_and_nothing_else(env, monkeypatch):
    root, forms, server = env
    set_config(root / "duban.toml", "mail.imap", mark_seen=True)
    server.append(raw(message(ADDR[U[0]], "一局", [("一局.xlsx", forms[U[0]])])), datetime(2025, 4, 7, 9, tzinfo=SHANGHAI))
    run_fetch(root)
    [(uid, st)] = server.state().items()
    assert st["flags"] == {b"\\Seen"}


def test_a_changed_uidvalidity_rereads_the_folder_without_duplicating(template, tmp_path, imap_server, monkeypatch):  # noqa: F811
    src, forms = template
    root = tmp_path / "ws"
    shutil.copytree(src, root)
    use_imap(root, imap_server, monkeypatch, folder="报送")  # a Chinese folder name (modified UTF-7 on the wire)
    for i, u in enumerate(U[:3]):
        imap_server.append(raw(message(ADDR[u], f"{u}报送", [(f"{u}.xlsx", forms[u])])),
                           datetime(2025, 4, 7, 9 + i, tzinfo=SHANGHAI), folder="报送")
    first = run_fetch(root)
    assert len(first.data["taken"]) == 3
    old = imap_server.uidvalidity("报送")
    imap_server.rebuild("报送")
    assert imap_server.uidvalidity("报送") != old
    again = run_fetch(root)
    assert again.data["taken"] == [] and len(again.data["known"]) == 3, again.data
    assert any("UIDVALIDITY" in w for w in again.warnings)
    assert sorted(inbox_files(root).values()) == sorted(sha(forms[u]) for u in U[:3])
    ws = open_workspace(root)
    try:
        assert ws.ledger.db.execute("SELECT COUNT(*) FROM mail_messages").fetchone()[0] == 3
        assert ws.ledger.db.execute("SELECT COUNT(DISTINCT uidvalidity) FROM mail_seen").fetchone()[0] == 2
    finally:
        ws.close()


CRASH = """
import os, sys
sys.path.insert(0, {root!r})
from datetime import datetime
from jobs import fetch
from office.workspace import open_workspace
seen = []
def checkpoint(stage, sha):
    if stage == {stage!r}:
        seen.append(sha)
        if len(seen) == {after}:
            os._exit(9)  # as a kill would: no cleanup, no commit of anything pending
fetch._checkpoint = checkpoint
ws = open_workspace(__import__("pathlib").Path({ws!r}))
fetch.run(ws, fetch.Request(), datetime(2025, 4, 16, 9))
"""


@pytest.mark.parametrize("stage", ["archived", "recorded", "written"])
def test_a_fetch_killed_midway_resumes_with_nothing_lost_or_doubled(env, stage):
    root, forms, server = env
    units = U[:4]
    bodies = []
    for i, u in enumerate(units):
        bodies.append(raw(message(ADDR[u], f"{u}报送", [(f"{u}三月.xlsx", forms[u])])))
        server.append(bodies[-1], datetime(2025, 4, 7, 9 + i, tzinfo=SHANGHAI))
    script = CRASH.format(root=str(ROOT), stage=stage, after=2, ws=str(root))
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env=os.environ | {PASSWORD_ENV: PASSWORD})
    assert done.returncode == 9, done.stderr
    archived = sorted(p.name for p in (root / "archive" / "mail").rglob("*.eml"))
    assert len(archived) == 2  # half the messages were archived when it died

    again = run_fetch(root)
    assert again.ok, again.summary
    archived = sorted(p.name for p in (root / "archive" / "mail").rglob("*.eml"))
    assert archived == sorted(f"{sha(b)}.eml" for b in bodies)
    files = inbox_files(root)
    assert sorted(files.values()) == sorted(sha(forms[u]) for u in units)  # each exactly once
    assert run_fetch(root).data["taken"] == []
    got = run_collect(root)
    assert sorted(a["unit"] for a in got.data["accepted"]) == sorted(units)
    assert got.data["duplicates"] == [] and got.data["rejected"] == []
    ws = open_workspace(root)
    try:
        db = ws.ledger.db
        assert db.execute("SELECT COUNT(*) FROM mail_messages WHERE state='done'").fetchone()[0] == 4
        assert db.execute("SELECT COUNT(*) FROM mail_seen").fetchone()[0] == 4
        assert db.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 4
        times = sorted(r[0] for r in db.execute("SELECT received_at FROM files"))
        assert times == [f"2025-04-07T{9 + i:02d}:00:00" for i in range(4)]
    finally:
        ws.close()


def test_a_30_mb_message_is_refused_with_a_reason_and_the_run_goes_on(env):
    root, forms, server = env
    server.append(raw(message(ADDR[U[0]], "一局", [("一局.xlsx", forms[U[0]])])), datetime(2025, 4, 7, 9, tzinfo=SHANGHAI))
    m = message(ADDR[U[1]], "二局（附现场照片）", [("二局.xlsx", forms[U[1]])])
    m.add_attachment(os.urandom(23 * 1024 * 1024), maintype="image", subtype="jpeg", filename="现场.jpg")
    big = raw(m)
    assert len(big) > 30 * 1024 * 1024
    server.append(big, datetime(2025, 4, 7, 10, tzinfo=SHANGHAI))
    server.append(raw(message(ADDR[U[2]], "三局", [("三局.xlsx", forms[U[2]])])), datetime(2025, 4, 7, 11, tzinfo=SHANGHAI))

    got = run_fetch(root)
    assert not got.ok  # finished, with something to look at
    [refused] = got.data["refused"]
    assert refused["subject"] == "二局（附现场照片）" and refused["sender"] == ADDR[U[1]]
    assert "超过上限 25 MB" in refused["reason"] and f"{len(big) / 1048576:.1f} MB" in refused["reason"]
    assert any("二局（附现场照片）" in w and "超过上限" in w for w in got.warnings)
    assert sorted(inbox_files(root).values()) == sorted([sha(forms[U[0]]), sha(forms[U[2]])])
    assert len(list((root / "archive" / "mail").rglob("*.eml"))) == 2  # the big one was never downloaded
    assert all(p.stat().st_size < 1024 * 1024 for p in (root / "archive" / "mail").rglob("*.eml"))
    assert len(server.state()) == 3  # still in the mailbox
    again = run_fetch(root)
    assert again.ok and again.data["refused"] == []  # recorded once, not refused again and again
    run_collect(root)
    [row] = [r for r in report_rows(root / "inbox" / collect.REPORT_NAME, "邮件") if r["主题"] == "二局（附现场照片）"]
    assert "超过上限" in row["未收取的部分及原因"] and row["取出的表格"] == "（未收取）"
    # the office raises the limit: the message is taken at the next run
    set_config(root / "duban.toml", "mail.imap", max_message_mb=40)
    raised = run_fetch(root)
    assert [t["subject"] for t in raised.data["taken"]] == ["二局（附现场照片）"] and raised.ok
    assert list(inbox_files(root).values()) == [sha(forms[U[1]])]


def test_mail_without_a_workbook_is_not_archived_and_one_with_other_files_is_listed(env):
    root, forms, server = env
    server.append(raw(message(ADDR[U[0]], "会议通知回执")), datetime(2025, 4, 7, 9, tzinfo=SHANGHAI))
    m = message(ADDR[U[1]], "二局报送（Word 版）")
    m.add_attachment(b"PK\x03\x04docx", maintype="application", subtype="octet-stream", filename="二局落实情况.docx")
    server.append(raw(m), datetime(2025, 4, 7, 10, tzinfo=SHANGHAI))
    got = run_fetch(root)
    assert got.data["taken"] == [] and len(got.data["ignored"]) == 2
    assert not (root / "archive" / "mail").exists() and inbox_files(root) == {}
    assert [w for w in got.warnings if "二局落实情况.docx" in w and "不是表格文件" in w]
    assert run_fetch(root).data["ignored"] == []  # once
    ws = open_workspace(root)
    try:
        [listed] = mailbox.refused(ws.ledger.db)
        assert listed["subject"] == "二局报送（Word 版）" and "二局落实情况.docx" in listed["reason"]
    finally:
        ws.close()


# ---------------------------------------------------------------------------- forwarded, zipped, GBK names


def test_forwarded_and_zipped_returns_and_gbk_names_are_taken(env):
    root, forms, server = env
    at = datetime(2025, 4, 7, 15, tzinfo=SHANGHAI)
    original = message(ADDR[U[3]], "区测试四局3月落实情况", [("四局落实情况.xlsx", forms[U[3]])])
    server.append(raw(message(ADDR[U[3]], "转发：区测试四局3月落实情况", inner=original)), at)
    zipped = message(ADDR[U[4]], "五局报送（压缩包）")
    zipped.add_attachment(gbk_zip("区测试五局3月落实情况表.xlsx", forms[U[4]]), maintype="application",
                          subtype="zip", filename="五局.zip")
    server.append(raw(zipped), at + timedelta(minutes=1))
    server.append(gbk_named(ADDR[U[5]], "六局报送", "区测试六局3月落实情况表（喆）.xlsx", forms[U[5]], at), at + timedelta(minutes=2))

    got = run_fetch(root)
    by_subject = {t["subject"]: t for t in got.data["taken"]}
    assert set(by_subject) == {"转发：区测试四局3月落实情况", "五局报送（压缩包）", "六局报送"}
    [f4] = by_subject["转发：区测试四局3月落实情况"]["files"]
    assert f4["name"] == "四局落实情况.xlsx" and f4["part"] == "转发邮件“区测试四局3月落实情况”"
    [f5] = by_subject["五局报送（压缩包）"]["files"]
    assert f5["name"] == "区测试五局3月落实情况表.xlsx" and f5["part"] == "压缩包“五局.zip”"
    [f6] = by_subject["六局报送"]["files"]
    assert f6["name"] == "区测试六局3月落实情况表（喆）.xlsx"  # GBK, with a character GB2312 does not have
    assert inbox_files(root) == {"邮件/2025-04-07/四局落实情况.xlsx": sha(forms[U[3]]),
                                 "邮件/2025-04-07/区测试五局3月落实情况表.xlsx": sha(forms[U[4]]),
                                 "邮件/2025-04-07/区测试六局3月落实情况表（喆）.xlsx": sha(forms[U[5]])}
    done = run_collect(root)
    assert sorted(a["unit"] for a in done.data["accepted"]) == sorted(U[3:6])


# ---------------------------------------------------------------------------- the sender


def test_the_sender_is_checked_against_the_registry(env):
    root, forms, server = env
    at = datetime(2025, 4, 7, 9, tzinfo=SHANGHAI)
    server.append(raw(message(ADDR[U[1]], "一局的表（二局代发）", [("一局.xlsx", forms[U[0]])])), at)  # A's form from B's address
    server.append(raw(message("stranger@elsewhere.example", "三局", [("三局.xlsx", forms[U[2]])])), at)
    server.append(raw(message(f"区测试四局 <{ADDR[U[3]].upper()}>", "四局", [("四局.xlsx", forms[U[3]])])), at)
    run_fetch(root)
    done = run_collect(root)
    assert sorted(a["unit"] for a in done.data["accepted"]) == [U[0], U[2], U[3]]  # taken; the office decides
    [finding] = done.data["findings"]
    assert finding["kind"] == "sender_mismatch" and finding["unit"] == U[0] and finding["period"] == PERIOD
    assert U[0] in finding["message"] and U[1] in finding["message"] and ADDR[U[1]] in finding["message"]
    assert finding["message"].startswith("发件人与报送单位不符")
    checks = {s["unit"]: s for s in done.data["senders"]}
    assert set(checks) == {U[0], U[2]}
    assert checks[U[2]]["check"] == "unknown" and checks[U[2]]["sender"] == "stranger@elsewhere.example"
    assert any("stranger@elsewhere.example 不在单位名册中" in w for w in done.warnings)
    ws = open_workspace(root)
    try:
        [f] = mailbox.sender_findings(ws.ledger.db)
        assert (f.kind, f.unit, f.file) == ("sender_mismatch", U[0], "邮件/2025-04-07/一局.xlsx")
        assert mailbox.sender_findings(ws.ledger.db, "status", "2025-02") == []
        o = mailbox.origins(ws.ledger.db)
        assert o[sha(forms[U[3]])]["sender_check"] == "confirmed"  # the registered address (case does not matter)
        # a finding of the month, as the tracker and the web page show it
        month = [(f.kind, f.unit, f.file) for f in build_month(ws, PERIOD, FETCHED).findings if f.kind == "sender_mismatch"]
        assert month == [("sender_mismatch", U[0], "邮件/2025-04-07/一局.xlsx")]
        assert not [f for f in build_month(ws, "2025-02", FETCHED).findings if f.kind == "sender_mismatch"]
    finally:
        ws.close()
    rows = {r["文件名"]: r for r in report_rows(root / "inbox" / collect.REPORT_NAME)}
    assert rows["邮件/2025-04-07/一局.xlsx"]["发件人"] == f"{ADDR[U[1]]}（发件人与报送单位不符：登记在{U[1]}名下）"
    assert "发件人与报送单位不符" in rows["邮件/2025-04-07/一局.xlsx"]["原因或提示"]
    assert rows["邮件/2025-04-07/三局.xlsx"]["发件人"] == "stranger@elsewhere.example（发件地址不在单位名册中）"


def test_receipts_go_to_the_sender_as_well_as_the_registered_address(env, smtp_server):  # noqa: F811
    root, forms, server = env
    use_server(root, smtp_server.port, receipts="all", sender="duchashi@example.org")
    server.append(raw(message("zhangsan@personal.example", "一局报送", [("一局.xlsx", forms[U[0]])])),
                  datetime(2025, 4, 7, 9, tzinfo=SHANGHAI))
    run_fetch(root)
    ws = open_workspace(root)
    try:
        report = collect.run(ws, collect.Request(receipts=True), FETCHED, sleep=lambda seconds: None)
    finally:
        ws.close()
    [sent] = report.data["receipts"]["sent"]
    assert sent["to"] == [ADDR[U[0]], "zhangsan@personal.example"]
    [env_] = smtp_server.messages
    assert sorted(env_.rcpt_tos) == sorted([ADDR[U[0]], "zhangsan@personal.example"])


# ---------------------------------------------------------------------------- .eml saved by hand, run-due, the command


def test_an_eml_dropped_into_the_inbox_gives_the_same_entries_and_time_as_fetching_it(env, template, tmp_path):
    root, forms, server = env
    received = datetime(2025, 4, 9, 8, 15, 30, tzinfo=SHANGHAI)
    body = raw(message(ADDR[U[6]], "七局报送", [("七局.xlsx", forms[U[6]])], received=received,
                       date=received - timedelta(minutes=3)))
    server.append(body, received)  # the office's server: INTERNALDATE and Received: are its own stamp
    run_fetch(root)
    by_mail = run_collect(root)

    # a second workspace, the same before anything arrived, where the clerk saved the message as a .eml
    hand = tmp_path / "hand"
    shutil.copytree(template[0], hand)
    saved = hand / "inbox" / "保存的邮件" / "七局报送.eml"
    saved.parent.mkdir(parents=True)
    saved.write_bytes(body)
    past = datetime(2025, 4, 16, 8).timestamp()
    os.utime(saved, (past, past))
    by_hand = run_collect(hand)

    assert [a["unit"] for a in by_hand.data["accepted"]] == [a["unit"] for a in by_mail.data["accepted"]] == [U[6]]
    [m], [h] = by_mail.data["received"], by_hand.data["received"]
    assert (m["file"], m["at"], m["source"]) == ("邮件/2025-04-09/七局.xlsx", "2025-04-09T08:15:30", "imap")
    assert (h["file"], h["at"], h["source"]) == ("邮件/2025-04-09/七局.xlsx", "2025-04-09T08:15:30", "received")

    def facts(r: Path) -> tuple:
        ws = open_workspace(r)
        try:
            db = ws.ledger.db
            f = [tuple(x) for x in db.execute("SELECT sha256, name, received_at, archive, unit, kind, period, verdict FROM files")]
            e = [tuple(x) for x in db.execute("SELECT sha256, unit, task_id, vals, cells FROM entries ORDER BY task_id")]
            ms = [tuple(x) for x in db.execute("SELECT sha256, message_id, sender, subject, received_at, archive FROM mail_messages")]
            return f, e, ms
        finally:
            ws.close()

    assert facts(hand) == facts(root)
    assert facts(hand)[1] and facts(hand)[0][0][2] == "2025-04-09T08:15:30"
    assert not saved.exists()  # taken out of the inbox, archived
    assert (hand / f"archive/mail/{sha(body)[:2]}/{sha(body)}.eml").read_bytes() == body
    rows = {r["文件名"]: r for r in report_rows(hand / "inbox" / collect.REPORT_NAME)}
    assert rows["邮件/2025-04-09/七局.xlsx"]["收到时间来源"] == "邮件服务器收到时间（Received 头）"
    assert rows["邮件/2025-04-09/七局.xlsx"]["收到时间"] == "2025-04-09 08:15:30"


def test_an_eml_without_received_takes_its_date_and_says_so(env):
    root, forms, server = env
    date = datetime(2025, 4, 9, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    body = raw(message(ADDR[U[0]], "一局", [("一局.xlsx", forms[U[0]])], date=date))
    (root / "inbox" / "一局.eml").write_bytes(body)
    past = datetime(2025, 4, 16, 8).timestamp()
    os.utime(root / "inbox" / "一局.eml", (past, past))
    got = run_collect(root)
    assert got.data["received"][0]["at"] == "2025-04-09T10:00:00" and got.data["received"][0]["source"] == "date"
    assert any("一局.eml" in w and "Date 头" in w and "2025-04-09 10:00" in w for w in got.warnings)
    assert file_row(root, sha(forms[U[0]]))["received_at"] == "2025-04-09T10:00:00"


def test_run_due_fetches_before_it_collects(env):
    root, forms, server = env
    server.append(raw(message(ADDR[U[0]], "一局", [("一局.xlsx", forms[U[0]])])), datetime(2025, 4, 9, 9, tzinfo=SHANGHAI))
    ws = open_workspace(root)
    try:
        report = run_due_at(ws, datetime(2025, 4, 9, 9, 5))
    finally:
        ws.close()
    jobs = [r["job"] for r in report.data["ran"]]
    assert jobs.index("fetch") < jobs.index("collect"), jobs
    assert file_row(root, sha(forms[U[0]]))["received_at"] == "2025-04-09T09:00:00"


def test_the_fetch_command(env):
    root, forms, server = env
    server.append(raw(message(ADDR[U[0]], "一局", [("一局.xlsx", forms[U[0]])])), datetime(2025, 4, 9, 9, tzinfo=SHANGHAI))
    base = [sys.executable, str(ROOT / "run.py"), "fetch", "-w", str(root), "--now", "2025-04-16T09:00"]
    env_ = os.environ | {PASSWORD_ENV: PASSWORD}
    preview = subprocess.run(base + ["--dry-run", "--json"], cwd=ROOT, capture_output=True, text=True, env=env_, timeout=120)
    assert preview.returncode == 0, preview.stderr
    out = json.loads(preview.stdout)
    assert out["dry_run"] and [f["name"] for f in out["taken"][0]["files"]] == ["一局.xlsx"]
    assert inbox_files(root) == {} and not (root / "archive" / "mail").exists()
    done = subprocess.run(base, cwd=ROOT, capture_output=True, text=True, env=env_, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "收取新邮件 1 封" in done.stdout and "表格文件 1 个" in done.stdout
    wrong = subprocess.run(base, cwd=ROOT, capture_output=True, text=True, env=os.environ | {PASSWORD_ENV: "wrong"}, timeout=120)
    assert wrong.returncode == 2 and "登录失败" in wrong.stderr and "Traceback" not in wrong.stderr
    server.stop()
    down = subprocess.run(base, cwd=ROOT, capture_output=True, text=True, env=env_, timeout=120)
    assert down.returncode == 2 and "无法连接收件服务器" in down.stderr and "Traceback" not in down.stderr


def test_since_leaves_older_mail_alone(env):
    root, forms, server = env
    set_config(root / "duban.toml", "mail.imap", since="2025-04-01")
    server.append(raw(message(ADDR[U[0]], "去年的表", [("旧.xlsx", forms[U[0]])])), datetime(2025, 3, 20, 9, tzinfo=SHANGHAI))
    server.append(raw(message(ADDR[U[1]], "二局", [("二局.xlsx", forms[U[1]])])), datetime(2025, 4, 7, 9, tzinfo=SHANGHAI))
    got = run_fetch(root)
    assert [t["subject"] for t in got.data["taken"]] == ["二局"]
    assert list(inbox_files(root).values()) == [sha(forms[U[1]])]


def test_the_web_page_fetches_then_collects(env):
    from web import actions

    root, forms, server = env
    server.append(raw(message(ADDR[U[1]], "二局", [("二局.xlsx", forms[U[1]])])), datetime(2025, 4, 8, 16, tzinfo=SHANGHAI))
    ws = open_workspace(root)
    try:
        assert actions.fetch_available(ws) == (True, "")
        report = actions.fetch(ws, now=FETCHED)
        assert [t["subject"] for t in report.data["fetch"]["taken"]] == ["二局"]
        assert [a["unit"] for a in report.data["accepted"]] == [U[1]]
        assert report.summary.startswith("从邮箱") and "本次处理 1 个文件" in report.summary
    finally:
        ws.close()
    assert inbox_files(root) == {}
    assert file_row(root, sha(forms[U[1]]))["received_at"] == "2025-04-08T16:00:00"
    set_config(root / "duban.toml", "mail.imap", host="")
    ws = open_workspace(root)
    try:
        ok, why = actions.fetch_available(ws)
        assert not ok and "[mail.imap]" in why
    finally:
        ws.close()
