"""Benchmark of the wallet page against DESIGN.md's budgets, reported as ratios from one run.

    .venv/bin/python bench/wallet.py [--rounds 200]

1. BFF overhead: the wallet page through the BFF vs. the same card-system calls made directly.
2. Parallel balances: with every balance call slowed to 300 ms, the page takes about one slow call, not four.
3. Size: the wallet HTML, raw and gzip-compressed (budget: one round trip, ~14 KB compressed).
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from itsdangerous import URLSafeTimedSerializer

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bff import create_app  # noqa: E402
from sandbox.runner import start_sandbox  # noqa: E402


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with start_sandbox(config_dir=REPO / "wallet_config") as sandbox, tempfile.TemporaryDirectory() as tmp:
        import os

        os.environ["KABAO_MERCHANT_SANDBOX_URL"] = sandbox.url
        os.environ["KABAO_MERCHANT_SANDBOX_API_KEY"] = sandbox.api_key
        app = create_app(
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
        client = app.test_client()
        payload = {"sub": "u1001", "mch": "lime-market", "aud": "kabao-wallet", "nonce": uuid.uuid4().hex}
        token = URLSafeTimedSerializer(sandbox.host_secret, salt="kabao.launch").dumps(payload)
        client.get(f"/launch?token={token}")

        direct = requests.Session()
        direct.headers["Authorization"] = f"Bearer {sandbox.api_key}"
        base = f"{sandbox.url}/cs/lime/v1/users/u1001/cards"
        card_ids = [c["card_id"] for c in direct.get(base, timeout=5).json()["cards"]]

        def calls_alone() -> None:
            direct.get(base, timeout=5)
            for card_id in card_ids:
                direct.get(f"{base}/{card_id}", timeout=5)

        def page() -> bytes:
            response = client.get("/wallet")
            assert response.status_code == 200
            return response.data

        for warm in (calls_alone, page):
            for _ in range(20):
                warm()
        alone, through = [], []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            calls_alone()
            t1 = time.perf_counter()
            html = page()
            t2 = time.perf_counter()
            alone.append(t1 - t0)
            through.append(t2 - t1)
        print(f"wallet with {len(card_ids)} cards, {args.rounds} rounds, p50:")
        print(f"  card-system calls made directly, one after another: {p50(alone):.1f} ms")
        print(f"  the wallet page through the BFF (calls in parallel, page rendered): {p50(through):.1f} ms")
        print(f"  ratio BFF page / direct calls: {p50(through) / p50(alone):.2f}")

        slow_ms = 300
        requests.post(
            f"{sandbox.url}/_sandbox/faults",
            json={"system": "lime", "op": "card_detail", "mode": "latency", "delay_ms": slow_ms},
            timeout=5,
        ).raise_for_status()
        slow = []
        for _ in range(5):
            t0 = time.perf_counter()
            page()
            slow.append(time.perf_counter() - t0)
        requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5)
        ratio = p50(slow) / slow_ms
        print(f"every balance call slowed to {slow_ms} ms: page p50 {p50(slow):.0f} ms = {ratio:.2f}x one slow call")
        print(f"  (one after another it would be about {len(card_ids)}x)")

        print(f"wallet HTML: {len(html)} bytes, {len(gzip.compress(html))} bytes gzip (budget ~14,000 compressed)")
        app.extensions["kabao"].close()


if __name__ == "__main__":
    main()
