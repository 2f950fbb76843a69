"""Binding, listing, card detail, transactions and unbinding on the sandbox card systems."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sandbox import clock


def test_bind_with_the_card_password_gives_the_card_with_its_balance(api, lime) -> None:
    card = lime["unbound"][0]
    response = api.bind("lime", "u1003", card["card_number"], secret=card["secret"])
    assert response.status_code == 200
    bound = response.json()["card"]
    assert bound["card_id"] == card["card_id"]
    assert bound["last4"] == card["card_number"][-4:]
    assert (bound["balance"], bound["status"], bound["currency"]) == (10000, "ACTIVE", "CNY")
    listed = api.call("lime", "GET", "/users/u1003/cards").json()["cards"]
    assert [c["card_id"] for c in listed] == [card["card_id"]]
    assert all("balance" not in c for c in listed)


def test_bind_twice_by_the_same_user_answers_the_card_again(api, lime) -> None:
    card = lime["unbound"][1]
    first = api.bind("lime", "u1003", card["card_number"], secret=card["secret"])
    second = api.bind("lime", "u1003", card["card_number"], secret=card["secret"])
    assert second.status_code == 200
    assert second.json()["card"] == first.json()["card"]


def test_bind_a_card_of_another_user_answers_already_bound(api, lime, admin) -> None:
    card = lime["u1002"]
    response = api.bind("lime", "u1003", card["card_number"], secret=card["secret"])
    assert response.json()["error"]["code"] == "ALREADY_BOUND"
    assert admin.card("lime", card["card_id"])["user_id"] == "u1002"


def test_bind_locks_the_secret_after_five_wrong_secrets(api, lime, admin) -> None:
    card = lime["unbound"][0]
    codes = [api.bind("lime", "u1003", card["card_number"], secret="000000x").json()["error"]["code"] for _ in range(5)]
    assert codes == ["WRONG_SECRET"] * 4 + ["SECRET_LOCKED"]
    locked = api.bind("lime", "u1003", card["card_number"], secret=card["secret"])
    assert (locked.status_code, locked.json()["error"]["code"]) == (423, "SECRET_LOCKED")
    after = admin.card("lime", card["card_id"])
    assert (after["secret_locked"], after["user_id"]) == (True, None)


def test_a_right_secret_resets_the_count_of_wrong_ones(api, lime) -> None:
    card = lime["unbound"][0]
    for _ in range(4):
        api.bind("lime", "u1003", card["card_number"], secret="bad")
    assert api.bind("lime", "u1003", card["card_number"], secret=card["secret"]).status_code == 200
    api.call("lime", "DELETE", f"/users/u1003/cards/{card['card_id']}")
    for _ in range(4):
        assert api.bind("lime", "u1003", card["card_number"], secret="bad").status_code == 400


def test_bind_refuses_frozen_and_expired_cards_even_with_the_right_secret(api, lime) -> None:
    for role, code in (("unbound_frozen", "CARD_FROZEN"), ("unbound_expired", "CARD_EXPIRED")):
        card = lime[role]
        response = api.bind("lime", "u1003", card["card_number"], secret=card["secret"])
        assert (response.status_code, response.json()["error"]["code"]) == (409, code)


def test_sms_bind_needs_the_latest_code_and_uses_it_once(api, admin, seeded) -> None:
    harbor = seeded("harbor")
    card = harbor["unbound"][0]
    sent = {"user_id": "u1003", "card_number": card["card_number"]}
    answer = api.call("harbor", "POST", "/sms-codes", json=sent).json()
    assert answer == {"result": "OK", "expires_in": 300, "masked_phone": answer["masked_phone"]}
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", answer["masked_phone"])
    old_code = admin.latest_sms_code("harbor", card["card_number"])
    api.call("harbor", "POST", "/sms-codes", json=sent)
    code = admin.latest_sms_code("harbor", card["card_number"])
    assert len(code) == 6 and code.isdigit()
    if old_code != code:
        stale = api.bind("harbor", "u1003", card["card_number"], sms_code=old_code)
        assert stale.json()["error"]["code"] == "WRONG_SECRET"
    assert api.bind("harbor", "u1003", card["card_number"], sms_code=code).status_code == 200
    api.call("harbor", "DELETE", f"/users/u1003/cards/{card['card_id']}")
    reused = api.bind("harbor", "u1003", card["card_number"], sms_code=code)
    assert reused.json()["error"]["code"] == "WRONG_SECRET"
    assert admin.get("/sms", system="harbor", card_number=card["card_number"]).json()["used"]


@pytest.mark.parametrize(("role", "code"), [("unbound_frozen", "CARD_FROZEN"), ("unbound_expired", "CARD_EXPIRED")])
def test_no_sms_code_is_sent_for_a_frozen_or_expired_card(api, admin, seeded, role, code) -> None:
    card = seeded("harbor")[role]
    answer = api.call("harbor", "POST", "/sms-codes", json={"user_id": "u1003", "card_number": card["card_number"]})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, code)
    assert admin.get("/sms", system="harbor", card_number=card["card_number"]).status_code == 404


def test_sms_code_sent_for_one_user_does_not_bind_for_another(api, admin, seeded) -> None:
    card = seeded("harbor")["unbound"][0]
    api.call("harbor", "POST", "/sms-codes", json={"user_id": "u1003", "card_number": card["card_number"]})
    code = admin.latest_sms_code("harbor", card["card_number"])
    response = api.bind("harbor", "u1002", card["card_number"], sms_code=code)
    assert response.json()["error"]["code"] == "WRONG_SECRET"


def test_sms_sends_are_limited_per_card(api, seeded) -> None:
    card = seeded("harbor")["unbound"][0]
    body = {"user_id": "u1003", "card_number": card["card_number"]}
    statuses = [api.call("harbor", "POST", "/sms-codes", json=body).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_number_only_systems_bind_with_the_number_alone(api, seeded) -> None:
    card = seeded("peach")["unbound"][0]
    assert card["card_number"].startswith("PB") and len(card["card_number"]) == 12
    response = api.bind("peach", "u1003", card["card_number"])
    assert response.status_code == 200
    assert response.json()["card"]["card_type"] in ("cake", "gift")


def test_bind_asks_for_the_secret_its_system_uses(api, lime, seeded) -> None:
    missing_password = api.bind("lime", "u1003", lime["unbound"][0]["card_number"])
    harbor_card = seeded("harbor")["unbound"][0]
    missing_code = api.bind("harbor", "u1003", harbor_card["card_number"], secret="123456")
    assert missing_password.json()["error"]["code"] == "INVALID_REQUEST"
    assert missing_code.json()["error"]["code"] == "INVALID_REQUEST"


def test_card_operations_on_another_users_card_answer_card_not_found(api, lime) -> None:
    path = f"/users/u1001/cards/{lime['u1002']['card_id']}"
    for method, suffix in (("GET", ""), ("GET", "/transactions"), ("DELETE", "")):
        response = api.call("lime", method, path + suffix)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "CARD_NOT_FOUND")


def test_u1001_has_four_cards_with_the_seeded_statuses_and_balances(api, lime) -> None:
    cards = api.call("lime", "GET", "/users/u1001/cards").json()["cards"]
    assert sorted(c["status"] for c in cards) == ["ACTIVE", "ACTIVE", "EXPIRED", "FROZEN"]
    balances = {role: api.balance("lime", lime[role]["card_id"]) for role in ("main", "small", "frozen", "expired")}
    assert balances == {"main": 50000, "small": 3650, "frozen": 12800, "expired": 2000}
    expired = api.call("lime", "GET", f"/users/u1001/cards/{lime['expired']['card_id']}").json()
    assert expired["card"]["expires_on"] < clock.today().isoformat()


def test_transactions_come_newest_first_in_three_pages_of_ten(api, lime) -> None:
    path = f"/users/u1001/cards/{lime['main']['card_id']}/transactions"
    pages: list[list[dict[str, Any]]] = []
    params: dict[str, Any] = {}
    while True:
        body = api.call("lime", "GET", path, params=params).json()
        pages.append(body["transactions"])
        if body["next_cursor"] is None:
            break
        params = {"cursor": body["next_cursor"]}
    assert [len(page) for page in pages] == [10, 10, 5]
    txns = [txn for page in pages for txn in page]
    assert len({t["txn_id"] for t in txns}) == 25
    assert [t["created_at"] for t in txns] == sorted((t["created_at"] for t in txns), reverse=True)
    assert txns[0]["balance_after"] == 50000
    assert txns[-1]["kind"] == "TOPUP" and txns[-1]["amount"] == txns[-1]["balance_after"]
    for newer, older in zip(txns, txns[1:], strict=False):
        assert newer["balance_after"] == older["balance_after"] + newer["amount"]
    assert all(("payment_id" in t) == (t["kind"] == "PAYMENT") for t in txns)


def test_a_cursor_from_another_card_is_refused(api, lime) -> None:
    main = f"/users/u1001/cards/{lime['main']['card_id']}/transactions"
    cursor = api.call("lime", "GET", main, params={"limit": 1}).json()["next_cursor"]
    other = f"/users/u1001/cards/{lime['small']['card_id']}/transactions"
    response = api.call("lime", "GET", other, params={"cursor": cursor})
    assert response.json()["error"]["code"] == "INVALID_REQUEST"


def test_unbind_releases_the_card_and_keeps_its_balance(api, lime, admin) -> None:
    card = lime["small"]
    assert api.call("lime", "DELETE", f"/users/u1001/cards/{card['card_id']}").json() == {"result": "OK"}
    assert card["card_id"] not in [c["card_id"] for c in api.call("lime", "GET", "/users/u1001/cards").json()["cards"]]
    after = admin.card("lime", card["card_id"])
    assert (after["user_id"], after["balance"]) == (None, 3650)
    rebound = api.bind("lime", "u1003", card["card_number"], secret=card["secret"])
    assert rebound.json()["card"]["balance"] == 3650
