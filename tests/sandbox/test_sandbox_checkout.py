"""The host-app side of checkout: the order form, its checkout token, the return page."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sandbox_testing import BFF_URL, CHECKOUT_FORM, HOST_SECRET, checkout_payload, order_row, result_token


def open_order(sim: FlaskClient, **form: str) -> dict[str, Any]:
    """Submit the checkout form; answer the checkout token's payload."""
    response = sim.post("/sim/checkout", data={**CHECKOUT_FORM, **form})
    assert response.status_code == 303, response.get_data(as_text=True)
    return checkout_payload(response.headers["Location"])


def test_checkout_form_is_on_the_simulator_page(sim) -> None:
    page = sim.get("/").get_data(as_text=True)
    form = page.split('id="checkout"', 1)[1].split("</section>", 1)[0]
    for text in (
        'action="/sim/checkout"',
        'name="amount"',
        'value="128.00"',
        'name="order_id"',
        "下单支付 Checkout",
    ):
        assert text in form
    assert "<script" not in page and " style=" not in page


def test_checkout_form_mints_the_contract_token_and_303s_to_the_bff(sim, sim_app) -> None:
    response = sim.post("/sim/checkout", data={**CHECKOUT_FORM, "locale": "en", "order_id": "SIM-20261125-0001"})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"{BFF_URL}/checkout?token=")
    payload = checkout_payload(location)
    nonce = payload.pop("nonce")
    assert re.fullmatch(r"[0-9a-f]{32}", nonce)
    assert payload == {
        "sub": "u1001",
        "mch": "lime-market",
        "aud": "kabao-wallet",
        "locale": "en",
        "order_id": "SIM-20261125-0001",
        "amount": 12800,
        "currency": "CNY",
        "return_url": "http://localhost/sim/return",
    }
    row = order_row(sim_app, "SIM-20261125-0001")
    assert row is not None
    assert {k: row[k] for k in ("merchant_id", "user_id", "amount", "status", "paid_by_cards", "refunded")} == {
        "merchant_id": "lime-market",
        "user_id": "u1001",
        "amount": 12800,
        "status": "CREATED",
        "paid_by_cards": 0,
        "refunded": 0,
    }


def test_checkout_token_is_signed_with_the_host_secret_only(sim) -> None:
    response = sim.post("/sim/checkout", data=CHECKOUT_FORM)
    with pytest.raises(Exception, match="[Ss]ignature"):
        checkout_payload(response.headers["Location"], secret="another-secret")


def test_checkout_without_an_order_id_generates_one(sim) -> None:
    first, second = open_order(sim), open_order(sim)
    assert re.fullmatch(r"SIM-\d{14}-[0-9a-f]{4}", first["order_id"])
    assert first["order_id"] != second["order_id"]


