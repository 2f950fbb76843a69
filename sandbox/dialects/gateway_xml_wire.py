"""The gateway_xml dialect's wire: GBK XML requests read safely, flat answers MD5-signed, two result levels."""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any
from xml.sax.saxutils import escape

from defusedxml import ElementTree
from flask import Response, request
from werkzeug.exceptions import HTTPException

from sandbox.context import current
from sandbox.dialects.signing import md5_key_sign
from sandbox.errors import invalid

CHARSET = "gbk"
KEY_NAME = "KABAO_MERCHANT_CEDAR_KEY"
DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")

ERR_CODES = {
    "CARD_NOT_FOUND": "CARD_NOT_EXIST",
    "WRONG_SECRET": "PASSWORD_ERROR",
    "SECRET_LOCKED": "PASSWORD_LOCKED",
    "CARD_FROZEN": "CARD_FROZEN",
    "CARD_EXPIRED": "CARD_EXPIRED",
    "ALREADY_BOUND": "CARD_BOUND",
    "INSUFFICIENT_BALANCE": "NOTENOUGH",
    "LIMIT_EXCEEDED": "EXCEED_LIMIT",
    "DUPLICATE": "OUT_TRADE_NO_USED",
    "PAYMENT_NOT_FOUND": "ORDERNOTEXIST",
    "REFUND_EXCEEDED": "REFUND_FEE_INVALID",
    "NOT_REVERSIBLE": "TRADE_STATE_ERROR",
    "INVALID_REQUEST": "PARAM_ERROR",
    "UNAVAILABLE": "SYSTEMERROR",
}


def xml_answer(fields: dict[str, Any]) -> Response:
    """A GBK XML answer, empty fields left out, with nonce_str and sign (MD5 over its sorted fields, &key=KEY)."""
    # what can't be written in GBK is replaced before signing, so the sign covers the bytes sent
    values = {name: _gbk(str(value)) for name, value in fields.items() if value not in (None, "")}
    values["nonce_str"] = secrets.token_hex(16)
    key = current().keys.get(KEY_NAME, "")
    if key:
        values["sign"] = md5_key_sign(values, key)
    body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in values.items())
    text = f'<?xml version="1.0" encoding="GBK"?><xml>{body}</xml>'
    return Response(text.encode(CHARSET, errors="replace"), 200, content_type="text/xml; charset=GBK")


def _gbk(text: str) -> str:
    return text.encode(CHARSET, errors="replace").decode(CHARSET)


def answer(**fields: Any) -> Response:
    """A business success."""
    return xml_answer({"return_code": "SUCCESS", "return_msg": "OK", "result_code": "SUCCESS", **fields})


def refused(err_code: str, message: str, **fields: Any) -> Response:
    """The call went through, the business said no."""
    head = {"return_code": "SUCCESS", "return_msg": "OK", "result_code": "FAIL"}
    return xml_answer({**head, "err_code": err_code, "err_code_des": message, **fields})


def failed(message: str) -> Response:
    """The call itself failed (bad sign, bad XML, unknown service): no result_code."""
    return xml_answer({"return_code": "FAIL", "return_msg": message})


def routing_error(error: HTTPException) -> Response:
    """An unknown path or method under /xmlgw answers return_code FAIL."""
    return failed(error.description or "not found")


def read_params() -> dict[str, str]:
    """The request's fields: a flat GBK <xml> document, parsed without DTDs or entities."""
    try:
        text = DECLARATION.sub("", request.get_data().decode(CHARSET))
        root = ElementTree.fromstring(text)
    except (UnicodeDecodeError, ElementTree.ParseError, ValueError) as exc:
        raise invalid(f"the body is not GBK XML: {exc}") from None
    params: dict[str, str] = {}
    for child in root:
        if len(child) or child.tag in params:
            raise invalid(f"{child.tag} must be a single flat field")
        if child.text:
            params[child.tag] = child.text
    return params


def signed_by_us(params: dict[str, str]) -> bool:
    """Whether the request's sign is the MD5 of its sorted fields with the sandbox's key."""
    key = current().keys.get(KEY_NAME, "")
    given = params.get("sign", "")
    return bool(key) and hmac.compare_digest(given.encode(), md5_key_sign(params, key).encode())
