"""Liveness and readiness: what the load balancer and the orchestrator ask a wallet process."""

from __future__ import annotations

from contextlib import contextmanager

import psycopg
import pytest
from test_refunds import call

from bff.checkout.ledger_port import LedgerUnavailable
from bff.ledger_db.postgres import PostgresLedgerDB
from tests.kabao_testing import mint_launch_token
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


@pytest.fixture
def store_down(make_app):
    return make_app(KABAO_STORE_URL=f"redis://127.0.0.1:{free_port()}/0")


def test_a_shopper_arriving_while_the_store_is_down_gets_a_retry_page_in_their_language(store_down):
    token = mint_launch_token(store_down.config["KABAO_HOST_SECRET"], "u1001", "lime-market")
    page = store_down.test_client().get(f"/launch?token={token}", headers={"Accept-Language": "zh-CN"})

    assert page.status_code == 503  # not 500: a load balancer or the app may retry
    assert page.headers["Retry-After"] == "5"
    assert "暂时无法服务" in page.get_data(as_text=True) and "余额不受影响" in page.get_data(as_text=True)


def test_the_host_api_answers_service_unavailable_in_the_contracts_shape_while_the_ledger_is_down(app, client):
    class DownLedgerDB:
        def __getattr__(self, name):
            raise LedgerUnavailable("ledger did not answer: PoolTimeout")

    ledger = app.extensions["kabao"].ledger
    ledger.db, up = DownLedgerDB(), ledger.db
    try:
        response = call(client, app.config["KABAO_HOST_SECRET"], "GET", "/api/v1/orders/lime-market/O-1")
    finally:
        ledger.db = up

    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.get_json() == {"result": "ERROR", "error": {"code": "SERVICE_UNAVAILABLE"}}


def test_a_ledger_connection_cut_mid_statement_is_the_ports_ledger_unavailable():
    class CutPool:
        @contextmanager
        def connection(self):
            raise psycopg.OperationalError("server closed the connection unexpectedly")
            yield

    db = object.__new__(PostgresLedgerDB)
    db.pool = CutPool()
    with pytest.raises(LedgerUnavailable):
        db.row("SELECT 1")
    with pytest.raises(LedgerUnavailable), db.write() as tx:
        tx.execute("SELECT 1")
