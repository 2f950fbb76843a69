"""Signed server-to-server calls from the host app to the Kabao BFF (docs/host-app-contract.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests

TIMESTAMP_HEADER = "X-Kabao-Timestamp"
SIGNATURE_HEADER = "X-Kabao-Signature"
DEFAULT_TIMEOUT = (3.05, 10.0)  # (connect, read) seconds


def sign(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    """Hex HMAC-SHA256(secret, "{timestamp}.{METHOD}.{path}.{body}") over the exact body bytes."""
    message = f"{timestamp}.{method.upper()}.{path}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, method: str, path: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The two headers that sign a request; path includes the query string, body is b"" for GET."""
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, method, path, body)}


class BffError(Exception):
    """A signed call that did not give the answer asked for."""


class BffUnavailable(BffError):
    """Kabao did not answer, failed (5xx) or answered something that is not the contract."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason  # "unreachable", "server_error" or "unreadable"
        self.detail = detail


class BffRefused(BffError):
    """Kabao answered with a 4xx and (usually) an error code such as REFUND_EXCEEDED."""

    def __init__(self, status: int, code: str | None) -> None:
        super().__init__(f"HTTP {status} {code or ''}".strip())
        self.status = status
        self.code = code


@dataclass(frozen=True)
class RemoteOrder:
    """An order as Kabao's status query answers it (amounts in fen)."""

    order_id: str
    status: str
    amount: int
    paid_by_cards: int
    remainder: int
    refunded: int


@dataclass(frozen=True)
class RefundLeg:
    """The part of a refund given back to one card."""

    last4: str
    amount: int
    status: str | None = None  # not in the contract; shown when Kabao adds it


@dataclass(frozen=True)
class RemoteRefund:
    """A refund as Kabao answers it."""

    refund_id: str
    amount: int
    status: str
    legs: tuple[RefundLeg, ...]


class HostApi:
    """The host app's signed client of the BFF's server-to-server API."""

    def __init__(
        self,
        bff_url: str,
        secret: str,
        session: requests.Session,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        self.bff_url = bff_url.rstrip("/")
        self.secret = secret
        self.session = session
        self.timeout = timeout

    def order_status(self, merchant_id: str, order_id: str) -> RemoteOrder:
        """GET /api/v1/orders/{merchant_id}/{order_id}."""
        path = f"/api/v1/orders/{quote(merchant_id, safe='')}/{quote(order_id, safe='')}"
        order = self._call("GET", path, None, "order")
        try:
            fields = {key: order[key] for key in ("order_id", "status")}
            numbers = {key: order[key] for key in ("amount", "paid_by_cards", "remainder", "refunded")}
        except (KeyError, TypeError):
            raise BffUnavailable("unreadable", "the order lacks a field of the contract") from None
        texts_ok = all(isinstance(value, str) and value for value in fields.values())
        if not texts_ok or not all(map(_is_fen, numbers.values())):
            raise BffUnavailable("unreadable", "the order's fields have the wrong types")
        return RemoteOrder(**fields, **numbers)

    def refund(self, merchant_id: str, order_id: str, refund_id: str, amount: int) -> RemoteRefund:
        """POST /api/v1/refunds; idempotent on refund_id."""
        payload = {"merchant_id": merchant_id, "order_id": order_id, "refund_id": refund_id, "amount": amount}
        refund = self._call("POST", "/api/v1/refunds", payload, "refund")
        try:
            legs = tuple(
                RefundLeg(str(leg["last4"]), leg["amount"], _text_or_none(leg.get("status"))) for leg in refund["legs"]
            )
            answer = RemoteRefund(str(refund["refund_id"]), refund["amount"], str(refund["status"]), legs)
        except (KeyError, TypeError, AttributeError):
            raise BffUnavailable("unreadable", "the refund lacks a field of the contract") from None
        if not _is_fen(answer.amount) or not all(_is_fen(leg.amount) for leg in legs):
            raise BffUnavailable("unreadable", "the refund's amounts are not whole fen")
        return answer

    def _call(self, method: str, path: str, payload: dict[str, Any] | None, key: str) -> dict[str, Any]:
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        request = requests.Request(method, self.bff_url + path, data=body or None)
        if payload is not None:
            request.headers["Content-Type"] = "application/json"
        prepared = self.session.prepare_request(request)
        # sign what goes on the wire: the prepared path (with any query) and the exact body bytes
        prepared.headers.update(signed_headers(self.secret, method, prepared.path_url, body))
        try:
            response = self.session.send(prepared, timeout=self.timeout, allow_redirects=False)
        except requests.RequestException as error:
            raise BffUnavailable("unreachable", type(error).__name__) from None
        if response.status_code >= 500:
            raise BffUnavailable("server_error", f"HTTP {response.status_code}")
        if 400 <= response.status_code < 500:
            raise BffRefused(response.status_code, _error_code(response))
        if not 200 <= response.status_code < 300:
            raise BffUnavailable("unreadable", f"HTTP {response.status_code}")
        try:
            answer = response.json()
        except ValueError:
            raise BffUnavailable("unreadable", "the answer is not JSON") from None
        inner = answer.get(key) if isinstance(answer, dict) else None
        if not isinstance(inner, dict) or answer.get("result") != "OK":
            raise BffUnavailable("unreadable", f'no "result": "OK" with "{key}"')
        return inner


def _is_fen(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _error_code(response: requests.Response) -> str | None:
    """The code of an error answer: {"error": {"code"}}, {"error": "CODE"} or {"code"}."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else error
    if code is None:
        code = body.get("code")
    return code if isinstance(code, str) else None
