"""Benchmark of Kabao's costs (issue 12), reported as ratios and medians from one run; run by hand, not in CI.

    .venv/bin/python bench/wallet.py [--rounds 200] [--big 100000] [--no-ledger]

1. Pages/s: the wallet page through the BFF vs. a minimal reference app making the same card-system calls
   in parallel with the same client (bench/reference.py); goal >= 0.8.
2. CPU per card-system call: the BFF's page CPU divided by its calls; one call through the gateway; a bare
   urllib3 pool for comparison (goal <= 0.5 ms).
3. Parallel balances: with every balance call slowed to 300 ms the page takes about one slow call.
4. Bytes on the wire and requests, first and repeat visit, of wallet, card and checkout pages (compressed).
5. Ledger operations at 1,000 and --big paid orders (goal: flat).
Each figure is the median of 3 runs; the machine's load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from card_calls import bare_urllib3, cpu_ms_per_call  # noqa: E402
from kabao_testing import mint_checkout_token, mint_launch_token  # noqa: E402
from ledger_ops import growth  # noqa: E402
from reference import reference_app  # noqa: E402
from wire import visits  # noqa: E402

from bff import create_app  # noqa: E402
from sandbox.runner import start_sandbox  # noqa: E402

COMPLETE = "/wallet?js=0"  # the page rendered with its balances (what the reference app does); bench/ttfb.py: /wallet


def median_of_3(measure) -> float:
    return statistics.median(measure() for _ in range(3))


def pages_per_second(client, rounds: int) -> float:
    start = time.perf_counter()
    for _ in range(rounds):
        assert client.get(COMPLETE).status_code == 200
    return rounds / (time.perf_counter() - start)


def cpu_per_page_ms(client, rounds: int) -> float:
    start = time.process_time()  # the whole process: the balance threads' CPU counts too
    for _ in range(rounds):
        client.get(COMPLETE)
    return (time.process_time() - start) / rounds * 1000


def make_bff(sandbox, tmp: str):
    os.environ["KABAO_MERCHANT_SANDBOX_URL"] = sandbox.url
    os.environ["KABAO_MERCHANT_SANDBOX_API_KEY"] = sandbox.api_key
    os.environ.update(sandbox.keys)
    return create_app(
        {
            "SECRET_KEY": "bench",
            "KABAO_HOST_SECRET": sandbox.host_secret,
            "KABAO_CONFIG_DIR": str(REPO / "wallet_config"),
            "KABAO_STORE_URL": f"sqlite:///{tmp}/store.sqlite3",
            "KABAO_LEDGER_PATH": f"{tmp}/ledger.sqlite3",
            "KABAO_OUTBOUND_SCHEMES": "http",  # the sandbox, on loopback, allowed explicitly
            "KABAO_OUTBOUND_ALLOW": "127.0.0.1",
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--no-ledger", action="store_true")
    args = parser.parse_args()
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with start_sandbox(config_dir=REPO / "wallet_config") as sandbox, tempfile.TemporaryDirectory() as tmp:
        app = make_bff(sandbox, tmp)
        client = app.test_client()
        client.get(f"/launch?token={mint_launch_token(sandbox.host_secret, 'u1001', 'lime-market')}")
        ref = reference_app(f"{sandbox.url}/cs/lime/v1", sandbox.api_key, "u1001").test_client()
        cards = len(re.findall(r'<li id="card-', client.get(COMPLETE).get_data(as_text=True)))
        for warm in (client, ref):
            pages_per_second(warm, 20)

        runs = []  # Kabao and the reference take turns, so a change in the machine's load hits both alike
        for _ in range(3):
            runs.append((pages_per_second(client, args.rounds), pages_per_second(ref, args.rounds)))
        bff_rate, ref_rate = (statistics.median(r[i] for r in runs) for i in (0, 1))
        ratio = statistics.median(b / r for b, r in runs)
        print(f"1. wallet with {cards} cards, {args.rounds} pages x3 (taking turns), one client thread:")
        print(f"   Kabao {bff_rate:.0f} pages/s, reference {ref_rate:.0f} pages/s: ratio {ratio:.2f} (median of 3)")

        calls = 1 + cards
        page_cpu = median_of_3(lambda: cpu_per_page_ms(client, args.rounds))
        services = app.extensions["kabao"]
        gateway = services.gateways.for_merchant(services.registry.get("lime-market"))
        card_id = gateway.list_cards("u1001")[0].card_id
        one = cpu_ms_per_call(lambda: gateway.card_detail("u1001", card_id))
        url = f"{sandbox.url}/cs/lime/v1/users/u1001/cards/{card_id}"
        bare = cpu_ms_per_call(bare_urllib3(url, {"Authorization": f"Bearer {sandbox.api_key}"}))
        print(
            f"2. CPU: {page_cpu:.2f} ms per wallet page = {page_cpu / calls:.2f} ms per card-system call (page/{calls})"
        )
        print(f"   one card_detail through the gateway: {one:.2f} ms CPU; bare urllib3 pool: {bare:.2f} ms CPU")
        print("   (the sandbox closes every connection; kept-alive figures: bench/card_calls.py)")

        slow_ms = 300
        requests.post(
            f"{sandbox.url}/_sandbox/faults",
            json={"system": "lime", "op": "card_detail", "mode": "latency", "delay_ms": slow_ms},
            timeout=5,
        ).raise_for_status()
        slow = []
        for _ in range(5):
            t0 = time.perf_counter()
            client.get(COMPLETE)
            slow.append((time.perf_counter() - t0) * 1000)
        requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)
        print(f"3. every balance call slowed to {slow_ms} ms: page p50 {statistics.median(slow):.0f} ms")

        html = client.get(COMPLETE).get_data(as_text=True)
        card_page = re.search(r'href="(/cards/[^"]+)"', html).group(1)
        token = mint_checkout_token(
            sandbox.host_secret, "u1001", "lime-market", f"B-{uuid.uuid4().hex[:8]}", 12800, f"{sandbox.url}/sim/return"
        )
        checkout_page = client.get(f"/checkout?token={token}").headers["Location"]
        print("4. bytes on the wire (Accept-Encoding: gzip, deflate, br, zstd), page + what it links to:")
        for name, path in (("wallet", "/wallet"), ("card", card_page), ("checkout", checkout_page)):
            first, first_n, repeat, repeat_n = visits(client, path)
            print(f"   {name}: first visit {first:,} B in {first_n} requests; repeat {repeat:,} B in {repeat_n}")

        if not args.no_ledger:
            print("5. " + growth(app, big=args.big))
        services.close()


if __name__ == "__main__":
    main()
