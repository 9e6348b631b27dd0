"""What every module of the ledger package shares: the source a function reads from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

from office.ledger.sqlite import Connection

if TYPE_CHECKING:
    from office.ledger import Ledger

Source = Union["Ledger", Connection]  # a ledger, or the connection of an open transaction


def connection(source: Source) -> Connection:
    """The connection behind a ledger, or the connection of an open transaction itself."""
    return getattr(source, "db", source)
