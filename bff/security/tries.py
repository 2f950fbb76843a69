"""Tries counted before they are made: all of several limits taken at once, or none, and given back if they don't count.

Every limit on guessing (wrong secrets, texted codes, ops logins) works this way, so that however many
requests race across processes, no more than the limit ever reach what they are guessing at.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from bff.store import Store


@dataclass(frozen=True)
class Reservation:
    """The store keys one try took a use of; given back if the try turns out not to count."""

    keys: tuple[str, ...]


def reserve_all(store: Store, limits: Iterable[tuple[str, int, int]]) -> Reservation | None:
    """Take a use of every (key, limit, window); None, with nothing taken, when any limit is reached."""
    taken: list[str] = []
    for key, limit, window in limits:
        if not store.reserve(key, limit, window):
            give_back(store, Reservation(tuple(taken)))
            return None
        taken.append(key)
    return Reservation(tuple(taken))


def give_back(store: Store, reservation: Reservation) -> None:
    """The try said nothing about what was guessed: it doesn't count."""
    for key in reservation.keys:
        store.release(key)


def keyed_hash(pepper: bytes, text: str) -> str:
    """What the store keeps instead of a card number or user id."""
    return hmac.new(pepper, text.encode(), hashlib.sha256).hexdigest()[:32]
