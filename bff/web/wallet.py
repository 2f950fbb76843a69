"""Wallet home: drawn at once from the remembered cards, each balance arriving by itself (htmx).

Without JS the page's <noscript> refresh asks for `?js=0`: the same page rendered complete on the server,
balances fetched in parallel and bounded by the merchant's timeouts (as before issue 12).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, make_response, redirect, request, url_for
from werkzeug.wrappers import Response

from bff.merchants.loader import Merchant
from bff.wallet.views import CardView, WalletView
from bff.web.render import no_store, page_or_fragment
from bff.web.shopper import current_shopper, services, shopper_required

bp = Blueprint("wallet", __name__)


@bp.get("/")
def index() -> Response:
    return redirect(url_for("wallet.home"), 303)


@bp.get("/wallet")
@shopper_required
def home() -> Response:
    """Every configured section; ?js=0 waits for the balances, otherwise they arrive one by one."""
    shopper = current_shopper()
    new = request.args.get("new") or None
    complete = request.args.get("js") == "0"
    balances = services().balances
    view = shopper.wallet(reuse=True) if complete else balances.remembered(shopper.merchant.id, shopper.user_id)
    if view is not None and new:
        view = view.first(shopper.handles.find(new, (v.card.card_id for v in view.cards)))
    return no_store(
        page_or_fragment(
            "wallet/home.html",
            "wallet/home.html",
            wallet=view,
            shell=not complete,
            new_handle=new,
            list_check=None if complete else list_check(view),
            per_card=not balances_with_list(shopper.merchant),
            complete_url=url_for("wallet.home", js="0", new=new),
            sections=shown_sections(shopper.merchant),
        )
    )


def shown_sections(merchant: Merchant) -> list:
    """The wallet's sections a shopper sees now: a notice only between its starts and ends."""
    config = merchant.config
    return config.pages.wallet.shown(datetime.now(UTC), ZoneInfo(config.timezone))


@bp.get("/wallet/list")
@shopper_required
def card_list() -> Response:
    """The card list as the card system says now; 204 when it is the one the page shows already (`known`)."""
    shopper = current_shopper()
    known = request.args.get("known")
    balances = services().balances
    cards = balances.live_list(shopper.gateway, shopper.merchant.id, shopper.user_id)
    if cards is None:
        if known:  # the page shows the remembered cards already; their balances say what they can
            return no_store(make_response("", 204))
        view = balances.last_known_wallet(shopper.merchant.id, shopper.user_id)
    else:
        view = balances.arriving(shopper.merchant.id, shopper.user_id, cards)
        if known and list_digest(view.cards) == known:
            return no_store(make_response("", 204))
    section = next(s for s in shopper.merchant.config.pages.wallet.sections if s.type == "card_list")
    return no_store(
        page_or_fragment(
            "wallet/home.html",
            "partials/sections/card_list.html",
            wallet=view,
            section=section,
            shell=False,
            sections=shown_sections(shopper.merchant),
        )
    )


@bp.get("/wallet/cards/<handle>")
@shopper_required
def card_balance(handle: str) -> Response:
    """One wallet card with a fresh balance: what a card of the wallet (or its retry) loads.

    On the wallet home (`list=1`) a balance kept a few seconds may be reused, when the merchant allows it."""
    shopper = current_shopper()
    card_id = shopper.card_id(handle)
    seconds = shopper.merchant.config.pages.wallet.balance_cache_seconds if request.args.get("list") == "1" else 0
    view = services().balances.reused_or_live(shopper.gateway, shopper.merchant.id, shopper.user_id, card_id, seconds)
    if view is None:
        abort(404)
    return no_store(
        page_or_fragment(
            "wallet/card_page.html",
            "partials/wallet_card.html",
            view=view,
            in_wallet=request.args.get("list") == "1",
            new_handle=handle if request.args.get("new") == "1" else None,
        )
    )


def balances_with_list(merchant: Merchant) -> bool:
    """Whether this merchant's card list carries the balances (no per-card call): the list brings them all."""
    backend = merchant.config.backend
    return backend.dialect is not None and not backend.dialect.has("card_detail")


def list_check(view: WalletView | None) -> str | None:
    """Where the drawn page asks for the live list: None when it has no cards drawn (it loads the list itself)."""
    if view is None:
        return None
    if balances_with_list(current_shopper().merchant):
        return url_for("wallet.card_list")  # always answered with the list and its balances
    return url_for("wallet.card_list", known=list_digest(view.cards))


def list_digest(views: tuple[CardView, ...]) -> str:
    """A short fingerprint of a card list as the page draws it (handles and statuses, never card ids)."""
    handles = current_shopper().handles
    shown = "|".join(sorted(f"{handles.of(v.card.card_id)}:{v.card.status.value}" for v in views))
    return hashlib.sha256(shown.encode()).hexdigest()[:16]
