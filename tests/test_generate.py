"""generate on the Shizhong sample: one workbook per unit, exactly its tasks and roles, targets from accepted plans."""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from jobs import collect, generate, importer
from office.month import reporting_units
from sheets.identity import SHEET_NAME
from sheets.returns import read_return
from fill import fill_form, task_ids
from office.workspace import SAMPLE_DIR, init_workspace, open_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("gen") / "ws"
    init_workspace(root, 2025)
    w = open_workspace(root)
    importer.run(w, importer.Request(SAMPLE_DIR / "decomposition.xlsx"), datetime(2025, 1, 24, 10))
    yield w
    w.close()


def identity(path: Path) -> dict:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(SHEET_NAME).to_python()
    return {r[0]: r[1] for r in rows if r and r[0]}


def test_every_unit_gets_one_plan_and_one_status_workbook(ws):
    plan = generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9))
    status = generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3, 9))
    units = reporting_units(ws, ws.ledger.tasks())
    assert sorted(f["unit"] for f in plan.data["files"]) == sorted(units)
    assert sorted(f["unit"] for f in status.data["files"]) == sorted(units)
    plan_files = sorted(p.name for p in (ws.root / "outbox" / "plan").glob("*.xlsx"))
    assert plan_files == sorted(f"2025年_落实计划表_{u}.xlsx" for u in units)
    status_files = sorted(p.name for p in (ws.root / "outbox" / "2025-03").glob("*.xlsx"))
    assert status_files == sorted(f"2025年3月_落实情况表_{u}.xlsx" for u in units)
    # every street office of the group gets its own, including those named only through 各街道办事处
    assert "2025年3月_落实情况表_魏家庄街道办事处.xlsx" in status_files


@pytest.mark.parametrize("unit", ["区发展改革局", "大观园街道办事处", "魏家庄街道办事处", "区财政局"])
def test_workbook_holds_exactly_the_units_tasks_with_roles(ws, unit):
    generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3, 9))
    tasks = ws.ledger.tasks()
    named = {t.id: ("牵头" if unit in t.lead_units else "配合") for t in tasks if unit in t.units}
    if not named:
        pytest.skip(f"{unit} has no task in the sample")
    path = ws.root / "outbox" / "2025-03" / f"2025年3月_落实情况表_{unit}.xlsx"
    read = read_return(path, "xlsx")
    assert [r.task_id for r in read.rows] == sorted(named, key=lambda i: (i.split("-")[0] != "annual", int(i.split("-")[1])))
    assert identity(path)["task_ids"].split(",") == [r.task_id for r in read.rows]
    sheet = openpyxl.load_workbook(path)[read.sheet]
    by_id = {t.id: t for t in tasks}
    for r in read.rows:
        # the official form has no 本单位职责 column: a shared task names the unit's role and the
        # other units under its text; a co-unit's names the lead as 牵头单位 and every other unit
        task, cell = by_id[r.task_id], sheet[r.cells["text"]].value
        assert r.text == task.text
        others = [u for u in task.units if u != unit]
        if not others:
            assert cell == task.text, r.task_id
            continue
        text, note = cell.rsplit("\n", 1)
        assert text == task.text and note.startswith(f"（本单位{named[r.task_id]}。"), (r.task_id, note)
        assert all(u in note for u in others), (r.task_id, note)
        leads = [u for u in task.lead_units if u != unit]
        if named[r.task_id] == "配合" and leads:
            assert f"牵头单位：{'、'.join(leads)}" in note, (r.task_id, note)


def test_a_unit_that_only_co_leads(ws):
    tasks = ws.ledger.tasks()
    co_only = next(u for u in reporting_units(ws, tasks)
                   if any(u in t.co_units for t in tasks) and not any(u in t.lead_units for t in tasks))
    generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9))
    read = read_return(ws.root / "outbox" / "plan" / f"2025年_落实计划表_{co_only}.xlsx", "xlsx")
    assert {r.task_id for r in read.rows} == {t.id for t in tasks if co_only in t.co_units}


def test_status_targets_come_from_the_accepted_plan(ws):
    generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9))
    unit = "区商务局"
    src = ws.root / "outbox" / "plan" / f"2025年_落实计划表_{unit}.xlsx"
    vals = {tid: {"q1": f"一季度：{tid}目标", "q2": "二季度目标", "q3": "三", "q4": "四"} for tid in task_ids(src)}
    dst = ws.root / "inbox" / "商务局计划.xlsx"
    fill_form(src, dst, vals)
    past = time.time() - 60
    os.utime(dst, (past, past))
    got = collect.run(ws, collect.Request(), datetime(2025, 2, 10, 9))
    assert [a["unit"] for a in got.data["accepted"]] == [unit]
    report = generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3, 9))
    assert unit in report.data["changed"]
    status = read_return(ws.root / "outbox" / "2025-03" / f"2025年3月_落实情况表_{unit}.xlsx", "xlsx")
    assert {r.task_id: r.values["target"] for r in status.rows} == {tid: v["q1"] for tid, v in vals.items()}
    # a unit without an accepted plan is told so in the cell
    other = ws.root / "outbox" / "2025-03" / "2025年3月_落实情况表_区财政局.xlsx"
    sheet = openpyxl.load_workbook(other)[read_return(other, "xlsx").sheet]
    assert any(c.value == "（未报送计划）" for row in sheet.iter_rows() for c in row)


def test_regenerating_reports_what_changed(ws):
    generate.run(ws, generate.Request("status", "2025-04"), datetime(2025, 4, 1, 9))
    again = generate.run(ws, generate.Request("status", "2025-04"), datetime(2025, 4, 1, 10))
    assert again.data["added"] == [] and again.data["changed"] == [] and again.data["removed"] == []
    assert not list((ws.root / "outbox").glob(".*"))  # no staging folder left behind
