"""CPU per card-system call: through Kabao's gateway (requests) and through a bare urllib3 pool, same calls.

    .venv/bin/python bench/card_calls.py [--calls 500] [--profile]

Measures this process's CPU per card_detail call (the card system runs in another process) against three card
systems: the sandbox (werkzeug, `Connection: close`), and bench/keepalive.py's replay of the sandbox's answers
with `Connection: close` and kept alive. Each figure is the median of 3 runs; the gateway is built as Kabao
builds it (bff.adapters.factory.Gateways, with the app's policy, tallies and wrapper). The replay server's
count of accepted connections shows whether calls reuse connections. --profile prints where the gateway's
CPU goes on the kept-alive server (cProfile, by own time).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import urllib3

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

GOAL_MS = 0.5


def cpu_ms_per_call(call: Callable[[], object], calls: int = 500, runs: int = 3) -> float:
    """The median over runs of this process's CPU time per call (the card system runs in another process)."""
    for _ in range(50):
        call()
    samples = []
    for _ in range(runs):
        start = time.process_time()
        for _ in range(calls):
            call()
        samples.append((time.process_time() - start) / calls * 1000)
    return statistics.median(samples)


def bare_urllib3(url: str, headers: dict[str, str], size: int = 16) -> Callable[[], object]:
    pool = urllib3.PoolManager(maxsize=size, retries=False)
    timeout = urllib3.Timeout(connect=3, read=5)
    return lambda: json.loads(pool.request("GET", url, headers=headers, timeout=timeout, redirect=False).data)


def gateway_at(app, url: str):  # noqa: ANN001, ANN201 - a Flask app, a CardGateway
    """lime-market's gateway as the app builds it, its card system's URL set to `url`."""
    from bff.adapters.factory import Gateways

    built = app.extensions["kabao"].gateways
    environ = {**os.environ, "KABAO_MERCHANT_SANDBOX_URL": url}
    gateways = Gateways(environ, built.policy, built.pool_size, built.tallies, built.wrap)
    return gateways.for_merchant(app.extensions["kabao"].registry.get("lime-market"))


def profile(call: Callable[[], object], calls: int, sort: str = "cumulative", lines: int = 40) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"   profile of {calls} gateway calls, kept alive (own time, share of {total / calls * 1000:.2f} ms/call):")
    stats.sort_stats(sort).print_stats(lines)


def on_replay(app, answers: dict, close: bool, card_id: str, auth: dict, calls: int, profiled: bool) -> None:  # noqa: ANN001
    """Gateway and bare urllib3 against the replay server, and the TCP connections each opened."""
    from keepalive import replay_server

    with replay_server(answers, close=close) as replay:
        gateway = gateway_at(app, replay.url)
        before = replay.accepted()
        through = cpu_ms_per_call(lambda: gateway.card_detail("u1001", card_id), calls)
        middle = replay.accepted()
        bare = cpu_ms_per_call(bare_urllib3(replay.url + next(iter(answers)), auth), calls)
        connections = (middle - before - 1, replay.accepted() - middle - 1)  # less each count's own
        label = "Connection: close" if close else "kept alive"
        print(
            f"   replay ({label}): gateway {through:.3f} ms, bare urllib3 {bare:.3f} ms; "
            f"TCP connections for {50 + 3 * calls} calls each: {connections[0]} / {connections[1]}"
        )
        if profiled:
            profile(lambda: gateway.card_detail("u1001", card_id), calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()

    from keepalive import record
    from wallet import make_bff

    from sandbox.runner import start_sandbox

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with start_sandbox(config_dir=REPO / "wallet_config") as sandbox, tempfile.TemporaryDirectory() as tmp:
        app = make_bff(sandbox, tmp)
        card_id = gateway_at(app, sandbox.url).list_cards("u1001")[0].card_id
        path = f"/cs/lime/v1/users/u1001/cards/{card_id}"
        auth = {"Authorization": f"Bearer {sandbox.api_key}"}
        answers = record(sandbox.url, [path], auth)
        print(f"CPU per card_detail call, this process only, {args.calls} calls x3 (median), goal <= {GOAL_MS} ms:")
        gateway = gateway_at(app, sandbox.url)
        through = cpu_ms_per_call(lambda: gateway.card_detail("u1001", card_id), args.calls)
        bare = cpu_ms_per_call(bare_urllib3(sandbox.url + path, auth), args.calls)
        print(f"   sandbox (werkzeug, Connection: close): gateway {through:.3f} ms, bare urllib3 {bare:.3f} ms")
        for close in (True, False):
            on_replay(app, answers, close, card_id, auth, args.calls, args.profile and not close)
        app.extensions["kabao"].close()


if __name__ == "__main__":
    main()
