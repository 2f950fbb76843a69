"""The ledger's tables, and the in-place upgrade of a ledger file written by an older Kabao."""

from __future__ import annotations

import sqlite3

DEFAULT_WATCH_SECONDS = 7 * 86400  # for legs judged NOT_FOUND before the watch existed

SCHEMA = """
CREATE TABLE IF NOT EXISTS checkouts (
  checkout_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, user_id TEXT NOT NULL,
  order_id TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0), currency TEXT NOT NULL,
  return_url TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
  UNIQUE (merchant_id, order_id));
CREATE TABLE IF NOT EXISTS attempts (
  checkout_id TEXT NOT NULL REFERENCES checkouts, seq INTEGER NOT NULL, status TEXT NOT NULL,
  remainder INTEGER NOT NULL CHECK (remainder >= 0), failure TEXT,
  created_at REAL NOT NULL, updated_at REAL NOT NULL, PRIMARY KEY (checkout_id, seq));
CREATE TABLE IF NOT EXISTS legs (
  payment_id TEXT PRIMARY KEY, checkout_id TEXT NOT NULL, seq INTEGER NOT NULL,
  position INTEGER NOT NULL, card_id TEXT NOT NULL, last4 TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), status TEXT NOT NULL, error_code TEXT,
  refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
  sent_at REAL, queries INTEGER NOT NULL DEFAULT 0, next_query_at REAL, updated_at REAL NOT NULL,
  watch_until REAL,
  UNIQUE (checkout_id, seq, position));
"""


def create_or_upgrade(conn: sqlite3.Connection) -> None:
    """Create the tables; add what an older ledger file lacks, keeping its data."""
    conn.executescript(SCHEMA)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(legs)")}
    if "watch_until" in columns:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("ALTER TABLE legs ADD COLUMN watch_until REAL")
        # legs an older Kabao closed as FAILED/NOT_FOUND were only our verdict: watch them for late charges
        conn.execute(
            "UPDATE legs SET status = 'NOT_FOUND', watch_until = updated_at + ?, next_query_at = NULL"
            " WHERE status = 'FAILED' AND error_code = 'NOT_FOUND'",
            (DEFAULT_WATCH_SECONDS,),
        )
    except sqlite3.OperationalError as exc:
        conn.execute("ROLLBACK")
        if "duplicate column" not in str(exc):  # another process upgraded it first
            raise
        return
    conn.execute("COMMIT")
