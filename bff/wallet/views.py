"""The wallet as shoppers see it: each card with its live, last known or coming balance, and their total."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bff.cards.models import Card


@dataclass(frozen=True)
class CardView:
    """A card as the wallet shows it: live balance, last known with its time, none, or still on its way."""

    card: Card
    live: bool
    known_at: datetime | None = None
    pending: bool = False  # the page is drawn first; this balance arrives by itself (web/wallet.py)

    @property
    def balance(self) -> int | None:
        return self.card.balance


@dataclass(frozen=True)
class WalletView:
    cards: tuple[CardView, ...]
    list_live: bool

    @property
    def usable(self) -> tuple[CardView, ...]:
        return tuple(v for v in self.cards if v.card.usable)

    @property
    def unusable(self) -> tuple[CardView, ...]:
        """Frozen and expired cards: shown apart, without a balance."""
        return tuple(v for v in self.cards if not v.card.usable)

    @property
    def complete(self) -> bool:
        return self.list_live and all(v.live for v in self.cards)

    @property
    def total(self) -> int | None:
        """Spendable money when every usable card's balance is live; None when it isn't known (never 0 for unknown)."""
        if not self.list_live or not all(v.live and v.balance is not None for v in self.usable):
            return None
        return sum(v.balance or 0 for v in self.usable)

    @property
    def last_known_total(self) -> int | None:
        """The total from live and last known balances, when every usable card has one; else None."""
        if not all(v.balance is not None for v in self.usable):
            return None
        return sum(v.balance or 0 for v in self.usable)

    @property
    def known_since(self) -> datetime | None:
        """When the oldest balance in last_known_total was fetched (None when all are live)."""
        return min((v.known_at for v in self.usable if not v.live and v.known_at), default=None)

    @property
    def total_state(self) -> str:
        """What the total can say: loading (balances on their way), live, known (last known) or unavailable."""
        if any(v.pending for v in self.usable):
            return "loading"
        if self.total is not None:
            return "live"
        return "known" if self.last_known_total is not None else "unavailable"

    def first(self, card_id: str | None) -> WalletView:
        """The same wallet with this card (a newly bound one) at the top."""
        return replace(self, cards=tuple(sorted(self.cards, key=lambda v: v.card.card_id != card_id)))
