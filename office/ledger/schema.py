"""The ledger's schema: numbered migrations, applied in order when a ledger is opened.

``PRAGMA user_version`` holds the number of the last migration applied (0: a ledger made by a
release before migrations existed, or a new file). Each migration runs in one transaction,
together with the new version number, so a ledger is always at one version or the next;
two processes opening the same old ledger migrate it once (the second finds the work done).
Migrations are never edited once released: a change is a new migration at the end.

1. The schema as released before migrations: every table of that release, the ``mail``
   columns added since (``status``, ``answer``, ``reason``, ``recorded_only``) and the
   ``receipts`` table that ``collect`` used to create on first use. A ledger of either
   earlier shape gets exactly what is missing.
2. Constraints. SQLite cannot add them to a table, so each table is rebuilt (created anew,
   rows copied with their row ids, old one dropped, new one renamed):
   - CHECKs on the enumerations: files.verdict (and an accepted or superseded file names
     its unit, kind and period), entries/generated kind, tasks.kind, mail.kind, mail.stage
     (send, notice, remind, overdue, receipt-…), mail.status, receipts.state, the 0/1 flags;
   - foreign keys to ``files`` from entries, file_names and receipts (ON DELETE CASCADE:
     what was read from a file goes with it);
   - UNIQUE where idempotence depends on it, besides the primary keys files.sha256,
     entries (sha256, task_id), generated (kind, period, unit), receipts.sha256,
     pending.path: one mail row per message handed to the server (kind, period, unit,
     stage, message_id among 'sending'/'sent' rows; a resend or a retry is a new message
     with its own Message-ID, so the same (kind, period, unit, stage) may have many rows),
     one ``--record-only`` row per (kind, period, unit, stage), one task per position.
   Rows that point at no file (none are written by duban) are left out of the copy; their
   number is kept in meta ``migration_2_orphans``.
3. ``findings``: problems found in a cell while reading a return (是/否 无法识别 …), one row
   per finding, keyed by the file's sha256; for the files taken before, the ones their
   warning texts name with a cell.
4. Mail taken in (``fetch``, and .eml files saved into the inbox): ``mail_messages`` (one row
   per message, keyed by the SHA-256 of its archived bytes), ``mail_seen`` (each message seen
   on the server, by account, folder, UIDVALIDITY and UID), ``mail_attachments`` (each workbook
   taken from a message, with the inbox file it was written to; foreign key to its message) and
   ``file_origins`` (for each collected file: where its received time came from and the sender
   check; foreign key to ``files``). CHECKs on their states and sources.

5. ``notices``: the announcements made of a task's state (``done``: a 完成事项通报), one row per
   (kind, task, period) — UNIQUE, so a task's completion in a month is announced once — with the
   document that announced it and when.

The DDL is SQLite's (see :mod:`office.ledger.sqlite`); a PostgreSQL adapter carries its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from office.errors import DubanError
from office.ledger import sqlite
from office.ledger.sqlite import Connection

# -- 1: the released schema -----------------------------------------------------------------

RELEASED = """
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
CREATE TABLE IF NOT EXISTS receipts (
    sha256 TEXT PRIMARY KEY, unit TEXT NOT NULL, stage TEXT NOT NULL, state TEXT NOT NULL,
    at TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0, note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS mail_message ON mail (kind, period, unit, stage)
"""

# Columns added to released tables before migrations existed: (table, column, declaration).
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


def _released(db: Connection) -> None:
    sqlite.run_script(db, RELEASED)
    for table, column, decl in ADDED_COLUMNS:
        if column not in sqlite.columns(db, table):
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")


# -- 2: constraints -------------------------------------------------------------------------

VERDICTS = ("accepted", "superseded", "rejected")
MAIL_STATUSES = ("sending", "sent", "failed")
MAIL_STAGES = ("send", "notice", "remind", "overdue")  # and receipt-<sha256 prefix>
RECEIPT_STATES = ("queued", "sending", "sent", "failed", "preview", "unconfirmed", "none")


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


CONSTRAINED: list[tuple[str, str, bool]] = [
    # (table, CREATE TABLE with {name}, copy the row ids as well: False where the table's own
    # INTEGER PRIMARY KEY is the row id). Parents before children.
    ("tasks", """CREATE TABLE {name} (
        id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('annual', 'livelihood')), seq INTEGER NOT NULL,
        category TEXT NOT NULL, text TEXT NOT NULL, leaders TEXT NOT NULL, lead_units TEXT NOT NULL,
        co_units TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', position INTEGER NOT NULL UNIQUE)""", True),
    ("files", f"""CREATE TABLE {{name}} (
        sha256 TEXT PRIMARY KEY, name TEXT NOT NULL, size INTEGER NOT NULL CHECK (size >= 0),
        received_at TEXT NOT NULL, archive TEXT NOT NULL, format TEXT, unit TEXT, kind TEXT, period TEXT,
        verdict TEXT NOT NULL CHECK (verdict IN {_in(VERDICTS)}),
        reason TEXT NOT NULL DEFAULT '', warnings TEXT NOT NULL DEFAULT '[]', seen INTEGER NOT NULL DEFAULT 1,
        CHECK (verdict = 'rejected' OR (kind IN ('plan', 'status') AND unit <> '' AND period <> '')))""", True),
    ("file_names", """CREATE TABLE {name} (
        sha256 TEXT NOT NULL REFERENCES files (sha256) ON DELETE CASCADE, name TEXT NOT NULL, at TEXT NOT NULL)""", True),
    ("entries", """CREATE TABLE {name} (
        sha256 TEXT NOT NULL REFERENCES files (sha256) ON DELETE CASCADE, unit TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('plan', 'status')), period TEXT NOT NULL, task_id TEXT NOT NULL,
        text TEXT NOT NULL, vals TEXT NOT NULL, cells TEXT NOT NULL, PRIMARY KEY (sha256, task_id))""", True),
    ("receipts", f"""CREATE TABLE {{name}} (
        sha256 TEXT PRIMARY KEY REFERENCES files (sha256) ON DELETE CASCADE, unit TEXT NOT NULL, stage TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN {_in(RECEIPT_STATES)}), at TEXT NOT NULL,
        tries INTEGER NOT NULL DEFAULT 0 CHECK (tries >= 0), note TEXT NOT NULL DEFAULT '')""", True),
    ("mail", f"""CREATE TABLE {{name}} (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('', 'plan', 'status')), period TEXT NOT NULL,
        unit TEXT NOT NULL, stage TEXT NOT NULL CHECK (stage IN {_in(MAIL_STAGES)} OR stage LIKE 'receipt-%'),
        recipients TEXT NOT NULL, files TEXT NOT NULL, message_id TEXT NOT NULL, sent_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'sent' CHECK (status IN {_in(MAIL_STATUSES)}),
        answer TEXT NOT NULL DEFAULT '', reason TEXT NOT NULL DEFAULT '',
        recorded_only INTEGER NOT NULL DEFAULT 0 CHECK (recorded_only IN (0, 1)))""", False),
    ("runs", """CREATE TABLE {name} (
        id INTEGER PRIMARY KEY, job TEXT NOT NULL, period TEXT NOT NULL, at TEXT NOT NULL, result TEXT NOT NULL,
        ok INTEGER NOT NULL CHECK (ok IN (0, 1)))""", False),
    ("generated", """CREATE TABLE {name} (
        kind TEXT NOT NULL CHECK (kind IN ('plan', 'status')), period TEXT NOT NULL, unit TEXT NOT NULL,
        file TEXT NOT NULL, checksum TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY (kind, period, unit))""", True),
]
CHILDREN = ("file_names", "entries", "receipts")  # rows pointing at a file
CONSTRAINT_INDEXES = """
CREATE INDEX IF NOT EXISTS files_period ON files (unit, kind, period);
CREATE INDEX IF NOT EXISTS file_names_file ON file_names (sha256);
CREATE INDEX IF NOT EXISTS entries_period ON entries (kind, period, unit);
CREATE INDEX IF NOT EXISTS mail_message ON mail (kind, period, unit, stage);
CREATE UNIQUE INDEX IF NOT EXISTS mail_one_message ON mail (kind, period, unit, stage, message_id)
    WHERE message_id <> '' AND status IN ('sending', 'sent');
CREATE UNIQUE INDEX IF NOT EXISTS mail_one_record ON mail (kind, period, unit, stage) WHERE recorded_only = 1;
CREATE INDEX IF NOT EXISTS runs_job ON runs (job, period);
CREATE INDEX IF NOT EXISTS receipts_state ON receipts (state)
"""


