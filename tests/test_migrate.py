"""A workspace made by the release before the ledger package opens, migrates in place and
works: files, entries, mail and runs intact, constraints in force, merge and collect run.

The workspace (tests/fixtures/workspace-before-ledger/) was made by commit 4b54559's own
command line; tests/fixtures/make_workspace_before_ledger.py says how.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import stat
import time
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from jobs import collect, merge
from office.ledger import entries as ledger_entries, files as ledger_files, findings as ledger_findings, mail as ledger_mail
from office.ledger.schema import LATEST
from office.workspace import open_workspace
from fill import fill_form, form_sheet, locate

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "workspace-before-ledger"
# What each table held when the old release wrote it, read back before and after the migration.
DUMPS = {
    "files": "SELECT rowid, sha256, name, size, received_at, archive, format, unit, kind, period, verdict, reason, warnings, seen FROM files ORDER BY rowid",
    "file_names": "SELECT rowid, sha256, name, at FROM file_names ORDER BY rowid",
    "entries": "SELECT sha256, unit, kind, period, task_id, text, vals, cells FROM entries ORDER BY sha256, task_id",
    "mail": "SELECT id, kind, period, unit, stage, recipients, files, message_id, sent_at FROM mail ORDER BY id",
    "runs": "SELECT id, job, period, at, result, ok FROM runs ORDER BY id",
    "generated": "SELECT kind, period, unit, file, checksum, at FROM generated ORDER BY kind, period, unit",
    "tasks": "SELECT id, kind, seq, category, text, leaders, lead_units, co_units, note, position FROM tasks ORDER BY position",
    "meta": "SELECT key, value FROM meta ORDER BY key",
    "imports": "SELECT id, file, sha256, at, added, removed, changed FROM imports ORDER BY id",
}


def dump(db: Path) -> dict[str, list[tuple]]:
    con = sqlite3.connect(db)
    try:
        return {name: [tuple(r) for r in con.execute(sql)] for name, sql in DUMPS.items()}
    finally:
        con.close()


@pytest.fixture
def old_ws(tmp_path) -> Path:
    root = tmp_path / "old"
    shutil.copytree(FIXTURE, root)
    for p in root.rglob("*"):
        p.chmod(p.stat().st_mode | stat.S_IWUSR)
    return root


def test_the_fixture_is_a_ledger_of_the_old_release():
    con = sqlite3.connect(f"file:{FIXTURE / 'duban.db'}?mode=ro", uri=True)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 0
        mail_cols = [r[1] for r in con.execute("PRAGMA table_info(mail)")]
        assert "status" not in mail_cols and "recorded_only" not in mail_cols  # before the columns added mid-year
        assert not con.execute("SELECT 1 FROM sqlite_master WHERE name IN ('receipts', 'findings')").fetchall()
    finally:
        con.close()
    assert sum(p.stat().st_size for p in FIXTURE.rglob("*") if p.is_file()) < 1_000_000


def test_an_old_workspace_migrates_in_place_with_everything_intact(old_ws):
    before = dump(old_ws / "duban.db")
    ws = open_workspace(old_ws)
    try:
        assert ws.ledger.migrated == list(range(1, LATEST + 1))
        db = ws.ledger.db
        assert db.execute("PRAGMA user_version").fetchone()[0] == LATEST
        assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # every row as the old release wrote it, in the same order, row ids included
        assert dump(old_ws / "duban.db") == before
        # ... and a few values read through the ledger layer
        got = {f["name"]: (f["unit"], f["kind"], f["period"], f["verdict"]) for f in ledger_files.all_files(ws.ledger)}
        assert got == {
            "区商务局计划表.xlsx": ("区商务局", "plan", "2025", "accepted"),
            "区财政局计划表.xlsx": ("区财政局", "plan", "2025", "accepted"),
            "副本-商务局3月.xlsx": ("区商务局", "status", "2025-03", "accepted"),
            "教体局报送.xlsx": ("", "", "", "rejected"),
            "财政局3月.xlsx": ("区财政局", "status", "2025-03", "superseded"),
            "财政局3月（更正）.xlsx": ("区财政局", "status", "2025-03", "accepted"),
        }
        names = [n for _, n, _ in ledger_files.all_names(ws.ledger)]
        assert names.count("商务局3月落实情况表.xlsx") == 1 and len(names) == 7  # the duplicate kept its own name
        corrected = ledger_files.current(ws.ledger, "区财政局", "status", "2025-03")
        rows = {e["task_id"]: e["values"] for e in ledger_entries.of_file(ws.ledger, corrected["sha256"])}
        assert set(rows) == {"annual-1", "annual-3", "livelihood-1"}
        assert rows["annual-3"]["progress"] == "财政更正annual-3完成情况" and rows["annual-3"]["achieved"] == "是"
        mail = ledger_mail.all_rows(ws.ledger)
        assert len(mail) == 13 and {m["status"] for m in mail} == {"sent"} and not any(m["recorded_only"] for m in mail)
        assert [m["stage"] for m in mail].count("overdue") == 4
        assert ledger_mail.issued_units(ws.ledger, "status", "2025-03") == {"区商务局", "区财政局", "区教育体育局"}
        # the archive still holds every file the ledger points to
        for f in ledger_files.all_files(ws.ledger):
            assert hashlib.sha256((old_ws / f["archive"]).read_bytes()).hexdigest() == f["sha256"]
        # the 是/否 cell the old release only wrote into a warning is a finding now
        commerce = ledger_files.current(ws.ledger, "区商务局", "status", "2025-03")
        assert ledger_findings.of_file(ws.ledger, commerce["sha256"]) == [
            {"kind": "bad_choice", "task_id": "annual-2", "cell": "H8",
             "message": "区商务局关于年度工作任务2的“是否完成阶段任务目标”填写为“差不多”，不是“是”或“否”，无法识别，按未填写处理。"}]
    finally:
        ws.close()
    again = open_workspace(old_ws)
    try:
        assert again.ledger.migrated == []  # once only
    finally:
        again.close()


def test_the_constraints_are_in_force_after_the_migration(old_ws):
    ws = open_workspace(old_ws)
    try:
        db = ws.ledger.db
        sql = {r[0]: r[1] for r in db.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")}
        assert "CHECK (verdict IN ('accepted', 'superseded', 'rejected'))" in sql["files"]
        for child in ("entries", "file_names", "receipts", "findings"):
            assert "REFERENCES files (sha256) ON DELETE CASCADE" in sql[child], child
        assert "UNIQUE" in sql["mail_one_message"] and "WHERE" in sql["mail_one_message"]
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            with ws.ledger.transaction() as con:
                ledger_entries.add(con, "0" * 64, "区商务局", "status", "2025-03", [("annual-1", "t", {}, {})])
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            db.execute("UPDATE files SET verdict = 'maybe' WHERE name = '教体局报送.xlsx'")
        old = ledger_mail.all_rows(ws.ledger)[0]
        with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"):  # the same message recorded twice
            with ws.ledger.transaction() as con:
                ledger_mail.start(con, old["kind"], old["period"], old["unit"], old["stage"], [], [], old["message_id"], "2025-04-20T09:00:00")
    finally:
        ws.close()


def test_merge_and_collect_work_on_the_migrated_workspace(old_ws):
    ws = open_workspace(old_ws)
    try:
        report = merge.run(ws, merge.Request("2025-03"), datetime(2025, 4, 15, 9))
        c = report.data["counts"]
        assert (c["units"], c["reported"], c["on_time"], c["late"], c["missing"]) == (3, 2, 1, 1, 1)
        found = sorted((f["kind"], f["unit"], f["task"], f["cell"]) for f in report.data["findings"])
        assert found == sorted([
            ("missing", "区教育体育局", "", ""),
            ("no_plan", "区教育体育局", "", ""),
            ("late", "区财政局", "", ""),
            ("task_edited", "区商务局", "annual-1", "B7"),
            ("bad_choice", "区商务局", "annual-2", "H8"),  # and no 未填写 for the same cell
        ])
        wb = openpyxl.load_workbook(report.data["tracker"], read_only=True)
        rows = [r for r in wb["发现"].iter_rows(values_only=True)]
        wb.close()
        assert ("是/否无法识别", "区商务局") in {(r[0], r[1]) for r in rows}
        # the unit that never answered sends its March form, issued by the old release (an unsealed identity)
        src = next((old_ws / "outbox" / "2025-03").glob("*区教育体育局.xlsx"))
        _, task_rows, _ = locate(form_sheet(openpyxl.load_workbook(src)))
        values = {tid: {"progress": f"教体{tid}完成情况", "problems": "无", "next_steps": "继续", "achieved": "是"} for tid in task_rows}
        (old_ws / "inbox").mkdir(exist_ok=True)  # empty folders are not kept in the fixture
        dst = fill_form(src, old_ws / "inbox" / "教体局3月.xlsx", values)
        past = time.time() - 60
        os.utime(dst, (past, past))
        got = collect.run(ws, collect.Request(), datetime(2025, 4, 16, 10))
        assert [(a["unit"], a["period"]) for a in got.data["accepted"]] == [("区教育体育局", "2025-03")], got.data
        after = merge.run(ws, merge.Request("2025-03"), datetime(2025, 4, 16, 11)).data["counts"]
        assert (after["reported"], after["late"], after["missing"]) == (3, 2, 0)
    finally:
        ws.close()


# The ledger as the release right before migrations made it: the mail columns added mid-year
# (ALTER TABLE ... ADD COLUMN) and the receipts table collect created on first use.
BEFORE_MIGRATIONS = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL, received_at TEXT NOT NULL,
    archive TEXT NOT NULL, format TEXT, unit TEXT, kind TEXT, period TEXT,
    verdict TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', warnings TEXT NOT NULL DEFAULT '[]',
    seen INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE mail (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, period TEXT NOT NULL, unit TEXT NOT NULL,
    stage TEXT NOT NULL, recipients TEXT NOT NULL, files TEXT NOT NULL, message_id TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
ALTER TABLE mail ADD COLUMN status TEXT NOT NULL DEFAULT 'sent';
ALTER TABLE mail ADD COLUMN answer TEXT NOT NULL DEFAULT '';
ALTER TABLE mail ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE mail ADD COLUMN recorded_only INTEGER NOT NULL DEFAULT 0;
CREATE INDEX mail_message ON mail (kind, period, unit, stage);
CREATE TABLE receipts (
    sha256 TEXT PRIMARY KEY, unit TEXT NOT NULL, stage TEXT NOT NULL, state TEXT NOT NULL,
    at TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT ''
);
INSERT INTO files VALUES ('f1', '商务.xlsx', 9, '2025-04-02T10:00:00', 'archive/f1.xlsx', 'xlsx', '区商务局', 'status',
                          '2025-03', 'accepted', '', '[]', 1);
INSERT INTO mail VALUES (1, 'status', '2025-03', '区商务局', 'send', '["a@x"]', '[]', '<m1@x>', '2025-04-01T09:00:00',
                         'failed', '', '连接被拒绝', 0);
INSERT INTO mail VALUES (2, 'status', '2025-03', '区商务局', 'send', '[]', '[]', '', '2025-04-01T11:00:00',
                         'sent', '其他方式下发', '', 1);
INSERT INTO mail VALUES (3, '', '', '区商务局', 'receipt-0123456789abcdef', '["a@x"]', '[]', '<m3@x>',
                         '2025-04-02T10:05:00', 'sending', '', '', 0);
INSERT INTO receipts VALUES ('f1', '区商务局', 'receipt-0123456789abcdef', 'sending', '2025-04-02T10:05:00', 1, '');
"""


def test_a_ledger_with_the_columns_added_mid_year_keeps_their_values(tmp_path):
    from office.ledger import Ledger, receipts

    db = tmp_path / "duban.db"
    con = sqlite3.connect(db)
    con.executescript(BEFORE_MIGRATIONS)
    con.close()
    led = Ledger(db)
    try:
        assert led.migrated == list(range(1, LATEST + 1))
        got = [(m["id"], m["status"], m["reason"], m["answer"], m["recorded_only"]) for m in ledger_mail.all_rows(led)]
        assert got == [(1, "failed", "连接被拒绝", "", 0), (2, "sent", "", "其他方式下发", 1), (3, "sending", "", "", 0)]
        assert ledger_mail.issued_units(led, "status", "2025-03") == {"区商务局"}
        assert receipts.in_states(led, ("sending",)) == [
            {"sha256": "f1", "unit": "区商务局", "stage": "receipt-0123456789abcdef", "state": "sending",
             "at": "2025-04-02T10:05:00", "tries": 1, "note": ""}]
    finally:
        led.close()
