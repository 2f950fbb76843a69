"""Domain types for cards and their transactions."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, datetime


class CardStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"
    EXPIRED = "EXPIRED"


class TxnKind(enum.StrEnum):
    TOPUP = "TOPUP"
    PAYMENT = "PAYMENT"
    REVERSAL = "REVERSAL"
    REFUND = "REFUND"
    ADJUSTMENT = "ADJUSTMENT"


@dataclass(frozen=True)
class Card:
    """A card bound to a shopper; balance is None when the card system did not give one."""

    card_id: str
    last4: str
    card_type: str
    status: CardStatus
    currency: str
    expires_on: date | None
    balance: int | None = None
    registration: str | None = None  # "named" (记名) or "anonymous" (不记名) when the card system says

    @property
    def usable(self) -> bool:
        return self.status is CardStatus.ACTIVE

    def plain(self) -> dict:
        """The card as JSON-ready values (for what a store keeps sealed: a snapshot, a short cache)."""
        return {
            "card_id": self.card_id,
            "last4": self.last4,
            "card_type": self.card_type,
            "status": self.status.value,
            "currency": self.currency,
            "expires_on": self.expires_on.isoformat() if self.expires_on else None,
            "balance": self.balance,
            "registration": self.registration,
        }

    @classmethod
    def from_plain(cls, item: dict) -> Card:
        """The card from what plain() gave."""
        return cls(
            card_id=item["card_id"],
            last4=item["last4"],
            card_type=item["card_type"],
            status=CardStatus(item["status"]),
            currency=item["currency"],
            expires_on=date.fromisoformat(item["expires_on"]) if item["expires_on"] else None,
            balance=item["balance"],
            registration=item.get("registration"),
        )


@dataclass(frozen=True)
class Transaction:
    """One movement of money on a card; amount is signed fen (negative leaves the card)."""

    txn_id: str
    kind: TxnKind
    amount: int
    balance_after: int | None
    created_at: datetime
    description: str
    payment_id: str | None = None
    store: str | None = None
    order_id: str | None = None
    descriptions: tuple[tuple[str, str], ...] = ()  # (locale, text) where the card system gives more languages

    def description_in(self, locale: str) -> str:
        """The description in the shopper's language when the card system gives it, else its own."""
        return dict(self.descriptions).get(locale) or self.description


@dataclass(frozen=True)
class TransactionPage:
    transactions: tuple[Transaction, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class BindRequest:
    """What the shopper typed to bind a card; secret and sms_code are never logged."""

    user_id: str
    card_number: str
    secret: str | None = None
    sms_code: str | None = None

    def __repr__(self) -> str:
        return f"BindRequest(user_id={self.user_id!r}, card=…{self.card_number[-4:]})"


PHONE_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class SmsSent:
    """A code was sent; masked_phone is where it went, when the card system says."""

    masked_phone: str | None = None

    @classmethod
    def to(cls, phone: object) -> SmsSent:
        """From the card system's answer: shown only masked (a full number is masked here), never over 32 characters."""
        if not isinstance(phone, str) or not phone.strip() or len(phone) > 32:
            return cls()
        phone = phone.strip()
        if "*" not in phone:
            digits = PHONE_DIGITS.findall(phone)
            if len(digits) < 7:
                return cls()
            phone = "".join(digits[:3]) + "****" + "".join(digits[-4:])
        return cls(phone)


class PaymentStatus(enum.StrEnum):
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"


@dataclass(frozen=True)
class Payment:
    """What the card system says about one payment id."""

    payment_id: str
    status: PaymentStatus
    amount: int
    refunded_amount: int = 0
    error_code: str | None = None


@dataclass(frozen=True)
class PayRequest:
    """One card's share of a checkout; payment_id is the idempotency key. The PIN is never logged."""

    payment_id: str
    user_id: str
    card_id: str
    order_id: str
    amount: int
    currency: str
    secret: str | None = None

    def __repr__(self) -> str:
        return f"PayRequest(payment_id={self.payment_id!r}, card_id={self.card_id!r}, amount={self.amount})"

    def fields(self) -> dict[str, str | int]:
        """What a card system is sent, by name; the secret only when there is one."""
        named = {
            "payment_id": self.payment_id,
            "user_id": self.user_id,
            "card_id": self.card_id,
            "order_id": self.order_id,
            "amount": self.amount,
            "currency": self.currency,
        }
        return named if self.secret is None else {**named, "secret": self.secret}
