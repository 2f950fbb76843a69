"""The ledger's port to its database: short transactions of portable SQL, rows as dicts.

One set of statements serves every engine. They are written for SQLite and PostgreSQL alike:
`?` placeholders, `INSERT … ON CONFLICT … DO NOTHING` for "insert once", and `FOR UPDATE` on a row read
inside `write()` that a later statement depends on (PostgreSQL locks the row until commit; SQLite, whose
write transaction already holds the whole database, drops the clause). The adapters live in bff.ledger_db.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = dict[str, Any]


class Cursor(Protocol):
    rowcount: int

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> list[Row]: ...


class Tx(Protocol):
    """One open write transaction: committed when the `with` block ends, rolled back if it raises."""

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor: ...


class LedgerDB(Protocol):
    engine: str  # "sqlite" or "postgresql": only migrations may look at it

    def write(self) -> AbstractContextManager[Tx]:
        """A transaction for a read-then-write step; concurrent ones touching the same rows are serialised."""
        ...

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        """A read outside any write transaction (it sees what is committed)."""
        ...

    def row(self, sql: str, args: Sequence[Any] = ()) -> Row | None: ...

    def close(self) -> None: ...


class LedgerOutOfDate(RuntimeError):
    """The ledger database is at an older schema version than this Kabao: run `kabao db upgrade`."""


class LedgerUnavailable(RuntimeError):
    """The ledger database didn't answer; what was being written was rolled back, and the step may be retried."""
