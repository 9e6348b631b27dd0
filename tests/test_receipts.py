"""回执: after collect every unit whose file was taken or refused gets one reply, once.

Against the real SMTP server of tests/smtp_server.py (aiosmtpd on 127.0.0.1). Forms are the
generated ones, filled with tests/fill.py (cells found by header text); the expected cells of
each problem come from that independent locator, not from the reader under test.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from jobs import collect, receipts
from jobs.receipts import Problem, return_problems
from office.model import Task
from office.workspace import open_workspace
from fill import fill_form, form_sheet, locate
from smtp_server import prepare_sample_workspace, set_mail_config, smtp_server, use_server  # noqa: F401
from smtp_server import root, ws  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2025-03"
NOW = datetime(2025, 4, 3, 10, 0)
INCOMPLETE, BROKEN, COMPLETE = "区商务局", "区财政局", "区民政局"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    return prepare_sample_workspace(tmp_path_factory.mktemp("receipts") / "ws", status_months=(PERIOD,))


def parse(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)


def body(msg) -> str:
    return msg.get_body(("plain",)).get_content()


def form_of(ws, unit: str) -> Path:
    [p] = [p for p in (ws.root / "outbox" / PERIOD).glob("*.xlsx") if p.stem.endswith("_" + unit)]
    return p


def task_ids(ws, unit: str) -> list[str]:
    return [t.id for t in ws.ledger.tasks() if unit in t.units]


def full(ws, unit: str, tag: str = "") -> dict:
    return {tid: {"progress": f"{tid}完成情况{tag}", "problems": "无", "next_steps": f"{tid}下一步{tag}", "achieved": "是"}
            for tid in task_ids(ws, unit)}


def aged(path: Path, seconds: float) -> Path:
    t = time.time() - seconds
    os.utime(path, (t, t))
    return path


def drop_returns(ws) -> dict:
    """One incomplete, one broken and one complete return in inbox/; the cells the incomplete
    one must be told about, found with the independent locator of tests/fill.py."""
    inbox = ws.root / "inbox"
    ids = task_ids(ws, INCOMPLETE)
    values = full(ws, INCOMPLETE)
    values[ids[1]]["next_steps"] = None       # 下一步计划 left empty
    values[ids[2]]["achieved"] = "差不多"      # not 是/否
    edited = "（本单位修改后的任务内容）"
    dst = inbox / "区商务局3月落实情况.xlsx"
    fill_form(form_of(ws, INCOMPLETE), dst, values)
    wb = openpyxl.load_workbook(dst)
    sheet = form_sheet(wb)
    cols, rows, _ = locate(sheet)
    sheet.cell(rows[ids[3]], cols["text"]).value = edited  # the task text changed
    wb.save(dst)
    aged(dst, 300)
    cell = {f: get_column_letter(cols[f]) for f in ("text", "next_steps", "achieved")}
    expect = {
        "next": f"{cell['next_steps']}{rows[ids[1]]}",
        "achieved": f"{cell['achieved']}{rows[ids[2]]}",
        "text": f"{cell['text']}{rows[ids[3]]}",
    }
    broken = inbox / "区财政局3月份报表.xlsx"
    broken.write_bytes(form_of(ws, BROKEN).read_bytes()[:3000])  # cut off in transfer
    aged(broken, 200)
    good = inbox / "民政局.xlsx"
    fill_form(form_of(ws, COMPLETE), good, full(ws, COMPLETE))
    aged(good, 100)
    return {"cells": expect, "ids": ids, "good_sha": hashlib.sha256(good.read_bytes()).hexdigest()}


def by_unit(server) -> dict[str, list]:
    out: dict[str, list] = {}
    for m in server.messages:
        msg = parse(m.content)
        out.setdefault(str(msg["X-Duban-Unit"]), []).append((m, msg))
    return out


def test_three_returns_three_receipts_and_a_second_collect_sends_none(root, smtp_server):
    set_mail_config(root / "duban.toml", receipts="all")
    ws = open_workspace(root)
    try:
        facts = drop_returns(ws)
        report = collect.run(ws, collect.Request(receipts=True), NOW, sleep=lambda s: None)
        assert not report.ok  # a refused file is a finding
        sent = report.data["receipts"]["sent"]
        assert {s["unit"]: s["verdict"] for s in sent} == {BROKEN: "rejected", INCOMPLETE: "problems", COMPLETE: "complete"}
        mails = by_unit(smtp_server)
        assert {u: len(v) for u, v in mails.items()} == {BROKEN: 1, INCOMPLETE: 1, COMPLETE: 1}
        for unit, [(env, msg)] in mails.items():
            assert env.rcpt_tos == list(ws.registry.get(unit).emails)
            assert unit in str(msg["Subject"])

        # refused: the reason, what to do, and its own blank form attached again
        [(_, msg)] = mails[BROKEN]
        assert str(msg["Subject"]).startswith("【退回】2025年3月工作任务落实情况表未能接收")
        text = body(msg)
        assert "“区财政局3月份报表.xlsx”未能接收" in text and "原因：" in text and "请于2025年4月8日前" in text
        [att] = list(msg.iter_attachments())
        assert att.get_filename() == form_of(ws, BROKEN).name
        assert att.get_content() == form_of(ws, BROKEN).read_bytes()

        # accepted with problems: every problem by cell, oldest row first, before the deadline
        [(_, msg)] = mails[INCOMPLETE]
        assert str(msg["Subject"]) == "【请补正】2025年3月工作任务落实情况表已收到，有3处需补充或更正（区商务局）"
        text = body(msg)
        cells = facts["cells"]
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()[:2] in ("1.", "2.", "3.", "4.")]
        assert lines == [
            f"1. {cells['next']}（年度工作任务{facts['ids'][1].split('-')[1]}）：“下一步计划”未填写",
            f"2. {cells['achieved']}（年度工作任务{facts['ids'][2].split('-')[1]}）：“是否完成阶段任务目标”填的是“差不多”，应为“是”或“否”（请从下拉列表选择）",
            f"3. {cells['text']}（年度工作任务{facts['ids'][3].split('-')[1]}）：任务内容被改动，请恢复为下发时的内容（台账以任务分解表为准）",
        ], text
        assert "请于2025年4月8日前在原文件上补充更正后重新报送" in text
        assert list(msg.iter_attachments()) == []

        # accepted and complete: the SHA-256 and the received time
        [(_, msg)] = mails[COMPLETE]
        assert str(msg["Subject"]) == "【回执】2025年3月工作任务落实情况表已收到（区民政局）"
        text = body(msg)
        assert facts["good_sha"] in text and "收到时间：2025年4月3日 10:00" in text and "内容完整" in text

        # a second collect, the same file sent again, and an empty inbox: no receipt twice
        (ws.root / "inbox" / "民政局（再发一次）.xlsx").write_bytes(
            (ws.root / ws.ledger.db.execute("SELECT archive FROM files WHERE sha256=?", (facts["good_sha"],)).fetchone()[0]).read_bytes())
        aged(ws.root / "inbox" / "民政局（再发一次）.xlsx", 50)
        again = collect.run(ws, collect.Request(receipts=True), NOW.replace(hour=11))
        assert again.data["duplicates"] and again.data["receipts"]["sent"] == []
        third = collect.run(ws, collect.Request(receipts=True), NOW.replace(hour=12))
        assert third.data["receipts"]["sent"] == [] and third.ok
        assert len(smtp_server.messages) == 3
    finally:
        ws.close()


def test_by_default_only_refused_and_incomplete_files_are_answered(root, smtp_server):
    ws = open_workspace(root)
    try:
        assert ws.settings.mail.receipts == "problems"
        drop_returns(ws)
        report = collect.run(ws, collect.Request(receipts=True), NOW, sleep=lambda s: None)
        assert sorted(s["unit"] for s in report.data["receipts"]["sent"]) == sorted([BROKEN, INCOMPLETE])
        assert set(by_unit(smtp_server)) == {BROKEN, INCOMPLETE}
        # the unit corrects its file: complete now, so no further mail; the correction counts
        fixed = ws.root / "inbox" / "区商务局3月（更正）.xlsx"
        fill_form(form_of(ws, INCOMPLETE), fixed, full(ws, INCOMPLETE, "（更正）"))
        aged(fixed, 10)
        later = collect.run(ws, collect.Request(receipts=True), NOW.replace(hour=15))
        assert later.data["receipts"]["sent"] == [] and len(smtp_server.messages) == 2
    finally:
        ws.close()


def test_one_reply_per_unit_for_a_file_and_its_correction(root, smtp_server):
    ws = open_workspace(root)
    try:
        inbox = ws.root / "inbox"
        first = full(ws, INCOMPLETE, "（初版）")
        first[task_ids(ws, INCOMPLETE)[0]]["progress"] = None
        fill_form(form_of(ws, INCOMPLETE), inbox / "b.xlsx", first)
        aged(inbox / "b.xlsx", 600)
        second = full(ws, INCOMPLETE, "（更正）")
        second[task_ids(ws, INCOMPLETE)[4]]["next_steps"] = None
        fill_form(form_of(ws, INCOMPLETE), inbox / "a.xlsx", second)
        aged(inbox / "a.xlsx", 60)
        report = collect.run(ws, collect.Request(receipts=True), NOW, sleep=lambda s: None)
        [(env, msg)] = by_unit(smtp_server)[INCOMPLETE]
        text = body(msg)
        assert "“a.xlsx”" in text and "“b.xlsx”不是最后报送的版本" in text
        assert "有以下 1 处" in text and "“下一步计划”未填写" in text and "完成情况”未填写" not in text
        assert len(smtp_server.messages) == 1 and report.data["receipts"]["sent"][0]["files"] == ["a.xlsx"]
    finally:
        ws.close()


def test_a_dry_run_previews_and_a_later_run_sends_them_once(root, smtp_server):
    ws = open_workspace(root)
    try:
        drop_returns(ws)
    finally:
        ws.close()
    cli = [sys.executable, "run.py", "collect", "-w", str(root), "--now", NOW.isoformat()]
    done = subprocess.run(cli + ["--dry-run"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # a refused file
    assert "回执预览 2 封" in done.stdout and "Traceback" not in done.stderr
    emls = sorted((root / "outbox" / receipts.PREVIEW_FOLDER).glob("*.eml"))
    assert [p.name for p in emls] == sorted([f"{BROKEN}（回执）.eml", f"{INCOMPLETE}（回执）.eml"])
    assert str(parse(emls[0].read_bytes())["Subject"]).startswith(("【退回】", "【请补正】"))
    assert smtp_server.messages == []
    sent = subprocess.run(cli, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert sent.returncode == 0, sent.stdout + sent.stderr  # nothing new collected; the previewed replies go out
    assert "回执：已发给 2 个单位" in sent.stdout
    assert sorted(by_unit(smtp_server)) == sorted([BROKEN, INCOMPLETE])
    again = subprocess.run(cli, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and len(smtp_server.messages) == 2


def test_server_down_then_up_each_reply_goes_once(root, smtp_server):
    ws = open_workspace(root)
    try:
        drop_returns(ws)
        smtp_server.stop()
        down = collect.run(ws, collect.Request(receipts=True), NOW, sleep=lambda s: None)
        failed = down.data["receipts"]["failed"]
        assert len(failed) == 2 and not down.ok and "连接被拒绝" in failed[0]["reason"]
        assert "回执发送失败 2 个" in down.summary
    finally:
        ws.close()
    smtp_server.start()
    use_server(root, smtp_server.port)
    ws = open_workspace(root)
    try:
        assert receipts.due(ws, receipts.Request())
        up = receipts.run(ws, receipts.Request(), NOW.replace(hour=11), sleep=lambda s: None)
        assert up.ok and sorted(s["unit"] for s in up.data["sent"]) == sorted([BROKEN, INCOMPLETE])
        assert not receipts.due(ws, receipts.Request())
        assert receipts.run(ws, receipts.Request(), NOW.replace(hour=12)).data["sent"] == []
        assert sorted(by_unit(smtp_server)) == sorted([BROKEN, INCOMPLETE]) and len(smtp_server.messages) == 2
    finally:
        ws.close()


CRASH_AFTER_SMTP = """
import os, sys
from datetime import datetime
import office.mailer as mailer
from jobs import collect, receipts
from office.workspace import open_workspace
real = mailer.Mailer.send
def send_then_die(self, msg):
    real(self, msg)
    os._exit(9)  # the server has the message; the ledger has not been told
