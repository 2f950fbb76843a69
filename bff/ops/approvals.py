"""Publish requests: with second-person approval on, a publish waits until another publisher approves it.

A request names the draft and the exact version of it that was asked for. The publish happens at
approval, from that version only: a draft changed (or published, or discarded) since makes the request
void, and it says so. The audit log and the version list name who requested and who approved.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from bff.checkout.ledger_port import LedgerDB, Row
from bff.ops.desk import Desk, DraftMovedOn, NotPublishable, version_of
from bff.ops.readiness import not_ready
from bff.ops.turns import Busy

PENDING, APPROVING, APPROVED, REJECTED, VOID = "pending", "approving", "approved", "rejected", "void"
# an approval being published holds its request this long at most: past it (the process died mid-publish) the
# request can be approved or rejected again; publishing is keyed by the draft version, so nothing goes live twice
CLAIM_SECONDS = 120


@dataclass(frozen=True)
class PublishRequest:
    request_id: str
    merchant_id: str
    draft: str
    base_version: str
    note: str
    waiver: str
    requested_by: str
    requested_at: float
    state: str
    decided_by: str
    decided_at: float | None
    outcome: str

    @property
    def open(self) -> bool:
        """Waiting for a decision: pending, or claimed by an approval that never finished (its process died)."""
        stuck = self.state == APPROVING and time.time() - (self.decided_at or 0) > CLAIM_SECONDS
        return self.state == PENDING or stuck

    def stale(self, desk: Desk) -> bool:
        """Has the requested draft changed (or gone) since the request?"""
        return version_of(desk.draft_text(self.merchant_id, self.draft)) != self.base_version


class NotYours(Exception):
    """The requester can't approve their own request."""


class AlreadyDecided(Exception):
    """The request was approved, rejected or made void already."""


def _request(row: Row) -> PublishRequest:
    return PublishRequest(**{**row, "decided_by": row["decided_by"] or ""})


class PublishRequests:
    def __init__(self, db: LedgerDB) -> None:
        self.db = db

    def get(self, request_id: str) -> PublishRequest | None:
        row = self.db.row("SELECT * FROM ops_publish_requests WHERE request_id = ?", (request_id,))
        return _request(row) if row else None

    def recent(self, limit: int = 50) -> list[PublishRequest]:
        """Pending requests first, then the latest decided ones."""
        rows = self.db.rows(
            "SELECT * FROM ops_publish_requests ORDER BY CASE WHEN state = 'pending' THEN 0 ELSE 1 END,"
            " requested_at DESC LIMIT ?",
            (limit,),
        )
        return [_request(row) for row in rows]

    def ask(self, desk: Desk, merchant_id: str, draft: str, base: str, note: str, waiver: str, by: str) -> str:
        """Record a request for the draft at version base; NotPublishable/DraftMovedOn as a publish would be."""
        note = " ".join(note.split())
        text = desk.draft_text(merchant_id, draft)
        if text is None or version_of(text) != base:
            raise DraftMovedOn(merchant_id)
        if not note:
            raise NotPublishable(["write a short note saying what changes and why"])
        refusals = [str(p) for p in desk.problems(merchant_id, text)] or not_ready(text)
        if refusals:
            raise NotPublishable(refusals)
        request_id = secrets.token_hex(8)
        with self.db.write() as tx:
            tx.execute(
                "INSERT INTO ops_publish_requests (request_id, merchant_id, draft, base_version, note, waiver,"
                " requested_by, requested_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (request_id, merchant_id, draft, base, note[:500], waiver.strip()[:500], by, time.time(), PENDING),
            )
        return request_id

    def approve(self, desk: Desk, request_id: str, by: str) -> PublishRequest:
        """Publish exactly the requested draft version, as the requester, approved by `by`; the request decided.

        A draft changed since (or no longer publishable) makes the request void: answered with state VOID.
        """
        asked = self._pending(request_id)
        if asked.requested_by == by:
            raise NotYours(request_id)
        asked = self._decide(asked, APPROVING, by, "")  # claimed: a second approver at once gets AlreadyDecided
        try:
            desk.publish(
                asked.merchant_id,
                asked.requested_by,
                asked.base_version,
                asked.note,
                asked.waiver,
                asked.draft,
                approved_by=by,
            )
        except DraftMovedOn:
            return self._decide(asked, VOID, by, "the draft changed since the request")
        except NotPublishable as exc:
            return self._decide(asked, VOID, by, "; ".join(map(str, exc.problems)))
        except Busy:  # someone else is changing the merchant this moment: the request waits to be approved again
            self._decide(asked, PENDING, "", "")
            raise
        return self._decide(asked, APPROVED, by, "")

    def reject(self, request_id: str, by: str, reason: str) -> PublishRequest:
        return self._decide(self._pending(request_id), REJECTED, by, " ".join(reason.split())[:500])

    def _pending(self, request_id: str) -> PublishRequest:
        """The request while it waits for a decision (or was claimed by an approval that never finished)."""
        asked = self.get(request_id)
        if asked is None or not asked.open:
            raise AlreadyDecided(request_id)
        return asked

    def _decide(self, asked: PublishRequest, state: str, by: str, outcome: str) -> PublishRequest:
        """Move the request on from the state it was read in; AlreadyDecided if another got there first."""
        with self.db.write() as tx:
            done = tx.execute(
                "UPDATE ops_publish_requests SET state = ?, decided_by = ?, decided_at = ?, outcome = ?"
                " WHERE request_id = ? AND state = ?",
                (state, by or None, time.time(), outcome, asked.request_id, asked.state),
            )
        if done.rowcount != 1:
            raise AlreadyDecided(asked.request_id)
        return self.get(asked.request_id)  # type: ignore[return-value]
