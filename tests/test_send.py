"""send: a real SMTP server, the real sample workspace, the real ledger."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from email.utils import getaddresses, parseaddr

import openpyxl
import pytest

from office.errors import DubanError
from jobs import send
from office.mailer import Mailer, build_message
from office.placeholders import fill
from office.settings import MailSettings
from office.workspace import open_workspace

try:
    from tests.smtp_server import (  # noqa: F401
        free_port, prepare_sample_workspace, set_config, set_mail_config, root, smtp_server, use_server, ws)
except ImportError:  # tests/ is not a package
    from smtp_server import (  # noqa: F401
        free_port, prepare_sample_workspace, set_config, set_mail_config, root, smtp_server, use_server, ws)

NOW = datetime(2025, 1, 27, 10, 0)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return prepare_sample_workspace(tmp_path_factory.mktemp("tpl") / "ws")


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def parse(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)


def generated(ws, kind="plan", period="2025"):
    return {r["unit"]: r["file"] for r in ws.ledger.db.execute("SELECT unit, file FROM generated WHERE kind=? AND period=?", (kind, period))}


def mail_rows(ws, status: str | None = "sent"):
    """The ledger's mail rows (by default those that went out)."""
    if status is None:
        return ws.ledger.db.execute("SELECT * FROM mail ORDER BY id").fetchall()
    return ws.ledger.db.execute("SELECT * FROM mail WHERE status=? ORDER BY id", (status,)).fetchall()


def by_unit(server):
    out = {}
    for m in server.messages:
        msg = parse(m.content)
        out.setdefault(msg["X-Duban-Unit"], []).append((m, msg))
    return out


def test_every_unit_gets_its_own_workbook_once(ws, smtp_server):
    report = send.run(ws, send.Request("plan"), NOW, sleep=Sleeps())
    files = generated(ws)
    expected = [u for u in files if ws.registry.get(u) and ws.registry.get(u).emails]
    assert len(expected) > 50
    assert report.ok, report.data["failed"]
    assert sorted(s["unit"] for s in report.data["sent"]) == sorted(expected)
    assert len(smtp_server.messages) == len(expected)
    received = by_unit(smtp_server)
    assert sorted(received) == sorted(expected)
    for unit in expected:
        [(env, msg)] = received[unit]
        emails = list(ws.registry.get(unit).emails)
        assert env.rcpt_tos == emails
        assert [a for _, a in getaddresses([str(msg["To"])])] == emails
        assert env.mail_from == "duchashi@example.org"
        name, addr = parseaddr(str(msg["From"]))
        # A long display name is split into several RFC 2047 words; mail clients join them, but
        # Python's address parser leaves a space between them.
        assert addr == "duchashi@example.org" and name.replace(" ", "") == ws.settings.mail.sender_name == ws.settings.office
        assert msg["Subject"] == f"【请报送】2025年度工作任务落实计划表（{unit}，2025年2月18日前）"
        body = msg.get_body(preferencelist=("plain",)).get_content()
        assert "于2025年2月18日前" in body and unit in body and ws.settings.contact in body
        assert "{" not in body
        [att] = list(msg.iter_attachments())
        assert att.get_content_type() == XLSX
        assert att.get_filename() == files[unit]
        assert att.get_content() == (ws.root / "outbox" / "plan" / files[unit]).read_bytes()
        assert msg["Message-ID"].endswith("@example.org>")
        assert msg["Date"].datetime.replace(tzinfo=None) == NOW
    rows = mail_rows(ws)
    assert len(rows) == len(expected)
    row = rows[0]
    assert (row["kind"], row["period"], row["stage"], row["sent_at"]) == ("plan", "2025", "send", "2025-01-27T10:00:00")
    assert json.loads(row["recipients"]) == list(ws.registry.get(row["unit"]).emails)
    [f] = json.loads(row["files"])
    assert f["file"] == f"outbox/plan/{files[row['unit']]}" and len(f["sha256"]) == 64
    assert row["message_id"] == str(received[row["unit"]][0][1]["Message-ID"])
    assert report.data["dry_run"] is False and report.data["eml"] == []


