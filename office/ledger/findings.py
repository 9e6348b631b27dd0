"""findings: problems found in a cell while reading a return (a 是/否 that is neither, ...),
stored with the file they were found in when it is accepted."""

from __future__ import annotations

from collections.abc import Iterable

from office.ledger.base import Source, connection
from office.model import Finding


def add(source: Source, sha256: str, found: Iterable[tuple[str, str, str, str]]) -> int:
    """Record the file's findings, (kind, task_id, cell, message) each, in the order found."""
    params = [(sha256, i, kind, task_id or "", cell or "", message) for i, (kind, task_id, cell, message) in enumerate(found)]
    connection(source).executemany(
        "INSERT INTO findings (sha256, seq, kind, task_id, cell, message) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sha256, seq) DO NOTHING", params)
    return len(params)


def of_file(source: Source, sha256: str) -> list[dict]:
    """{kind, task_id, cell, message} of one file, in the order found."""
    return [{"kind": r[0], "task_id": r[1], "cell": r[2], "message": r[3]} for r in connection(source).execute(
        "SELECT kind, task_id, cell, message FROM findings WHERE sha256 = ? ORDER BY seq", (sha256,))]


def of_returns(source: Source, kind: str, period: str) -> list[Finding]:
    """The findings of the period's returns that count (accepted, not superseded), as
    :class:`Finding` records naming unit, period and file."""
    return [Finding(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in connection(source).execute(
        "SELECT d.kind, f.unit, d.task_id, f.period, f.name, d.cell, d.message FROM findings d "
        "JOIN files f ON f.sha256 = d.sha256 WHERE f.kind = ? AND f.period = ? AND f.verdict = 'accepted' "
        "ORDER BY f.unit, d.sha256, d.seq", (kind, period))]
