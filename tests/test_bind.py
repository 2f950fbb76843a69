"""Binding over the real sandbox: each bind method, friendly errors, and wrong-secret limits."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
from kabao_testing import CONFIG_DIR, add_fault, csrf_token, mint_launch_token, sandbox_cards, text_of


def unbound(sandbox, system: str, status: str = "ACTIVE") -> dict:
    return next(c for c in sandbox_cards(sandbox, system, bound="0") if c["status"] == status)


def post_bind(client, **form):
    return client.post("/bind", data={"csrf_token": csrf_token(client, "/bind"), **form})


def owner_of(sandbox, system: str, card_id: str) -> str | None:
    return next(c["user_id"] for c in sandbox_cards(sandbox, system) if c["card_id"] == card_id)


def test_bind_with_password_adds_the_card(client, launch, card_system):
    launch()
    card = unbound(card_system, "lime")
    spaced = " ".join(card["card_number"][i : i + 4] for i in range(0, 16, 4))
    response = post_bind(client, card_number=spaced, secret=card["secret"])
    assert response.status_code == 303 and response.headers["Location"].startswith("/wallet?new=")
    page = text_of(client.get("/wallet?js=0"))
    assert f"绑定成功：尾号 {card['card_number'][-4:]}" in page
    assert f"¥{card['balance'] / 100:,.2f}" in page
    assert owner_of(card_system, "lime", card["card_id"]) == "u1001"


def test_bind_with_sms_code_sends_then_binds(client, launch, card_system):
    launch(merchant_id="harbor-books")
    card = unbound(card_system, "harbor")
    sent = post_bind(client, card_number=card["card_number"], action="send_code")
    assert sent.status_code == 200 and "验证码已发送" in text_of(sent)
    assert card["card_number"] in sent.get_data(as_text=True)  # the number stays typed in
    code = requests.get(
        f"{card_system.url}/_sandbox/sms",
        params={"system": "harbor", "card_number": card["card_number"]},
        timeout=5,
    ).json()["code"]
    response = post_bind(client, card_number=card["card_number"], sms_code=code, action="bind")
    assert response.status_code == 303
    assert owner_of(card_system, "harbor", card["card_id"]) == "u1001"


def test_bind_with_number_only(client, launch, card_system):
    launch(merchant_id="peach-bakery")
    card = unbound(card_system, "peach")
    assert post_bind(client, card_number=card["card_number"].lower()).status_code == 303
    assert owner_of(card_system, "peach", card["card_id"]) == "u1001"


def test_wrong_secret_and_unknown_card_read_the_same(client, launch, card_system):
    launch()
    card = unbound(card_system, "lime")
    wrong_secret = "918273" if card["secret"] != "918273" else "918274"
    wrong = post_bind(client, card_number=card["card_number"], secret=wrong_secret)
    unknown = post_bind(client, card_number="6000000000000007", secret=wrong_secret)
    for response in (wrong, unknown):
        assert response.status_code == 422
        assert "卡号或密码不正确" in text_of(response)
        assert wrong_secret not in response.get_data(as_text=True)  # never echoed back
    assert owner_of(card_system, "lime", card["card_id"]) is None


@pytest.mark.parametrize(
    ("number", "secret", "says"),
    [
        ("6000000000000001", "123456", "请输入正确的卡号"),  # fails Luhn
        ("12345", "123456", "请输入正确的卡号"),
        ("6000000000000007", "12ab", "请输入 6 位卡密码"),
    ],
)
def test_form_rules_come_from_the_merchant_config(client, launch, number, secret, says):
    launch()
    response = post_bind(client, card_number=number, secret=secret)
    assert response.status_code == 422 and says in text_of(response)


@pytest.mark.parametrize(("status", "says"), [("FROZEN", "已被冻结"), ("EXPIRED", "已过期，不能绑定")])
def test_frozen_and_expired_cards_get_friendly_messages(client, launch, card_system, status, says):
    launch()
    card = unbound(card_system, "lime", status)
    response = post_bind(client, card_number=card["card_number"], secret=card["secret"])
    assert says in text_of(response)


def test_card_of_another_shopper_says_already_bound(client, launch, card_system):
    theirs = sandbox_cards(card_system, "lime", user_id="u1002")[0]
    launch()
    response = post_bind(client, card_number=theirs["card_number"], secret=theirs["secret"])
    assert "已被其他账号绑定" in text_of(response)


def test_card_system_down_says_busy(client, launch, card_system):
    launch()
    card = unbound(card_system, "lime")
    add_fault(card_system, system="lime", op="bind", mode="error_5xx")
    response = post_bind(client, card_number=card["card_number"], secret=card["secret"])
    assert response.status_code == 422 and "服务繁忙" in text_of(response)


def test_htmx_bind_errors_come_back_as_the_form_fragment_and_success_as_a_redirect(client, launch, card_system):
    launch()
    card = unbound(card_system, "lime")
    headers = {"HX-Request": "true"}
    token = csrf_token(client, "/bind")
    failed = client.post(
        "/bind",
        data={"csrf_token": token, "card_number": card["card_number"], "secret": "000000"},
        headers=headers,
    )
    assert failed.status_code == 422
    assert failed.get_data(as_text=True).lstrip().startswith('<form id="bind-form"')
    done = client.post(
        "/bind",
        data={"csrf_token": token, "card_number": card["card_number"], "secret": card["secret"]},
        headers=headers,
    )
    assert done.headers["HX-Redirect"].startswith("/wallet?new=")


def test_bind_without_csrf_token_is_refused(client, launch, card_system):
    launch()
    card = unbound(card_system, "lime")
    response = client.post("/bind", data={"card_number": card["card_number"], "secret": card["secret"]})
    assert response.status_code == 400 and "页面已过期" in text_of(response)
    assert owner_of(card_system, "lime", card["card_id"]) is None


@pytest.fixture
def strict_config(tmp_path: Path) -> Path:
    """A config dir where lime-market allows 3 wrong secrets per card and 4 per shopper."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    path = target / "lime-market.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("per_card: {attempts: 5, window_seconds: 900}", "per_card: {attempts: 3, window_seconds: 900}")
    text = text.replace(
        "per_user: {attempts: 20, window_seconds: 3600}", "per_user: {attempts: 4, window_seconds: 3600}"
    )
    path.write_text(text, encoding="utf-8")
    return target


