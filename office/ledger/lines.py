"""A month's lines: one per (task, unit) that reports on it, read back a range at a time.

:class:`LineSet` writes the month's lines into a temporary table, in task order: each line's
task and the submissions it draws on (the unit's accepted return of the month, of the month
before and the year's plan, each a (sha256, unit) pinned when the set is made). Joined with
``entries`` on its primary key, the table gives back any range of lines in order, so that
no one ever holds every unit's entries at once. Entries of a sha256 never change, so reading
again later gives the same lines even if new returns arrive meanwhile.

The temporary tables live on the ledger's connection until :meth:`LineSet.close` (called by
``MonthRows.close`` / ``MonthData.close``, and at the latest by ``Ledger.close``).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import NamedTuple

from office.ledger import sqlite

_ids = itertools.count(1)
_LAYOUTS_KEPT = 50_000  # distinct cell layouts shared between lines before the cache starts over


class Raw(NamedTuple):
    """One line as stored: the unit's answers and their cells (None: no row in its return, or
    no return), the plan's values for the task, and (``with_checks`` only) the task text as
    returned and last month's answers."""

    values: dict | None
    cells: dict | None
    plan: dict | None
    text: str | None = None
    previous: dict | None = None


Sub = tuple[str, str]  # (sha256, unit) of a submission


class LineSet:
    """The month's lines on ``ledger``'s connection. ``lines``: (task_id, this month's
    submission, last month's, the plan's) per line in order, each submission a (sha256, unit)
    or None. ``lines`` may be a generator: it is consumed here, in order."""

    def __init__(self, ledger, lines: Iterable[tuple[str, Sub | None, Sub | None, Sub | None]]):  # noqa: ANN001
        self._ledger = ledger
        self._db = db = ledger.db
        n = next(_ids)
        self._lines_t, self._subs_t = f"duban_month_lines_{n}", f"duban_month_subs_{n}"
        self._layouts: dict[str, dict] = {}  # raw "cells" JSON -> its dict, shared by equal layouts (read-only)
        self.closed = False
        sub_ids: dict[Sub, int] = {}

        def sub_id(sub: Sub | None) -> int | None:
            if sub is None:
                return None
            got = sub_ids.get(sub)
            if got is None:
                got = sub_ids[sub] = len(sub_ids)
            return got

        count = itertools.count()

        def rows():
            for task_id, cur, prev, plan in lines:
                yield next(count), task_id, sub_id(cur), sub_id(prev), sub_id(plan)

        own_tx = not sqlite.in_transaction(db)
        db.execute(f"CREATE TEMP TABLE {self._subs_t} (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL, unit TEXT NOT NULL)")
        db.execute(f"CREATE TEMP TABLE {self._lines_t} (pos INTEGER PRIMARY KEY, task_id TEXT NOT NULL, "
                   "cur INTEGER, prev INTEGER, plan INTEGER)")
        ledger.keep(self)
        if own_tx:
            db.execute("BEGIN")  # one transaction for the inserts (temporary tables only: no lock on the ledger)
        try:
            db.executemany(f"INSERT INTO {self._lines_t} (pos, task_id, cur, prev, plan) VALUES (?, ?, ?, ?, ?)", rows())
            db.executemany(f"INSERT INTO {self._subs_t} (id, sha256, unit) VALUES (?, ?, ?)",
                           [(i, sha, unit) for (sha, unit), i in sub_ids.items()])
        except BaseException:
            if own_tx:
                db.execute("ROLLBACK")
            self.close()
            raise
        if own_tx:
            db.execute("COMMIT")
        self.n_lines = next(count)

        joins = []
        for alias, col in (("e", "cur"), ("pe", "prev"), ("qe", "plan")):
            joins.append(f"LEFT JOIN {self._subs_t} {alias}s ON {alias}s.id = l.{col} "
                         f"LEFT JOIN entries {alias} ON {alias}.sha256 = {alias}s.sha256 AND {alias}.task_id = l.task_id "
                         f"AND {alias}.unit = {alias}s.unit")
        where = "WHERE l.pos >= ? AND l.pos < ? ORDER BY l.pos"
        self._sql_checks = f"SELECT e.vals, e.cells, qe.vals, e.text, pe.vals FROM {self._lines_t} l {' '.join(joins)} {where}"
        self._sql = f"SELECT e.vals, e.cells, qe.vals FROM {self._lines_t} l {joins[0]} {joins[2]} {where}"

    def read(self, lo: int, hi: int, with_checks: bool = False) -> list[Raw]:
        """Lines ``lo`` .. ``hi - 1`` in order."""
        if self.closed:
            raise RuntimeError("the month's lines were closed")
        cur = sqlite.tuple_cursor(self._db)
        try:
            got = cur.execute(self._sql_checks if with_checks else self._sql, (lo, hi)).fetchall()
        finally:
            cur.close()
        if len(got) != hi - lo:
            raise RuntimeError("台账数据库在读取期间被改动（临时表不完整），请重新运行。")
        # All the answers in one json.loads: the decoder then shares the field names
        # ("progress", ...) between them instead of a fresh copy per line.
        answered = [row[0] for row in got if row[0] is not None]
        decoded = iter(json.loads("[" + ",".join(answered) + "]") if answered else ())
        layouts = self._layouts
        out: list[Raw] = []
        for row in got:
            if row[0] is not None:
                values = next(decoded)
                cells = layouts.get(row[1])
                if cells is None:
                    if len(layouts) > _LAYOUTS_KEPT:
                        layouts.clear()
                    cells = layouts[row[1]] = json.loads(row[1])
            else:
                values = cells = None
            plan = json.loads(row[2]) if row[2] else None
            if with_checks:
                out.append(Raw(values, cells, plan, row[3], json.loads(row[4]) if row[4] is not None else None))
            else:
                out.append(Raw(values, cells, plan))
        return out

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._ledger.release(self)
        for name in (self._lines_t, self._subs_t):
            try:
                self._db.execute(f"DROP TABLE IF EXISTS {name}")
            except sqlite.Error:  # connection closed, or a statement still reading: the table goes with the connection
                pass
