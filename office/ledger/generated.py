"""generated: the form made for each unit, per kind and period (file name, content checksum, when)."""

from __future__ import annotations

from collections.abc import Iterable

from office.ledger.base import Source, connection


def forms(source: Source, kind: str, period: str) -> dict[str, dict]:
    """unit -> {file, checksum, at} of the period's generated forms."""
    return {r[0]: {"file": r[1], "checksum": r[2], "at": r[3]} for r in connection(source).execute(
        "SELECT unit, file, checksum, at FROM generated WHERE kind = ? AND period = ? ORDER BY unit", (kind, period))}


def units(source: Source, kind: str, period: str) -> set[str]:
    return {r[0] for r in connection(source).execute("SELECT unit FROM generated WHERE kind = ? AND period = ?", (kind, period))}


def form_of(source: Source, unit: str, kind: str = "", period: str = "") -> dict | None:
    """{kind, period, file} of the unit's form for the kind and period (both given), else of
    its newest form; None when it has none."""
    con = connection(source)
    if kind and period:
        row = con.execute("SELECT kind, period, file FROM generated WHERE kind = ? AND period = ? AND unit = ?",
                          (kind, period, unit)).fetchone()
    else:
        row = con.execute("SELECT kind, period, file FROM generated WHERE unit = ? ORDER BY at DESC, period DESC LIMIT 1",
                          (unit,)).fetchone()
    return None if row is None else {"kind": row[0], "period": row[1], "file": row[2]}


def replace(source: Source, kind: str, period: str, made: Iterable[tuple[str, str, str, str]]) -> None:
    """The period's forms are now ``made``: (unit, file name, checksum, at) each (call inside a transaction)."""
    con = connection(source)
    con.execute("DELETE FROM generated WHERE kind = ? AND period = ?", (kind, period))
    con.executemany("INSERT INTO generated (kind, period, unit, file, checksum, at) VALUES (?, ?, ?, ?, ?, ?)",
                    [(kind, period, unit, file, checksum, at) for unit, file, checksum, at in made])
