"""Access logs never hold a launch or checkout token, a signed result, or a card number; opaque card handles stay."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from kabao_testing import bff_env, kabao_serve, mint_checkout_token, mint_launch_token, sandbox_cards, wait_for

from bff.access_log import RedactingRequestHandler
from bff.security.redaction import redact_target


def test_kabao_serve_access_log_has_no_tokens_or_card_numbers_but_keeps_handles(card_system, tmp_path):
    log_file = tmp_path / "access.log"
    env = {**bff_env(card_system, tmp_path), "KABAO_ACCESS_LOG": str(log_file)}
    secret = card_system.host_secret
    launch = mint_launch_token(secret, "u1001", "lime-market")
    order = f"LOG-{uuid.uuid4().hex[:8]}"
    checkout = mint_checkout_token(secret, "u1001", "lime-market", order, 100, f"{card_system.url}/sim/return")
    with kabao_serve(env) as url:
        shopper = requests.Session()
        shopper.get(f"{url}/launch?token={launch}", timeout=10)
        wallet = shopper.get(f"{url}/wallet?js=0", timeout=10)  # the complete render: every card's link
        handles = set(re.findall(r'href="/cards/([^"/?]+)', wallet.text))
        assert handles, "the wallet links no card"
        for handle in handles:
            shopper.get(f"{url}/cards/{handle}", timeout=10)
            shopper.get(f"{url}/wallet/cards/{handle}", headers={"Referer": f"{url}/cards/{handle}"}, timeout=10)
        page = shopper.get(
            f"{url}/checkout?token={checkout}", headers={"Referer": f"{url}/x?token={launch}"}, timeout=10
        )
        back = shopper.get(f"{page.url}/return", allow_redirects=False, timeout=10)
        result = back.headers["Location"].split("kabao_result=")[1]
        shopper.get(f"{url}/wallet?kabao_result={result}", timeout=10)
        numbers = [c["card_number"] for c in sandbox_cards(card_system, "lime", user_id="u1001")]
        assert shopper.get(f"{url}/cards/{numbers[0]}", timeout=10).status_code == 404  # typed in by hand
        assert wait_for(lambda: log_file.exists() and "kabao_result=" in log_file.read_text())
    log = log_file.read_text()
    assert "/launch?token=-redacted-" in log and "/cards/-redacted-" in log
    assert all(f"/cards/{handle}" in log for handle in handles)  # opaque: kept, so one card's requests can be followed
    for secret_text in (launch, checkout, result, *numbers):
        assert secret_text not in log


@pytest.mark.parametrize(
    ("target", "shown"),
    [
        ("/launch?token=abc.def.ghi", "/launch?token=-redacted-"),
        ("/checkout?lang=en&token=x&y=1", "/checkout?lang=en&token=-redacted-&y=1"),
        ("/cards/c_123/transactions?cursor=5", "/cards/-redacted-/transactions?cursor=5"),
        ("/wallet/cards/6222000011112222", "/wallet/cards/-redacted-"),
        ("/wallet/cards/6222000011112222333344", "/wallet/cards/-redacted-"),  # handle-sized, but a number
        ("/cards/Zx3-9_aQk2LmN0pR7sT1uV", "/cards/Zx3-9_aQk2LmN0pR7sT1uV"),  # an opaque handle stays
        ("/checkout/x/preview?card=6222000011112222", "/checkout/x/preview?card=-redacted-"),
        ("/checkout/x/preview?card=Zx3-9_aQk2LmN0pR7sT1uV", "/checkout/x/preview?card=Zx3-9_aQk2LmN0pR7sT1uV"),
        ("http://app.example/sim/return?kabao_result=R", "http://app.example/sim/return?kabao_result=-redacted-"),
        ("/wallet", "/wallet"),
    ],
)
def test_redacted_targets_keep_what_ops_need(target, shown):
    assert redact_target(target) == shown


def test_the_dev_server_logs_redacted_request_lines(caplog):
    handler = RedactingRequestHandler.__new__(RedactingRequestHandler)
    handler.command, handler.request_version = "GET", "HTTP/1.1"
    handler.path = "/launch?token=SECRET-TOKEN"
    handler.requestline = "GET /launch?token=SECRET-TOKEN HTTP/1.1"
    handler.client_address = ("127.0.0.1", 1)
    handler.server = None
    with caplog.at_level("INFO", logger="werkzeug"):
        handler.log_request(303, 0)
    assert "SECRET-TOKEN" not in caplog.text and "/launch?token=-redacted-" in caplog.text
