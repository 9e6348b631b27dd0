"""runs: what the scheduler ran, per job and period, and whether it succeeded."""

from __future__ import annotations

from office.ledger.base import Source, connection


def record(source: Source, job: str, period: str, at: str, result: str, ok: bool = True) -> None:
    connection(source).execute("INSERT INTO runs (job, period, at, result, ok) VALUES (?, ?, ?, ?, ?)",
                               (job, period, at, result, int(ok)))


def has_run(source: Source, job: str, period: str) -> bool:
    return connection(source).execute(
        "SELECT 1 FROM runs WHERE job = ? AND period = ? AND ok = 1 LIMIT 1", (job, period)).fetchone() is not None


def all_runs(source: Source) -> list[dict]:
    """Every run in the order they were recorded: {id, job, period, at, result, ok (bool)}."""
    return [{"id": r[0], "job": r[1], "period": r[2], "at": r[3], "result": r[4], "ok": bool(r[5])}
            for r in connection(source).execute("SELECT id, job, period, at, result, ok FROM runs ORDER BY id")]
