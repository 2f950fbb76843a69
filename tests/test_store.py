"""The store is shared by every BFF process using it: replay guards and counters hold across them."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from kabao_testing import wait_for

from bff.store import open_store
from bff.worker.leases import Leases


def processes():
    """Real processes racing on one store. A fork server forks each child from one clean, single-threaded
    process that imported the store once (a spawned child starts a new interpreter and imports it again:
    ~1 s each on a busy machine, 32 of them in this module); never a fork of this threaded test process."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["bff.store", "test_store"])
    return ctx


def claim_in_child(url: str, key: str, results) -> None:  # noqa: ANN001
    store = open_store(url)
    results.put(store.add_if_absent(key, 60))
    store.close()


def test_a_nonce_is_claimed_once_across_processes(store_url):
    ctx = processes()
    results = ctx.Queue()
    children = [ctx.Process(target=claim_in_child, args=(store_url, "nonce:x", results)) for _ in range(4)]
    for child in children:
        child.start()
    outcomes = sorted(results.get(timeout=120) for _ in children)  # spawned children start slowly on a busy machine
    for child in children:
        child.join(30)
    assert outcomes == [False, False, False, True]


def test_what_was_made_before_the_redis_server_started_is_refused(redis_url):
    """(tests/test_restarts.py restarts one: a launch token spent before is refused after.)"""
    store = open_store(redis_url)
    try:
        store.client.flushdb()
        assert not store.add_if_absent("launch:made-before", 60, made_at=time.time() - 10 * 86400)
        assert store.add_if_absent("launch:made-now", 60, made_at=time.time())
        assert not store.add_if_absent("launch:made-now", 60, made_at=time.time())  # and only once
        assert store.add_if_absent("launch:no-time", 60)  # a guard that names no time: as before
        assert not store.add_if_absent("launch:no-time", 60)
    finally:
        store.close()