def _constraints(db: Connection) -> None:
    orphans: dict[str, int] = {}
    for table, create, keep_rowid in CONSTRAINED:
        cols = sqlite.columns(db, table)
        where = "sha256 IN (SELECT sha256 FROM files)" if table in CHILDREN else ""
        left_out = sqlite.rebuild(db, table, create, {c: c for c in cols}, where=where, keep_rowid=keep_rowid)
        if left_out:
            orphans[table] = left_out
    sqlite.run_script(db, CONSTRAINT_INDEXES)
    if orphans:
        db.execute("INSERT INTO meta (key, value) VALUES ('migration_2_orphans', ?) "
                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (json.dumps(orphans),))


# -- 3: findings from reading ----------------------------------------------------------------

FINDINGS = """
CREATE TABLE IF NOT EXISTS findings (
    sha256 TEXT NOT NULL REFERENCES files (sha256) ON DELETE CASCADE, seq INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind <> ''), task_id TEXT NOT NULL DEFAULT '', cell TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL, PRIMARY KEY (sha256, seq))
"""


def _findings(db: Connection) -> None:
    """The table, and the findings of the files taken before it existed, from the texts their
    warnings kept (a 是/否 cell holding something else: the only ones that named a cell)."""
    from office.reading import from_texts

    sqlite.run_script(db, FINDINGS)
    taken = db.execute("SELECT sha256, unit, warnings FROM files WHERE verdict IN ('accepted', 'superseded') "
                       "AND warnings LIKE '%是/否%'").fetchall()
    for sha, unit, warnings in taken:
        cells = {}
        for task_id, raw in db.execute("SELECT task_id, cells FROM entries WHERE sha256 = ?", (sha,)):
            cell = json.loads(raw).get("achieved")
            if cell:
                cells[cell] = task_id
        found = from_texts(json.loads(warnings or "[]"), unit, cells)
        db.executemany("INSERT INTO findings (sha256, seq, kind, task_id, cell, message) VALUES (?, ?, ?, ?, ?, ?)",
                       [(sha, i, *f) for i, f in enumerate(found)])


