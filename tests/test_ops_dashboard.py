"""The dashboard's shared figures: today's binds, the card system's error rate, and this server's breaker."""

from __future__ import annotations

import re

import pytest
from kabao_testing import add_fault, csrf_token, sandbox_cards
from ops_testing import login
from werkzeug.security import generate_password_hash

from bff.adapters.breaker import CircuitBreaker
from bff.store import open_store
from bff.store.tallies import Calls, Tallies


@pytest.fixture
def app(make_app):
    return make_app(KABAO_OPS_USERS=f"alice:{generate_password_hash('correct horse')}")


@pytest.fixture
def desk(app):
    ops = app.test_client()
    ops.set_cookie("kabao_ops_lang", "en")
    login(ops)
    return ops


def cells(page: str, merchant_id: str) -> list[str]:
    row = re.search(rf'<tr id="merchant-{merchant_id}">(.*?)</tr>', page, re.S).group(1)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]


def bind_one(client, card_system) -> None:
    card = next(c for c in sandbox_cards(card_system, "lime", bound="0") if c["status"] == "ACTIVE")
    form = {"csrf_token": csrf_token(client, "/bind"), "card_number": card["card_number"], "secret": card["secret"]}
    assert client.post("/bind", data=form).status_code == 303


def test_a_failing_card_system_shows_its_error_rate_and_open_breaker_beside_todays_binds(
    app, client, launch, desk, card_system
):
    launch()
    bind_one(client, card_system)
    before = cells(desk.get("/ops/dashboard").get_data(as_text=True), "lime-market")
    assert before[6] == "1"  # one card bound today
    assert before[5] == "closed" and "0%" in before[7]  # it answered every call so far
    add_fault(card_system, system="lime", op="list_cards", mode="error_5xx")
    for _ in range(app.extensions["kabao"].registry.get("lime-market").config.backend.breaker.failures + 1):
        client.get("/wallet?js=0")
    page = desk.get("/ops/dashboard").get_data(as_text=True)
    lime = cells(page, "lime-market")
    assert lime[5].startswith("open opened on a server at ")  # this server's breaker, and when it opened
    failed, total = map(int, re.search(r"(\d+) of (\d+) calls failed", lime[7]).groups())
    assert failed >= 5 and f"{round(100 * failed / total)}%" in lime[7]
    assert "this server" in page  # the breaker is said to be this process's own
    assert cells(page, "peach-bakery")[5:] == ["unused", "0", "no calls"]


def test_a_breaker_opened_by_another_server_is_told_beside_this_servers_own(app, desk):
    other_server = Tallies(open_store(app.config["KABAO_STORE_URL"]))
    other_server.breaker_opened("peach-bakery", 20)
    peach = cells(desk.get("/ops/dashboard").get_data(as_text=True), "peach-bakery")
    assert peach[5].startswith("unused opened on a server at ")  # not called here, opened there
    assert cells(desk.get("/ops/dashboard").get_data(as_text=True), "lime-market")[5] == "unused"
    other_server.store.close()


def test_a_breaker_tells_when_it_opens():
    opened = []
    breaker = CircuitBreaker(2, 20, ConnectionError, on_open=lambda: opened.append(True))

    def fail() -> None:
        raise ConnectionError("down")

    for _ in range(2):
        with pytest.raises(ConnectionError):
            breaker.call(fail)
    assert breaker.is_open and opened == [True]


def test_the_dashboard_speaks_chinese_by_default(app, desk):
    desk.delete_cookie("kabao_ops_lang")
    page = desk.get("/ops/dashboard").get_data(as_text=True)
    assert "今日绑卡" in page and "卡系统错误率" in page and "未调用" in page


def test_calls_older_than_the_hour_drop_out_of_the_rate(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    now = [1_800_000_000.0]
    tallies = Tallies(store, clock=lambda: now[0])
    tallies.call("m", ok=False)
    now[0] += 30 * 60
    tallies.call("m", ok=True)
    tallies.call("m", ok=True)
    tallies.call("other", ok=False)
    assert (tallies.calls("m").total, tallies.calls("m").failed, tallies.calls("m").failed_percent) == (3, 1, 33)
    now[0] += 31 * 60
    assert (tallies.calls("m").total, tallies.calls("m").failed) == (2, 0)
    store.close()


def test_binds_are_counted_per_day_in_the_merchants_zone(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    now = [1_800_000_000.0 - 1_800_000_000.0 % 86400 + 15 * 3600 + 59 * 60]  # 15:59 UTC = 23:59 in Shanghai
    tallies = Tallies(store, clock=lambda: now[0])
    tallies.bound("m", "Asia/Shanghai")
    assert tallies.binds_today("m", "Asia/Shanghai") == 1
    now[0] += 120  # past midnight in Shanghai, still the same day in UTC
    assert tallies.binds_today("m", "Asia/Shanghai") == 0 and tallies.binds_today("m", "UTC") == 1
    store.close()


def test_each_process_counts_its_calls_and_the_dashboard_sees_them_all(store_url):
    """Two processes (two stores on one URL): their calls add up once each has written them."""
    stores = [open_store(store_url), open_store(store_url)]
    one, two = (Tallies(store) for store in stores)
    for _ in range(3):
        one.call("m", ok=True)
    two.call("m", ok=False)
    two.flush()  # at most FLUSH_SECONDS after the call, by the next call or by its own dashboard
    assert one.calls("m") == Calls(total=4, failed=1)  # its own counted calls are written first
    assert stores[1].used_many(["calls:none", "binds:none"]) == {}
    for store in stores:
        store.close()


def test_counts_are_written_in_one_go_not_on_every_call(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    writes = []
    store.add_counts = lambda counts, window: writes.append(counts)  # type: ignore[method-assign]
    now = [1_800_000_000.0]
    tallies = Tallies(store, clock=lambda: now[0])
    for _ in range(100):
        tallies.call("m", ok=True)
    assert writes == []
    now[0] += 6
    tallies.call("m", ok=False)
    assert len(writes) == 1 and sum(writes[0].values()) == 101
    store.close()
