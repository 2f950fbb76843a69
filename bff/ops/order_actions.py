"""The after-sales desk's actions on one order, each with a required reason and an audit entry.

Query the card system now; settle a stuck pending by the reconcile rules (never paid without the card
system saying so); refund one leg (never over what it paid; the refund id makes a resend harmless);
resend the result notification to the host app. Each needs the after-sales role for the order's merchant.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, request
from werkzeug.wrappers import Response

from bff import csrf
from bff.cards.errors import CardSystemError, CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.checkout import settled
from bff.checkout.notify import Notification
from bff.checkout.reconcile import settle_one
from bff.checkout.records import Checkout
from bff.checkout.refunds import REFUND_ID, RefundRefused
from bff.money import fen_to_yuan, yuan_to_fen
from bff.ops.audit_log import record_action
from bff.ops.auth import current_ops_user, ops_required
from bff.ops.desk import Desk
from bff.ops.orders import lookup, order_page
from bff.ops.permits import ops_role
from bff.ops.phrases import Phrase
from bff.pages.services import services

bp = Blueprint("ops_order_actions", __name__, url_prefix="/ops/orders")
csrf.exempt(bp)  # the ops session carries its own CSRF token, checked by ops_required
MAX_REASON = 500


def with_reason(action: str) -> Callable:
    """The view needs a reason; it answers (result lines, page extras); reason and result go to the audit log."""

    def decorate(view: Callable[..., tuple[list[str], dict[str, Any]]]) -> Callable[..., Response]:
        @functools.wraps(view)
        def wrapped(checkout_id: str) -> Response:
            checkout = services().ledger.checkout(checkout_id)
            if checkout is None:
                abort(404)
            reason = " ".join(request.form.get("reason", "").split())[:MAX_REASON]
            if not reason:
                return order_page(checkout_id, 400, refused=Phrase("ops.order.no_reason", action=said_as(action)))
            lines, extra = view(checkout)
            note = f"order {checkout.order_id} (checkout {checkout_id}); reason: {reason}; result: {'; '.join(lines)}"
            history = Desk(services().registry.config_dir).history  # the console's one audit log
            record_action(history, current_ops_user() or "", checkout.merchant_id, f"after-sales: {action}", note)
            return order_page(checkout_id, done=action, lines=lines, **extra)

        return wrapped

    return decorate


def said_as(action: str) -> Phrase:
    """The action's name for the page ("query now" → ops.audit.action.query_now)."""
    return Phrase(f"ops.audit.action.{action.replace(' ', '_')}")


def merchant_of_checkout(view_args: dict[str, Any]) -> str | None:
    """The merchant an order action acts on (a checkout not found is answered 404 by the view)."""
    checkout = services().ledger.checkout(view_args["checkout_id"])
    return checkout.merchant_id if checkout is not None else None


def gateway_of(checkout: Checkout) -> CardGateway:
    merchant = services().registry.get(checkout.merchant_id)
    if merchant is None:
        abort(409, f"merchant {checkout.merchant_id} is not configured")
    return services().gateways.for_merchant(merchant)


def live_status(gateway: CardGateway, payment_id: str) -> str:
    """What the card system says of one payment now, in words; nothing in the ledger changes."""
    try:
        payment = gateway.payment_status(payment_id)
    except (CardSystemUnavailable, CardSystemError) as exc:
        return Phrase("ops.order.live.no_answer", problem=type(exc).__name__)
    if payment is None:
        return Phrase("ops.order.live.never_seen")
    status, amount = Phrase(f"ops.status.{payment.status}"), fen_to_yuan(payment.amount)
    if payment.refunded_amount:
        refunded = fen_to_yuan(payment.refunded_amount)
        words = Phrase("ops.order.live.refunded", status=status, amount=amount, refunded=refunded)
    else:
        words = Phrase("ops.order.live.status", status=status, amount=amount)
    return Phrase("ops.order.live.error", words=words, code=payment.error_code) if payment.error_code else words


