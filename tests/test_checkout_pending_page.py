"""A pending payment's result page: one status region, left alone while nothing changes; polling that gives
up says what happens next; and the shopper can always go back to the app with the pending result."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer
from kabao_testing import add_fault, text_of
from test_checkout import Shopper, cards_of
from test_pending_verdict import age

HX = {"HX-Request": "true"}


@pytest.fixture
def pending(app, client, card_system) -> Shopper:
    """A ¥128.00 payment the card system keeps processing for a minute."""
    card = cards_of(card_system, "lime-market")[50000]
    add_fault(card_system, system="lime", op="pay", mode="processing", delay_ms=60000, count=1)
    shopper = Shopper(app, client, card_system)
    shopper.pay([card["card_id"]])
    return shopper


def test_a_poll_that_changes_nothing_leaves_the_status_region_alone(pending):
    page = pending.result().get_data(as_text=True)
    assert re.search(
        r'<section id="checkout-status" role="status"\s+hx-get="[^"]+/status" hx-trigger="every 2s" '
        r'hx-swap="innerHTML">',
        page,
    )
    poll = pending.client.get(f"{pending.path}/status", headers=HX)
    assert poll.status_code == 204 and poll.get_data() == b""  # htmx swaps nothing: the region isn't rebuilt


def test_the_shopper_can_leave_while_pending_and_the_app_is_told_it_is_pending(pending, card_system):
    page = pending.result()
    assert "先返回 App，结果确认后会通知 App" in text_of(page)
    back = pending.client.get(f"{pending.path}/return")
    token = back.headers["Location"].split("kabao_result=")[1]
    result = URLSafeTimedSerializer(pending.app.config["KABAO_HOST_SECRET"], salt="kabao.checkout-result").loads(token)
    assert result["status"] == "PENDING" and result["paid_by_cards"] == 0
    assert [p["status"] for p in pending.payments()] == ["PROCESSING"]  # not cancelled: still being confirmed


def test_when_polling_gives_up_the_spinner_stops_and_the_page_says_what_happens_next(pending):
    age(pending, 3600)  # far past lime's 45 s window; the card system still says processing
    answer = pending.client.get(f"{pending.path}/status", headers=HX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 286  # htmx swaps this once and stops polling
    assert "spinner" not in html and "hx-trigger" not in html
    assert "我们会继续确认，确认后会通知 App" in text_of(answer) and "请不要重复支付" in text_of(answer)
    assert "先返回 App" in text_of(answer)
    page = pending.client.get(f"{pending.path}/status").get_data(as_text=True)  # without JS: no more reloads
    assert 'http-equiv="refresh"' not in page and "我们会继续确认" in page