def test_second_run_sends_nothing_and_resend_sends_again(ws, smtp_server):
    first = send.run(ws, send.Request("plan"), NOW, sleep=Sleeps())
    count = len(smtp_server.messages)
    assert count == len(first.data["sent"])
    again = send.run(ws, send.Request("plan"), datetime(2025, 1, 28, 9, 0), sleep=Sleeps())
    assert len(smtp_server.messages) == count
    assert again.data["sent"] == [] and again.ok
    assert sorted(s["unit"] for s in again.data["skipped"]) == sorted(s["unit"] for s in first.data["sent"])
    assert all("已发送" in s["reason"] and "--resend" in s["reason"] for s in again.data["skipped"])
    assert len(mail_rows(ws)) == count

    one = first.data["sent"][0]["unit"]
    only = send.run(ws, send.Request("plan", resend=True, units=[one]), datetime(2025, 1, 28, 9, 0), sleep=Sleeps())
    assert [s["unit"] for s in only.data["sent"]] == [one]
    assert len(smtp_server.messages) == count + 1

    everyone = send.run(ws, send.Request("plan", resend=True), datetime(2025, 1, 29, 9, 0), sleep=Sleeps())
    assert len(everyone.data["sent"]) == count
    assert len(smtp_server.messages) == 2 * count + 1
    assert len(mail_rows(ws)) == 2 * count + 1


def test_server_down_marks_nothing_sent(ws, smtp_server):
    smtp_server.stop()
    sleeps = Sleeps()
    report = send.run(ws, send.Request("plan"), NOW, sleep=sleeps)
    assert not report.ok
    assert report.data["sent"] == []
    assert len(report.data["failed"]) > 50
    first = report.data["failed"][0]["reason"]
    assert "连接" in first and str(smtp_server.port) in first and "已重试 3 次" in first
    assert all("连接" in f["reason"] for f in report.data["failed"])
    # retried with exponential backoff, then the run stops trying an unreachable server
    assert sleeps == [0.01, 0.02, 0.04]
    assert mail_rows(ws) == []
    # the one message tried keeps its reason; nothing is 发送中 or 已发送
    [tried] = mail_rows(ws, None)
    assert (tried["status"], tried["reason"]) == ("failed", first)
    assert "失败" in report.summary
    # plain output: the reason, once, for all of them
    [line] = [w for w in report.warnings if "发送失败" in w]
    assert line.startswith(f"{len(report.data['failed'])} 个单位发送失败，原因相同：{first}")


def test_closed_port_and_later_retry_sends_all(root, smtp_server):
    set_mail_config(root / "duban.toml", port=free_port())  # nothing listens there
    w = open_workspace(root)
    try:
        report = send.run(w, send.Request("plan"), NOW, sleep=Sleeps())
        assert not report.ok and report.data["sent"] == [] and mail_rows(w) == []
        assert "连接被拒绝" in report.data["failed"][0]["reason"]
    finally:
        w.close()
    set_mail_config(root / "duban.toml", port=smtp_server.port)
    w = open_workspace(root)
    try:
        report = send.run(w, send.Request("plan"), NOW, sleep=Sleeps())
        assert report.ok and len(report.data["sent"]) == len(smtp_server.messages) > 50
    finally:
        w.close()


def test_refused_recipient_fails_that_unit_only(ws, smtp_server):
    files = generated(ws)
    unit = next(u for u in files if ws.registry.get(u) and ws.registry.get(u).emails)
    address = ws.registry.get(unit).emails[0]
    smtp_server.refuse(address)
    sleeps = Sleeps()
    report = send.run(ws, send.Request("plan"), NOW, sleep=sleeps)
    assert not report.ok
    [failed] = report.data["failed"]
    assert failed["unit"] == unit
    assert address in failed["reason"] and "拒绝" in failed["reason"] and "550" in failed["reason"]
    assert sleeps == [0.01, 0.02, 0.04]  # retried, then given up
    assert unit not in {s["unit"] for s in report.data["sent"]}
    assert len(smtp_server.messages) == len(report.data["sent"])
    assert unit not in {r["unit"] for r in mail_rows(ws)}
    [row] = [r for r in mail_rows(ws, None) if r["unit"] == unit]
    assert row["status"] == "failed" and address in row["reason"]
    assert report.warnings[0] == f"{unit}发送失败：{failed['reason']}"
    # the others: the server's answer to each message is kept
    assert {r["answer"] for r in mail_rows(ws)} == {"250 Message accepted for delivery"}
    # once the address works, a rerun sends only the one that failed
    smtp_server.handler.refused.clear()
    again = send.run(ws, send.Request("plan"), NOW, sleep=Sleeps())
    assert [s["unit"] for s in again.data["sent"]] == [unit] and again.ok


