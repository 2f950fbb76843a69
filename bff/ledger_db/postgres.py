"""The ledger on PostgreSQL, shared by every machine: a connection pool, READ COMMITTED and row locks.

A step that reads a row and then writes depending on it reads it `FOR UPDATE`, so two machines doing
the same step on the same row take turns; "insert once" is a unique constraint with ON CONFLICT.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from psycopg import Connection, Cursor, OperationalError
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool, PoolTimeout

from bff.checkout.ledger_port import LedgerUnavailable, Row

POOL_MIN, POOL_MAX = 1, 10
CONNECT_SECONDS = 10.0


def _sql(sql: str) -> str:
    return sql.replace("?", "%s")  # the ledger's statements hold no literal ? or %


@contextmanager
def _unavailable_when_down() -> Iterator[None]:
    """No connection in time, or one cut mid-statement: the port's LedgerUnavailable (the transaction rolled back)."""
    try:
        yield
    except (PoolTimeout, OperationalError) as exc:
        raise LedgerUnavailable(f"ledger did not answer: {type(exc).__name__}") from exc


class _Tx:
    def __init__(self, conn: Connection[Row]) -> None:
        self.conn = conn

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Cursor[Row]:
        return self.conn.execute(_sql(sql), tuple(args))  # type: ignore[arg-type]


class PostgresLedgerDB:
    engine = "postgresql"

    def __init__(self, url: str, min_size: int = POOL_MIN, max_size: int = POOL_MAX) -> None:
        self.pool: ConnectionPool[Connection[Row]] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            timeout=CONNECT_SECONDS,
            # each connection is checked as it is handed out: after a PostgreSQL restart (or a failover) the
            # pool's cut connections are replaced instead of failing the next requests, one each
            check=ConnectionPool.check_connection,
            name="kabao-ledger",
            open=False,
        )
        try:
            self.pool.open(wait=True, timeout=CONNECT_SECONDS)  # a wrong URL fails here, not on the first payment
        except BaseException:
            self.pool.close()
            raise

    @contextmanager
    def write(self) -> Iterator[_Tx]:
        with _unavailable_when_down(), self.pool.connection() as conn, conn.transaction():
            yield _Tx(conn)

    def rows(self, sql: str, args: Sequence[Any] = ()) -> list[Row]:
        with _unavailable_when_down(), self.pool.connection() as conn:
            return _Tx(conn).execute(sql, args).fetchall()

    def row(self, sql: str, args: Sequence[Any] = ()) -> Row | None:
        with _unavailable_when_down(), self.pool.connection() as conn:
            return _Tx(conn).execute(sql, args).fetchone()

    def close(self) -> None:
        self.pool.close()
