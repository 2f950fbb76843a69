"""The olive dialect over real HTTP: form posts, yuan strings, MD5 sign, "0000" codes, no idempotency."""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import requests
from dialects_testing import OliveClient

from sandbox.cardnumbers import luhn_check_digit
from sandbox.clock import CST
from sandbox.dialects.signing import olive_sign

YUAN = re.compile(r"^[0-9]+\.[0-9]{2}$")
COMPACT_TIME = re.compile(r"^[0-9]{14}$")
UNKNOWN_NUMBER = "500000000000000" + luhn_check_digit("500000000000000")


@pytest.fixture
def olive(seeded):
    """The olive system's seeded cards by role."""
    return seeded("olive")


def test_olive_sign_is_upper_md5_of_sorted_non_empty_params_then_the_key() -> None:
    params = {"timestamp": "20261125120000", "mch_no": "m1", "card_pwd": "", "sign": "ignored", "amt": "1.00"}
    expected = hashlib.md5(b"amt=1.00&mch_no=m1&timestamp=20261125120000&key=k3y").hexdigest().upper()
    assert olive_sign(params, "k3y") == expected


def test_bind_answers_the_card_with_its_yuan_balance(olive_api, olive, admin) -> None:
    card = olive["unbound"][0]
    answer = olive_api.ok("/card/bind", member_id="u1003", card_no=card["card_number"], card_pwd=card["secret"])
    assert answer == {
        "ret_code": "0000",
        "ret_msg": "成功",
        "card_id": card["card_id"],
        "card_no_mask": "5" + "*" * 11 + card["card_number"][-4:],
        "card_kind": {"gift": "01", "member": "02"}[card["card_type"]],
        "card_state": "1",
        "expire_date": card["expires_on"].replace("-", ""),
        "balance": "100.00",
    }
    assert admin.card("olive", card["card_id"])["user_id"] == "u1003"


def test_olive_cards_have_olive_numbers(olive) -> None:
    for role in ("main", "small", "frozen", "expired", "u1002"):
        number = olive[role]["card_number"]
        assert len(number) == 16 and number.startswith("5") and number.isdigit()


@pytest.mark.parametrize(
    ("who", "number_of", "password_of", "code"),
    [
        ("u1003", lambda c: c["unbound"][0]["card_number"], lambda c: "000000x", "1002"),
        ("u1003", lambda c: UNKNOWN_NUMBER, lambda c: "123456", "1001"),
        ("u1003", lambda c: c["unbound_frozen"]["card_number"], lambda c: c["unbound_frozen"]["secret"], "1004"),
        ("u1003", lambda c: c["unbound_expired"]["card_number"], lambda c: c["unbound_expired"]["secret"], "1005"),
        ("u1003", lambda c: c["u1002"]["card_number"], lambda c: c["u1002"]["secret"], "1006"),
        ("u1003", lambda c: "5123", lambda c: "123456", "8002"),
    ],
)
def test_bind_refusals_answer_olive_codes(olive_api, olive, admin, who, number_of, password_of, code) -> None:
    answer = olive_api.call("/card/bind", member_id=who, card_no=number_of(olive), card_pwd=password_of(olive))
    assert answer["ret_code"] == code and answer["ret_msg"]
    assert [c["card_id"] for c in admin.cards("olive", user_id="u1003")] == []


def test_bind_locks_the_password_after_five_wrong_ones(olive_api, olive) -> None:
    number = olive["unbound"][1]["card_number"]
    codes = [
        olive_api.call("/card/bind", member_id="u1003", card_no=number, card_pwd="bad")["ret_code"] for _ in range(5)
    ]
    assert codes == ["1002"] * 4 + ["1003"]


def test_bind_needs_the_card_password(olive_api, olive) -> None:
    answer = olive_api.call("/card/bind", member_id="u1003", card_no=olive["unbound"][0]["card_number"])
    assert answer["ret_code"] == "8002"