def test_dry_run_writes_eml_and_sends_nothing(ws, smtp_server):
    report = send.run(ws, send.Request("plan", dry_run=True), NOW, sleep=Sleeps())
    files = generated(ws)
    assert report.data["dry_run"] is True
    assert report.data["sent"] == []
    assert smtp_server.messages == []
    assert mail_rows(ws) == []
    preview = ws.root / "outbox" / "plan" / "邮件预览"
    emls = sorted(preview.glob("*.eml"))
    assert len(emls) == len(report.data["eml"]) == len(report.data["preview"]) > 50
    for path in emls:
        unit = path.stem
        msg = parse(path.read_bytes())
        assert [a for _, a in getaddresses([str(msg["To"])])] == list(ws.registry.get(unit).emails)
        assert unit in msg["Subject"]
        [att] = list(msg.iter_attachments())
        assert att.get_filename() == files[unit]
        assert att.get_content() == (ws.root / "outbox" / "plan" / files[unit]).read_bytes()
    assert b"\r\n" in emls[0].read_bytes()
    # the preview did not count as sending
    real = send.run(ws, send.Request("plan"), NOW, sleep=Sleeps())
    assert len(real.data["sent"]) == len(emls)


def test_unit_without_address_is_skipped(root, smtp_server):
    wb = openpyxl.load_workbook(root / "units.xlsx")
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[1]]
    name_col, mail_col = header.index("单位名称") + 1, header.index("邮箱") + 1
    w = open_workspace(root)
    try:
        target = sorted(generated(w))[0]
    finally:
        w.close()
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row, name_col).value == target:
            sheet.cell(row, mail_col).value = None
    wb.save(root / "units.xlsx")
    w = open_workspace(root)
    try:
        assert w.registry.get(target).emails == ()
        report = send.run(w, send.Request("plan"), NOW, sleep=Sleeps())
        skipped = {s["unit"]: s["reason"] for s in report.data["skipped"]}
        assert target in skipped and "邮箱" in skipped[target]
        assert target not in {s["unit"] for s in report.data["sent"]}
        assert report.ok
        assert len(smtp_server.messages) == len(report.data["sent"])
    finally:
        w.close()


def test_status_needs_generate_first(ws, smtp_server):
    with pytest.raises(DubanError, match="generate status --month 2025-05"):
        send.run(ws, send.Request("status", "2025-05"), NOW, sleep=Sleeps())
    with pytest.raises(DubanError, match="没有本期的报送表"):
        send.run(ws, send.Request("plan", units=["不存在的单位"]), NOW, sleep=Sleeps())
    assert smtp_server.messages == []


def test_subject_template_with_deadline_and_alias(root, smtp_server):
    set_config(root / "duban.toml", "mail.templates", plan_subject="请于{deadline}前报送{period}年度计划（{unit}）{unknown}")
    w = open_workspace(root)
    try:
        unit = next(u for u in w.registry.units if u.aliases and u.name in generated(w))
        report = send.run(w, send.Request("plan", units=[unit.aliases[0]]), NOW, sleep=Sleeps())
        assert [s["unit"] for s in report.data["sent"]] == [unit.name]
        [m] = smtp_server.messages
        assert parse(m.content)["Subject"] == f"请于2025年2月18日前报送2025年度计划（{unit.name}）{{unknown}}"
    finally:
        w.close()


def test_status_send_uses_month_period(root, smtp_server):
    from jobs import generate

    w = open_workspace(root)
    try:
        generate.run(w, generate.Request("status", "2025-03"), datetime(2025, 4, 1, 8, 0))
        unit = sorted(generated(w, "status", "2025-03"))[0]
        report = send.run(w, send.Request("status", "2025年3月", units=[unit]), datetime(2025, 4, 1, 9, 0), sleep=Sleeps())
        assert report.ok and report.data["period"] == "2025-03"
        msg = parse(smtp_server.messages[0].content)
        assert msg["Subject"] == f"【请报送】2025年3月工作任务落实情况表（{unit}，2025年4月8日前）"
        assert "于2025年4月8日前" in msg.get_body(preferencelist=("plain",)).get_content()
        [row] = mail_rows(w)
        assert (row["kind"], row["period"]) == ("status", "2025-03")
    finally:
        w.close()


