"""Live balances fetched in parallel, with the last known balance when a card system fails."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from concurrent.futures import wait as wait_all
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

from bff.cards.errors import CardSystemError, CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.cards.handles import CardHandles, handle_key
from bff.cards.models import Card, CardStatus
from bff.security.sealing import Sealer
from bff.store import Store
from bff.wallet.balance_cache import BalanceCache, MoneyMoved
from bff.wallet.views import CardView, WalletView

log = logging.getLogger(__name__)
REMEMBER_SECONDS = 30 * 24 * 3600
RECONFIRM_SECONDS = 60  # an unchanged balance is written again only this often, to keep its time roughly current


class BalanceBook:
    """Fetches balances through the gateway and remembers the last good ones in the store.

    The store never sees a card id (it may be the card number): balances are keyed by the card's
    handle, and the remembered card list is sealed with a key of Kabao's own.
    """

    def __init__(self, store: Store, executor: Executor, secret_key: str, moved: MoneyMoved | None = None) -> None:
        self.store = store
        self.executor = executor
        self._handle_key = handle_key(secret_key)
        self._sealer = Sealer(secret_key)
        self.cache = None if moved is None else BalanceCache(store, secret_key, moved)

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

    def remembered(self, merchant_id: str, user_id: str) -> WalletView | None:
        """The remembered card list, each balance still to come; None when nothing is remembered."""
        cards = self._last_list(merchant_id, user_id)
        if cards is None:
            return None
        return WalletView(tuple(CardView(c, live=False, pending=True) for c in cards), list_live=False)

    def last_known_wallet(self, merchant_id: str, user_id: str) -> WalletView | None:
        """The remembered cards with their last known balances; None when nothing is remembered."""
        remembered = self._last_list(merchant_id, user_id)
        if remembered is None:
            return None
        return WalletView(tuple(self.last_known(merchant_id, user_id, c) for c in remembered), list_live=False)

    def arriving(self, merchant_id: str, user_id: str, cards: list[Card]) -> WalletView:
        """A live card list: balances it carries are live (kept in one write), the others are still to come."""
        self.remember_all(merchant_id, user_id, [c for c in cards if c.balance is not None])
        views = tuple(CardView(c, live=c.balance is not None, pending=c.balance is None) for c in cards)
        return WalletView(views, list_live=True)

    def live_list(self, gateway: CardGateway, merchant_id: str, user_id: str) -> list[Card] | None:
        """The card list as the card system says now (remembered); None when it can't say."""
        try:
            cards = gateway.list_cards(user_id)
        except (CardSystemUnavailable, CardSystemError) as exc:
            log.info("merchant %s: card list unavailable (%s)", merchant_id, exc)
            return None
        self._remember_list(merchant_id, user_id, cards)
        return cards

    def add_bound(self, merchant_id: str, user_id: str, card: Card) -> None:
        """A card just bound joins the remembered list, so the wallet shows it before the card system is asked."""
        cards = [c for c in self._last_list(merchant_id, user_id) or [] if c.card_id != card.card_id]
        self._remember_list(merchant_id, user_id, [*cards, card])
        if card.balance is not None:
            self.remember(merchant_id, user_id, card)

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

    def reused_or_live(
        self, gateway: CardGateway, merchant_id: str, user_id: str, card_id: str, seconds: int
    ) -> CardView | None:
        """one_card, or the live balance kept at most `seconds` ago with no money moved since (wallet home only)."""
        return self._reusing(
            merchant_id, user_id, card_id, seconds, partial(self.one_card, gateway, merchant_id, user_id, card_id)
        )

    def _reusing(
        self, merchant_id: str, user_id: str, card_id: str, seconds: int, fetch: Callable[[], CardView | None]
    ) -> CardView | None:
        if not seconds or self.cache is None:
            return fetch()
        handle = self.handles(merchant_id, user_id).of(card_id)
        kept, marks = self.cache.look(merchant_id, user_id, card_id, handle, seconds)  # marks read before the call
        if kept is not None:
            return CardView(kept, live=True)
        view = fetch()
        if view is not None and view.live:
            self.cache.keep(merchant_id, user_id, handle, view.card, marks, seconds)
        return view

    def wallet(
        self, gateway: CardGateway, merchant_id: str, user_id: str, deadline: float, reuse_seconds: int = 0
    ) -> WalletView | None:
        """All cards with balances fetched in parallel (or reused, wallet home only); None when nothing is known."""
        cards = self.live_list(gateway, merchant_id, user_id)
        if cards is None:
            return self.last_known_wallet(merchant_id, user_id)
        futures: list[Future[CardView]] = [
            self.executor.submit(
                self._reusing,
                merchant_id,
                user_id,
                c.card_id,
                reuse_seconds,
                partial(self._fetch, gateway, merchant_id, user_id, c),
            )
            for c in cards
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