@bp.post("/<checkout_id>/query")
@ops_required
@ops_role("after-sales", merchant_of=merchant_of_checkout)
@with_reason("query now")
def query(checkout: Checkout) -> tuple[list[str], dict[str, Any]]:
    gateway = gateway_of(checkout)
    live = {
        leg.payment_id: live_status(gateway, leg.payment_id) for leg in services().ledger.legs(checkout.checkout_id)
    }
    return [Phrase("ops.order.line", payment=pid, words=words) for pid, words in live.items()], {"live": live}


@bp.post("/<checkout_id>/settle")
@ops_required
@ops_role("after-sales", merchant_of=merchant_of_checkout)
@with_reason("settle pending")
def settle(checkout: Checkout) -> tuple[list[str], dict[str, Any]]:
    gateway_of(checkout)  # a merchant no longer configured: refused before anything is tried
    window = float(current_app.config["KABAO_RECONCILE_WINDOW_SECONDS"])
    lines = settle_one(services(), checkout.checkout_id, window)
    now = services().ledger.checkout(checkout.checkout_id).status  # type: ignore[union-attr]
    return lines or [Phrase("ops.order.nothing_pending", status=Phrase(f"ops.status.{now}"))], {}


@bp.post("/<checkout_id>/refund")
@ops_required
@ops_role("after-sales", merchant_of=merchant_of_checkout)
@with_reason("refund leg")
def refund(checkout: Checkout) -> tuple[list[str], dict[str, Any]]:
    payment_id, refund_id = request.form.get("payment_id", ""), request.form.get("refund_id", "")
    try:
        amount = yuan_to_fen(request.form.get("amount", ""))
    except (ValueError, decimal.InvalidOperation):
        return [Phrase("ops.order.refused.amount")], {}
    if not REFUND_ID.fullmatch(refund_id):
        return [Phrase("ops.order.refused.refund_id")], {}
    merchant = services().registry.get(checkout.merchant_id)
    if merchant is None or not merchant.config.offers("refund"):
        return [Phrase("ops.order.refused.no_refunds")], {}
    refunds = services().refunds
    policy = merchant.config.checkout.refund_policy  # type: ignore[union-attr]
    try:
        started = refunds.start(merchant.id, checkout.order_id, refund_id, amount, policy, only=payment_id)
    except RefundRefused as exc:
        return [Phrase("ops.order.refused.refund", problem=Phrase(f"ops.refund.{exc.problem.value}"))], {}
    done = refunds.send(gateway_of(checkout), merchant.id, started)
    line = Phrase("ops.order.refunded_line", refund=done.refund_id, amount=fen_to_yuan(done.amount), payment=payment_id)
    return [Phrase("ops.order.with_status", line=line, status=Phrase(f"ops.status.{done.status}"))], {}


@bp.post("/<checkout_id>/resend")
@ops_required
@ops_role("after-sales", merchant_of=merchant_of_checkout)
@with_reason("resend notification")
def resend(checkout: Checkout) -> tuple[list[str], dict[str, Any]]:
    found = lookup()
    asked = request.form.get("event_key", "")
    mine = {n["event_key"] for n in found.order_file(checkout.checkout_id).notifications}  # type: ignore[union-attr]
    note = (found.notification(checkout.merchant_id, asked) if asked in mine else None) or _queue_result(checkout)
    if note is None:
        return [Phrase("ops.order.nothing_to_send")], {}
    problem = services().notifier.deliver(note)
    if problem is None:
        return [Phrase("ops.order.resent", event=note.event_key)], {}
    return [Phrase("ops.order.not_resent", event=note.event_key, problem=problem)], {}


def _queue_result(checkout: Checkout) -> Notification | None:
    """Queue the settled result of the latest attempt, as the reconcile pass would have, and read it back."""
    ledger, merchant = services().ledger, services().registry.get(checkout.merchant_id)
    attempt = ledger.latest_attempt(checkout.checkout_id)
    if merchant is None or attempt is None or attempt.status.value not in ("PAID", "FAILED"):
        return None
    settled.tell_host(services(), merchant, checkout.checkout_id, attempt.seq)
    return lookup().notification(checkout.merchant_id, f"payment_settled:{checkout.checkout_id}:{attempt.seq}")
