"""report_lost on the standard API: optional (config says), and only an answer with the card frozen is done."""

from __future__ import annotations

import json

import pytest
import responses
import yaml
from test_config import REPO, problems_of, write_variant

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.standard import StandardAdapter
from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.merchants.loader import load_merchant

BASE = "http://cards.test/v1"
URL = f"{BASE}/users/u1/cards/c_1/loss-report"
CARD = {"card_id": "c_1", "last4": "4321", "card_type": "member", "status": "FROZEN", "balance": 100}


def standard(optional=frozenset({"report_lost"})) -> StandardAdapter:
    client = HttpClient(BASE, make_session(), (0.5, 0.5), {}, CircuitBreaker(50, 60, CardSystemUnavailable), "t")
    return StandardAdapter(client, optional)


@responses.activate
def test_the_card_answered_frozen_is_done_and_the_pin_is_sent_in_the_body():
    responses.post(URL, json={"result": "OK", "card": CARD})
    standard().report_lost("u1", "c_1", "135790")
    assert json.loads(responses.calls[0].request.body) == {"secret": "135790"}


@responses.activate
@pytest.mark.parametrize(
    "answer",
    [
        {"result": "OK", "card": {**CARD, "status": "ACTIVE"}},
        {"result": "OK", "card": {**CARD, "card_id": "c_2"}},
        {"result": "OK"},
        {"result": "MAYBE", "card": CARD},
    ],
)
def test_any_other_answer_is_unknown_never_done(answer):
    responses.post(URL, json=answer)
    with pytest.raises(CardSystemUnavailable):
        standard().report_lost("u1", "c_1", "135790")


@responses.activate
def test_a_wrong_pin_is_wrong_secret():
    responses.post(URL, json={"result": "ERROR", "error": {"code": "WRONG_SECRET"}}, status=400)
    with pytest.raises(CardSystemError) as refused:
        standard().report_lost("u1", "c_1", "000000")
    assert refused.value.code is ErrorCode.WRONG_SECRET


def test_the_standard_api_offers_report_lost_only_where_config_says(tmp_path):
    assert standard().supports("report_lost") and standard().supports("refund")
    assert not standard(frozenset()).supports("report_lost")
    assert load_merchant(write_variant(tmp_path, lambda d: None)).config.offers("report_lost")


def test_a_merchant_without_the_optional_operation_does_not_offer_it(tmp_path):
    path = write_variant(tmp_path, lambda d: d["backend"].pop("optional_operations"))
    assert not load_merchant(path).config.offers("report_lost")


def test_optional_operations_are_for_the_standard_adapter_only(tmp_path):
    olive = yaml.safe_load((REPO / "wallet_config" / "olive-fresh.yaml").read_text(encoding="utf-8"))
    olive["backend"]["optional_operations"] = ["report_lost"]
    olive["brand"].pop("logo")
    path = tmp_path / "shop-b.yaml"
    path.write_text(yaml.safe_dump(olive, allow_unicode=True), encoding="utf-8")
    [problem] = problems_of(path)
    assert problem.startswith("shop-b.yaml: backend: ") and "optional_operations is for adapter standard" in problem