def test_a_store_on_disk_remembers_across_restarts_so_age_does_not_matter(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    assert open_store(url).add_if_absent("launch:old", 60, made_at=time.time() - 3600)
    assert not open_store(url).add_if_absent("launch:old", 60, made_at=time.time() - 3600)


def test_reservations_survive_a_restart(store_url):
    first = open_store(store_url)
    assert first.reserve("card", 2, 900) and first.reserve("card", 2, 900)
    first.close()
    second = open_store(store_url)
    assert not second.reserve("card", 2, 900) and second.used("card") == 2
    assert second.reserve("another-card", 2, 900)
    second.close()


def test_kept_values_expire(store_url):
    store = open_store(store_url)
    store.put("a", "1", ttl=60)
    assert store.get("a") == "1" and store.get("missing") is None
    store.close()


def test_unknown_store_url_is_refused():
    with pytest.raises(ValueError, match="unsupported store URL"):
        open_store("mongodb://somewhere")


def reserve_in_child(url: str, results) -> None:  # noqa: ANN001
    store = open_store(url)
    results.put(store.reserve("guesses", 3, 900))
    store.close()


def test_reservations_never_exceed_the_limit_across_processes(store_url):
    ctx = processes()
    results = ctx.Queue()
    children = [ctx.Process(target=reserve_in_child, args=(store_url, results)) for _ in range(8)]
    for child in children:
        child.start()
    outcomes = sorted(results.get(timeout=120) for _ in children)  # spawned children start slowly on a busy machine
    for child in children:
        child.join(30)
    assert outcomes == [False] * 5 + [True] * 3


def test_a_released_reservation_can_be_taken_again(store_url):
    store = open_store(store_url)
    assert store.reserve("k", 2, 900) and store.reserve("k", 2, 900)
    assert not store.reserve("k", 2, 900) and store.used("k") == 2
    store.release("k")
    assert store.used("k") == 1 and store.reserve("k", 2, 900)
    store.release("never-taken")  # giving back what was never taken changes nothing
    assert store.used("never-taken") == 0
    store.close()


def test_a_used_up_key_says_when_it_frees(store_url):
    store = open_store(store_url)
    assert store.free_in("gap", 1) == 0
    assert store.reserve("gap", 1, 60)
    assert 58 <= store.free_in("gap", 1) <= 60 and store.free_in("gap", 2) == 0
    store.release("gap")
    assert store.free_in("gap", 1) == 0
    store.close()


def test_a_deleted_value_is_gone_for_every_process(store_url):
    first, second = open_store(store_url), open_store(store_url)
    first.put("ops-session:x", "alice", ttl=60)
    assert second.get("ops-session:x") == "alice"
    second.delete("ops-session:x")
    assert first.get("ops-session:x") is None
    first.close()
    second.close()


def lease_in_child(url: str, key: str, holder: str, results) -> None:  # noqa: ANN001
    store = open_store(url)
    results.put(store.lease(key, holder, 60))
    store.close()


def test_a_lease_is_taken_by_one_worker_across_processes(store_url):
    ctx = processes()
    results = ctx.Queue()
    children = [
        ctx.Process(target=lease_in_child, args=(store_url, "attempt:x", f"worker-{n}", results)) for n in range(4)
    ]
    for child in children:
        child.start()
    outcomes = sorted(results.get(timeout=120) for _ in children)
    for child in children:
        child.join(30)
    assert outcomes == [False, False, False, True]


def test_a_lease_is_renewed_by_its_holder_and_given_up_only_by_it(store_url):
    store = open_store(store_url)
    assert store.lease("refund:r1", "a", 60) and store.lease("refund:r1", "a", 60)  # taken, then renewed
    assert not store.lease("refund:r1", "b", 60)
    store.end_lease("refund:r1", "b")  # not b's to give up
    assert not store.lease("refund:r1", "b", 60)
    store.end_lease("refund:r1", "a")
    assert store.lease("refund:r1", "b", 60)
    store.close()


def test_a_lapsed_lease_is_taken_over(store_url):
    store = open_store(store_url)
    assert store.lease("leg:p1", "dead-worker", 0.3)  # never renewed: its holder died
    assert not store.lease("leg:p1", "live-worker", 60)
    assert wait_for(lambda: store.lease("leg:p1", "live-worker", 60), 10)
    assert not store.lease("leg:p1", "dead-worker", 60)  # come back to life, it finds the lease taken
    store.close()


def test_a_lease_is_kept_while_its_item_is_worked_longer_than_its_period(store_url):
    store, other = open_store(store_url), open_store(store_url)
    leases = Leases(store, ttl=0.3)
    with leases.claim("attempt:slow") as mine:
        assert mine
        deadline = time.monotonic() + 1.5  # five periods of slow work, renewed all along
        while time.monotonic() < deadline:
            assert not other.lease("worker:attempt:slow", "another-worker", 60)
            time.sleep(0.05)
    assert other.lease("worker:attempt:slow", "another-worker", 60)  # given up when done
    leases.close()
    store.close()
    other.close()


def test_expired_nonces_and_rate_limit_windows_are_purged_a_few_at_a_time(tmp_path, monkeypatch):
    from types import SimpleNamespace

    now = [1_000_000.0]
    monkeypatch.setattr("bff.store.sqlite.time", SimpleNamespace(time=lambda: now[0]))
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    conn = store.db.connection()

    def expired(table: str) -> int:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE expires <= ?", (now[0],)).fetchone()[0]

    for n in range(100):
        assert store.add_if_absent(f"launch:nonce{n}", 60)
        assert store.reserve(f"tries:key{n}", 5, 60)
    now[0] += 61  # every launch nonce and every window has expired
    assert (expired("kv"), expired("reservations")) == (100, 100)

    store.add_if_absent("launch:fresh0", 60)
    store.reserve("tries:fresh0", 5, 60)
    left = expired("kv"), expired("reservations")
    assert 0 < left[0] < 100 and 0 < left[1] < 100  # some purged, and only a bounded batch per write
    for n in range(1, 5):
        store.add_if_absent(f"launch:fresh{n}", 60)
        store.reserve(f"tries:fresh{n}", 5, 60)
    assert (expired("kv"), expired("reservations")) == (0, 0)
    assert store.used("tries:fresh4") == 1 and not store.add_if_absent("launch:fresh4", 60)
    store.close()