@pytest.mark.parametrize(
    ("text", "fen"),
    [("128.00", 12800), ("0.01", 1), ("7", 700), (" 12.5 ", 1250), ("99.990", 9999)],
)
def test_checkout_amount_is_parsed_to_whole_fen(sim, text, fen) -> None:
    assert open_order(sim, amount=text)["amount"] == fen


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", "more than two decimal places"),
        ("0", "must be more than 0"),
        ("0.00", "must be more than 0"),
        ("-5", "must be more than 0"),
        ("abc", "not a number"),
        ("", "not a number"),
        ("NaN", "not a number"),
        ("Infinity", "not a number"),
        ("1,280.00", "not a number"),
        ("99999999", "too large"),
    ],
)
def test_checkout_refuses_a_bad_amount_with_a_message(sim, sim_app, text, message) -> None:
    response = sim.post("/sim/checkout", data={**CHECKOUT_FORM, "amount": text, "order_id": "SIM-bad"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and message in page
    assert f'value="{text}"' in page  # the form keeps what was typed
    assert order_row(sim_app, "SIM-bad") is None


@pytest.mark.parametrize(
    "form",
    [
        {"user_id": "u9999"},
        {"merchant_id": "broken"},
        {"locale": "fr"},
        {"order_id": "has space"},
        {"order_id": "x" * 65},
    ],
)
def test_checkout_refuses_unknown_choices_and_bad_order_ids(sim, form) -> None:
    response = sim.post("/sim/checkout", data={**CHECKOUT_FORM, **form})
    assert response.status_code == 400 and 'role="alert"' in response.get_data(as_text=True)


def test_reopening_an_order_mints_the_same_order_but_another_amount_is_refused(sim, sim_app) -> None:
    assert open_order(sim, order_id="SIM-again")["amount"] == 12800
    assert open_order(sim, order_id="SIM-again")["amount"] == 12800
    response = sim.post("/sim/checkout", data={**CHECKOUT_FORM, "order_id": "SIM-again", "amount": "1.00"})
    assert response.status_code == 400
    assert "already used" in response.get_data(as_text=True)
    assert order_row(sim_app, "SIM-again")["amount"] == 12800


def test_admin_checkout_token_records_the_order_and_answers_token_url_and_id(sim, sim_app) -> None:
    body = {"user_id": "u1002", "merchant_id": "harbor-books", "amount": 500, "locale": "en"}
    answer = sim.post("/_sandbox/checkout-token", json=body).get_json()
    assert answer["url"] == f"{BFF_URL}/checkout?token={answer['token']}"
    payload = checkout_payload(answer["url"])
    assert payload["order_id"] == answer["order_id"] and payload["amount"] == 500
    assert payload["return_url"] == "http://localhost/sim/return" and payload["locale"] == "en"
    assert order_row(sim_app, answer["order_id"])["status"] == "CREATED"
    custom = {**body, "order_id": "SIM-x", "return_url": "https://evil.test/steal"}
    answer = sim.post("/_sandbox/checkout-token", json=custom).get_json()
    assert answer["order_id"] == "SIM-x"
    assert checkout_payload(answer["url"])["return_url"] == "https://evil.test/steal"


@pytest.mark.parametrize(
    "body",
    [
        {"merchant_id": "lime-market", "amount": 100},
        {"user_id": "u1001", "merchant_id": "lime-market", "amount": 0},
        {"user_id": "u1001", "merchant_id": "lime-market", "amount": 1.5},
        {"user_id": "u1001", "merchant_id": "lime-market", "amount": "100"},
        {"user_id": "u1001", "merchant_id": "lime-market", "amount": True},
        {"user_id": "u1001", "merchant_id": "lime-market", "amount": 100, "order_id": "a/b"},
        {"user_id": "u1001", "merchant_id": "lime-market", "amount": 100, "locale": "fr"},
    ],
)
def test_admin_checkout_token_refuses_bad_bodies(sim, body) -> None:
    response = sim.post("/_sandbox/checkout-token", json=body)
    assert response.status_code == 400 and "error" in response.get_json()


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"status": "PAID"}, ["已支付", "Paid"]),
        (
            {"status": "PARTLY_PAID", "paid_by_cards": 10000, "remainder": 2800},
            ["部分支付，余款 ¥28.00 请在 App 内支付", "Partly paid"],
        ),
        ({"status": "FAILED", "paid_by_cards": 0, "remainder": 12800}, ["支付失败", "Failed"]),
        (
            {"status": "PENDING", "paid_by_cards": 0, "remainder": 0},
            ["确认中", "Pending", "刷新状态 Refresh status"],
        ),
        ({"status": "CANCELLED", "paid_by_cards": 0, "remainder": 12800}, ["已取消", "Cancelled"]),
    ],
)
def test_return_page_records_a_verified_result_and_shows_it(sim, sim_app, fields, words) -> None:
    open_order(sim, order_id="SIM-1")
    response = sim.get("/sim/return", query_string={"kabao_result": result_token(**fields)})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    status_line = page.split('role="status"', 1)[1].split("</p>", 1)[0]
    for text in words:
        assert text in page
    assert words[0] in status_line
    assert "SIM-1" in page and "¥128.00" in page and 'href="/#orders"' in page
    expected = {"status": "PAID", "paid_by_cards": 12800, "remainder": 0, **fields}
    row = order_row(sim_app)
    assert {k: row[k] for k in ("status", "paid_by_cards", "remainder", "checkout_id")} == {
        "status": expected["status"],
        "paid_by_cards": expected["paid_by_cards"],
        "remainder": expected["remainder"],
        "checkout_id": "co_1",
    }


