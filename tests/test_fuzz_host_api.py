"""Fuzz the host-app API from its published OpenAPI document: never a 5xx, every answer as documented."""

from __future__ import annotations

import io
import re
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kabao_testing import REPO, checkout_handle, mint_checkout_token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_checkout import cards_of

from bff.security.signatures import sign_request

SPEC = REPO / "docs" / "openapi" / "host-app-api.yaml"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLE_ORDER = "SIM-20261125-0001"  # the order the document's examples name
FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)


class SigningHost:
    """WSGI middleware that signs each request as the host app does, so fuzzed calls reach the handlers."""

    def __init__(self, app, secret: str) -> None:
        self.app, self.secret = app, secret

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        path = environ.get("PATH_INFO", "").encode("latin-1").decode("utf-8", "replace")
        query = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")
        timestamp = str(int(time.time()))
        environ["HTTP_X_KABAO_TIMESTAMP"] = timestamp
        environ["HTTP_X_KABAO_SIGNATURE"] = sign_request(
            self.secret, timestamp, environ["REQUEST_METHOD"], path + (f"?{query}" if query else ""), body
        )
        return self.app(environ, start_response)


def pay_example_order(app, card_system) -> None:
    """Pay the example order by card, so the document's examples reach a real order and refund."""
    card = cards_of(card_system, "lime-market")[50000]
    client = app.test_client()
    token = mint_checkout_token(
        app.config["KABAO_HOST_SECRET"], "u1001", "lime-market", EXAMPLE_ORDER, 12800, f"{card_system.url}/sim/return"
    )
    path = client.get(f"/checkout?token={token}").headers["Location"]
    page = client.get(f"{path}?js=0").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    handle = checkout_handle(page, card["card_number"][-4:])
    paid = client.post(f"{path}/pay", data={"csrf_token": csrf, "attempt": "1", "card": [handle]})
    assert paid.status_code == 303


def cases(schema) -> st.SearchStrategy:
    """The document's examples, data that fits it, and data that doesn't, for every operation."""
    examples = [s for op in schema.get_all_operations() for s in schema.get_strategies_from_examples(op.ok())]
    return st.one_of(
        *examples, schema.as_strategy(GenerationMode.POSITIVE), schema.as_strategy(GenerationMode.NEGATIVE)
    )


@pytest.fixture
def schema():
    return schemathesis.openapi.from_path(SPEC)


def test_signed_calls_never_answer_5xx_and_match_the_document(app, card_system, schema):
    pay_example_order(app, card_system)
    signed = SigningHost(app.wsgi_app, app.config["KABAO_HOST_SECRET"])
    statuses: list[int] = []

    @given(case=cases(schema))
    @FUZZ
    def fuzz(case):
        response = case.call(app=signed)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    fuzz()
    assert not [s for s in statuses if s >= 500]
    assert 200 in statuses  # the examples reached a real order


def test_unsigned_calls_are_refused_in_the_documented_shape(app, schema):
    @given(case=cases(schema))
    @FUZZ
    def fuzz(case):
        response = case.call(app=app.wsgi_app)
        case.validate_response(response, checks=CHECKS)
        assert response.status_code in (401, 404, 405, 413), response.status_code

    fuzz()
