"""Onboarding is a file: dropped into a running BFF's config dir, the new merchant launches, binds and pays."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import uuid

import requests
import yaml
from kabao_testing import CONFIG_DIR, mint_checkout_token, mint_launch_token, sandbox_cards, sandbox_payments

from sandbox.runner import free_port


def wait_until(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_a_merchant_file_dropped_into_a_running_bff_works_at_once(tmp_path, card_system):
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    port = free_port()
    env = {
        **os.environ,
        "KABAO_SECRET_KEY": "onboarding-test",
        "KABAO_HOST_SECRET": card_system.host_secret,
        "KABAO_CONFIG_DIR": str(config),
        "KABAO_STORE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "KABAO_LEDGER_PATH": str(tmp_path / "ledger.sqlite3"),
        "KABAO_SANDBOX_URL": card_system.url,
        "KABAO_SANDBOX_API_KEY": card_system.api_key,
        "KABAO_OLIVE_SIGN_KEY": card_system.olive_sign_key,
        "KABAO_MAPLE_HMAC_KEY": card_system.maple_hmac_key,
    }
    kabao = os.path.join(os.path.dirname(sys.executable), "kabao")
    server = subprocess.Popen(  # noqa: S603
        [kabao, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bff = f"http://127.0.0.1:{port}"
    try:
        assert wait_until(lambda: _up(bff))
        browser = requests.Session()
        token = mint_launch_token(card_system.host_secret, "u1001", "quince-deli")
        assert browser.get(f"{bff}/launch?token={token}", timeout=5).status_code == 404  # not a merchant yet

        # ops add a merchant on an existing dialect (olive) with its own card system, by writing one file
        data = yaml.safe_load((config / "olive-fresh.yaml").read_text(encoding="utf-8"))
        data["brand"]["name"] = {"zh-CN": "榅桲熟食", "en": "Quince Deli"}
        data["brand"].pop("logo")
        data["backend"]["base_url"] = "${KABAO_SANDBOX_URL}/legacy/quince"
        data["flows"]["bind"]["card_number"] = {
            "min_length": 16,
            "max_length": 16,
            "pattern": "^9\\d{15}$",
            "luhn": True,
            "mask": "9*** {last4}",
        }
        (config / "quince-deli.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

        launched = lambda: browser.get(  # noqa: E731
            f"{bff}/launch?token={mint_launch_token(card_system.host_secret, 'u9001', 'quince-deli')}", timeout=5
        )
        assert wait_until(lambda: launched().status_code == 200)
        assert "榅桲熟食" in browser.get(f"{bff}/wallet", timeout=5).text

        card = next(c for c in sandbox_cards(card_system, "quince", bound="0") if c["status"] == "ACTIVE")
        page = browser.get(f"{bff}/bind", timeout=5).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        bound = browser.post(
            f"{bff}/bind",
            allow_redirects=False,
            timeout=10,
            data={"csrf_token": csrf, "card_number": card["card_number"], "secret": card["secret"]},
        )
        assert bound.status_code == 303

        order_id = f"Q-{uuid.uuid4().hex[:8]}"
        checkout = mint_checkout_token(
            card_system.host_secret, "u9001", "quince-deli", order_id, 2500, f"{card_system.url}/sim/return"
        )
        page = browser.get(f"{bff}/checkout?token={checkout}", timeout=10)
        path = page.url.removeprefix(bff)
        form = {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),
            "attempt": "1",
            "card": card["card_id"],
        }
        assert browser.post(f"{bff}{path}/pay", data=form, allow_redirects=False, timeout=15).status_code == 303
        assert "<h1>支付成功" in browser.get(f"{bff}{path}/result", timeout=5).text
        payments = [p for p in sandbox_payments(card_system, "quince") if p["card_id"] == card["card_id"]]
        assert [(p["status"], p["amount"]) for p in payments] == [("SUCCEEDED", 2500)]
        assert server.poll() is None  # the same process all along
    finally:
        server.terminate()
        server.wait(10)


def _up(bff: str) -> bool:
    try:
        return requests.get(f"{bff}/healthz", timeout=1).ok
    except requests.ConnectionError:
        return False
