"""The orders list, refunds and status queries: signed calls to a BFF played by `responses`."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import responses
from flask.testing import FlaskClient
from sandbox_testing import BFF_URL, CHECKOUT_FORM, HOST_SECRET, order_row, result_token

from sandbox.app import create_app
from sandbox.runner import free_port

REFUNDS_URL = f"{BFF_URL}/api/v1/refunds"
ORDER_URL = f"{BFF_URL}/api/v1/orders/lime-market/SIM-1"


@pytest.fixture
def bff() -> Iterator[responses.RequestsMock]:
    """The BFF's server-to-server API, played by `responses`; any other request fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def settle(sim: FlaskClient, **result: object) -> None:
    """Open order SIM-1 (¥128.00, u1001, lime-market) and come back with the given result."""
    assert sim.post("/sim/checkout", data={**CHECKOUT_FORM, "order_id": "SIM-1"}).status_code == 303
    response = sim.get("/sim/return", query_string={"kabao_result": result_token(**result)})
    assert response.status_code == 200


def refund_form(sim: FlaskClient) -> dict[str, str]:
    """The refund form of SIM-1 on the simulator page: its action and fields."""
    page = sim.get("/").get_data(as_text=True)
    match = re.search(r'<form method="post" action="([^"]+/refund)" class="refund">(.*?)</form>', page, re.S)
    assert match, "no refund form on the page"
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', match.group(2)))
    fields |= {k: v for v, k in re.findall(r'value="([^"]*)"[^>]*name="(\w+)"', match.group(2))}
    return {"action": match.group(1), **fields}


def assert_signed(request: requests.PreparedRequest, secret: str = HOST_SECRET) -> None:
    """The request carries a fresh timestamp and the contract's HMAC over exactly what was sent."""
    timestamp = request.headers["X-Kabao-Timestamp"]
    assert abs(int(timestamp) - time.time()) < 30
    body = request.body or b""
    body = body.encode() if isinstance(body, str) else body
    message = f"{timestamp}.{request.method}.{request.path_url}.".encode() + body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    assert request.headers["X-Kabao-Signature"] == expected


def refund_answer(refund_id: str, amount: int = 5000, status: str = "SUCCEEDED") -> dict[str, object]:
    """A refund answer as the contract describes it, split over two cards."""
    legs = [{"last4": "3357", "amount": amount - 1000}, {"last4": "4355", "amount": 1000}]
    return {
        "result": "OK",
        "refund": {"refund_id": refund_id, "amount": amount, "status": status, "legs": legs},
    }


def test_orders_list_shows_orders_with_status_and_amounts(sim) -> None:
    settle(sim, status="PARTLY_PAID", paid_by_cards=10000, remainder=2800)
    page = sim.get("/").get_data(as_text=True)
    orders = page.split('id="orders"', 1)[1].split("</section>", 1)[0]
    for text in ("SIM-1", "lime-market", "u1001", "¥128.00", "部分支付 Partly paid", "¥100.00", "¥28.00"):
        assert text in orders


def test_paid_orders_get_a_refund_form_with_a_fresh_refund_id_and_the_refundable_rest(sim) -> None:
    settle(sim, status="PARTLY_PAID", paid_by_cards=10000, remainder=2800)
    first, second = refund_form(sim), refund_form(sim)
    assert first["action"] == "/sim/orders/lime-market/SIM-1/refund"
    assert first["amount"] == "100.00"
    assert re.fullmatch(r"SIMR-\d{14}-[0-9a-f]{8}", first["refund_id"])
    assert first["refund_id"] != second["refund_id"]


@pytest.mark.parametrize(
    ("status", "refund", "refresh"),
    [("FAILED", False, False), ("CANCELLED", False, False), ("PENDING", False, True), ("PAID", True, False)],
)
def test_only_paid_orders_can_be_refunded_and_only_pending_ones_refreshed(sim, status, refund, refresh) -> None:
    settle(sim, status=status)
    orders = sim.get("/").get_data(as_text=True).split('id="orders"', 1)[1].split("</section>", 1)[0]
    assert ('class="refund"' in orders) is refund
    assert ("/refresh" in orders) is refresh


