"""The workspace's SQLite ledger: tasks, received files, returned rows, mail and runs."""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from office.model import Task

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, seq INTEGER NOT NULL, category TEXT NOT NULL,
    text TEXT NOT NULL, leaders TEXT NOT NULL, lead_units TEXT NOT NULL, co_units TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '', position INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS imports (
    id INTEGER PRIMARY KEY, file TEXT NOT NULL, sha256 TEXT NOT NULL, at TEXT NOT NULL,
    added INTEGER, removed INTEGER, changed INTEGER
);
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL, received_at TEXT NOT NULL,
    archive TEXT NOT NULL, format TEXT, unit TEXT, kind TEXT, period TEXT,
    verdict TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', warnings TEXT NOT NULL DEFAULT '[]',
    seen INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS files_period ON files (unit, kind, period);
CREATE TABLE IF NOT EXISTS file_names (sha256 TEXT NOT NULL, name TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    sha256 TEXT NOT NULL, unit TEXT NOT NULL, kind TEXT NOT NULL, period TEXT NOT NULL,
    task_id TEXT NOT NULL, text TEXT NOT NULL, vals TEXT NOT NULL, cells TEXT NOT NULL,
    PRIMARY KEY (sha256, task_id)
);
CREATE INDEX IF NOT EXISTS entries_period ON entries (kind, period, unit);
CREATE TABLE IF NOT EXISTS mail (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, period TEXT NOT NULL, unit TEXT NOT NULL,
    stage TEXT NOT NULL, recipients TEXT NOT NULL, files TEXT NOT NULL, message_id TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, job TEXT NOT NULL, period TEXT NOT NULL, at TEXT NOT NULL,
    result TEXT NOT NULL, ok INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS generated (
    kind TEXT NOT NULL, period TEXT NOT NULL, unit TEXT NOT NULL, file TEXT NOT NULL,
    checksum TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (kind, period, unit)
);
CREATE TABLE IF NOT EXISTS pending (path TEXT PRIMARY KEY, size INTEGER, mtime REAL, first_seen TEXT NOT NULL);
"""

# Columns added after the first release: (table, column, declaration). A workspace made
# earlier gets them when it is opened; add new ones at the end, never change old ones.
ADDED_COLUMNS: list[tuple[str, str, str]] = [
    # mail: each message is recorded as 'sending' before it goes to SMTP, then 'sent' (with the
    # server's answer) or 'failed' (with the reason); rows written before these columns existed
    # were written after the server accepted the message, hence the default 'sent'.
    ("mail", "status", "TEXT NOT NULL DEFAULT 'sent'"),
    ("mail", "answer", "TEXT NOT NULL DEFAULT ''"),
    ("mail", "reason", "TEXT NOT NULL DEFAULT ''"),
    # 1: not mailed by duban; the office recorded that it delivered the form by other means (send --record-only)
    ("mail", "recorded_only", "INTEGER NOT NULL DEFAULT 0"),
]
# Indexes on columns of the first release (plain, not unique).
INDEXES = (
    "CREATE INDEX IF NOT EXISTS mail_message ON mail (kind, period, unit, stage)",
)


class Ledger:
    """A thin wrapper over one sqlite3 connection; every write happens in a transaction."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self._add_columns()
        from office.ledger import mailbox  # mail taken in (fetch, .eml in the inbox)

        mailbox.ensure_schema(self.db)

    def _add_columns(self) -> None:
        for table, column, decl in ADDED_COLUMNS:
            have = {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
        for sql in INDEXES:
            self.db.execute(sql)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # meta
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # tasks
    def tasks(self) -> list[Task]:
        """The registered tasks in table order.

        Rows are read one at a time from the cursor (never ``fetchall``: 100,000 tasks
        as ``sqlite3.Row`` objects peaked at ~190 MB), and the many repeated values
        (kind, category, leader and unit lists) are shared between tasks rather than
        decoded into a fresh copy for every row.
        """
        strings: dict[str, str] = {}
        lists: dict[str, tuple[str, ...]] = {}  # raw JSON -> decoded tuple, shared by equal lists

        def one(value: str) -> str:
            return strings.setdefault(value, value)

        def names(raw: str) -> tuple[str, ...]:
            got = lists.get(raw)
            if got is None:
                got = lists[raw] = tuple(one(x) for x in json.loads(raw))
            return got

        cur = self.db.cursor()
        cur.row_factory = None
        cur.execute("SELECT kind, seq, text, category, leaders, lead_units, co_units, note FROM tasks ORDER BY position")
        out: list[Task] = []
        for kind, seq, text, category, leaders, lead_units, co_units, note in cur:
            out.append(Task(kind=one(kind), seq=seq, text=text, category=one(category), leaders=names(leaders),
                            lead_units=names(lead_units), co_units=names(co_units), note=one(note) if note else ""))
        cur.close()
        return out

    def replace_tasks(self, con: sqlite3.Connection, tasks: list[Task]) -> None:
        con.execute("DELETE FROM tasks")
        con.executemany(
            "INSERT INTO tasks VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    t.id, t.kind, t.seq, t.category, t.text,
                    json.dumps(list(t.leaders), ensure_ascii=False),
                    json.dumps(list(t.lead_units), ensure_ascii=False),
                    json.dumps(list(t.co_units), ensure_ascii=False),
                    t.note, i,
                )
                for i, t in enumerate(tasks)
            ],
        )

    def tasks_with_returns(self) -> set[str]:
        return {r[0] for r in self.db.execute(
            "SELECT DISTINCT e.task_id FROM entries e JOIN files f ON f.sha256=e.sha256 WHERE f.verdict IN ('accepted','superseded')")}

    # runs
    def record_run(self, job: str, period: str, at: str, result: str, ok: bool = True) -> None:
        self.db.execute("INSERT INTO runs (job, period, at, result, ok) VALUES (?,?,?,?,?)", (job, period, at, result, int(ok)))

    def has_run(self, job: str, period: str) -> bool:
        return self.db.execute("SELECT 1 FROM runs WHERE job=? AND period=? AND ok=1", (job, period)).fetchone() is not None