# -- 4: mail taken in ------------------------------------------------------------------------

MESSAGE_STATES = ("archived", "done")  # archived: its files are being written into the inbox
SEEN_STATES = ("taken", "known", "ignored", "refused")
ATTACHMENT_STATES = ("planned", "written", "duplicate")
RECEIVED_FROM = ("imap", "received", "date", "first_seen")  # where a message's received time came from
ORIGIN_SOURCES = RECEIVED_FROM + ("file_mtime", "given")  # where a collected file's received time came from
SENDER_CHECKS = ("", "confirmed", "mismatch", "unknown")

MAILBOX = f"""
CREATE TABLE IF NOT EXISTS mail_messages (
    sha256 TEXT PRIMARY KEY, message_id TEXT NOT NULL DEFAULT '', sender TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '', senders TEXT NOT NULL DEFAULT '[]', subject TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL, received_from TEXT NOT NULL CHECK (received_from IN {_in(RECEIVED_FROM)}),
    origin TEXT NOT NULL CHECK (origin IN ('imap', 'inbox')),
    account TEXT NOT NULL DEFAULT '', folder TEXT NOT NULL DEFAULT '', uidvalidity INTEGER, uid INTEGER,
    archive TEXT NOT NULL, size INTEGER NOT NULL CHECK (size >= 0),
    state TEXT NOT NULL CHECK (state IN {_in(MESSAGE_STATES)}), skipped TEXT NOT NULL DEFAULT '[]',
    taken_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS mail_messages_id ON mail_messages (message_id);
CREATE TABLE IF NOT EXISTS mail_seen (
    account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,
    message_id TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN {_in(SEEN_STATES)}),
    reason TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL DEFAULT 0 CHECK (size >= 0),
    internal_date TEXT NOT NULL DEFAULT '', sender TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL, PRIMARY KEY (account, folder, uidvalidity, uid));
CREATE TABLE IF NOT EXISTS mail_attachments (
    sha256 TEXT NOT NULL, message TEXT NOT NULL REFERENCES mail_messages (sha256) ON DELETE CASCADE,
    name TEXT NOT NULL, part TEXT NOT NULL, inbox TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN {_in(ATTACHMENT_STATES)}),
    PRIMARY KEY (sha256, message));
CREATE INDEX IF NOT EXISTS mail_attachments_inbox ON mail_attachments (inbox);
CREATE INDEX IF NOT EXISTS mail_attachments_message ON mail_attachments (message);
CREATE TABLE IF NOT EXISTS file_origins (
    sha256 TEXT PRIMARY KEY REFERENCES files (sha256) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN {_in(ORIGIN_SOURCES)}), message TEXT NOT NULL DEFAULT '',
    sender TEXT NOT NULL DEFAULT '', sender_unit TEXT NOT NULL DEFAULT '',
    sender_check TEXT NOT NULL DEFAULT '' CHECK (sender_check IN {_in(SENDER_CHECKS)}),
    note TEXT NOT NULL DEFAULT '')
"""


