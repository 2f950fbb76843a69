"""Report a card lost (挂失): ask with the card's PIN, then say plainly what happened."""

from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from bff.cards.models import CardStatus
from bff.wallet.card_legal import card_legal
from bff.wallet.report_lost import LostOutcome, LostReport, lost_offered, report_lost
from bff.web.render import no_store, page_or_fragment, redirect_after_post
from bff.web.shopper import current_shopper, services, shopper_required, translator

bp = Blueprint("lost", __name__, url_prefix="/cards")
PROBLEMS = {
    LostOutcome.LOCKED: "lost.locked",
    LostOutcome.FAILED: "lost.failed",
    LostOutcome.UNCONFIRMED: "lost.unconfirmed",
}


@bp.route("/<handle>/lost", methods=["GET", "POST"])
@shopper_required
def confirm(handle: str) -> Response:
    """Ask for the PIN first; on the confirming POST report the card lost and show the card frozen."""
    shopper = current_shopper()
    config = shopper.merchant.config
    if not config.offers("report_lost"):
        abort(404)
    card_id = shopper.card_id(handle)
    view = services().balances.one_card(shopper.gateway, shopper.merchant.id, shopper.user_id, card_id)
    if view is None:
        abort(404)
    legal = card_legal(config.legal, view.card)
    if not lost_offered(config, view.card, legal):
        if request.method == "POST" and legal.named and view.card.status is CardStatus.FROZEN:
            return redirect_after_post(url_for("card.detail", handle=handle))  # a second tap: the card page says
        abort(404)
    t, rule = translator(), config.flows.bind.secret
    form, problem, pin_problem = FlaskForm(), None, None
    if form.validate_on_submit():
        pin = request.form.get("pin", "").strip()
        if len(pin) != rule.length or (rule.digits_only and not pin.isdigit()):
            pin_problem = t("lost.pin_format", length=rule.length)
        else:
            report = LostReport(shopper.merchant.id, shopper.user_id, card_id, config.limits.wrong_secret)
            outcome = report_lost(shopper.gateway, services().guard, report, pin)
            if outcome is LostOutcome.NOT_FOUND:
                abort(404)
            issuer = {"issuer": t.pick(legal.issuer.name), "phone": legal.issuer.phone}
            if outcome is LostOutcome.DONE:
                flash(t("lost.done", last4=view.card.last4, **issuer), "success")
                return redirect_after_post(url_for("card.detail", handle=handle))
            left = services().guard.tries_left(report.limits, report.merchant_id, report.user_id, f"card:{card_id}")
            if outcome is LostOutcome.WRONG_PIN and left > 0:  # shown at the PIN, asked again
                pin_problem = t("pin.wrong_one_left" if left == 1 else "pin.wrong", tries=left)
            else:
                problem = t(PROBLEMS[LostOutcome.LOCKED if outcome is LostOutcome.WRONG_PIN else outcome], **issuer)
    context = {"view": view, "legal": legal, "problem": problem, "pin_problem": pin_problem, "pin_length": rule.length}
    status = 422 if problem or pin_problem else 200
    return no_store(page_or_fragment("card/lost.html", "card/lost.html", status=status, **context))
