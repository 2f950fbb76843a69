"""Checkout: pick cards, see the split, pay once, follow the result, and go back to the app."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, make_response, redirect, request, session, url_for
from werkzeug.wrappers import Response

from bff.checkout.choice import choose
from bff.checkout.ledger import OrderMismatch
from bff.checkout.records import AttemptRefused, Checkout
from bff.checkout.results import host_result, outcome_of
from bff.checkout.states import AttemptStatus, CheckoutStatus
from bff.i18n import LOCALES
from bff.merchants.checkout_rules import CheckoutRules
from bff.security.tokens import TokenRejected, sign_result, verify_checkout
from bff.security.tries import Reservation
from bff.web.checkout_page import (
    confirm_balances,
    first_picks,
    picked_in_order,
    render_choice,
    render_loading,
    retried,
    shown_cards,
)
from bff.web.checkout_pins import PinAsk, PinTries, read_pins
from bff.web.launch import refused, verify_host_token
from bff.web.render import is_htmx, no_store, page_or_fragment, redirect_after_post
from bff.web.shopper import Shopper, current_shopper, services, shopper_required, start_session, translator

log = logging.getLogger(__name__)
bp = Blueprint("checkout", __name__, url_prefix="/checkout")


def return_url_allowed(url: str, allowed: list[str]) -> bool:
    """Whether url starts with an allow-listed return URL prefix, ending at a path boundary."""
    for prefix in allowed:
        if not prefix:
            continue
        if url == prefix or (url.startswith(prefix) and url[len(prefix)] in "/?#"):
            return True
    return False


@bp.get("")
def start() -> Response | tuple[str, int]:
    """Open the checkout the host app signed: amount, order and return URL come only from the token."""
    try:
        claims = verify_host_token(verify_checkout)
    except TokenRejected as exc:
        log.info("checkout refused: %s", exc.problem)
        return refused(exc.problem)
    merchant = services().registry.get(claims.merchant_id)
    rules = merchant.config.checkout if merchant else None
    if merchant is None or rules is None or claims.currency != merchant.config.currency:
        abort(404)
    if not return_url_allowed(claims.return_url, services().registry.return_urls(merchant)):
        log.warning("checkout refused: return URL not allow-listed for %s", merchant.id)
        abort(400)
    try:
        checkout = services().ledger.open_checkout(
            merchant.id, claims.user_id, claims.order_id, claims.amount, claims.currency, claims.return_url
        )
    except OrderMismatch:
        log.warning("checkout refused: order %s came back with other terms", claims.order_id)
        abort(409)
    locale = claims.locale if claims.locale in LOCALES else merchant.config.default_locale
    start_session(claims.user_id, merchant.id, locale)
    return no_store(redirect(url_for("checkout.choose_cards", checkout_id=checkout.checkout_id), 303))


def _owned(checkout_id: str) -> tuple[Shopper, Checkout, CheckoutRules]:
    shopper = current_shopper()
    checkout = services().ledger.checkout(checkout_id)
    rules = shopper.merchant.config.checkout
    if (
        checkout is None
        or rules is None
        or (checkout.user_id, checkout.merchant_id) != (shopper.user_id, shopper.merchant.id)
    ):
        abort(404)
    return shopper, checkout, rules


@bp.get("/<checkout_id>")
@shopper_required
def choose_cards(checkout_id: str) -> Response:
    """The order and the remembered cards at once, their balances loaded by one fragment (`card_balances`).

    Without JS the page's <noscript> refresh asks for `?js=0`: the same page complete, balances fetched here."""
    shopper, checkout, rules = _owned(checkout_id)
    if checkout.status is not CheckoutStatus.OPEN:
        return redirect(url_for("checkout.result", checkout_id=checkout_id), 303)
    if request.args.get("js") != "0":
        return render_loading(shopper, checkout, rules)
    return _choice_with_balances(shopper, checkout, rules)


@bp.get("/<checkout_id>/cards")
@shopper_required
def card_balances(checkout_id: str) -> Response:
    """The form with the cards that can pay (fetched once here, in parallel) and the cards the merchant's rule picks."""
    shopper, checkout, rules = _owned(checkout_id)
    if checkout.status is not CheckoutStatus.OPEN:  # paid or closed in another tab meanwhile
        return redirect_after_post(url_for("checkout.result", checkout_id=checkout_id))
    return _choice_with_balances(shopper, checkout, rules)


