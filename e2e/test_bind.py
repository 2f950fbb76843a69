"""Binding a card with each merchant's method: the right secret adds it, a wrong one is refused."""

from __future__ import annotations

import os
import re
from functools import partial

import pytest
from playwright.sync_api import expect

from e2e.cardnumbers import other_than, unknown_number
from e2e.cards import last4, shopper_cards, unbound_active
from e2e.merchants import Merchant
from e2e.pages import HostApp
from e2e.pages.money import yuan
from e2e.sandbox_admin import SHOPPER, SandboxAdmin

# the form follows the bind method; each dialect binds (and refuses a wrong secret) in tests/, without a browser
pytestmark = pytest.mark.merchant_traits("bind_method")


def test_bind_with_the_right_secret_adds_the_card(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str
) -> None:
    card = unbound_active(sandbox, system)[0]
    wallet = host_app.follow_wallet_link(sandbox.launch_url(SHOPPER, merchant.id), merchant)
    bind = wallet.open_bind(partial(sandbox.sms_code, system))

    bind.bind(card["card_number"], card["secret"])

    wallet.expect_loaded()
    expect(wallet.message("bind.done", last4=last4(card))).to_be_visible()
    expect(wallet.card(last4(card))).to_be_visible()
    expect(wallet.balance(last4(card))).to_have_text(yuan(card["balance"]))
    assert sandbox.card(system, card["card_number"])["user_id"] == SHOPPER


def test_bind_with_a_wrong_secret_is_refused(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str
) -> None:
    card = unbound_active(sandbox, system)[-1]
    cards_before = shopper_cards(sandbox, system)
    bind = host_app.follow_wallet_link(sandbox.launch_url(SHOPPER, merchant.id), merchant).open_bind(
        partial(sandbox.sms_code, system)
    )

    if merchant.bind_method == "password":
        bind.bind(card["card_number"], other_than(card["secret"]))
    elif merchant.bind_method == "sms":
        code = bind.send_code(card["card_number"])
        bind.sms_code.fill(other_than(code))
        bind.submit.click()
    else:  # number only: a well-formed number that no card has
        taken = {c["card_number"] for c in sandbox.cards(system)}
        bind.bind(unknown_number(merchant.card_number, card["card_number"], taken))

    expect(bind.problem).to_have_text(bind.no_match_message)
    if bind.secret_field() is not None:
        expect(bind.secret_field()).to_have_value("")
    assert sandbox.card(system, card["card_number"])["user_id"] is None
    assert shopper_cards(sandbox, system) == cards_before


def test_a_texted_code_names_the_phone_and_the_resend_button_counts_down(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str, output_path: str
) -> None:
    if merchant.bind_method != "sms":
        return  # only merchants that bind by SMS text codes
    card = unbound_active(sandbox, system)[1]  # not a card the other tests text within the minute
    bind = host_app.follow_wallet_link(sandbox.launch_url(SHOPPER, merchant.id), merchant).open_bind(
        partial(sandbox.sms_code, system)
    )

    bind.send_code(card["card_number"])

    expect(bind.code_sent).to_contain_text(re.compile(r"1\d\d\*{4}\d{4}"))
    expect(bind.resend_button).to_be_disabled()
    expect(bind.resend_button).to_have_text(re.compile(r"\((\d|[1-5]\d|60)s\)"))
    first = bind.resend_button.inner_text()
    expect(bind.resend_button).not_to_have_text(first)  # it counts down by itself
    os.makedirs(output_path, exist_ok=True)
    bind.page.screenshot(path=os.path.join(output_path, "bind-countdown.png"), full_page=True)
