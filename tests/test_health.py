"""Liveness and readiness: what the load balancer and the orchestrator ask a wallet process."""

from __future__ import annotations

from tests.postgres_testing import free_port


def test_a_wallet_whose_stores_answer_is_alive_and_ready(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ok", "checks": {"store": "ok", "ledger": "ok"}}


def test_a_wallet_whose_store_is_down_is_alive_but_not_ready_and_says_which(make_app):
    dead = f"redis://:not-a-real-password@127.0.0.1:{free_port()}/0"
    client = make_app(KABAO_STORE_URL=dead).test_client()

    assert client.get("/healthz").status_code == 200  # a restart wouldn't bring Redis back
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "unavailable", "checks": {"store": "unavailable", "ledger": "ok"}}
    assert "not-a-real-password" not in ready.get_data(as_text=True)