def test_list_shows_states_and_dates_without_balances(olive_api, olive) -> None:
    listed = olive_api.ok("/card/list", member_id="u1001")["cards"]
    by_id = {card["card_id"]: card for card in listed}
    assert set(by_id) == {olive[role]["card_id"] for role in ("main", "small", "frozen", "expired")}
    assert all("balance" not in card for card in listed)
    assert by_id[olive["main"]["card_id"]]["card_state"] == "1"
    assert by_id[olive["frozen"]["card_id"]]["card_state"] == "2"
    assert by_id[olive["expired"]["card_id"]]["card_state"] == "3"
    assert by_id[olive["small"]["card_id"]]["expire_date"] == ""  # never expires
    assert re.fullmatch(r"20[0-9]{6}", by_id[olive["main"]["card_id"]]["expire_date"])
    assert olive_api.ok("/card/list", member_id="u1003")["cards"] == []


def test_query_answers_the_balance_and_refuses_another_members_card(olive_api, olive) -> None:
    assert olive_api.balance(olive["main"]["card_id"]) == "500.00"
    assert olive_api.balance(olive["small"]["card_id"]) == "36.50"
    answer = olive_api.call("/card/query", member_id="u1002", card_id=olive["main"]["card_id"])
    assert answer["ret_code"] == "1001"


def test_trades_page_by_number_with_the_total(olive_api, olive) -> None:
    card_id = olive["main"]["card_id"]
    pages = [
        olive_api.ok("/card/trades", member_id="u1001", card_id=card_id, page_no=str(n), page_size="10")
        for n in (1, 2, 3, 4)
    ]
    assert [page["total"] for page in pages] == [25] * 4
    assert [len(page["trades"]) for page in pages] == [10, 10, 5, 0]
    trades = [trade for page in pages for trade in page["trades"]]
    assert len({trade["trade_no"] for trade in trades}) == 25
    times = [trade["trade_time"] for trade in trades]
    assert all(COMPACT_TIME.match(t) for t in times) and times == sorted(times, reverse=True)
    assert trades[0]["balance"] == "500.00" and trades[-1]["trade_type"] == "T"
    assert {trade["trade_type"] for trade in trades} <= {"P", "T"}
    assert all(YUAN.match(trade["trade_amt"]) and YUAN.match(trade["balance"]) for trade in trades)
    assert all(trade["out_trade_no"].startswith("pos_") for trade in trades if trade["trade_type"] == "P")
    assert all(trade["out_trade_no"] == "" for trade in trades if trade["trade_type"] == "T")


def test_trades_default_to_the_first_page_of_ten(olive_api, olive) -> None:
    answer = olive_api.ok("/card/trades", member_id="u1001", card_id=olive["main"]["card_id"])
    assert (answer["total"], len(answer["trades"])) == (25, 10)


@pytest.mark.parametrize("paging", [{"page_no": "0"}, {"page_no": "x"}, {"page_size": "0"}, {"page_size": "51"}])
def test_trades_refuse_bad_paging(olive_api, olive, paging) -> None:
    answer = olive_api.call("/card/trades", member_id="u1001", card_id=olive["main"]["card_id"], **paging)
    assert answer["ret_code"] == "8002"


def test_unbind_releases_the_card(olive_api, olive, admin) -> None:
    card_id = olive["small"]["card_id"]
    assert olive_api.ok("/card/unbind", member_id="u1001", card_id=card_id) == {"ret_code": "0000", "ret_msg": "成功"}
    assert card_id not in [c["card_id"] for c in olive_api.ok("/card/list", member_id="u1001")["cards"]]
    assert admin.card("olive", card_id)["user_id"] is None
    assert olive_api.call("/card/unbind", member_id="u1001", card_id=card_id)["ret_code"] == "1001"


