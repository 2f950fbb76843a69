"""The mapping language: how a merchant's own card API is described in config (docs/mapping.md)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from bff.merchants.base import Model
from bff.merchants.dialect_answers import Expr, IndexedList, RefundFields, Result
from bff.merchants.dialect_paging import Paging, paging_problem
from bff.merchants.dialect_requests import (
    PLACEHOLDERS,
    Gateway,
    check_card_numbers,
    check_derived_card_ids,
    check_headers,
    check_templates,
    check_transport,
    signed_headers,
    template_names,
)
from bff.merchants.dialect_signing import Signing, WireSecret
from bff.merchants.dialect_templates import is_template
from bff.merchants.dialect_undo import GiveBack, Undo, give_back_by

OPERATIONS = (
    "bind",
    "list_cards",
    "card_detail",
    "transactions",
    "unbind",
    "report_lost",
    "sms",
    "pay",
    "payment_status",
    "reverse",
    "refund",
)
XML_NAME = re.compile(r"[A-Za-z_][\w.-]*")
Path = Expr  # a JMESPath expression; plain dotted paths are ones


class Operation(Model):
    method: Literal["GET", "POST", "PUT", "DELETE"] = "POST"
    path: str | None = Field(
        None, pattern=r"^/", description="Path template, e.g. /customers/{user_id}/cards (not with a gateway)"
    )
    name: str | None = Field(None, min_length=1, description="With a gateway: the operation's name, e.g. card.pay")
    params: dict[str, Any] = Field(default_factory=dict, description="Their field name: template of our value")
    headers: dict[str, Any] = Field(default_factory=dict, description="Extra headers of this operation's requests")
    answer: Path = Field("", description="Where this operation's object or list sits in the answer data")
    indexed: IndexedList | None = Field(None, description="The list is flat numbered fields of the answer object")
    paging: Paging | None = Field(None, description="transactions: how the history pages (docs/mapping.md)")
    masked_phone: Path | None = Field(None, description="sms: where the masked phone number the code went to is")

    @model_validator(mode="before")
    @classmethod
    def _old_paging(cls, value: Any) -> Any:
        if isinstance(value, dict) and ("next" in value or "total" in value):
            raise ValueError(
                "next/total moved into paging: {mechanism: token, next: …} or {mechanism: page_total, total: …}"
            )
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        if is_template(value):
            raise ValueError("a path takes {placeholder}s only, not {{ expressions }}")
        return check_templates(value)

    @field_validator("params")
    @classmethod
    def _templates(cls, value: Any) -> Any:
        return check_templates(value)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_headers(value)

    def request_names(self) -> set[str]:
        """The values this operation's path, params and headers read."""
        return template_names(self.path or "") | template_names(self.params) | template_names(self.headers)


