"""Concurrency over `kabao serve` with two worker processes: one charge per leg, one refund, never a 5xx."""

from __future__ import annotations

import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from kabao_testing import bff_env, checkout_handle, kabao_serve, mint_checkout_token, sandbox_cards, sandbox_payments

from bff.security.signatures import sign_request

CALLS = 20


@pytest.fixture(scope="module")
def served(sandbox, tmp_path_factory):
    """One `kabao serve --workers 2` on the session's sandbox, its ledger and store shared by both workers."""
    with kabao_serve(bff_env(sandbox, tmp_path_factory.mktemp("bff")), workers=2) as url:
        yield url


class Tab:
    """A browser tab on one checkout page (one shopper: tabs share the cookie jar)."""

    def __init__(self, browser: requests.Session, base: str, path: str) -> None:
        page = browser.get(f"{base}{path}?js=0", timeout=10)  # the complete render: the form with its balances
        self.browser, self.url = browser, f"{base}{path}"
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        self.attempt = re.search(r'name="attempt" value="(\d+)"', page.text).group(1)
        self.page = page.text

    def pay(self, card: dict) -> int:
        """Pay with the card the page shows ending in this sandbox card's last four digits."""
        form = {
            "csrf_token": self.csrf,
            "attempt": self.attempt,
            "card": checkout_handle(self.page, card["card_number"][-4:]),
        }
        return self.browser.post(f"{self.url}/pay", data=form, allow_redirects=False, timeout=30).status_code


def open_checkout(base: str, sandbox, amount: int = 12800) -> tuple[requests.Session, str, str]:
    order_id = f"C-{uuid.uuid4().hex[:10]}"
    token = mint_checkout_token(
        sandbox.host_secret, "u1001", "lime-market", order_id, amount, f"{sandbox.url}/sim/return"
    )
    browser = requests.Session()
    page = browser.get(f"{base}/checkout?token={token}", timeout=10)
    return browser, page.url.removeprefix(base), order_id


def lime_cards(sandbox) -> dict[int, dict]:
    return {c["balance"]: c for c in sandbox_cards(sandbox, "lime", user_id="u1001")}


def all_at_once(jobs) -> list:
    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(lambda job: job(), jobs))


def charges(sandbox, order_id: str) -> list[tuple[str, str, int]]:
    found = [p for p in sandbox_payments(sandbox, "lime") if p["order_id"] == order_id]
    return sorted((p["payment_id"], p["status"], p["amount"]) for p in found)


def test_twenty_submits_of_one_attempt_charge_once(served, card_system):
    card = lime_cards(card_system)[50000]
    browser, path, order_id = open_checkout(served, card_system)
    tab = Tab(browser, served, path)
    codes = all_at_once([lambda: tab.pay(card)] * CALLS)
    assert codes == [303] * CALLS
    assert [(s, a) for _, s, a in charges(card_system, order_id)] == [("SUCCEEDED", 12800)]
    assert lime_cards(card_system)[50000 - 12800]["card_id"] == card["card_id"]


def test_twenty_submits_from_two_tabs_charge_one_attempt_once(served, card_system):
    cards = lime_cards(card_system)
    browser, path, order_id = open_checkout(served, card_system)
    first, second = Tab(browser, served, path), Tab(browser, served, path)  # both opened before paying
    jobs = [lambda: first.pay(cards[50000]), lambda: second.pay(cards[12800])] * (CALLS // 2)
    codes = all_at_once(jobs)
    assert all(code < 500 for code in codes), codes
    [(payment_id, status, amount)] = charges(card_system, order_id)  # one tab's attempt, charged once
    assert (status, amount) == ("SUCCEEDED", 12800) and payment_id.endswith("-1-1")
    left = {c["card_id"]: c["balance"] for c in sandbox_cards(card_system, "lime", user_id="u1001")}
    assert sum(balance - left[cards[balance]["card_id"]] for balance in (50000, 12800)) == 12800


def signed_refund(base: str, secret: str, body: dict) -> requests.Response:
    raw = json.dumps(body).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Kabao-Timestamp": stamp,
        "X-Kabao-Signature": sign_request(secret, stamp, "POST", "/api/v1/refunds", raw),
    }
    return requests.post(f"{base}/api/v1/refunds", data=raw, headers=headers, timeout=30)


def test_twenty_posts_of_one_refund_id_refund_once(served, card_system):
    card = lime_cards(card_system)[50000]
    browser, path, order_id = open_checkout(served, card_system)
    assert Tab(browser, served, path).pay(card) == 303
    body = {"merchant_id": "lime-market", "order_id": order_id, "refund_id": "R-many", "amount": 5000}
    answers = all_at_once([lambda: signed_refund(served, card_system.host_secret, body)] * CALLS)
    assert [a.status_code for a in answers] == [200] * CALLS
    assert len({a.text for a in answers}) == 1  # same id, same answer
    assert answers[0].json()["refund"]["status"] == "SUCCEEDED"
    [payment] = [p for p in sandbox_payments(card_system, "lime") if p["order_id"] == order_id]
    assert (payment["status"], payment["refunded_amount"]) == ("SUCCEEDED", 5000)
    assert lime_cards(card_system)[50000 - 12800 + 5000]["card_id"] == card["card_id"]
