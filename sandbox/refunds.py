"""The host app's refunds: a form per paid order that asks Kabao (signed) to give money back."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from sandbox import answers, orders
from sandbox.context import current
from sandbox.hostapi import BffError
from sandbox.money import parse_yuan

bp = Blueprint("refunds", __name__, url_prefix="/sim")

# Drawn into each refund form as a hidden field, so a re-POST of that form repeats the same refund.
bp.add_app_template_global(orders.new_refund_id, "new_refund_id")


@bp.post("/orders/<merchant_id>/<order_id>/refund")
def refund(merchant_id: str, order_id: str) -> tuple[str, int]:
    """Send a signed refund request and show Kabao's answer (the refunded legs, or why not)."""
    sandbox = current()
    order = orders.find_order(sandbox.db, merchant_id, order_id)
    if order is None:
        return _answer(None, error="没有这个订单 No such order", status=404)
    refund_id = request.form.get("refund_id", "")
    if not orders.ORDER_ID.match(refund_id):
        return _answer(order, error="退款单号无效 The refund id is missing or invalid", status=400)
    try:
        amount = parse_yuan(request.form.get("amount", ""))
    except ValueError as problem:
        return _answer(order, error=str(problem), status=400)
    try:
        accepted = sandbox.host_api.refund(merchant_id, order_id, refund_id, amount)
    except BffError as error:
        return _answer(order, error=answers.explain(error), status=answers.page_status(error))
    return _answer(orders.record_refund(sandbox.db, order, accepted), refund=accepted, status=200)


def _answer(order: orders.Order | None, *, status: int, **context: object) -> tuple[str, int]:
    return render_template("refunds/answer.html", order=order, **context), status