def _mailbox(db: Connection) -> None:
    sqlite.run_script(db, MAILBOX)


# -- 5: announcements -------------------------------------------------------------------------

NOTICE_KINDS = ("done",)

NOTICES = f"""
CREATE TABLE IF NOT EXISTS notices (
    kind TEXT NOT NULL CHECK (kind IN {_in(NOTICE_KINDS)}), task_id TEXT NOT NULL CHECK (task_id <> ''),
    period TEXT NOT NULL CHECK (period <> ''), file TEXT NOT NULL, at TEXT NOT NULL,
    UNIQUE (kind, task_id, period));
CREATE INDEX IF NOT EXISTS notices_period ON notices (kind, period)
"""


def _notices(db: Connection) -> None:
    sqlite.run_script(db, NOTICES)


# -- running them ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Migration:
    version: int
    what: str
    apply: Callable[[Connection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "the schema as released before migrations", _released),
    Migration(2, "constraints: CHECKs, foreign keys to files, UNIQUE mail rows", _constraints),
    Migration(3, "findings from reading returns", _findings),
    Migration(4, "mail taken in: messages, their place on the server, their files, each file's origin", _mailbox),
    Migration(5, "notices: which task completions were announced, once per task and period", _notices),
)
LATEST = MIGRATIONS[-1].version


def migrate(db: Connection, name: str = "duban.db") -> list[int]:
    """Bring the ledger to :data:`LATEST`; returns the versions applied (none when up to date)."""
    version = sqlite.schema_version(db)
    if version > LATEST:
        raise DubanError(f"台账数据库 {name} 由更新版本的 duban 创建（数据库版本 {version}，本程序支持到 {LATEST}），"
                         "请升级 duban 后再打开此工作区。")
    if version == LATEST:
        return []
    applied: list[int] = []
    sqlite.foreign_keys(db, False)  # tables are rebuilt: no checks while a parent is being replaced
    try:
        for m in MIGRATIONS:
            if m.version <= version:
                continue
            db.execute("BEGIN IMMEDIATE")
            try:
                if sqlite.schema_version(db) >= m.version:  # another process did it meanwhile
                    db.execute("ROLLBACK")
                    continue
                m.apply(db)
                bad = sqlite.foreign_key_violations(db)
                if bad:
                    raise DubanError(f"台账数据库 {name} 升级失败：有 {len(bad)} 行记录指向不存在的文件（如 {bad[0][0]}）。"
                                     "数据库未改动；请把该工作区备份后联系维护人员。")
                sqlite.set_schema_version(db, m.version)
            except sqlite.IntegrityError as exc:
                db.execute("ROLLBACK")
                raise DubanError(f"台账数据库 {name} 升级到版本 {m.version} 失败：已有记录不符合新的约束（{exc}）。"
                                 "数据库未改动；请把该工作区备份后联系维护人员。") from None
            except BaseException:
                db.execute("ROLLBACK")
                raise
            else:
                db.execute("COMMIT")
                applied.append(m.version)
    finally:
        sqlite.foreign_keys(db, True)
    return applied
