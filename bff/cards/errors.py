"""Errors a card system can answer, in our own closed set."""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    INVALID_REQUEST = "INVALID_REQUEST"
    UNAUTHORIZED = "UNAUTHORIZED"
    CARD_NOT_FOUND = "CARD_NOT_FOUND"
    WRONG_SECRET = "WRONG_SECRET"  # noqa: S105 - an error code, not a secret
    SECRET_LOCKED = "SECRET_LOCKED"  # noqa: S105 - an error code, not a secret
    CARD_FROZEN = "CARD_FROZEN"
    CARD_EXPIRED = "CARD_EXPIRED"
    ALREADY_BOUND = "ALREADY_BOUND"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    DUPLICATE = "DUPLICATE"
    PAYMENT_NOT_FOUND = "PAYMENT_NOT_FOUND"
    NOT_REVERSIBLE = "NOT_REVERSIBLE"
    REFUND_EXCEEDED = "REFUND_EXCEEDED"
    UNAVAILABLE = "UNAVAILABLE"


class CardSystemError(Exception):
    """The card system answered, and said no."""

    def __init__(self, code: ErrorCode, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else str(code))
        self.code = code


class CardSystemUnavailable(Exception):
    """The card system could not be reached, timed out, failed, or answered nonsense.

    For a write this means the outcome is unknown, never that it failed or succeeded.
    """


class AnswerMismatch(CardSystemUnavailable):
    """The answer was about another payment than the one asked about: unknown, never success."""


class AnswerNotConfirmed(CardSystemUnavailable):
    """The answer gives a status Kabao can't confirm (unmapped, or still in progress): not confirmed yet."""
