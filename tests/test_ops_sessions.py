"""Ops sessions live in the store: logging out ends them on the server, idle ones expire there."""

from __future__ import annotations

import time

import pytest
from kabao_testing import text_of
from ops_testing import csrf, login
from werkzeug.security import generate_password_hash

import bff.store.sqlite
from bff.ops.auth import COOKIE


class Clock:
    """time.time for the store, moved forward by the test."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def time(self) -> float:
        return time.time() + self.ahead


@pytest.fixture
def store_clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(bff.store.sqlite, "time", clock)
    return clock


IDLE = 600


@pytest.fixture
def idle_app(make_app, config):
    """The console with ops sessions that end after ten idle minutes."""
    return make_app(
        config, KABAO_OPS_USERS=f"alice:{generate_password_hash('correct horse')}", KABAO_OPS_IDLE_SECONDS=IDLE
    )


def logout(client):
    return client.post("/ops/logout", data={"csrf_token": csrf(client, "/ops/")})


def test_after_logout_the_old_cookie_opens_the_login_page(ops_app):
    client = ops_app.test_client()
    login(client)
    old = client.get_cookie(COOKIE, path="/ops").value
    assert client.get("/ops/").status_code == 200
    assert logout(client).status_code == 303
    replay = ops_app.test_client()
    replay.set_cookie(COOKIE, old, path="/ops")
    response = replay.get("/ops/")
    assert response.status_code == 303 and response.headers["Location"].startswith("/ops/login")
    assert replay.get("/ops/login").status_code == 200


def test_logging_out_ends_only_that_session(ops_app):
    first, second = ops_app.test_client(), ops_app.test_client()
    login(first)
    login(second)
    logout(first)
    assert first.get("/ops/").status_code == 303
    assert second.get("/ops/").status_code == 200


def test_an_idle_session_ends_on_the_server(idle_app, store_clock):
    client = idle_app.test_client()
    login(client)
    assert client.get("/ops/").status_code == 200
    store_clock.ahead = IDLE + 60
    response = client.get("/ops/")
    assert response.status_code == 303 and response.headers["Location"].startswith("/ops/login")


def test_a_session_in_use_stays_open_past_the_idle_time(idle_app, store_clock):
    client = idle_app.test_client()
    login(client)
    for step in range(1, 4):
        store_clock.ahead = step * IDLE * 2 / 3
        assert client.get("/ops/").status_code == 200


def test_successful_logins_do_not_count_towards_the_limit(ops_app):
    client = ops_app.test_client()
    for _ in range(12):
        assert login(client).status_code == 303
        assert logout(client).status_code == 303


def test_failed_logins_are_limited_even_with_the_right_password_after(ops_app):
    client = ops_app.test_client()
    for _ in range(10):
        assert login(client, password="guess").status_code == 401
    locked = login(client, password="guess")
    assert locked.status_code == 429 and "尝试次数过多。请在 15 分钟后再试。" in text_of(locked)
    assert login(client).status_code == 429


def test_a_removed_account_loses_its_session(make_app, config):
    users = {name: generate_password_hash(name * 3) for name in ("alice", "bob")}
    before = make_app(config, KABAO_OPS_USERS=",".join(f"{u}:{h}" for u, h in users.items()))
    client = before.test_client()
    login(client, "bob", "bobbobbob")
    assert client.get("/ops/").status_code == 200
    after = make_app(config, KABAO_OPS_USERS=f"alice:{users['alice']}")  # restarted without bob, same store
    replay = after.test_client()
    replay.set_cookie(COOKIE, client.get_cookie(COOKIE, path="/ops").value, path="/ops")
    assert replay.get("/ops/").status_code == 303
