"""The lead units' 完成进度 and 是/否 of the earlier months of a year: what a task's 已完成 (销号)
state is built from (:func:`office.month.build_month`).

One statement for the whole year: the accepted status returns of the months before the one
being built (files; a blank one is left out once, as a file), the rows read from each
(entries, by file), kept when their (task, unit) is one of the pairs asked for (a temporary
table). CROSS JOIN keeps that order: SQLite knows nothing of the temporary table's size and
would otherwise start from the entries.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from office.ledger import sqlite
from office.ledger.base import Source, connection

_ids = itertools.count(1)

Answer = tuple[str, str, str, object, object]  # (period, unit, task_id, percent, achieved)


def lead_answers(source: Source, year: int, month: int, pairs: Iterable[tuple[str, str]]) -> list[Answer]:
    """(period, unit, task_id, percent, achieved) of each (task_id, unit) of ``pairs`` in the
    unit's accepted status return of each month of ``year`` before ``month`` that has a row for
    the task; a blank return (no 完成情况 in any row: 视同未报) gives none. ``percent``: the number
    read (None when not reported), ``achieved``: "是", "否" or None. In period order."""
    if month <= 1:
        return []
    db = connection(source)
    table = f"duban_lead_pairs_{next(_ids)}"
    filled = f"NOT ({sqlite.is_blank(sqlite.json_text('b.vals', 'progress'))})"
    db.execute(f"CREATE TEMP TABLE {table} (task_id TEXT NOT NULL, unit TEXT NOT NULL, PRIMARY KEY (task_id, unit))")
    try:
        own_tx = not sqlite.in_transaction(db)
        if own_tx:
            db.execute("BEGIN")  # temporary table only: no lock on the ledger
        try:
            db.executemany(f"INSERT INTO {table} (task_id, unit) VALUES (?, ?) ON CONFLICT DO NOTHING", pairs)
        except BaseException:
            if own_tx:
                db.execute("ROLLBACK")
            raise
        if own_tx:
            db.execute("COMMIT")
        cur = sqlite.tuple_cursor(db)
        try:
            return [tuple(r) for r in cur.execute(
                f"SELECT f.period, e.unit, e.task_id, {sqlite.json_text('e.vals', 'percent')}, "
                f"{sqlite.json_text('e.vals', 'achieved')} FROM files f CROSS JOIN entries e CROSS JOIN {table} p "
                "WHERE f.kind = 'status' AND f.verdict = 'accepted' AND f.period >= ? AND f.period < ? "
                f"AND EXISTS (SELECT 1 FROM entries b WHERE b.sha256 = f.sha256 AND b.unit = f.unit AND {filled}) "
                "AND e.sha256 = f.sha256 AND e.unit = f.unit AND p.task_id = e.task_id AND p.unit = e.unit "
                "ORDER BY f.period", (f"{year}-01", f"{year}-{month:02d}")).fetchall()]
        finally:
            cur.close()
    finally:
        try:
            db.execute(f"DROP TABLE IF EXISTS {table}")
        except sqlite.Error:  # the connection is closing: the table goes with it
            pass
