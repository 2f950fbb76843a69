"""Fixtures: a real sandbox card system over HTTP, the BFF app on it, and a launched shopper."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from kabao_testing import CONFIG_DIR, LOOPBACK_SANDBOX, mint_launch_token
from postgres_testing import LEDGER_ENGINES, PostgresServer, postgres_bin, start_postgres
from werkzeug.security import generate_password_hash

from bff import create_app
from bff.checkout.migrations import upgrade
from bff.ledger_db import open_ledger_db
from sandbox.runner import RunningSandbox, start_sandbox

# `kabao` commands read a running demo's environment (bff/demo/workspace.py): never a developer's demo in tests
os.environ["KABAO_DEMO_ENV"] = ""


@pytest.fixture(scope="session")
def sandbox() -> Iterator[RunningSandbox]:
    with start_sandbox(config_dir=CONFIG_DIR) as running:
        yield running


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A private PostgreSQL server for the whole session (see tests/postgres_testing.py)."""
    if postgres_bin() is None:
        if os.environ.get("CI"):  # CI runs scripts/test.sh, which installs it: a skip there would hide a gap
            pytest.fail("PostgreSQL is not installed: scripts/test.sh installs it")
        pytest.skip("PostgreSQL is not installed (scripts/test.sh installs it)")
    with start_postgres() as server:
        yield server


@pytest.fixture(params=LEDGER_ENGINES)
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, upgraded ledger database on each engine: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    url = request.getfixturevalue("postgres").create_database("ledger")
    db = open_ledger_db(url)
    try:
        upgrade(db)
    finally:
        db.close()
    return url


@pytest.fixture
def card_system(sandbox: RunningSandbox) -> RunningSandbox:
    """The sandbox, wiped and re-seeded for this test."""
    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=10).raise_for_status()
    return sandbox


@pytest.fixture
def make_app(tmp_path: Path, card_system: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    monkeypatch.setenv("KABAO_MERCHANT_SANDBOX_URL", card_system.url)
    monkeypatch.setenv("KABAO_MERCHANT_SANDBOX_API_KEY", card_system.api_key)
    for name, value in card_system.keys.items():
        monkeypatch.setenv(name, value)
    apps: list[Flask] = []

    def make(config_dir: Path = CONFIG_DIR, **overrides: object) -> Flask:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret-key",
                "KABAO_HOST_SECRET": card_system.host_secret,
                "KABAO_CONFIG_DIR": str(config_dir),
                "KABAO_STORE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
                "KABAO_LEDGER_PATH": str(tmp_path / "ledger.sqlite3"),
                "KABAO_CONFIG_RELOAD_SECONDS": 0,
                **LOOPBACK_SANDBOX,
                **overrides,
            }
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["kabao"].close()


@pytest.fixture
def app(make_app) -> Flask:
    return make_app()


@pytest.fixture
def app_on_each_ledger(make_app, ledger_url: str) -> Flask:
    """The app with its ledger on each engine: modules whose flows must hold on both override `app` with it."""
    return make_app(KABAO_LEDGER_URL=ledger_url)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def launch(app: Flask, client: FlaskClient):
    """Open the wallet as a shopper, the way the host app does."""

    def do(user_id: str = "u1001", merchant_id: str = "lime-market", **claims: object):
        token = mint_launch_token(app.config["KABAO_HOST_SECRET"], user_id, merchant_id, **claims)
        return client.get(f"/launch?token={token}")

    return do


@pytest.fixture
def silent_card_system(client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Any call to lime's card system from now on fails the test: a first paint must not wait for one."""

    def called(*args: object, **kwargs: object) -> None:
        raise AssertionError("the page's first paint asked the card system")

    services = client.application.extensions["kabao"]
    gateway = services.gateways.for_merchant(services.registry.get("lime-market"))
    for name in ("list_cards", "card_detail"):
        monkeypatch.setattr(gateway, name, called)


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store on each engine: a SQLite file, or the session's Redis emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite3'}"
    from bff.store import open_store

    url = request.getfixturevalue("redis_url")
    store = open_store(url)
    store.client.flushdb()
    store.close()
    return url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A throwaway Redis server on a free port (scripts/test.sh installs redis-server)."""
    import shutil
    import subprocess
    import time

    import redis

    from sandbox.runner import free_port

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is not installed; scripts/test.sh installs it")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(10)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A copy of the merchant files that a test (or the ops console) may change."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, target)
    return target


@pytest.fixture
def ops_app(make_app, config: Path) -> Flask:
    """The BFF on that copy, with two ops accounts (alice and bob)."""
    users = f"alice:{generate_password_hash('correct horse')},bob:{generate_password_hash('battery staple')}"
    return make_app(config, KABAO_OPS_USERS=users)
