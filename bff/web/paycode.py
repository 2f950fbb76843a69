"""The shopper's pay code (付款码): a rotating one-time code, the card it pays from, and what the till did."""

from __future__ import annotations

import time
from datetime import datetime

from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bff.merchants.paycode_rules import PayCodeRules
from bff.paycode.answers import TillAnswer
from bff.paycode.drawing import barcode_svg, grouped, masked, qr_svg
from bff.paycode.picking import pick, usable
from bff.paycode.redemptions import Redemption
from bff.paycode.till import terms_for
from bff.wallet.views import CardView
from bff.web.checkout_pins import WRONG_PIN_CODES, PinTries
from bff.web.render import is_htmx, no_store, redirect_after_post
from bff.web.shopper import Shopper, current_shopper, services, shopper_required, translator

bp = Blueprint("paycode", __name__, url_prefix="/paycode")
POLL_SECONDS = 2
FINAL = frozenset({"SUCCEEDED", "FAILED", "CANCELLED"})


def _html(template: str, **context: object) -> Response:
    response = no_store(make_response(render_template(template, **context)))
    response.vary.add("HX-Request")
    return response


def _rules(shopper: Shopper) -> PayCodeRules:
    config = shopper.merchant.config
    if not config.paycode_on or config.paycode is None:
        abort(404)
    return config.paycode


def _views(shopper: Shopper) -> list[CardView]:
    wallet = shopper.wallet()
    return [] if wallet is None else list(wallet.cards)


def _since() -> float:
    """The moment the page was opened (payments since then are shown); now when missing or odd."""
    since = request.args.get("since", type=float)
    now = time.time()
    return since if since is not None and now - 3600 < since <= now else now


def _panel(shopper: Shopper, rules: PayCodeRules, card: CardView, since: float) -> dict:
    """A fresh code for this card, drawn, with what the page needs to rotate it and watch for its use."""
    issued = services().till.codes.issue(
        shopper.merchant.id, shopper.user_id, card.card.card_id, card.card.last4, rules.ttl_seconds
    )
    zone = translator().zone
    return {
        "qr": qr_svg(issued.code),
        "bars": barcode_svg(issued.code),
        "masked": masked(issued.code),
        "digits": grouped(issued.code),
        "expires_at": int(issued.expires_at),
        "expires_clock": datetime.fromtimestamp(issued.expires_at, zone).strftime("%H:%M:%S"),
        "card_handle": shopper.handles.of(card.card.card_id),
        "since": since,
        "rotate_seconds": rules.rotate_seconds,
        "poll_seconds": POLL_SECONDS,
    }


@bp.get("")
@shopper_required
def page() -> Response:
    """The code for the picked card (or the merchant's default), the card's balance, and the other cards."""
    shopper = current_shopper()
    rules = _rules(shopper)
    views = _views(shopper)
    wanted = shopper.handles.find(request.args.get("card", ""), [v.card.card_id for v in views])
    card = pick(views, wanted, rules.default_card)
    panel = None if card is None else _panel(shopper, rules, card, _since())
    return _html("paycode/page.html", card=card, cards=usable(views), panel=panel)


@bp.get("/code")
@shopper_required
def code() -> Response:
    """A new code for the same card (htmx rotation); the previous code stops working at once."""
    shopper = current_shopper()
    rules = _rules(shopper)
    handle = request.args.get("card", "")
    if not is_htmx():
        return redirect(url_for("paycode.page", card=handle), 303)
    found = _paid_since(shopper, _since())
    if found is not None:  # paid just before this rotation: show it, not a new code
        return _result_fragment(shopper, found)
    card_id = shopper.card_id(handle)
    view = services().balances.one_card(shopper.gateway, shopper.merchant.id, shopper.user_id, card_id)
    if view is None or not usable([view]):
        return redirect_after_post(url_for("paycode.page"))  # frozen or emptied meanwhile: pick again
    panel = _panel(shopper, rules, view, _since())
    return _html("paycode/panel.html", panel=panel)


def _paid_since(shopper: Shopper, since: float) -> Redemption | None:
    return services().till.redemptions.latest_for(shopper.merchant.id, shopper.user_id, since)


def _answer(shopper: Shopper, redemption: Redemption) -> TillAnswer:
    """Where the redemption stands, asking the card system about an unconfirmed payment as the till does."""
    terms = terms_for(shopper.merchant.id, shopper.merchant.config, redemption.terminal_id)
    if terms is None:  # the terminal was removed from config since
        abort(404)
    return services().till.query(shopper.gateway, terms, redemption.txn_id)


def _result_context(shopper: Shopper, redemption: Redemption) -> dict:
    answer = _answer(shopper, redemption)
    rules = _rules(shopper)
    terminal = rules.terminals.get(redemption.terminal_id)
    balance = None
    if answer.status == "SUCCEEDED":
        view = services().balances.one_card(shopper.gateway, shopper.merchant.id, shopper.user_id, redemption.card_id)
        balance = view.balance if view is not None and view.live else None
    return {
        "answer": answer,
        "redemption": redemption,
        "store": translator().pick(terminal.store_name) if terminal else redemption.store_id,
        "balance_after": balance,
        "polling": answer.status not in FINAL and answer.waiting_for is None,  # never wipe a PIN being typed
        "poll_seconds": POLL_SECONDS,
        **_pin_step(shopper, redemption, answer),
    }


