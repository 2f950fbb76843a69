"""The admin API under /_sandbox: health, reset, seed data, payments, SMS, tokens, faults."""

from __future__ import annotations

import sys
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from sandbox import checkout, clock, faults, notifications, orders, records
from sandbox.context import current
from sandbox.merchants import load_merchants, system_in_url
from sandbox.money import MAX_FEN
from sandbox.seed import SYSTEM_ID, ensure_system, reset
from sandbox.tokens import LOCALES, checkout_url, launch_url, mint_checkout_token, mint_launch_token

bp = Blueprint("admin", __name__, url_prefix="/_sandbox")
ADMIN_OFF = "KABAO_SANDBOX_ADMIN_OFF"  # app config: a stack that plays a deployment (docs/qa.md's proof run)


@bp.before_request
def refuse_when_off() -> tuple[Response, int] | None:
    """With the admin API off, everything but /health answers 403 and is said on stderr (to be counted)."""
    if current_app.config.get(ADMIN_OFF) and request.endpoint != "admin.health":
        print(f"sandbox: admin API is off: refused {request.method} {request.path}", file=sys.stderr, flush=True)
        return jsonify({"error": "the sandbox admin API is off on this stack (KABAO_SANDBOX_ADMIN=off)"}), 403
    return None


def bad_request(message: str) -> tuple[Response, int]:
    """A 400 answer naming what is wrong."""
    return jsonify({"error": message}), 400


@bp.get("/notifications")
def received_notifications() -> Response:
    """The notifications Kabao sent the host app's notify endpoint, oldest first."""
    return jsonify({"notifications": notifications.received(current().db)})


@bp.get("/health")
def health() -> Response:
    """Liveness: the process answers and its database opens."""
    current().db.connection().execute("SELECT 1").fetchone()
    return jsonify({"status": "ok"})


@bp.post("/reset")
def reset_all() -> Response:
    """Wipe and re-seed everything (faults, SMS and payments too)."""
    sandbox = current()
    reset(sandbox.db, sandbox.seed)
    return jsonify({"status": "ok"})


@bp.get("/merchants")
def merchants() -> Response:
    """The merchants of the config directory."""
    return jsonify([m.to_json() for m in load_merchants(current().config_dir)])


@bp.get("/system-of")
def system_of() -> Response | tuple[Response, int]:
    """Which sandbox card system a merchant's base URL names (for a draft merchant the list doesn't have yet)."""
    system = system_in_url(request.args.get("base_url", ""))
    if system is None:
        return jsonify({"error": "the base URL names no sandbox card system"}), 404
    return jsonify({"system": system})


@bp.get("/shoppers")
def shoppers() -> Response:
    """The seeded shoppers."""
    return jsonify(records.shoppers(current().db))


@bp.get("/systems/<system>/cards")
def system_cards(system: str) -> Response | tuple[Response, int]:
    """Every card of a system with its number and secret (provisioning the system if new)."""
    if not SYSTEM_ID.match(system):
        return bad_request("a card system id is 1-64 letters, digits, '_' or '-'")
    bound = request.args.get("bound")
    if bound not in (None, "0", "1"):
        return bad_request("bound must be 0 or 1")
    sandbox = current()
    ensure_system(sandbox.db, sandbox.seed, system)
    cards = records.system_cards(
        sandbox.db,
        system,
        request.args.get("user_id") or None,
        None if bound is None else bound == "1",
    )
    return jsonify(cards)


@bp.post("/systems/<system>/cards/<card_id>/owner")
def give_card(system: str, card_id: str) -> Response | tuple[Response, int]:
    """Bind an unbound card to a shopper without its secret (benchmarks and tests that need many cards)."""
    body = request.get_json(silent=True) or {}
    user_id = body.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        return bad_request("user_id is required")
    with current().db.write() as conn:
        done = conn.execute(
            "UPDATE cards SET user_id = ?, bound_at = ? WHERE system = ? AND card_id = ? AND user_id IS NULL",
            (user_id, clock.iso(clock.now()), system, card_id),
        ).rowcount
    if not done:
        return bad_request("no unbound card with this id in this system")
    return jsonify({"card_id": card_id, "user_id": user_id})


