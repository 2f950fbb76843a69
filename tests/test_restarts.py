"""Restarts of the shared services: Redis (empty, no persistence) and PostgreSQL (connections cut).

What the README's "which state lives where" table and docs/deploy.md claim, checked: after a Redis restart
paid orders stay paid and paying again charges nothing, the wallet re-fetches balances, ops log in again and
a rate limit starts over; after a PostgreSQL restart the next payment goes through, charged once.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from kabao_testing import mint_launch_token, text_of, wait_for
from ops_testing import login
from postgres_testing import restart_postgres
from test_checkout import Shopper, cards_of
from werkzeug.security import generate_password_hash

from bff.checkout.migrations import upgrade
from bff.ledger_db import open_ledger_db
from sandbox.runner import free_port


@contextmanager
def redis_server(port: int) -> Iterator[None]:
    """A Redis on this port without persistence: stopping it forgets everything, as a restart of a cache would."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; scripts/test.sh installs it")
    process = subprocess.Popen(  # noqa: S603
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    try:
        assert wait_for(lambda: _pings(client), 10), "redis-server did not start"
        yield
    finally:
        client.close()
        process.terminate()
        process.wait(10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


def test_a_redis_restart_charges_nothing_twice_and_loses_nothing(make_app, card_system, config):
    port = free_port()
    users = f"alice:{generate_password_hash('correct horse')}"
    app = make_app(config, KABAO_STORE_URL=f"redis://127.0.0.1:{port}/0", KABAO_OPS_USERS=users)
    card = max(cards_of(card_system, "lime-market").values(), key=lambda c: c["balance"])
    ops = app.test_client()
    spent = mint_launch_token(app.config["KABAO_HOST_SECRET"], "u1001", "lime-market")
    with redis_server(port):
        assert app.test_client().get(f"/launch?token={spent}").status_code == 303
        shopper = Shopper(app, app.test_client(), card_system, amount=12800)
        shopper.pay([card["card_id"]])
        assert "支付成功" in text_of(shopper.result())
        assert login(ops).status_code == 303 and ops.get("/ops/").status_code == 200
        for _ in range(10):  # a locked login: ten failures in the window
            login(app.test_client(), password="wrong")
        assert login(app.test_client()).status_code == 429
    with redis_server(port):  # restarted on the same port, empty
        assert "支付成功" in text_of(shopper.result())  # the ledger, not the store, knows it was paid
        shopper.pay([card["card_id"]])  # the same form sent again
        assert [(p["status"], p["amount"]) for p in shopper.payments()] == [("SUCCEEDED", 12800)]
        wallet = app.test_client()
        wallet.get(f"/launch?token={mint_launch_token(app.config['KABAO_HOST_SECRET'], 'u1001', 'lime-market')}")
        page = wallet.get("/wallet?js=0")
        left = f"{(card['balance'] - 12800) / 100:,.2f}"
        assert page.status_code == 200 and left in text_of(page), text_of(page)  # the balance, fetched again
        assert ops.get("/ops/").status_code == 303  # the ops session was in Redis: log in again
        assert login(app.test_client()).status_code == 303  # the lock's window started over
        # the spent token's nonce was forgotten, but it was signed before this Redis remembers: refused
        assert app.test_client().get(f"/launch?token={spent}").status_code == 401


def test_after_a_postgresql_restart_the_next_payment_goes_through_once(make_app, card_system, postgres):
    url = postgres.create_database("restart")
    db = open_ledger_db(url)
    upgrade(db)
    db.close()
    app = make_app(KABAO_LEDGER_URL=url)
    card = max(cards_of(card_system, "lime-market").values(), key=lambda c: c["balance"])
    shopper = Shopper(app, app.test_client(), card_system, amount=12800)  # the pool's connections are open
    restart_postgres(postgres)  # every pooled connection is cut
    paid = shopper.pay([card["card_id"]])
    assert paid.status_code == 303, text_of(paid)
    assert "支付成功" in text_of(shopper.result())
    assert [(p["status"], p["amount"]) for p in shopper.payments()] == [("SUCCEEDED", 12800)]
