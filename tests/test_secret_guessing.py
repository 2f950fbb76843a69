"""Guessing card secrets concurrently over two gunicorn workers: no more than the limit reach the card system."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from kabao_testing import bff_env, checkout_handle, kabao_serve, mint_checkout_token, mint_launch_token, sandbox_cards

from bff.store import open_store

GUESSES = 40
PER_CARD = 5  # the shipped configs' wrong-secret limit per card (lime-market says so; harbor-books by default)


@pytest.fixture(params=["sqlite", "redis"])
def bff(request, tmp_path, card_system):
    """One `kabao serve` with two worker processes, on the SQLite store or on Redis."""
    env = bff_env(card_system, tmp_path)
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        store = open_store(url)
        store.client.flushdb()
        store.close()
        env["KABAO_STORE_URL"] = url
    with kabao_serve(env, workers=2, threads=8) as base:
        yield base


def secret_checks(sandbox, system: str, card_id: str) -> int:
    url = f"{sandbox.url}/_sandbox/systems/{system}/secret-checks"
    answer = requests.get(url, params={"card_id": card_id}, timeout=10)
    answer.raise_for_status()
    return answer.json()["count"]


def shopper_browser() -> requests.Session:
    """One shopper's cookies, with a connection for each concurrent request."""
    browser = requests.Session()
    browser.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=GUESSES))
    return browser


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def all_at_once(post, count: int = GUESSES) -> list[int]:
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: post(), range(count)))


def test_concurrent_wrong_bind_secrets_reach_the_card_system_at_most_the_limit(bff, card_system):
    card = next(c for c in sandbox_cards(card_system, "lime", bound="0") if c["status"] == "ACTIVE")
    browser = shopper_browser()
    token = mint_launch_token(card_system.host_secret, "u1001", "lime-market")
    browser.get(f"{bff}/launch?token={token}", timeout=10).raise_for_status()
    form = {
        "csrf_token": csrf_of(browser.get(f"{bff}/bind", timeout=10).text),
        "card_number": card["card_number"],
        "secret": "000000" if card["secret"] != "000000" else "111111",
    }
    codes = all_at_once(lambda: browser.post(f"{bff}/bind", data=form, timeout=30).status_code)
    assert codes == [422] * GUESSES
    assert secret_checks(card_system, "lime", card["card_id"]) <= PER_CARD


def test_concurrent_wrong_pay_pins_reach_the_card_system_at_most_the_limit(bff, card_system):
    card = next(c for c in sandbox_cards(card_system, "harbor", user_id="u1001") if c["balance"] == 50000)
    browser = shopper_browser()
    paths = []
    for _ in range(GUESSES):  # one checkout per guess, all of the same shopper and card
        order_id = f"T-{uuid.uuid4().hex[:10]}"
        token = mint_checkout_token(
            card_system.host_secret, "u1001", "harbor-books", order_id, 1000, f"{card_system.url}/sim/return"
        )
        opened = browser.get(f"{bff}/checkout?token={token}", timeout=10)
        assert opened.status_code == 200, opened.text
        paths.append(opened.url.removeprefix(bff))
    page = browser.get(f"{bff}{paths[-1]}?js=0", timeout=10).text
    csrf, handle = csrf_of(page), checkout_handle(page, card["card_number"][-4:])
    wrong = "000000" if card["secret"] != "000000" else "111111"
    form = {"csrf_token": csrf, "attempt": "1", "card": handle, f"pin-{handle}": wrong}
    queue = iter(paths)

    def pay() -> int:
        return browser.post(f"{bff}{next(queue)}/pay", data=form, allow_redirects=False, timeout=30).status_code

    codes = all_at_once(pay)
    assert set(codes) <= {303, 422} and not any(code >= 500 for code in codes)
    assert secret_checks(card_system, "harbor", card["card_id"]) <= PER_CARD
    balance = next(c["balance"] for c in sandbox_cards(card_system, "harbor") if c["card_id"] == card["card_id"])
    assert balance == 50000
