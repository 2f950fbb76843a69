"""Picking the seeded cards a test needs, from what the sandbox says."""

from __future__ import annotations

from typing import Any

from e2e.sandbox_admin import SHOPPER, SandboxAdmin

Card = dict[str, Any]


def last4(card: Card) -> str:
    return card["card_number"][-4:]


def shopper_cards(sandbox: SandboxAdmin, system: str, user_id: str = SHOPPER) -> list[Card]:
    cards = sandbox.cards(system, user_id=user_id)
    endings = [last4(c) for c in cards]
    assert len(set(endings)) == len(endings), f"{system}: two of {user_id}'s cards end alike: {endings}"
    return cards


def active(cards: list[Card]) -> list[Card]:
    """ACTIVE cards, richest first: the seed gives the richest (¥500.00) ~25 transactions."""
    return sorted((c for c in cards if c["status"] == "ACTIVE"), key=lambda c: -c["balance"])


def unbound_active(sandbox: SandboxAdmin, system: str) -> list[Card]:
    return [c for c in sandbox.cards(system, bound=False) if c["status"] == "ACTIVE"]
