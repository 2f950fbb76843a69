"""The admin API, lazily provisioned systems, reset, and launch tokens."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer

from sandbox.cardnumbers import NumberRule


def load_launch_token(secret: str, token: str) -> dict:
    """Check a launch token exactly as the BFF does."""
    return URLSafeTimedSerializer(secret, salt="kabao.launch").loads(token, max_age=60)


def test_health_answers_ok(admin) -> None:
    assert admin.get("/health").json() == {"status": "ok"}


def test_shoppers_are_the_three_seeded_ones(admin) -> None:
    assert admin.get("/shoppers").json() == [
        {"user_id": "u1001", "name": {"zh-CN": "李雷", "en": "Li Lei"}},
        {"user_id": "u1002", "name": {"zh-CN": "韩梅梅", "en": "Han Meimei"}},
        {"user_id": "u1003", "name": {"zh-CN": "新用户", "en": "New shopper"}},
    ]


def test_merchants_come_from_the_yaml_files_of_the_config_dir(admin) -> None:
    assert admin.get("/merchants").json() == [
        {
            "id": "harbor-books",
            "name": {"zh-CN": "港湾书店", "en": "Harbor Books"},
            "system": "harbor",
            "bind_method": "sms",
        },
        {
            "id": "lime-market",
            "name": {"zh-CN": "青柠超市", "en": "Lime Market"},
            "system": "lime",
            "bind_method": "password",
        },
        {
            "id": "peach-bakery",
            "name": {"zh-CN": "蜜桃烘焙", "en": "Peach Bakery"},
            "system": "peach",
            "bind_method": "number_only",
        },
    ]


@pytest.mark.parametrize(
    ("system", "rule", "types"),
    [
        ("lime", NumberRule("6", 16, luhn=True), {"gift", "member"}),
        ("harbor", NumberRule("88", 19, luhn=False), {"book", "gift"}),
        ("peach", NumberRule("PB", 12, luhn=False), {"cake", "gift"}),
        ("brand-new_shop", NumberRule("9", 16, luhn=True), {"gift"}),
    ],
)
def test_each_system_has_the_seeded_cards_in_its_profile_format(admin, system, rule, types) -> None:
    cards = admin.cards(system)
    assert len(cards) == 13
    assert all(rule.matches(c["card_number"]) for c in cards)
    assert {c["card_type"] for c in cards} == types
    assert all(re.fullmatch(r"\d{6}", c["secret"]) for c in cards)
    assert all(re.fullmatch(r"c_[0-9a-f]{16}", c["card_id"]) for c in cards)
    unbound = [c for c in cards if c["user_id"] is None]
    assert sorted(c["balance"] for c in unbound if c["status"] == "ACTIVE") == [
        1000,
        5000,
        6660,
        10000,
        20000,
        30000,
    ]
    assert sorted(c["status"] for c in unbound) == ["ACTIVE"] * 6 + ["EXPIRED", "FROZEN"]
    assert [c["balance"] for c in cards if c["user_id"] == "u1002"] == [8800]


def test_card_filters_select_by_user_and_binding(admin, http) -> None:
    assert len(admin.cards("lime", user_id="u1001")) == 4
    assert len(admin.cards("lime", bound="1")) == 5
    assert len(admin.cards("lime", bound="0")) == 8
    assert admin.cards("lime", user_id="u1003") == []
    assert admin.get("/systems/lime/cards", bound="yes").status_code == 400


def test_an_unknown_system_is_provisioned_on_first_use_with_the_default_profile(api, admin) -> None:
    cards = api.call("newshop", "GET", "/users/u1001/cards").json()["cards"]
    assert len(cards) == 4
    unbound = admin.cards("newshop", bound="0")[0]
    assert NumberRule("9", 16, luhn=True).matches(unbound["card_number"])
    bound = api.bind("newshop", "u1003", unbound["card_number"], secret=unbound["secret"])
    assert bound.json()["card"]["balance"] == unbound["balance"]


def identities(cards: list[dict]) -> list[tuple]:
    """What a reset must restore for each card."""
    keys = ("card_id", "card_number", "secret", "user_id", "status", "balance", "secret_locked")
    return [tuple(card[k] for k in keys) for card in cards]


def test_reset_restores_the_same_cards_numbers_secrets_and_balances(api, admin, http, lime) -> None:
    lime_before, newshop_before = identities(admin.cards("lime")), identities(admin.cards("newshop"))
    card = lime["unbound"][0]
    api.bind("lime", "u1003", card["card_number"], secret=card["secret"])
    api.pay("lime", card["card_id"], "kb_before_reset", 100, user_id="u1003")
    assert identities(admin.cards("lime")) != lime_before
    http.post(f"{admin.url}/reset", timeout=10).raise_for_status()
    assert identities(admin.cards("lime")) == lime_before
    assert identities(admin.cards("newshop")) == newshop_before
    assert admin.payments("lime") == {"payments": [], "refunds": []}
    assert len(api.history("lime", lime["main"]["card_id"])) == 25


def test_latest_sms_is_404_until_a_code_is_sent(admin, api, seeded) -> None:
    card = seeded("harbor")["unbound"][0]
    assert admin.get("/sms", system="harbor", card_number=card["card_number"]).status_code == 404
    assert admin.get("/sms", system="harbor").status_code == 400
    api.call("harbor", "POST", "/sms-codes", json={"user_id": "u1003", "card_number": card["card_number"]})
    sms = admin.get("/sms", system="harbor", card_number=card["card_number"]).json()
    assert sms["user_id"] == "u1003" and not sms["used"] and 295 <= sms["expires_in"] <= 300


def test_launch_token_carries_the_shopper_merchant_and_locale(admin, http, sandbox) -> None:
    body = {"user_id": "u1002", "merchant_id": "lime-market", "locale": "en"}
    answer = http.post(f"{admin.url}/launch-token", json=body, timeout=10).json()
    payload = load_launch_token(sandbox.host_secret, answer["token"])
    assert {k: payload[k] for k in ("sub", "mch", "aud", "locale")} == {
        "sub": "u1002",
        "mch": "lime-market",
        "aud": "kabao-wallet",
        "locale": "en",
    }
    assert re.fullmatch(r"[0-9a-f]{32}", payload["nonce"])
    assert answer["url"] == f"{sandbox.bff_url}/launch?token={answer['token']}"


def test_launch_tokens_have_fresh_nonces(admin, http, sandbox) -> None:
    body = {"user_id": "u1001", "merchant_id": "lime-market", "locale": "zh-CN"}
    tokens = [http.post(f"{admin.url}/launch-token", json=body, timeout=10).json()["token"] for _ in range(2)]
    nonces = {load_launch_token(sandbox.host_secret, t)["nonce"] for t in tokens}
    assert len(nonces) == 2


@pytest.mark.parametrize("body", [{"user_id": "u1001"}, {"user_id": "u1001", "merchant_id": "m", "locale": "fr"}, []])
def test_launch_token_refuses_incomplete_requests(admin, http, body) -> None:
    assert http.post(f"{admin.url}/launch-token", json=body, timeout=10).status_code == 400


def test_an_invalid_system_id_is_an_invalid_request(api) -> None:
    response = api.call("bad.id", "GET", "/users/u1001/cards", valid_request=False)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "INVALID_REQUEST")


def test_unknown_api_paths_answer_in_the_api_shape(sandbox, http) -> None:
    response = http.get(f"{sandbox.system_url('lime')}/nope", timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_REQUEST"


def test_launch_url_query_holds_only_the_token(admin, http) -> None:
    body = {"user_id": "u1001", "merchant_id": "peach-bakery"}
    url = http.post(f"{admin.url}/launch-token", json=body, timeout=10).json()["url"]
    assert list(parse_qs(urlsplit(url).query)) == ["token"]


def test_secret_checks_count_every_secret_tried_even_on_a_locked_card(admin, api, lime) -> None:
    card = lime["unbound"][0]
    checks = "/systems/lime/secret-checks"
    assert admin.get(checks, card_id=card["card_id"]).json() == {"count": 0, "checks": []}
    for _ in range(7):  # the card locks after 5; the last two are still tried and counted
        body = {"user_id": "u1003", "card_number": card["card_number"], "secret": "000000"}
        api.call("lime", "POST", "/bindings", json=body)
    answer = admin.get(checks, card_id=card["card_id"]).json()
    assert answer["count"] == 7 and {c["kind"] for c in answer["checks"]} == {"password"}


def test_the_sandbox_says_which_system_a_base_url_names(admin) -> None:
    named = admin.get("/system-of", base_url="http://x/legacy/olive")
    assert named.status_code == 200 and named.json() == {"system": "olive"}
    assert admin.get("/system-of", base_url="http://x/elsewhere").status_code == 404
