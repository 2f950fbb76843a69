"""Two BFF processes (gunicorn, as `kabao serve` runs) sharing one ledger never charge a leg twice."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid

import pytest
import requests
from kabao_testing import CONFIG_DIR, mint_checkout_token, sandbox_cards, sandbox_payments

from sandbox.runner import free_port


@pytest.fixture
def two_bffs(tmp_path, card_system):
    env = {
        **os.environ,
        "KABAO_SECRET_KEY": "shared-secret-key",
        "KABAO_HOST_SECRET": card_system.host_secret,
        "KABAO_CONFIG_DIR": str(CONFIG_DIR),
        "KABAO_STORE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "KABAO_LEDGER_PATH": str(tmp_path / "ledger.sqlite3"),
        "KABAO_SANDBOX_URL": card_system.url,
        "KABAO_SANDBOX_API_KEY": card_system.api_key,
    }
    ports = [free_port(), free_port()]
    kabao = os.path.join(os.path.dirname(sys.executable), "kabao")
    processes = [
        subprocess.Popen(  # noqa: S603
            [kabao, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 20
        for url in urls:
            while True:
                try:
                    if requests.get(f"{url}/healthz", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
        yield urls
    finally:
        for process in processes:
            process.terminate()
            process.wait(10)


def test_concurrent_pays_on_two_processes_charge_once(two_bffs, card_system):
    first, second = two_bffs
    card = next(c for c in sandbox_cards(card_system, "lime", user_id="u1001") if c["balance"] == 50000)
    order_id = f"T-{uuid.uuid4().hex[:10]}"
    token = mint_checkout_token(
        card_system.host_secret, "u1001", "lime-market", order_id, 12800, f"{card_system.url}/sim/return"
    )
    browser = requests.Session()  # one shopper; cookies are per host, so both processes see the session
    page = browser.get(f"{first}/checkout?token={token}", timeout=10)
    path = page.url.removeprefix(first)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    attempt = re.search(r'name="attempt" value="(\d+)"', page.text).group(1)
    form = {"csrf_token": csrf, "attempt": attempt, "card": card["card_id"]}
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