class CardFields(Model):
    id: Path | None = Field(None, description="Where the card's id is; leave out to derive it (id_from_number)")
    id_from_number: Path | None = Field(
        None, description="No card id: where the full card number is; the id is a keyed hash of it, never the number"
    )
    number: Path | None = Field(
        None, description="With id: where the full number is, read only to fill {card_number}; never shown or kept"
    )
    last4: Path = Field(..., description="Any string ending in the card number's last four characters")
    type: Path | None = None
    type_map: dict[str, str] = Field(default_factory=dict)
    status: Path
    status_map: dict[str, Literal["ACTIVE", "FROZEN", "EXPIRED"]]
    balance: Path | None = None
    expires_on: Path | None = None
    registration: Path | None = Field(None, description="Where a card says if it is named (记名); registration_map")
    registration_map: dict[str, Literal["named", "anonymous"]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _identity(self) -> CardFields:
        if (self.id is None) == (self.id_from_number is None):
            raise ValueError("say the card's id (id) or where its number is to derive one (id_from_number), not both")
        if self.number is not None and self.id_from_number is not None:
            raise ValueError("number is for cards with an id; id_from_number already says where the number is")
        return self

    def number_at(self) -> Path | None:
        """Where the full card number is in a card answer, if the dialect says."""
        return self.id_from_number or self.number


class TransactionFields(Model):
    id: Path | None = Field(None, description="Where the row's id is; leave out to derive it (id_from)")
    id_from: list[Path] = Field(
        default_factory=list, description="No row id: the fields whose values, hashed, make a stable id"
    )
    kind: Path
    kind_map: dict[str, Literal["TOPUP", "PAYMENT", "REVERSAL", "REFUND", "ADJUSTMENT"]]
    amount: Path
    amount_signed: bool = Field(True, description="False: amounts are unsigned and payments take money out")
    balance_after: Path | None = None
    created_at: Path
    description: Path | None = None
    payment_id: Path | None = None

    @model_validator(mode="after")
    def _identity(self) -> TransactionFields:
        if (self.id is None) == (not self.id_from):
            raise ValueError("say the row's id (id) or the fields to derive one from (id_from), not both")
        return self


class PaymentFields(Model):
    id: Path | None = Field(
        None, description="Where an answer echoes our payment id (out_trade_no); an answer naming another is unknown"
    )
    status: Path
    status_map: dict[str, Literal["PROCESSING", "SUCCEEDED", "FAILED", "REVERSED"]]
    amount: Path | None = None
    refunded: Path | None = None


class Dialect(Model):
    """A merchant card API that isn't the standard one, described well enough to speak it."""

    encoding: Literal["form", "json", "xml"] = Field("json", description="How request bodies are written")
    charset: Literal["utf-8", "gbk", "gb18030"] = Field("utf-8", description="Of request bodies and answers")
    xml_root: str = Field("xml", pattern=r"^[A-Za-z_][\w.-]*$", description="xml: the root element's name")
    json_in_field: str | None = Field(
        None, min_length=1, description="form: the operation's params go as one JSON string in this field"
    )
    gateway: Gateway | None = Field(None, description="One URL for all; each operation's name goes in a field")
    common: dict[str, Any] = Field(default_factory=dict, description="Parameters every request carries")
    headers: dict[str, Any] = Field(default_factory=dict, description="Headers every request carries (templates)")
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
    refund: RefundFields | None = Field(None, description="Where a refund answer says how the refund stands")
    undo: Undo | None = Field(None, description="How a paid leg is given back; default reverse, else refund")
    operations: dict[Literal[OPERATIONS], Operation]  # type: ignore[valid-type]

    @field_validator("common")
    @classmethod
    def _common(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_templates(value)

    @field_validator("headers")
    @classmethod
    def _headers(cls, value: dict[str, Any]) -> dict[str, Any]:
        return check_headers(value)

    @model_validator(mode="after")
    def _headers_not_signed(self) -> Dialect:
        signed = signed_headers(self)
        named = {"headers": self.headers} | {f"operations.{n}.headers": op.headers for n, op in self.operations.items()}
        for where, headers in named.items():
            clash = sorted(h for h in headers if h.lower() in signed)
            if clash:
                raise ValueError(f"{where}.{clash[0]}: the signing pipeline writes this header")
        return self

    @field_validator("envelope")
    @classmethod
    def _envelope(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and "{params}" not in str(value):
            raise ValueError('an envelope must say where the parameters go with "{params}"')
        return check_templates(value, PLACEHOLDERS | {"params"})

    @field_validator("json_in_field")
    @classmethod
    def _json_in_field(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("encoding") != "form":
            raise ValueError("json_in_field puts JSON inside a form field: it needs encoding: form")
        return value

    @field_validator("xml_root")
    @classmethod
    def _xml_root(cls, value: str, info: ValidationInfo) -> str:
        if value != "xml" and info.data.get("encoding") != "xml":
            raise ValueError("xml_root is for encoding: xml")
        return value

    @model_validator(mode="after")
    def _xml_names(self) -> Dialect:
        if self.encoding == "xml":
            named = {"common": self.common, "envelope": self.envelope or {}}
            named |= {"gateway.field": {self.gateway.field: ""}} if self.gateway else {}
            named |= {f"operations.{name}.params": op.params for name, op in self.operations.items()}
            for where, params in named.items():
                bad = _bad_xml_name(params)
                if bad is not None:
                    raise ValueError(f"{where}: {bad!r} can't be an XML element name")
        return self

    @model_validator(mode="after")
    def _transport(self) -> Dialect:
        for name, op in self.operations.items():
            check_transport(self, name, op)
        return self

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
        if self.refund is not None and "refund" not in ops:
            raise ValueError("refund: the refund field map needs the refund operation")
        if "pay" in ops and "payment_status" not in ops:
            raise ValueError("pay without payment_status: an unknown outcome could never be confirmed")
        for name, op in ops.items():
            if op.paging is not None and name != "transactions":
                raise ValueError(f"operations.{name}: only transactions pages")
            if op.indexed is not None and name not in ("list_cards", "transactions"):
                raise ValueError(f"operations.{name}: only list_cards and transactions answer lists (indexed)")
        if "transactions" in ops:
            history = ops["transactions"]
            problem = paging_problem(history.paging, " ".join(f"{{{n}}}" for n in history.request_names()))
            if problem:
                raise ValueError(f"operations.transactions: {problem}")
        if self.card.id_from_number is not None:
            check_derived_card_ids(self)
        check_card_numbers(self)
        if "report_lost" in ops and "secret" not in ops["report_lost"].request_names():
            raise ValueError("operations.report_lost must send the card's PIN ({secret}): shoppers confirm with it")
        missing = self.undo.needs() - set(ops) if self.undo else set()
        if missing:
            raise ValueError(f"undo by {self.undo.by} needs the {' and '.join(sorted(missing))} operation")
        return self

    def give_back_by(self, age_seconds: float | None) -> GiveBack | None:
        """How a leg paid age_seconds ago is given back; None when the system can neither reverse nor refund."""
        return give_back_by(self.undo, self.operations, age_seconds)

    def has(self, operation: str) -> bool:
        return operation in self.operations


def _bad_xml_name(value: Any) -> str | None:
    """The first key of a (nested) mapping that isn't a plain XML element name."""
    if isinstance(value, list):
        return next((bad for item in value if (bad := _bad_xml_name(item)) is not None), None)
    if not isinstance(value, dict):
        return None
    for name, item in value.items():
        if not isinstance(name, str) or not XML_NAME.fullmatch(name):
            return str(name)
        bad = _bad_xml_name(item)
        if bad is not None:
            return bad
    return None
