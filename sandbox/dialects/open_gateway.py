"""The open_gateway dialect on one URL, /gateway/<system>/gateway.do: the Alipay open-API manner.

Form posts with `method` and the operation's parameters as JSON in `biz_content`, RSA2 signs on
requests (the merchant's key) and on answers (the platform's key, over the exact text of the answer
object named after the method), `code`/`sub_code` results, yuan strings.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, g, request
from werkzeug.exceptions import HTTPException

from sandbox import clock, faults, payments
from sandbox.context import current
from sandbox.dialects import common, open_gateway_ops
from sandbox.dialects.signing import open_gateway_text, rsa2_sign, rsa2_verifies
from sandbox.errors import CardError

ROOT = "/gateway/"
MERCHANT_PUBLIC_KEY = "KABAO_MERCHANT_WILLOW_PUBLIC_KEY"
PLATFORM_PRIVATE_KEY = "KABAO_MERCHANT_WILLOW_PLATFORM_PRIVATE_KEY"
TIMESTAMP = "%Y-%m-%d %H:%M:%S"
CLOCK_SKEW = timedelta(minutes=10)  # a request stamped further from the sandbox clock is refused
FIXED = {"format": "JSON", "charset": "utf-8", "sign_type": "RSA2", "version": "1.0"}
bp = Blueprint("open_gateway", __name__, url_prefix="/gateway/<system>")


class Refusal(Exception):
    """The call itself is refused (40001 missing, 40002 invalid): nothing happened."""

    def __init__(self, code: str, sub_code: str, sub_msg: str) -> None:
        super().__init__(sub_msg)
        self.code, self.sub_code, self.sub_msg = code, sub_code, sub_msg


MSGS = {
    "10000": "Success",
    "10003": "Business Processing",
    "20000": "Service Currently Unavailable",
    "40001": "Missing Required Arguments",
    "40002": "Invalid Arguments",
    "40004": "Business Failed",
}


def signed_answer(method: str | None, code: str, **fields: Any) -> Response:
    """{"<method>_response": {...}, "sign": "..."}: the platform signs the exact text of the answer object."""
    name = method.replace(".", "_") + "_response" if method else "error_response"
    text = json.dumps({"code": code, "msg": MSGS[code], **fields}, ensure_ascii=False, separators=(",", ":"))
    key = current().keys.get(PLATFORM_PRIVATE_KEY, "")
    sign = rsa2_sign(text, key) if key else ""
    body = f'{{"{name}":{text},"sign":"{sign}"}}'
    return Response(body.encode(), 200, content_type="application/json;charset=utf-8")


def routing_error(error: HTTPException) -> Response:
    """An unknown path or method under /gateway answers 40002, signed like every answer."""
    g.method = None
    return signed_answer(None, "40002", sub_code="isv.invalid-request", sub_msg=error.description or "not found")


@bp.url_value_preprocessor
def _pop_system(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.system = (values or {}).pop("system", "")


@bp.errorhandler(CardError)
def _card_error(error: CardError) -> Response:
    """A business refusal: 40004 with its sub_code (20000 when the system is busy)."""
    trade = open_gateway_ops.trade(error.payment) if error.payment is not None else {}
    if error.code == "UNAVAILABLE":
        return signed_answer(g.method, "20000", sub_code="isp.unknown-error", sub_msg=error.message)
    if error.code == "INVALID_REQUEST":
        return signed_answer(g.method, "40002", sub_code="isv.invalid-parameter", sub_msg=error.message)
    sub_code = open_gateway_ops.SUB_CODES.get(error.code, "WILLOW.SYSTEM_ERROR")
    return signed_answer(g.method, "40004", sub_code=sub_code, sub_msg=error.message, **trade)


bp.after_request(common.drop_response)


def _form() -> dict[str, str]:
    """The posted form (UTF-8, each field once)."""
    form = request.form
    for name in form:
        if len(form.getlist(name)) != 1:
            raise Refusal("40002", "isv.invalid-parameter", f"{name} is given more than once")
    return {name: form[name] for name in form}


def _check_envelope(form: dict[str, str]) -> None:
    """The common fields and the RSA2 sign, with the merchant's public key."""
    for name in ("app_id", "method", "sign", "timestamp", "biz_content", *FIXED):
        if not form.get(name):
            raise Refusal("40001", f"isv.missing-{name.replace('_', '-')}", f"{name} is missing")
    for name, value in FIXED.items():
        if form[name] != value:
            raise Refusal("40002", f"isv.invalid-{name.replace('_', '-')}", f"{name} must be {value}")
    key = current().keys.get(MERCHANT_PUBLIC_KEY, "")
    if not key or not rsa2_verifies(open_gateway_text(form), form["sign"], key):
        raise Refusal("40002", "isv.invalid-signature", "验签出错 the sign does not verify")
    try:
        stamped = datetime.strptime(form["timestamp"], TIMESTAMP).replace(tzinfo=clock.CST)
    except ValueError:
        raise Refusal("40002", "isv.invalid-timestamp", "timestamp is yyyy-MM-dd HH:mm:ss") from None
    if abs(stamped - clock.now()) > CLOCK_SKEW:
        raise Refusal("40002", "isv.invalid-timestamp", "timestamp is too far from the platform's clock")


def _biz(text: str) -> dict[str, str]:
    """biz_content: a JSON object of text (whole numbers accepted as text; never floats or nesting)."""
    try:
        biz = json.loads(text)
    except ValueError:
        raise Refusal("40002", "isv.invalid-biz-content", "biz_content is not JSON") from None
    if not isinstance(biz, dict):
        raise Refusal("40002", "isv.invalid-biz-content", "biz_content is not a JSON object")
    params: dict[str, str] = {}
    for name, value in biz.items():
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise Refusal("40002", "isv.invalid-biz-content", f"{name} must be text")
        params[name] = value
    return params


def _card_of_request(conn: sqlite3.Connection) -> str | None:
    """The card this request is about, for faults that name a card."""
    if "card_id" in g.params:
        return g.params["card_id"]
    if "out_trade_no" in g.params:
        return payments.payment_card_id(conn, g.cs.id, g.params["out_trade_no"])
    return common.card_id_of_number(conn, g.cs, g.params.get("card_no"))


@bp.post("/gateway.do")
def gateway() -> Response:
    """The one URL: check the envelope and sign, find the method, take its fault, run it."""
    common.check_system_id(g.system)
    g.method = None
    try:
        form = _form()
        g.method = form.get("method") or None
        _check_envelope(form)
        method = open_gateway_ops.METHODS.get(form["method"])
        if method is None:
            raise Refusal("40002", "isv.invalid-method", f"no method {form['method']}")
        g.params = _biz(form["biz_content"])
    except Refusal as refusal:
        return signed_answer(g.method, refusal.code, sub_code=refusal.sub_code, sub_msg=refusal.sub_msg)
    op, handler = method
    g.cs = common.open_system(g.system)
    g.fault = faults.take(current().db, g.cs.id, op, _card_of_request)
    before = faults.answer_before(g.fault) if g.fault else None
    if before is not None:
        return before
    code, fields = handler()
    return signed_answer(g.method, code, **fields)
