"""The birch dialect under /birch/<system>: deliberately incomplete, and a repeated ref charges again."""

from __future__ import annotations

import hmac
import sqlite3
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox import cards, payments
from sandbox.context import current
from sandbox.dialects import common
from sandbox.errors import CardError, invalid, require_object, require_text

ROOT = "/birch/"
bp = Blueprint("birch", __name__, url_prefix="/birch/<system>")

CODES = {"CARD_NOT_FOUND": "E01", "WRONG_SECRET": "E02", "INSUFFICIENT_BALANCE": "E03"}
OTHER_REFUSAL = "E99"  # birch says nothing more about frozen, expired, locked, taken, limits, bad requests…
SETTLED_STATES = {"SUCCEEDED": "DONE", "PROCESSING": "DONE", "FAILED": "FAILED", "REVERSED": "FAILED"}
REPEAT_MARK = "#"  # the n-th payment under one ref is kept as "{ref}#{n}"; the first is the ref itself


def answer(code: str = "OK", status: int = 200, **data: Any) -> Response:
    """A birch answer: {code, data}, HTTP 200 for refusals too."""
    response = jsonify({"code": code, "data": data})
    response.status_code = status
    return response


def routing_error(error: HTTPException) -> Response:
    """An unknown path or method under /birch is just another refusal, with the routing error's status."""
    return answer(OTHER_REFUSAL, error.code or 404)


@bp.url_value_preprocessor
def _pop_system(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.system = (values or {}).pop("system", "")


@bp.before_request
def _authenticate_and_inject_faults() -> Response | None:
    common.check_system_id(g.system)
    given = request.headers.get("X-Api-Key", "")
    if not hmac.compare_digest(given.encode(), current().api_key.encode()):
        return answer(OTHER_REFUSAL, 401)
    g.cs = common.open_system(g.system)
    return common.inject_faults(_card_of_request)


bp.after_request(common.drop_response)


@bp.errorhandler(CardError)
def _card_error(error: CardError) -> Response:
    return answer(CODES.get(error.code, OTHER_REFUSAL))


def _body() -> dict[str, Any]:
    return require_object(request.get_json(silent=True))


def _ref(value: Any) -> str:
    ref = require_text({"ref": value}, "ref")
    if REPEAT_MARK in ref:
        raise invalid(f"ref must not contain {REPEAT_MARK!r}")
    return ref


def _next_payment_id(conn: sqlite3.Connection, ref: str) -> str:
    """The id the next payment under this ref is kept as: birch has no idempotency, every pay is a new one."""
    payment_id, count = ref, 1
    while payments.payment_exists(conn, g.cs.id, payment_id):
        count += 1
        payment_id = f"{ref}{REPEAT_MARK}{count}"
    return payment_id


def _latest_payment_id(conn: sqlite3.Connection, ref: str) -> str:
    """The latest payment made under this ref: the one birch's query and reverse act on."""
    latest, count = ref, 2
    while payments.payment_exists(conn, g.cs.id, f"{ref}{REPEAT_MARK}{count}"):
        latest, count = f"{ref}{REPEAT_MARK}{count}", count + 1
    return latest


def _card_of_request(conn: sqlite3.Connection) -> str | None:
    """The card this request is about, for faults that name a card."""
    args = request.view_args or {}
    if "ref" in args:
        return payments.payment_card_id(conn, g.cs.id, _latest_payment_id(conn, args["ref"]))
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    if isinstance(body.get("card"), str):
        return body["card"]
    return common.card_id_of_number(conn, g.cs, body.get("card_no"))


def _card(card: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": card["card_id"],
        "no": common.card_number(g.cs, card["card_id"]),
        "type": card["card_type"],
        "ok": card["status"] == "ACTIVE",
        "balance": card["balance"],
        "valid_to": card["expires_on"],
    }


@bp.post("/bind")
def bind() -> Response:
    """Bind a card to a user with its password."""
    body = _body()
    request_ = {
        "user_id": require_text(body, "user"),
        "card_number": require_text(body, "card_no"),
        "secret": require_text(body, "password"),
    }
    return answer(card=_card(cards.bind(current().db, g.cs, request_)))


@bp.get("/users/<user>/cards")
def list_cards(user: str) -> Response:
    """A user's cards with their balances (birch has no card detail)."""
    db = current().db
    found = [cards.card_detail(db, g.cs, user, card["card_id"]) for card in cards.list_cards(db, g.cs, user)]
    return answer(cards=[_card(card) for card in found])


@bp.post("/pay")
def pay() -> Response:
    """Charge a card and answer nothing about it; a repeated ref is charged again as a new payment."""
    body = _body()
    ref = _ref(body.get("ref"))
    charge = {
        "user_id": require_text(body, "user"),
        "card_id": require_text(body, "card"),
        "order_id": require_text(body, "order"),
        "amount": common.fen(body.get("amount"), "amount"),
        "currency": g.cs.rules.currency,
    }
    password = require_text(body, "password", optional=True)
    with current().db.write() as conn:
        charge["payment_id"] = _next_payment_id(conn, ref)
        payments.charge(conn, g.cs, charge, password, **common.pay_faults())
    return answer()


@bp.get("/pay/<ref>")
def payment_status(ref: str) -> Response:
    """The latest payment under a ref: DONE or FAILED (birch has no pending or reversed state)."""
    payment_id = _latest_payment_id(current().db.connection(), _ref(ref))
    payment = payments.payment_status(current().db, g.cs, payment_id)
    return answer(ref=ref, amount=payment["amount"], state=SETTLED_STATES[payment["status"]])


@bp.post("/pay/<ref>/reverse")
def reverse(ref: str) -> Response:
    """Void the latest payment under a ref."""
    payment_id = _latest_payment_id(current().db.connection(), _ref(ref))
    payments.reverse(current().db, g.cs, payment_id)
    return answer()
