"""The after-sales desk's pages: find an order, and see everything that happened to it.

Times are shown in the merchant's time zone, with the zone named; cards by their last four digits only.
The actions (query now, settle, refund, resend) are in bff/ops/order_actions.py.
"""

from __future__ import annotations

import secrets
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, make_response, render_template, request
from werkzeug.wrappers import Response

from bff import csrf
from bff.checkout.lookup import OrderFile, OrderLookup
from bff.checkout.records import Checkout
from bff.money import fen_to_yuan
from bff.ops.auth import current_ops_user, ops_required
from bff.ops.desk import Desk
from bff.ops.permits import outside_merchants, seen, sees
from bff.ops.phrases import Phrase
from bff.ops.times import local_time, zone_of
from bff.pages.responses import no_store
from bff.pages.services import services

bp = Blueprint("ops_orders", __name__, url_prefix="/ops/orders")
csrf.exempt(bp)  # the ops session carries its own CSRF token (bff/ops/auth.py)
KINDS = ("order", "checkout", "payment", "shopper", "last4")  # their names: ops.orders.kind.* in bff/ops/i18n


def lookup() -> OrderLookup:
    return OrderLookup(services().ledger)


def page(template: str, status: int = 200, **context: object) -> Response:
    context.setdefault("yuan", fen_to_yuan)
    return no_store(make_response(render_template(template, user=current_ops_user(), **context), status))


def _day_range(zone: str) -> tuple[float, float] | None:
    """The dates asked (since, until inclusive) as times in the zone; None when a date is not a date."""
    try:
        since = date.fromisoformat(request.args.get("since", ""))
        until = date.fromisoformat(request.args.get("until") or since.isoformat())
    except ValueError:
        return None
    start = datetime.combine(since, datetime.min.time(), ZoneInfo(zone))
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), ZoneInfo(zone))
    return start.timestamp(), end.timestamp()


def search(kind: str, value: str, merchant_id: str) -> tuple[list[Checkout], str | None]:
    """The checkouts found, or a line saying what the search lacks."""
    found = lookup()
    if kind == "order":
        return found.by_order(value, merchant_id or None), None
    if kind == "checkout":
        return found.by_checkout(value), None
    if kind == "payment":
        return found.by_payment(value), None
    days = _day_range(zone_of(merchant_id))
    if days is None:
        return [], Phrase("ops.orders.need_date")
    if kind == "shopper":
        return found.by_shopper(value, *days), None
    if kind == "last4" and merchant_id and len(value) == 4 and value.isdigit():
        return found.by_last4(merchant_id, value, *days), None
    return [], Phrase("ops.orders.need_card")


@bp.get("")
@ops_required
def find() -> Response:
    kind, value = request.args.get("kind", "order"), request.args.get("q", "").strip()
    merchant_id = request.args.get("merchant", "")
    results, problem = ([], None) if not value or kind not in KINDS else search(kind, value, merchant_id)
    results = seen(results, lambda checkout: checkout.merchant_id)
    return page(
        "ops/orders.html",
        kinds=KINDS,
        kind=kind,
        q=value,
        merchant=merchant_id,
        merchants=sorted(m.id for m in services().registry.all() if sees(m.id)),
        since=request.args.get("since", ""),
        until=request.args.get("until", ""),
        searched=bool(value),
        results=results,
        problem=problem,
        when=lambda t, m: local_time(t, zone_of(m)),
    )


def order_page(checkout_id: str, status: int = 200, **extra: object) -> Response:
    """The order's whole file; extra: what an action just did (its result, a live query's answers)."""
    found: OrderFile | None = lookup().order_file(checkout_id)
    if found is None:
        abort(404)
    if not sees(found.checkout.merchant_id):
        return outside_merchants(found.checkout.merchant_id)
    zone = zone_of(found.checkout.merchant_id)
    extra.setdefault("refund_id", f"ops-{secrets.token_hex(8)}")  # one per rendered form: a resend is idempotent
    mark = f"(checkout {checkout_id})"
    audit = Desk(services().registry.config_dir).audit(found.checkout.merchant_id)
    actions = [e for e in audit if e.action.startswith("after-sales") and mark in e.note]
    return page(
        "ops/order.html",
        status=status,
        file=found,
        zone=zone,
        when=lambda t: local_time(t, zone),
        now=time.time(),
        actions=actions,
        **extra,
    )


@bp.get("/<checkout_id>")
@ops_required
def order(checkout_id: str) -> Response:
    return order_page(checkout_id)
