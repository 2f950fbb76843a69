"""The SQLite store is shared by every process using the file: replay guards and counters hold."""

from __future__ import annotations

import multiprocessing

from limits import RateLimitItemPerSecond
from limits.strategies import FixedWindowRateLimiter

from bff.store import open_store


def claim_in_child(path: str, key: str, results) -> None:  # noqa: ANN001
    store = open_store(f"sqlite:///{path}")
    results.put(store.add_if_absent(key, 60))
    store.close()


def test_a_nonce_is_claimed_once_across_processes(tmp_path):
    path = str(tmp_path / "store.sqlite3")
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    children = [ctx.Process(target=claim_in_child, args=(path, "nonce:x", results)) for _ in range(4)]
    for child in children:
        child.start()
    for child in children:
        child.join(30)
    outcomes = sorted(results.get(timeout=5) for _ in children)
    assert outcomes == [False, False, False, True]


def test_rate_limit_counters_survive_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    item = RateLimitItemPerSecond(2, 900)
    first = open_store(url)
    limiter = FixedWindowRateLimiter(first.limits_storage())
    assert limiter.hit(item, "card") and limiter.hit(item, "card")
    first.close()
    second = open_store(url)
    assert not FixedWindowRateLimiter(second.limits_storage()).test(item, "card")
    second.close()


def test_kept_values_expire(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    store.put("a", "1", ttl=60)
    store.put("b", "2", ttl=-1)
    assert (store.get("a"), store.get("b")) == ("1", None)
    store.close()