mailer.Mailer.send = send_then_die
ws = open_workspace(sys.argv[1])
collect.run(ws, collect.Request(receipts=True), datetime(2025, 4, 3, 10), sleep=lambda s: None)
"""


def test_a_crash_after_the_server_took_a_reply_never_sends_it_again(root, smtp_server):
    ws = open_workspace(root)
    try:
        drop_returns(ws)
    finally:
        ws.close()
    died = subprocess.run([sys.executable, "-c", CRASH_AFTER_SMTP, str(root)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert died.returncode == 9, died.stderr
    assert len(smtp_server.messages) == 1
    ws = open_workspace(root)
    try:
        first_unit = str(parse(smtp_server.messages[0].content)["X-Duban-Unit"])
        # the collect was committed before the crash: its files are found again through the receipts table
        assert receipts.due(ws, receipts.Request())
        r = receipts.run(ws, receipts.Request(), NOW.replace(hour=11), sleep=lambda s: None)
        [w] = [w for w in r.warnings if w.startswith("待确认")]
        assert first_unit in w and "未自动重发" in w
        # the reply the crashed run never reached goes now; the one the server took is not sent again
        other = ({BROKEN, INCOMPLETE} - {first_unit}).pop()
        assert [s["unit"] for s in r.data["sent"]] == [other]
        assert sorted(by_unit(smtp_server)) == sorted([BROKEN, INCOMPLETE]) and len(smtp_server.messages) == 2
        again = receipts.run(ws, receipts.Request(), NOW.replace(hour=12))
        assert not [w for w in again.warnings if w.startswith("待确认")]  # said once
        assert again.data["sent"] == [] and len(smtp_server.messages) == 2
        assert not receipts.due(ws, receipts.Request())
    finally:
        ws.close()


def test_return_problems_by_cell():
    tasks = {
        "annual-3": Task("annual", 3, "推进产业园建设"),
        "annual-7": Task("annual", 7, "扩大有效投资"),
        "livelihood-2": Task("livelihood", 2, "建设口袋公园"),
        "annual-9": Task("annual", 9, "改造老旧小区"),
    }
    cells = lambda r: {"text": f"C{r}", "progress": f"F{r}", "next_steps": f"G{r}", "achieved": f"H{r}"}  # noqa: E731
    entries = [
        {"task_id": "livelihood-2", "text": "建设口袋公园", "values": {"progress": "完成", "next_steps": "继续", "achieved": "是"}, "cells": cells(20)},
        {"task_id": "annual-7", "text": "扩大有效投资 ", "values": {"progress": "推进", "next_steps": None, "achieved": None}, "cells": cells(9)},
        {"task_id": "annual-3", "text": "推进产业园建设（改）", "values": {"progress": "推进", "next_steps": "  ", "achieved": "否"}, "cells": cells(7)},
    ]
    warnings = ["x.xlsx：工作表“落实情况表”，H9：“差不多”不是“是/否”，请从下拉列表选择。"]
    got = return_problems("status", entries, tasks, warnings)
    assert got == [
        Problem("C7", "年度工作任务3", "任务内容被改动，请恢复为下发时的内容（台账以任务分解表为准）"),
        Problem("G7", "年度工作任务3", "“下一步计划”未填写"),
        Problem("G9", "年度工作任务7", "“下一步计划”未填写"),
        Problem("H9", "年度工作任务7", "“是否完成阶段任务目标”填的是“差不多”，应为“是”或“否”（请从下拉列表选择）"),
        Problem("", "年度工作任务9", "表中没有这一行（可能被删除，或序号被改动），请在下发的原表中补填"),
    ]
    assert got[1].line() == "G7（年度工作任务3）：“下一步计划”未填写"
    assert return_problems("status", entries[:1], {"livelihood-2": tasks["livelihood-2"]}, []) == []


def test_run_due_answers_after_each_collect(tmp_path, smtp_server):
    from jobs import generate
    from jobs import run_due
    from jobs.simulate import fill_workbook

    try:
        from tests.month_fixture import U, full as month_full, make_ws
    except ImportError:
        from month_fixture import U, full as month_full, make_ws

    root = tmp_path / "ws"
    make_ws(root).close()
    use_server(root, smtp_server.port)
    ws = open_workspace(root)
    try:
        generate.run(ws, generate.Request("status", PERIOD), datetime(2025, 4, 1, 9))
        [src] = [p for p in (ws.root / "outbox" / PERIOD).glob("*.xlsx") if p.stem.endswith("_" + U[0])]
        dst = ws.root / "inbox" / f"{U[0]}.xlsx"
        fill_workbook(src, dst, {"annual-1": month_full("3月进展", next_steps=None)})
        aged(dst, 60)
        report = run_due.run(ws, run_due.Request(), datetime(2025, 4, 2, 10), sleep=lambda s: None)
        jobs = [r["job"] for r in report.data["ran"]]
        assert jobs[:3] == ["collect", "merge", "receipts"], jobs
        receipts_mail = [parse(m.content) for m in smtp_server.messages if "【请补正】" in str(parse(m.content)["Subject"])]
        [msg] = receipts_mail
        assert str(msg["X-Duban-Unit"]) == U[0] and "“下一步计划”未填写" in body(msg)
        # the next tick, with nothing new, neither answers again nor records a receipts run
        n = len(smtp_server.messages)
        later = run_due.run(ws, run_due.Request(), datetime(2025, 4, 2, 10, 5), sleep=lambda s: None)
        assert "receipts" not in [r["job"] for r in later.data["ran"]] and len(smtp_server.messages) == n
    finally:
        ws.close()
