"""How the simulator words Kabao's refusals and outages for the person at the page."""

from __future__ import annotations

from sandbox.hostapi import BffError, BffRefused, BffUnavailable

REFUSALS = {
    "REFUND_EXCEEDED": "超过可退金额 Refund exceeded: more than the cards paid and have not had back",
    "DUPLICATE": "退款单号已用于另一金额 Duplicate: this refund id was already used with another amount",
    "NOT_REFUNDABLE": "该订单不是用卡支付的 Not refundable: the order was not paid by card",
    "ORDER_NOT_FOUND": "卡包里没有这个订单 Order not found: Kabao does not know this order",
}


def explain(error: BffError) -> str:
    """One bilingual sentence saying what went wrong, with the code and HTTP status for the record."""
    if isinstance(error, BffUnavailable):
        if error.reason == "unreadable":
            return f"卡包的回答看不懂 Kabao's answer is unreadable ({error.detail})"
        return f"暂时无法连接 unavailable: 卡包没有正常回应 Kabao did not answer properly ({error.detail})"
    assert isinstance(error, BffRefused)
    if error.status == 401:
        return "签名被拒绝 Signature refused (HTTP 401): does KABAO_HOST_SECRET match the BFF's?"
    words = REFUSALS.get(error.code or "", "卡包拒绝了请求 Kabao refused the request")
    return f"{words} ({error.code or 'no code'}, HTTP {error.status})"


def page_status(error: BffError) -> int:
    """The status of the page that shows the failure: Kabao's own 4xx, or 502 when it failed."""
    return error.status if isinstance(error, BffRefused) else 502