def _pin_step(shopper: Shopper, redemption: Redemption, answer: TillAnswer) -> dict:
    """The PIN form's try number and what it says after a wrong PIN; or, once the tries are used up, the lock."""
    tries, card_id, last4 = PinTries(services().guard, shopper, translator()), redemption.card_id, redemption.last4
    if answer.waiting_for == "PIN":
        again = services().till.pin_again(redemption)
        if again:  # asked again after a wrong PIN: the focus goes back to the boxes
            return {"attempt": again, "pin_problem": tries.wrong(card_id, last4), "pin_focus": True}
        locked = tries.locked(card_id, last4) if tries.used_up(card_id) else None  # used up elsewhere already
        return {"attempt": 1, "pin_problem": locked, "pin_focus": False}
    if answer.status == "FAILED" and answer.reason == "SECRET_LOCKED":
        return {"pin_locked": translator()("pin.locked_by_issuer", last4=last4)}
    if answer.status == "FAILED" and answer.reason == "WRONG_SECRET" and tries.used_up(card_id):
        return {"pin_locked": tries.locked(card_id, last4)}
    return {}


def _result_fragment(shopper: Shopper, redemption: Redemption) -> Response:
    return _html("paycode/result.html", **_result_context(shopper, redemption))


@bp.get("/result")
@shopper_required
def result() -> Response | tuple[str, int]:
    """htmx polling while a code is shown: nothing (204) until a till used it, then what happened."""
    shopper = current_shopper()
    _rules(shopper)
    found = _paid_since(shopper, _since())
    if found is None:
        return "", 204
    return _result_fragment(shopper, found)


def _owned(shopper: Shopper, terminal_id: str, txn_id: str) -> Redemption:
    found = services().till.redemptions.find(shopper.merchant.id, terminal_id, txn_id)
    if found is None or found.user_id != shopper.user_id:
        abort(404)
    return found


@bp.get("/payments/<terminal_id>/<txn_id>")
@shopper_required
def payment(terminal_id: str, txn_id: str) -> Response:
    """One in-store payment of the shopper's (the page after the PIN step, and without JS)."""
    shopper = current_shopper()
    _rules(shopper)
    redemption = _owned(shopper, terminal_id, txn_id)
    context = _result_context(shopper, redemption)
    template = "paycode/result.html" if is_htmx() else "paycode/payment.html"
    return _html(template, **context)


def _pin_shape_problem(shopper: Shopper, redemption: Redemption, done: str) -> Response:
    """A PIN too short or not digits: said at the boxes, the focus there; nothing is sent, no try is taken."""
    context = _result_context(shopper, redemption)
    if context["answer"].waiting_for != "PIN":  # the wait ended meanwhile: what happened instead
        return redirect_after_post(done)
    rule = shopper.merchant.config.flows.bind.secret
    problem = translator()("checkout.problem.pin", last4=redemption.last4, length=rule.length)
    response = _html("paycode/payment.html", **{**context, "pin_problem": problem, "pin_focus": True})
    response.status_code = 422
    return response


@bp.post("/payments/<terminal_id>/<txn_id>/pin")
@shopper_required
def confirm(terminal_id: str, txn_id: str) -> Response:
    """Above the PIN amount: the shopper pays with the PIN, or says no; the till sees it on its next query."""
    shopper = current_shopper()
    _rules(shopper)
    redemption = _owned(shopper, terminal_id, txn_id)
    done = url_for("paycode.payment", terminal_id=terminal_id, txn_id=txn_id)
    till = services().till
    if request.form.get("action") == "cancel":
        till.decline(redemption)
        return redirect_after_post(done)
    pin = request.form.get("pin", "").strip()
    rule, t = shopper.merchant.config.flows.bind.secret, translator()
    terms = terms_for(shopper.merchant.id, shopper.merchant.config, terminal_id)
    if terms is None:
        abort(404)
    if len(pin) != rule.length or (rule.digits_only and not pin.isdigit()):
        return _pin_shape_problem(shopper, redemption, done)
    tries = PinTries(services().guard, shopper, t)
    # the same wrong-PIN tries as online checkout: one count per card and per shopper, across processes
    reservation = tries.take(redemption.card_id)
    if reservation is None:
        till.pin_tries_used_up(redemption)  # the payment fails, nothing charged; the page says the card is locked
        return redirect_after_post(done)
    paid = till.confirm_pin(shopper.gateway, terms, redemption, pin, request.form.get("attempt", 1, type=int))
    if paid is None or paid.failure not in WRONG_PIN_CODES:
        tries.guard.give_back(reservation)  # only a PIN the card system refused counts
    elif tries.used_up(redemption.card_id):
        till.pin_tries_used_up(redemption)  # that was the last try: no more PINs for this payment
    return redirect_after_post(done)
