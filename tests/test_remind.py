"""remind: reminders before the March deadline (2025-04-08), the overdue chase after it."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import datetime
from email.utils import getaddresses

import pytest

from jobs import remind
from office.month import reporting_units
from office.workspace import open_workspace

try:
    from tests.smtp_server import prepare_sample_workspace, set_config, root, smtp_server, use_server, ws  # noqa: F401
except ImportError:  # tests/ is not a package
    from smtp_server import prepare_sample_workspace, set_config, root, smtp_server, use_server, ws  # noqa: F401

PERIOD = "2025-03"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The sample with the plan and the March forms generated and recorded as issued (send --record-only)."""
    from jobs import send

    root = prepare_sample_workspace(tmp_path_factory.mktemp("tpl") / "ws", status_months=(PERIOD,))
    w = open_workspace(root)
    try:
        assert send.run(w, send.Request("plan", record_only=True), datetime(2025, 1, 27, 9)).ok
        assert send.run(w, send.Request("status", PERIOD, record_only=True), datetime(2025, 3, 3, 9)).ok
    finally:
        w.close()
    return root


def no_sleep(seconds: float) -> None:
    pass


def parse(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)


def accept(ws, unit: str, kind: str = "status", period: str = PERIOD, at: str = "2025-04-02T10:00:00", blank: bool = False) -> None:
    """A return as collect records it: an accepted row in the ledger's files table, with one filled-in row
    (``blank``: nothing filled in)."""
    sha = f"{abs(hash((unit, kind, period, blank))):064d}"[:64]
    task = next(t for t in ws.ledger.tasks() if unit in t.units)
    vals = {} if blank else ({"progress": "已完成"} if kind == "status" else {"q1": "一季度目标"})
    with ws.ledger.transaction() as con:
        con.execute(
            "INSERT INTO files (sha256, name, size, received_at, archive, format, unit, kind, period, verdict, reason, warnings) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (sha, f"{unit}.xlsx", 1234, at, f"archive/{sha[:2]}/{sha}.xlsx", "xlsx", unit, kind, period, "accepted", "", json.dumps([])))
        con.execute("INSERT INTO entries VALUES (?,?,?,?,?,?,?,?)",
                    (sha, unit, kind, period, task.id, task.text, json.dumps(vals, ensure_ascii=False), "{}"))


def units_of(report) -> list[str]:
    return [s["unit"] for s in report.data["sent"]]


def stage_rows(ws, stage):
    """Units mailed at this stage (rows that went out)."""
    return ws.ledger.db.execute("SELECT unit FROM mail WHERE kind='status' AND period=? AND stage=? AND status='sent'",
                                (PERIOD, stage)).fetchall()


def test_nothing_before_the_window(ws, smtp_server):
    for day in (datetime(2025, 3, 31, 9), datetime(2025, 4, 2, 17)):
        report = remind.run(ws, remind.Request(PERIOD), day, sleep=no_sleep)
        assert report.ok and report.data["stage"] is None
        assert report.data["sent"] == []
        assert "无需提醒" in report.summary and "2025年4月8日" in report.summary and "2025年4月3日" in report.summary
    assert smtp_server.messages == []
    assert ws.ledger.db.execute("SELECT COUNT(*) FROM mail WHERE stage!='send'").fetchone()[0] == 0


def test_remind_once_then_overdue_once(ws, smtp_server):
    tasks = ws.ledger.tasks()
    units = [u for u in reporting_units(ws, tasks) if ws.registry.get(u) and ws.registry.get(u).emails]
    answered, has_plan, late_answer = units[0], units[1], units[2]
    accept(ws, answered)
    accept(ws, has_plan, kind="plan", period="2025", at="2025-02-10T09:00:00")
    files = {r["unit"]: r["file"] for r in ws.ledger.db.execute("SELECT unit, file FROM generated WHERE kind='status' AND period=?", (PERIOD,))}
    plan_files = {r["unit"]: r["file"] for r in ws.ledger.db.execute("SELECT unit, file FROM generated WHERE kind='plan'")}

    # 2025-04-03 is two working days before the deadline (04-04 Qingming, 04-05/06 weekend, 04-07 Monday)
    first = remind.run(ws, remind.Request(PERIOD), datetime(2025, 4, 3, 9, 0), sleep=no_sleep)
    assert first.ok and first.data["stage"] == "remind"
    assert first.data["deadline"] == "2025-04-08"
    sent = units_of(first)
    assert answered not in sent
    assert sorted(sent) == sorted(u for u in units if u != answered)
    assert len(smtp_server.messages) == len(sent)
    by_unit = {parse(m.content)["X-Duban-Unit"]: (m, parse(m.content)) for m in smtp_server.messages}
    for unit in (has_plan, late_answer):
        env, msg = by_unit[unit]
        assert env.rcpt_tos == list(ws.registry.get(unit).emails)
        assert [a for _, a in getaddresses([str(msg["To"])])] == list(ws.registry.get(unit).emails)
        assert msg["Subject"] == f"【提醒】2025年3月落实情况请于2025年4月8日前报送（{unit}）"
        body = msg.get_body(preferencelist=("plain",)).get_content()
        n = sum(1 for t in tasks if unit in t.units)
        assert f"· 2025年3月工作任务落实情况表（涉及{n}项任务）" in body
        assert "截止日期为2025年4月8日" in body and "{" not in body
        attachments = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
        assert attachments[files[unit]] == (ws.root / "outbox" / PERIOD / files[unit]).read_bytes()
        if unit == has_plan:
            assert "落实计划表" not in body and len(attachments) == 1
        else:
            assert "· 2025年度工作任务落实计划表（截止日期2025年2月18日，已逾期）" in body
            assert attachments[plan_files[unit]] == (ws.root / "outbox" / "plan" / plan_files[unit]).read_bytes()
    assert len(stage_rows(ws, "remind")) == len(sent)

    # the same day again, and later in the window: nothing new
    for again_at in (datetime(2025, 4, 3, 15, 0), datetime(2025, 4, 8, 9, 0)):
        again = remind.run(ws, remind.Request(PERIOD), again_at, sleep=no_sleep)
        assert again.data["stage"] == "remind" and again.data["sent"] == [] and again.ok
        assert all("已发送" in s["reason"] for s in again.data["skipped"])
        assert len(smtp_server.messages) == len(sent)

    # a unit that answers after the reminder is not chased
    accept(ws, late_answer, at="2025-04-07T16:00:00")
    count = len(smtp_server.messages)
    overdue = remind.run(ws, remind.Request(PERIOD), datetime(2025, 4, 9, 9, 0), sleep=no_sleep)
    assert overdue.ok and overdue.data["stage"] == "overdue"
    chased = units_of(overdue)
    assert sorted(chased) == sorted(u for u in units if u not in (answered, late_answer))
    assert len(smtp_server.messages) == count + len(chased)
    msg = parse(smtp_server.messages[-1].content)
    assert msg["Subject"].startswith("【催报】2025年3月落实情况已逾期")
    assert "已超过截止日期（2025年4月8日）" in msg.get_body(preferencelist=("plain",)).get_content()
    assert len(stage_rows(ws, "overdue")) == len(chased)

    later = remind.run(ws, remind.Request(PERIOD), datetime(2025, 4, 10, 9, 0), sleep=no_sleep)
    assert later.data["sent"] == [] and len(smtp_server.messages) == count + len(chased)
    all_mail = {r["unit"] for r in ws.ledger.db.execute("SELECT unit FROM mail WHERE stage!='send'")}
    assert answered not in all_mail


def test_overdue_waits_for_configured_workdays(root, smtp_server):
    set_config(root / "duban.toml", "deadlines", overdue_after_workdays=2)
    w = open_workspace(root)
    try:
        gap = remind.run(w, remind.Request(PERIOD), datetime(2025, 4, 9, 9, 0), sleep=no_sleep)
        assert gap.data["stage"] is None and gap.data["overdue_from"] == "2025-04-10"
        assert "尚未到催报时间" in gap.summary and smtp_server.messages == []
        chase = remind.run(w, remind.Request(PERIOD), datetime(2025, 4, 10, 9, 0), sleep=no_sleep)
        assert chase.data["stage"] == "overdue" and len(chase.data["sent"]) == len(smtp_server.messages) > 50
    finally:
        w.close()


def test_dry_run_records_nothing(ws, smtp_server):
    report = remind.run(ws, remind.Request(PERIOD, dry_run=True), datetime(2025, 4, 3, 9, 0), sleep=no_sleep)
    assert report.data["dry_run"] is True and report.data["sent"] == []
    assert smtp_server.messages == [] and stage_rows(ws, "remind") == []
    assert len(report.data["eml"]) == len(report.data["preview"]) > 50
    msg = parse(open(report.data["eml"][0], "rb").read())
    assert msg["Subject"].startswith("【提醒】")
    real = remind.run(ws, remind.Request(PERIOD), datetime(2025, 4, 3, 9, 0), sleep=no_sleep)
    assert len(real.data["sent"]) == len(report.data["preview"])


def test_server_down_records_nothing(ws, smtp_server):
    smtp_server.stop()
    report = remind.run(ws, remind.Request(PERIOD), datetime(2025, 4, 3, 9, 0), sleep=no_sleep)
    assert not report.ok and report.data["sent"] == []
    assert all("连接" in f["reason"] for f in report.data["failed"])
    assert stage_rows(ws, "remind") == []
