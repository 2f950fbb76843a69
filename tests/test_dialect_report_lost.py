"""report_lost in the mapping language: an optional operation, confirmed with the PIN; unknown is never done."""

from __future__ import annotations

import json

import pytest
import responses
from dialect_fake import BASE, DIALECT, NUMBER, UnseenSystem, adapter, dialect
from pydantic import ValidationError

from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.models import CardStatus

PIN = "135790"
LOST_OP = {"path": "/lost", "params": {"cardNo": "{card_number}", "pin": "{secret}"}, "answer": "card"}
CARD = {
    **DIALECT["card"],
    "status_map": {"OK": "ACTIVE", "LOST": "FROZEN"},
    "registration": "kind",
    "registration_map": {"REAL": "named", "ANON": "anonymous"},
}


class LosingSystem(UnseenSystem):
    """The unseen system with a loss report: a right PIN marks the card LOST, which later answers show."""

    def __init__(self, answer_state: str | None = "LOST") -> None:
        super().__init__()
        self.state = "OK"
        self.answer_state = answer_state  # what a successful report answers as the card's state (None: no card)

    def install(self, base: str = BASE) -> None:
        super().install(base)
        responses.add_callback(responses.POST, f"{base}/lost", callback=self._lost)

    def _card(self, number: str) -> dict:
        return {**super()._card(number), "state": self.state, "kind": "REAL"}

    def _lost(self, request):
        body = json.loads(request.body)
        self.calls.append(("lost", body))
        if body["pin"] != PIN:
            return 200, {}, json.dumps({"success": False, "errorCode": "BAD_PIN"})
        self.state = "LOST"
        card = {**self._card(body["cardNo"]), "state": self.answer_state}
        return 200, {}, json.dumps({"success": True, **({"card": card} if self.answer_state else {})})


def losing_adapter():
    result = {**DIALECT["result"], "errors": {**DIALECT["result"]["errors"], "BAD_PIN": "WRONG_SECRET"}}
    return adapter(dialect(card=CARD, result=result, operations={"report_lost": LOST_OP}))


@responses.activate
def test_a_dialect_reports_a_card_lost_with_the_pin_and_the_card_reads_frozen():
    system = LosingSystem()
    system.install()
    gateway = losing_adapter()
    assert gateway.supports("report_lost")
    [card] = gateway.list_cards("u1")
    assert card.registration == "named"  # the card system says, through registration_map
    gateway.report_lost("u1", card.card_id, PIN)
    assert ("lost", {"cardNo": NUMBER, "pin": PIN}) in system.calls  # the number found by the card's id
    assert gateway.card_detail("u1", card.card_id).status is CardStatus.FROZEN


@responses.activate
def test_a_wrong_pin_is_our_wrong_secret_and_nothing_changes():
    system = LosingSystem()
    system.install()
    gateway = losing_adapter()
    [card] = gateway.list_cards("u1")
    with pytest.raises(CardSystemError) as refused:
        gateway.report_lost("u1", card.card_id, "000000")
    assert refused.value.code is ErrorCode.WRONG_SECRET and system.state == "OK"


@responses.activate
@pytest.mark.parametrize("state", ["OK", "HUH"])
def test_an_answer_whose_card_is_not_frozen_is_unknown_never_done(state):
    LosingSystem(answer_state=state).install()
    gateway = losing_adapter()
    [card] = gateway.list_cards("u1")
    with pytest.raises(CardSystemUnavailable):
        gateway.report_lost("u1", card.card_id, PIN)


@responses.activate
def test_a_success_code_without_a_card_is_the_card_system_saying_done():
    LosingSystem(answer_state=None).install()
    gateway = losing_adapter()
    [card] = gateway.list_cards("u1")
    gateway.report_lost("u1", card.card_id, PIN)  # no error: reported


def test_without_the_operation_the_dialect_does_not_offer_it():
    gateway = adapter(dialect())
    assert not gateway.supports("report_lost")
    with pytest.raises(NotImplementedError):
        gateway.report_lost("u1", "c1", PIN)


def test_a_report_lost_that_sends_no_pin_is_refused():
    with pytest.raises(ValidationError, match=r"report_lost must send the card's PIN"):
        dialect(operations={"report_lost": {"path": "/lost", "params": {"cardNo": "{card_number}"}}})


def test_an_unmapped_registration_leaves_it_to_config():
    @responses.activate
    def run():
        system = LosingSystem()
        system._card = lambda number: {**UnseenSystem._card(system, number), "kind": "WHO"}
        system.install()
        [card] = losing_adapter().list_cards("u1")
        return card.registration

    assert run() is None
