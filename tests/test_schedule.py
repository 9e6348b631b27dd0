"""run-due and schedule: a whole year ticked through run_due on a real workspace, a real SMTP server, real files.

Time is only ever injected through `now`; no clock is patched. The schedule subprocess runs on the real clock
(its workspace is for 2025, so nothing dated is due there) and is driven through its inbox and files.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from conftest import run_cli, run_due_at
from fill import fill_every_row
from jobs.run_due import calendar_of_year
from month_fixture import U, arrived, full, make_ws, outbox_form, plan_values
from office.mailer import PREVIEW_DIR
from office.month import end_of, month_deadline
from office.workdays import WorkCalendar, plan_deadline, status_deadline
from office.workspace import open_workspace
from smtp_server import set_config, use_server

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2025
TICKS = ((8, 0), (9, 30), (14, 0), (18, 0))  # the cron of these tests: every day at these times
ON_TIME = U[:5]  # answer on the 3rd working day after month end, before the 08:00 tick (see arrivals())
LATE = U[5]      # answers 1 working day after the deadline (08:00 in odd months, 14:00 in even months)
NEVER = U[6]     # never answers anything, not even the plan
PLAN_AT = datetime(YEAR, 2, 10, 9, 30)
CAL = WorkCalendar()  # the workspace has no [calendar] overrides: the official calendar


def parse(content: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(content, policy=email.policy.default)


def setup_ws(root: Path, port: int):
    """The 7-unit month_fixture workspace, mail pointed at the test server, plan sent on 01-27."""
    make_ws(root).close()
    use_server(root, port)
    set_config(root / "duban.toml", "schedule", plan_send="01-27")
    return open_workspace(root)


def drop(ws, kind: str, period: str, unit: str, values: dict) -> Path:
    """A unit's filled return lands in inbox/: its own outbox workbook (sent earlier), filled in by
    header text (tests/fill.py), mtime in the past."""
    src = outbox_form(ws, kind, period, unit)
    return arrived(fill_every_row(src, ws.root / "inbox" / f"{unit}_{kind}_{period}.xlsx", values), seconds_ago=600)


def month_end(m: int) -> date:
    return date(YEAR, 12, 31) if m == 12 else date(YEAR, m + 1, 1) - timedelta(days=1)


def due_of(m: int) -> date:
    return status_deadline(CAL, YEAR, m, 5)


def arrivals() -> dict[datetime, list[tuple[str, str, str, dict]]]:
    """tick -> returns dropped into inbox/ just before it."""
    plan: dict[datetime, list] = defaultdict(list)
    for u in U[:6]:
        plan[PLAN_AT].append(("plan", str(YEAR), u, plan_values(u)))
    for m in range(1, 13):
        period = f"{YEAR}-{m:02d}"
        third = CAL.add_workdays(month_end(m), 3)
        if third.year == YEAR:
            for u in ON_TIME:
                # in the last month of a quarter U4 answers at the very tick the reminder goes out (09:30):
                # the tick collects first, so U4 is not reminded
                hour, minute = (9, 30) if u == U[4] and m % 3 == 0 else (8, 0)
                plan[datetime(third.year, third.month, third.day, hour, minute)].append(
                    ("status", period, u, full(f"{m}月进展顺利")))
        late = CAL.add_workdays(due_of(m), 1)
        if late.year == YEAR:
            hour = 8 if m % 2 else 14
            plan[datetime(late.year, late.month, late.day, hour)].append(("status", period, LATE, full(f"{m}月迟报")))
    return plan


def grid():
    """Every tick of the year: each day at each of TICKS."""
    d = date(YEAR, 1, 1)
    while d.year == YEAR:
        for h, mi in TICKS:
            yield datetime(d.year, d.month, d.day, h, mi)
        d += timedelta(days=1)


def ticks(ws, planned: dict[datetime, list]) -> list[datetime]:
    """The ticks of the grid that matter, in time order: for each dated job of calendar_of_year and
    each arrival, the first tick at or after it (where it must happen) and the tick before (where it
    must not have happened yet); the middle tick of every longer gap between those, where nothing
    is due; and the year's first and last tick. The rest of the grid would be idle ticks like these."""
    every = list(grid())
    moments = {d.at for d in calendar_of_year(ws)} | set(planned)
    chosen = {every[0], every[-1]}
    for m in moments:
        i = bisect_left(every, m)
        chosen.update(every[j] for j in (i - 1, i) if 0 <= j < len(every))
    ordered = sorted(every.index(t) for t in chosen)
    chosen.update(every[(a + b) // 2] for a, b in zip(ordered, ordered[1:]) if b - a > 2)
    return sorted(chosen)


# ---------------------------------------------------------------------------------------------------------
# 1. A whole year, ticked at the moments that matter.
# ---------------------------------------------------------------------------------------------------------


def test_a_whole_year_of_ticks(tmp_path, smtp_server):
    ws = setup_ws(tmp_path / "ws", smtp_server.port)
    try:
        assert ws.settings.plan_send == "01-27" and ws.settings.settle_seconds == 0
        assert ws.settings.mail.port == smtp_server.port
        # the calendar the test reasons with is the workspace's
        assert all(month_deadline(ws, YEAR, m) == due_of(m) for m in range(1, 13))
        planned = arrivals()
        ran: list[tuple[datetime, dict]] = []
        idle: list[float] = []
        moments = ticks(ws, planned)
        assert set(planned) <= set(moments) and len(moments) < len(list(grid())) / 3
        for now in moments:
            for kind, period, unit, values in planned.pop(now, []):
                drop(ws, kind, period, unit, values)
            t0 = time.perf_counter()
            report = run_due_at(ws, now)
            spent = time.perf_counter() - t0
            assert report.ok, (now, report.summary)
            if not report.data["ran"]:
                idle.append(spent)
                assert report.summary == "当前没有到期的任务。"
            ran += [(now, r) for r in report.data["ran"]]
            assert all(d["at"] > now.isoformat(timespec="minutes") for d in report.data["next"])
        assert not planned, "every planned return was dropped"
        assert not list((ws.root / "inbox").glob("*_*_*.xlsx")), "every return was collected"
        # most ticks are idle (the probes), and an idle tick is cheap
        assert len(idle) > len(moments) / 2
        assert sum(idle) / len(idle) < 0.05, f"idle run_due takes {sum(idle) / len(idle) * 1000:.1f} ms"

        runs = [dict(r) for r in ws.ledger.db.execute("SELECT id, job, period, at, result, ok FROM runs ORDER BY id")]
        check_runs(ws, runs, ran)
        check_mail(ws, smtp_server, runs)
        check_outputs(ws)
    finally:
        ws.close()


def at(row: dict) -> datetime:
    return datetime.fromisoformat(row["at"])


def first_tick_at_or_after(d: date, hour: int, minute: int = 0) -> datetime:
    want = datetime(d.year, d.month, d.day, hour, minute)
    return next(t for t in (datetime(d.year, d.month, d.day, h, mi) for h, mi in TICKS) if t >= want)


def check_runs(ws, runs: list[dict], ran: list[tuple[datetime, dict]]) -> None:
    # every job run_due reported is a runs row, in the same order, at the tick it ran
    assert [(r["job"], r["period"]) for r in runs] == [(x["job"], x["period"]) for _, x in ran]
    assert [r["at"] for r in runs] == [t.isoformat(timespec="seconds") for t, _ in ran]
    assert [r["result"] for r in runs] == [x["result"] for _, x in ran]
    assert all(r["ok"] == 1 for r in runs), [r for r in runs if not r["ok"]]
    assert {r["job"] for r in runs} == {"send-plan", "send-status", "remind", "overdue", "collect", "merge",
                                        "merge-final", "brief-month", "brief-quarter"}

    by: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in runs:
        by[(r["job"], r["period"])].append(r)
    counts = Counter(r["job"] for r in runs)

    # send-plan: once, on 2025-01-27 at the first tick at/after 09:00
    (plan,) = by[("send-plan", str(YEAR))]
    assert counts["send-plan"] == 1
    assert at(plan) == datetime(YEAR, 1, 27, 9, 30)
    assert "已发送 7 个单位" in plan["result"]

    months = [f"{YEAR}-{m:02d}" for m in range(1, 13)]
    closed = months[:11]  # December's deadline falls in January 2026, after the last tick
    assert counts["send-status"] == 12
    for m, p in enumerate(months, start=1):
        (row,) = by[("send-status", p)]
        first = CAL.first_workday(YEAR, m)
        assert CAL.is_workday(first) and all(not CAL.is_workday(date(YEAR, m, d)) for d in range(1, first.day))
        assert at(row) == first_tick_at_or_after(first, 9), (p, row["at"])
        assert "已发送 7 个单位" in row["result"], row["result"]

    for job in ("remind", "overdue", "merge-final", "brief-month"):
        assert counts[job] == 11, (job, counts[job])
        assert {r["period"] for r in runs if r["job"] == job} == set(closed)
    for m, p in enumerate(closed, start=1):
        due = due_of(m)
        (send_row,) = by[("send-status", p)]
        (remind_row,) = by[("remind", p)]
        (overdue_row,) = by[("overdue", p)]
        (final,) = by[("merge-final", p)]
        (brief_row,) = by[("brief-month", p)]
        assert at(remind_row) == first_tick_at_or_after(CAL.workdays_before(due, 2), 9)
        assert at(overdue_row) == first_tick_at_or_after(CAL.add_workdays(due, 1), 9)
        assert at(final) > end_of(due) and at(final) == first_tick_at_or_after(due + timedelta(days=1), 0)
        assert at(brief_row) == at(final)
        # per month: send-status < remind < merge-final / brief-month (< overdue)
        assert send_row["id"] < remind_row["id"] < final["id"] < brief_row["id"] < overdue_row["id"], p
        assert "提醒：已发送 2 个单位" in remind_row["result"], remind_row["result"]
        if m % 3 == 0:  # U4's return arrived at the reminder's own tick: collected (and merged) first
            (u4,) = [r for r in runs if r["job"] == "collect" and r["at"] == remind_row["at"]]
            assert u4["id"] < remind_row["id"]
        assert f"催报：已发送 {1 if m % 2 else 2} 个单位" in overdue_row["result"], overdue_row["result"]

    assert counts["brief-quarter"] == 3
    for q in (1, 2, 3):
        (row,) = by[("brief-quarter", f"{YEAR}Q{q}")]
        (final,) = by[("merge-final", f"{YEAR}-{3 * q:02d}")]
        assert row["id"] > final["id"] and at(row) == at(final)

    # collect runs only when something arrived, and each status return it accepted is merged in the same tick
    collects = [r for r in runs if r["job"] == "collect"]
    files = [dict(f) for f in ws.ledger.db.execute("SELECT unit, kind, period, received_at, verdict FROM files")]
    assert all(f["verdict"] == "accepted" for f in files), files
    assert len(files) == 6 + 11 * 5 + 11
    assert {c["at"] for c in collects} == {f["received_at"] for f in files}
    for c in collects:
        touched = {f["period"] for f in files if f["received_at"] == c["at"] and f["kind"] == "status"}
        merged = [r for r in runs if r["job"] == "merge" and r["at"] == c["at"]]
        assert {r["period"] for r in merged} == touched
        assert all(r["id"] > c["id"] for r in merged)
    # the on-time returns are collected before the month's final merge
    for m, p in enumerate(closed, start=1):
        (final,) = by[("merge-final", p)]
        on_time = [f for f in files if f["period"] == p and f["unit"] in ON_TIME]
        assert len(on_time) == 5
        assert all(datetime.fromisoformat(f["received_at"]) < at(final) for f in on_time)
        assert "已报 6 个" in final["result"] or "已报 5 个" in final["result"], final["result"]
        assert "未报 1 个" in final["result"] or "未报 2 个" in final["result"], final["result"]
    # the plans, answered on 2025-02-10
    plans = [f for f in files if f["kind"] == "plan"]
    assert {f["unit"] for f in plans} == set(U[:6])
    assert {f["received_at"] for f in plans} == {PLAN_AT.isoformat(timespec="seconds")}


def check_mail(ws, server, runs: list[dict]) -> None:
    ledger = {r["message_id"]: dict(r) for r in ws.ledger.db.execute("SELECT * FROM mail")}
    msgs = [parse(m.content) for m in server.messages]
    assert len(msgs) == len(ledger) == 7 + 12 * 7 + 11 * 2 + 11 + 5
    collected = {(r["unit"], r["period"]): datetime.fromisoformat(r["received_at"]) for r in ws.ledger.db.execute(
        "SELECT unit, period, received_at FROM files WHERE verdict='accepted'")}
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    for msg in msgs:
        row = ledger[str(msg["Message-ID"])]
        unit = str(msg["X-Duban-Unit"])
        subject = str(msg["Subject"])
        assert unit == row["unit"] and unit in subject
        sent = datetime.fromisoformat(row["sent_at"])
        stage = row["stage"]
        seen[(row["period"], stage)].add(unit)
        if stage == "send":
            assert subject.startswith("【请报送】")
            continue
        assert stage in ("remind", "overdue")
        assert subject.startswith("【提醒】" if stage == "remind" else "【催报】")
        got = collected.get((unit, row["period"]))
        assert got is None or sent < got, f"{unit} got a {stage} for {row['period']} at {sent} after its return at {got}"
        # the matching run happened at the same tick
        assert any(r["job"] == stage and r["period"] == row["period"] and at(r) == sent for r in runs)
        if unit == NEVER and stage == "overdue":
            body = msg.get_body(("plain",)).get_content()
            atts = [p.get_filename() for p in msg.iter_attachments()]
            if sent.date() > plan_deadline(YEAR):
                assert "年度工作任务落实计划表" in body and "已逾期" in body and len(atts) == 2, (body, atts)
            else:
                assert len(atts) == 1

    assert seen[(str(YEAR), "send")] == set(U)
    for m in range(1, 13):
        p = f"{YEAR}-{m:02d}"
        assert seen[(p, "send")] == set(U), p
        if m == 12:
            assert (p, "remind") not in seen and (p, "overdue") not in seen
            continue
        assert seen[(p, "remind")] == {LATE, NEVER}, (p, seen[(p, "remind")])
        assert seen[(p, "overdue")] == ({NEVER} if m % 2 else {LATE, NEVER}), (p, seen[(p, "overdue")])
        assert NEVER in seen[(p, "overdue")]


def check_outputs(ws) -> None:
    trackers = sorted(p.name for p in (ws.root / "trackers").glob("*.xlsx"))
    assert trackers == sorted(f"{YEAR}年{m}月_台账.xlsx" for m in range(1, 12))
    briefs = sorted(p.name for p in (ws.root / "briefings").glob("*.docx"))
    assert len([b for b in briefs if "为民办实事" in b]) == 11
    assert len([b for b in briefs if "季度" in b]) == 3


# ---------------------------------------------------------------------------------------------------------
# 2. Once per period; --json.
# ---------------------------------------------------------------------------------------------------------


def test_twice_at_the_same_moment_runs_nothing_the_second_time(tmp_path, smtp_server):
    root = tmp_path / "ws"
    ws = setup_ws(root, smtp_server.port)
    try:
        now = datetime(YEAR, 1, 27, 9, 30)
        first = run_due_at(ws, now)
        assert first.ok, first.summary
        # the January status form caught up (its time was 2025-01-02 09:00), then the plan, in calendar order
        assert [(r["job"], r["period"]) for r in first.data["ran"]] == [("send-status", "2025-01"), ("send-plan", "2025")]
        assert len(smtp_server.messages) == 14
        again = run_due_at(ws, now)
        assert again.data["ran"] == [] and again.summary == "当前没有到期的任务。"
        assert again.ok
        assert len(smtp_server.messages) == 14
        assert again.data["next"] == first.data["next"]
        assert [d["job"] for d in again.data["next"]][:1] == ["send-status"]
        assert ws.ledger.db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 2
    finally:
        ws.close()

    r = run_cli("run-due", "-w", str(root), "--now", "2025-02-05T09:30", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) >= {"ran", "next"}
    assert [(x["job"], x["period"]) for x in out["ran"]] == [("send-status", "2025-02")]
    for item in out["ran"]:
        assert set(item) == {"job", "period", "result"}
        assert "已发送 7 个单位" in item["result"]
    assert out["next"] and all(set(d) == {"job", "period", "at"} for d in out["next"])
    assert out["next"] == sorted(out["next"], key=lambda d: d["at"]) and all(d["at"] > "2025-02-05T09:30" for d in out["next"])
    assert len(smtp_server.messages) == 21

    r = run_cli("run-due", "-w", str(root), "--now", "2025-02-05T09:30", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["ran"] == [] and out["next"]
    assert len(smtp_server.messages) == 21
    r = run_cli("run-due", "-w", str(root), "--now", "2025-02-05T09:30")
    assert r.returncode == 0 and "当前没有到期的任务" in r.stdout, r.stdout + r.stderr


def test_a_dry_run_neither_uses_up_nor_blocks_the_real_run(tmp_path, smtp_server):
    ws = setup_ws(tmp_path / "ws", smtp_server.port)
    try:
        now = datetime(YEAR, 1, 27, 9, 30)
        dry = run_due_at(ws, now, dry_run=True)
        assert dry.ok, dry.summary
        assert [(r["job"], r["period"]) for r in dry.data["ran"]] == [("send-status-dry-run", "2025-01"),
                                                                       ("send-plan-dry-run", "2025")]
        assert all(r["result"].startswith("预览：") for r in dry.data["ran"])
        assert len(list((ws.root / "outbox" / "plan" / PREVIEW_DIR).glob("*.eml"))) == 7
        assert smtp_server.messages == []
        assert run_due_at(ws, now, dry_run=True).data["ran"] == []  # a preview too is once per period
        real = run_due_at(ws, now)
        assert [(r["job"], r["period"]) for r in real.data["ran"]] == [("send-status", "2025-01"), ("send-plan", "2025")]
        assert len(smtp_server.messages) == 14
        assert run_due_at(ws, now).data["ran"] == []
        assert run_due_at(ws, now, dry_run=True).data["ran"] == []
        assert len(smtp_server.messages) == 14
    finally:
        ws.close()


def test_unreadable_tasks_fail_each_due_job_on_record_and_a_later_tick_recovers(tmp_path, smtp_server):
    ws = setup_ws(tmp_path / "ws", smtp_server.port)
    try:
        good = ws.ledger.db.execute("SELECT leaders FROM tasks WHERE position=0").fetchone()[0]
        ws.ledger.db.execute("UPDATE tasks SET leaders='{broken' WHERE position=0")
        now = datetime(YEAR, 2, 5, 9, 30)
        bad = run_due_at(ws, now)  # does not raise: every due job is attempted and recorded
        assert not bad.ok
        jobs = [("send-status", "2025-01"), ("send-plan", "2025"), ("send-status", "2025-02")]
        assert [(r["job"], r["period"]) for r in bad.data["ran"]] == jobs
        assert all(r["result"].startswith("失败：JSONDecodeError") for r in bad.data["ran"])
        rows = ws.ledger.db.execute("SELECT job, period, ok, result FROM runs ORDER BY id").fetchall()
        assert [(r["job"], r["period"], r["ok"]) for r in rows] == [(j, p, 0) for j, p in jobs]
        assert all("Traceback" in r["result"] for r in rows)
        assert smtp_server.messages == []
        ws.ledger.db.execute("UPDATE tasks SET leaders=? WHERE position=0", (good,))
        later = run_due_at(ws, now + timedelta(minutes=5))
        assert later.ok, later.summary
        assert [(r["job"], r["period"]) for r in later.data["ran"]] == jobs
        assert len(smtp_server.messages) == 21
        assert run_due_at(ws, now + timedelta(minutes=10)).data["ran"] == []
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------------------
# 3. The long-running schedule process.
# ---------------------------------------------------------------------------------------------------------


def wait_for(cond, timeout: float = 20.0, what: str = ""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = cond()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def read_log(root: Path) -> str:
    p = root / "logs" / "schedule.log"
    return p.read_text(encoding="utf-8") if p.exists() else ""


def ticks_logged(root: Path) -> int:
    return sum(1 for line in read_log(root).splitlines() if "run-due" in line)


def runs_rows(root: Path) -> list[dict]:
    con = sqlite3.connect(f"file:{root / 'duban.db'}?mode=ro", uri=True, timeout=30)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT id, job, period, at, result, ok FROM runs ORDER BY id")]
    finally:
        con.close()


@pytest.fixture
def schedule_proc(tmp_path):
    root = tmp_path / "ws"
    make_ws(root).close()
    procs: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        p = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "schedule", "-w", str(root), "--interval", "0.01",
                              "--dry-run"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append(p)
        wait_for(lambda: "已启动" in read_log(root), what="schedule to start")
        return p

    yield root, start
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


def stop(p: subprocess.Popen) -> tuple[int, str, str]:
    p.send_signal(signal.SIGTERM)
    t0 = time.monotonic()
    out, err = p.communicate(timeout=10)
    assert time.monotonic() - t0 < 5, "schedule took too long to stop"
    return p.returncode, out, err


def test_schedule_ticks_and_stops_cleanly_on_sigterm(schedule_proc):
    root, start = schedule_proc
    p = start()
    wait_for(lambda: ticks_logged(root) >= 3, what="three ticks")
    assert p.poll() is None
    rc, out, err = stop(p)
    assert rc == 0, (out, err)
    assert "Traceback" not in err
    assert "定时运行已停止" in out
    log = read_log(root)
    assert "schedule 已启动" in log
    assert log.rstrip().endswith("schedule 已停止。"), log[-500:]
    assert "run-due: 当前没有到期的任务。" in log  # a 2025 workspace on today's clock: nothing dated is due
    assert "ERROR" not in log
    assert not (root / ".duban.lock").exists()


def test_a_failing_job_is_recorded_and_the_loop_goes_on(schedule_proc):
    root, start = schedule_proc
    # Something arrives, but the archive cannot be written: collect fails on every tick until it can.
    (root / "inbox" / "说明.txt").write_text("不是报送表", encoding="utf-8")
    past = time.time() - 600
    os.utime(root / "inbox" / "说明.txt", (past, past))
    (root / "archive").rmdir()
    (root / "archive").write_text("不是文件夹", encoding="utf-8")
    p = start()
    failed = wait_for(lambda: [r for r in runs_rows(root) if r["job"] == "collect" and not r["ok"]][1:],
                      what="collect to fail on two ticks")
    assert all("NotADirectoryError" in r["result"] and "Traceback" in r["result"] for r in failed)
    assert p.poll() is None
    # the office fixes it; the next tick collects (the note is rejected, which is a finding, not a failure)
    (root / "archive").unlink()
    (root / "archive").mkdir()
    ok = wait_for(lambda: [r for r in runs_rows(root) if r["job"] == "collect" and r["ok"]], what="collect to succeed")
    assert "退回 1 个" in ok[0]["result"]
    assert ok[0]["id"] > failed[-1]["id"]
    # a whole tick failing (duban.toml broken) is logged, and the loop still goes on
    cfg = root / "duban.toml"
    good = cfg.read_text(encoding="utf-8")
    cfg.write_text(good.replace("[schedule]", "[schedule\n"), encoding="utf-8")
    wait_for(lambda: "run-due 失败" in read_log(root), what="a failed tick in the log")
    cfg.write_text(good, encoding="utf-8")
    wait_for(lambda: read_log(root).split("run-due 失败")[-1].count("run-due: ") >= 2, what="ticks after the fix")
    assert p.poll() is None
    rc, out, err = stop(p)
    assert rc == 0, (out, err)
    log = read_log(root)
    assert "collect（" in log and "失败：NotADirectoryError" in log
    assert "ERROR run-due 失败" in log
    assert log.rstrip().endswith("schedule 已停止。")
    rows = runs_rows(root)
    assert [r["job"] for r in rows] == ["collect"] * len(rows)
    assert not list((root / "inbox").glob("*.txt"))


def test_calendar_of_year_is_ordered_and_complete(tmp_path):
    ws = make_ws(tmp_path / "ws")
    try:
        cal = calendar_of_year(ws)
        assert [d.at for d in cal] == sorted(d.at for d in cal)
        jobs = Counter(d.job for d in cal)
        assert jobs == {"send-plan": 1, "send-status": 12, "remind": 12, "overdue": 12, "merge": 12,
                        "brief-month": 12, "brief-quarter": 4, "year-end": 1}
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------------------
# 4. A workspace started in March: only what was issued is chased, a stopped server loses nothing.
# ---------------------------------------------------------------------------------------------------------

MARCH_FROM, MARCH_TO = date(YEAR, 3, 3), date(YEAR, 4, 15)


def working_ticks(first: date, last: date):
    d = first
    while d <= last:
        if CAL.is_workday(d):
            for h in (9, 16):
                yield datetime(d.year, d.month, d.day, h)
        d += timedelta(days=1)


def restart_on_same_port(server) -> None:
    from aiosmtpd.controller import Controller

    controller = Controller(server.handler, hostname=server.host, port=server.port)
    controller.start()
    server.controller = controller


def test_a_workspace_started_in_march_is_chased_only_for_what_it_was_sent(tmp_path, smtp_server):
    root = tmp_path / "ws"
    make_ws(root).close()  # tasks imported; nothing generated or sent before 2025-03-03
    use_server(root, smtp_server.port)
    feb_due, mar_due = due_of(2), due_of(3)
    assert (feb_due, mar_due) == (date(YEAR, 3, 7), date(YEAR, 4, 8))
    planned = {
        datetime(YEAR, 3, 4, 9): [("2025-02", u, full("2月进展")) for u in U[:5]],
        datetime(YEAR, 3, 7, 16): [("2025-02", LATE, full("2月最后一天报送"))],
        datetime(YEAR, 4, 2, 9): [("2025-03", u, full("3月进展")) for u in U[:5]],
        datetime(YEAR, 4, 10, 9): [("2025-03", LATE, full("3月迟报"))],
    }
    stopped_at = datetime(YEAR, 3, 3, 9)
    ws = open_workspace(root)
    results: list[tuple[datetime, dict]] = []
    try:
        for now in working_ticks(MARCH_FROM, MARCH_TO):
            for period, unit, values in planned.pop(now, []):
                drop(ws, "status", period, unit, values)
            if now == stopped_at:
                smtp_server.stop()
                r = run_cli("run-due", "-w", str(root), "--now", now.isoformat(timespec="minutes"))
                restart_on_same_port(smtp_server)
                # nothing marked sent, exit 1, every reason printed
                assert r.returncode == 1, r.stdout + r.stderr
                assert smtp_server.messages == []
                assert ws.ledger.db.execute("SELECT COUNT(*) FROM mail WHERE status='sent'").fetchone()[0] == 0
                out = r.stdout.replace("\n", "")
                assert "send-status（2025-02）" in out and "send-status（2025-03）" in out
                assert out.count("原因相同：无法连接邮件服务器") == 2 and "连接被拒绝" in out
                failed = ws.ledger.db.execute("SELECT job, period, ok FROM runs ORDER BY id").fetchall()
                assert [tuple(x) for x in failed] == [("send-status", "2025-02", 0), ("send-status", "2025-03", 0)]
                continue
            report = run_due_at(ws, now)
            assert report.ok, (now, report.summary, report.warnings)
            results += [(now, x) for x in report.data["ran"]]
        assert not planned

        ledger = {r["message_id"]: dict(r) for r in ws.ledger.db.execute("SELECT * FROM mail WHERE status='sent'")}
        seen: Counter = Counter()
        for m in smtp_server.messages:
            msg = parse(m.content)
            row = ledger[str(msg["Message-ID"])]
            assert row["unit"] == str(msg["X-Duban-Unit"]) and row["unit"] in str(msg["Subject"])
            assert "2025年1月" not in str(msg["Subject"]) and "年度工作任务落实计划表" not in str(msg["Subject"])
            seen[(row["period"], row["stage"], row["unit"])] += 1
        assert len(smtp_server.messages) == len(ledger)
        assert all(n == 1 for n in seen.values()), [k for k, n in seen.items() if n > 1]  # no message twice
        by: dict[tuple[str, str], set[str]] = defaultdict(set)
        for period, stage, unit in seen:
            by[(period, stage)].add(unit)
        assert by == {
            ("2025-02", "send"): set(U), ("2025-03", "send"): set(U),  # February caught up before its deadline
            ("2025-04", "send"): set(U),
            ("2025-02", "remind"): {LATE, NEVER}, ("2025-02", "overdue"): {NEVER},
            ("2025-03", "remind"): {LATE, NEVER}, ("2025-03", "overdue"): {LATE, NEVER},
        }
        # February's and March's forms went out at the first tick after the stopped one, once
        sends = {(r["period"], r["sent_at"]) for r in ledger.values() if r["stage"] == "send"}
        assert sends == {("2025-02", "2025-03-03T16:00:00"), ("2025-03", "2025-03-03T16:00:00"), ("2025-04", "2025-04-01T09:00:00")}
        # each chase went to a unit that had been sent the form and had not answered yet
        answered = {(r["unit"], r["period"]): r["received_at"] for r in ws.ledger.db.execute(
            "SELECT unit, period, received_at FROM files WHERE verdict='accepted'")}
        for row in ledger.values():
            if row["stage"] in ("remind", "overdue"):
                assert row["sent_at"] > "2025-03-03T16:00:00"
                got = answered.get((row["unit"], row["period"]))
                assert got is None or got > row["sent_at"]
        # January: never issued, so no reminder, no tracker, no briefing of it
        jobs = {(x["job"], x["period"]) for _, x in results}
        assert not [j for j in jobs if j[1] == "2025-01"]
        assert ("merge-final", "2025-02") in jobs and ("merge-final", "2025-03") in jobs and ("brief-quarter", "2025Q1") in jobs
        trackers = sorted(p.name for p in (root / "trackers").glob("*.xlsx"))
        assert trackers == ["2025年2月_台账.xlsx", "2025年3月_台账.xlsx"]
        final = merge_counts(ws, "2025-03")
        assert (final["units"], final["on_time"], final["late"], final["missing"]) == (7, 5, 1, 1)
        assert "no_plan" not in final["findings"]  # no plan form was ever issued: nobody is 计划未报
    finally:
        ws.close()


def merge_counts(ws, period: str) -> dict:
    from office.month import build_month

    return build_month(ws, period, datetime(YEAR, 4, 15, 16)).counts


def test_a_missed_send_is_caught_up_only_before_its_deadline(tmp_path, smtp_server):
    ws = setup_ws(tmp_path / "ws", smtp_server.port)
    try:
        # 2025-03-10: February's send (due 02-05, 33 days ago) is past its deadline (03-07); March's is not
        report = run_due_at(ws, datetime(YEAR, 3, 10, 9))
        assert report.ok, report.summary
        assert [(r["job"], r["period"]) for r in report.data["ran"]] == [("send-status", "2025-03")]
        assert {parse(m.content)["Subject"].split("工作任务")[0] for m in smtp_server.messages} == {"【请报送】2025年3月"}
        assert len(smtp_server.messages) == 7
    finally:
        ws.close()
