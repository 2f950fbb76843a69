"""The mapping language: how a merchant's own card API is described in config (docs/mapping.md)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from bff.cards.errors import ErrorCode
from bff.merchants.base import Model
from bff.merchants.dialect_signing import Signing, WireSecret

OPERATIONS = (
    "bind",
    "list_cards",
    "card_detail",
    "transactions",
    "unbind",
    "sms",
    "pay",
    "payment_status",
    "reverse",
    "refund",
)
PLACEHOLDERS = {
    "user_id",
    "card_id",
    "card_number",
    "secret",
    "sms_code",
    "payment_id",
    "order_id",
    "amount",
    "currency",
    "refund_id",
    "limit",
    "page",
    "cursor",
    "now",
    "uuid",
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
Path = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.]*$", description="Dotted path into the answer; '' is the root")]


def _check_templates(value: Any, known: frozenset[str] | set[str] = PLACEHOLDERS) -> Any:
    """Every {placeholder} in a request template must be one the adapter knows."""
    if isinstance(value, str):
        unknown = set(PLACEHOLDER.findall(value)) - known
        if unknown:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; known: {', '.join(sorted(PLACEHOLDERS))}")
    elif isinstance(value, dict):
        for item in value.values():
            _check_templates(item, known)
    elif isinstance(value, list):
        for item in value:
            _check_templates(item, known)
    return value


class Operation(Model):
    method: Literal["GET", "POST", "PUT", "DELETE"] = "POST"
    path: str = Field(..., pattern=r"^/", description="Path template, e.g. /customers/{user_id}/cards")
    params: dict[str, Any] = Field(default_factory=dict, description="Their field name: template of our value")
    answer: Path = Field("", description="Where this operation's object or list sits in the answer data")
    next: Path | None = Field(None, description="transactions: where the next page token is (token paging)")
    total: Path | None = Field(None, description="transactions: where the total count is (page paging)")
    masked_phone: Path | None = Field(None, description="sms: where the masked phone number the code went to is")

    @field_validator("path", "params")
    @classmethod
    def _templates(cls, value: Any) -> Any:
        return _check_templates(value)


class Result(Model):
    code: Path = Field(..., description="Where the answer's result code is")
    ok: list[str] = Field(..., min_length=1, description="Codes that mean success")
    errors: dict[str, ErrorCode] = Field(default_factory=dict, description="Their code: our error code")


class CardFields(Model):
    id: Path
    last4: Path = Field(..., description="Any string ending in the card number's last four characters")
    type: Path | None = None
    type_map: dict[str, str] = Field(default_factory=dict)
    status: Path
    status_map: dict[str, Literal["ACTIVE", "FROZEN", "EXPIRED"]]
    balance: Path | None = None
    expires_on: Path | None = None


class TransactionFields(Model):
    id: Path
    kind: Path
    kind_map: dict[str, Literal["TOPUP", "PAYMENT", "REVERSAL", "REFUND", "ADJUSTMENT"]]
    amount: Path
    amount_signed: bool = Field(True, description="False: amounts are unsigned and payments take money out")
    balance_after: Path | None = None
    created_at: Path
    description: Path | None = None
    payment_id: Path | None = None


class PaymentFields(Model):
    status: Path
    status_map: dict[str, Literal["PROCESSING", "SUCCEEDED", "FAILED", "REVERSED"]]
    amount: Path | None = None
    refunded: Path | None = None


class Dialect(Model):
    """A merchant card API that isn't the standard one, described well enough to speak it."""

    encoding: Literal["form", "json"] = "json"
    common: dict[str, Any] = Field(default_factory=dict, description="Parameters every request carries")
    envelope: dict[str, Any] | None = Field(None, description='Request wrapper; "{params}" marks where they go')
    data: Path = Field("", description="Where every answer's data sits")
    amount_unit: Literal["fen", "yuan"] = "fen"
    amount_wrapper: str | None = Field(None, description="Amounts come as {<wrapper>: n}, e.g. value")
    time_format: str = Field("iso", description="iso, epoch_ms, or a strftime pattern")
    date_format: str = Field("iso", description="iso or a strftime pattern")
    timezone: str = Field("Asia/Shanghai", description="Zone of times written without an offset")
    signing: Signing | None = Field(None, description="How requests are signed and answers verified")
    wire_secret: WireSecret | None = Field(None, description="How the card password / PIN travels")
    result: Result
    card: CardFields
    transaction: TransactionFields | None = None
    payment: PaymentFields | None = None
    operations: dict[Literal[OPERATIONS], Operation]  # type: ignore[valid-type]

    @field_validator("common")
    @classmethod
    def _common(cls, value: dict[str, Any]) -> dict[str, Any]:
        return _check_templates(value)

    @field_validator("envelope")
    @classmethod
    def _envelope(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and "{params}" not in str(value):
            raise ValueError('an envelope must say where the parameters go with "{params}"')
        return _check_templates(value, PLACEHOLDERS | {"params"})

    @model_validator(mode="after")
    def _complete(self) -> Dialect:
        ops = self.operations
        if "list_cards" not in ops:
            raise ValueError("operations: list_cards is required (the wallet lists cards)")
        if "card_detail" not in ops and self.card.balance is None:
            raise ValueError("without card_detail, card.balance must come with the card list")
        if "transactions" in ops and self.transaction is None:
            raise ValueError("transactions needs the transaction field map")
        if {"pay", "payment_status", "reverse", "refund"} & set(ops) and self.payment is None:
            raise ValueError("payment operations need the payment field map")
        if "pay" in ops and "payment_status" not in ops:
            raise ValueError("pay without payment_status: an unknown outcome could never be confirmed")
        return self

    def has(self, operation: str) -> bool:
        return operation in self.operations
