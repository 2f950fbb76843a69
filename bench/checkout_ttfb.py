"""Checkout first byte with a slow card system (issue 12): run by hand, not in CI.

    .venv/bin/python bench/checkout_ttfb.py [--cards 8] [--slow-ms 1500] [--rounds 7] [--turn-rounds 40]

Like bench/ttfb.py, for the checkout page: one shopper with --cards cards opens one order, and the time to
the first byte of `/checkout/<id>` is measured with a fast card system and with every card-system call
slowed to --slow-ms. Goal: slow ÷ fast <= 1.2 for the page a browser with JS gets (drawn at once, the cards'
balances loaded by one htmx fragment). The complete render that browsers without JS are refreshed to
(`?js=0`, what the page was before) is printed beside it, and how long page + balances fragment take in all
(each the median of 3 runs of the median of --rounds requests). The drawn page's first byte is a few ms either
way, so fast and slow take turns (3 runs of --turn-rounds requests each, the card system set and the page's
fragment loaded before each turn) and the BFF's CPU per page is printed with the quartiles: a difference in
work would show in the CPU, a difference in noise only in the spread.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from kabao_testing import mint_checkout_token  # noqa: E402
from stack import cpu_seconds, listening_pid  # noqa: E402
from ttfb import MERCHANT, USER, first_byte_ms, launched_shopper, median_run, options, slow_down  # noqa: E402

FRAGMENT = re.compile(r'hx-get="(/checkout/[^"]+/cards)" hx-trigger="load"')


def page_and_balances_ms(shopper: requests.Session, url: str) -> float:
    """The page, then the fragment it loads (if it loads one): when the pay form is usable."""
    start = time.perf_counter()
    html = shopper.get(url, timeout=30).text
    for path in FRAGMENT.findall(html):
        shopper.get(url.split("/checkout/")[0] + path, headers={"HX-Request": "true"}, timeout=30)
    return (time.perf_counter() - start) * 1000


def open_order(shopper: requests.Session, base: str, host_secret: str, sandbox_url: str) -> str:
    """The host app opens a checkout for the shopper; its page URL."""
    order_id = f"B-{uuid.uuid4().hex[:10]}"
    token = mint_checkout_token(host_secret, USER, MERCHANT, order_id, 100, f"{sandbox_url}/sim/return")
    answer = shopper.get(f"{base}/checkout?token={token}", allow_redirects=False, timeout=30)
    answer.raise_for_status()
    return base + answer.headers["Location"]


def first_paint_turns(shopper: requests.Session, page: str, sandbox_url: str, slow_ms: int, rounds: int) -> dict:
    """The drawn page's first byte, fast and slow taking turns (3 runs of `rounds` requests each), and the BFF's CPU.

    Before each turn the card system is set and the page + its fragment loaded once (with a slow system that
    takes its slow calls), so each state is what a shopper leaves behind. Per state: the median first byte, its
    quartiles over every request, and the BFF's CPU per page; and the median of the 3 runs' slow ÷ fast ratios.
    """
    pid = listening_pid(page.split("/checkout/")[0])
    seen: dict[str, list[float]] = {"fast": [], "slow": []}
    cpu: dict[str, float] = {"fast": 0.0, "slow": 0.0}
    ratios = []
    for _ in range(3):
        medians = {}
        for speed, delay in (("fast", 0), ("slow", slow_ms)):
            slow_down(sandbox_url, delay)
            page_and_balances_ms(shopper, page)
            start = cpu_seconds(pid)
            times = [first_byte_ms(shopper, page) for _ in range(rounds)]
            cpu[speed] += cpu_seconds(pid) - start
            seen[speed] += times
            medians[speed] = statistics.median(times)
        ratios.append(medians["slow"] / medians["fast"])
    slow_down(sandbox_url, 0)
    figures = {s: (statistics.median(t), *statistics.quantiles(t, n=4)[::2]) for s, t in seen.items()}
    return {
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "cpu_ms": {s: c * 1000 / (3 * rounds) for s, c in cpu.items()},
        **figures,
    }


def main() -> None:
    args = options(__doc__, turns=True)
    with launched_shopper(args.cards) as (sandbox, base, shopper, cards):
        page = open_order(shopper, base, sandbox.host_secret, sandbox.url)
        for _ in range(3):  # warm: templates compiled, connections pooled
            page_and_balances_ms(shopper, page)
        turns = first_paint_turns(shopper, page, sandbox.url, args.slow_ms, args.turn_rounds)
        figures = {}
        for speed, delay in (("fast", 0), ("slow", args.slow_ms)):
            slow_down(sandbox.url, delay)
            figures[speed] = (
                median_run(lambda: first_byte_ms(shopper, f"{page}?js=0"), args.rounds),
                median_run(lambda: page_and_balances_ms(shopper, page), args.rounds),
            )
    (full_fast, all_fast), (full_slow, all_slow) = figures["fast"], figures["slow"]
    print(f"checkout of {cards} cards, card system fast vs every call slowed to {args.slow_ms} ms:")
    print(f"  /checkout/<id> first byte, fast and slow taking turns, 3 runs of {args.turn_rounds} requests each:")
    for speed in ("fast", "slow"):
        median, low, high = turns[speed]
        cpu = turns["cpu_ms"][speed]
        print(f"    {speed}: median {median:.2f} ms (quartiles {low:.2f}-{high:.2f} ms), BFF CPU {cpu:.2f} ms per page")
    each = ", ".join(f"{r:.2f}" for r in turns["ratios"])
    print(f"    ratio slow ÷ fast: {turns['ratio']:.2f} (runs: {each}; goal <= 1.2)")
    print("  (median of 3 runs of the median of --rounds requests:)")
    ratio = full_slow / full_fast
    print(f"  {'/checkout/<id>?js=0 first byte:':31} {full_fast:7.1f} ms vs {full_slow:7.1f} ms: ratio {ratio:.2f}")
    print(f"  {'page + balances fragment:':31} {all_fast:7.1f} ms vs {all_slow:7.1f} ms")


if __name__ == "__main__":
    main()