def tampered(token: str) -> str:
    """The token with one character of its payload changed."""
    index = 5
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


class _Stale(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 3601


@pytest.mark.parametrize(
    "query",
    [
        {"kabao_result": tampered(result_token(status="FAILED"))},
        {"kabao_result": result_token(secret="not-the-host-secret", status="FAILED")},
        {"kabao_result": result_token(salt="kabao.checkout", status="FAILED")},
        {"kabao_result": URLSafeTimedSerializer(HOST_SECRET, "kabao.checkout-result", signer=_Stale).dumps({})},
        {"kabao_result": URLSafeTimedSerializer(HOST_SECRET, "kabao.checkout-result").dumps(["PAID"])},
        {"kabao_result": result_token(status="REFUNDED")},
        {"kabao_result": result_token(amount="12800")},
        {"kabao_result": result_token(amount=100)},
        {"kabao_result": result_token(sub="u1002")},
        {"kabao_result": ""},
        {},
    ],
)
def test_return_page_refuses_a_bad_result_and_changes_nothing(sim, sim_app, query) -> None:
    open_order(sim, order_id="SIM-1")
    before = order_row(sim_app)
    response = sim.get("/sim/return", query_string=query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page and 'role="status"' not in page
    assert order_row(sim_app) == before


def test_return_page_records_an_order_it_did_not_open(sim, sim_app) -> None:
    response = sim.get("/sim/return", query_string={"kabao_result": result_token(order_id="SIM-elsewhere")})
    assert response.status_code == 200
    assert order_row(sim_app, "SIM-elsewhere")["status"] == "PAID"


def test_a_reloaded_pending_result_does_not_undo_a_settled_order(sim, sim_app) -> None:
    open_order(sim, order_id="SIM-1")
    pending = result_token(status="PENDING", paid_by_cards=0)
    sim.get("/sim/return", query_string={"kabao_result": result_token()})
    response = sim.get("/sim/return", query_string={"kabao_result": pending})
    assert response.status_code == 200 and "已支付" in response.get_data(as_text=True)
    assert order_row(sim_app)["status"] == "PAID" and order_row(sim_app)["paid_by_cards"] == 12800


def test_return_url_is_the_running_sandboxs_own(sandbox, http) -> None:
    form = {**CHECKOUT_FORM, "order_id": "SIM-live"}
    response = http.post(sandbox.url + "/sim/checkout", data=form, allow_redirects=False, timeout=10)
    assert response.status_code == 303
    token = parse_qs(urlsplit(response.headers["Location"]).query)["token"][0]
    payload = URLSafeTimedSerializer(sandbox.host_secret, salt="kabao.checkout").loads(token, max_age=60)
    assert payload["return_url"] == f"{sandbox.url}/sim/return"
    result = result_token(
        sandbox.host_secret,
        order_id="SIM-live",
        status="PARTLY_PAID",
        paid_by_cards=5000,
        remainder=7800,
    )
    page = http.get(payload["return_url"], params={"kabao_result": result}, timeout=10)
    assert page.status_code == 200 and "余款 ¥78.00" in page.text


def test_reset_forgets_the_orders(sandbox, http) -> None:
    form = {**CHECKOUT_FORM, "order_id": "SIM-gone"}
    http.post(sandbox.url + "/sim/checkout", data=form, allow_redirects=False, timeout=10)
    assert "SIM-gone" in http.get(sandbox.url + "/", timeout=10).text
    http.post(sandbox.url + "/reset", timeout=10)
    assert "SIM-gone" not in http.get(sandbox.url + "/", timeout=10).text