def launched(app, user_id: str = "u1001"):
    client = app.test_client()
    token = mint_launch_token(app.config["KABAO_HOST_SECRET"], user_id, "lime-market")
    client.get(f"/launch?token={token}")
    return client


def test_wrong_secrets_per_card_are_limited_and_the_card_system_is_not_asked_again(
    make_app, strict_config, card_system
):
    app = make_app(strict_config)
    client = launched(app)
    card = unbound(card_system, "lime")
    for _ in range(2):
        assert "卡号或密码不正确" in text_of(post_bind(client, card_number=card["card_number"], secret="000000"))
    third = post_bind(client, card_number=card["card_number"], secret="000000")
    assert "尝试次数过多" in text_of(third)
    # even the right secret is not sent now: the card system's own lock counter stays below its limit
    right = post_bind(client, card_number=card["card_number"], secret=card["secret"])
    assert "尝试次数过多" in text_of(right)
    assert owner_of(card_system, "lime", card["card_id"]) is None
    after = next(c for c in sandbox_cards(card_system, "lime") if c["card_id"] == card["card_id"])
    assert after["secret_locked"] is False


def test_wrong_secrets_per_shopper_are_limited_across_cards(make_app, strict_config, card_system):
    client = launched(make_app(strict_config))
    cards = [c for c in sandbox_cards(card_system, "lime", bound="0") if c["status"] == "ACTIVE"]
    for card in cards[:3]:
        post_bind(client, card_number=card["card_number"], secret="000000")
    fourth = post_bind(client, card_number=cards[3]["card_number"], secret="000000")
    assert "尝试次数过多" in text_of(fourth)
    fresh = post_bind(client, card_number=cards[4]["card_number"], secret=cards[4]["secret"])
    assert "尝试次数过多" in text_of(fresh)


