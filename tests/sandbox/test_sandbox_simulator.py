"""The host-app simulator page: launch, test cards, SMS inbox, fault panel."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from itsdangerous import URLSafeTimedSerializer


@pytest.fixture
def page(sandbox, http) -> str:
    """The simulator page's HTML."""
    response = http.get(sandbox.url + "/", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    return response.text


def test_simulator_page_offers_shoppers_merchants_and_languages(page) -> None:
    for text in (
        "打开卡包 Open wallet",
        "李雷 / Li Lei (u1001)",
        "韩梅梅",
        "新用户",
        "青柠超市 / Lime Market",
        "港湾书店",
        "蜜桃烘焙",
        'value="zh-CN"',
        'value="en"',
    ):
        assert text in page
    assert "broken" not in page and "schema" not in page


def test_simulator_page_lists_every_test_card_in_full_with_the_shopper_it_is_bound_to(page, admin) -> None:
    bound_table = page[page.index("Bound to the demo shoppers") :]
    for system in ("lime", "harbor", "peach"):
        for card in admin.cards(system, bound="0"):
            assert card["card_number"] in page and card["secret"] in page
        for card in admin.cards(system, bound="1"):  # the demo shoppers' cards, with the PIN checkout asks for
            row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{card['card_number']}(?:(?!</tr>).)*</tr>", bound_table, re.S)
            assert card["secret"] in row.group(0)
    assert "李雷 Li Lei" in bound_table
    assert "¥66.60" in page and "¥300.00" in page
    assert "FROZEN" in page and "EXPIRED" in page


def test_the_simulator_opens_on_the_most_complete_merchant(page) -> None:
    """The first merchant in the forms speaks the standard API (every operation) and has the pay code."""
    launch_form = page[page.index('name="merchant_id"') :]
    first = re.search(r'<option value="([^"]+)"', launch_form).group(1)
    assert first == "lime-market", first  # the only merchant here on the standard API with the pay code on


def test_simulator_page_has_no_inline_script_or_style_and_a_strict_csp(sandbox, http, page) -> None:
    assert "<script" not in page and " style=" not in page and "<style" not in page
    csp = http.get(sandbox.url + "/", timeout=10).headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "default-src 'none'" in csp
    assert "form-action 'self' http://bff.test:5000" in csp
    stylesheet = re.search(r'href="([^"]+\.css)"', page).group(1)
    assert http.get(sandbox.url + stylesheet, timeout=10).headers["Content-Type"].startswith("text/css")


def test_open_wallet_redirects_to_the_bff_with_a_valid_launch_token(sandbox, http) -> None:
    form = {"user_id": "u1001", "merchant_id": "harbor-books", "locale": "en"}
    response = http.post(sandbox.url + "/launch", data=form, allow_redirects=False, timeout=10)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"{sandbox.bff_url}/launch?token=")
    token = parse_qs(urlsplit(location).query)["token"][0]
    payload = URLSafeTimedSerializer(sandbox.host_secret, salt="kabao.launch").loads(token, max_age=60)
    assert payload["sub"] == "u1001" and payload["mch"] == "harbor-books"
    assert payload["aud"] == "kabao-wallet" and payload["locale"] == "en"
    assert re.fullmatch(r"[0-9a-f]{32}", payload["nonce"])


@pytest.mark.parametrize(
    "form",
    [
        {"user_id": "u9999", "merchant_id": "lime-market", "locale": "zh-CN"},
        {"user_id": "u1001", "merchant_id": "broken", "locale": "zh-CN"},
        {"user_id": "u1001", "merchant_id": "lime-market", "locale": "fr"},
    ],
)
def test_open_wallet_refuses_unknown_choices(sandbox, http, form) -> None:
    response = http.post(sandbox.url + "/launch", data=form, allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert 'role="alert"' in response.text


def test_fault_panel_adds_lists_and_clears_faults(sandbox, http, admin) -> None:
    form = {
        "system": "harbor",
        "op": "pay",
        "mode": "latency",
        "delay_ms": "250",
        "count": "3",
        "card_id": "",
    }
    added = http.post(sandbox.url + "/faults", data=form, allow_redirects=False, timeout=10)
    assert added.status_code == 303 and added.headers["Location"].endswith("/#faults")
    assert admin.faults() == [
        {
            "system": "harbor",
            "op": "pay",
            "mode": "latency",
            "card_id": None,
            "delay_ms": 250,
            "count": 3,
            "id": admin.faults()[0]["id"],
        }
    ]
    page = http.get(sandbox.url + "/", timeout=10).text
    assert "250 ms" in page
    assert "港湾书店 Harbor Books <code>harbor</code>" in page  # faults are shown by merchant, not by system id
    assert '<option value="harbor">港湾书店 Harbor Books (harbor)</option>' in page
    cleared = http.post(sandbox.url + "/faults/clear", allow_redirects=False, timeout=10)
    assert cleared.status_code == 303 and admin.faults() == []


def test_one_fault_can_be_removed_and_the_others_stay(sandbox, http, admin) -> None:
    for system in ("harbor", "lime"):
        http.post(sandbox.url + "/faults", data={"system": system, "op": "pay", "mode": "error_5xx"}, timeout=10)
    harbor, lime = admin.faults()
    removed = http.post(f"{sandbox.url}/faults/{harbor['id']}/remove", allow_redirects=False, timeout=10)
    assert removed.status_code == 303 and removed.headers["Location"].endswith("/#faults")
    assert admin.faults() == [lime]
    assert http.delete(f"{sandbox.url}/_sandbox/faults/{lime['id']}", timeout=10).json() == []
    assert http.delete(f"{sandbox.url}/_sandbox/faults/{lime['id']}", timeout=10).status_code == 404


def test_fault_panel_explains_a_refused_fault(sandbox, http, admin) -> None:
    form = {"system": "lime", "op": "pay", "mode": "latency", "delay_ms": "soon"}
    response = http.post(sandbox.url + "/faults", data=form, timeout=10)
    assert response.status_code == 400 and "delay_ms" in response.text
    assert admin.faults() == []


def test_sms_inbox_shows_the_latest_codes(sandbox, http, api, admin, seeded) -> None:
    card = seeded("harbor")["unbound"][2]
    api.call("harbor", "POST", "/sms-codes", json={"user_id": "u1003", "card_number": card["card_number"]})
    code = admin.latest_sms_code("harbor", card["card_number"])
    page = http.get(sandbox.url + "/", timeout=10).text
    inbox = page.split('id="sms-title"', 1)[1].split("</section>", 1)[0]
    assert code in inbox and card["card_number"] in inbox


def test_reset_button_reseeds_the_sandbox(sandbox, http, api, admin, lime) -> None:
    api.pay("lime", lime["main"]["card_id"], "kb_before", 100)
    response = http.post(sandbox.url + "/reset", allow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert admin.payments("lime")["payments"] == []
