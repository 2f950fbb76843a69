"""Report a named card lost (挂失): confirmed with the card's PIN within the wrong-PIN limits; unknown is never done."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass

from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.gateway import CardGateway
from bff.cards.models import Card, CardStatus
from bff.merchants.model import MerchantConfig, WrongSecretLimits
from bff.security.attempts import WrongSecretGuard
from bff.wallet.card_legal import CardLegal

log = logging.getLogger(__name__)


class LostOutcome(enum.StrEnum):
    DONE = "done"  # the card system says the card is frozen
    WRONG_PIN = "wrong_pin"
    LOCKED = "locked"  # too many wrong PINs (ours or the card system's)
    NOT_FOUND = "not_found"
    FAILED = "failed"  # the card system refused
    UNCONFIRMED = "unconfirmed"  # the answer was lost and the card's status doesn't show it took effect


def lost_offered(config: MerchantConfig, card: Card, legal: CardLegal) -> bool:
    """Whether the shopper may report this card lost here: a named, active card where the card system offers it."""
    return config.offers("report_lost") and legal.named and card.status is CardStatus.ACTIVE


@dataclass(frozen=True)
class LostReport:
    """One shopper's report, with the wrong-PIN limits it counts against (the same as paying with a PIN)."""

    merchant_id: str
    user_id: str
    card_id: str
    limits: WrongSecretLimits


def report_lost(gateway: CardGateway, guard: WrongSecretGuard, report: LostReport, pin: str) -> LostOutcome:
    """Report the card lost; a wrong PIN counts as a wrong PIN anywhere else does."""
    # the same try counter as checkout and the pay code: one count per card and per shopper, across processes
    reservation = guard.reserve(report.limits, report.merchant_id, report.user_id, f"card:{report.card_id}")
    if reservation is None:
        return LostOutcome.LOCKED
    try:
        gateway.report_lost(report.user_id, report.card_id, pin)
    except CardSystemError as exc:
        if exc.code is ErrorCode.WRONG_SECRET:
            return LostOutcome.WRONG_PIN
        if exc.code is ErrorCode.SECRET_LOCKED:
            return LostOutcome.LOCKED
        guard.give_back(reservation)
        return LostOutcome.NOT_FOUND if exc.code is ErrorCode.CARD_NOT_FOUND else LostOutcome.FAILED
    except CardSystemUnavailable as exc:
        guard.give_back(reservation)
        log.info("report_lost outcome unknown (%s); asking the card's status", exc)
        return _frozen_now(gateway, report)
    guard.give_back(reservation)
    return LostOutcome.DONE


def _frozen_now(gateway: CardGateway, report: LostReport) -> LostOutcome:
    """After a lost answer: done only when the card system now says the card is frozen."""
    try:
        card = gateway.card_detail(report.user_id, report.card_id)
    except (CardSystemError, CardSystemUnavailable):
        return LostOutcome.UNCONFIRMED
    return LostOutcome.DONE if card.status is CardStatus.FROZEN else LostOutcome.UNCONFIRMED
