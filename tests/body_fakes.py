"""Tiny fake card systems (over `responses`) that speak other bodies: a GBK XML gateway, a biz_content form one.

Each checks the signature of every request over the bytes it received, as the real ones do, written here
independently of Kabao's pipeline (hashlib, cryptography), so a body signed over other bytes is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any
from urllib.parse import parse_qsl

import xmltodict
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

GBK_KEY = "gbk-md5-key"
PAY_NOTE = "卡包储值卡支付"  # what Kabao sends in pay, in Chinese: it must arrive as GBK
CARD_TYPE = "礼品卡"  # what the system calls its cards, in Chinese: it must be read back from GBK
MEMO = "星巴克门店消费"


def md5_sign(fields: dict[str, Any], key: str, charset: str) -> str:
    """WeChat Pay v2: sorted non-empty fields k=v&…, then &key=KEY, MD5 of those bytes in the charset, upper case."""
    text = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "sign" and v not in (None, ""))
    return hashlib.md5(f"{text}&key={key}".encode(charset)).hexdigest().upper()


def _cdata(value: Any) -> str:
    return f"<![CDATA[{value}]]>" if isinstance(value, str) else str(value)


class GbkXmlGateway:
    """One URL; the operation in `service`; GBK XML both ways; requests and answers signed MD5 &key=."""

    def __init__(self, balance: int = 5000) -> None:
        self.balance = balance
        self.paid: dict[str, int] = {}
        self.received: list[dict[str, Any]] = []
        self.content_types: set[str] = set()
        self.answer_override: bytes | None = None  # send these bytes instead of a real answer

    def callback(self, request) -> tuple[int, dict[str, str], bytes]:
        self.content_types.add(request.headers["Content-Type"])
        fields = xmltodict.parse(request.body.decode("gbk"))["xml"]
        self.received.append(fields)
        if self.answer_override is not None:
            return 200, {"Content-Type": "text/xml; charset=GBK"}, self.answer_override
        if fields.get("sign") != md5_sign(fields, GBK_KEY, "gbk"):
            return self._answer({"return_code": "FAIL", "return_msg": "签名错误"})
        answer = getattr(self, "_" + fields["service"].replace(".", "_"))(fields)
        return self._answer({"return_code": "SUCCESS", "nonce_str": fields["nonce_str"], **answer})

    def _answer(self, fields: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        fields = {**fields, "sign": md5_sign(fields, GBK_KEY, "gbk")}
        inner = "".join(f"<{k}>{_cdata(v)}</{k}>" for k, v in fields.items())
        text = f'<?xml version="1.0" encoding="GBK"?><xml>{inner}</xml>'
        return 200, {"Content-Type": "text/xml; charset=GBK"}, text.encode("gbk")

    def _card(self, i: str = "") -> dict[str, Any]:
        return {
            f"card_ref{i}": "C1",
            f"card_no{i}": "****9012",
            f"card_type{i}": CARD_TYPE,
            f"balance{i}": self.balance,
        }

    def _card_bind(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {"result_code": "SUCCESS", **self._card()}

    def _card_list(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {"result_code": "SUCCESS", "card_count": 1, **self._card("_0")}

    def _card_history(self, fields: dict[str, Any]) -> dict[str, Any]:
        row = {"row_id_0": "R1", "kind_0": "PAY", "amount_0": -100, "time_0": "20261101120000", "memo_0": MEMO}
        return {"result_code": "SUCCESS", "row_count": 1, "total": 1, **row}

    def _card_pay(self, fields: dict[str, Any]) -> dict[str, Any]:
        amount = int(fields["total_fee"])
        if fields.get("body") != PAY_NOTE:
            return {"result_code": "FAIL", "err_code": "PARAM_ERROR"}
        if amount > self.balance:
            return {"result_code": "FAIL", "err_code": "NOTENOUGH"}
        if fields["out_trade_no"] not in self.paid:
            self.balance -= amount
            self.paid[fields["out_trade_no"]] = amount
        return {"result_code": "SUCCESS", "trade_state": "SUCCESS", "total_fee": amount}

    def _card_query(self, fields: dict[str, Any]) -> dict[str, Any]:
        amount = self.paid.get(fields["out_trade_no"])
        if amount is None:
            return {"result_code": "FAIL", "err_code": "ORDERNOTEXIST"}
        return {"result_code": "SUCCESS", "trade_state": "SUCCESS", "total_fee": amount}


GBK_XML_DIALECT: dict[str, Any] = {
    "encoding": "xml",
    "charset": "gbk",
    "signing": {
        "key_env": "KABAO_MERCHANT_GBK_KEY",
        "nonce": {"length": 32, "put": {"field": "nonce_str"}},
        "signed": {"source": "params", "append": "&key={key}"},
        "algorithm": "md5",
        "encoding": "hex_upper",
        "put": {"field": "sign"},
        "verify": {
            "signature": {"field": "sign"},
            "signed": {"source": "params", "append": "&key={key}"},
            "algorithm": "md5",
            "encoding": "hex_upper",
        },
    },
    "common": {"mch_id": "M1001"},
    "time_format": "%Y%m%d%H%M%S",
    "result": {
        "code": "return_code",
        "ok": ["SUCCESS"],
        "errors": {"FAIL": "UNAVAILABLE"},
        "business": {
            "code": "result_code",
            "ok": ["SUCCESS"],
            "error": "err_code",
            "errors": {"NOTENOUGH": "INSUFFICIENT_BALANCE", "ORDERNOTEXIST": "PAYMENT_NOT_FOUND"},
        },
    },
    "card": {
        "id": "card_ref",
        "last4": "card_no",
        "type": "card_type",
        "type_map": {CARD_TYPE: "gift"},
        "status": "'A'",
        "status_map": {"A": "ACTIVE"},
        "balance": "balance",
    },
    "transaction": {
        "id": "row_id",
        "kind": "kind",
        "kind_map": {"PAY": "PAYMENT"},
        "amount": "amount",
        "created_at": "time",
        "description": "memo",
    },
    "payment": {
        "status": "trade_state",
        "status_map": {"SUCCESS": "SUCCEEDED", "PAYERROR": "FAILED"},
        "amount": "total_fee",
    },
    "operations": {
        "bind": {"path": "/gateway", "params": {"service": "card.bind", "card_no": "{card_number}"}},
        "list_cards": {
            "path": "/gateway",
            "params": {"service": "card.list", "openid": "{user_id}"},
            "indexed": {"count": "card_count"},
        },
        "transactions": {
            "path": "/gateway",
            "params": {"service": "card.history", "card_ref": "{card_id}", "page": "{page}", "size": "{limit}"},
            "indexed": {"count": "row_count"},
            "paging": {"mechanism": "page_total", "total": "total"},
        },
        "pay": {
            "path": "/gateway",
            "params": {
                "service": "card.pay",
                "card_ref": "{card_id}",
                "out_trade_no": "{payment_id}",
                "total_fee": "{amount}",
                "body": PAY_NOTE,
            },
        },
        "payment_status": {"path": "/gateway", "params": {"service": "card.query", "out_trade_no": "{payment_id}"}},
    },
}


class BizContentGateway:
    """Alipay-style: form posts, our params as JSON in biz_content, RSA2 over the sorted final form."""

    def __init__(self, public_key) -> None:
        self.public_key = public_key
        self.received: list[dict[str, str]] = []

    def callback(self, request) -> tuple[int, dict[str, str], str]:
        form = dict(parse_qsl(request.body.decode()))
        self.received.append(form)
        signed = "&".join(f"{k}={v}" for k, v in sorted(form.items()) if k != "sign" and v)
        try:
            self.public_key.verify(base64.b64decode(form["sign"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256())
        except Exception:  # noqa: BLE001 - any bad signature is a refusal here
            return 200, {}, json.dumps({"response": {"code": "40002", "sub_code": "isv.invalid-signature"}})
        biz = json.loads(form["biz_content"])
        if request.url.endswith("/cards"):
            cards = [{"card_id": "C9", "card_no": "****4321", "balance": "50.00"}]
            return 200, {}, json.dumps({"response": {"code": "10000", "cards": cards, "user": biz["user_id"]}})
        return 200, {}, json.dumps({"response": {"code": "10000", "card": {"card_id": "C9", "card_no": "****4321"}}})


def biz_content_dialect(private_env: str) -> dict[str, Any]:
    return {
        "encoding": "form",
        "json_in_field": "biz_content",
        "amount_unit": "yuan",
        "common": {"app_id": "2021000100", "charset": "utf-8", "sign_type": "RSA2", "timestamp": "{now}"},
        "time_format": "%Y-%m-%d %H:%M:%S",
        "signing": {
            "private_key_env": private_env,
            "signed": {"source": "params"},
            "algorithm": "rsa_sha256",
            "encoding": "base64",
            "put": {"field": "sign"},
        },
        "data": "response",
        "result": {"code": "response.code", "ok": ["10000"], "error": "response.sub_code", "errors": {}},
        "card": {
            "id": "card_id",
            "last4": "card_no",
            "status": "'A'",
            "status_map": {"A": "ACTIVE"},
            "balance": "balance",
        },
        "operations": {
            "bind": {"path": "/bind", "params": {"user_id": "{user_id}", "card_no": "{card_number}"}, "answer": "card"},
            "list_cards": {"path": "/cards", "params": {"user_id": "{user_id}"}, "answer": "cards"},
        },
    }