def test_limits_hold_across_bff_processes_and_restarts(make_app, strict_config, card_system):
    card = unbound(card_system, "lime")
    first = make_app(strict_config)
    client = launched(first)
    for _ in range(3):
        post_bind(client, card_number=card["card_number"], secret="000000")
    first.extensions["kabao"].close()
    second = make_app(strict_config)  # a new process on the same store file
    response = post_bind(launched(second), card_number=card["card_number"], secret=card["secret"])
    assert "尝试次数过多" in text_of(response)


def test_sms_send_for_an_unknown_number_looks_the_same_as_for_a_real_one(client, launch):
    launch(merchant_id="harbor-books")
    response = post_bind(client, card_number="8800000000000000000", action="send_code")
    assert response.status_code == 200 and "验证码已发送" in text_of(response)


def secret_checks(sandbox, system: str, card_id: str) -> int:
    url = f"{sandbox.url}/_sandbox/systems/{system}/secret-checks"
    return requests.get(url, params={"card_id": card_id}, timeout=5).json()["count"]


def test_a_bind_applied_but_its_answer_lost_shows_the_card_bound(client, launch, card_system):
    launch()
    client.get("/wallet?js=0")  # the wallet the shopper came from lists their cards
    card = unbound(card_system, "lime")
    add_fault(card_system, system="lime", op="bind", mode="drop_response", count=1)
    response = post_bind(client, card_number=card["card_number"], secret=card["secret"])
    assert response.status_code == 303 and response.headers["Location"].startswith("/wallet?new=")
    assert f"绑定成功：尾号 {card['card_number'][-4:]}" in text_of(client.get("/wallet?js=0"))
    assert owner_of(card_system, "lime", card["card_id"]) == "u1001"
    assert secret_checks(card_system, "lime", card["card_id"]) == 1  # bound once, never asked again


def test_a_bind_answer_lost_without_a_wallet_visit_is_still_confirmed(client, launch, card_system):
    launch()
    card = unbound(card_system, "lime")
    add_fault(card_system, system="lime", op="bind", mode="drop_response", count=1)
    response = post_bind(client, card_number=card["card_number"], secret=card["secret"])
    assert response.status_code == 303
    assert owner_of(card_system, "lime", card["card_id"]) == "u1001"


def test_a_lost_bind_answer_that_cannot_be_confirmed_says_so_and_does_not_bind_again(client, launch, card_system):
    launch()
    client.get("/wallet?js=0")
    card = unbound(card_system, "lime")
    add_fault(card_system, system="lime", op="bind", mode="drop_response", count=1)
    add_fault(card_system, system="lime", op="list_cards", mode="error_5xx")
    response = post_bind(client, card_number=card["card_number"], secret=card["secret"])
    assert response.status_code == 422 and "暂时无法确认这张卡是否已绑定" in text_of(response)
    assert "服务繁忙" not in text_of(response)
    assert 'href="/wallet"' in response.get_data(as_text=True)  # where to look, rather than binding again
    assert secret_checks(card_system, "lime", card["card_id"]) == 1


def test_card_system_failures_and_successes_do_not_use_up_the_wrong_secret_limit(make_app, strict_config, card_system):
    client = launched(make_app(strict_config))  # 3 tries per card, 4 per shopper
    cards = [c for c in sandbox_cards(card_system, "lime", bound="0") if c["status"] == "ACTIVE"]
    add_fault(card_system, system="lime", op="bind", mode="error_5xx", count=3)
    for _ in range(3):
        assert "服务繁忙" in text_of(post_bind(client, card_number=cards[0]["card_number"], secret=cards[0]["secret"]))
    for card in cards[:5]:  # more right secrets than the shopper's limit of wrong ones
        assert post_bind(client, card_number=card["card_number"], secret=card["secret"]).status_code == 303
    assert {owner_of(card_system, "lime", c["card_id"]) for c in cards[:5]} == {"u1001"}
