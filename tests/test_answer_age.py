"""A signed answer whose timestamp is too far from now (stale, replayed) is unknown, never success."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import responses
from dialect_fake import BASE, DIALECT, adapter, dialect
from pydantic import ValidationError

from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import PaymentStatus

KEY = "k3y"
NOW = 1_796_000_000  # the gateway's clock in these tests
PAID = {"success": True, "status": "PAID", "amount": 1200}
BY_HEADER = {
    "algorithm": "hmac_sha256",
    "signature": {"header": "X-Sign"},
    "signed": {"source": "template", "template": "{timestamp}\n{body}"},
    "timestamp_header": "X-Time",
    "max_age_seconds": 300,
}


def signed_by(verify: dict):
    return dialect(signing={**DIALECT["signing"], "verify": verify})


def answer_stamped(stamp: str | None, body: dict = PAID):
    """The status answer, signed over its timestamp and body, the timestamp in X-Time (when there is one)."""

    def callback(request):
        text = json.dumps(body)
        signature = hmac.new(KEY.encode(), f"{stamp or ''}\n{text}".encode(), hashlib.sha256).hexdigest()
        return 200, {"X-Sign": signature, **({"X-Time": stamp} if stamp is not None else {})}, text

    responses.add_callback(responses.POST, f"{BASE}/query", callback=callback)


def status(config):
    gateway = adapter(config, KEY)
    gateway.signer.clock = lambda: NOW
    return gateway.payment_status("kb-1")


@responses.activate
@pytest.mark.parametrize("age", [0, 299, -299])
def test_a_fresh_signed_answer_is_read(age):
    answer_stamped(str(NOW - age))
    assert status(signed_by(BY_HEADER)).status is PaymentStatus.SUCCEEDED


@responses.activate
@pytest.mark.parametrize("stamp", [str(NOW - 600), str(NOW + 400), "", None, "soon"])
def test_a_stale_replayed_or_undated_answer_is_unknown_never_paid(stamp, caplog):
    answer_stamped(stamp)
    caplog.set_level(logging.WARNING)
    with pytest.raises(CardSystemUnavailable):
        status(signed_by(BY_HEADER))
    assert "unseen payment_status: answer timestamp" in caplog.text and "treated as unknown" in caplog.text


@responses.activate
def test_without_max_age_an_old_answer_is_read_as_before():
    answer_stamped(str(NOW - 3600))
    verify = {k: v for k, v in BY_HEADER.items() if k != "max_age_seconds"}
    assert status(signed_by(verify)).status is PaymentStatus.SUCCEEDED


@responses.activate
@pytest.mark.parametrize(("minutes", "paid"), [(1, True), (10, False)])
def test_a_timestamp_field_in_a_pattern_and_zone_bounds_the_age(minutes, paid):
    written = datetime.fromtimestamp(NOW - minutes * 60, ZoneInfo("Asia/Shanghai")).strftime("%Y%m%d%H%M%S")
    body = {**PAID, "respTime": written}
    text = json.dumps(body)
    sign = hmac.new(KEY.encode(), text.encode(), hashlib.sha256).hexdigest()
    responses.post(f"{BASE}/query", body=text, headers={"X-Sign": sign}, content_type="application/json")
    verify = {
        "algorithm": "hmac_sha256",
        "signature": {"header": "X-Sign"},
        "timestamp_field": "respTime",
        "timestamp_format": "%Y%m%d%H%M%S",
        "max_age_seconds": 300,
    }
    if paid:
        assert status(signed_by(verify)).status is PaymentStatus.SUCCEEDED
    else:
        with pytest.raises(CardSystemUnavailable):
            status(signed_by(verify))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"timestamp_header": None}, "max_age_seconds needs the answer's timestamp"),
        ({"timestamp_field": "t"}, "timestamp_header or timestamp_field"),
        ({"max_age_seconds": 0}, "greater than or equal to 1"),
    ],
)
def test_a_max_age_without_a_timestamp_is_refused_by_key_path(change, words):
    with pytest.raises(ValidationError) as raised:
        signed_by({**BY_HEADER, **change})
    error = raised.value.errors()[0]
    assert error["loc"][:2] == ("signing", "verify") and words in error["msg"]
