"""Checkout: pick cards, see the split, pay once, follow the result, and go back to the app."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response

from bff.checkout.choice import choose, unusable_reason
from bff.checkout.ledger import OrderMismatch
from bff.checkout.records import AttemptRefused, Checkout
from bff.checkout.results import host_result, outcome_of
from bff.checkout.states import AttemptStatus, CheckoutStatus
from bff.i18n import LOCALES
from bff.merchants.checkout_rules import CheckoutRules
from bff.security.tokens import TokenRejected, sign_result, verify_checkout
from bff.security.tries import Reservation
from bff.wallet.balances import CardView
from bff.web.checkout_pins import PinAsk, PinTries, read_pins
from bff.web.launch import refused, verify_host_token
from bff.web.render import no_store, page_or_fragment, redirect_after_post
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


def _views(shopper: Shopper) -> list[CardView]:
    wallet = shopper.wallet()
    return [] if wallet is None else list(wallet.cards)


def _picked(shopper: Shopper, views: list[CardView]) -> list[str]:
    """The cards the form picked by handle; a handle naming none of the shopper's cards stays unusable."""
    ids = [v.card.card_id for v in views]
    return [shopper.handles.find(h, ids) or f"?{h}" for h in request.form.getlist("card")]


def _render_choice(
    checkout: Checkout,
    rules: CheckoutRules,
    views: list[CardView],
    picked: list[str],
    problem: str | None = None,
    status: int = 200,
    pin_ask: PinAsk | None = None,
) -> Response:
    """The checkout page (or, for htmx, its form) for these picked cards."""
    ledger = services().ledger
    latest = ledger.latest_attempt(checkout.checkout_id)
    choice = choose(checkout.amount, views, picked, rules)
    return no_store(
        page_or_fragment(
            "checkout/page.html",
            "checkout/form.html",
            status=status,
            checkout=checkout,
            rules=rules,
            views=views,
            reasons={v.card.card_id: unusable_reason(v) for v in views},
            picked=picked,
            choice=choice,
            problem=problem,
            next_seq=(latest.seq if latest else 0) + 1,
            last_failure=latest.failure if latest and latest.status is AttemptStatus.FAILED and not pin_ask else None,
            pin_ask=pin_ask or PinTries(services().guard, current_shopper(), translator()).already_locked(choice),
        )
    )


@bp.get("/<checkout_id>")
@shopper_required
def choose_cards(checkout_id: str) -> Response:
    """The cards that can pay, the order amount, and (once picked) how it splits."""
    shopper, checkout, rules = _owned(checkout_id)
    if checkout.status is not CheckoutStatus.OPEN:
        return redirect(url_for("checkout.result", checkout_id=checkout_id), 303)
    views = _views(shopper)
    first = next((v.card.card_id for v in views if unusable_reason(v) is None), None)
    return _render_choice(checkout, rules, views, [first] if first else [])  # the first usable card starts picked


@bp.post("/<checkout_id>/preview")
@shopper_required
def preview(checkout_id: str) -> Response:
    """Recompute the split for the cards now picked (htmx on every change; a button without JS)."""
    shopper, checkout, rules = _owned(checkout_id)
    views = _views(shopper)
    return _render_choice(checkout, rules, views, _picked(shopper, views))


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
    views = _views(shopper)
    picked = _picked(shopper, views)
    if seq != max(seqs, default=0) + 1:  # a form from before a later attempt, or a number nobody issued
        return _render_choice(checkout, rules, views, picked, translator()("checkout.problem.stale"), 409)
    choice = choose(checkout.amount, views, picked, rules)
    t, tries = translator(), PinTries(services().guard, shopper, translator())
    typed = {leg.card_id: request.form.get(f"pin-{shopper.handles.of(leg.card_id)}", "") for leg in choice.legs}
    pins, pin_ask = read_pins(typed, shopper.merchant.config.flows.bind.secret, choice, t)
    problem = None if choice.payable else t(f"checkout.problem.{choice.problems[0]}", max=rules.max_cards)
    reservations: dict[str, Reservation] = {}
    if not problem and not pin_ask:
        reservations, pin_ask = tries.reserve(choice, pins)
    if problem or pin_ask:
        if _moved_on(checkout_id, seq):  # the first tap paid meanwhile: its result, not "can't pay"
            return redirect_after_post(done)
        return _render_choice(checkout, rules, views, picked, problem, 422, None if problem else pin_ask)
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
        return _render_choice(now, rules, views, picked, None, 422, again)
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
    """Poll target of a pending result: asks the card systems (with backoff) until it reaches a verdict."""
    shopper, checkout, rules = _owned(checkout_id)
    attempt = services().ledger.latest_attempt(checkout_id)
    if attempt and attempt.status in (AttemptStatus.PENDING, AttemptStatus.PROCESSING):
        budget = shopper.merchant.config.backend.timeouts.one_call
        services().payer.confirm(shopper.gateway, checkout, attempt.seq, rules.status_query, budget)
        checkout = services().ledger.checkout(checkout_id)
    return no_store(
        page_or_fragment("checkout/result.html", "partials/checkout_status.html", **_result_context(checkout, rules))
    )


def _result_context(checkout: Checkout, rules: CheckoutRules) -> dict:
    ledger = services().ledger
    attempt = ledger.latest_attempt(checkout.checkout_id)
    outcome = outcome_of(checkout, attempt, ledger.legs(checkout.checkout_id))
    return {
        "checkout": checkout,
        "outcome": outcome,
        "polling": outcome.status == "PENDING",  # each poll asks the card system, so a verdict comes
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
