"""Texting bind codes: limits per card and per shopper, a countdown, no codes for cards that can't bind."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import requests
from kabao_testing import CONFIG_DIR, csrf_token, mint_launch_token, sandbox_cards, text_of

PHONE = re.compile(r"1\d\d\*{4}\d{4}")


def unbound(sandbox, system: str, status: str = "ACTIVE") -> list[dict]:
    return [c for c in sandbox_cards(sandbox, system, bound="0") if c["status"] == status]


def send_code(client, number: str):
    return client.post(
        "/bind", data={"csrf_token": csrf_token(client, "/bind"), "card_number": number, "action": "send_code"}
    )


def latest_code(sandbox, system: str, number: str) -> str | None:
    answer = requests.get(f"{sandbox.url}/_sandbox/sms", params={"system": system, "card_number": number}, timeout=5)
    return answer.json()["code"] if answer.status_code == 200 else None


@pytest.mark.parametrize(("merchant", "system"), [("harbor-books", "harbor"), ("maple-cinema", "maple")])
def test_a_sent_code_names_the_masked_phone_and_the_button_counts_down(client, launch, card_system, merchant, system):
    launch(merchant_id=merchant)
    card = unbound(card_system, system)[0]
    sent = send_code(client, card["card_number"])
    page = text_of(sent)
    assert sent.status_code == 200
    phone = re.search(r"验证码已发送至 (\S+)", page).group(1)
    assert PHONE.fullmatch(phone)
    button = re.search(r'<button[^>]*value="send_code"[^>]*>([^<]*)</button>', sent.get_data(as_text=True))
    assert re.fullmatch(r"重新发送 \((59|60)s\)", button.group(1))
    assert 'data-wait="' in button.group(0)


def test_a_second_code_for_a_card_within_the_minute_is_refused_with_the_time_left(client, launch, card_system):
    launch(merchant_id="harbor-books")
    card = unbound(card_system, "harbor")[0]
    send_code(client, card["card_number"])
    first = latest_code(card_system, "harbor", card["card_number"])
    again = send_code(client, card["card_number"])
    assert again.status_code == 422
    assert re.search(r"验证码发送太频繁，请 (59|60) 秒后再试", text_of(again))
    assert latest_code(card_system, "harbor", card["card_number"]) == first  # nothing new was texted


def test_one_shopper_cannot_text_many_card_owners(client, launch, card_system):
    launch(merchant_id="harbor-books")
    cards = unbound(card_system, "harbor")
    assert len(cards) >= 6
    for card in cards[:5]:
        assert send_code(client, card["card_number"]).status_code == 200
    sixth = send_code(client, cards[5]["card_number"])
    assert sixth.status_code == 422 and "验证码发送太频繁" in text_of(sixth)
    assert latest_code(card_system, "harbor", cards[5]["card_number"]) is None


@pytest.mark.parametrize(("status", "says"), [("FROZEN", "已被冻结"), ("EXPIRED", "已过期")])
def test_no_code_is_texted_for_a_frozen_or_expired_card(client, launch, card_system, status, says):
    launch(merchant_id="harbor-books")
    card = unbound(card_system, "harbor", status)[0]
    response = send_code(client, card["card_number"])
    assert response.status_code == 422 and says in text_of(response)
    assert "验证码已发送" not in text_of(response)
    assert latest_code(card_system, "harbor", card["card_number"]) is None


@pytest.fixture
def chatty_config(tmp_path: Path) -> Path:
    """A config dir where harbor-books lets a shopper text 2 codes an hour."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    path = target / "harbor-books.yaml"
    path.write_text(
        path.read_text(encoding="utf-8") + "limits:\n  sms: {per_user: {attempts: 2, window_seconds: 3600}}\n",
        encoding="utf-8",
    )
    return target


def test_the_per_shopper_limit_comes_from_the_merchant_config(make_app, chatty_config, card_system):
    app = make_app(chatty_config)
    client = app.test_client()
    client.get(f"/launch?token={mint_launch_token(app.config['KABAO_HOST_SECRET'], 'u1001', 'harbor-books')}")
    cards = unbound(card_system, "harbor")
    assert [send_code(client, c["card_number"]).status_code for c in cards[:3]] == [200, 200, 422]
