"""Bind a card: the form follows the merchant's bind method and card-number rule."""

from __future__ import annotations

import math

from flask import Blueprint, flash, request, url_for
from werkzeug.wrappers import Response

from bff.cards.models import BindRequest
from bff.merchants.model import BindFlow
from bff.pages.forms import BindForm
from bff.wallet.binding import BindProblem, normalise_number, number_fits
from bff.web.render import no_store, page_or_fragment, redirect_after_post
from bff.web.shopper import current_shopper, services, shopper_required, translator

bp = Blueprint("bind", __name__)


def _secret_ok(flow: BindFlow, value: str) -> bool:
    rule = flow.secret
    return len(value) == rule.length and (value.isdigit() or not rule.digits_only)


def _resend_wait(flow: BindFlow, number: str) -> int:
    """Seconds until a code can be texted for the number typed (0: now, or not an SMS merchant)."""
    if flow.method != "sms" or not number_fits(flow.card_number, number):
        return 0
    shopper = current_shopper()
    sms = shopper.merchant.config.limits.sms
    return services().binder.sms.wait_seconds(sms, shopper.merchant.id, shopper.user_id, number)


def _wait_text(seconds: int, seconds_key: str = "common.seconds", minutes_key: str = "common.minutes") -> str:
    """A wait in words: seconds under two minutes, whole minutes above (as static/countdown.js does)."""
    t = translator()
    if seconds < 120:
        return t(seconds_key, seconds=seconds)
    return t(minutes_key, minutes=math.ceil(seconds / 60))


@bp.route("/bind", methods=["GET", "POST"])
@shopper_required
def bind() -> Response:
    """Show the bind form; on POST send an SMS code or bind, and say plainly what happened."""
    shopper = current_shopper()
    merchant = shopper.merchant
    flow = merchant.config.flows.bind
    t = translator()
    form = BindForm()
    problem: BindProblem | None = None
    notice = None
    if form.validate_on_submit():
        number = normalise_number(form.card_number.data)
        form.card_number.data = number
        secret = (form.secret.data or "").strip()
        code = (form.sms_code.data or "").strip()
        binder = services().binder
        if not number_fits(flow.card_number, number):
            form.card_number.errors = [t("bind.error.number")]
        elif flow.method == "sms" and request.form.get("action") == "send_code":
            sent = binder.send_code(merchant, shopper.gateway, shopper.user_id, number)
            problem = sent.problem
            if problem is None:
                notice = t("bind.code_sent_to", phone=sent.masked_phone) if sent.masked_phone else t("bind.code_sent")
        elif flow.method == "password" and not _secret_ok(flow, secret):
            form.secret.errors = [t("bind.error.secret", length=flow.secret.length)]
        elif flow.method == "sms" and not (code.isdigit() and 4 <= len(code) <= 8):
            form.sms_code.errors = [t("bind.error.code")]
        else:
            bind_request = BindRequest(
                user_id=shopper.user_id,
                card_number=number,
                secret=secret if flow.method == "password" else None,
                sms_code=code if flow.method == "sms" else None,
            )
            known = services().balances.remembered_card_ids(merchant.id, shopper.user_id)
            result = binder.bind(merchant, shopper.gateway, bind_request, known)
            if result.card is not None:
                flash(t("bind.done", last4=result.card.last4), "success")
                services().balances.add_bound(merchant.id, shopper.user_id, result.card)
                return redirect_after_post(url_for("wallet.home", new=shopper.handles.of(result.card.card_id)))
            problem = result.problem
    # secrets and codes are never echoed back into the form
    form.secret.data = None
    form.sms_code.data = None
    failed = bool(problem or form.errors)
    wait = _resend_wait(flow, form.card_number.data or "")
    message = None
    if problem is BindProblem.NO_MATCH:
        message = t(f"bind.problem.no_match.{flow.method}")
    elif problem is BindProblem.SMS_WAIT:
        message = t("bind.problem.sms_wait", wait=_wait_text(wait))
    elif problem is not None:
        message = t(f"bind.problem.{problem.value}")
    return no_store(
        page_or_fragment(
            "bind/page.html",
            "bind/form.html",
            status=422 if failed else 200,
            form=form,
            flow=flow,
            problem=message,
            unconfirmed=problem is BindProblem.UNCONFIRMED,
            notice=notice,
            resend_wait=wait,
            resend_label=_wait_text(wait, "bind.resend_in_seconds", "bind.resend_in_minutes") if wait else None,
        )
    )
