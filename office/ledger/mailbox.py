"""The ledger's record of mail taken in: messages, where they were on the server, the files
taken from them, and for every collected file where its received time came from and who sent it.

Tables (created by ``ensure_schema``, called when the ledger opens):

- ``mail_messages``: one row per message taken (keyed by the SHA-256 of its raw bytes, which
  are archived byte for byte under archive/mail/): Message-ID, sender, subject, the received time
  (office-local) and where that came from, the archived .eml. ``state``: archived (the files
  are being written into the inbox) | done.
- ``mail_seen``: one row per message seen on the server, by account, folder, UIDVALIDITY and
  UID: taken, known (the same bytes were already taken), ignored (no workbook in it: not
  archived; the reason names what it carried) or refused (too large, with the reason).
- ``mail_attachments``: each workbook taken from a message (its SHA-256 -> the message), the
  inbox file it was written to. ``state``: planned | written | duplicate (same bytes already taken).
- ``file_origins``: for each collected file (files.sha256): where its received time came from
  (imap | received | date | first_seen | file_mtime | given) and the sender check.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Iterable

from office.model import Finding

SCHEMA = """
CREATE TABLE IF NOT EXISTS mail_messages (
    sha256 TEXT PRIMARY KEY, message_id TEXT NOT NULL DEFAULT '', sender TEXT NOT NULL DEFAULT '',
    sender_name TEXT NOT NULL DEFAULT '', senders TEXT NOT NULL DEFAULT '[]', subject TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL, received_from TEXT NOT NULL, origin TEXT NOT NULL,
    account TEXT NOT NULL DEFAULT '', folder TEXT NOT NULL DEFAULT '', uidvalidity INTEGER, uid INTEGER,
    archive TEXT NOT NULL, size INTEGER NOT NULL, state TEXT NOT NULL, skipped TEXT NOT NULL DEFAULT '[]',
    taken_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mail_messages_id ON mail_messages (message_id);
CREATE TABLE IF NOT EXISTS mail_seen (
    account TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,
    message_id TEXT NOT NULL DEFAULT '', sha256 TEXT NOT NULL DEFAULT '', state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL DEFAULT 0, internal_date TEXT NOT NULL DEFAULT '',
    sender TEXT NOT NULL DEFAULT '', subject TEXT NOT NULL DEFAULT '', at TEXT NOT NULL,
    PRIMARY KEY (account, folder, uidvalidity, uid)
);
CREATE TABLE IF NOT EXISTS mail_attachments (
    sha256 TEXT NOT NULL, message TEXT NOT NULL, name TEXT NOT NULL, part TEXT NOT NULL,
    inbox TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (sha256, message)
);
CREATE INDEX IF NOT EXISTS mail_attachments_inbox ON mail_attachments (inbox);
CREATE TABLE IF NOT EXISTS file_origins (
    sha256 TEXT PRIMARY KEY, source TEXT NOT NULL, message TEXT NOT NULL DEFAULT '',
    sender TEXT NOT NULL DEFAULT '', sender_unit TEXT NOT NULL DEFAULT '', sender_check TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT ''
);
"""

# How a received time was found, as the clerk reads it
SOURCE_LABELS = {
    "imap": "邮件服务器收到时间",
    "received": "邮件服务器收到时间（Received 头）",
    "date": "发信时间（Date 头）",
    "first_seen": "首次发现时间",
    "file_mtime": "文件修改时间",
    "given": "指定时间（--received）",
}
CHECK_LABELS = {"confirmed": "发件人与报送单位一致", "mismatch": "发件人与报送单位不符", "unknown": "发件地址不在单位名册中"}


def ensure_schema(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA)


@dataclass(frozen=True)
class MessageRecord:
    sha256: str
    message_id: str
    sender: str
    sender_name: str
    senders: tuple[str, ...]
    subject: str
    received_at: str  # office-local ISO
    received_from: str  # imap | received | date | first_seen
    origin: str  # imap | inbox
    archive: str  # relative to the workspace
    size: int
    skipped: tuple[dict, ...] = ()
    account: str = ""
    folder: str = ""
    uidvalidity: int | None = None
    uid: int | None = None


# ---------------------------------------------------------------------------- messages


def message_row(db: sqlite3.Connection, sha: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM mail_messages WHERE sha256=?", (sha,)).fetchone()


def messages_with_id(db: sqlite3.Connection, message_id: str) -> list[str]:
    if not message_id:
        return []
    return [r[0] for r in db.execute("SELECT sha256 FROM mail_messages WHERE message_id=?", (message_id,))]


def record_message(con: sqlite3.Connection, m: MessageRecord, state: str, at: str) -> None:
    con.execute(
        "INSERT INTO mail_messages (sha256, message_id, sender, sender_name, senders, subject, received_at, received_from, "
        "origin, account, folder, uidvalidity, uid, archive, size, state, skipped, taken_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (sha256) DO NOTHING",
        (m.sha256, m.message_id, m.sender, m.sender_name, json.dumps(list(m.senders)), m.subject, m.received_at,
         m.received_from, m.origin, m.account, m.folder, m.uidvalidity, m.uid, m.archive, m.size, state,
         json.dumps(list(m.skipped), ensure_ascii=False), at))


def mark_message(con: sqlite3.Connection, sha: str, state: str) -> None:
    con.execute("UPDATE mail_messages SET state=? WHERE sha256=?", (state, sha))


def unfinished_messages(db: sqlite3.Connection) -> list[sqlite3.Row]:
    """Messages whose files were planned but not all written (a run that stopped midway)."""
    return db.execute("SELECT * FROM mail_messages WHERE state='archived' ORDER BY received_at, rowid").fetchall()


def messages(db: sqlite3.Connection) -> list[dict]:
    """Every message taken, newest first, with its files: for the collect report."""
    files: dict[str, list[dict]] = {}
    for r in db.execute("SELECT sha256, message, name, part, inbox, state FROM mail_attachments ORDER BY rowid"):
        files.setdefault(r["message"], []).append(dict(r))
    out = []
    for r in db.execute("SELECT * FROM mail_messages ORDER BY received_at DESC, rowid DESC"):
        d = dict(r)
        d["senders"] = json.loads(d["senders"] or "[]")
        d["skipped"] = json.loads(d["skipped"] or "[]")
        d["files"] = files.get(r["sha256"], [])
        out.append(d)
    return out


# ---------------------------------------------------------------------------- the server's messages


def seen_uids(db: sqlite3.Connection, account: str, folder: str, uidvalidity: int, max_size: int | None = None) -> set[int]:
    """UIDs already dealt with; a message refused as too large counts only while it still is
    (``max_size``: the current limit, so that raising it takes them at the next run)."""
    q = "SELECT uid FROM mail_seen WHERE account=? AND folder=? AND uidvalidity=?"
    args: list = [account, folder, uidvalidity]
    if max_size is not None:
        q += " AND NOT (state='refused' AND size<=?)"
        args.append(max_size)
    return {r[0] for r in db.execute(q, args)}


def record_seen(con: sqlite3.Connection, *, account: str, folder: str, uidvalidity: int, uid: int, state: str, at: str,
                message_id: str = "", sha256: str = "", reason: str = "", size: int = 0, internal_date: str = "",
                sender: str = "", subject: str = "") -> None:
    con.execute(
        "INSERT INTO mail_seen (account, folder, uidvalidity, uid, message_id, sha256, state, reason, size, internal_date, "
        "sender, subject, at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (account, folder, uidvalidity, uid) "
        "DO UPDATE SET state=excluded.state, sha256=excluded.sha256, reason=excluded.reason, at=excluded.at",
        (account, folder, uidvalidity, uid, message_id, sha256, state, reason, size, internal_date, sender, subject, at))


def refused(db: sqlite3.Connection) -> list[dict]:
    """Messages on the server that were not taken, with the reason: too large, or carrying
    attachments none of which is a workbook (mail without attachments is not listed)."""
    return [dict(r) for r in db.execute(
        "SELECT * FROM mail_seen WHERE state IN ('refused','ignored') AND reason<>'' ORDER BY internal_date DESC, uid DESC")]


# ---------------------------------------------------------------------------- files taken from messages


def attachment_taken(db: sqlite3.Connection, sha: str) -> bool:
    """These bytes were already taken from a message, or collected (by hand or by mail)."""
    return (db.execute("SELECT 1 FROM mail_attachments WHERE sha256=? AND state IN ('planned','written') LIMIT 1", (sha,)).fetchone()
            is not None or db.execute("SELECT 1 FROM files WHERE sha256=? LIMIT 1", (sha,)).fetchone() is not None)


def collected(db: sqlite3.Connection, sha: str) -> bool:
    return db.execute("SELECT 1 FROM files WHERE sha256=? LIMIT 1", (sha,)).fetchone() is not None


def inbox_path_used(db: sqlite3.Connection, path: str) -> bool:
    return db.execute("SELECT 1 FROM mail_attachments WHERE inbox=? AND state IN ('planned','written') LIMIT 1",
                      (path,)).fetchone() is not None


def record_attachment(con: sqlite3.Connection, sha: str, message: str, name: str, part: str, inbox: str, state: str) -> None:
    con.execute("INSERT INTO mail_attachments (sha256, message, name, part, inbox, state) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT (sha256, message) DO NOTHING", (sha, message, name, part, inbox, state))


def move_attachment(con: sqlite3.Connection, sha: str, message: str, inbox: str) -> None:
    con.execute("UPDATE mail_attachments SET inbox=? WHERE sha256=? AND message=?", (inbox, sha, message))


def planned_attachments(db: sqlite3.Connection, message: str) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM mail_attachments WHERE message=? AND state='planned' ORDER BY rowid", (message,)).fetchall()


def mark_attachment(con: sqlite3.Connection, sha: str, message: str, state: str) -> None:
    con.execute("UPDATE mail_attachments SET state=? WHERE sha256=? AND message=?", (state, sha, message))


def mail_origin(db: sqlite3.Connection, sha: str) -> dict | None:
    """The earliest message a file with these bytes came in: its received time (office-local ISO)
    and where that came from, its sender(s), subject and archived .eml; None if never mailed."""
    r = db.execute(
        "SELECT m.sha256 AS message, m.message_id, m.sender, m.senders, m.subject, m.received_at, m.received_from, "
        "m.archive, a.part FROM mail_attachments a JOIN mail_messages m ON m.sha256 = a.message "
        "WHERE a.sha256=? AND a.state IN ('planned','written') ORDER BY m.received_at, m.rowid LIMIT 1", (sha,)).fetchone()
    if r is None:
        return None
    d = dict(r)
    d["senders"] = json.loads(d["senders"] or "[]")
    return d


# ---------------------------------------------------------------------------- collected files


def record_origin(con: sqlite3.Connection, sha: str, source: str, *, message: str = "", sender: str = "",
                  sender_unit: str = "", check: str = "", note: str = "") -> None:
    con.execute("INSERT INTO file_origins (sha256, source, message, sender, sender_unit, sender_check, note) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT (sha256) DO NOTHING",
                (sha, source, message, sender, sender_unit, check, note))


def origins(db: sqlite3.Connection, shas: Iterable[str] | None = None) -> dict[str, dict]:
    """{file sha256: its origin row} (every file, or those of ``shas``)."""
    if shas is None:
        return {r["sha256"]: dict(r) for r in db.execute("SELECT * FROM file_origins")}
    want = list(dict.fromkeys(shas))
    out: dict[str, dict] = {}
    for i in range(0, len(want), 500):
        part = want[i:i + 500]
        q = f"SELECT * FROM file_origins WHERE sha256 IN ({','.join('?' * len(part))})"
        out.update({r["sha256"]: dict(r) for r in db.execute(q, part)})
    return out


def received_labels(db: sqlite3.Connection, shas: Iterable[str]) -> dict[str, str]:
    """{file sha256: how its received time was found, in Chinese}, for files with a recorded origin."""
    return {sha: SOURCE_LABELS.get(o["source"], o["source"]) for sha, o in origins(db, shas).items()}


def sender_checks(db: sqlite3.Connection, kind: str | None = None, period: str | None = None) -> list[dict]:
    """Every collected file whose sender was checked and not confirmed (mismatch or unknown),
    with the file's unit, kind and period: in the order the files were recorded."""
    q = ("SELECT o.sha256, o.sender, o.sender_unit, o.sender_check, o.note, f.name, f.unit, f.kind, f.period, f.verdict "
         "FROM file_origins o JOIN files f ON f.sha256 = o.sha256 WHERE o.sender_check IN ('mismatch','unknown')")
    args: list[str] = []
    if kind is not None:
        q += " AND f.kind=?"
        args.append(kind)
    if period is not None:
        q += " AND f.period=?"
        args.append(period)
    return [dict(r) for r in db.execute(q + " ORDER BY f.rowid", args)]


def sender_findings(db: sqlite3.Connection, kind: str | None = None, period: str | None = None) -> list[Finding]:
    """Findings ``sender_mismatch`` (发件人与报送单位不符): a form whose identity is one unit, mailed
    from an address registered to another; for the files of ``kind``/``period`` if given. Superseded
    and rejected files included: the mismatch is a fact about what was sent."""
    return [Finding("sender_mismatch", r["unit"] or "", "", r["period"] or "", r["name"], "", r["note"])
            for r in sender_checks(db, kind, period) if r["sender_check"] == "mismatch"]
