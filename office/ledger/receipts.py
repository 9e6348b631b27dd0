"""receipts: the reply (回执) to each received file, keyed by the file's sha256.

A receipt row is a dict {sha256, unit, stage, state, at, tries, note}; ``state`` is one of
queued, sending, sent, failed, preview, unconfirmed, none (see jobs.receipts).
"""

from __future__ import annotations

from collections.abc import Iterable

from office.ledger import sqlite
from office.ledger.base import Source, connection, rows_in

COLUMNS = ("sha256", "unit", "stage", "state", "at", "tries", "note")
_SELECT = ", ".join(COLUMNS)


def _row(values) -> dict:  # noqa: ANN001
    return dict(zip(COLUMNS, tuple(values)))


def states(source: Source, shas: Iterable[str]) -> dict[str, dict]:
    """The receipt rows of these files (those that have one)."""
    return {r[0]: _row(r) for r in rows_in(source, f"SELECT {_SELECT} FROM receipts WHERE sha256 IN ({{marks}})", shas)}


def in_states(source: Source, wanted: Iterable[str]) -> list[dict]:
    """The receipt rows in any of these states, oldest first."""
    wanted = tuple(wanted)
    return [_row(r) for r in connection(source).execute(
        f"SELECT {_SELECT} FROM receipts WHERE state IN ({', '.join('?' * len(wanted))}) ORDER BY at, {sqlite.INSERTION_ORDER}",
        wanted)]


def any_in(source: Source, state: str) -> bool:
    return connection(source).execute("SELECT 1 FROM receipts WHERE state = ? LIMIT 1", (state,)).fetchone() is not None


def mark(source: Source, sha256: str, unit: str, stage: str, state: str, at: str, note: str = "", tried: bool = False) -> None:
    """Set the file's receipt state; ``tried`` counts one more attempt to send it."""
    connection(source).execute(
        "INSERT INTO receipts (sha256, unit, stage, state, at, tries, note) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sha256) DO UPDATE SET unit = excluded.unit, stage = excluded.stage, state = excluded.state, "
        "at = excluded.at, note = excluded.note, tries = receipts.tries + excluded.tries",
        (sha256, unit, stage, state, at, int(tried), note))


def set_state(source: Source, sha256: str, unit: str, stage: str, state: str, at: str, note: str = "") -> None:
    """Set the file's receipt afresh (its count of attempts back to 0)."""
    connection(source).execute(
        "INSERT INTO receipts (sha256, unit, stage, state, at, tries, note) VALUES (?, ?, ?, ?, ?, 0, ?) "
        "ON CONFLICT (sha256) DO UPDATE SET unit = excluded.unit, stage = excluded.stage, state = excluded.state, "
        "at = excluded.at, tries = 0, note = excluded.note", (sha256, unit, stage, state, at, note))
