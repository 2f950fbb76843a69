"""A card's history as shoppers read it: the newest pages, filtered by kind, grouped by month with its sums."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.gateway import CardGateway
from bff.cards.models import Transaction, TxnKind

MAX_PAGES = 10  # every "load more" asks again from the newest page: keep the calls per view bounded


class Shown(enum.StrEnum):
    """Which rows the shopper asked to see."""

    ALL = "all"
    PAYMENTS = "payments"
    REFUNDS = "refunds"
    TOPUPS = "topups"

    @classmethod
    def from_query(cls, value: str | None) -> Shown:
        """The filter a query string names; anything else shows everything."""
        try:
            return cls(value or "all")
        except ValueError:
            return cls.ALL

    def keeps(self, txn: Transaction) -> bool:
        return self is Shown.ALL or txn.kind in KINDS_SHOWN[self]


KINDS_SHOWN = {
    Shown.PAYMENTS: frozenset({TxnKind.PAYMENT, TxnKind.REVERSAL}),
    Shown.REFUNDS: frozenset({TxnKind.REFUND}),
    Shown.TOPUPS: frozenset({TxnKind.TOPUP}),
}


class CardGone(Exception):
    """The card system says this card doesn't exist (any more)."""


@dataclass(frozen=True)
class Loaded:
    """The newest pages of a card's history: its rows newest first, whether there are older ones."""

    transactions: tuple[Transaction, ...]
    pages: int
    more: bool
    broken: bool = False  # a later page couldn't be loaded now: what came before is shown
    newest_page_start: int = 0  # index of the first row of the last page loaded


def load(gateway: CardGateway, user_id: str, card_id: str, pages: int, page_size: int) -> Loaded | None:
    """Up to `pages` pages from the newest; None when not even the first can be loaded now."""
    rows: list[Transaction] = []
    seen: set[str] = set()
    cursor: str | None = None
    start = 0
    for number in range(1, max(1, min(pages, MAX_PAGES)) + 1):
        try:
            page = gateway.transactions(user_id, card_id, cursor, page_size)
        except CardSystemError as exc:
            if exc.code is ErrorCode.CARD_NOT_FOUND:
                raise CardGone from None
            return _partial(rows, number - 1, start)
        except CardSystemUnavailable:
            return _partial(rows, number - 1, start)
        start = len(rows)
        rows.extend(t for t in page.transactions if t.txn_id not in seen)  # a row that moved pages shows once
        seen.update(t.txn_id for t in page.transactions)
        cursor = page.next_cursor
        if cursor is None:
            return Loaded(tuple(rows), number, more=False, newest_page_start=start)
    return Loaded(tuple(rows), number, more=True, newest_page_start=start)


def _partial(rows: list[Transaction], pages: int, start: int) -> Loaded | None:
    return Loaded(tuple(rows), pages, more=True, broken=True, newest_page_start=start) if pages else None


@dataclass(frozen=True)
class Month:
    """One month of loaded history: the rows shown, and what was spent and refunded in all its loaded rows."""

    first_day: date
    rows: tuple[Transaction, ...]
    spent: int  # payments less voided payments, fen
    refunded: int
    partial: bool  # older rows of this month are not loaded yet

    @property
    def key(self) -> str:
        return self.first_day.strftime("%Y-%m")


def months(transactions: Iterable[Transaction], shown: Shown, zone: tzinfo, more: bool) -> list[Month]:
    """The loaded rows by month in the merchant's time zone, newest first; months with no shown row left out."""
    by_month: dict[date, list[Transaction]] = {}
    for txn in transactions:
        by_month.setdefault(_local(txn.created_at, zone).replace(day=1), []).append(txn)
    oldest = min(by_month, default=None)
    return [
        Month(
            first_day=first,
            rows=tuple(t for t in rows if shown.keeps(t)),
            spent=max(0, -sum(t.amount for t in rows if t.kind in KINDS_SHOWN[Shown.PAYMENTS])),
            refunded=sum(t.amount for t in rows if t.kind is TxnKind.REFUND),
            partial=more and first == oldest,
        )
        for first, rows in sorted(by_month.items(), reverse=True)
        if any(shown.keeps(t) for t in rows)
    ]


def _local(moment: datetime, zone: tzinfo) -> date:
    """The day a moment falls on in the merchant's zone (naive means UTC, as the translator reads it)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone).date()


def newly_shown(loaded: Loaded, shown: Shown) -> list[Transaction]:
    """The rows of the last page loaded that the filter shows (what "load more" added)."""
    return [t for t in loaded.transactions[loaded.newest_page_start :] if shown.keeps(t)]


def page_context(loaded: Loaded | None, shown: Shown, zone: tzinfo) -> dict[str, Any]:
    """What the history part of a card page draws: months, the filter, what "load more" added."""
    context: dict[str, Any] = {"history": loaded, "shown": shown, "filters": list(Shown), "max_pages": MAX_PAGES}
    if loaded is not None:
        grouped = months(loaded.transactions, shown, zone, loaded.more)
        added = newly_shown(loaded, shown) if loaded.pages > 1 and not loaded.broken else []
        context |= {
            "months": grouped,
            "shown_count": sum(len(month.rows) for month in grouped),
            "first_new": added[0].txn_id if added else None,
            "added": len(added),
        }
    return context
