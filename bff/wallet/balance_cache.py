"""The optional short balance cache of the wallet home, and the "money moved" marks that void it.

A merchant may let the wallet home reuse a card's live balance for a few seconds
(`pages.wallet.balance_cache_seconds`, 0 = off). Never at checkout or on the pay code: only the wallet
home asks this cache. And never after money moved: every pay, reverse, refund, bind, unbind or lost
report through the gateway (checkout, pay code, host API, worker, ops) writes a fresh mark for the
shopper and for the card, before the call and again after it (`MarkingGateway`). A kept balance
remembers the marks it was fetched under and is used only while they are still the same, so a
balance read before or during a money move is never shown after it. Marks and balances live in the
shared store: every BFF process sees the same ones.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time

from bff.cards.models import Card
from bff.security.sealing import Sealer
from bff.store import Store

MARK_SECONDS = 300  # far longer than any kept balance (at most 30 s): a mark can't expire under one


class MoneyMoved:
    """Marks per shopper, per card and (when a move can't be tied to a shopper) per merchant."""

    def __init__(self, store: Store, secret_key: str) -> None:
        self.store = store
        self._key = hashlib.sha256(b"kabao.money-moved:" + secret_key.encode()).digest()

    def _card(self, merchant_id: str, card_id: str) -> str:
        # a card may be bound by two shoppers; its mark is by card, and the store never sees the card id
        digest = hmac.new(self._key, f"{merchant_id}\0{card_id}".encode(), hashlib.sha256).hexdigest()[:24]
        return f"moved:{merchant_id}:card:{digest}"

    def keys(self, merchant_id: str, user_id: str | None, card_id: str | None) -> list[str]:
        """The marks a balance of this shopper's card depends on (the merchant's first)."""
        keys = [f"moved:{merchant_id}"]
        if user_id is not None:
            keys.append(f"moved:{merchant_id}:user:{user_id}")
        if card_id is not None:
            keys.append(self._card(merchant_id, card_id))
        return keys

    def mark(self, merchant_id: str, user_id: str | None, card_ids: list[str]) -> None:
        """Money moved (or is moving) for this shopper and these cards; None: for a shopper nobody knows."""
        keys = [f"moved:{merchant_id}:user:{user_id}"] if user_id is not None else [f"moved:{merchant_id}"]
        keys += [self._card(merchant_id, card_id) for card_id in card_ids]
        self.store.put_many({key: secrets.token_hex(8) for key in keys}, MARK_SECONDS)


class BalanceCache:
    """Live balances kept a few seconds for the wallet home, each with the marks it was fetched under."""

    def __init__(self, store: Store, secret_key: str, moved: MoneyMoved) -> None:
        self.store = store
        self.moved = moved
        self._sealer = Sealer(secret_key)  # the kept card names its card id (it may be the card number)

    def _key(self, merchant_id: str, user_id: str, handle: str) -> str:
        return f"wallet:{merchant_id}:{user_id}:cached:{handle}"

    def look(self, merchant_id: str, user_id: str, card_id: str, handle: str, seconds: int) -> tuple[Card | None, str]:
        """The kept card when it is young enough and no money moved since; and the marks as they are now."""
        keys = self.moved.keys(merchant_id, user_id, card_id)
        entry_key = self._key(merchant_id, user_id, handle)
        found = self.store.get_many([*keys, entry_key])
        marks = json.dumps([found.get(key) for key in keys])
        sealed = found.get(entry_key)
        raw = None if sealed is None else self._sealer.open(sealed)
        if raw is None:
            return None, marks
        kept = json.loads(raw)
        fresh = 0 <= time.time() - kept["at"] <= seconds
        if not fresh or kept["marks"] != marks or kept["card"]["card_id"] != card_id:
            return None, marks
        return Card.from_plain(kept["card"]), marks

    def keep(self, merchant_id: str, user_id: str, handle: str, card: Card, marks: str, seconds: int) -> None:
        """Keep a live card fetched under `marks` (read before the fetch) for `seconds`."""
        kept = {"at": time.time(), "marks": marks, "card": card.plain()}
        self.store.put(self._key(merchant_id, user_id, handle), self._sealer.seal(json.dumps(kept)), seconds)
