"""The ledger on one SQLite file: every write transaction takes the database's write lock at once."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from bff.checkout.ledger_port import Row
from bff.store.sqlite import SQLiteDB


def _dict_row(cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> Row:
    return {column[0]: value for column, value in zip(cursor.description, values, strict=True)}


def _sql(sql: str) -> str:
    # BEGIN IMMEDIATE already holds the whole database: a row lock adds nothing (and is not SQLite syntax)
    return sql.replace(" FOR UPDATE", "")


class _Tx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        cursor = self.conn.cursor()
        cursor.row_factory = _dict_row
        return cursor.execute(_sql(sql), tuple(args))


class SQLiteLedgerDB:
    engine = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self.sqlite = SQLiteDB(path)

    @contextmanager
    def write(self) -> Iterator[_Tx]:
        with self.sqlite.write() as conn:
            yield _Tx(conn)

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        return _Tx(self.sqlite.connection()).execute(sql, args).fetchall()

    def row(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        return _Tx(self.sqlite.connection()).execute(sql, args).fetchone()

    def close(self) -> None:
        self.sqlite.close()
