"""The cards and balances a checkout page showed, kept server-side so ticking cards costs no card call.

The page's balances are a promise of what the split will look like, not of what the cards hold: pay
confirms the picked cards' balances once, live, before any money moves (see `confirm`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from bff.cards.models import Card, CardStatus
from bff.checkout.records import PlannedLeg
from bff.security.sealing import Sealer
from bff.store import Store
from bff.wallet.views import CardView

KEEP_SECONDS = 2 * 3600  # about a checkout's life; an expired snapshot is fetched again


class CardSnapshots:
    """Sealed per checkout (card ids may be card numbers: the store never reads them)."""

    def __init__(self, store: Store, secret_key: str) -> None:
        self.store = store
        self._sealer = Sealer(secret_key)

    def _key(self, checkout_id: str) -> str:
        return f"checkout:{checkout_id}:cards"

    def keep(self, checkout_id: str, views: list[CardView]) -> None:
        self.store.put(self._key(checkout_id), self._sealer.seal(json.dumps([_dump(v) for v in views])), KEEP_SECONDS)

    def shown(self, checkout_id: str) -> list[CardView] | None:
        """The cards as the page last showed them; None when none were kept (or they expired)."""
        sealed = self.store.get(self._key(checkout_id))
        raw = None if sealed is None else self._sealer.open(sealed)
        return None if raw is None else [_load(item) for item in json.loads(raw)]


@dataclass(frozen=True)
class Shortfall:
    """A picked card whose live balance no longer covers its leg (or that can't pay at all now)."""

    card_id: str
    last4: str
    balance: int | None


def shortfalls(legs: list[PlannedLeg], live: dict[str, CardView]) -> list[Shortfall]:
    """The legs a live answer says can't be paid; a card whose balance couldn't be confirmed is left to pay."""
    found = []
    for leg in legs:
        view = live.get(leg.card_id)
        if view is None or not view.live:
            continue  # not confirmed now: the card system itself refuses an overdraft at pay time
        if view.card.status is not CardStatus.ACTIVE or (view.balance or 0) < leg.amount:
            found.append(Shortfall(leg.card_id, leg.last4, view.balance))
    return found


def _dump(view: CardView) -> dict:
    known_at = view.known_at.timestamp() if view.known_at else None
    return {**view.card.plain(), "live": view.live, "known_at": known_at}


def _load(item: dict) -> CardView:
    known_at = datetime.fromtimestamp(item["known_at"], UTC) if item["known_at"] is not None else None
    return CardView(Card.from_plain(item), live=item["live"], known_at=known_at)
