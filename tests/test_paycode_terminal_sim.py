"""The sandbox's terminal simulator signs like a real till: its requests pass Kabao's checks and move money."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import responses
from kabao_testing import CONFIG_DIR, text_of
from paycode_testing import issue_code, lime_card

from sandbox.app import create_app as create_sandbox

BFF = "http://bff.test"


@pytest.fixture
def sim(app, card_system, tmp_path) -> Iterator:
    """The simulator in-process, its calls to Kabao handed to the BFF app under test (the real checks run)."""
    sandbox = create_sandbox(
        tmp_path / "sim.sqlite3", CONFIG_DIR, BFF, card_system.api_key, card_system.host_secret, keys=card_system.keys
    )
    bff = app.test_client()

    def forward(request):
        path = request.path_url
        answer = bff.open(path, method=request.method, data=request.body or b"", headers=dict(request.headers))
        return answer.status_code, {"Content-Type": "application/json"}, answer.get_data()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru(card_system.url)
        mock.add_callback(responses.GET, re.compile(f"{BFF}/.*"), callback=forward)
        mock.add_callback(responses.POST, re.compile(f"{BFF}/.*"), callback=forward)
        yield sandbox.test_client()


def test_the_host_app_simulator_links_to_the_terminal_simulator(sim):
    page = sim.get("/").get_data(as_text=True)
    assert 'href="/sim/terminal"' in page
    till = text_of(sim.get("/sim/terminal"))
    assert "青柠超市浦东店 · lime-market / T1" in till and "蜜桃烘焙静安店 · peach-bakery / P1" in till


def test_the_simulator_charges_queries_refunds_and_cancels(app, sim, card_system):
    code = issue_code(app, lime_card(card_system))
    form = {"till": "lime-market/T1", "txn_id": "POS-SIM-1", "amount": "12.80", "code": code}
    charged = text_of(sim.post("/sim/terminal", data={**form, "action": "redeem"}))
    assert "SUCCEEDED" in charged and lime_card(card_system, 50000 - 1280)
    assert "SUCCEEDED" in text_of(sim.post("/sim/terminal", data={**form, "action": "query"}))
    refunded = text_of(sim.post("/sim/terminal", data={**form, "action": "refund", "amount": "2.80"}))
    assert '"status": "SUCCEEDED"' in refunded.replace("&#34;", '"') and lime_card(card_system, 50000 - 1000)
    assert "NOT_CANCELLABLE" in text_of(sim.post("/sim/terminal", data={**form, "action": "cancel"}))


def test_a_used_code_is_refused_on_the_simulator(app, sim, card_system):
    code = issue_code(app, lime_card(card_system))
    form = {"till": "lime-market/T2", "amount": "1.00", "code": code, "action": "redeem"}
    assert "SUCCEEDED" in text_of(sim.post("/sim/terminal", data={**form, "txn_id": "POS-A"}))
    assert "FAILED · CODE_USED" in text_of(sim.post("/sim/terminal", data={**form, "txn_id": "POS-B"}))
