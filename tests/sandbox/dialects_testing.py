"""Clients of the legacy dialects, signing as docs/sandbox-dialects.md says (conftest is not importable)."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import datetime
from typing import Any

import requests
import xmltodict

from bff.adapters.raw_json import member
from sandbox.clock import CST
from sandbox.dialects.signing import (
    maple_signature,
    md5_key_sign,
    olive_sign,
    open_gateway_text,
    rsa2_sign,
    rsa2_verifies,
)
from sandbox.runner import RunningSandbox


def olive_timestamp() -> str:
    """Now as olive writes times: yyyyMMddHHmmss in Asia/Shanghai."""
    return datetime.now(CST).strftime("%Y%m%d%H%M%S")


class OliveClient:
    """Form posts to /legacy/{system}, signed with the sandbox's olive key unless told otherwise."""

    def __init__(self, sandbox: RunningSandbox, session: requests.Session, system: str = "olive") -> None:
        self.sandbox = sandbox
        self.session = session
        self.url = f"{sandbox.url}/legacy/{system}"

    def post(self, path: str, *, key: str | None = None, sign: str | None = None, **params: str) -> requests.Response:
        """Post the parameters with mch_no, timestamp and sign added (a given sign replaces the right one)."""
        form = {"mch_no": "kabao", "timestamp": olive_timestamp(), **params}
        form["sign"] = sign if sign is not None else olive_sign(form, key or self.sandbox.olive_sign_key)
        return self.session.post(self.url + path, data=form, timeout=30)

    def call(self, path: str, **params: str) -> dict[str, Any]:
        """A signed call's JSON answer (olive answers HTTP 200 whatever its code)."""
        response = self.post(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def ok(self, path: str, **params: str) -> dict[str, Any]:
        """A call that must answer 0000."""
        answer = self.call(path, **params)
        assert answer["ret_code"] == "0000", answer
        return answer

    def pay(self, card_id: str, out_trade_no: str, total_amt: str, member_id: str = "u1001", **extra: str) -> dict:
        """Pay with a card (u1001's unless member_id is given)."""
        params = {"member_id": member_id, "card_id": card_id, "out_trade_no": out_trade_no, "total_amt": total_amt}
        return self.call("/trade/pay", **params, **extra)

    def balance(self, card_id: str, member_id: str = "u1001") -> str:
        """A bound card's balance as olive writes it."""
        return self.ok("/card/query", member_id=member_id, card_id=card_id)["balance"]


class MapleClient:
    """Signed JSON calls to /openapi/{system}/v2."""

    def __init__(self, sandbox: RunningSandbox, session: requests.Session, system: str = "maple") -> None:
        self.sandbox = sandbox
        self.session = session
        self.url = f"{sandbox.url}/openapi/{system}/v2"

    def get(self, path: str, params: dict[str, Any] | None = None, **signing: Any) -> requests.Response:
        """A signed GET: the signature covers the path and query as sent."""
        prepared = self.session.prepare_request(requests.Request("GET", self.url + path, params=params))
        return self._send(prepared, prepared.path_url.encode(), **signing)

    def post(self, path: str, body: dict[str, Any], **signing: Any) -> requests.Response:
        """A signed POST of {"header": …, "body": body}: the signature covers the raw body."""
        raw = json.dumps({"header": {"appId": "kabao", "requestId": f"r{time.time_ns()}"}, "body": body}).encode()
        request = requests.Request("POST", self.url + path, data=raw, headers={"Content-Type": "application/json"})
        prepared = self.session.prepare_request(request)
        return self._send(prepared, raw, **signing)

    def _send(
        self,
        prepared: requests.PreparedRequest,
        payload: bytes,
        *,
        key: str | None = None,
        signature: str | None = None,
        timestamp: str | None = None,
        signed_payload: bytes | None = None,
        headers: bool = True,
    ) -> requests.Response:
        if headers:
            stamp = timestamp or str(time.time_ns() // 1_000_000)
            prepared.headers["X-Maple-Timestamp"] = stamp
            prepared.headers["X-Maple-Signature"] = signature or maple_signature(
                key or self.sandbox.maple_hmac_key, stamp, signed_payload if signed_payload is not None else payload
            )
        return self.session.send(prepared, timeout=30)

    def ok(self, response: requests.Response) -> dict[str, Any]:
        """The body of a SUCCESS answer."""
        answer = response.json()
        assert (response.status_code, answer["header"]["resultCode"]) == (200, "SUCCESS"), response.text
        return answer["body"]

    def pay(
        self, card_ref: str, payment_ref: str, value: int, customer: str = "u1001", **extra: Any
    ) -> requests.Response:
        """Pay with a card (u1001's unless customer is given)."""
        body = {
            "paymentRef": payment_ref,
            "customerRef": customer,
            "cardRef": card_ref,
            "orderRef": f"order-{payment_ref}",
            "amount": {"value": value, "currency": "CNY"},
            **extra,
        }
        return self.post("/payments", body)

    def balance(self, card_ref: str, customer: str = "u1001") -> int:
        """A bound card's available balance in fen."""
        card = self.ok(self.get(f"/customers/{customer}/cards/{card_ref}"))["card"]
        return card["account"]["available"]["value"]


class BirchClient:
    """JSON calls to /birch/{system} with the sandbox API key in X-Api-Key."""

    def __init__(self, sandbox: RunningSandbox, session: requests.Session, system: str = "birch") -> None:
        self.sandbox = sandbox
        self.session = session
        self.url = f"{sandbox.url}/birch/{system}"

    def call(self, method: str, path: str, body: Any = None, api_key: str | None = None) -> requests.Response:
        """Send a request with the right key unless another is given."""
        headers = {"X-Api-Key": self.sandbox.api_key if api_key is None else api_key}
        return self.session.request(method, self.url + path, json=body, headers=headers, timeout=30)

    def code(self, method: str, path: str, body: Any = None) -> str:
        """The code of an answer given with HTTP 200."""
        response = self.call(method, path, body)
        assert response.status_code == 200, response.text
        return response.json()["code"]

    def pay(self, card: str, ref: str, amount: int, user: str = "u1001", **extra: Any) -> requests.Response:
        """Pay with a card (u1001's unless user is given)."""
        body = {"ref": ref, "user": user, "card": card, "amount": amount, "order": f"order-{ref}", **extra}
        return self.call("POST", "/pay", body)

    def balances(self, user: str = "u1001") -> dict[str, int]:
        """The balances of a user's cards by card id."""
        answer = self.call("GET", f"/users/{user}/cards").json()
        assert answer["code"] == "OK", answer
        return {card["id"]: card["balance"] for card in answer["data"]["cards"]}


class GatewayXmlClient:
    """GBK XML posts to /xmlgw/{system}/gateway, MD5-signed over GBK bytes with the sandbox's cedar key."""

    def __init__(self, sandbox: RunningSandbox, session: requests.Session, system: str = "cedar") -> None:
        self.sandbox = sandbox
        self.session = session
        self.url = f"{sandbox.url}/xmlgw/{system}/gateway"

    def post(
        self, service: str, *, key: str | None = None, sign: str | None = None, **params: str
    ) -> requests.Response:
        """Post the service's fields with mch_id, nonce_str and sign added (a given sign replaces the right one)."""
        fields = {"service": service, "mch_id": "CDR1001", "nonce_str": uuid.uuid4().hex, **params}
        fields["sign"] = sign if sign is not None else md5_key_sign(fields, key or self.sandbox.cedar_key)
        return self.raw("<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</xml>")

    def raw(self, text: str, charset: str = "gbk") -> requests.Response:
        """Post a document as it is, in the charset."""
        headers = {"Content-Type": f"text/xml; charset={charset}"}
        return self.session.post(self.url, data=text.encode(charset), headers=headers, timeout=30)

    def call(self, service: str, **params: str) -> dict[str, str]:
        """A signed call's fields, after checking the answer's own sign."""
        return self.read(self.post(service, **params))

    def read(self, response: requests.Response) -> dict[str, str]:
        """An answer's fields (GBK XML), its sign checked over GBK bytes."""
        assert response.status_code == 200, response.text
        fields = xmltodict.parse(response.content.decode("gbk"))["xml"] or {}
        assert fields["sign"] == md5_key_sign(fields, self.sandbox.cedar_key), fields
        return fields

    def ok(self, service: str, **params: str) -> dict[str, str]:
        """A call that must succeed at both levels."""
        fields = self.call(service, **params)
        assert (fields["return_code"], fields.get("result_code")) == ("SUCCESS", "SUCCESS"), fields
        return fields


def pin_digest(card_number: str, pin: str) -> str:
    """How gateway_xml sends a password or PIN: MD5 of the card number then the PIN, upper-case hex."""
    return hashlib.md5(f"{card_number}{pin}".encode()).hexdigest().upper()  # noqa: S324 - their protocol


class OpenGatewayClient:
    """Form posts to /gateway/{system}/gateway.do, biz_content JSON, RSA2-signed with the merchant's key."""

    def __init__(self, sandbox: RunningSandbox, session: requests.Session, system: str = "willow") -> None:
        self.sandbox = sandbox
        self.session = session
        self.url = f"{sandbox.url}/gateway/{system}/gateway.do"
        self.private_key = sandbox.keys["KABAO_MERCHANT_WILLOW_PRIVATE_KEY"]
        self.platform_key = sandbox.keys["KABAO_MERCHANT_WILLOW_PLATFORM_PUBLIC_KEY"]

    def fields(self, method: str, biz: dict[str, Any], **common: str) -> dict[str, str]:
        """The signed form of a call (common fields given replace the right ones, before signing)."""
        form = {
            "app_id": "2021004100660088",
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(CST).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
            **common,
        }
        form["sign"] = rsa2_sign(open_gateway_text(form), self.private_key)
        return form

    def post(self, method: str, biz: dict[str, Any], **common: str) -> requests.Response:
        return self.session.post(self.url, data=self.fields(method, biz, **common), timeout=30)

    def read(self, response: requests.Response, method: str | None) -> dict[str, Any]:
        """The answer object named after the method, its sign checked over its exact text."""
        assert response.status_code == 200, response.text
        name = method.replace(".", "_") + "_response" if method else "error_response"
        raw = member(response.text, name)[1]
        assert rsa2_verifies(raw, response.json()["sign"], self.platform_key), response.text
        return json.loads(raw)

    def call(self, method: str, **biz: Any) -> dict[str, Any]:
        return self.read(self.post(method, biz), method)

    def ok(self, method: str, **biz: Any) -> dict[str, Any]:
        """A call that must answer 10000."""
        answer = self.call(method, **biz)
        assert answer["code"] == "10000", answer
        return answer


def sha256_digest(card_ref: str, pin: str) -> str:
    """How open_gateway sends a password or PIN: hex SHA-256 of the card named in the call, then the PIN."""
    return hashlib.sha256(f"{card_ref}{pin}".encode()).hexdigest()
