"""Races at the pay code's PIN step after a wrong PIN, on a SQLite and a PostgreSQL ledger: one attempt at a time."""

from __future__ import annotations

import threading

import pytest
from paycode_testing import lime_card, transaction
from test_paycode_pin_again import PIN_AMOUNT, PinStep, text_of_html, wrong


@pytest.fixture
def app(app_on_each_ledger):
    return app_on_each_ledger  # the ledger's locks decide these races: on each engine


@pytest.fixture
def opened(launch, client):
    launch()
    return client


def held(monkeypatch, payer) -> tuple[threading.Event, threading.Event]:
    """Hold the next payment before it reaches the card system: (paying, release)."""
    run, paying, release = payer.run, threading.Event(), threading.Event()

    def held_run(*args, **kwargs):
        paying.set()
        assert release.wait(30)
        return run(*args, **kwargs)

    monkeypatch.setattr(payer, "run", held_run)
    return paying, release


def test_two_taps_of_the_retyped_pin_at_once_charge_once(app, opened, card_system, monkeypatch):
    card = lime_card(card_system)
    step = PinStep(app, opened, card_system, "tx-taps")
    step.send(wrong(card))
    form, payer = step.form(), app.extensions["kabao"].till.payer
    paying, release = held(monkeypatch, payer)
    first = threading.Thread(target=step.send, args=(card["secret"], form))
    first.start()
    assert paying.wait(30)  # the first tap holds attempt 2 now
    step.send(card["secret"], form)  # the second tap, same form, answered while the first pays
    assert step.answer()["status"] == "PROCESSING"
    release.set()
    first.join()
    assert step.answer()["status"] == "SUCCEEDED"
    assert step.charges() == [(PIN_AMOUNT, "SUCCEEDED")] and step.attempts() == [(1, "FAILED"), (2, "PAID")]


@pytest.mark.parametrize("who", ["till", "shopper"])
def test_a_cancel_after_a_wrong_pin_declines_and_a_pin_typed_later_charges_nothing(app, opened, card_system, who):
    card = lime_card(card_system)
    step = PinStep(app, opened, card_system, f"tx-no-{who}")
    step.send(wrong(card))
    form = step.form()
    if who == "till":
        assert transaction(step.till.cancel(step.txn_id))["reason"] == "SHOPPER_CANCELLED"
    else:
        step.send("", form, action="cancel")
    step.send(card["secret"], form)  # the PIN form still on the phone, typed after the cancel
    answer = step.answer()
    assert (answer["status"], answer["reason"]) == ("FAILED", "SHOPPER_CANCELLED")
    assert "支付未成功" in text_of_html(step.html) and step.charges() == []
    assert step.attempts() == [(1, "FAILED")]


def test_a_cancel_while_the_retyped_pin_is_being_paid_is_refused_and_the_payment_stands(
    app, opened, card_system, monkeypatch
):
    card = lime_card(card_system)
    step = PinStep(app, opened, card_system, "tx-mid")
    step.send(wrong(card))
    form, payer = step.form(), app.extensions["kabao"].till.payer
    paying, release = held(monkeypatch, payer)
    typing = threading.Thread(target=step.send, args=(card["secret"], form))
    typing.start()
    assert paying.wait(30)
    refused = step.till.cancel(step.txn_id)
    release.set()
    typing.join()
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "NOT_CANCELLABLE"
    assert step.answer()["status"] == "SUCCEEDED" and step.charges() == [(PIN_AMOUNT, "SUCCEEDED")]
