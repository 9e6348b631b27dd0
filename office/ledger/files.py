"""files, file_names and pending: every received file (by sha256), each name it arrived under,
and the inbox files still being copied.

A file row is a dict with the table's columns, ``warnings`` decoded to a list of strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from office.ledger import sqlite
from office.ledger.base import Source, connection, rows_in

COLUMNS = ("sha256", "name", "size", "received_at", "archive", "format", "unit", "kind", "period", "verdict", "reason",
           "warnings")
_SELECT = ", ".join(COLUMNS)
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _row(values: tuple) -> dict:
    out = dict(zip(COLUMNS, values))
    out["warnings"] = json.loads(out["warnings"] or "[]")
    return out


# -- reading ----------------------------------------------------------------------------------


def known(source: Source, sha256: str) -> dict | None:
    """{verdict, unit, kind, period} of the file with these bytes, or None if never received."""
    row = connection(source).execute("SELECT verdict, unit, kind, period FROM files WHERE sha256 = ?", (sha256,)).fetchone()
    return None if row is None else {"verdict": row[0], "unit": row[1], "kind": row[2], "period": row[3]}


def by_sha(source: Source, shas: Iterable[str]) -> dict[str, dict]:
    """The file rows of these sha256 (those recorded)."""
    return {r[0]: _row(tuple(r)) for r in rows_in(source, f"SELECT {_SELECT} FROM files WHERE sha256 IN ({{marks}})", shas)}


def all_files(source: Source) -> list[dict]:
    """Every file row, in the order they were recorded."""
    return [_row(tuple(r)) for r in connection(source).execute(
        f"SELECT {_SELECT} FROM files ORDER BY {sqlite.INSERTION_ORDER}")]


def all_names(source: Source) -> list[tuple[str, str, str]]:
    """(sha256, name, at) of every arrival, first ones first."""
    return [(r[0], r[1], r[2]) for r in connection(source).execute(
        f"SELECT sha256, name, at FROM file_names ORDER BY {sqlite.INSERTION_ORDER}")]


def names_of(source: Source, sha256: str) -> list[str]:
    return [r[0] for r in connection(source).execute(
        f"SELECT name FROM file_names WHERE sha256 = ? ORDER BY {sqlite.INSERTION_ORDER}", (sha256,))]


def count(source: Source) -> int:
    return connection(source).execute("SELECT COUNT(*) FROM files").fetchone()[0]


def superseded(source: Source) -> list[dict]:
    """{name, unit, kind, period} of every file replaced by a newer version, in recorded order."""
    return [{"name": r[0], "unit": r[1], "kind": r[2], "period": r[3]} for r in connection(source).execute(
        f"SELECT name, unit, kind, period FROM files WHERE verdict = 'superseded' ORDER BY {sqlite.INSERTION_ORDER}")]


def current(source: Source, unit: str, kind: str, period: str) -> dict | None:
    """The unit's accepted file (the version that counts) for the kind and period, or None."""
    row = connection(source).execute(
        f"SELECT {_SELECT} FROM files WHERE unit = ? AND kind = ? AND period = ? AND verdict = 'accepted' LIMIT 1",
        (unit, kind, period)).fetchone()
    return None if row is None else _row(tuple(row))


def any_accepted(source: Source, kind: str, period: str) -> bool:
    return connection(source).execute(
        "SELECT 1 FROM files WHERE kind = ? AND period = ? AND verdict = 'accepted' LIMIT 1", (kind, period)).fetchone() is not None


def versions(source: Source, kind: str, period: str) -> list[dict]:
    """{unit, sha256, name, received_at, verdict} of the accepted and superseded returns of the
    period, oldest first (by received time, then name)."""
    return [{"unit": r[0], "sha256": r[1], "name": r[2], "received_at": r[3], "verdict": r[4]}
            for r in connection(source).execute(
                "SELECT unit, sha256, name, received_at, verdict FROM files WHERE kind = ? AND period = ? "
                "AND verdict IN ('accepted', 'superseded') ORDER BY received_at, name", (kind, period))]


def blank_returns(source: Source, kind: str, period: str, fields: tuple[str, ...]) -> set[str]:
    """sha256 of the accepted (or superseded) returns of the period none of whose rows has a
    value in any of ``fields``."""
    filled = " OR ".join(f"NOT ({sqlite.is_blank(sqlite.json_text('e.vals', f))})" for f in fields)
    return {r[0] for r in connection(source).execute(
        "SELECT f.sha256 FROM files f WHERE f.kind = ? AND f.period = ? AND f.verdict IN ('accepted', 'superseded') "
        f"AND NOT EXISTS (SELECT 1 FROM entries e WHERE e.sha256 = f.sha256 AND e.unit = f.unit AND ({filled}))",
        (kind, period))}


# -- writing (inside a transaction) -----------------------------------------------------------


def record(source: Source, row: dict) -> None:
    """A newly received file: ``row`` has the columns of :data:`COLUMNS` (warnings a list)."""
    values = [row[c] for c in COLUMNS]
    values[COLUMNS.index("warnings")] = _dumps(list(row.get("warnings") or []))
    connection(source).execute(f"INSERT INTO files ({_SELECT}) VALUES ({', '.join('?' * len(COLUMNS))})", values)


def add_name(source: Source, sha256: str, name: str, at: str) -> None:
    """One more arrival of these bytes (the first one included)."""
    connection(source).execute("INSERT INTO file_names (sha256, name, at) VALUES (?, ?, ?)", (sha256, name, at))


def settle_versions(source: Source, unit: str, kind: str, period: str) -> str:
    """Of the unit's accepted and superseded files for the kind and period, the newest (by
    received time, then by the order recorded) becomes the accepted one, the others
    superseded. Returns its sha256."""
    con = connection(source)
    rows = con.execute(
        "SELECT sha256 FROM files WHERE unit = ? AND kind = ? AND period = ? AND verdict IN ('accepted', 'superseded') "
        f"ORDER BY received_at, {sqlite.INSERTION_ORDER}", (unit, kind, period)).fetchall()
    newest = rows[-1][0]
    con.execute("UPDATE files SET verdict = CASE WHEN sha256 = ? THEN 'accepted' ELSE 'superseded' END "
                "WHERE unit = ? AND kind = ? AND period = ? AND verdict IN ('accepted', 'superseded')",
                (newest, unit, kind, period))
    return newest


# -- pending: inbox files seen while still changing ---------------------------------------------


def pending(source: Source, path: str) -> dict | None:
    """{size, mtime, first_seen} of an inbox file last seen still changing, or None."""
    row = connection(source).execute("SELECT size, mtime, first_seen FROM pending WHERE path = ?", (path,)).fetchone()
    return None if row is None else {"size": row[0], "mtime": row[1], "first_seen": row[2]}


def set_pending(source: Source, path: str, size: int, mtime: float, first_seen: str) -> None:
    """Remember an inbox file still changing (its first sighting is kept)."""
    connection(source).execute(
        "INSERT INTO pending (path, size, mtime, first_seen) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime", (path, size, mtime, first_seen))


def forget_pending(source: Source, path: str) -> None:
    connection(source).execute("DELETE FROM pending WHERE path = ?", (path,))


def pending_count(source: Source) -> int:
    return connection(source).execute("SELECT COUNT(*) FROM pending").fetchone()[0]
