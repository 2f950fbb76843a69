"""Two BFF processes (gunicorn, as `kabao serve` runs) sharing one ledger never charge a leg twice."""

from __future__ import annotations

import re
import threading
import uuid

import pytest
import requests
from kabao_testing import bff_env, checkout_handle, kabao_servers, mint_checkout_token, sandbox_cards, sandbox_payments


@pytest.fixture
def two_bffs(tmp_path, card_system):
    env = bff_env(card_system, tmp_path)  # one store and one ledger for both processes
    with kabao_servers(env, 2) as (first, second):  # booted side by side
        yield first, second


def test_concurrent_pays_on_two_processes_charge_once(two_bffs, card_system):
    first, second = two_bffs
    card = next(c for c in sandbox_cards(card_system, "lime", user_id="u1001") if c["balance"] == 50000)
    order_id = f"T-{uuid.uuid4().hex[:10]}"
    token = mint_checkout_token(
        card_system.host_secret, "u1001", "lime-market", order_id, 12800, f"{card_system.url}/sim/return"
    )
    browser = requests.Session()  # one shopper; cookies are per host, so both processes see the session
    path = browser.get(f"{first}/checkout?token={token}", timeout=10).url.removeprefix(first)
    page = browser.get(f"{first}{path}?js=0", timeout=10)  # the complete render: the form with its balances
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    attempt = re.search(r'name="attempt" value="(\d+)"', page.text).group(1)
    form = {"csrf_token": csrf, "attempt": attempt, "card": checkout_handle(page.text, card["card_number"][-4:])}
    codes = []

    def pay(base: str) -> None:
        answer = browser.post(f"{base}{path}/pay", data=form, allow_redirects=False, timeout=15)
        codes.append(answer.status_code)

    threads = [threading.Thread(target=pay, args=(base,)) for base in (first, second) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [303] * 8
    payments = [p for p in sandbox_payments(card_system, "lime") if p["order_id"] == order_id]
    assert [(p["status"], p["amount"]) for p in payments] == [("SUCCEEDED", 12800)]
    balance = next(c["balance"] for c in sandbox_cards(card_system, "lime") if c["card_id"] == card["card_id"])
    assert balance == 50000 - 12800
    result = browser.get(f"{second}{path}/result", timeout=10).text
    assert "<h1>支付成功" in result
