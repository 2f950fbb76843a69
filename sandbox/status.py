"""A card's status as the card system answers it: ACTIVE turns EXPIRED once its date has passed."""

from __future__ import annotations

import sqlite3

from sandbox import clock


def effective_status(card: sqlite3.Row) -> str:
    """The card's status, EXPIRED once its expiry date has passed."""
    expires_on = card["expires_on"]
    if card["status"] == "ACTIVE" and expires_on and expires_on < clock.today().isoformat():
        return "EXPIRED"
    return card["status"]
