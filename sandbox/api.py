"""The standard card API under /cs/<system>/v1: auth, faults, then the operation."""

from __future__ import annotations

import hmac
import sqlite3
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from sandbox import cards, faults, payments
from sandbox.context import card_system, current
from sandbox.errors import CardError, invalid
from sandbox.seed import SYSTEM_ID, ensure_system
from sandbox.verification import send_sms_code

bp = Blueprint("cs", __name__, url_prefix="/cs/<system>/v1")


def ok(**fields: Any) -> Response:
    """An OK answer with the given fields."""
    return jsonify({"result": "OK", **fields})


@bp.url_value_preprocessor
def _pop_system(endpoint: str | None, values: dict[str, Any] | None) -> None:
    g.system = (values or {}).pop("system", "")


@bp.before_request
def _authenticate_and_inject_faults() -> Response | None:
    if not SYSTEM_ID.match(g.system):
        raise invalid("a card system id is 1-64 letters, digits, '_' or '-'")
    sandbox = current()
    header = request.headers.get("Authorization", "")
    expected = f"Bearer {sandbox.api_key}"
    if not hmac.compare_digest(header.encode(), expected.encode()):
        error = CardError("UNAUTHORIZED", "missing or wrong API key")
        return _error_response(error, {"WWW-Authenticate": "Bearer"})
    ensure_system(sandbox.db, sandbox.seed, g.system)
    g.cs = card_system(g.system)
    op = (request.endpoint or "").rpartition(".")[2]
    g.fault = faults.take(sandbox.db, g.system, op, _card_of_request)
    return faults.answer_before(g.fault) if g.fault else None


@bp.after_request
def _drop_response(response: Response) -> Response:
    fault = g.get("fault")
    return (faults.answer_after(fault) if fault else None) or response


@bp.errorhandler(CardError)
def _card_error(error: CardError) -> Response:
    return _error_response(error)


def _error_response(error: CardError, headers: dict[str, str] | None = None) -> Response:
    response = jsonify(error.body())
    response.status_code = error.http_status
    response.headers.update(headers or {})
    return response


def _card_of_request(conn: sqlite3.Connection) -> str | None:
    """The card this request is about, for faults that name a card."""
    args = request.view_args or {}
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    if "card_id" in args:
        return args["card_id"]
    if "payment_id" in args:
        return payments.payment_card_id(conn, g.system, args["payment_id"])
    if isinstance(body.get("card_id"), str):
        return body["card_id"]
    if isinstance(body.get("card_number"), str):
        card = cards.card_by_number(conn, g.system, body["card_number"])
        return None if card is None else card["card_id"]
    return None


def _body() -> Any:
    return request.get_json(silent=True)


@bp.post("/bindings")
def bind() -> Response:
    """Bind a card to a user."""
    return ok(card=cards.bind(current().db, g.cs, _body()))


@bp.get("/users/<user_id>/cards")
def list_cards(user_id: str) -> Response:
    """List a user's cards (no balances)."""
    return ok(cards=cards.list_cards(current().db, g.cs, user_id))


@bp.get("/users/<user_id>/cards/<card_id>")
def card_detail(user_id: str, card_id: str) -> Response:
    """One of the user's cards with its balance."""
    return ok(card=cards.card_detail(current().db, g.cs, user_id, card_id))


@bp.get("/users/<user_id>/cards/<card_id>/transactions")
def transactions(user_id: str, card_id: str) -> Response:
    """A page of the card's transactions, newest first."""
    page, next_cursor = cards.transactions(
        current().db, g.cs, user_id, card_id, request.args.get("cursor"), request.args.get("limit")
    )
    return ok(transactions=page, next_cursor=next_cursor)


@bp.delete("/users/<user_id>/cards/<card_id>")
def unbind(user_id: str, card_id: str) -> Response:
    """Unbind one of the user's cards."""
    cards.unbind(current().db, g.cs, user_id, card_id)
    return ok()


@bp.post("/users/<user_id>/cards/<card_id>/loss-report")
def report_lost(user_id: str, card_id: str) -> Response:
    """Report one of the user's cards lost: it is frozen (optional operation of the standard API)."""
    return ok(card=cards.report_lost(current().db, g.cs, user_id, card_id, _body()))


@bp.post("/sms-codes")
def sms() -> Response:
    """Send an SMS code for binding a card."""
    expires_in, phone = send_sms_code(current().db, g.cs, _body())
    return ok(expires_in=expires_in, masked_phone=phone)


@bp.post("/payments")
def pay() -> Response:
    """Charge a card, idempotent on payment_id."""
    fault = g.fault
    payment = payments.pay(
        current().db,
        g.cs,
        _body(),
        force_decline=bool(fault and fault.mode == "decline_insufficient"),
        processing_ms=fault.effective_delay_ms if fault and fault.mode == "processing" else None,
    )
    return ok(payment=payment)


@bp.get("/payments/<payment_id>")
def payment_status(payment_id: str) -> Response:
    """A payment's current state."""
    return ok(payment=payments.payment_status(current().db, g.cs, payment_id))


@bp.post("/payments/<payment_id>/reversal")
def reverse(payment_id: str) -> Response:
    """Void a payment in full."""
    return ok(payment=payments.reverse(current().db, g.cs, payment_id))


@bp.post("/payments/<payment_id>/refunds")
def refund(payment_id: str) -> Response:
    """Refund part or all of a payment."""
    return ok(**payments.refund(current().db, g.cs, payment_id, _body()))
