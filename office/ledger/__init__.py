"""The workspace's ledger: every SQL statement of duban lives in this package.

:class:`Ledger` is the connection: it opens the database (migrating it to the current schema,
see :mod:`office.ledger.schema`), runs transactions and closes. The tables are reached through
one module per concern, whose functions take the ledger (or the connection of an open
transaction) and return plain records (dicts, tuples, dataclasses, :class:`~office.model.Task`,
:class:`~office.model.Finding`), never a database row object:

- :mod:`~office.ledger.meta`: workspace settings kept in the ledger (id, year, seal key);
- :mod:`~office.ledger.tasks`: the task register and its imports;
- :mod:`~office.ledger.files`: received files, their names and the inbox files still copying;
- :mod:`~office.ledger.entries`: the rows read from accepted files;
- :mod:`~office.ledger.findings`: problems found in a cell while reading a return;
- :mod:`~office.ledger.lines`: a month's (task, unit) lines, read back a chunk at a time;
- :mod:`~office.ledger.progress`: the lead units' 完成进度 and 是/否 of a year's earlier months (已完成);
- :mod:`~office.ledger.mail`: every message handed to the mail server, or recorded as delivered;
- :mod:`~office.ledger.mailbox`: mail taken in (fetch, .eml in the inbox) and each file's origin;
- :mod:`~office.ledger.receipts`: the replies to received files;
- :mod:`~office.ledger.generated`: the forms made for each unit;
- :mod:`~office.ledger.runs`: what the scheduler ran;
- :mod:`~office.ledger.notices`: which task completions were announced (完成事项通报).

SQLite's own syntax is confined to :mod:`office.ledger.sqlite` (the adapter) and the DDL of
:mod:`office.ledger.schema`; the statements elsewhere are standard SQL.

A new module (a new concern) follows the same pattern: functions ``f(ledger, ...)`` for
reads, ``f(con, ...)`` for writes inside ``with ledger.transaction() as con``, plain records
out; a new table or column is a new migration at the end of ``schema.MIGRATIONS``.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Protocol

from office.ledger import sqlite
from office.ledger.schema import migrate
from office.ledger.base import Source, connection
from office.ledger.sqlite import Connection
from office.model import Task


class _Closable(Protocol):
    def close(self) -> None: ...


class Ledger:
    """One connection to the workspace's ledger; every write happens in a transaction.

    ``db`` is the adapter's connection: only this package (and tests that look inside) use it.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db: Connection = sqlite.connect(self.path)
        self._open: set[_Closable] = set()  # month line sets still reading from this connection
        try:
            self.migrated = migrate(self.db, self.path.name)
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        for item in list(self._open):
            item.close()
        self.db.close()

    def keep(self, item: _Closable) -> None:
        """Close ``item`` (a reader holding temporary tables) at the latest with the ledger."""
        self._open.add(item)

    def release(self, item: _Closable) -> None:
        self._open.discard(item)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # The calls every job makes, kept on the ledger itself (they delegate to the modules).
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        return _meta.get(self, key, default)

    def set_meta(self, key: str, value: str) -> None:
        _meta.put(self, key, value)

    def tasks(self) -> list[Task]:
        return _tasks.load(self)

    def replace_tasks(self, con: Connection, tasks: list[Task]) -> None:
        _tasks.replace(con, tasks)

    def tasks_with_returns(self) -> set[str]:
        return _tasks.with_returns(self)

    def record_run(self, job: str, period: str, at: str, result: str, ok: bool = True) -> None:
        _runs.record(self, job, period, at, result, ok)

    def has_run(self, job: str, period: str) -> bool:
        return _runs.has_run(self, job, period)


# The per-concern modules (imported after Ledger: they take one).
from office.ledger import entries, files, findings, generated, lines, mail, mailbox, meta, notices, receipts, runs, tasks  # noqa: E402
from office.ledger import meta as _meta, runs as _runs, tasks as _tasks  # noqa: E402

__all__ = ["Connection", "Ledger", "Source", "connection", "entries", "files", "findings", "generated", "lines", "mail", "mailbox", "meta",
           "notices", "receipts", "runs", "tasks"]
