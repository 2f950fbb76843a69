"""Ledger operations at a small and a big ledger: the order-status API, a refund's bookkeeping, a reconcile pass."""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from pathlib import Path

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from ledger_rows import add_settled_orders  # noqa: E402

from bff.checkout.reconcile import reconcile  # noqa: E402
from bff.security.signatures import sign_request  # noqa: E402


def _ms(action, rounds: int) -> float:
    samples = []
    for n in range(rounds):
        start = time.perf_counter()
        action(n)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def measure(app: Flask, rounds: int = 30) -> dict[str, float]:
    """Median ms of each operation on the app's ledger as it is now (its bulk orders must exist)."""
    services = app.extensions["kabao"]
    client = app.test_client()
    secret = app.config["KABAO_HOST_SECRET"]

    def order_status(n: int) -> None:
        path = f"/api/v1/orders/peach-bakery/O-bulk{n:08d}"
        ts = str(int(time.time()))
        headers = {"X-Kabao-Timestamp": ts, "X-Kabao-Signature": sign_request(secret, ts, "GET", path, b"")}
        assert client.get(path, headers=headers).status_code == 200

    def refund_booked(n: int) -> None:  # the refund's rows only, not the card-system call
        services.refunds.start("peach-bakery", f"O-bulk{n:08d}", uuid.uuid4().hex[:12], 1, "last_paid_first")

    found = {
        "reconcile pass (nothing due)": _ms(lambda _n: reconcile(services, window=900), 5),
        "order status API": _ms(order_status, rounds),
        "refund bookkeeping": _ms(refund_booked, rounds),
    }
    with services.ledger.db.write() as tx:  # the bench's refunds are never sent: nothing is left due
        tx.execute("UPDATE refund_legs SET status = 'FAILED' WHERE status = 'PENDING'")
    return found


def growth(app: Flask, small: int = 1_000, big: int = 100_000) -> str:
    db = app.extensions["kabao"].ledger.db
    add_settled_orders(db, small)
    at_small = measure(app)
    start = time.perf_counter()
    add_settled_orders(db, big, first=small)
    filled = time.perf_counter() - start
    at_big = measure(app)
    lines = [f"ledger operations, median ms, at {small:,} and {big:,} paid orders (filled in {filled:.0f} s):"]
    for what, ms in at_small.items():
        lines.append(f"  {what}: {ms:.2f} -> {at_big[what]:.2f} ({at_big[what] / ms:.2f}x)")
    return "\n".join(lines)
