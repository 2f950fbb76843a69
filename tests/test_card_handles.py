"""Kabao's card handles: a card system whose card id is the full card number never shows that number.

Most of the sandbox's dialects give cards an id of their own, so their card system is made to answer
with the number as the card id (a gateway in front of it swaps the two), as a system without card
tokens does. The sm_json dialect (jade-pharmacy) has no card id at all: its cards are named by number
on the wire, and Kabao derives their ids (card.id_from_number), so it runs as it is. Then a shopper
binds, looks, pages history, opens unbind, and pays with a PIN; the full number must appear in no
page, header, URL, log line, session or store key or value.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import uuid
from dataclasses import replace

import pytest
from kabao_testing import checkout_handle, csrf_token, mint_checkout_token, sandbox_cards, wallet_handle

from bff.cards.gateway import CardGateway
from bff.cards.handles import CardHandles, handle_key

SYSTEMS = {"olive-fresh": "olive", "lime-market": "lime", "jade-pharmacy": "jade"}  # dialects and the standard API
NUMBER_ON_THE_WIRE = {"jade-pharmacy"}  # no card id in the system: the number itself identifies the card


class NumberIsTheCardId(CardGateway):
    """The card system as one without card tokens sees it: the card's number is its id."""

    def __init__(self, inner: CardGateway, number_of: dict[str, str]) -> None:
        self.inner = inner
        self.number_of = number_of
        self.id_of = {number: card_id for card_id, number in number_of.items()}

    def supports(self, operation):
        return self.inner.supports(operation)

    def _out(self, card):
        return replace(card, card_id=self.number_of[card.card_id])

    def bind(self, request):
        return self._out(self.inner.bind(request))

    def list_cards(self, user_id):
        return [self._out(c) for c in self.inner.list_cards(user_id)]

    def card_detail(self, user_id, card_id):
        return self._out(self.inner.card_detail(user_id, self.id_of[card_id]))

    def transactions(self, user_id, card_id, cursor, limit):
        return self.inner.transactions(user_id, self.id_of[card_id], cursor, limit)

    def unbind(self, user_id, card_id):
        return self.inner.unbind(user_id, self.id_of[card_id])

    def send_sms_code(self, user_id, card_number):
        return self.inner.send_sms_code(user_id, card_number)

    def pay(self, request):
        return self.inner.pay(replace(request, card_id=self.id_of[request.card_id]))

    def payment_status(self, payment_id):
        return self.inner.payment_status(payment_id)

    def reverse(self, payment_id):
        return self.inner.reverse(payment_id)

    def refund(self, payment_id, refund_id, amount):
        return self.inner.refund(payment_id, refund_id, amount)


@pytest.fixture
def numbers_as_ids(app, card_system, monkeypatch):
    """Every merchant's card system answers with card numbers as card ids."""
    gateways = app.extensions["kabao"].gateways
    real = gateways.for_merchant

    def for_merchant(merchant):
        if merchant.id in NUMBER_ON_THE_WIRE:
            return real(merchant)
        cards = sandbox_cards(card_system, SYSTEMS[merchant.id])
        return NumberIsTheCardId(real(merchant), {c["card_id"]: c["card_number"] for c in cards})

    monkeypatch.setattr(gateways, "for_merchant", for_merchant)


class Recorder:
    """Every response the shopper got, and every URL they asked for."""

    def __init__(self, client) -> None:
        self.client, self.seen = client, []

    def get(self, url, **kw):
        return self._keep(url, self.client.get(url, **kw))

    def post(self, url, **kw):
        return self._keep(url, self.client.post(url, **kw))

    def _keep(self, url, response):
        self.seen.append((url, response))
        assert response.status_code < 500, (url, response.status_code)
        return response

    def leaks(self, secret: str) -> list[str]:
        found = []
        for url, response in self.seen:
            if secret in url:
                found.append(f"URL {url}")
            if secret in response.get_data(as_text=True):
                found.append(f"body of {url}")
            found += [f"header {k} of {url}" for k, v in response.headers.items() if secret in v]
        return found


