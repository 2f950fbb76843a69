"""Signed server-to-server notifications to the host app, written first and retried until acknowledged."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from bff.security.signatures import sign_request
from bff.store.sqlite import SQLiteDB

log = logging.getLogger(__name__)
TIMEOUT = (3.05, 10.0)  # (connect, read) seconds
FIRST_RETRY, MAX_RETRY, MAX_TRIES = 30.0, 3600.0, 200  # backoff doubles up to an hour: days of retries

SCHEMA = """
CREATE TABLE IF NOT EXISTS notifications (
  merchant_id TEXT NOT NULL, event_key TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0, next_try_at REAL NOT NULL, delivered_at REAL, last_problem TEXT,
  created_at REAL NOT NULL, PRIMARY KEY (merchant_id, event_key));
"""


@dataclass(frozen=True)
class Notification:
    merchant_id: str
    event_key: str
    url: str
    body: str
    tries: int


class Notifier:
    """Queues notifications in the ledger's database and delivers them, signed with the host secret."""

    def __init__(
        self, db: SQLiteDB, secret: str, session: requests.Session, clock: Callable[[], float] = time.time
    ) -> None:
        self.db, self.secret, self.session, self.clock = db, secret, session, clock
        db.connection().executescript(SCHEMA)

    def enqueue(self, merchant_id: str, event_key: str, url: str, payload: dict) -> bool:
        """Queue one notification; the same event (merchant, key) is queued once. True if new."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        with self.db.write() as conn:
            return (
                conn.execute(
                    "INSERT OR IGNORE INTO notifications (merchant_id, event_key, url, body, next_try_at, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (merchant_id, event_key, url, body, 0, self.clock()),
                ).rowcount
                == 1
            )

    def due(self, now: float) -> list[Notification]:
        rows = (
            self.db.connection()
            .execute(
                "SELECT merchant_id, event_key, url, body, tries FROM notifications"
                " WHERE delivered_at IS NULL AND tries < ? AND next_try_at <= ? ORDER BY created_at",
                (MAX_TRIES, now),
            )
            .fetchall()
        )
        return [Notification(*row) for row in rows]

    def is_due(self, merchant_id: str, event_key: str, now: float) -> bool:
        """Whether this one is still waiting to be sent now (another worker may have just sent it)."""
        row = (
            self.db.connection()
            .execute(
                "SELECT 1 FROM notifications WHERE merchant_id = ? AND event_key = ? AND delivered_at IS NULL"
                " AND tries < ? AND next_try_at <= ?",
                (merchant_id, event_key, MAX_TRIES, now),
            )
            .fetchone()
        )
        return row is not None

    def deliver(self, note: Notification) -> str | None:
        """POST one notification; None when the host acknowledged it, else what went wrong (retried later)."""
        body, now = note.body.encode(), self.clock()
        parts = urlsplit(note.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        stamp = str(int(now))
        headers = {
            "Content-Type": "application/json",
            "X-Kabao-Timestamp": stamp,
            "X-Kabao-Signature": sign_request(self.secret, stamp, "POST", path, body),
        }
        try:
            answer = self.session.post(note.url, data=body, headers=headers, timeout=TIMEOUT, allow_redirects=False)
            acknowledged = answer.status_code == 200 and _is_ok(answer)
            problem = None if acknowledged else f"HTTP {answer.status_code}"
        except requests.RequestException as exc:
            problem = type(exc).__name__
        self._record(note, problem, now)
        if problem:
            log.warning("notification %s to %s: not acknowledged (%s)", note.event_key, parts.netloc, problem)
        return problem

    def _record(self, note: Notification, problem: str | None, now: float) -> None:
        with self.db.write() as conn:
            if problem is None:
                conn.execute(
                    "UPDATE notifications SET delivered_at = ?, tries = tries + 1, last_problem = NULL"
                    " WHERE merchant_id = ? AND event_key = ?",
                    (now, note.merchant_id, note.event_key),
                )
                return
            wait = min(FIRST_RETRY * 2**note.tries, MAX_RETRY)
            conn.execute(
                "UPDATE notifications SET tries = tries + 1, next_try_at = ?, last_problem = ?"
                " WHERE merchant_id = ? AND event_key = ? AND delivered_at IS NULL",
                (now + wait, problem, note.merchant_id, note.event_key),
            )

    def undelivered(self) -> list[sqlite3.Row]:
        """What is still waiting for an acknowledgement (for ops and tests)."""
        return self.db.connection().execute("SELECT * FROM notifications WHERE delivered_at IS NULL").fetchall()


def _is_ok(answer: requests.Response) -> bool:
    try:
        body = answer.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("result") == "OK"
