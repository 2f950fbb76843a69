"""The host app's side of checkout: open one, take the shopper back, ask Kabao for the status."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from itsdangerous import BadData

from sandbox import answers, orders
from sandbox.context import current
from sandbox.hostapi import BffError
from sandbox.money import parse_yuan
from sandbox.simulator import choice_error, render_page
from sandbox.tokens import checkout_url, mint_checkout_token, read_result_token

bp = Blueprint("checkout", __name__, url_prefix="/sim")


def return_url() -> str:
    """Where Kabao sends the shopper back: this sandbox's own base URL + /sim/return."""
    return url_for("checkout.result", _external=True)


@bp.post("/checkout")
def open_checkout() -> Response | tuple[str, int]:
    """Record an order and send the browser to the BFF's checkout with a signed token."""
    form = request.form
    user_id, merchant_id = form.get("user_id", ""), form.get("merchant_id", "")
    locale = form.get("locale", "zh-CN")
    order_id = form.get("order_id", "").strip() or orders.new_order_id()
    error = choice_error(user_id, merchant_id, locale)
    if error is None and not orders.ORDER_ID.match(order_id):
        error = "订单号无效 The order id must be 1-64 of A-Z a-z 0-9 _ . -"
    if error is None:
        try:
            amount = parse_yuan(form.get("amount", ""))
        except ValueError as problem:
            error = str(problem)
    if error is not None:
        return render_page(error, checkout=form), 400
    sandbox = current()
    order = orders.record_order(sandbox.db, merchant_id, order_id, user_id, amount)
    if (order.amount, order.user_id) != (amount, user_id):
        error = "订单号已用于另一笔订单 This order id is already used with another amount or shopper"
        return render_page(error, checkout=form), 400
    token = mint_checkout_token(
        sandbox.host_secret,
        user_id=user_id,
        merchant_id=merchant_id,
        locale=locale,
        order_id=order_id,
        amount=amount,
        return_url=return_url(),
    )
    return redirect(checkout_url(sandbox.bff_url, token), 303)


@bp.get("/return")
def result() -> str | tuple[str, int]:
    """Kabao sends the shopper back here with ?kabao_result=R; only a verified R changes the order."""
    token = request.args.get("kabao_result", "")
    if not token:
        return _problem("缺少支付结果 The address has no kabao_result", 400)
    try:
        outcome = orders.CheckoutResult.from_payload(read_result_token(current().host_secret, token))
    except BadData:
        return _problem("支付结果无效或已过期 The result token is forged, damaged or expired", 400)
    except ValueError as error:
        return _problem(f"支付结果格式不对 The result is not the contract's shape: {error}", 400)
    try:
        order = orders.apply_result(current().db, outcome)
    except orders.OrderMismatch:
        return _problem("支付结果与订单不符 The result's amount or shopper is not the order's", 400)
    return render_template("checkout/order.html", order=order)


@bp.get("/orders/<merchant_id>/<order_id>")
def show_order(merchant_id: str, order_id: str) -> str | tuple[str, int]:
    """One order as the host app knows it."""
    order = orders.find_order(current().db, merchant_id, order_id)
    if order is None:
        return _problem("没有这个订单 No such order", 404)
    return render_template("checkout/order.html", order=order)


@bp.post("/orders/<merchant_id>/<order_id>/refresh")
def refresh(merchant_id: str, order_id: str) -> Response | tuple[str, int]:
    """Ask Kabao (signed, server to server) for the order's status and keep what it says."""
    sandbox = current()
    order = orders.find_order(sandbox.db, merchant_id, order_id)
    if order is None:
        return _problem("没有这个订单 No such order", 404)
    try:
        remote = sandbox.host_api.order_status(merchant_id, order_id)
    except BffError as error:
        page = render_template("checkout/order.html", order=order, error=answers.explain(error))
        return page, answers.page_status(error)
    orders.apply_status(sandbox.db, merchant_id, remote)
    return redirect(url_for("checkout.show_order", merchant_id=merchant_id, order_id=order_id), 303)


def _problem(message: str, status: int) -> tuple[str, int]:
    return render_template("checkout/order.html", order=None, error=message), status
