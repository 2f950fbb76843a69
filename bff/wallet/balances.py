"""Live balances fetched in parallel, with the last known balance when a card system fails."""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import Executor, Future
from concurrent.futures import wait as wait_all
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bff.cards.errors import CardSystemError, CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.cards.handles import CardHandles, handle_key
from bff.cards.models import Card, CardStatus
from bff.security.sealing import Sealer
from bff.store import Store

log = logging.getLogger(__name__)
REMEMBER_SECONDS = 30 * 24 * 3600
RECONFIRM_SECONDS = 60  # an unchanged balance is written again only this often, to keep its time roughly current


@dataclass(frozen=True)
class CardView:
    """A card as the wallet shows it: live balance, or last known with its time, or none."""

    card: Card
    live: bool
    known_at: datetime | None = None

    @property
    def balance(self) -> int | None:
        return self.card.balance


@dataclass(frozen=True)
class WalletView:
    cards: tuple[CardView, ...]
    list_live: bool

    @property
    def total(self) -> int:
        """Spendable money: live balances of active cards."""
        return sum(v.balance or 0 for v in self.cards if v.live and v.card.status is CardStatus.ACTIVE)

    @property
    def complete(self) -> bool:
        return self.list_live and all(v.live for v in self.cards)


class BalanceBook:
    """Fetches balances through the gateway and remembers the last good ones in the store.

    The store never sees a card id (it may be the card number): balances are keyed by the card's
    handle, and the remembered card list is sealed with a key of Kabao's own.
    """

    def __init__(self, store: Store, executor: Executor, secret_key: str) -> None:
        self.store = store
        self.executor = executor
        self._handle_key = handle_key(secret_key)
        self._sealer = Sealer(secret_key)

    def handles(self, merchant_id: str, user_id: str) -> CardHandles:
        """The handles of this shopper's cards."""
        return CardHandles(self._handle_key, merchant_id, user_id)

    def _key(self, merchant_id: str, user_id: str, suffix: str) -> str:
        return f"wallet:{merchant_id}:{user_id}:{suffix}"

    def _balance_key(self, merchant_id: str, user_id: str, card_id: str) -> str:
        return self._key(merchant_id, user_id, f"bal:{self.handles(merchant_id, user_id).of(card_id)}")

    def remember(self, merchant_id: str, user_id: str, card: Card) -> None:
        self.remember_all(merchant_id, user_id, [card])

    def remember_all(self, merchant_id: str, user_id: str, cards: list[Card]) -> None:
        """Keep these live balances in one write, only those that changed (or were last confirmed long ago)."""
        keys = {self._balance_key(merchant_id, user_id, c.card_id): c.balance for c in cards}
        kept = self.store.get_many(list(keys))
        now = time.time()
        changed = {
            key: json.dumps({"balance": balance, "at": now})
            for key, balance in keys.items()
            if _stale(kept.get(key), balance, now)
        }
        self.store.put_many(changed, REMEMBER_SECONDS)

    def last_known(self, merchant_id: str, user_id: str, card: Card) -> CardView:
        raw = self.store.get(self._balance_key(merchant_id, user_id, card.card_id))
        if raw is None:
            return CardView(replace(card, balance=None), live=False)
        data = json.loads(raw)
        at = datetime.fromtimestamp(data["at"], UTC)
        return CardView(replace(card, balance=data["balance"]), live=False, known_at=at)

    def _remember_list(self, merchant_id: str, user_id: str, cards: list[Card]) -> None:
        """Keep the card list (sealed), only when it differs from the one kept."""
        listed = json.dumps(
            [
                {
                    "card_id": c.card_id,
                    "last4": c.last4,
                    "card_type": c.card_type,
                    "status": c.status.value,
                    "currency": c.currency,
                    "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                }
                for c in cards
            ]
        )
        key = self._key(merchant_id, user_id, "cards")
        sealed = self.store.get(key)
        if sealed is not None and self._sealer.open(sealed) == listed:
            return
        self.store.put(key, self._sealer.seal(listed), REMEMBER_SECONDS)

    def _last_list(self, merchant_id: str, user_id: str) -> list[Card] | None:
        sealed = self.store.get(self._key(merchant_id, user_id, "cards"))
        raw = None if sealed is None else self._sealer.open(sealed)
        if raw is None:
            return None
        return [
            Card(
                card_id=c["card_id"],
                last4=c["last4"],
                card_type=c["card_type"],
                status=CardStatus(c["status"]),
                currency=c["currency"],
                expires_on=datetime.fromisoformat(c["expires_on"]).date() if c["expires_on"] else None,
            )
            for c in json.loads(raw)
        ]

    def remembered_card_ids(self, merchant_id: str, user_id: str) -> set[str] | None:
        """The ids of the cards the shopper's wallet last listed; None when nothing is remembered."""
        remembered = self._last_list(merchant_id, user_id)
        return None if remembered is None else {c.card_id for c in remembered}

    def card_id_of(self, gateway: CardGateway, merchant_id: str, user_id: str, handle: str) -> str | None:
        """The shopper's card this handle names: from the remembered list, else the live one; None if none."""
        handles = self.handles(merchant_id, user_id)
        if not handles.well_formed(handle):
            return None
        remembered = self.remembered_card_ids(merchant_id, user_id) or set()
        found = handles.find(handle, remembered)
        if found is not None:
            return found
        try:
            cards = gateway.list_cards(user_id)
        except (CardSystemUnavailable, CardSystemError):
            return None
        self._remember_list(merchant_id, user_id, cards)
        return handles.find(handle, (c.card_id for c in cards))

    def _live(self, gateway: CardGateway, merchant_id: str, user_id: str, card_id: str) -> CardView:
        """The card as its system says now, remembered for when it can't say; raises what the gateway raises."""
        live = gateway.card_detail(user_id, card_id)
        self.remember(merchant_id, user_id, live)
        return CardView(live, live=True)

    def card(self, gateway: CardGateway, merchant_id: str, user_id: str, card: Card) -> CardView:
        """One card with its live balance, or its last known one when the card system fails."""
        view = self._fetch(gateway, merchant_id, user_id, card)
        if view.live:
            self.remember(merchant_id, user_id, view.card)
        return view

    def _fetch(self, gateway: CardGateway, merchant_id: str, user_id: str, card: Card) -> CardView:
        """One card with its live balance (not yet remembered), or its last known one when the card system fails."""
        try:
            return CardView(gateway.card_detail(user_id, card.card_id), live=True)
        except (CardSystemUnavailable, CardSystemError) as exc:
            log.info("merchant %s: balance of a card unavailable (%s)", merchant_id, exc)
            return self.last_known(merchant_id, user_id, card)

    def one_card(self, gateway: CardGateway, merchant_id: str, user_id: str, card_id: str) -> CardView | None:
        """One card by id, live if possible; None when it is not this shopper's card."""
        try:
            return self._live(gateway, merchant_id, user_id, card_id)
        except CardSystemError:
            return None
        except CardSystemUnavailable:
            known = next((c for c in self._last_list(merchant_id, user_id) or [] if c.card_id == card_id), None)
            return None if known is None else self.last_known(merchant_id, user_id, known)

    def wallet(self, gateway: CardGateway, merchant_id: str, user_id: str, deadline: float) -> WalletView | None:
        """All cards with balances fetched in parallel; None when nothing at all is known."""
        try:
            cards = gateway.list_cards(user_id)
        except (CardSystemUnavailable, CardSystemError) as exc:
            log.info("merchant %s: card list unavailable (%s)", merchant_id, exc)
            remembered = self._last_list(merchant_id, user_id)
            if remembered is None:
                return None
            views = tuple(self.last_known(merchant_id, user_id, c) for c in remembered)
            return WalletView(views, list_live=False)
        self._remember_list(merchant_id, user_id, cards)
        futures: list[Future[CardView]] = [
            self.executor.submit(self._fetch, gateway, merchant_id, user_id, c) for c in cards
        ]
        wait_all(futures, timeout=deadline)
        views = tuple(
            f.result() if f.done() else self.last_known(merchant_id, user_id, c)
            for f, c in zip(futures, cards, strict=True)
        )
        self.remember_all(merchant_id, user_id, [v.card for v in views if v.live])  # one write per page
        return WalletView(views, list_live=True)


def _stale(kept: str | None, balance: int | None, now: float) -> bool:
    """Whether a kept balance needs writing again: absent, different, or confirmed too long ago."""
    if kept is None:
        return True
    data = json.loads(kept)
    return data.get("balance") != balance or now - float(data.get("at", 0)) >= RECONFIRM_SECONDS
