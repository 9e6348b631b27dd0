"""meta: the workspace's own settings kept in the ledger (key -> text)."""

from __future__ import annotations

import secrets
from typing import NamedTuple

from office.ledger.base import Source, connection

WORKSPACE_ID = "workspace_id"
YEAR = "year"
SEAL_SECRET = "identity_secret"  # hex key of the seals of issued forms, made when first needed
SEAL_LEGACY = "identity_legacy"  # "1" when forms were issued before the key existed


def get(source: Source, key: str, default: str | None = None) -> str | None:
    row = connection(source).execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def put(source: Source, key: str, value: str) -> None:
    connection(source).execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))


class SealKey(NamedTuple):
    secret: str
    legacy: bool  # forms were issued (unsealed) before the key was made: their old checksums still count


def seal_key(ledger) -> SealKey:  # noqa: ANN001 - a Ledger (it opens its own transaction)
    """The workspace's seal key, made on first use. A workspace that had issued forms before
    (unsealed ones) is marked so that their old checksums are still accepted."""
    got = get(ledger, SEAL_SECRET)
    if not got:
        with ledger.transaction() as con:
            got = get(con, SEAL_SECRET)
            if not got:
                got = secrets.token_hex(32)
                con.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (SEAL_SECRET, got))
                if con.execute("SELECT 1 FROM generated LIMIT 1").fetchone() is not None:
                    put(con, SEAL_LEGACY, "1")
    return SealKey(got, get(ledger, SEAL_LEGACY) == "1")
