"""The ledger layer: SQL in one package, migrations, constraints, plain records, one shape for
a month's rows, and findings from reading shown by the tracker and the briefing."""

from __future__ import annotations

import ast
import os
import re
import sqlite3
import time
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest

from jobs import brief, collect, generate, merge
from office.errors import DubanError
from office.ledger import Ledger, entries, files, findings, mail, receipts
from office.ledger.schema import LATEST, RELEASED
from office.month import build_month
from office.month_data import MonthRows
from sheets.tracker import write_tracker
from fill import fill_form, form_sheet, locate, set_text
from month_fixture import U, full, issue, make_ws, plan_all

ROOT = Path(__file__).resolve().parents[1]
SQL_WORDS = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)\b")


def _py_files(*folders: str) -> list[Path]:
    out = [ROOT / "run.py"]
    for folder in folders:
        out += sorted((ROOT / folder).rglob("*.py"))
    return out


# -- the layers ------------------------------------------------------------------------------


def test_sql_is_written_only_inside_the_ledger_package():
    outside = []
    for path in _py_files("office", "sheets", "jobs"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("office/ledger/"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if SQL_WORDS.search(line) or ".execute(" in line or "executemany(" in line or "import sqlite3" in line:
                outside.append(f"{rel}:{n}: {line.strip()}")
    assert outside == []
    # the grep finds something where SQL is: the check is not vacuous
    assert SQL_WORDS.search((ROOT / "office" / "ledger" / "files.py").read_text(encoding="utf-8"))


def test_sheets_import_nothing_from_the_ledger_the_workspace_or_jobs():
    banned = ("office.ledger", "office.workspace", "office.month", "jobs")
    found = []
    for path in _py_files("sheets")[1:]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                if name == "office.month_data":
                    continue
                if any(name == b or name.startswith(b + ".") for b in banned):
                    found.append(f"{path.name}: {name}")
    assert found == []


def test_only_the_adapter_speaks_sqlite():
    """SQLite's own syntax (PRAGMAs, INSERT OR REPLACE/IGNORE, rowid, json_extract) stays in
    office/ledger/sqlite.py (and the SQLite DDL of schema.py)."""
    sqlite_only = re.compile(r"\bPRAGMA\b|\bOR\s+(REPLACE|IGNORE)\b|\browid\b|json_extract|lastrowid|sqlite_master|"
                             r"import sqlite3|executescript")
    found = []
    for path in sorted((ROOT / "office" / "ledger").glob("*.py")):
        if path.name in ("sqlite.py", "schema.py"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if sqlite_only.search(line):
                found.append(f"{path.name}:{n}: {line.strip()}")
    assert found == []


# -- migrations and constraints ----------------------------------------------------------------


def _file(sha: str, verdict: str = "accepted", unit: str = "区商务局", kind: str = "status", period: str = "2025-03",
          at: str = "2025-04-02T10:00:00", name: str = "a.xlsx") -> dict:
    return {"sha256": sha, "name": name, "size": 10, "received_at": at, "archive": f"archive/{sha[:2]}/{sha}.xlsx",
            "format": "xlsx", "unit": unit, "kind": kind, "period": period, "verdict": verdict, "reason": "",
            "warnings": ["一条提示"]}


def test_a_new_ledger_is_at_the_latest_version_and_opening_again_changes_nothing(tmp_path):
    led = Ledger(tmp_path / "duban.db")
    assert led.migrated == list(range(1, LATEST + 1))
    assert led.db.execute("PRAGMA user_version").fetchone()[0] == LATEST
    led.close()
    again = Ledger(tmp_path / "duban.db")
    assert again.migrated == []
    again.close()


def test_a_ledger_from_a_newer_release_is_refused(tmp_path):
    con = sqlite3.connect(tmp_path / "duban.db")
    con.execute(f"PRAGMA user_version = {LATEST + 1}")
    con.close()
    with pytest.raises(DubanError, match="更新版本"):
        Ledger(tmp_path / "duban.db")


def test_a_migration_that_cannot_apply_leaves_the_ledger_as_it_was(tmp_path):
    db = tmp_path / "duban.db"
    con = sqlite3.connect(db)
    con.executescript(RELEASED)
    con.execute("INSERT INTO files (sha256, name, size, received_at, archive, verdict) VALUES ('x', 'f', 1, 't', 'a', 'weird')")
    con.commit()
    con.close()
    with pytest.raises(DubanError, match="升级到版本 2 失败"):
        Ledger(db)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1  # migration 1 went through, 2 was rolled back
    assert con.execute("SELECT verdict FROM files").fetchall() == [("weird",)]
    assert "CHECK" not in con.execute("SELECT sql FROM sqlite_master WHERE name = 'files'").fetchone()[0]
    con.close()


def test_rows_pointing_at_no_file_are_left_out_and_counted(tmp_path):
    db = tmp_path / "duban.db"
    con = sqlite3.connect(db)
    con.executescript(RELEASED)
    con.execute("INSERT INTO files (sha256, name, size, received_at, archive, unit, kind, period, verdict) "
                "VALUES ('a', 'f', 1, 't', 'x', '区商务局', 'status', '2025-03', 'accepted')")
    con.execute("INSERT INTO entries VALUES ('a', '区商务局', 'status', '2025-03', 'annual-1', 't', '{}', '{}')")
    con.execute("INSERT INTO entries VALUES ('gone', '区商务局', 'status', '2025-03', 'annual-1', 't', '{}', '{}')")
    con.execute("INSERT INTO file_names VALUES ('gone', 'g', 't')")
    con.commit()
    con.close()
    led = Ledger(db)
    try:
        assert entries.count(led) == 1
        assert led.get_meta("migration_2_orphans") == '{"file_names": 1, "entries": 1}'
    finally:
        led.close()


@pytest.fixture
def led(tmp_path):
    ledger = Ledger(tmp_path / "duban.db")
    yield ledger
    ledger.close()


def test_the_constraints_refuse_what_duban_never_writes(led):
    with led.transaction() as con:
        files.record(con, _file("a" * 64))
    bad = [
        lambda con: files.record(con, _file("b" * 64, verdict="maybe")),  # CHECK verdict
        lambda con: files.record(con, _file("c" * 64, kind="")),  # an accepted file names its kind
        lambda con: entries.add(con, "d" * 64, "区商务局", "status", "2025-03", [("annual-1", "t", {}, {})]),  # FK
        lambda con: files.add_name(con, "d" * 64, "x.xlsx", "t"),  # FK
        lambda con: receipts.mark(con, "d" * 64, "区商务局", "receipt-x", "sent", "t"),  # FK
        lambda con: receipts.mark(con, "a" * 64, "区商务局", "receipt-x", "lost", "t"),  # CHECK state
        lambda con: mail.start(con, "status", "2025-03", "区商务局", "shout", [], [], "<m1@x>", "t"),  # CHECK stage
        lambda con: entries.add(con, "a" * 64, "区商务局", "memo", "2025-03", [("annual-1", "t", {}, {})]),  # CHECK kind
    ]
    for i, write in enumerate(bad):
        with pytest.raises(sqlite3.IntegrityError):
            with led.transaction() as con:
                write(con)
        assert files.count(led) == 1, i  # rolled back whole


def test_one_mail_row_per_message_but_resends_are_new_messages(led):
    with led.transaction() as con:
        first = mail.start(con, "status", "2025-03", "区商务局", "send", ["a@x"], [], "<m1@x>", "2025-04-01T09:00:00")
        mail.mark_failed(con, first, "服务器拒绝")
        again = mail.start(con, "status", "2025-03", "区商务局", "send", ["a@x"], [], "<m2@x>", "2025-04-01T10:00:00")
        mail.mark_sent(con, again, "250 OK", ["a@x"])
        resend = mail.start(con, "status", "2025-03", "区商务局", "send", ["a@x"], [], "<m3@x>", "2025-04-02T10:00:00")
        mail.start(con, "status", "2025-03", "区商务局", "receipt-0123456789abcdef", ["a@x"], [], "<m4@x>", "t")
    assert [m["status"] for m in mail.all_rows(led)] == ["failed", "sent", "sending", "sending"]
    assert mail.last_sent(led, "status", "2025-03", "区商务局", "send")["id"] == again
    assert mail.newest(led, "status", "2025-03", "区商务局", "send")["id"] == resend
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        with led.transaction() as con:
            mail.start(con, "status", "2025-03", "区商务局", "send", ["a@x"], [], "<m2@x>", "t")
    with led.transaction() as con:
        mail.record_delivered(con, "plan", "2025", "区财政局", "send", [], "t", "其他方式下发")
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):
        with led.transaction() as con:
            mail.record_delivered(con, "plan", "2025", "区财政局", "send", [], "t2", "又登记一次")
    assert mail.issued_units(led, "status", "2025-03") == {"区商务局"}
    assert mail.issued_units(led, "plan", "2025") == {"区财政局"}


def test_records_are_plain_and_a_file_takes_its_rows_with_it(led):
    with led.transaction() as con:
        files.record(con, _file("a" * 64, at="2025-04-02T10:00:00", name="初稿.xlsx"))
        files.record(con, _file("b" * 64, at="2025-04-02T10:00:00", name="更正.xlsx"))  # same time: recorded last counts
        files.add_name(con, "a" * 64, "初稿.xlsx", "2025-04-02T10:00:00")
        entries.add(con, "a" * 64, "区商务局", "status", "2025-03", [("annual-1", "推进", {"progress": "完成"}, {"progress": "E7"})])
        findings.add(con, "a" * 64, [("bad_choice", "annual-1", "H7", "是/否无法识别")])
        assert files.settle_versions(con, "区商务局", "status", "2025-03") == "b" * 64
    got = files.by_sha(led, ["a" * 64, "b" * 64, "c" * 64])
    assert set(got) == {"a" * 64, "b" * 64} and type(got["a" * 64]) is dict
    assert got["a" * 64]["verdict"] == "superseded" and got["b" * 64]["verdict"] == "accepted"
    assert got["a" * 64]["warnings"] == ["一条提示"]
    assert entries.of_file(led, "a" * 64) == [{"task_id": "annual-1", "text": "推进", "values": {"progress": "完成"},
                                               "cells": {"progress": "E7"}}]
    assert findings.of_returns(led, "status", "2025-03") == []  # only the version that counts
    led.db.execute("DELETE FROM files WHERE sha256 = ?", ("a" * 64,))
    assert entries.of_file(led, "a" * 64) == [] and findings.of_file(led, "a" * 64) == [] and files.all_names(led) == []


# -- the month: one shape, and findings from reading -----------------------------------------------


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """March 2025: U[0] edits a task text, U[1] writes “差不多” as 是否完成 on its livelihood task."""
    root = tmp_path_factory.mktemp("ledger-month") / "ws"
    ws = make_ws(root)
    plan_all(ws, U, datetime(2025, 2, 14, 10))
    generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3))
    issue(ws, "status", "2025-03", datetime(2025, 3, 3, 9))
    facts = {}
    for unit in (U[0], U[1], U[2]):
        src = next((root / "outbox" / "2025-03").glob(f"*_{unit}.xlsx"))
        wb = openpyxl.load_workbook(src)
        cols, rows, _ = locate(form_sheet(wb))
        values = {tid: full(f"{unit}{tid}三月进展") for tid in rows}
        if unit == U[1]:
            values["livelihood-1"]["achieved"] = "差不多"
            facts["bad_cell"] = f"{openpyxl.utils.get_column_letter(cols['achieved'])}{rows['livelihood-1']}"
        dst = fill_form(src, root / "inbox" / f"{unit}.xlsx", values)
        if unit == U[0]:
            wb = openpyxl.load_workbook(dst)
            sh = form_sheet(wb)
            set_text(sh.cell(rows["annual-1"], cols["text"]), "推进产业园建设（本单位改写）")
            wb.save(dst)
        past = time.time() - 60
        os.utime(dst, (past, past))
    facts["collect"] = collect.run(ws, collect.Request(), datetime(2025, 4, 2, 10))
    yield ws, facts
    ws.close()


