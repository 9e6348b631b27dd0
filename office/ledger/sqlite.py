"""The SQLite adapter: everything in the ledger that only SQLite understands.

The other modules of this package write standard SQL (``INSERT ... ON CONFLICT ... DO
UPDATE/NOTHING``, ``RETURNING``, ``LIMIT``, temporary tables, partial indexes), which
PostgreSQL also runs. What is SQLite's own lives here:

- the connection and its PRAGMAs (WAL journal, full sync, foreign keys on);
- the schema version, kept in ``PRAGMA user_version``;
- rebuilding a table to add constraints (SQLite cannot add a constraint with ALTER TABLE);
- :data:`INSERTION_ORDER` (``rowid``: the order rows were written in) and
  :func:`json_text` / :func:`is_blank` (JSON and trim functions are spelled differently);
- ``?`` placeholders: the other modules keep sqlite3's ``qmark`` paramstyle; a PostgreSQL
  adapter (psycopg, ``format`` paramstyle) would translate ``?`` to ``%s`` when it runs a
  statement, and carry its own DDL for the migrations.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

Connection = sqlite3.Connection
Error = sqlite3.Error
IntegrityError = sqlite3.IntegrityError

# The order rows were inserted in (files: of two versions received at the same time, the one
# recorded last counts). A PostgreSQL schema gives these tables an identity column instead.
INSERTION_ORDER = "rowid"


def connect(path: Path) -> Connection:
    """The ledger's connection: autocommit (transactions are explicit), rows by column name."""
    db = sqlite3.connect(Path(path), timeout=30, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def tuple_cursor(db: Connection) -> sqlite3.Cursor:
    """A cursor giving plain tuples (lighter than rows by name, for the big reads)."""
    cur = db.cursor()
    cur.row_factory = None
    return cur


def in_transaction(db: Connection) -> bool:
    return db.in_transaction


def schema_version(db: Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def set_schema_version(db: Connection, version: int) -> None:
    db.execute(f"PRAGMA user_version = {int(version)}")


def foreign_keys(db: Connection, on: bool) -> None:
    """Switch foreign key enforcement (a no-op inside a transaction: call it outside one)."""
    db.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def foreign_key_violations(db: Connection) -> list[tuple]:
    return [tuple(r) for r in db.execute("PRAGMA foreign_key_check")]


def columns(db: Connection, table: str) -> list[str]:
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def tables(db: Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def table_sql(db: Connection, table: str) -> str:
    row = db.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
    return row[0] if row else ""


def run_script(db: Connection, script: str) -> None:
    """Statements separated by ``;`` (no transaction control: the caller holds one)."""
    for statement in script.split(";"):
        if statement.strip():
            db.execute(statement)


def rebuild(db: Connection, table: str, create: str, copy: dict[str, str], where: str = "", keep_rowid: bool = True) -> int:
    """Replace ``table`` by the one ``create`` declares (``CREATE TABLE {name} (...)``), copying
    its rows: ``copy`` maps each new column to the expression that fills it from the old row.
    Row ids are copied too (``keep_rowid``; not needed where an ``INTEGER PRIMARY KEY`` column
    is the row id), so the insertion order stays. Indexes of the old table go with it. Run
    inside a transaction with foreign keys off. Returns the number of rows ``where`` left out."""
    new = f"{table}__new"
    db.execute(f"DROP TABLE IF EXISTS {new}")
    db.execute(create.format(name=new))
    cols = ", ".join(copy)
    exprs = ", ".join(copy.values())
    if keep_rowid:
        cols, exprs = f"rowid, {cols}", f"rowid, {exprs}"
    before = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    db.execute(f"INSERT INTO {new} ({cols}) SELECT {exprs} FROM {table} {('WHERE ' + where) if where else ''} ORDER BY rowid")
    after = db.execute(f"SELECT COUNT(*) FROM {new}").fetchone()[0]
    db.execute(f"DROP TABLE {table}")
    db.execute(f"ALTER TABLE {new} RENAME TO {table}")
    return before - after


def json_text(column: str, key: str) -> str:
    """SQL for the text under ``key`` of the JSON object in ``column`` (NULL when absent)."""
    if not key.isidentifier():
        raise ValueError(key)
    return f"json_extract({column}, '$.{key}')"


BLANK = " \t\r\n\u3000"


def is_blank(expr: str) -> str:
    """SQL that is true when ``expr`` is NULL or holds only spaces (ideographic ones included)."""
    return f"trim(coalesce({expr}, ''), '{BLANK}') = ''"