def _choice_with_balances(shopper: Shopper, checkout: Checkout, rules: CheckoutRules) -> Response:
    """The form with every card's balance fetched now (in parallel) and the cards the merchant's rule picks."""
    views = shown_cards(shopper, checkout.checkout_id, fresh=True)
    return render_choice(checkout, rules, views, first_picks(checkout, rules, views))


@bp.post("/<checkout_id>/retry")
@shopper_required
def retry_card(checkout_id: str) -> Response:
    """Ask again for the balance of one card the page shows as unavailable; the picks stay as they were."""
    shopper, checkout, rules = _owned(checkout_id)
    if checkout.status is not CheckoutStatus.OPEN:
        return redirect_after_post(url_for("checkout.result", checkout_id=checkout_id))
    views, came = retried(shopper, checkout_id, shown_cards(shopper, checkout_id), request.form.get("retry", ""))
    picked, _ = picked_in_order(shopper, views)
    problem = None if came else translator()("checkout.loading.retry_failed")
    return render_choice(checkout, rules, views, picked, problem, problem_at="cards")


@bp.post("/<checkout_id>/preview")
@shopper_required
def preview(checkout_id: str) -> Response:
    """Recompute the split for the cards now picked, from the balances the page showed: no card call."""
    shopper, checkout, rules = _owned(checkout_id)
    views = shown_cards(shopper, checkout_id)
    picked, moved = picked_in_order(shopper, views)
    return render_choice(checkout, rules, views, picked, moved=moved)


@bp.post("/<checkout_id>/pay")
@shopper_required
def pay(checkout_id: str) -> Response:
    """Write the attempt, then pay it, unless this very attempt was already submitted."""
    shopper, checkout, rules = _owned(checkout_id)
    ledger = services().ledger
    done = url_for("checkout.result", checkout_id=checkout_id)
    seq = request.form.get("attempt", type=int)
    if seq is None:
        abort(400)
    seqs = [a.seq for a in ledger.attempts(checkout_id)]
    if checkout.status is not CheckoutStatus.OPEN or seq in seqs:
        return redirect_after_post(done)  # a double tap, a reload or another tab: never a second charge
    views = shown_cards(shopper, checkout_id)  # the split the shopper saw; confirmed below, before paying
    picked, _ = picked_in_order(shopper, views)
    if seq != max(seqs, default=0) + 1:  # a form from before a later attempt, or a number nobody issued
        return render_choice(checkout, rules, views, picked, translator()("checkout.problem.stale"), 409)
    choice = choose(checkout.amount, views, picked, rules)
    t, tries = translator(), PinTries(services().guard, shopper, translator())
    typed = {leg.card_id: request.form.get(f"pin-{shopper.handles.of(leg.card_id)}", "") for leg in choice.legs}
    pins, pin_ask = read_pins(typed, shopper.merchant.config.flows.bind.secret, choice, t)
    problem = None if choice.payable else t(f"checkout.problem.{choice.problems[0]}", max=rules.max_cards)
    reservations: dict[str, Reservation] = {}
    if not problem and not pin_ask:  # the balances the page showed, confirmed once, live, before money moves
        views, problem = confirm_balances(shopper, checkout_id, views, choice)
    if not problem and not pin_ask:
        reservations, pin_ask = tries.reserve(choice, pins)
    if problem or pin_ask:
        if _moved_on(checkout_id, seq):  # the first tap paid meanwhile: its result, not "can't pay"
            return redirect_after_post(done)
        return render_choice(
            checkout, rules, views, picked, problem, 422, "cards", pin_ask=None if problem else pin_ask
        )
    created = False
    try:
        try:
            _, created = ledger.start_attempt(checkout_id, seq, list(choice.legs), choice.remainder)
        except AttemptRefused:
            return redirect_after_post(done)  # closed in another tab meanwhile: nothing to pay
        if created:
            services().payer.run(shopper.gateway, checkout, seq, pins, rules.status_query)
    finally:
        tries.settle(ledger, checkout_id, seq, reservations, counted=created)
    again = tries.ask_again(ledger, checkout_id, seq) if created else PinAsk()
    now = ledger.checkout(checkout_id)
    if again and now is not None and now.status is CheckoutStatus.OPEN:
        # a wrong PIN: the same cards, asked again at that card's PIN, not a failed page and a new start
        return render_choice(now, rules, views, picked, None, 422, pin_ask=again)
    return redirect_after_post(done)