def test_pay_charges_in_yuan_and_shows_up_in_trades(olive_api, olive) -> None:
    card_id = olive["main"]["card_id"]
    before = datetime.now(CST)
    answer = olive_api.pay(card_id, "ot-1", "12.34")
    assert answer == {
        "ret_code": "0000",
        "ret_msg": "成功",
        "out_trade_no": "ot-1",
        "total_amt": "12.34",
        "trade_state": "SUCCESS",
    }
    assert olive_api.balance(card_id) == "487.66"
    newest = olive_api.ok("/card/trades", member_id="u1001", card_id=card_id, page_size="1")["trades"][0]
    assert (newest["trade_type"], newest["trade_amt"], newest["balance"], newest["out_trade_no"]) == (
        "P",
        "12.34",
        "487.66",
        "ot-1",
    )
    booked = datetime.strptime(newest["trade_time"], "%Y%m%d%H%M%S").replace(tzinfo=CST)
    assert before - timedelta(seconds=2) <= booked <= datetime.now(CST) + timedelta(seconds=2)


def test_pay_with_the_right_pay_password_charges(olive_api, olive) -> None:
    card = olive["main"]
    assert olive_api.pay(card["card_id"], "ot-pwd", "1.00", pay_pwd=card["secret"])["trade_state"] == "SUCCESS"


def test_a_wrong_pay_password_is_refused_and_not_recorded(olive_api, olive) -> None:
    card_id = olive["main"]["card_id"]
    assert olive_api.pay(card_id, "ot-badpwd", "1.00", pay_pwd="000000x")["ret_code"] == "1002"
    assert olive_api.call("/trade/query", out_trade_no="ot-badpwd")["ret_code"] == "2004"
    assert olive_api.balance(card_id) == "500.00"


@pytest.mark.parametrize("amount", ["12.3", "12", "1.234", "-1.00", "0.00", "1,00", "abc", "01.00", "1e3"])
def test_pay_refuses_amounts_that_are_not_yuan_with_two_decimals(olive_api, olive, admin, amount) -> None:
    assert olive_api.pay(olive["main"]["card_id"], "ot-fmt", amount)["ret_code"] == "8002"
    assert admin.payments("olive")["payments"] == []


def test_a_repeated_out_trade_no_answers_2003_and_charges_once(olive_api, olive, admin) -> None:
    card_id = olive["main"]["card_id"]
    assert olive_api.pay(card_id, "ot-dup", "10.00")["ret_code"] == "0000"
    again = olive_api.pay(card_id, "ot-dup", "10.00")
    other_amount = olive_api.pay(card_id, "ot-dup", "20.00")
    assert again["ret_code"] == other_amount["ret_code"] == "2003"
    assert "trade_state" not in again
    assert [p["payment_id"] for p in admin.payments("olive")["payments"]] == ["ot-dup"]
    assert olive_api.balance(card_id) == "490.00"


def test_a_declined_pay_answers_its_code_with_fail_and_is_recorded(olive_api, olive) -> None:
    card_id = olive["small"]["card_id"]
    declined = olive_api.pay(card_id, "ot-low", "36.51")
    assert declined["ret_code"] == "2001"
    assert (declined["out_trade_no"], declined["total_amt"], declined["trade_state"]) == ("ot-low", "36.51", "FAIL")
    assert olive_api.ok("/trade/query", out_trade_no="ot-low")["trade_state"] == "FAIL"
    assert olive_api.pay(card_id, "ot-low", "1.00")["ret_code"] == "2003"
    assert olive_api.balance(card_id) == "36.50"


@pytest.mark.parametrize(
    ("role", "amount", "code"),
    [("frozen", "1.00", "1004"), ("expired", "1.00", "1005"), ("main", "2000.01", "2002"), ("u1002", "1.00", "1001")],
)
def test_pay_refusals_answer_olive_codes(olive_api, olive, role, amount, code) -> None:
    assert olive_api.pay(olive[role]["card_id"], f"ot-{role}", amount)["ret_code"] == code


