"""A card system without reverse still takes split payments: a paid leg is given back by a full refund."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
import yaml
from dialect_fake import BASE, NUMBER, UnseenSystem, adapter, dialect
from fakes import FakeCardSystem
from pydantic import ValidationError

from bff.cards.models import PaymentStatus
from bff.checkout.ledger import Ledger, PlannedLeg
from bff.checkout.payer import Payer
from bff.checkout.states import AttemptStatus, LegStatus
from bff.merchants.checkout_rules import StatusQuery
from bff.merchants.loader import InvalidConfig, load_merchant

REPO = Path(__file__).resolve().parent.parent
OTHER = "6200999988887777"


def olive_variant(tmp_path, change):
    data = yaml.safe_load((REPO / "wallet_config" / "olive-fresh.yaml").read_text(encoding="utf-8"))
    data["brand"].pop("logo")
    change(data["backend"]["dialect"])
    path = tmp_path / "shop-a.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_system_without_reverse_may_split_across_cards(tmp_path):
    merchant = load_merchant(olive_variant(tmp_path, lambda d: d["operations"].pop("reverse")))
    assert merchant.config.checkout.max_cards == 2
    assert merchant.config.backend.dialect.give_back_by(5) == "refund"


def test_a_system_with_neither_reverse_nor_refund_is_held_to_one_card(tmp_path):
    def change(d):
        d["operations"].pop("reverse")
        d["operations"].pop("refund")

    with pytest.raises(InvalidConfig) as caught:
        load_merchant(olive_variant(tmp_path, change))
    assert "max_cards: 1" in str(caught.value.problems[0])


@pytest.mark.parametrize(
    ("undo", "problem"),
    [
        ({"by": "reverse"}, "needs the reverse operation"),
        ({"by": "reverse_then_refund", "reverse_within_seconds": 600}, "needs the reverse operation"),
        ({"by": "reverse_then_refund"}, "needs reverse_within_seconds"),
        ({"by": "refund", "reverse_within_seconds": 600}, "only with by: reverse_then_refund"),
    ],
)
def test_an_undo_the_system_cannot_do_is_refused(undo, problem):
    with pytest.raises(ValidationError) as caught:
        dialect(undo=undo)
    assert problem in str(caught.value)


def test_reverse_within_a_time_limit_then_refund():
    reverse = {"path": "/void", "params": {"orderNo": "{payment_id}"}}
    both = dialect(undo={"by": "reverse_then_refund", "reverse_within_seconds": 600}, operations={"reverse": reverse})
    assert [both.give_back_by(age) for age in (0, 600, 601, None)] == ["reverse", "reverse", "refund", "refund"]
    assert dialect(operations={"reverse": reverse}).give_back_by(10_000) == "reverse"  # unnamed: reverse if it can


@pytest.fixture
def ledger(tmp_path):
    ledger = Ledger(str(tmp_path / "ledger.sqlite3"))
    yield ledger
    ledger.close()


@responses.activate
def test_a_failed_split_on_a_system_without_reverse_gives_the_first_leg_back_by_refund(ledger):
    system = UnseenSystem(balance=5000)
    system.cards[OTHER] = 9000
    system.declines.add(OTHER)
    system.install()
    gateway = adapter(dialect())
    first, second = (c.card_id for c in gateway.list_cards("u1"))
    checkout = ledger.open_checkout("shop", "u1", "O-1", 8000, "CNY", "http://app.test/return")
    ledger.start_attempt(
        checkout.checkout_id, 1, [PlannedLeg(first, "9012", 5000), PlannedLeg(second, "7777", 3000)], 0
    )
    outcome = Payer(ledger).run(gateway, checkout, 1, {}, StatusQuery())
    assert outcome is AttemptStatus.FAILED
    legs = ledger.legs(checkout.checkout_id, 1)
    assert [leg.status for leg in legs] == [LegStatus.REVERSED, LegStatus.FAILED]
    assert system.refunds == {f"{legs[0].payment_id}:give-back": 5000}  # the whole leg, once
    assert system.cards == {NUMBER: 5000, OTHER: 9000}  # every fen back
    assert not any(call[0] == "reverse" for call in system.calls)
    assert f"{BASE}/void" not in [c.request.url for c in responses.calls]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class ReverseForTenMinutes(FakeCardSystem):
    """A card system that voids for ten minutes after paying and refunds after that, as its dialect says."""

    undo = dialect(
        undo={"by": "reverse_then_refund", "reverse_within_seconds": 600},
        operations={"reverse": {"path": "/void", "params": {"orderNo": "{payment_id}"}}},
    )

    def give_back_by(self, age_seconds):
        return self.undo.give_back_by(age_seconds)


@pytest.mark.parametrize(("later", "way"), [(30, "reverse"), (601, "refund")])
def test_a_leg_is_reversed_within_the_time_limit_and_refunded_after_it(ledger, later, way):
    clock, cards = Clock(), ReverseForTenMinutes({"c_1": 5000})
    checkout = ledger.open_checkout("shop", "u1", "O-1", 3000, "CNY", "http://app.test/return")
    ledger.start_attempt(checkout.checkout_id, 1, [PlannedLeg("c_1", "c_1", 3000)], 0)
    payer = Payer(ledger, clock)
    assert payer.run(cards, checkout, 1, {}, StatusQuery()) is AttemptStatus.PAID
    clock.now += later
    payer.reverse_leg(cards, ledger.legs(checkout.checkout_id, 1)[0])
    payment = next(iter(cards.payments.values()))
    assert (payment.status, payment.refunded_amount) == (
        (PaymentStatus.REVERSED, 0) if way == "reverse" else (PaymentStatus.SUCCEEDED, 3000)
    )
    assert cards.balances == {"c_1": 5000}
    assert ledger.legs(checkout.checkout_id, 1)[0].status is LegStatus.REVERSED
