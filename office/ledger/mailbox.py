"""The ledger's record of mail taken in: messages, where they were on the server, the files
taken from them, and for every collected file where its received time came from and who sent it.

Tables (migration 4 of :mod:`office.ledger.schema`):

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
from dataclasses import dataclass
from typing import Iterable

from office.ledger import sqlite
from office.ledger.base import Source, connection, rows_in
from office.model import Finding
from office.month_data import RECEIVED_SOURCES as SOURCE_LABELS, SENDER_CHECKS as CHECK_LABELS  # noqa: F401

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


def message_row(source: Source, sha: str) -> dict | None:
    r = connection(source).execute("SELECT * FROM mail_messages WHERE sha256=?", (sha,)).fetchone()
    return None if r is None else dict(r)


def messages_with_id(source: Source, message_id: str) -> list[str]:
    if not message_id:
        return []
    return [r[0] for r in connection(source).execute("SELECT sha256 FROM mail_messages WHERE message_id=?", (message_id,))]


def record_message(con: Source, m: MessageRecord, state: str, at: str) -> None:
    connection(con).execute(
        "INSERT INTO mail_messages (sha256, message_id, sender, sender_name, senders, subject, received_at, received_from, "
        "origin, account, folder, uidvalidity, uid, archive, size, state, skipped, taken_at) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (sha256) DO NOTHING",
        (m.sha256, m.message_id, m.sender, m.sender_name, json.dumps(list(m.senders)), m.subject, m.received_at,
         m.received_from, m.origin, m.account, m.folder, m.uidvalidity, m.uid, m.archive, m.size, state,
         json.dumps(list(m.skipped), ensure_ascii=False), at))


def mark_message(con: Source, sha: str, state: str) -> None:
    connection(con).execute("UPDATE mail_messages SET state=? WHERE sha256=?", (state, sha))


def unfinished_messages(source: Source) -> list[dict]:
    """Messages whose files were planned but not all written (a run that stopped midway)."""
    return [dict(r) for r in connection(source).execute(
        f"SELECT * FROM mail_messages WHERE state='archived' ORDER BY received_at, {sqlite.INSERTION_ORDER}")]


def messages(source: Source) -> list[dict]:
    """Every message taken, newest first, with its files: for the collect report."""
    files: dict[str, list[dict]] = {}
    db = connection(source)
    for r in db.execute(f"SELECT sha256, message, name, part, inbox, state FROM mail_attachments ORDER BY {sqlite.INSERTION_ORDER}"):
        files.setdefault(r["message"], []).append(dict(r))
    out = []
    for r in db.execute(f"SELECT * FROM mail_messages ORDER BY received_at DESC, {sqlite.INSERTION_ORDER} DESC"):
        d = dict(r)
        d["senders"] = json.loads(d["senders"] or "[]")
        d["skipped"] = json.loads(d["skipped"] or "[]")
        d["files"] = files.get(r["sha256"], [])
        out.append(d)
    return out


# ---------------------------------------------------------------------------- the server's messages


def seen_uids(source: Source, account: str, folder: str, uidvalidity: int, max_size: int | None = None) -> set[int]:
    """UIDs already dealt with; a message refused as too large counts only while it still is
    (``max_size``: the current limit, so that raising it takes them at the next run)."""
    q = "SELECT uid FROM mail_seen WHERE account=? AND folder=? AND uidvalidity=?"
    args: list = [account, folder, uidvalidity]
    if max_size is not None:
        q += " AND NOT (state='refused' AND size<=?)"
        args.append(max_size)
    return {r[0] for r in connection(source).execute(q, args)}


def seen_with_other_uidvalidity(source: Source, account: str, folder: str, uidvalidity: int) -> bool:
    """Messages of this folder were seen under another UIDVALIDITY (the server rebuilt the folder)."""
    return connection(source).execute(
        "SELECT 1 FROM mail_seen WHERE account=? AND folder=? AND uidvalidity<>? LIMIT 1",
        (account, folder, uidvalidity)).fetchone() is not None


def record_seen(con: Source, *, account: str, folder: str, uidvalidity: int, uid: int, state: str, at: str,
                message_id: str = "", sha256: str = "", reason: str = "", size: int = 0, internal_date: str = "",
                sender: str = "", subject: str = "") -> None:
    connection(con).execute(
        "INSERT INTO mail_seen (account, folder, uidvalidity, uid, message_id, sha256, state, reason, size, internal_date, "
        "sender, subject, at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (account, folder, uidvalidity, uid) "
        "DO UPDATE SET state=excluded.state, sha256=excluded.sha256, reason=excluded.reason, at=excluded.at",
        (account, folder, uidvalidity, uid, message_id, sha256, state, reason, size, internal_date, sender, subject, at))


def refused(source: Source) -> list[dict]:
    """Messages on the server that were not taken, with the reason: too large, or carrying
    attachments none of which is a workbook (mail without attachments is not listed)."""
    return [dict(r) for r in connection(source).execute(
        "SELECT * FROM mail_seen WHERE state IN ('refused','ignored') AND reason<>'' ORDER BY internal_date DESC, uid DESC")]


# ---------------------------------------------------------------------------- files taken from messages


def attachment_taken(source: Source, sha: str) -> bool:
    """These bytes were already taken from a message, or collected (by hand or by mail)."""
    return (connection(source).execute("SELECT 1 FROM mail_attachments WHERE sha256=? AND state IN ('planned','written') LIMIT 1", (sha,)).fetchone()
            is not None or connection(source).execute("SELECT 1 FROM files WHERE sha256=? LIMIT 1", (sha,)).fetchone() is not None)


def collected(source: Source, sha: str) -> bool:
    return connection(source).execute("SELECT 1 FROM files WHERE sha256=? LIMIT 1", (sha,)).fetchone() is not None


def inbox_path_used(source: Source, path: str) -> bool:
    return connection(source).execute("SELECT 1 FROM mail_attachments WHERE inbox=? AND state IN ('planned','written') LIMIT 1",
                      (path,)).fetchone() is not None


def record_attachment(con: Source, sha: str, message: str, name: str, part: str, inbox: str, state: str) -> None:
    connection(con).execute("INSERT INTO mail_attachments (sha256, message, name, part, inbox, state) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT (sha256, message) DO NOTHING", (sha, message, name, part, inbox, state))


def move_attachment(con: Source, sha: str, message: str, inbox: str) -> None:
    connection(con).execute("UPDATE mail_attachments SET inbox=? WHERE sha256=? AND message=?", (inbox, sha, message))


def planned_attachments(source: Source, message: str) -> list[dict]:
    return [dict(r) for r in connection(source).execute(
        f"SELECT * FROM mail_attachments WHERE message=? AND state='planned' ORDER BY {sqlite.INSERTION_ORDER}", (message,))]


def attachments_of(source: Source, message: str) -> list[dict]:
    """{name, inbox, part, state} of every file planned from a message, in the order recorded."""
    return [dict(r) for r in connection(source).execute(
        f"SELECT name, inbox, part, state FROM mail_attachments WHERE message=? ORDER BY {sqlite.INSERTION_ORDER}", (message,))]


def mark_attachment(con: Source, sha: str, message: str, state: str) -> None:
    connection(con).execute("UPDATE mail_attachments SET state=? WHERE sha256=? AND message=?", (state, sha, message))


def mail_origin(source: Source, sha: str) -> dict | None:
    """The earliest message a file with these bytes came in: its received time (office-local ISO)
    and where that came from, its sender(s), subject and archived .eml; None if never mailed."""
    r = connection(source).execute(
        f"SELECT m.sha256 AS message, m.message_id, m.sender, m.senders, m.subject, m.received_at, m.received_from, "
        "m.archive, a.part FROM mail_attachments a JOIN mail_messages m ON m.sha256 = a.message "
        f"WHERE a.sha256=? AND a.state IN ('planned','written') ORDER BY m.received_at, m.{sqlite.INSERTION_ORDER} LIMIT 1", (sha,)).fetchone()
    if r is None:
        return None
    d = dict(r)
    d["senders"] = json.loads(d["senders"] or "[]")
    return d


# ---------------------------------------------------------------------------- collected files


def record_origin(con: Source, sha: str, source: str, *, message: str = "", sender: str = "",
                  sender_unit: str = "", check: str = "", note: str = "") -> None:
    connection(con).execute("INSERT INTO file_origins (sha256, source, message, sender, sender_unit, sender_check, note) "
                "VALUES (?,?,?,?,?,?,?) ON CONFLICT (sha256) DO NOTHING",
                (sha, source, message, sender, sender_unit, check, note))


def origins(source: Source, shas: Iterable[str] | None = None) -> dict[str, dict]:
    """{file sha256: its origin row} (every file, or those of ``shas``)."""
    if shas is None:
        return {r["sha256"]: dict(r) for r in connection(source).execute("SELECT * FROM file_origins")}
    return {r["sha256"]: dict(r) for r in rows_in(source, "SELECT * FROM file_origins WHERE sha256 IN ({marks})", shas)}


def received_labels(source: Source, shas: Iterable[str]) -> dict[str, str]:
    """{file sha256: how its received time was found, in Chinese}, for files with a recorded origin."""
    return {sha: SOURCE_LABELS.get(o["source"], o["source"]) for sha, o in origins(source, shas).items()}


def sender_checks(source: Source, kind: str | None = None, period: str | None = None) -> list[dict]:
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
    return [dict(r) for r in connection(source).execute(q + f" ORDER BY f.{sqlite.INSERTION_ORDER}", args)]


def sender_findings(source: Source, kind: str | None = None, period: str | None = None) -> list[Finding]:
    """Findings ``sender_mismatch`` (发件人与报送单位不符): a form whose identity is one unit, mailed
    from an address registered to another; for the files of ``kind``/``period`` if given. Superseded
    and rejected files included: the mismatch is a fact about what was sent."""
    return [Finding("sender_mismatch", r["unit"] or "", "", r["period"] or "", r["name"], "", r["note"])
            for r in sender_checks(source, kind, period) if r["sender_check"] == "mismatch"]