def test_cancel_closes_the_trade_and_gives_the_money_back(olive_api, olive) -> None:
    card_id = olive["main"]["card_id"]
    olive_api.pay(card_id, "ot-cancel", "50.00")
    cancelled = olive_api.ok("/trade/cancel", out_trade_no="ot-cancel")
    assert (cancelled["out_trade_no"], cancelled["total_amt"], cancelled["trade_state"]) == (
        "ot-cancel",
        "50.00",
        "CLOSED",
    )
    assert olive_api.ok("/trade/cancel", out_trade_no="ot-cancel")["trade_state"] == "CLOSED"
    assert olive_api.ok("/trade/query", out_trade_no="ot-cancel")["trade_state"] == "CLOSED"
    assert olive_api.balance(card_id) == "500.00"
    newest = olive_api.ok("/card/trades", member_id="u1001", card_id=card_id, page_size="1")["trades"][0]
    assert (newest["trade_type"], newest["trade_amt"]) == ("C", "50.00")


def test_cancel_refuses_a_refunded_trade_and_an_unknown_one(olive_api, olive) -> None:
    olive_api.pay(olive["main"]["card_id"], "ot-refunded", "50.00")
    olive_api.ok("/trade/refund", out_trade_no="ot-refunded", out_refund_no="rf-1", refund_amt="1.00")
    assert olive_api.call("/trade/cancel", out_trade_no="ot-refunded")["ret_code"] == "2006"
    assert olive_api.call("/trade/cancel", out_trade_no="ot-none")["ret_code"] == "2004"


def test_refunds_add_up_and_repeat_safely_on_out_refund_no(olive_api, olive) -> None:
    card_id = olive["main"]["card_id"]
    olive_api.pay(card_id, "ot-rf", "30.00")
    first = olive_api.ok("/trade/refund", out_trade_no="ot-rf", out_refund_no="rf-a", refund_amt="10.00")
    assert (first["total_amt"], first["refund_amt"], first["trade_state"]) == ("30.00", "10.00", "SUCCESS")
    assert olive_api.ok("/trade/refund", out_trade_no="ot-rf", out_refund_no="rf-a", refund_amt="10.00") == first
    second = olive_api.ok("/trade/refund", out_trade_no="ot-rf", out_refund_no="rf-b", refund_amt="5.50")
    assert second["refund_amt"] == "15.50"
    assert olive_api.ok("/trade/query", out_trade_no="ot-rf")["refund_amt"] == "15.50"
    assert olive_api.balance(card_id) == "485.50"
    newest = olive_api.ok("/card/trades", member_id="u1001", card_id=card_id, page_size="1")["trades"][0]
    assert (newest["trade_type"], newest["trade_amt"], newest["out_trade_no"]) == ("R", "5.50", "ot-rf")


def test_refund_refusals_answer_olive_codes(olive_api, olive) -> None:
    olive_api.pay(olive["main"]["card_id"], "ot-rf2", "30.00")
    too_much = olive_api.call("/trade/refund", out_trade_no="ot-rf2", out_refund_no="rf-x", refund_amt="30.01")
    assert too_much["ret_code"] == "2005"
    olive_api.ok("/trade/refund", out_trade_no="ot-rf2", out_refund_no="rf-y", refund_amt="1.00")
    reused = olive_api.call("/trade/refund", out_trade_no="ot-rf2", out_refund_no="rf-y", refund_amt="2.00")
    assert reused["ret_code"] == "2003"
    unknown = olive_api.call("/trade/refund", out_trade_no="ot-none", out_refund_no="rf-z", refund_amt="1.00")
    assert unknown["ret_code"] == "2004"