def store_rows(app) -> list[str]:
    path = app.config["KABAO_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return [f"{k} {v}" for k, v in conn.execute("SELECT key, value FROM kv")] + [
            k for (k,) in conn.execute("SELECT key FROM reservations")
        ]


@pytest.mark.parametrize("merchant", sorted(SYSTEMS))
def test_a_card_whose_id_is_its_number_never_shows_the_number(
    app, client, launch, card_system, numbers_as_ids, caplog, merchant
):
    caplog.set_level(logging.DEBUG)
    system = SYSTEMS[merchant]
    free = [c for c in sandbox_cards(card_system, system, bound="0") if c["status"] == "ACTIVE" and c["balance"]]
    card = max(free, key=lambda c: c["balance"])
    number, last4 = card["card_number"], card["card_number"][-4:]
    launch(user_id="u-handles", merchant_id=merchant)
    shopper = Recorder(client)

    bound = shopper.post(
        "/bind", data={"csrf_token": csrf_token(client, "/bind"), "card_number": number, "secret": card["secret"]}
    )
    assert bound.status_code == 303
    wallet = shopper.get("/wallet?js=0").get_data(as_text=True)
    assert last4 in wallet
    handle = wallet_handle(client, last4)
    detail = shopper.get(f"/cards/{handle}")
    assert detail.status_code == 200 and last4 in detail.get_data(as_text=True)
    more = re.search(r'hx-get="(/cards/[^"]+/transactions\?[^"]+)"', detail.get_data(as_text=True))
    if more:
        shopper.get(more.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    shopper.get(f"/wallet/cards/{handle}", headers={"HX-Request": "true"})
    assert shopper.get(f"/cards/{handle}/unbind").status_code == 200

    pin_above = app.extensions["kabao"].registry.get(merchant).config.checkout.pin.above_amount
    amount = min(card["balance"], pin_above + 100)
    token = mint_checkout_token(
        app.config["KABAO_HOST_SECRET"],
        "u-handles",
        merchant,
        f"H-{uuid.uuid4().hex[:8]}",
        amount,
        f"{card_system.url}/sim/return",
    )
    path = shopper.get(f"/checkout?token={token}").headers["Location"]
    page = shopper.get(f"{path}?js=0").get_data(as_text=True)
    pick = checkout_handle(page, last4)
    form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1), "card": [pick]}
    preview = shopper.post(f"{path}/preview", data=form, headers={"HX-Request": "true"}).get_data(as_text=True)
    paid = shopper.post(f"{path}/pay", data={**form, "attempt": "1", f"pin-{pick}": card["secret"]})
    assert paid.status_code == 303
    result = shopper.get(f"{path}/result").get_data(as_text=True)
    assert "支付成功" in result, result
    if amount > pin_above:
        assert f'name="pin-{pick}"' in preview  # the PIN field is named by the handle too

    unbind = f"/cards/{handle}/unbind"
    assert shopper.post(unbind, data={"csrf_token": csrf_token(client, unbind)}).status_code == 303
    assert shopper.get("/wallet?js=0").status_code == 200

    assert shopper.leaks(number) == []
    with client.session_transaction() as session:
        assert number not in json.dumps(dict(session))
    assert [r.getMessage() for r in caplog.records if number in r.getMessage()] == []
    assert [row for row in store_rows(app) if number in row] == []


def test_handles_are_opaque_stable_and_differ_between_shoppers():
    key = handle_key("secret")
    mine, theirs = CardHandles(key, "shop", "u1"), CardHandles(key, "shop", "u2")
    number = "6222000011112222"
    handle = mine.of(number)
    assert handle == CardHandles(handle_key("secret"), "shop", "u1").of(number)  # any process, no storage
    assert handle != theirs.of(number) and handle != CardHandles(key, "other", "u1").of(number)
    assert handle != CardHandles(handle_key("another secret"), "shop", "u1").of(number)
    assert number not in handle and re.fullmatch(r"[A-Za-z0-9_-]{22}", handle)
    assert mine.find(handle, ["c_1", number]) == number and theirs.find(handle, [number]) is None
    assert mine.find("签名" * 11, [number]) is None and mine.find(number, [number]) is None
