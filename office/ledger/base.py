"""What every module of the ledger package shares: the source a function reads from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol, Union

from office.ledger.sqlite import Connection


class HasConnection(Protocol):
    """A :class:`office.ledger.Ledger` (named structurally, so this module imports nothing above it)."""

    db: Connection


Source = Union[HasConnection, Connection]  # a ledger, or the connection of an open transaction


def connection(source: Source) -> Connection:
    """The connection behind a ledger, or the connection of an open transaction itself."""
    return getattr(source, "db", source)


IN_CHUNK = 500  # values per IN (...) list: well below every database's limit on bound parameters


def rows_in(source: Source, sql: str, values: Iterable[str]) -> Iterator:
    """The rows of ``sql`` (which ends in ``IN ({marks})``) for every value, a chunk of values
    per statement; each value is asked once."""
    want = list(dict.fromkeys(values))
    con = connection(source)
    for i in range(0, len(want), IN_CHUNK):
        part = want[i:i + IN_CHUNK]
        yield from con.execute(sql.format(marks=", ".join("?" * len(part))), part)
