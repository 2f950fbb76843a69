"""After a bind or unbind whose answer was lost: ask the card system's card list what really happened."""

from __future__ import annotations

import enum
import logging
from collections.abc import Collection
from dataclasses import dataclass

from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.gateway import CardGateway
from bff.cards.models import Card

log = logging.getLogger(__name__)


def listed_cards(gateway: CardGateway, user_id: str) -> list[Card] | None:
    """The shopper's cards as the card system lists them now; None when it can't say."""
    try:
        return gateway.list_cards(user_id)
    except (CardSystemUnavailable, CardSystemError) as exc:
        log.info("card list unavailable while confirming an outcome (%s)", exc)
        return None


@dataclass(frozen=True)
class BindCheck:
    """What the card list says of a bind whose answer was lost: the card, not bound, or can't tell."""

    card: Card | None = None
    not_bound: bool = False


def check_bind(gateway: CardGateway, user_id: str, number: str, known_before: Collection[str] | None) -> BindCheck:
    """Whether the card typed is in the shopper's list now; known_before are the card ids listed before the bind.

    Only the last four digits can be compared, so a card is taken as the one bound only when it is
    new since the list before; anything less certain answers "can't tell", never "bound".
    """
    cards = listed_cards(gateway, user_id)
    if cards is None:
        return BindCheck()
    matches = [c for c in cards if c.last4 == number[-4:]]
    if not matches:
        return BindCheck(not_bound=True)
    new = [c for c in matches if known_before is not None and c.card_id not in known_before]
    if len(new) == 1:
        return BindCheck(card=new[0])
    return BindCheck()


class UnbindOutcome(enum.StrEnum):
    DONE = "done"
    NOT_FOUND = "not_found"  # not this shopper's card (any more)
    FAILED = "failed"  # the card system refused
    BUSY = "busy"  # it failed and nothing changed
    UNCONFIRMED = "unconfirmed"  # the outcome can't be known now


def unbind(gateway: CardGateway, user_id: str, card_id: str) -> UnbindOutcome:
    """Unbind a card; when the answer is lost, the card list says whether it took effect."""
    try:
        gateway.unbind(user_id, card_id)
    except CardSystemError as exc:
        return UnbindOutcome.NOT_FOUND if exc.code is ErrorCode.CARD_NOT_FOUND else UnbindOutcome.FAILED
    except CardSystemUnavailable as exc:
        log.info("unbind outcome unknown (%s); asking the card list", exc)
        cards = listed_cards(gateway, user_id)
        if cards is None:
            return UnbindOutcome.UNCONFIRMED
        return UnbindOutcome.BUSY if any(c.card_id == card_id for c in cards) else UnbindOutcome.DONE
    return UnbindOutcome.DONE
