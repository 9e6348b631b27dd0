"""What every module of the ledger package shares: the source a function reads from."""

from __future__ import annotations

from typing import Protocol, Union

from office.ledger.sqlite import Connection


class HasConnection(Protocol):
    """A :class:`office.ledger.Ledger` (named structurally, so this module imports nothing above it)."""

    db: Connection


Source = Union[HasConnection, Connection]  # a ledger, or the connection of an open transaction


def connection(source: Source) -> Connection:
    """The connection behind a ledger, or the connection of an open transaction itself."""
    return getattr(source, "db", source)
