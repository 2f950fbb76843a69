"""The standard API's closed set of error codes, their HTTP statuses, and request checks."""

from __future__ import annotations

from typing import Any

HTTP_STATUS = {
    "INVALID_REQUEST": 400,
    "UNAUTHORIZED": 401,
    "CARD_NOT_FOUND": 404,
    "WRONG_SECRET": 400,
    "SECRET_LOCKED": 423,
    "CARD_FROZEN": 409,
    "CARD_EXPIRED": 409,
    "ALREADY_BOUND": 409,
    "INSUFFICIENT_BALANCE": 402,
    "LIMIT_EXCEEDED": 429,
    "DUPLICATE": 409,
    "PAYMENT_NOT_FOUND": 404,
    "NOT_REVERSIBLE": 409,
    "REFUND_EXCEEDED": 409,
    "UNAVAILABLE": 503,
}

MAX_ID_LENGTH = 64


class CardError(Exception):
    """An ERROR answer of the card system, with an optional recorded payment."""

    def __init__(self, code: str, message: str, payment: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.payment = payment

    @property
    def http_status(self) -> int:
        """The HTTP status for this error code."""
        return HTTP_STATUS[self.code]

    def body(self) -> dict[str, Any]:
        """The JSON body of this answer."""
        body: dict[str, Any] = {
            "result": "ERROR",
            "error": {"code": self.code, "message": self.message},
        }
        if self.payment is not None:
            body["payment"] = self.payment
        return body


def invalid(message: str) -> CardError:
    """An INVALID_REQUEST error."""
    return CardError("INVALID_REQUEST", message)


def require_object(body: Any) -> dict[str, Any]:
    """The request body as a JSON object, or INVALID_REQUEST."""
    if not isinstance(body, dict):
        raise invalid("the body must be a JSON object")
    return body


def require_text(body: dict[str, Any], name: str, *, optional: bool = False) -> str | None:
    """A non-empty string field of at most 64 characters."""
    value = body.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH:
        raise invalid(f"{name} must be a non-empty string of at most {MAX_ID_LENGTH} characters")
    return value


def require_amount(body: dict[str, Any], name: str = "amount") -> int:
    """A positive integer amount in fen (never a float, a string or a boolean)."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise invalid(f"{name} must be a positive integer in fen")
    return value