def test_refund_sends_a_signed_request_and_shows_the_refunded_legs(sim, sim_app, bff) -> None:
    settle(sim)
    form = refund_form(sim)
    bff.post(REFUNDS_URL, json=refund_answer(form["refund_id"]))
    response = sim.post(form["action"], data={"refund_id": form["refund_id"], "amount": "50.00"})
    assert response.status_code == 200
    sent = bff.calls[0].request
    assert_signed(sent)
    assert sent.headers["Content-Type"] == "application/json"
    assert json.loads(sent.body) == {
        "merchant_id": "lime-market",
        "order_id": "SIM-1",
        "refund_id": form["refund_id"],
        "amount": 5000,
    }
    page = response.get_data(as_text=True)
    status_line = page.split('role="status"', 1)[1].split("</p>", 1)[0]
    assert "已退款 ¥50.00" in status_line
    for text in ("3357", "¥40.00", "4355", "¥10.00", form["refund_id"]):
        assert text in page
    assert order_row(sim_app)["refunded"] == 5000
    assert refund_form(sim)["amount"] == "78.00"


def test_a_re_posted_refund_form_reuses_its_refund_id_and_counts_once(sim, sim_app, bff) -> None:
    settle(sim)
    form = refund_form(sim)
    bff.post(REFUNDS_URL, json=refund_answer(form["refund_id"]))
    data = {"refund_id": form["refund_id"], "amount": "50.00"}
    assert sim.post(form["action"], data=data).status_code == 200
    assert sim.post(form["action"], data=data).status_code == 200
    sent = [json.loads(call.request.body)["refund_id"] for call in bff.calls]
    assert sent == [form["refund_id"], form["refund_id"]]
    assert order_row(sim_app)["refunded"] == 5000


@pytest.mark.parametrize(("status", "words", "counted"), [("PENDING", "退款处理中", 5000), ("FAILED", "退款失败", 0)])
def test_a_pending_or_failed_refund_is_shown_as_such(sim, sim_app, bff, status, words, counted) -> None:
    settle(sim)
    form = refund_form(sim)
    answer = refund_answer(form["refund_id"], status=status)
    answer["refund"]["legs"] = [{"last4": "3357", "amount": 5000, "status": status}]  # the BFF adds leg status
    bff.post(REFUNDS_URL, json=answer)
    response = sim.post(form["action"], data={"refund_id": form["refund_id"], "amount": "50.00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert words in page.split('role="status"', 1)[1].split("</p>", 1)[0]
    assert f"<td>{status}</td>" in page
    assert order_row(sim_app)["refunded"] == counted


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (409, {"result": "ERROR", "error": {"code": "REFUND_EXCEEDED", "message": "no"}}, "超过可退金额"),
        (409, {"result": "ERROR", "error": {"code": "DUPLICATE"}}, "退款单号已用于另一金额"),
        (409, {"result": "ERROR", "error": {"code": "NOT_REFUNDABLE"}}, "不是用卡支付的"),
        (404, {"result": "ERROR", "error": {"code": "ORDER_NOT_FOUND"}}, "卡包里没有这个订单"),
        (409, {"error": "REFUND_EXCEEDED"}, "超过可退金额"),
        (401, {"result": "ERROR", "error": {"code": "UNAUTHORIZED"}}, "签名被拒绝"),
        (400, {"result": "ERROR", "error": {"code": "INVALID_REQUEST"}}, "卡包拒绝了请求"),
    ],
)
def test_refund_refusals_are_shown_in_words_and_change_nothing(sim, sim_app, bff, status, body, words) -> None:
    settle(sim)
    form = refund_form(sim)
    bff.post(REFUNDS_URL, status=status, json=body)
    response = sim.post(form["action"], data={"refund_id": form["refund_id"], "amount": "500.00"})
    assert response.status_code == status
    alert = response.get_data(as_text=True).split('role="alert"', 1)[1].split("</p>", 1)[0]
    assert words in alert and f"HTTP {status}" in alert
    assert order_row(sim_app)["refunded"] == 0


def test_refund_exceeded_is_explained_in_english_too(sim, bff) -> None:
    settle(sim)
    form = refund_form(sim)
    bff.post(REFUNDS_URL, status=409, json={"result": "ERROR", "error": {"code": "REFUND_EXCEEDED"}})
    page = sim.post(form["action"], data={"refund_id": form["refund_id"], "amount": "500.00"}).get_data(as_text=True)
    assert "Refund exceeded: more than the cards paid and have not had back (REFUND_EXCEEDED, HTTP 409)" in page


