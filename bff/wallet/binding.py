"""Binding a card: number rules, wrong-secret limits, and card-system answers as outcomes."""

from __future__ import annotations

import enum
import logging
import re
from collections.abc import Collection
from dataclasses import dataclass

from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.gateway import CardGateway
from bff.cards.models import BindRequest, Card
from bff.merchants.loader import Merchant
from bff.merchants.model import CardNumberRule
from bff.security.attempts import WrongSecretGuard
from bff.store.tallies import Tallies
from bff.wallet.lost_answers import check_bind, listed_cards
from bff.wallet.sms import SmsLimiter

log = logging.getLogger(__name__)
SEPARATORS = re.compile(r"[\s-]+")


class BindProblem(enum.StrEnum):
    """Why a bind did not happen; each has one shopper-visible message."""

    NO_MATCH = "no_match"  # no such card or wrong secret: the same words, so numbers can't be probed
    LOCKED = "locked"  # our own wrong-secret limit
    SECRET_LOCKED = "secret_locked"  # noqa: S105 - the card system locked the secret
    FROZEN = "frozen"
    EXPIRED = "expired"
    ALREADY_BOUND = "already_bound"
    BUSY = "busy"
    UNCONFIRMED = "unconfirmed"  # the answer was lost and the card list can't tell either
    SMS_LIMIT = "sms_limit"  # the card system's own SMS limit
    SMS_WAIT = "sms_wait"  # our SMS limits: the page says how long to wait


@dataclass(frozen=True)
class BindResult:
    card: Card | None = None
    problem: BindProblem | None = None


@dataclass(frozen=True)
class CodeSent:
    """The answer to "text me a code": a problem, or sent (to a masked phone, when known)."""

    problem: BindProblem | None = None
    masked_phone: str | None = None


def normalise_number(raw: str) -> str:
    return SEPARATORS.sub("", raw or "").upper()


def luhn_ok(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def number_fits(rule: CardNumberRule, number: str) -> bool:
    """Whether a normalised number passes the merchant's card-number rule."""
    if not rule.min_length <= len(number) <= rule.max_length:
        return False
    if not re.fullmatch(rule.pattern, number):
        return False
    return not rule.luhn or luhn_ok(number)


_PROBLEMS = {
    ErrorCode.CARD_NOT_FOUND: BindProblem.NO_MATCH,
    ErrorCode.WRONG_SECRET: BindProblem.NO_MATCH,
    ErrorCode.SECRET_LOCKED: BindProblem.SECRET_LOCKED,
    ErrorCode.CARD_FROZEN: BindProblem.FROZEN,
    ErrorCode.CARD_EXPIRED: BindProblem.EXPIRED,
    ErrorCode.ALREADY_BOUND: BindProblem.ALREADY_BOUND,
    ErrorCode.LIMIT_EXCEEDED: BindProblem.SMS_LIMIT,
}


# answers that say the secret (or the number) was tried and wrong: these tries count
SECRET_TRIED = frozenset({ErrorCode.WRONG_SECRET, ErrorCode.CARD_NOT_FOUND, ErrorCode.SECRET_LOCKED})


class Binder:
    """Binds cards for one merchant's shoppers, enforcing the merchant's attempt limits."""

    def __init__(self, guard: WrongSecretGuard, sms: SmsLimiter, tallies: Tallies | None = None) -> None:
        self.guard = guard
        self.sms = sms
        self.tallies = tallies  # today's binds, for the ops dashboard

    def bind(
        self,
        merchant: Merchant,
        gateway: CardGateway,
        request: BindRequest,
        known_before: Collection[str] | None = None,
    ) -> BindResult:
        """Bind once; known_before (card ids the shopper had) lets a lost answer be told apart."""
        limits = merchant.config.limits.wrong_secret
        reservation = self.guard.reserve(limits, merchant.id, request.user_id, request.card_number)
        if reservation is None:
            log.info("merchant %s: bind refused, wrong-secret limit reached", merchant.id)
            return BindResult(problem=BindProblem.LOCKED)
        if known_before is None:
            listed = listed_cards(gateway, request.user_id)
            known_before = None if listed is None else {c.card_id for c in listed}
        try:
            card = gateway.bind(request)
        except CardSystemUnavailable:
            self.guard.give_back(reservation)
            return self._after_lost_answer(merchant, gateway, request, known_before)
        except CardSystemError as exc:
            log.info("merchant %s: bind refused by the card system: %s", merchant.id, exc.code)
            if exc.code not in SECRET_TRIED:
                self.guard.give_back(reservation)
            problem = _PROBLEMS.get(exc.code, BindProblem.BUSY)
        else:
            self.guard.give_back(reservation)
            self._count(merchant)
            return BindResult(card=card)
        if problem is BindProblem.NO_MATCH and self.guard.blocked(
            limits, merchant.id, request.user_id, request.card_number
        ):
            return BindResult(problem=BindProblem.LOCKED)
        return BindResult(problem=problem)

    def _after_lost_answer(
        self, merchant: Merchant, gateway: CardGateway, request: BindRequest, known_before: Collection[str] | None
    ) -> BindResult:
        """The bind's answer was lost: the card list says whether it took effect (never bind twice)."""
        check = check_bind(gateway, request.user_id, request.card_number, known_before)
        if check.card is not None:
            log.info("merchant %s: bind answer lost, but the card is bound", merchant.id)
            self._count(merchant)
            return BindResult(card=check.card)
        return BindResult(problem=BindProblem.BUSY if check.not_bound else BindProblem.UNCONFIRMED)

    def _count(self, merchant: Merchant) -> None:
        if self.tallies is not None:
            self.tallies.bound(merchant.id, merchant.config.timezone)

    def send_code(self, merchant: Merchant, gateway: CardGateway, user_id: str, number: str) -> CodeSent:
        """Ask the card system to text a code, within the merchant's SMS and probing limits."""
        limits = merchant.config.limits
        reservation = self.guard.reserve(limits.wrong_secret, merchant.id, user_id, number)
        if reservation is None:
            return CodeSent(BindProblem.LOCKED)
        send = self.sms.reserve(limits.sms, merchant.id, user_id, number)
        if send is None:
            self.guard.give_back(reservation)
            return CodeSent(BindProblem.SMS_WAIT)
        try:
            sent = gateway.send_sms_code(user_id, number)
        except CardSystemUnavailable:
            self.guard.give_back(reservation)
            self.sms.give_back(send)
            return CodeSent(BindProblem.BUSY)
        except CardSystemError as exc:
            if exc.code is ErrorCode.CARD_NOT_FOUND:
                # say "sent" for unknown numbers too, so the button can't be used to probe numbers;
                # the reserved try and send stay counted against probing
                return CodeSent()
            self.guard.give_back(reservation)
            if exc.code is not ErrorCode.LIMIT_EXCEEDED:
                self.sms.give_back(send)  # nothing was sent (a frozen or expired card, …)
            return CodeSent(_PROBLEMS.get(exc.code, BindProblem.BUSY))
        self.guard.give_back(reservation)
        return CodeSent(masked_phone=sent.masked_phone)
