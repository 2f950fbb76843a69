"""Signed server-to-server notifications to the host app, written first and retried until acknowledged."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from bff.checkout.ledger_port import LedgerDB, Row
from bff.security.signatures import sign_request

log = logging.getLogger(__name__)
TIMEOUT = (3.05, 10.0)  # (connect, read) seconds
FIRST_RETRY, MAX_RETRY, MAX_TRIES = 30.0, 3600.0, 200  # backoff doubles up to an hour: days of retries


@dataclass(frozen=True)
class Notification:
    merchant_id: str
    event_key: str
    url: str
    body: str
    tries: int


class Notifier:
    """Queues notifications in the ledger's outbox table and delivers them, signed with the host secret."""

    def __init__(
        self, db: LedgerDB, secret: str, session: requests.Session, clock: Callable[[], float] = time.time
    ) -> None:
        self.db, self.secret, self.session, self.clock = db, secret, session, clock

    def enqueue(self, merchant_id: str, event_key: str, url: str, payload: dict) -> bool:
        """Queue one notification; the same event (merchant, key) is queued once. True if new."""
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        with self.db.write() as tx:
            return (
                tx.execute(
                    "INSERT INTO notifications (merchant_id, event_key, url, body, next_try_at, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (merchant_id, event_key) DO NOTHING",
                    (merchant_id, event_key, url, body, 0, self.clock()),
                ).rowcount
                == 1
            )

    def due(self, now: float) -> list[Notification]:
        rows = self.db.rows(
            "SELECT merchant_id, event_key, url, body, tries FROM notifications"
            " WHERE delivered_at IS NULL AND tries < ? AND next_try_at <= ? ORDER BY created_at",
            (MAX_TRIES, now),
        )
        return [Notification(**row) for row in rows]

    def is_due(self, merchant_id: str, event_key: str, now: float) -> bool:
        """Whether this one is still waiting to be sent now (another worker may have just sent it)."""
        rows = self.db.rows(
            "SELECT 1 FROM notifications WHERE merchant_id = ? AND event_key = ? AND delivered_at IS NULL"
            " AND tries < ? AND next_try_at <= ?",
            (merchant_id, event_key, MAX_TRIES, now),
        )
        return bool(rows)

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
        with self.db.write() as tx:
            if problem is None:
                tx.execute(
                    "UPDATE notifications SET delivered_at = ?, tries = tries + 1, last_problem = NULL"
                    " WHERE merchant_id = ? AND event_key = ?",
                    (now, note.merchant_id, note.event_key),
                )
                return
            wait = min(FIRST_RETRY * 2**note.tries, MAX_RETRY)
            tx.execute(
                "UPDATE notifications SET tries = tries + 1, next_try_at = ?, last_problem = ?"
                " WHERE merchant_id = ? AND event_key = ? AND delivered_at IS NULL",
                (now + wait, problem, note.merchant_id, note.event_key),
            )

    def undelivered(self) -> list[Row]:
        """What is still waiting for an acknowledgement (for ops and tests)."""
        return self.db.rows("SELECT * FROM notifications WHERE delivered_at IS NULL ORDER BY created_at")


def _is_ok(answer: requests.Response) -> bool:
    try:
        body = answer.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("result") == "OK"
