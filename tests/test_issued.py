"""A unit is 应报 only for forms issued to it: a workspace whose status forms were first mailed for March 2025.

January's forms were generated but never sent (未下发); February's were handed out by other means and
recorded with ``send --record-only`` (they count normally); March's went out through a real SMTP server.
Blank returns (a plan with no quarter target, a status form with no 完成情况) are findings of their own.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from jobs import brief, generate, merge, remind, send
from office.mailer import issued_units
from office.month import build_month
from sheets.briefing import quarterly_facts
from office.workspace import open_workspace

try:
    from tests.month_fixture import U, give_back, make_ws
    from tests.smtp_server import SmtpServer, use_server
except ImportError:  # tests/ is not a package
    from month_fixture import U, give_back, make_ws
    from smtp_server import SmtpServer, use_server

ROOT = Path(__file__).resolve().parents[1]
END = datetime(2025, 4, 15, 9)
PLAN = {"q1": "一季度目标", "q2": "二季度目标", "q3": "三季度目标", "q4": "四季度目标", "main_leader": "张三", "deputy": "李四"}
BLANK_PLAN = {"main_leader": "张三", "deputy": "李四"}  # names only, no quarter target in any row


def status(progress: str | None, achieved: str = "是") -> dict:
    return {"progress": progress, "problems": "无", "next_steps": "继续推进", "achieved": achieved}


def no_sleep(seconds: float) -> None:
    pass


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True, cwd=ROOT, timeout=120)


def subjects(server: SmtpServer) -> list[tuple[str, str]]:
    out = []
    for m in server.messages:
        msg = email.message_from_bytes(m.content, policy=email.policy.default)
        out.append((str(msg["X-Duban-Unit"]), str(msg["Subject"])))
    return out


@pytest.fixture(scope="module")
def server():
    s = SmtpServer()
    s.start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory, server):
    """The workspace after the whole timeline, and what each step reported."""
    root = tmp_path_factory.mktemp("issued") / "ws"
    make_ws(root).close()
    use_server(root, server.port)
    ws = open_workspace(root)
    got: dict = {}
    try:
        generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9))
        got["plan_record"] = send.run(ws, send.Request("plan", record_only=True), datetime(2025, 1, 27, 9, 5))
        for u in U[:5]:
            give_back(ws, "plan", None, u, PLAN, datetime(2025, 2, 14, 10))
        give_back(ws, "plan", None, U[5], BLANK_PLAN, datetime(2025, 2, 14, 10))  # U6 never sends its plan

        # January: generated, never sent
        generate.run(ws, generate.Request("status", "2025-01"), datetime(2025, 1, 2, 9))
        got["jan_remind"] = remind.run(ws, remind.Request("2025-01"), datetime(2025, 2, 11, 9), sleep=no_sleep)

        # February: handed out by other means, recorded on the command line
        generate.run(ws, generate.Request("status", "2025-02"), datetime(2025, 2, 5, 9))
        ws.close()
        got["feb_cli"] = run_cli("send", "status", "--month", "2025-02", "--record-only", "-w", str(root), "--now", "2025-02-05T09:30")
        ws = open_workspace(root)
        for u in U[:4] + [U[6]]:
            give_back(ws, "status", "2025-02", u, status(f"{u}二月进展"), datetime(2025, 3, 4, 10))
        got["feb_overdue"] = remind.run(ws, remind.Request("2025-02"), datetime(2025, 3, 10, 9), sleep=no_sleep)
        give_back(ws, "status", "2025-02", U[4], status("二月迟报"), datetime(2025, 3, 10, 15))  # U5 never answers February

        # March: mailed
        generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3, 9))
        got["mar_send"] = send.run(ws, send.Request("status", "2025-03"), datetime(2025, 3, 3, 9, 5), sleep=no_sleep)
        for u in U[:4]:
            give_back(ws, "status", "2025-03", u, status(f"{u}三月进展"), datetime(2025, 4, 2, 10))
        give_back(ws, "status", "2025-03", U[4], status(None, achieved=None), datetime(2025, 4, 2, 10))  # blank
        got["mar_overdue"] = remind.run(ws, remind.Request("2025-03"), datetime(2025, 4, 9, 9), sleep=no_sleep)
        give_back(ws, "status", "2025-03", U[5], status("三月迟报"), datetime(2025, 4, 9, 10))  # U6 never answers March
        got["mail_after"] = subjects(server)
        yield ws, got
    finally:
        ws.close()


def history_sheet(path: str) -> dict[str, dict[str, str]]:
    rows = list(openpyxl.load_workbook(path)["报送情况"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "单位")
    cols = rows[head]
    return {r[0]: {c: r[j] for j, c in enumerate(cols) if c and j} for r in rows[head + 1:] if r and r[0]}


def findings_sheet(path: str) -> list[tuple]:
    return [r for r in openpyxl.load_workbook(path)["发现"].iter_rows(min_row=2, values_only=True) if r and r[0]]


def test_issued_units_are_the_mailed_and_the_recorded(world):
    ws, got = world
    assert got["plan_record"].ok and got["plan_record"].data["recorded"] == U
    assert got["feb_cli"].returncode == 0, got["feb_cli"].stdout + got["feb_cli"].stderr
    assert "已登记 7 个单位为已下发" in got["feb_cli"].stdout
    assert got["mar_send"].ok and len(got["mar_send"].data["sent"]) == 7
    assert issued_units(ws, "status", "2025-01") == set()
    assert issued_units(ws, "status", "2025-02") == set(U)
    assert issued_units(ws, "status", "2025-03") == set(U)
    recorded = ws.ledger.db.execute("SELECT recorded_only, recipients, message_id FROM mail WHERE period='2025-02' AND stage='send'").fetchall()
    assert [tuple(r) for r in recorded] == [(1, "[]", "")] * 7
    # recording sent no mail: the server only saw the March forms and the chases
    assert not [s for _, s in got["mail_after"] if "2月工作任务落实情况表（" in s and s.startswith("【请报送】")]


def test_january_is_not_issued_and_nobody_is_missing(world):
    ws, _ = world
    data = build_month(ws, "2025-01", END)
    assert data.issued is False
    assert {u.state for u in data.units} == {"not_issued"} and {u.label for u in data.units} == {"未下发"}
    assert not [f for f in data.findings if f.period == "2025-01"]
    c = data.counts
    assert (c["units"], c["due"], c["not_issued"], c["missing"], c["submission_rate"]) == (0, 0, 7, 0, 0.0)
    cmd = f"python3 run.py send status --month 2025-01 --record-only -w {ws.root}"
    assert cmd in data.not_issued_note and "未下发" in data.not_issued_note
    report = merge.run(ws, merge.Request("2025-01"), END)
    assert report.warnings[0] == data.not_issued_note
    assert "未下发" in report.summary and "未报 " not in report.summary
    assert not [r for r in findings_sheet(report.data["tracker"]) if r[3] == "2025年1月"]


def test_february_tracker_counts_the_hand_issued_month_and_shows_january_not_issued(world):
    ws, _ = world
    report = merge.run(ws, merge.Request("2025-02"), END)
    assert not [w for w in report.warnings if "record-only" in w]  # February and the plan were recorded
    c = report.data["counts"]
    assert (c["units"], c["due"], c["on_time"], c["late"], c["missing"], c["not_issued"]) == (7, 7, 5, 1, 1, 0)
    hist = history_sheet(report.data["tracker"])
    assert set(hist) == set(U)
    assert {h["1月"] for h in hist.values()} == {"未下发"}
    assert hist[U[4]]["2月"] == "迟报1个工作日" and hist[U[5]]["2月"] == "未报"
    assert {hist[u]["2月"] for u in U[:4] + [U[6]]} == {"按时报送"}
    assert hist[U[5]]["年度计划"] == "空表" and hist[U[6]]["年度计划"] == "未报"
    rows = findings_sheet(report.data["tracker"])
    assert not [r for r in rows if r[3] == "2025年1月"]
    kinds = sorted((r[0], r[1], r[3]) for r in rows)
    assert kinds == sorted([("迟报", U[4], "2025年2月"), ("未报", U[5], "2025年2月"), ("空表", U[5], "2025年度"),
                            ("计划未报", U[6], "2025年度")])


def test_march_blank_return_is_its_own_finding_not_an_on_time_report(world):
    ws, _ = world
    data = build_month(ws, "2025-03", END)
    state = {u.unit: u for u in data.units}
    assert (state[U[4]].state, state[U[4]].blank, state[U[4]].label) == ("missing", True, "空表")
    assert state[U[5]].label == "迟报1个工作日" and state[U[6]].label == "未报"
    by_unit = {(f.kind, f.unit) for f in data.findings if f.period == "2025-03"}
    assert ("blank", U[4]) in by_unit and ("missing", U[4]) not in by_unit
    assert not [f for f in data.findings if f.unit == U[4] and f.kind == "incomplete"]  # one finding, not one per cell
    c = data.counts
    assert (c["on_time"], c["late"], c["missing"], c["blank"], c["due"]) == (4, 1, 2, 1, 7)
    # the plan returned blank: 空表, not 计划未报, not a plan that arrived on time
    plan = [f for f in data.findings if f.period == "2025"]
    assert sorted((f.kind, f.unit) for f in plan) == sorted([("blank", U[5]), ("no_plan", U[6])])
    # before the deadline the blank return is pending, still with its finding
    early = build_month(ws, "2025-03", datetime(2025, 4, 3, 9))
    early_state = {u.unit: u for u in early.units}[U[4]]
    assert (early_state.state, early_state.label) == ("pending", "空表（未到截止日）")
    assert ("blank", U[4]) in {(f.kind, f.unit) for f in early.findings}


def test_reminders_only_for_issued_forms(world):
    ws, got = world
    jan = got["jan_remind"]
    assert jan.ok and jan.data["sent"] == [] and "未下发" in jan.summary
    assert any("--record-only" in w for w in jan.warnings)
    feb = got["feb_overdue"]
    assert sorted(s["unit"] for s in feb.data["sent"]) == sorted([U[4], U[5]])  # the hand-issued month is chased
    mar = got["mar_overdue"]
    assert sorted(s["unit"] for s in mar.data["sent"]) == sorted([U[4], U[5], U[6]])
    mail = got["mail_after"]
    assert not [s for _, s in mail if "2025年1月" in s]
    chased_blank = [m for m in world[0].ledger.db.execute(
        "SELECT unit FROM mail WHERE stage='overdue' AND period='2025-03' AND unit=?", (U[4],))]
    assert len(chased_blank) == 1
    # the command line says 未下发 for January, and sends nothing
    before = len(mail)
    r = run_cli("remind", "--month", "2025-01", "-w", str(ws.root), "--now", "2025-04-15T09:00")
    assert r.returncode == 0 and "未下发" in r.stdout, r.stdout + r.stderr
    assert not [u for u in U if u in r.stdout]  # no unit is named
    r = run_cli("remind", "--month", "2025-01", "-w", str(ws.root), "--now", "2025-04-15T09:00", "--json")
    assert json.loads(r.stdout)["not_issued"] == U
    assert len(world[0].ledger.db.execute("SELECT * FROM mail WHERE period='2025-01'").fetchall()) == 0
    assert before == len(got["mail_after"])


def test_quarterly_briefing_names_nobody_for_january(world):
    ws, _ = world
    report = brief.run(ws, brief.Request(quarter="2025Q1"), END)
    assert any("--month 2025-01 --record-only" in w for w in report.warnings)
    months = [build_month(ws, f"2025-{m:02d}", END) for m in (1, 2, 3)]
    assert [m.issued for m in months] == [False, True, True]
    facts = quarterly_facts(months, ws.settings.brief, ws.settings.office)
    assert {(lp.unit, lp.month, lp.state) for lp in facts.lapses} == {
        (U[4], 2, "late"), (U[5], 2, "missing"), (U[4], 3, "missing"), (U[5], 3, "late"), (U[6], 3, "missing")}
    text = "\n".join(p.text for p in Document(report.data["briefing"]).paragraphs)
    for u in U:
        assert not re.search(re.escape(u) + r"（[^）]*1月", text), u
    assert not re.search(r"1月[^。；]*(未报送|迟报)[1-9]", text)
    feb = re.search(r"2月，([^。]*)。", text)  # the hand-issued month counts normally
    assert feb and re.search(r"未报送单位1个：" + re.escape(U[5]), feb.group(1)), text
    assert re.search(r"迟报单位1个：" + re.escape(U[4]) + r"（迟报\d+个工作日）", feb.group(1)), feb.group(1)