def test_mailer_reconnects_after_dropped_connection(ws, smtp_server):
    msg1 = build_message(ws.settings, "区委改革办", ["a@example.org"], "主题一", "正文", [], NOW)
    msg2 = build_message(ws.settings, "区委改革办", ["b@example.org"], "主题二", "正文", [], NOW)
    sleeps = Sleeps()
    with Mailer(ws.settings.mail, sleep=sleeps) as mailer:
        mailer.send(msg1)
        mailer.smtp.sock.shutdown(socket.SHUT_RDWR)  # the server or the network dropped us
        mailer.send(msg2)
    assert [m.rcpt_tos for m in smtp_server.messages] == [["a@example.org"], ["b@example.org"]]
    assert len(sleeps) == 1


def test_render_keeps_unknown_placeholders():
    assert fill("{unit}：{items}，{x}", unit="区商务局") == "区商务局：{items}，{x}"
    assert fill("单独的 { 括号 {unit}", unit="区商务局") == "单独的 { 括号 区商务局"


def test_changed_workbook_after_sending_is_flagged(ws, smtp_server):
    first = send.run(ws, send.Request("plan"), NOW, sleep=Sleeps())
    unit = first.data["sent"][0]["unit"]
    path = ws.root / first.data["sent"][0]["files"][0]
    path.write_bytes(path.read_bytes() + b"\0")  # as if generate had rewritten it
    again = send.run(ws, send.Request("plan"), NOW, sleep=Sleeps())
    assert again.data["sent"] == []
    assert any(w.startswith(f"{unit}：") and "--resend" in w for w in again.warnings)
    assert sum(1 for w in again.warnings if "重新生成" in w) == 1


def test_mailer_warns_when_password_missing():
    mailer = Mailer(MailSettings(user="duchashi@example.org", password_env="DUBAN_TEST_PW"), environ={})
    assert mailer.warnings and "DUBAN_TEST_PW" in mailer.warnings[0]
    assert Mailer(MailSettings(user="duchashi@example.org", password_env="DUBAN_TEST_PW"), environ={"DUBAN_TEST_PW": "x"}).warnings == []


