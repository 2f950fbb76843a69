"""SQLite storage: one connection per thread, WAL, BEGIN IMMEDIATE around every write."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sandbox.errors import CardError

SCHEMA = """
CREATE TABLE IF NOT EXISTS shoppers (
    user_id TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS systems (
    system TEXT PRIMARY KEY, profile TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cards (
    system TEXT NOT NULL REFERENCES systems(system),
    card_id TEXT NOT NULL,
    card_number TEXT NOT NULL,
    secret TEXT NOT NULL,
    card_type TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ACTIVE', 'FROZEN', 'EXPIRED')),
    balance INTEGER NOT NULL CHECK (balance >= 0),
    currency TEXT NOT NULL,
    expires_on TEXT,
    user_id TEXT,
    bound_at TEXT,
    wrong_secrets INTEGER NOT NULL DEFAULT 0,
    secret_locked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (system, card_id),
    UNIQUE (system, card_number));
CREATE TABLE IF NOT EXISTS txns (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    txn_id TEXT NOT NULL UNIQUE,
    system TEXT NOT NULL,
    card_id TEXT NOT NULL,
    kind TEXT NOT NULL
        CHECK (kind IN ('TOPUP', 'PAYMENT', 'REVERSAL', 'REFUND', 'ADJUSTMENT')),
    amount INTEGER NOT NULL,
    balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
    created_at TEXT NOT NULL,
    description TEXT NOT NULL,
    payment_id TEXT,
    description_en TEXT,
    store TEXT,
    order_id TEXT);
CREATE INDEX IF NOT EXISTS txns_by_card ON txns (system, card_id, seq);
CREATE TABLE IF NOT EXISTS payments (
    system TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    card_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PROCESSING', 'SUCCEEDED', 'FAILED', 'REVERSED')),
    refunded_amount INTEGER NOT NULL DEFAULT 0
        CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
    error_code TEXT,
    created_at TEXT NOT NULL,
    settle_at_ms INTEGER,
    PRIMARY KEY (system, payment_id));
CREATE TABLE IF NOT EXISTS refunds (
    system TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    payment_id TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    created_at TEXT NOT NULL,
    PRIMARY KEY (system, refund_id));
CREATE TABLE IF NOT EXISTS sms_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    system TEXT NOT NULL,
    card_number TEXT NOT NULL,
    user_id TEXT NOT NULL,
    code TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    sent_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS secret_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    system TEXT NOT NULL,
    card_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('password', 'sms_code')),
    at_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    system TEXT NOT NULL,
    op TEXT NOT NULL,
    card_id TEXT,
    mode TEXT NOT NULL,
    delay_ms INTEGER,
    count INTEGER CHECK (count IS NULL OR count > 0));
CREATE TABLE IF NOT EXISTS sim_orders (
    merchant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    status TEXT NOT NULL,
    paid_by_cards INTEGER NOT NULL DEFAULT 0,
    remainder INTEGER NOT NULL DEFAULT 0,
    refunded INTEGER NOT NULL DEFAULT 0,
    checkout_id TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (merchant_id, order_id));
CREATE TABLE IF NOT EXISTS sim_refunds (
    merchant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    refund_id TEXT NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (merchant_id, refund_id));
CREATE TABLE IF NOT EXISTS sim_notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at TEXT NOT NULL,
    event TEXT NOT NULL,
    merchant_id TEXT NOT NULL,
    order_id TEXT NOT NULL,
    body TEXT NOT NULL);
"""

TABLES = (
    "sim_notifications",
    "sim_refunds",
    "sim_orders",
    "faults",
    "secret_checks",
    "sms_codes",
    "refunds",
    "payments",
    "txns",
    "cards",
    "systems",
    "shoppers",
)


class Database:
    """The sandbox's SQLite file, with a lazily opened connection per thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (autocommit; transactions are explicit)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def close(self) -> None:
        """Close this thread's connection, if it has one."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            self._local.conn = None
            conn.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A BEGIN IMMEDIATE transaction: writers queue up, so a check-then-charge is atomic."""
        conn = self.connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except CardError:
            # A CardError is the card system's answer, not a failure: keep what led to it
            # (a wrong-secret count, a FAILED payment).
            conn.execute("COMMIT")
            raise
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def create_schema(self) -> None:
        """Create the tables if they are missing, and the columns added since (a file kept from before)."""
        conn = self.connection()
        conn.executescript(SCHEMA)
        have = {row[1] for row in conn.execute("PRAGMA table_info(txns)")}
        for column in ("description_en", "store", "order_id"):
            if column not in have:
                conn.execute(f"ALTER TABLE txns ADD COLUMN {column} TEXT")

    def wipe(self, conn: sqlite3.Connection) -> None:
        """Delete every row (inside the caller's transaction)."""
        for table in TABLES:
            conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