def test_a_cell_found_unreadable_is_a_finding_of_the_month_once(month):
    ws, facts = month
    assert len(facts["collect"].data["accepted"]) == 3
    assert not [w for w in facts["collect"].warnings if "任务内容被改动" in w]  # said once: by the month's rules
    sha = next(a["sha256"] for a in facts["collect"].data["accepted"] if a["unit"] == U[1])
    stored = findings.of_file(ws.ledger, sha)
    assert [(f["kind"], f["task_id"], f["cell"]) for f in stored] == [("bad_choice", "livelihood-1", facts["bad_cell"])]
    with build_month(ws, "2025-03", datetime(2025, 4, 10, 9)) as data:
        got = [(f.kind, f.unit, f.task, f.cell) for f in data.findings if f.unit in U[:3]]
    assert ("bad_choice", U[1], "livelihood-1", facts["bad_cell"]) in got
    assert not [g for g in got if g[0] == "incomplete"]  # not also 未填写
    assert [g[:3] for g in got if g[0] == "task_edited"] == [("task_edited", U[0], "annual-1")]


def test_the_tracker_and_the_briefing_show_the_finding(month):
    ws, facts = month
    report = merge.run(ws, merge.Request("2025-03"), datetime(2025, 4, 10, 9))
    assert report.data["counts"]["findings"].get("bad_choice") == 1
    wb = openpyxl.load_workbook(report.data["tracker"], read_only=True)
    rows = list(wb["发现"].iter_rows(values_only=True))
    overview = [[c for c in r if c is not None] for r in wb["总览"].iter_rows(values_only=True)]
    wb.close()
    [row] = [r for r in rows if r[0] == "是/否无法识别"]
    assert row[1] == U[1] and row[5] == facts["bad_cell"] and "差不多" in row[6]
    assert any(r[:2] == ["是/否无法识别", 1] for r in overview), overview
    done = brief.run(ws, brief.Request(month="2025-03"), datetime(2025, 4, 10, 9))
    text = "\n".join(p.text for p in docx.Document(done.data["briefing"]).paragraphs)
    assert re.search(rf"部分填报内容无法识别。{U[1]}（第1项）", text), text


