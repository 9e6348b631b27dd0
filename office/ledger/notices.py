"""notices: the announcements made of a task's state, once per (kind, task, period).

``done``: the task's completion (已完成, 销号) in that month was announced in a 完成事项通报
(``brief --done``, or ``run-due`` after a merge). A row is {kind, task_id, period, file, at}.
"""

from __future__ import annotations

from collections.abc import Iterable

from office.ledger.base import Source, connection


def announced(source: Source, kind: str, period: str) -> set[str]:
    """The tasks whose ``kind`` notice for ``period`` was made."""
    return {r[0] for r in connection(source).execute(
        "SELECT task_id FROM notices WHERE kind = ? AND period = ?", (kind, period))}


def record(source: Source, kind: str, period: str, task_ids: Iterable[str], file: str, at: str) -> int:
    """Record the tasks as announced in ``file`` (call inside a transaction); a task already
    announced for the period keeps its first record. Returns how many were new."""
    con = connection(source)
    n = 0
    for task_id in dict.fromkeys(task_ids):
        cur = con.execute("INSERT INTO notices (kind, task_id, period, file, at) VALUES (?, ?, ?, ?, ?) "
                          "ON CONFLICT (kind, task_id, period) DO NOTHING", (kind, task_id, period, file, at))
        n += max(cur.rowcount, 0)
    return n


def all_notices(source: Source, kind: str) -> list[dict]:
    """Every notice of ``kind``, by period and task: {task_id, period, file, at}."""
    return [{"task_id": r[0], "period": r[1], "file": r[2], "at": r[3]} for r in connection(source).execute(
        "SELECT task_id, period, file, at FROM notices WHERE kind = ? ORDER BY period, at, task_id", (kind,))]
