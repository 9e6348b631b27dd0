"""Read-only queries for the web page: a unit's returned files, its mail, the months in use.

Every function takes the :class:`office.ledger.Ledger` and returns plain dataclasses; the
page itself never writes SQL. Standard SQL only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from office.ledger import Ledger


@dataclass(frozen=True)
class ReturnFile:
    """One file taken in by collect (a row of ``files``)."""

    sha256: str
    name: str
    size: int
    received_at: str
    archive: str  # path relative to the workspace, under archive/
    format: str
    unit: str
    kind: str
    period: str
    verdict: str  # accepted | superseded | rejected
    reason: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailRecord:
    """One message of the mail ledger (sent, failed, still sending, or recorded as delivered)."""

    id: int
    kind: str
    period: str
    unit: str
    stage: str
    recipients: tuple[str, ...]
    files: tuple[str, ...]
    sent_at: str
    status: str  # sending | sent | failed
    answer: str
    reason: str
    recorded_only: bool


@dataclass
class Periods:
    """The status periods the ledger knows: forms generated, issued, or returned."""

    generated: set[str] = field(default_factory=set)
    issued: set[str] = field(default_factory=set)
    returned: set[str] = field(default_factory=set)

    @property
    def all(self) -> list[str]:
        return sorted(self.generated | self.issued | self.returned)


_FILE_COLUMNS = "sha256, name, size, received_at, archive, format, unit, kind, period, verdict, reason, warnings"


def _warnings(raw: str | None) -> tuple[str, ...]:
    try:
        got = json.loads(raw or "[]")
    except ValueError:
        return ()
    return tuple(str(w) for w in got) if isinstance(got, list) else ()


def _file(row) -> ReturnFile:  # noqa: ANN001
    return ReturnFile(sha256=row[0], name=row[1], size=row[2] or 0, received_at=row[3] or "", archive=row[4] or "",
                      format=row[5] or "", unit=row[6] or "", kind=row[7] or "", period=row[8] or "",
                      verdict=row[9], reason=row[10] or "", warnings=_warnings(row[11]))


def _names(raw: str | None, key: str = "") -> tuple[str, ...]:
    try:
        got = json.loads(raw or "[]")
    except ValueError:
        return ()
    if not isinstance(got, list):
        return ()
    out = []
    for item in got:
        if isinstance(item, dict):
            item = item.get(key or "file", "")
        out.append(str(item))
    return tuple(out)


def status_periods(ledger: Ledger) -> Periods:
    """The months whose status form was generated, issued (sent or recorded) or returned."""
    db = ledger.db
    out = Periods()
    out.generated = {r[0] for r in db.execute("SELECT DISTINCT period FROM generated WHERE kind = 'status'")}
    out.issued = {r[0] for r in db.execute(
        "SELECT DISTINCT period FROM mail WHERE kind = 'status' AND stage = 'send' AND (status = 'sent' OR recorded_only = 1)")}
    out.returned = {r[0] for r in db.execute(
        "SELECT DISTINCT period FROM files WHERE kind = 'status' AND period IS NOT NULL "
        "AND verdict IN ('accepted', 'superseded')")}
    return out


def unit_files(ledger: Ledger, unit: str) -> list[ReturnFile]:
    """Every file recorded for ``unit``, newest first."""
    return [_file(r) for r in ledger.db.execute(
        f"SELECT {_FILE_COLUMNS} FROM files WHERE unit = ? ORDER BY received_at DESC, name", (unit,))]


def period_files(ledger: Ledger, kind: str, period: str) -> list[ReturnFile]:
    """Every file recorded for one form and period (all units), oldest first."""
    return [_file(r) for r in ledger.db.execute(
        f"SELECT {_FILE_COLUMNS} FROM files WHERE kind = ? AND period = ? ORDER BY received_at, name", (kind, period))]


def returned_to(ledger: Ledger, kind: str, period: str) -> dict[str, ReturnFile]:
    """unit -> its latest rejected file of the period, for units with no accepted file of it (已退回)."""
    out: dict[str, ReturnFile] = {}
    accepted: set[str] = set()
    for f in period_files(ledger, kind, period):
        if not f.unit:
            continue
        if f.verdict in ("accepted", "superseded"):
            accepted.add(f.unit)
        elif f.verdict == "rejected":
            out[f.unit] = f  # oldest first: the last one wins
    return {u: f for u, f in out.items() if u not in accepted}


def recent_files(ledger: Ledger, limit: int = 50) -> list[ReturnFile]:
    """The files most recently taken in, newest first."""
    return [_file(r) for r in ledger.db.execute(
        f"SELECT {_FILE_COLUMNS} FROM files ORDER BY received_at DESC, name LIMIT ?", (int(limit),))]


def archived_file(ledger: Ledger, sha256: str) -> ReturnFile | None:
    """The file recorded under this SHA-256, or None."""
    row = ledger.db.execute(f"SELECT {_FILE_COLUMNS} FROM files WHERE sha256 = ?", (sha256,)).fetchone()
    return _file(row) if row is not None else None


def unit_mail(ledger: Ledger, unit: str) -> list[MailRecord]:
    """Every message of the mail ledger for ``unit``, newest first."""
    return [MailRecord(id=r[0], kind=r[1], period=r[2], unit=r[3], stage=r[4], recipients=_names(r[5]),
                       files=_names(r[6], "file"), sent_at=r[7] or "", status=r[8] or "", answer=r[9] or "",
                       reason=r[10] or "", recorded_only=bool(r[11]))
            for r in ledger.db.execute(
                "SELECT id, kind, period, unit, stage, recipients, files, sent_at, status, answer, reason, recorded_only "
                "FROM mail WHERE unit = ? ORDER BY id DESC", (unit,))]