def test_a_month_has_one_shape_whatever_its_source(month, tmp_path):
    ws, _ = month
    data = build_month(ws, "2025-03", datetime(2025, 4, 10, 9))
    assert isinstance(data.rows, MonthRows)
    temp = "SELECT COUNT(*) FROM sqlite_temp_master WHERE type = 'table'"
    assert ws.ledger.db.execute(temp).fetchone()[0] == 2  # the month's lines, read back on iteration
    first = [(r.task.id, r.status, [(ln.unit, ln.values, ln.cells) for ln in r.lines]) for r in data.rows]
    assert [(r.task.id, r.status, [(ln.unit, ln.values, ln.cells) for ln in r.lines]) for r in data.rows] == first
    assert data.rows[-1].task.id == first[-1][0] and [r.task.id for r in data.rows[1:3]] == [f[0] for f in first[1:3]]
    assert [data.rows.line_count(i) for i in range(len(data.rows))] == [len(f[2]) for f in first]
    # the same rows held in memory write the same tracker
    held = build_month(ws, "2025-03", datetime(2025, 4, 10, 9))
    streamed = held.rows
    held.rows = list(streamed)  # a list given to a month is held as MonthRows
    streamed.close()
    assert isinstance(held.rows, MonthRows)
    write_tracker(tmp_path / "read.xlsx", data, "督查室")
    write_tracker(tmp_path / "held.xlsx", held, "督查室")

    def cells(path: Path) -> dict:
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            return {ws_.title: [r for r in ws_.iter_rows(values_only=True)] for ws_ in wb.worksheets}
        finally:
            wb.close()

    assert cells(tmp_path / "read.xlsx") == cells(tmp_path / "held.xlsx")
    data.close()
    held.close()
    assert ws.ledger.db.execute(temp).fetchone()[0] == 0  # closed: the temporary tables are gone
    assert data.counts["tasks"] == len(first)  # statuses and counts stay
    with pytest.raises(RuntimeError):
        list(data.rows)


def test_closing_the_ledger_closes_the_months_left_open(tmp_path):
    led = Ledger(tmp_path / "duban.db")
    from office.ledger.lines import LineSet

    lines = LineSet(led, iter([("annual-1", None, None, None)]))
    assert lines.n_lines == 1 and lines.read(0, 1)[0].values is None
    led.close()
    assert lines.closed