@bp.get("/systems/<system>/payments")
def system_payments(system: str) -> Response:
    """A system's recorded payments and refunds."""
    return jsonify(records.system_payments(current().db, system))


@bp.get("/systems/<system>/secret-checks")
def system_secret_checks(system: str) -> Response:
    """Every password or SMS code tried on a system's cards (read-only; ?card_id= for one card)."""
    checks = records.secret_checks(current().db, system, request.args.get("card_id") or None)
    return jsonify({"count": len(checks), "checks": checks})


@bp.get("/sms")
def latest_sms() -> Response | tuple[Response, int]:
    """The latest SMS code sent for a card."""
    system, number = request.args.get("system"), request.args.get("card_number")
    if not system or not number:
        return bad_request("system and card_number are required")
    sms = records.latest_sms(current().db, system, number)
    if sms is None:
        return jsonify({"error": "no SMS code was sent for this card"}), 404
    return jsonify(sms)


@bp.post("/launch-token")
def launch_token() -> Response | tuple[Response, int]:
    """Mint a launch token as the host app would, and the BFF URL that uses it."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        return bad_request("the body must be a JSON object")
    user_id, merchant_id = body.get("user_id"), body.get("merchant_id")
    locale = body.get("locale", "zh-CN")
    if not (_text(user_id) and _text(merchant_id)):
        return bad_request("user_id and merchant_id are required")
    if locale not in LOCALES:
        return bad_request(f"locale must be one of {', '.join(LOCALES)}")
    sandbox = current()
    token = mint_launch_token(sandbox.host_secret, user_id, merchant_id, locale)
    return jsonify({"token": token, "url": launch_url(sandbox.bff_url, token)})


@bp.post("/checkout-token")
def checkout_token() -> Response | tuple[Response, int]:
    """Record an order and mint its checkout token; return_url may be overridden to test refusals."""
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        return bad_request("the body must be a JSON object")
    user_id, merchant_id, amount = body.get("user_id"), body.get("merchant_id"), body.get("amount")
    order_id = body.get("order_id", orders.new_order_id())
    locale, url = body.get("locale", "zh-CN"), body.get("return_url", checkout.return_url())
    if not (_text(user_id) and _text(merchant_id)):
        return bad_request("user_id and merchant_id are required")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_FEN:
        return bad_request(f"amount must be whole fen, 1 to {MAX_FEN}")
    if not isinstance(order_id, str) or not orders.ORDER_ID.match(order_id):
        return bad_request("order_id must be 1-64 of A-Z a-z 0-9 _ . -")
    if locale not in LOCALES:
        return bad_request(f"locale must be one of {', '.join(LOCALES)}")
    if not _text(url):
        return bad_request("return_url must be a non-empty string")
    sandbox = current()
    # an order that exists keeps its row; the token still says what was asked (to test refusals)
    orders.record_order(sandbox.db, merchant_id, order_id, user_id, amount)
    token = mint_checkout_token(
        sandbox.host_secret,
        user_id=user_id,
        merchant_id=merchant_id,
        locale=locale,
        order_id=order_id,
        amount=amount,
        return_url=url,
    )
    return jsonify({"token": token, "url": checkout_url(sandbox.bff_url, token), "order_id": order_id})


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value)


@bp.get("/faults")
def list_faults() -> Response:
    """The active faults."""
    return jsonify([f.to_json() for f in faults.list_faults(current().db)])


@bp.post("/faults")
def add_fault() -> tuple[Response, int]:
    """Add a fault."""
    try:
        fault = faults.parse_fault(request.get_json(silent=True))
    except ValueError as error:
        return bad_request(str(error))
    return jsonify(faults.add(current().db, fault).to_json()), 201


@bp.delete("/faults/<int:fault_id>")
def remove_fault(fault_id: int) -> Response | tuple[Response, int]:
    """Remove one fault."""
    if not faults.remove(current().db, fault_id):
        return jsonify({"error": "no such fault"}), 404
    return jsonify([f.to_json() for f in faults.list_faults(current().db)])


@bp.delete("/faults")
def clear_faults() -> Response:
    """Remove every fault."""
    faults.clear(current().db)
    return jsonify([])
