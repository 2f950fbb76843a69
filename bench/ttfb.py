"""Wallet first byte with a slow card system (issue 12): run by hand, not in CI.

    .venv/bin/python bench/ttfb.py [--cards 8] [--slow-ms 1500] [--rounds 7]

Starts the sandbox and `kabao serve` (gunicorn, 1 worker, 4 threads), gives one shopper --cards cards through
the sandbox admin API, and measures over HTTP the time to the first byte of the wallet with a fast card system
and with every card-system call slowed to --slow-ms. Goal: slow ÷ fast <= 1.2 for the page a browser with JS
gets (`/wallet`: drawn from the remembered cards, balances loaded by htmx). The complete render that browsers
without JS are refreshed to (`/wallet?js=0`, what `/wallet` was before issue 12) is printed beside it, and
how long a browser's page + list check + one fragment per card take in all (fetched side by side, as htmx does).
Each figure is the median of 3 runs of the median of --rounds requests.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from kabao_testing import CONFIG_DIR, bff_env, mint_launch_token  # noqa: E402
from stack import kabao_serve  # noqa: E402

from sandbox.runner import RunningSandbox, start_sandbox  # noqa: E402

MERCHANT, SYSTEM, USER = "lime-market", "lime", "u1001"
FRAGMENTS = re.compile(r'hx-get="(/wallet/(?:cards/[^"]+|list\?known=[^"]+))" hx-trigger="load"')


def give_cards(sandbox_url: str, wanted: int) -> int:
    """Bind unbound active cards to the shopper until it has `wanted` cards; returns how many it has."""
    cards = requests.get(f"{sandbox_url}/_sandbox/systems/{SYSTEM}/cards", timeout=10).json()
    have = sum(c["user_id"] == USER for c in cards)
    spare = [c for c in cards if c["user_id"] is None and c["status"] == "ACTIVE"]
    for card in spare[: max(0, wanted - have)]:
        owner = f"{sandbox_url}/_sandbox/systems/{SYSTEM}/cards/{card['card_id']}/owner"
        requests.post(owner, json={"user_id": USER}, timeout=10).raise_for_status()
        have += 1
    return have


def first_byte_ms(shopper: requests.Session, url: str) -> float:
    """Time until the answer's status line and headers are in (the body is not waited for)."""
    start = time.perf_counter()
    with shopper.get(url, stream=True, timeout=30) as answer:
        took = (time.perf_counter() - start) * 1000
        answer.raise_for_status()
    return took


def all_balances_ms(shopper: requests.Session, base: str, pool: ThreadPoolExecutor) -> float:
    """The page, then its list check and every card's fragment side by side: when the last balance is in."""
    start = time.perf_counter()
    html = shopper.get(f"{base}/wallet", timeout=30).text
    paths = FRAGMENTS.findall(html)
    list(pool.map(lambda p: shopper.get(f"{base}{p}", headers={"HX-Request": "true"}, timeout=30), paths))
    return (time.perf_counter() - start) * 1000


def median_run(measure, rounds: int) -> float:
    return statistics.median(statistics.median(measure() for _ in range(rounds)) for _ in range(3))


def slow_down(sandbox_url: str, delay_ms: int) -> None:
    requests.delete(f"{sandbox_url}/_sandbox/faults", timeout=5)
    if delay_ms:
        fault = {"system": SYSTEM, "op": "*", "mode": "latency", "delay_ms": delay_ms}
        requests.post(f"{sandbox_url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()


def options(doc: str, turns: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--cards", type=int, default=8)
    parser.add_argument("--slow-ms", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=7)
    if turns:
        parser.add_argument("--turn-rounds", type=int, default=40, help="requests per turn, fast and slow in turns")
    return parser.parse_args()


@contextmanager
def launched_shopper(wanted: int) -> Iterator[tuple[RunningSandbox, str, requests.Session, int]]:
    """The sandbox, `kabao serve` (1 worker, 4 threads) and a shopper in the wallet with `wanted` cards remembered:
    (sandbox, the wallet's URL, the shopper's session, how many cards it has). The card system is fast again after."""
    with start_sandbox(config_dir=CONFIG_DIR) as sandbox, tempfile.TemporaryDirectory() as tmp:
        cards = give_cards(sandbox.url, wanted)
        with kabao_serve(bff_env(sandbox, Path(tmp)), Path(tmp) / "bff", workers=1, threads=4) as bff:
            shopper = requests.Session()
            shopper.trust_env = False
            token = mint_launch_token(sandbox.host_secret, USER, MERCHANT)
            shopper.get(f"{bff.url}/launch?token={token}", timeout=30).raise_for_status()
            shopper.get(f"{bff.url}/wallet?js=0", timeout=30).raise_for_status()  # the cards are remembered
            try:
                yield sandbox, bff.url, shopper, cards
            finally:
                slow_down(sandbox.url, 0)


def main() -> None:
    args = options(__doc__)
    with launched_shopper(args.cards) as (sandbox, base, shopper, cards), ThreadPoolExecutor(args.cards + 1) as pool:
        figures = {}
        for speed, delay in (("fast", 0), ("slow", args.slow_ms)):
            slow_down(sandbox.url, delay)
            for _ in range(3):  # warm: templates compiled, connections pooled
                all_balances_ms(shopper, base, pool)
            figures[speed] = (
                median_run(lambda: first_byte_ms(shopper, f"{base}/wallet"), args.rounds),
                median_run(lambda: first_byte_ms(shopper, f"{base}/wallet?js=0"), args.rounds),
                median_run(lambda: all_balances_ms(shopper, base, pool), args.rounds),
            )
    (page_fast, full_fast, all_fast), (page_slow, full_slow, all_slow) = figures["fast"], figures["slow"]
    print(f"wallet of {cards} cards, card system fast vs every call slowed to {args.slow_ms} ms (median of 3 runs):")
    print(f"  /wallet first byte:        {page_fast:7.1f} ms vs {page_slow:7.1f} ms: ratio {page_slow / page_fast:.2f}")
    print(f"  /wallet?js=0 first byte:   {full_fast:7.1f} ms vs {full_slow:7.1f} ms: ratio {full_slow / full_fast:.2f}")
    print(f"  /wallet + every balance:   {all_fast:7.1f} ms vs {all_slow:7.1f} ms")


if __name__ == "__main__":
    main()
