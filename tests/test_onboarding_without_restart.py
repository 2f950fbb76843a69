"""Onboarding is a file: dropped into a running BFF's config dir, the new merchant launches, binds and pays."""

from __future__ import annotations

import re
import shutil
import uuid

import requests
import yaml
from kabao_testing import (
    CONFIG_DIR,
    bff_env,
    checkout_handle,
    kabao_serve,
    mint_checkout_token,
    mint_launch_token,
    sandbox_cards,
    sandbox_payments,
    wait_for,
)


def test_a_merchant_file_dropped_into_a_running_bff_works_at_once(tmp_path, card_system):
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    with kabao_serve(bff_env(card_system, tmp_path, config)) as bff:
        browser = requests.Session()
        token = mint_launch_token(card_system.host_secret, "u1001", "quince-deli")
        assert browser.get(f"{bff}/launch?token={token}", timeout=5).status_code == 404  # not a merchant yet

        # ops add a merchant on an existing dialect (olive) with its own card system, by writing one file
        data = yaml.safe_load((config / "olive-fresh.yaml").read_text(encoding="utf-8"))
        data["brand"]["name"] = {"zh-CN": "榅桲熟食", "en": "Quince Deli"}
        data["brand"].pop("logo")
        data["backend"]["base_url"] = "${KABAO_MERCHANT_SANDBOX_URL}/legacy/quince"
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
        assert wait_for(lambda: launched().status_code == 200)
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
        path = browser.get(f"{bff}/checkout?token={checkout}", timeout=10).url.removeprefix(bff)
        page = browser.get(f"{bff}{path}?js=0", timeout=10)  # the complete render: the form with its balances
        form = {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),
            "attempt": "1",
            "card": checkout_handle(page.text, card["card_number"][-4:]),
        }
        assert browser.post(f"{bff}{path}/pay", data=form, allow_redirects=False, timeout=15).status_code == 303
        assert "<h1>支付成功" in browser.get(f"{bff}{path}/result", timeout=5).text
        payments = [p for p in sandbox_payments(card_system, "quince") if p["card_id"] == card["card_id"]]
        assert [(p["status"], p["amount"]) for p in payments] == [("SUCCEEDED", 2500)]
