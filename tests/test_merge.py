"""merge: findings from known facts, the tracker read back, deadlines, atomic writes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from jobs import generate, merge
from office.month import build_month
from month_fixture import U, answer, full, issue, make_ws, plan_all

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """March 2025 with status_workdays = 3: due Thursday 2025-04-03, right before 清明 (4/4–4/6)."""
    root = tmp_path_factory.mktemp("merge") / "ws"
    ws = make_ws(root, status_workdays=3)
    plan_all(ws, U[:5] + U[6:], datetime(2025, 2, 14, 10))  # U[5] never sends its plan
    generate.run(ws, generate.Request("status", "2025-02"), datetime(2025, 2, 5))
    issue(ws, "status", "2025-02", datetime(2025, 2, 5, 9))
    answer(ws, "status", "2025-02", U[2], {"*": full("二月：完成项目储备10个", next_steps="三月继续储备")}, datetime(2025, 3, 5, 10))
    generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3))
    issue(ws, "status", "2025-03", datetime(2025, 3, 3, 9))
    on_time = datetime(2025, 4, 2, 15)
    answer(ws, "status", "2025-03", U[0], {"*": full('=HYPERLINK("http://evil.example","点我")')}, on_time)
    answer(ws, "status", "2025-03", U[1], {"*": full("三月：公园选址完成")}, datetime(2025, 4, 7, 9))  # late across 清明
    answer(ws, "status", "2025-03", U[2], {"*": full("二月：完成项目储备10个", next_steps="四月开工两个")}, on_time)  # copied
    answer(ws, "status", "2025-03", U[3], {"*": full("三月：拆迁完成八成", achieved="否")}, on_time,
           edit_text={"annual-3": "实施城市更新（本单位已修改）"})
    # U[4] never answers
    answer(ws, "status", "2025-03", U[5], {"*": full("三月：改造开工", next_steps="")}, datetime(2025, 4, 1, 9), name="初稿.xlsx")
    answer(ws, "status", "2025-03", U[5], {"*": full("三月：改造开工", next_steps="四月完成招标")}, datetime(2025, 4, 2, 9), name="更正稿.xlsx")
    # (a form with no 完成情况 in any row would be a blank return, see test_issued.py)
    answer(ws, "status", "2025-03", U[6], {"*": {"progress": "三月：岗位开发", "problems": "+1 人员不足", "next_steps": None,
                                                "achieved": "√"}}, on_time)
    yield ws
    ws.close()


def test_deadline_is_before_the_holiday(month):
    data = build_month(month, "2025-03", datetime(2025, 4, 10))
    assert data.deadline == date(2025, 4, 3)


def test_findings_are_exactly_the_known_facts(month):
    report = merge.run(month, merge.Request("2025-03"), datetime(2025, 4, 10, 9))
    got = sorted((f["kind"], f["unit"], f["task"]) for f in report.data["findings"])
    want = sorted([
        ("late", U[1], ""),
        ("copied", U[2], "annual-2"),
        ("not_achieved", U[3], "annual-3"),
        ("task_edited", U[3], "annual-3"),
        ("missing", U[4], ""),
        ("no_plan", U[5], ""),
        ("incomplete", U[6], "annual-5"),
    ])
    assert got == want
    late = next(f for f in report.data["findings"] if f["kind"] == "late")
    assert "迟报1个工作日" in late["message"]
    inc = next(f for f in report.data["findings"] if f["kind"] == "incomplete")
    assert "下一步计划" in inc["message"] and inc["cell"]
    # merging twice gives the same findings
    again = merge.run(month, merge.Request("2025-03"), datetime(2025, 4, 10, 9))
    assert again.data["findings"] == report.data["findings"]


def test_before_the_deadline_nobody_is_missing(month):
    data = build_month(month, "2025-03", datetime(2025, 4, 3, 12))
    assert not [f for f in data.findings if f.kind == "missing"]
    assert {u.unit: u.state for u in data.units}[U[4]] == "pending"


def test_tracker_read_back(month):
    report = merge.run(month, merge.Request("2025-03"), datetime(2025, 4, 10, 9))
    path = Path(report.data["tracker"])
    assert path.name == "2025年3月_台账.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["总览", "台账"]
    sheet = wb["台账"]
    header_row = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "序号")
    headers = [c.value for c in sheet[header_row]]
    col = {h: i + 1 for i, h in enumerate(headers) if h}
    seqs = [sheet.cell(r, col["序号"]).value for r in range(header_row + 1, sheet.max_row + 1)]
    seqs = [s for s in seqs if s not in (None, "")]
    assert sorted(int(s) for s in seqs) == [1, 2, 3, 4, 5]  # each annual task once (merged over its lines)
    units = [sheet.cell(r, col["单位"]).value for r in range(header_row + 1, sheet.max_row + 1)]
    assert units.index(U[0]) < units.index(U[1])  # lead unit's line first
    status = {sheet.cell(r, col["单位"]).value: sheet.cell(r, col["状态"]).value for r in range(header_row + 1, sheet.max_row + 1)}
    assert status[U[3]] == "红" and status[U[2]] == "绿"
    # text from units is text, never a formula; provenance is attached
    for ws_ in wb.worksheets:
        for row in ws_.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws_.title, c.coordinate, c.value)
    link = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=HYPERLINK"))
    assert link.data_type == "s"
    assert link.comment is not None and "来源" in link.comment.text and "!" in link.comment.text
    assert "实事" in " ".join(wb.sheetnames) or "为民办实事" in wb.sheetnames


def test_open_tracker_gets_a_numbered_sibling(month):
    first = Path(merge.run(month, merge.Request("2025-03"), datetime(2025, 4, 10, 9)).data["tracker"])
    owner = first.parent / ("~$" + first.name)
    owner.write_bytes(b"owner")
    try:
        other = merge.run(month, merge.Request("2025-03"), datetime(2025, 4, 10, 9))
        assert Path(other.data["tracker"]) != first
        assert any("正在被" in w for w in other.warnings)
        openpyxl.load_workbook(other.data["tracker"])
    finally:
        owner.unlink()


def test_killed_merge_leaves_the_previous_tracker_whole(month):
    first = Path(merge.run(month, merge.Request("2025-03"), datetime(2025, 4, 10, 9)).data["tracker"])
    before = first.read_bytes()
    killed_mid_write = 0
    for attempt in range(15):
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "merge", "--month", "2025-03", "-w", str(month.root), "--now", "2025-04-11T09:00"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            if any(first.parent.glob(".tmp-*")):
                os.kill(proc.pid, signal.SIGKILL)
                killed_mid_write += 1
                break
        proc.wait()
        (month.root / ".duban.lock").unlink(missing_ok=True)
        if first.read_bytes() != before:
            before = first.read_bytes()  # that run completed; the file must still open
        openpyxl.load_workbook(first)
        for tmp in first.parent.glob(".tmp-*"):
            tmp.unlink()
        if killed_mid_write >= 2:
            break
    assert killed_mid_write >= 1


def test_cli_json_and_lock(month):
    r = subprocess.run([sys.executable, str(ROOT / "run.py"), "merge", "--month", "2025-03", "-w", str(month.root), "--now", "2025-04-10T09:00", "--json"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) >= {"tracker", "deadline", "findings"} and data["deadline"] == "2025-04-03"
    assert set(data["findings"][0]) == {"kind", "unit", "task", "period", "file", "cell", "message"}
    # a live lock holder makes a second run give up with a clear message
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (month.root / ".duban.lock").write_text(str(holder.pid))
        r = subprocess.run([sys.executable, str(ROOT / "run.py"), "merge", "--month", "2025-03", "-w", str(month.root)],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2 and "正在处理此工作区" in r.stderr
    finally:
        holder.kill()
        holder.wait()
        (month.root / ".duban.lock").unlink(missing_ok=True)
