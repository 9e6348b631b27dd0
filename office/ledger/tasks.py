"""tasks and imports: the task register (in table order) and each import of a decomposition table."""

from __future__ import annotations

import json

from office.ledger import sqlite
from office.ledger.base import Source, connection
from office.model import Task


def load(source: Source) -> list[Task]:
    """The registered tasks in table order.

    Rows are read one at a time from the cursor (never ``fetchall``: 100,000 tasks as row
    objects peaked at ~190 MB), and the many repeated values (kind, category, leader and
    unit lists) are shared between tasks rather than decoded into a fresh copy for every row.
    """
    strings: dict[str, str] = {}
    lists: dict[str, tuple[str, ...]] = {}  # raw JSON -> decoded tuple, shared by equal lists

    def one(value: str) -> str:
        return strings.setdefault(value, value)

    def names(raw: str) -> tuple[str, ...]:
        got = lists.get(raw)
        if got is None:
            got = lists[raw] = tuple(one(x) for x in json.loads(raw))
        return got

    cur = sqlite.tuple_cursor(connection(source))
    cur.execute("SELECT kind, seq, text, category, leaders, lead_units, co_units, note FROM tasks ORDER BY position")
    out: list[Task] = []
    for kind, seq, text, category, leaders, lead_units, co_units, note in cur:
        out.append(Task(kind=one(kind), seq=seq, text=text, category=one(category), leaders=names(leaders),
                        lead_units=names(lead_units), co_units=names(co_units), note=one(note) if note else ""))
    cur.close()
    return out


def replace(source: Source, tasks: list[Task]) -> None:
    """Put ``tasks`` in place of the register (call inside a transaction)."""
    con = connection(source)
    con.execute("DELETE FROM tasks")
    con.executemany(
        "INSERT INTO tasks (id, kind, seq, category, text, leaders, lead_units, co_units, note, position) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                t.id, t.kind, t.seq, t.category, t.text,
                json.dumps(list(t.leaders), ensure_ascii=False),
                json.dumps(list(t.lead_units), ensure_ascii=False),
                json.dumps(list(t.co_units), ensure_ascii=False),
                t.note, i,
            )
            for i, t in enumerate(tasks)
        ],
    )


def with_returns(source: Source) -> set[str]:
    """Ids of the tasks some accepted (or superseded) return has a row for."""
    return {r[0] for r in connection(source).execute(
        "SELECT DISTINCT e.task_id FROM entries e JOIN files f ON f.sha256 = e.sha256 "
        "WHERE f.verdict IN ('accepted', 'superseded')")}


def record_import(source: Source, file: str, sha256: str, at: str, added: int, removed: int, changed: int) -> None:
    connection(source).execute(
        "INSERT INTO imports (file, sha256, at, added, removed, changed) VALUES (?, ?, ?, ?, ?, ?)",
        (file, sha256, at, added, removed, changed))


def import_count(source: Source) -> int:
    return connection(source).execute("SELECT COUNT(*) FROM imports").fetchone()[0]
