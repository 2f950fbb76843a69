"""The embedded default store: one SQLite file shared by every process on the machine."""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bff.store.base import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS reservations (key TEXT PRIMARY KEY, used INTEGER NOT NULL, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS leases (key TEXT PRIMARY KEY, holder TEXT NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires);
CREATE INDEX IF NOT EXISTS reservations_expires ON reservations (expires);
"""
PURGE_BATCH = 32  # expired rows removed by each write: more than a write adds, so they never pile up


def _purge(db: sqlite3.Connection, table: str, now: float) -> None:
    """Drop up to PURGE_BATCH expired rows of table (launch nonces, rate-limit windows): bounded work per write."""
    db.execute(
        f"DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE expires <= ? LIMIT ?)",  # noqa: S608
        (now, PURGE_BATCH),
    )


class SQLiteDB:
    """A connection per thread to one SQLite file, WAL mode, writes serialised by SQLite."""

    def __init__(self, path: str) -> None:
        self.path = path
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.connection().executescript(SCHEMA)

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A transaction that takes the write lock at once, so read-then-write is atomic."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class SQLiteStore(Store):
    """The Store on SQLite."""

    def __init__(self, path: str) -> None:
        self.db = SQLiteDB(path)

    def add_if_absent(self, key: str, ttl: int, made_at: float | None = None) -> bool:  # noqa: ARG002 - kept on disk
        now = time.time()
        with self.db.write() as db:
            _purge(db, "kv", now)
            db.execute("DELETE FROM kv WHERE key = ? AND expires <= ?", (key, now))
            cur = db.execute("INSERT OR IGNORE INTO kv (key, value, expires) VALUES (?, '', ?)", (key, now + ttl))
            return cur.rowcount == 1

    def put(self, key: str, value: str, ttl: int) -> None:
        with self.db.write() as db:
            _purge(db, "kv", time.time())
            db.execute(
                "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) "
                "DO UPDATE SET value = excluded.value, expires = excluded.expires",
                (key, value, time.time() + ttl),
            )

    def put_many(self, values: dict[str, str], ttl: int) -> None:
        if not values:
            return
        now = time.time()
        expires = now + ttl
        with self.db.write() as db:  # one transaction: the write lock is taken once per page, not per card
            _purge(db, "kv", now)
            db.executemany(
                "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) "
                "DO UPDATE SET value = excluded.value, expires = excluded.expires",
                [(key, value, expires) for key, value in values.items()],
            )

    def get_many(self, keys: list[str]) -> dict[str, str]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = (
            self.db.connection()
            .execute(f"SELECT key, value FROM kv WHERE key IN ({marks}) AND expires > ?", (*keys, time.time()))  # noqa: S608 - only ?s
            .fetchall()
        )
        return dict(rows)

    def get(self, key: str) -> str | None:
        row = (
            self.db.connection()
            .execute("SELECT value FROM kv WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else None

    def reserve(self, key: str, limit: int, window: int) -> bool:
        now = time.time()
        with self.db.write() as db:  # BEGIN IMMEDIATE: the read and the increment are one step
            _purge(db, "reservations", now)
            db.execute("DELETE FROM reservations WHERE key = ? AND expires <= ?", (key, now))
            row = db.execute("SELECT used FROM reservations WHERE key = ?", (key,)).fetchone()
            if row is not None and row[0] >= limit:
                return False
            db.execute(
                "INSERT INTO reservations (key, used, expires) VALUES (?, 1, ?) "
                "ON CONFLICT(key) DO UPDATE SET used = used + 1",
                (key, now + window),
            )
            return True

    def release(self, key: str) -> None:
        with self.db.write() as db:
            db.execute("UPDATE reservations SET used = used - 1 WHERE key = ? AND used > 0", (key,))

    def used(self, key: str) -> int:
        row = (
            self.db.connection()
            .execute("SELECT used FROM reservations WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def add_counts(self, counts: dict[str, int], window: int) -> None:
        if not counts:
            return
        now = time.time()
        with self.db.write() as db:  # one transaction for all of them
            _purge(db, "reservations", now)
            marks = ",".join("?" * len(counts))
            db.execute(f"DELETE FROM reservations WHERE key IN ({marks}) AND expires <= ?", (*counts, now))  # noqa: S608 - only ?s
            db.executemany(
                "INSERT INTO reservations (key, used, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET used = used + excluded.used",
                [(key, n, now + window) for key, n in counts.items()],
            )

    def used_many(self, keys: list[str]) -> dict[str, int]:
        if not keys:
            return {}
        marks = ",".join("?" * len(keys))
        rows = (
            self.db.connection()
            .execute(
                f"SELECT key, used FROM reservations WHERE key IN ({marks}) AND expires > ? AND used > 0",  # noqa: S608 - only ?s
                (*keys, time.time()),
            )
            .fetchall()
        )
        return dict(rows)

    def free_in(self, key: str, limit: int) -> int:
        now = time.time()
        row = (
            self.db.connection()
            .execute("SELECT used, expires FROM reservations WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return math.ceil(row[1] - now) if row is not None and row[0] >= limit else 0

    def delete(self, key: str) -> None:
        with self.db.write() as db:
            db.execute("DELETE FROM kv WHERE key = ?", (key,))

    def lease(self, key: str, holder: str, ttl: float) -> bool:
        now = time.time()
        with self.db.write() as db:  # one upsert: taken when new, renewed by its holder, taken over once expired
            return (
                db.execute(
                    "INSERT INTO leases (key, holder, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE"
                    " SET holder = excluded.holder, expires = excluded.expires"
                    " WHERE leases.holder = excluded.holder OR leases.expires <= ?",
                    (key, holder, now + ttl, now),
                ).rowcount
                == 1
            )

    def end_lease(self, key: str, holder: str) -> None:
        with self.db.write() as db:
            db.execute("DELETE FROM leases WHERE key = ? AND holder = ?", (key, holder))

    def close(self) -> None:
        self.db.close()
