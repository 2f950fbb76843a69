"""The adapter for card systems that speak the Kabao standard card API (docs/)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from bff.adapters.http import HttpAdapter, HttpClient
from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.models import (
    BindRequest,
    Card,
    CardStatus,
    Payment,
    PaymentStatus,
    PayRequest,
    SmsSent,
    Transaction,
    TransactionPage,
    TxnKind,
)
from bff.merchants.model import STANDARD_OPTIONAL

log = logging.getLogger(__name__)


def _seg(value: str) -> str:
    return quote(value, safe="")


class StandardAdapter(HttpAdapter):
    """Speaks the standard card API over HTTP; answers domain objects or raises domain errors."""

    def __init__(self, client: HttpClient, optional: frozenset[str] | set[str] = frozenset()) -> None:
        """optional: the optional operations of the standard API this card system offers (config says)."""
        super().__init__(client)
        self.optional = frozenset(optional)

    def supports(self, operation: str) -> bool:
        return operation not in STANDARD_OPTIONAL or operation in self.optional

    def _call(self, op: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        _, body = self.client.request(op, method, path, **kwargs)
        result = body.get("result") if isinstance(body, dict) else None
        if result == "OK":
            return body
        if result != "ERROR":
            log.warning("%s %s: answer without a known result: %r", self.client.name, op, result)
            raise CardSystemUnavailable(f"{op}: answer without a known result")
        raw_code = (body.get("error") or {}).get("code")
        try:
            code = ErrorCode(raw_code)
        except ValueError:
            log.warning("%s %s: unknown error code %r", self.client.name, op, raw_code)
            raise CardSystemUnavailable(f"{op}: unknown error code") from None
        if code is ErrorCode.UNAVAILABLE:
            raise CardSystemUnavailable(f"{op}: card system says unavailable")
        raise CardSystemError(code)

    def bind(self, request: BindRequest) -> Card:
        payload = {"user_id": request.user_id, "card_number": request.card_number}
        if request.secret is not None:
            payload["secret"] = request.secret
        if request.sms_code is not None:
            payload["sms_code"] = request.sms_code
        body = self._call("bind", "POST", "/bindings", json=payload)
        return self._parse("bind", lambda b: parse_card(b["card"]), body)

    def list_cards(self, user_id: str) -> list[Card]:
        body = self._call("list_cards", "GET", f"/users/{_seg(user_id)}/cards")
        return self._parse("list_cards", lambda b: [parse_card(c) for c in b["cards"]], body)

    def card_detail(self, user_id: str, card_id: str) -> Card:
        path = f"/users/{_seg(user_id)}/cards/{_seg(card_id)}"
        card = self._parse("card_detail", lambda b: parse_card(b["card"]), self._call("card_detail", "GET", path))
        if card.card_id != card_id or card.balance is None:
            raise CardSystemUnavailable("card_detail: answer for another card or without balance")
        return card

    def transactions(self, user_id: str, card_id: str, cursor: str | None, limit: int) -> TransactionPage:
        path = f"/users/{_seg(user_id)}/cards/{_seg(card_id)}/transactions"
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        body = self._call("transactions", "GET", path, params=params)
        return self._parse("transactions", parse_transaction_page, body)

    def unbind(self, user_id: str, card_id: str) -> None:
        self._call("unbind", "DELETE", f"/users/{_seg(user_id)}/cards/{_seg(card_id)}")

    def report_lost(self, user_id: str, card_id: str, secret: str) -> None:
        path = f"/users/{_seg(user_id)}/cards/{_seg(card_id)}/loss-report"
        body = self._call("report_lost", "POST", path, json={"secret": secret})
        card = self._parse("report_lost", lambda b: parse_card(b["card"]), body)
        if card.card_id != card_id or card.status is not CardStatus.FROZEN:
            raise CardSystemUnavailable("report_lost: answer for another card or not frozen")

    def send_sms_code(self, user_id: str, card_number: str) -> SmsSent:
        body = self._call("sms", "POST", "/sms-codes", json={"user_id": user_id, "card_number": card_number})
        return SmsSent.to(body.get("masked_phone"))

    def pay(self, request: PayRequest) -> Payment:
        payload = request.fields()
        try:
            body = self._call("pay", "POST", "/payments", json=payload)
        except CardSystemError as exc:
            if exc.code in DEFINITIVE_DECLINES:
                return Payment(request.payment_id, PaymentStatus.FAILED, request.amount, error_code=exc.code.value)
            raise CardSystemUnavailable(f"pay: {exc.code}, outcome unknown") from None
        payment = self._parse("pay", lambda b: parse_payment(b["payment"]), body)
        if payment.payment_id != request.payment_id or payment.amount != request.amount:
            raise CardSystemUnavailable("pay: answer for another payment")
        return payment

    def payment_status(self, payment_id: str) -> Payment | None:
        try:
            body = self._call("payment_status", "GET", f"/payments/{_seg(payment_id)}")
        except CardSystemError as exc:
            if exc.code is ErrorCode.PAYMENT_NOT_FOUND:
                return None
            raise CardSystemUnavailable(f"payment_status: {exc.code}") from None
        return self._parse("payment_status", lambda b: parse_payment(b["payment"]), body)

    def reverse(self, payment_id: str) -> Payment:
        body = self._call("reverse", "POST", f"/payments/{_seg(payment_id)}/reversal", json={})
        return self._parse("reverse", lambda b: parse_payment(b["payment"]), body)

    def refund(self, payment_id: str, refund_id: str, amount: int) -> Payment:
        path = f"/payments/{_seg(payment_id)}/refunds"
        body = self._call("refund", "POST", path, json={"refund_id": refund_id, "amount": amount})
        return self._parse("refund", lambda b: parse_payment(b["payment"]), body)


# Answers to a pay that mean the card system did not and will not charge this payment id.
DEFINITIVE_DECLINES = frozenset(
    {
        ErrorCode.INSUFFICIENT_BALANCE,
        ErrorCode.WRONG_SECRET,
        ErrorCode.SECRET_LOCKED,
        ErrorCode.CARD_FROZEN,
        ErrorCode.CARD_EXPIRED,
        ErrorCode.CARD_NOT_FOUND,
        ErrorCode.LIMIT_EXCEEDED,
        ErrorCode.INVALID_REQUEST,
    }
)


def parse_payment(data: dict[str, Any]) -> Payment:
    return Payment(
        payment_id=str(data["payment_id"]),
        status=PaymentStatus(data["status"]),
        amount=_fen(data["amount"]),
        refunded_amount=_fen(data.get("refunded_amount") or 0),
        error_code=data.get("error_code"),
    )


REGISTRATIONS = ("named", "anonymous")  # anything else: the card system didn't say, config does


def parse_card(data: dict[str, Any]) -> Card:
    balance = data.get("balance")
    if balance is not None and (not isinstance(balance, int) or isinstance(balance, bool)):
        raise ValueError("balance is not an integer in fen")
    expires = data.get("expires_on")
    last4 = str(data["last4"])
    if not (1 <= len(last4) <= 4):
        raise ValueError("last4 is not at most four characters")
    return Card(
        card_id=str(data["card_id"]),
        last4=last4,
        card_type=str(data.get("card_type") or "default"),
        status=CardStatus(data["status"]),
        currency=str(data.get("currency") or "CNY"),
        expires_on=date.fromisoformat(expires) if expires else None,
        balance=balance,
        registration=data.get("registration") if data.get("registration") in REGISTRATIONS else None,
    )


def _fen(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("amount is not an integer in fen")
    return value


def _optional_text(value: Any) -> str | None:
    """An optional text field: None when absent or empty; a non-string is a malformed answer."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("a text field is not a string")
    return value


def _descriptions(value: Any) -> tuple[tuple[str, str], ...]:
    """The description in more languages ({locale: text}), empty texts left out."""
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError("descriptions is not an object of texts by locale")
    return tuple((str(k), v) for k, v in value.items() if v)


def parse_transaction_page(body: dict[str, Any]) -> TransactionPage:
    txns = tuple(
        Transaction(
            txn_id=str(t["txn_id"]),
            kind=TxnKind(t["kind"]),
            amount=_fen(t["amount"]),
            balance_after=None if t.get("balance_after") is None else _fen(t["balance_after"]),
            created_at=datetime.fromisoformat(t["created_at"]),
            description=str(t.get("description") or ""),
            payment_id=t.get("payment_id"),
            store=_optional_text(t.get("store")),
            order_id=_optional_text(t.get("order_id")),
            descriptions=_descriptions(t.get("descriptions")),
        )
        for t in body["transactions"]
    )
    cursor = body.get("next_cursor")
    return TransactionPage(txns, str(cursor) if cursor else None)