# --- exactly once, visibly ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
CRASH = """
import os, sys
from datetime import datetime
from pathlib import Path
from office import mailer
from jobs import send
from office.workspace import open_workspace

count = {"n": 0}

def crash(msg):
    count["n"] += 1
    if count["n"] == int(sys.argv[2]):
        os._exit(17)  # the process dies after the server accepted the message, before the ledger says so

mailer._after_smtp_hook = crash
ws = open_workspace(Path(sys.argv[1]))
send.run(ws, send.Request("plan"), datetime(2025, 1, 27, 10), sleep=lambda s: None)
"""


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_a_crash_between_smtp_and_the_ledger_is_unconfirmed_until_named(root, smtp_server):
    r = subprocess.run([sys.executable, "-c", CRASH, str(root), "3"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 17, r.stderr
    assert len(smtp_server.messages) == 3  # the server has the third message; the ledger does not know it
    w = open_workspace(root)
    try:
        rows = mail_rows(w, None)
        assert [x["status"] for x in rows] == ["sent", "sent", "sending"]
        crashed = rows[2]["unit"]
        assert parse(smtp_server.messages[2].content)["X-Duban-Unit"] == crashed
        assert rows[0]["answer"] == "250 Message accepted for delivery" and rows[2]["answer"] == ""

        # the next run sends everyone else, lists the crashed message as 待确认 and does not send it
        nxt = send.run(w, send.Request("plan"), datetime(2025, 1, 27, 11), sleep=Sleeps())
        assert not nxt.ok
        assert [u["unit"] for u in nxt.data["unconfirmed"]] == [crashed]
        assert crashed not in {s["unit"] for s in nxt.data["sent"]}
        units = [u for u in generated(w) if w.registry.get(u) and w.registry.get(u).emails]
        assert len(smtp_server.messages) == len(units)  # each unit once
        assert "待确认 1 个" in nxt.summary
        [line] = [x for x in nxt.warnings if x.startswith("待确认")]
        assert crashed in line and f"--resend --unit {crashed}" in line and f"--record-only --unit {crashed}" in line
        # and again: still nothing for it
        again = send.run(w, send.Request("plan"), datetime(2025, 1, 27, 12), sleep=Sleeps())
        assert again.data["sent"] == [] and [u["unit"] for u in again.data["unconfirmed"]] == [crashed]
        assert len(smtp_server.messages) == len(units)
        # not even with --resend alone, which sends every unit already sent once more
        everyone = send.run(w, send.Request("plan", resend=True), datetime(2025, 1, 27, 12, 30), sleep=Sleeps())
        assert crashed not in {s["unit"] for s in everyone.data["sent"]} and len(everyone.data["sent"]) == len(units) - 1
        assert [u["unit"] for u in everyone.data["unconfirmed"]] == [crashed]
        units = units + [u for u in units if u != crashed]  # what the server has received so far, one entry per message
    finally:
        w.close()

    # the clerk names it: sent once more, recorded, and no more after that
    r = run_cli("send", "plan", "--resend", "--unit", crashed, "-w", str(root), "--now", "2025-01-27T13:00")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "已发送 1 个单位" in r.stdout
    assert len(smtp_server.messages) == len(units) + 1
    assert parse(smtp_server.messages[-1].content)["X-Duban-Unit"] == crashed
    r = run_cli("send", "plan", "-w", str(root), "--now", "2025-01-27T14:00")
    assert r.returncode == 0 and "待确认" not in r.stdout, r.stdout
    assert len(smtp_server.messages) == len(units) + 1


def test_record_only_confirms_an_unconfirmed_message(root, smtp_server):
    r = subprocess.run([sys.executable, "-c", CRASH, str(root), "1"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 17
    w = open_workspace(root)
    try:
        [row] = mail_rows(w, None)
        crashed = row["unit"]
        rec = send.run(w, send.Request("plan", record_only=True, units=[crashed]), datetime(2025, 1, 27, 11))
        assert rec.ok and rec.data["recorded"] == [crashed] and len(smtp_server.messages) == 1
        nxt = send.run(w, send.Request("plan"), datetime(2025, 1, 27, 12), sleep=Sleeps())
        assert nxt.ok and nxt.data["unconfirmed"] == []
        assert crashed not in {s["unit"] for s in nxt.data["sent"]}
        assert sum(1 for m in smtp_server.messages if parse(m.content)["X-Duban-Unit"] == crashed) == 1
    finally:
        w.close()


def test_plain_output_prints_the_reasons_and_exits_1(root, smtp_server):
    smtp_server.stop()
    r = run_cli("send", "plan", "-w", str(root), "--now", "2025-01-27T10:00")
    assert r.returncode == 1, r.stdout + r.stderr
    out = r.stdout.replace("\n", "")
    assert "发送失败" in out and "原因相同：无法连接邮件服务器 127.0.0.1:" in out and "连接被拒绝" in out
    assert "Traceback" not in r.stderr


def test_unit_option_takes_several_units(root, smtp_server):
    w = open_workspace(root)
    try:
        names = [u for u in sorted(generated(w), key=w.registry.order_key) if w.registry.get(u).emails][:3]
        alias = next((a for a in w.registry.get(names[2]).aliases), names[2])
    finally:
        w.close()
    r = run_cli("send", "plan", "--unit", names[0], names[1], "--unit", alias, "-w", str(root), "--now", "2025-01-27T10:00", "--json")
    assert r.returncode == 0, r.stderr
    assert [s["unit"] for s in json.loads(r.stdout)["sent"]] == names
    assert sorted(parse(m.content)["X-Duban-Unit"] for m in smtp_server.messages) == sorted(names)
    r = run_cli("send", "plan", "--unit", "不存在的单位", "-w", str(root))
    assert r.returncode == 2 and "不存在的单位" in r.stderr


def test_record_only_mails_nothing_and_counts_as_issued(root, smtp_server):
    from office.mailer import issued_units

    r = run_cli("send", "plan", "--record-only", "-w", str(root), "--now", "2025-01-27T10:00")
    assert r.returncode == 0, r.stdout + r.stderr
    assert smtp_server.messages == []
    w = open_workspace(root)
    try:
        assert issued_units(w, "plan", "2025") == set(generated(w))  # units without an address too
        assert {(x["status"], x["recorded_only"]) for x in mail_rows(w, None)} == {("sent", 1)}
        later = send.run(w, send.Request("plan"), datetime(2025, 1, 28, 9), sleep=Sleeps())
        assert later.data["sent"] == [] and smtp_server.messages == []
        assert all(s["reason"].startswith("已登记为下发") for s in later.data["skipped"] if w.registry.get(s["unit"]).emails)
        again = send.run(w, send.Request("plan", record_only=True), datetime(2025, 1, 28, 9))
        assert again.data["recorded"] == [] and len(mail_rows(w, None)) == len(generated(w))
    finally:
        w.close()