@pytest.mark.parametrize(
    "failure",
    [
        {"body": requests.ConnectionError("connection refused")},
        {"body": requests.ReadTimeout("read timed out")},
        {"status": 500, "body": "Internal Server Error"},
        {"status": 503, "json": {"result": "ERROR"}},
    ],
)
def test_refund_when_the_bff_is_down_says_unavailable(sim, sim_app, bff, failure) -> None:
    settle(sim)
    form = refund_form(sim)
    bff.post(REFUNDS_URL, **failure)
    response = sim.post(form["action"], data={"refund_id": form["refund_id"], "amount": "50.00"})
    assert response.status_code == 502
    assert "暂时无法连接 unavailable" in response.get_data(as_text=True)
    assert order_row(sim_app)["refunded"] == 0


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        {"result": "OK"},
        {"result": "ERROR", "refund": {}},
        {"result": "OK", "refund": {"refund_id": "r", "amount": "50", "status": "SUCCEEDED", "legs": []}},
        {"result": "OK", "refund": {"refund_id": "r", "amount": 5000, "status": "SUCCEEDED", "legs": "all"}},
    ],
)
def test_an_unreadable_refund_answer_is_said_so(sim, sim_app, bff, body) -> None:
    settle(sim)
    form = refund_form(sim)
    bff.post(REFUNDS_URL, **({"body": body} if isinstance(body, str) else {"json": body}))
    response = sim.post(form["action"], data={"refund_id": form["refund_id"], "amount": "50.00"})
    assert response.status_code == 502 and "unreadable" in response.get_data(as_text=True)
    assert order_row(sim_app)["refunded"] == 0


def test_refund_to_a_bff_that_is_not_listening_says_unavailable(tmp_path: Path, config_dir: Path) -> None:
    app = create_app(tmp_path / "s.sqlite3", config_dir, f"http://127.0.0.1:{free_port()}", "k", HOST_SECRET)
    sim = app.test_client()
    settle(sim)
    form = refund_form(sim)
    response = sim.post(form["action"], data={"refund_id": form["refund_id"], "amount": "50.00"})
    assert response.status_code == 502
    assert "暂时无法连接 unavailable" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount": "0"}, "must be more than 0"),
        ({"amount": "1.234"}, "more than two decimal places"),
        ({"amount": "lots"}, "not a number"),
        ({"refund_id": ""}, "refund id"),
        ({"refund_id": "a b"}, "refund id"),
    ],
)
def test_a_bad_refund_form_is_refused_without_asking_kabao(sim, bff, data, message) -> None:
    settle(sim)
    form = refund_form(sim)
    response = sim.post(form["action"], data={"refund_id": form["refund_id"], "amount": "1.00", **data})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert len(bff.calls) == 0


def test_refund_of_an_unknown_order_is_404(sim, bff) -> None:
    response = sim.post("/sim/orders/lime-market/SIM-none/refund", data={"refund_id": "R-1", "amount": "1.00"})
    assert response.status_code == 404 and len(bff.calls) == 0


def test_refresh_asks_kabao_signed_and_keeps_the_answer(sim, sim_app, bff) -> None:
    settle(sim, status="PENDING", paid_by_cards=0)
    page = sim.get("/sim/orders/lime-market/SIM-1").get_data(as_text=True)
    assert 'action="/sim/orders/lime-market/SIM-1/refresh"' in page and "刷新状态 Refresh status" in page
    order = {"order_id": "SIM-1", "status": "PAID", "amount": 12800, "paid_by_cards": 12800, "remainder": 0}
    bff.get(ORDER_URL, json={"result": "OK", "order": {**order, "refunded": 300}})
    response = sim.post("/sim/orders/lime-market/SIM-1/refresh")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/sim/orders/lime-market/SIM-1")
    sent = bff.calls[0].request
    assert sent.method == "GET" and not sent.body
    assert_signed(sent)
    row = order_row(sim_app)
    assert (row["status"], row["paid_by_cards"], row["refunded"]) == ("PAID", 12800, 300)
    shown = sim.get("/sim/orders/lime-market/SIM-1").get_data(as_text=True)
    assert "已支付" in shown.split('role="status"', 1)[1] and "/refresh" not in shown


@pytest.mark.parametrize(
    ("reply", "status", "words"),
    [
        ({"body": requests.ConnectionError("refused")}, 502, "暂时无法连接 unavailable"),
        (
            {"status": 404, "json": {"result": "ERROR", "error": {"code": "ORDER_NOT_FOUND"}}},
            404,
            "没有这个订单",
        ),
        ({"json": {"result": "OK", "order": {"order_id": "SIM-1"}}}, 502, "unreadable"),
    ],
)
def test_refresh_that_fails_shows_why_and_changes_nothing(sim, sim_app, bff, reply, status, words) -> None:
    settle(sim, status="PENDING", paid_by_cards=0)
    before = order_row(sim_app)
    bff.get(ORDER_URL, **reply)
    response = sim.post("/sim/orders/lime-market/SIM-1/refresh")
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert words in page and "确认中" in page
    assert order_row(sim_app) == before