def _moved_on(checkout_id: str, seq: int) -> bool:
    """Whether, since this request read it, the checkout closed or this attempt was written (another tap)."""
    ledger = services().ledger
    checkout = ledger.checkout(checkout_id)
    return (
        checkout is None
        or checkout.status is not CheckoutStatus.OPEN
        or seq in (a.seq for a in ledger.attempts(checkout_id))
    )


@bp.get("/<checkout_id>/result")
@shopper_required
def result(checkout_id: str) -> Response:
    _, checkout, rules = _owned(checkout_id)
    return no_store(
        page_or_fragment("checkout/result.html", "checkout/result.html", **_result_context(checkout, rules))
    )


@bp.get("/<checkout_id>/status")
@shopper_required
def status(checkout_id: str) -> Response:
    """Poll target of a pending result: asks the card systems (with backoff) until it reaches a verdict.

    For htmx, a poll that changes nothing answers 204 (the status region is left alone); anything else
    answers 286, which swaps the region's content once and stops the polling."""
    shopper, checkout, rules = _owned(checkout_id)
    attempt = services().ledger.latest_attempt(checkout_id)
    budget = shopper.merchant.config.backend.timeouts.one_call
    if attempt and attempt.status in (AttemptStatus.PENDING, AttemptStatus.PROCESSING):
        services().payer.confirm(shopper.gateway, checkout, attempt.seq, rules.status_query, budget)
        checkout = services().ledger.checkout(checkout_id)
    context = _result_context(checkout, rules, give_up_after=rules.status_query.give_up_seconds + budget)
    if not is_htmx():
        return no_store(page_or_fragment("checkout/result.html", "checkout/result.html", **context))
    if context["polling"]:
        return no_store(make_response("", 204))
    return no_store(page_or_fragment("checkout/result.html", "partials/checkout_status.html", status=286, **context))


def _result_context(checkout: Checkout, rules: CheckoutRules, give_up_after: float | None = None) -> dict:
    """What the result page shows; a pending payment stops being polled give_up_after seconds after it started
    (the worker keeps confirming it and tells the app)."""
    ledger = services().ledger
    attempt = ledger.latest_attempt(checkout.checkout_id)
    outcome = outcome_of(checkout, attempt, ledger.legs(checkout.checkout_id))
    waited = services().payer.clock() - attempt.created_at if attempt else 0.0
    return {
        "checkout": checkout,
        "outcome": outcome,
        # each poll asks the card system, so a verdict comes; past the window the page says what happens next
        "polling": outcome.status == "PENDING" and (give_up_after is None or waited <= give_up_after),
        "poll_seconds": max(1, round(rules.status_query.interval_seconds)),
    }


@bp.get("/<checkout_id>/return")
@shopper_required
def back_to_app(checkout_id: str) -> Response:
    """Leave for the host app through the allow-listed URL, carrying the signed result."""
    _, checkout, _ = _owned(checkout_id)
    ledger = services().ledger
    attempt = ledger.latest_attempt(checkout_id)
    if checkout.status is CheckoutStatus.OPEN:
        failed = attempt is not None and attempt.status is AttemptStatus.FAILED
        ledger.close_checkout(checkout_id, CheckoutStatus.FAILED if failed else CheckoutStatus.CANCELLED)
        checkout = ledger.checkout(checkout_id)
    outcome = outcome_of(checkout, attempt, ledger.legs(checkout_id))
    token = sign_result(current_app.config["KABAO_HOST_SECRET"], host_result(checkout, outcome))
    joiner = "&" if "?" in checkout.return_url else "?"
    session.pop("checkout", None)
    return redirect(f"{checkout.return_url}{joiner}{urlencode({'kabao_result': token})}", 303)
