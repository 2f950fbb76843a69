"""Card numbers (beyond the last 4) and secrets never reach the logs, whatever the route."""

from __future__ import annotations

import logging

import requests
from kabao_testing import card_path, csrf_token, sandbox_cards


def test_canary_numbers_and_secrets_never_appear_in_logs(client, launch, card_system, caplog):
    caplog.set_level(logging.DEBUG)
    lime = next(c for c in sandbox_cards(card_system, "lime", bound="0") if c["status"] == "ACTIVE")
    harbor = next(c for c in sandbox_cards(card_system, "harbor", bound="0") if c["status"] == "ACTIVE")
    canary_number, canary_secret = "6234567812345670", "731902"
    secrets = {canary_secret, lime["secret"], "482913"}
    numbers = {canary_number, lime["card_number"], harbor["card_number"]}

    launch()
    for number, secret in (
        (canary_number, canary_secret),
        (lime["card_number"], "482913"),
        (lime["card_number"], lime["secret"]),
    ):
        client.post("/bind", data={"csrf_token": csrf_token(client, "/bind"), "card_number": number, "secret": secret})
        client.post("/bind", data={"card_number": number, "secret": secret})  # no CSRF token
    client.get("/wallet?js=0")
    client.get(card_path(client, lime))

    launch(merchant_id="harbor-books")
    client.post(
        "/bind",
        data={
            "csrf_token": csrf_token(client, "/bind"),
            "card_number": harbor["card_number"],
            "action": "send_code",
        },
    )
    with caplog.at_level(logging.WARNING):  # the test's own look-up is not the BFF's log
        code = requests.get(
            f"{card_system.url}/_sandbox/sms",
            params={"system": "harbor", "card_number": harbor["card_number"]},
            timeout=5,
        ).json()["code"]
    secrets.add(code)
    client.post(
        "/bind",
        data={
            "csrf_token": csrf_token(client, "/bind"),
            "card_number": harbor["card_number"],
            "sms_code": code,
            "action": "bind",
        },
    )

    # checkout with pay PINs (harbor asks one always): a wrong one, then the right one
    from test_checkout import Shopper, cards_of

    rich = cards_of(card_system, "harbor-books")[50000]
    secrets |= {rich["secret"], "864209"}
    shopper = Shopper(client.application, client, card_system, merchant="harbor-books")
    shopper.pay([rich["card_id"]], pins={rich["card_id"]: "864209" if rich["secret"] != "864209" else "864208"})
    shopper.page = client.get(f"{shopper.path}?js=0")  # the complete render, balances in
    shopper.pay([rich["card_id"]], pins={rich["card_id"]: rich["secret"]})
    assert "<h1>支付成功" in shopper.result().get_data(as_text=True)  # both PINs really went through
    numbers.add(rich["card_number"])

    logged = "\n".join(r.getMessage() + " " + str(r.args) for r in caplog.records)
    assert "/cs/lime/v1/bindings" in logged  # the calls were logged, so the check below means something
    for number in numbers:
        assert number not in logged
        assert number[:-4] not in logged
    for secret in secrets:
        assert secret not in logged
