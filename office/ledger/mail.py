"""mail: every message handed to the mail server (or recorded as delivered by other means).

A message is recorded as 'sending' before it goes to the server, then marked 'sent' (with the
server's answer) or 'failed' (with the reason); ``send --record-only`` writes a row with
``recorded_only`` = 1 and no message. The key of a message is (kind, period, unit, stage).
A mail row is a dict with the table's columns (``recipients`` and ``files`` as JSON text,
``recorded_only`` 0/1).
"""

from __future__ import annotations

import json

from office.ledger.base import Source, connection

COLUMNS = ("id", "kind", "period", "unit", "stage", "recipients", "files", "message_id", "sent_at", "status", "answer",
           "reason", "recorded_only")
_SELECT = ", ".join(COLUMNS)


def _row(values) -> dict:  # noqa: ANN001
    return dict(zip(COLUMNS, tuple(values)))


def last_sent(source: Source, kind: str, period: str, unit: str, stage: str) -> dict | None:
    """The newest row of this message that went out (or was recorded as delivered), or None."""
    row = connection(source).execute(
        f"SELECT {_SELECT} FROM mail WHERE kind = ? AND period = ? AND unit = ? AND stage = ? "
        "AND (status = 'sent' OR recorded_only = 1) ORDER BY id DESC LIMIT 1", (kind, period, unit, stage)).fetchone()
    return None if row is None else _row(row)


def newest(source: Source, kind: str, period: str, unit: str, stage: str) -> dict | None:
    """The newest row of this message, whatever its status, or None."""
    row = connection(source).execute(
        f"SELECT {_SELECT} FROM mail WHERE kind = ? AND period = ? AND unit = ? AND stage = ? ORDER BY id DESC LIMIT 1",
        (kind, period, unit, stage)).fetchone()
    return None if row is None else _row(row)


def issued_units(source: Source, kind: str, period: str) -> set[str]:
    """Units the period's form was issued to: mailed (the server accepted it) or recorded as delivered."""
    return {r[0] for r in connection(source).execute(
        "SELECT DISTINCT unit FROM mail WHERE kind = ? AND period = ? AND stage = 'send' "
        "AND (status = 'sent' OR recorded_only = 1)", (kind, period))}


def sent_at_stage(source: Source, unit: str, stage: str) -> bool:
    """Whether a message of this unit and stage went out (whatever its kind and period)."""
    return connection(source).execute(
        "SELECT 1 FROM mail WHERE unit = ? AND stage = ? AND status = 'sent' LIMIT 1", (unit, stage)).fetchone() is not None


def attached_digests(source: Source) -> set[str]:
    """sha256 of every file attached to a message (sent, being sent or failed)."""
    out: set[str] = set()
    for (files,) in connection(source).execute("SELECT files FROM mail"):
        try:
            out.update(f["sha256"] for f in json.loads(files or "[]") if isinstance(f, dict) and f.get("sha256"))
        except ValueError:
            continue
    return out


def all_rows(source: Source, status: str | None = None) -> list[dict]:
    """Every mail row (of one status, when given), oldest first."""
    sql, params = f"SELECT {_SELECT} FROM mail", ()
    if status is not None:
        sql, params = sql + " WHERE status = ?", (status,)
    return [_row(r) for r in connection(source).execute(sql + " ORDER BY id", params)]


def record_delivered(source: Source, kind: str, period: str, unit: str, stage: str, files: list[dict], at: str,
                     note: str) -> None:
    """A form the office delivered by other means (no message): issued from now on."""
    connection(source).execute(
        "INSERT INTO mail (kind, period, unit, stage, recipients, files, message_id, sent_at, status, answer, recorded_only) "
        "VALUES (?, ?, ?, ?, '[]', ?, '', ?, 'sent', ?, 1)",
        (kind, period, unit, stage, json.dumps(files, ensure_ascii=False), at, note))


def start(source: Source, kind: str, period: str, unit: str, stage: str, recipients: list[str], files: list[dict],
          message_id: str, at: str) -> int:
    """A message about to be handed to the server ('sending'); returns its row id."""
    rows = connection(source).execute(
        "INSERT INTO mail (kind, period, unit, stage, recipients, files, message_id, sent_at, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sending') RETURNING id",
        (kind, period, unit, stage, json.dumps(recipients, ensure_ascii=False), json.dumps(files, ensure_ascii=False),
         message_id, at)).fetchall()  # fetched to the end: the statement is finished before COMMIT
    return int(rows[0][0])


def mark_sent(source: Source, row_id: int, answer: str, recipients: list[str]) -> None:
    connection(source).execute("UPDATE mail SET status = 'sent', answer = ?, recipients = ? WHERE id = ?",
                               (answer, json.dumps(recipients, ensure_ascii=False), row_id))


def mark_failed(source: Source, row_id: int, reason: str) -> None:
    connection(source).execute("UPDATE mail SET status = 'failed', reason = ? WHERE id = ?", (reason, row_id))
