"""Checkout first byte with a slow card system (issue 12): run by hand, not in CI.

    .venv/bin/python bench/checkout_ttfb.py [--cards 8] [--slow-ms 1500] [--rounds 7]

Like bench/ttfb.py, for the checkout page: one shopper with --cards cards opens one order, and the time to
the first byte of `/checkout/<id>` is measured with a fast card system and with every card-system call
slowed to --slow-ms. Goal: slow ÷ fast <= 1.2 for the page a browser with JS gets (drawn at once, the cards'
balances loaded by one htmx fragment). The complete render that browsers without JS are refreshed to
(`?js=0`, what the page was before) is printed beside it, and how long page + balances fragment take in all.
Each figure is the median of 3 runs of the median of --rounds requests.
"""

from __future__ import annotations

import re
import sys
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from kabao_testing import mint_checkout_token  # noqa: E402
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


def main() -> None:
    args = options(__doc__)
    with launched_shopper(args.cards) as (sandbox, base, shopper, cards):
        page = open_order(shopper, base, sandbox.host_secret, sandbox.url)
        figures = {}
        for speed, delay in (("fast", 0), ("slow", args.slow_ms)):
            slow_down(sandbox.url, delay)
            for _ in range(3):  # warm: templates compiled, connections pooled
                page_and_balances_ms(shopper, page)
            figures[speed] = (
                median_run(lambda: first_byte_ms(shopper, page), args.rounds),
                median_run(lambda: first_byte_ms(shopper, f"{page}?js=0"), args.rounds),
                median_run(lambda: page_and_balances_ms(shopper, page), args.rounds),
            )
    (page_fast, full_fast, all_fast), (page_slow, full_slow, all_slow) = figures["fast"], figures["slow"]
    print(f"checkout of {cards} cards, card system fast vs every call slowed to {args.slow_ms} ms (median of 3 runs):")
    for label, fast, slow in (("/checkout/<id>", page_fast, page_slow), ("/checkout/<id>?js=0", full_fast, full_slow)):
        print(f"  {label + ' first byte:':31} {fast:7.1f} ms vs {slow:7.1f} ms: ratio {slow / fast:.2f}")
    print(f"  {'page + balances fragment:':31} {all_fast:7.1f} ms vs {all_slow:7.1f} ms")


if __name__ == "__main__":
    main()