@pytest.mark.parametrize(
    "signing",
    [
        {"sign": "0" * 32},
        {"key": "not-the-key"},
        {"sign": ""},
        {"lower_case": True},
    ],
)
def test_a_bad_sign_answers_8001_and_nothing_happens(olive_api, olive, admin, signing) -> None:
    card_id = olive["main"]["card_id"]
    params = {"member_id": "u1001", "card_id": card_id, "out_trade_no": "ot-sign", "total_amt": "5.00"}
    if signing.pop("lower_case", False):
        form = {"mch_no": "kabao", "timestamp": "20261125120000", **params}
        signing["sign"] = olive_sign(form, olive_api.sandbox.olive_sign_key).lower()
        params["timestamp"] = form["timestamp"]
    response = olive_api.post("/trade/pay", **signing, **params)
    assert response.status_code == 200
    assert response.json() == {"ret_code": "8001", "ret_msg": "签名错误"}
    assert admin.payments("olive")["payments"] == []
    assert olive_api.balance(card_id) == "500.00"


def test_a_parameter_changed_after_signing_answers_8001(olive_api, olive, http, admin) -> None:
    form = {
        "mch_no": "kabao",
        "timestamp": "20261125120000",
        "member_id": "u1001",
        "card_id": olive["main"]["card_id"],
        "out_trade_no": "ot-tamper",
        "total_amt": "1.00",
    }
    form["sign"] = olive_sign(form, olive_api.sandbox.olive_sign_key)
    form["total_amt"] = "100.00"
    assert http.post(olive_api.url + "/trade/pay", data=form, timeout=10).json()["ret_code"] == "8001"
    assert admin.payments("olive")["payments"] == []


def test_empty_parameters_are_left_out_of_the_sign(olive_api, olive) -> None:
    answer = olive_api.pay(olive["main"]["card_id"], "ot-empty", "1.00", pay_pwd="")
    assert answer["ret_code"] == "0000"


@pytest.mark.parametrize(
    "overrides", [{"mch_no": ""}, {"timestamp": "2026-11-25 12:00"}, {"timestamp": "20261399120000"}]
)
def test_mch_no_and_timestamp_are_required_in_their_format(olive_api, olive, http, overrides) -> None:
    form = {"mch_no": "kabao", "timestamp": "20261125120000", "member_id": "u1001", **overrides}
    form["sign"] = olive_sign(form, olive_api.sandbox.olive_sign_key)
    assert http.post(olive_api.url + "/card/list", data=form, timeout=10).json()["ret_code"] == "8002"


def test_requests_that_are_not_signed_form_posts_answer_in_olive_shape(olive_api, http) -> None:
    as_json = http.post(olive_api.url + "/card/list", json={"member_id": "u1001"}, timeout=10)
    assert (as_json.status_code, as_json.json()["ret_code"]) == (200, "8002")
    as_get = http.get(olive_api.url + "/card/list", timeout=10)
    assert (as_get.status_code, as_get.json()["ret_code"]) == (200, "8002")
    unknown = olive_api.post("/card/teleport", member_id="u1001")
    assert (unknown.status_code, unknown.json()["ret_code"]) == (200, "8002")


def test_a_repeated_parameter_answers_8002(olive_api, http) -> None:
    body = "mch_no=kabao&timestamp=20261125120000&member_id=u1001&member_id=u1002&sign=X"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = http.post(olive_api.url + "/card/list", data=body, headers=headers, timeout=10).json()
    assert answer["ret_code"] == "8002"


def test_concurrent_pays_with_one_out_trade_no_charge_once_and_the_rest_answer_2003(olive_api, olive, admin) -> None:
    card_id = olive["main"]["card_id"]

    def pay_once(_: int) -> str:
        with requests.Session() as session:  # one session per thread: requests' sessions are not thread-safe
            return OliveClient(olive_api.sandbox, session).pay(card_id, "ot-race", "1.00")["ret_code"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(pay_once, range(8)))
    assert sorted(codes) == ["0000"] + ["2003"] * 7
    assert len(admin.payments("olive")["payments"]) == 1
    assert olive_api.balance(card_id) == "499.00"
