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
from openpyxl.utils import get_column_letter

from conftest import merge_month, run_cli
from fill import form_sheet, locate
from month_fixture import MARCH, TASKS_CSV, U, outbox_form
from office.month import build_month

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def month(filled_month):
    """March 2025 of month_fixture.MARCH, status_workdays = 3: due Thursday 2025-04-03, right before 清明 (4/4–4/6)."""
    return filled_month


def test_deadline_is_before_the_holiday(month):
    data = build_month(month, "2025-03", datetime(2025, 4, 10))
    assert data.deadline == date(2025, 4, 3)


def test_findings_are_exactly_the_known_facts(month):
    report = merge_month(month, "2025-03", now=datetime(2025, 4, 10, 9))
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
    again = merge_month(month, "2025-03", now=datetime(2025, 4, 10, 9))
    assert again.data["findings"] == report.data["findings"]


def test_before_the_deadline_nobody_is_missing(month):
    data = build_month(month, "2025-03", datetime(2025, 4, 3, 12))
    assert not [f for f in data.findings if f.kind == "missing"]
    assert {u.unit: u.state for u in data.units}[U[4]] == "pending"


def test_tracker_read_back(month):
    report = merge_month(month, "2025-03", now=datetime(2025, 4, 10, 9))
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


# tracker header -> the field the unit wrote under it in its return
TRACKER_FIELDS = {"完成情况": "progress", "存在问题": "problems", "下一步计划": "next_steps", "是否完成": "achieved"}
YES_NO = {"是": "是", "√": "是", "否": "否"}


def expected_lines() -> dict[tuple[str, str], tuple[str, dict]]:
    """{(task_id, unit): (file name, {field: value as the tracker shows it})}: the last answer of each
    unit in MARCH, on every task it is named for in TASKS_CSV."""
    tasks: dict[str, list[str]] = {}
    for line in TASKS_CSV.splitlines()[1:]:
        kind, seq, _, _, _, units = line.split(",")
        for unit in units.split("、"):
            tasks.setdefault(unit, []).append(f"{kind}-{seq}")
    out = {}
    for unit, values, at, name, _ in MARCH:
        shown = {f: (YES_NO[v] if f == "achieved" else v) or "" for f, v in values.items()}
        for tid in tasks[unit]:
            out[(tid, unit)] = (name or f"{unit}_status_2025-03_{at:%m%d%H%M}.xlsx", shown)
    return out


def tracker_lines(sheet, kind: str) -> dict[tuple[str, str], dict[str, object]]:
    """{(task_id, unit): {header: cell}} of a tracker sheet; a task's 序号 is merged over its lines."""
    header_row = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "序号")
    col = {c.value: c.column for c in sheet[header_row] if c.value}
    out, seq = {}, None
    for r in range(header_row + 1, sheet.max_row + 1):
        seq = sheet.cell(r, col["序号"]).value or seq
        unit = sheet.cell(r, col["单位"]).value
        if seq is not None and unit:
            out[(f"{kind}-{int(seq)}", unit)] = {h: sheet.cell(r, col[h]) for h in TRACKER_FIELDS}
    return out


def test_each_field_of_a_return_lands_under_its_own_tracker_column(month):
    """完成情况 under 完成情况, 存在问题 under 存在问题 …, each with the return's own cell as its source:
    the column found by its header text in the unit's form, the row of the task."""
    report = merge_month(month, "2025-03", now=datetime(2025, 4, 10, 9))
    wb = openpyxl.load_workbook(report.data["tracker"])
    lines = tracker_lines(wb["台账"], "annual") | tracker_lines(wb["为民办实事"], "livelihood")
    want = expected_lines()
    assert set(want) <= set(lines), sorted(set(want) - set(lines))
    forms = {}
    for (tid, unit), (file, values) in want.items():
        if unit not in forms:
            cols, rows, _ = locate(form_sheet(openpyxl.load_workbook(outbox_form(month, "status", "2025-03", unit))))
            forms[unit] = (cols, rows)
        cols, rows = forms[unit]
        for header, field in TRACKER_FIELDS.items():
            cell = lines[(tid, unit)][header]
            assert (cell.value or "") == values[field], (tid, unit, header, cell.value, values[field])
            if values[field]:
                source = f"{file}!{get_column_letter(cols[field])}{rows[tid]}"
                assert cell.comment is not None and cell.comment.text == f"来源：{source}", (tid, unit, header, source)
    # the units' own words, once each, under the right header
    problems = {lines[k]["存在问题"].value for k in want}
    assert {"选址涉及多个部门，协调周期较长", "部分住户诉求尚未协调一致", "施工场地狭小", "+1 人员不足"} <= problems
    assert not problems & {lines[k]["完成情况"].value for k in want}


def test_open_tracker_gets_a_numbered_sibling(month):
    first = Path(merge_month(month, "2025-03", now=datetime(2025, 4, 10, 9)).data["tracker"])
    owner = first.parent / ("~$" + first.name)
    owner.write_bytes(b"owner")
    try:
        other = merge_month(month, "2025-03", now=datetime(2025, 4, 10, 9))
        assert Path(other.data["tracker"]) != first
        assert any("正在被" in w for w in other.warnings)
        openpyxl.load_workbook(other.data["tracker"])
    finally:
        owner.unlink()


def test_killed_merge_leaves_the_previous_tracker_whole(month):
    first = Path(merge_month(month, "2025-03", now=datetime(2025, 4, 10, 9)).data["tracker"])
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
    r = run_cli("merge", "--month", "2025-03", "-w", str(month.root), "--now", "2025-04-10T09:00", "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert set(data) >= {"tracker", "deadline", "findings"} and data["deadline"] == "2025-04-03"
    assert set(data["findings"][0]) == {"kind", "unit", "task", "period", "file", "cell", "message"}
    # a live lock holder makes a second run give up with a clear message
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (month.root / ".duban.lock").write_text(str(holder.pid))
        r = run_cli("merge", "--month", "2025-03", "-w", str(month.root), timeout=60)
        assert r.returncode == 2 and "正在处理此工作区" in r.stderr
    finally:
        holder.kill()
        holder.wait()
        (month.root / ".duban.lock").unlink(missing_ok=True)
