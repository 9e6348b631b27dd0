"""entries: the rows read from each accepted file (task id, the task text as returned, the
values by field and the cell of each value).

An entry is a dict {task_id, text, values, cells}.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from office.ledger import sqlite
from office.ledger.base import Source, connection

_dumps = json.JSONEncoder(ensure_ascii=False).encode  # built once: same output as json.dumps(ensure_ascii=False)
_dumps_ascii = json.JSONEncoder().encode


def add(source: Source, sha256: str, unit: str, kind: str, period: str, rows: Iterable[tuple[str, str, dict, dict]]) -> int:
    """Record the file's rows, (task_id, text, values, cells) each; returns how many."""
    params = [(sha256, unit, kind, period, task_id, text, _dumps(values), _dumps_ascii(cells))
              for task_id, text, values, cells in rows]
    connection(source).executemany(
        "INSERT INTO entries (sha256, unit, kind, period, task_id, text, vals, cells) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sha256, task_id) DO UPDATE SET unit = excluded.unit, kind = excluded.kind, period = excluded.period, "
        "text = excluded.text, vals = excluded.vals, cells = excluded.cells", params)
    return len(params)


def of_file(source: Source, sha256: str, unit: str | None = None) -> list[dict]:
    """The rows read from one file (of one unit, when given), in the order read."""
    sql = "SELECT task_id, text, vals, cells FROM entries WHERE sha256 = ?"
    params: tuple = (sha256,)
    if unit is not None:
        sql += " AND unit = ?"
        params += (unit,)
    return [{"task_id": r[0], "text": r[1], "values": json.loads(r[2]), "cells": json.loads(r[3])}
            for r in connection(source).execute(sql + f" ORDER BY {sqlite.INSERTION_ORDER}", params)]


def count(source: Source) -> int:
    return connection(source).execute("SELECT COUNT(*) FROM entries").fetchone()[0]
