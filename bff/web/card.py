"""Card detail: balance, history paged by cursor, and unbinding with a confirmation step."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.models import TransactionPage
from bff.wallet.card_legal import card_legal
from bff.wallet.lost_answers import UnbindOutcome
from bff.wallet.lost_answers import unbind as unbind_card
from bff.wallet.report_lost import lost_offered
from bff.web.render import is_htmx, no_store, page_or_fragment, redirect_after_post
from bff.web.shopper import Shopper, current_shopper, services, shopper_required, translator

bp = Blueprint("card", __name__, url_prefix="/cards")
PAGE_SIZE = 10
UNBIND_PROBLEMS = {
    UnbindOutcome.FAILED: "unbind.failed",
    UnbindOutcome.BUSY: "common.busy",
    UnbindOutcome.UNCONFIRMED: "unbind.unconfirmed",
}


def _history(shopper: Shopper, card_id: str, cursor: str | None) -> TransactionPage | None:
    """A page of history, or None when the card system can't give it now."""
    try:
        return shopper.gateway.transactions(shopper.user_id, card_id, cursor, PAGE_SIZE)
    except CardSystemError as exc:
        if exc.code is ErrorCode.CARD_NOT_FOUND:
            abort(404)
        return None
    except CardSystemUnavailable:
        return None


@bp.get("/<handle>")
@shopper_required
def detail(handle: str) -> Response:
    """The card, its balance and the newest transactions (or older ones from ?cursor=)."""
    shopper = current_shopper()
    card_id = shopper.card_id(handle)
    view = services().balances.one_card(shopper.gateway, shopper.merchant.id, shopper.user_id, card_id)
    if view is None:
        abort(404)
    cursor = request.args.get("cursor") or None
    history = _history(shopper, card_id, cursor) if shopper.merchant.config.offers("history") else None
    legal = card_legal(shopper.merchant.config.legal, view.card)
    lost = lost_offered(shopper.merchant.config, view.card, legal)
    context = {"view": view, "history": history, "cursor": cursor, "legal": legal, "lost_offered": lost}
    return no_store(page_or_fragment("card/detail.html", "card/detail.html", **context))


@bp.get("/<handle>/transactions")
@shopper_required
def transactions(handle: str) -> Response:
    """The next page of history as rows and a new "load more", for htmx; a redirect otherwise."""
    shopper = current_shopper()
    cursor = request.args.get("cursor") or None
    if not is_htmx():
        return redirect(url_for("card.detail", handle=handle, cursor=cursor), 303)
    if not shopper.merchant.config.offers("history"):
        abort(404)
    history = _history(shopper, shopper.card_id(handle), cursor)
    body = render_template("partials/transactions.html", card_handle=handle, history=history, cursor=cursor)
    return no_store(make_response(body))


@bp.route("/<handle>/unbind", methods=["GET", "POST"])
@shopper_required
def unbind(handle: str) -> Response:
    """Ask first; on the confirming POST unbind and go back to the wallet."""
    shopper = current_shopper()
    if not shopper.merchant.config.offers("unbind"):
        abort(404)
    card_id = shopper.card_id(handle)
    t = translator()
    view = services().balances.one_card(shopper.gateway, shopper.merchant.id, shopper.user_id, card_id)
    if view is None:
        abort(404)
    form = FlaskForm()
    problem = None
    if form.validate_on_submit():
        outcome = unbind_card(shopper.gateway, shopper.user_id, card_id)
        if outcome is UnbindOutcome.NOT_FOUND:
            abort(404)
        if outcome is UnbindOutcome.DONE:
            flash(t("unbind.done", last4=view.card.last4), "success")
            return redirect_after_post(url_for("wallet.home"))
        problem = t(UNBIND_PROBLEMS[outcome])
    return no_store(
        page_or_fragment(
            "card/unbind.html",
            "card/unbind.html",
            status=422 if problem else 200,
            view=view,
            form=form,
            problem=problem,
        )
    )
