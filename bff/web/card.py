"""Card detail: balance, history by month (filtered, more pages on request), and unbinding with a confirmation step."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from bff.wallet.card_legal import card_legal
from bff.wallet.history import CardGone, Shown, load, page_context
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


def _history(shopper: Shopper, card_id: str) -> dict[str, Any]:
    """What the history part of the card page shows: the pages asked for (?pages=), filtered (?show=)."""
    pages = request.args.get("pages", "1")
    # load() caps the pages; a short ASCII number only (int() of 5000 digits raises)
    wanted = int(pages) if pages.isascii() and pages.isdigit() and len(pages) < 4 else 1
    try:
        loaded = load(shopper.gateway, shopper.user_id, card_id, wanted, PAGE_SIZE)
    except CardGone:
        abort(404)
    return page_context(loaded, Shown.from_query(request.args.get("show")), translator().zone)


@bp.get("/<handle>")
@shopper_required
def detail(handle: str) -> Response:
    """The card, its balance and its newest transactions by month (more pages with ?pages=, a filter with ?show=)."""
    shopper = current_shopper()
    card_id = shopper.card_id(handle)
    view = services().balances.one_card(shopper.gateway, shopper.merchant.id, shopper.user_id, card_id)
    if view is None:
        abort(404)
    history = _history(shopper, card_id) if shopper.merchant.config.offers("history") else {"history": None}
    legal = card_legal(shopper.merchant.config.legal, view.card)
    lost = lost_offered(shopper.merchant.config, view.card, legal)
    context = {"view": view, "legal": legal, "lost_offered": lost, **history}
    return no_store(page_or_fragment("card/detail.html", "card/detail.html", **context))


@bp.get("/<handle>/transactions")
@shopper_required
def transactions(handle: str) -> Response:
    """The history part again (more pages, another filter), for htmx; a redirect to the page otherwise."""
    shopper = current_shopper()
    if not is_htmx():
        return redirect(url_for("card.detail", handle=handle, **request.args), 303)
    if not shopper.merchant.config.offers("history"):
        abort(404)
    history = _history(shopper, shopper.card_id(handle))
    body = render_template("partials/history.html", card_handle=handle, announce=True, **history)
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
