"""The ledger stays fast as it grows: reconcile, refunds and the order-status API do the same work at any size.

Work is counted in SQLite virtual-machine steps (a progress handler), not in time, so the load of the machine
doesn't matter: a query that reads every row ever written shows up as steps growing with the ledger.
"""

from __future__ import annotations

from ledger_rows import add_settled_orders
from test_refunds import call, paid, refund  # noqa: F401 - paid is a fixture

from bff.checkout.reconcile import reconcile

STEP = 10  # the handler is called every STEP instructions


def work(conn, action) -> int:
    """SQLite instructions (in tens) run on this thread's ledger connection by action."""
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    conn.set_progress_handler(tick, STEP)
    try:
        action()
    finally:
        conn.set_progress_handler(None, STEP)
    return counted[0]


def test_reconcile_refunds_and_order_status_cost_the_same_in_a_big_ledger(app, client, paid):  # noqa: F811
    services = app.extensions["kabao"]
    conn = services.ledger.db.sqlite.connection()  # this thread's: the test client and the pass run here
    secret = app.config["KABAO_HOST_SECRET"]
    status_path = f"/api/v1/orders/peach-bakery/{paid.order_id}"

    def costs() -> dict[str, int]:
        return {
            "refund": work(conn, lambda: refund(client, paid, 100)),
            "order status": work(conn, lambda: call(client, secret, "GET", status_path)),
            "reconcile pass": work(conn, lambda: reconcile(services, window=900)),
        }

    small = costs()
    add_settled_orders(services.ledger.db, 3000)
    big = costs()
    for what, steps in small.items():
        assert big[what] <= steps * 1.5 + 20, (what, small, big)  # flat, not 3,000 rows more
