"""Wallet home: the merchant's configured sections, the shopper's cards and balances."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from werkzeug.wrappers import Response

from bff.web.render import no_store, page_or_fragment
from bff.web.shopper import current_shopper, services, shopper_required

bp = Blueprint("wallet", __name__)


@bp.get("/")
def index() -> Response:
    return redirect(url_for("wallet.home"), 303)


@bp.get("/wallet")
@shopper_required
def home() -> Response:
    """Every configured section; card balances fetched in parallel, bounded by the timeouts."""
    shopper = current_shopper()
    view = shopper.wallet()
    return no_store(page_or_fragment("wallet/home.html", "wallet/home.html", wallet=view))


@bp.get("/wallet/cards/<handle>")
@shopper_required
def card_balance(handle: str) -> Response:
    """One wallet card with a fresh balance: what the retry of an unavailable card loads."""
    shopper = current_shopper()
    card_id = shopper.card_id(handle)
    view = services().balances.one_card(shopper.gateway, shopper.merchant.id, shopper.user_id, card_id)
    if view is None:
        abort(404)
    return no_store(page_or_fragment("wallet/card_page.html", "partials/wallet_card.html", view=view))
