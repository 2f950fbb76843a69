"""What bench/load.py reports: locust's stats per step, the money check, server errors, and the tables."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bff.ledger_db import open_ledger_db

ALL = "all steps"
RESENT = "resent: "  # bench/locustfile.py's rows of requests resent on a kept-alive connection found closed


@dataclass(frozen=True)
class Step:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


@dataclass(frozen=True)
class Money:
    paid_orders: int
    paid_fen: int
    charged_orders: int
    charged_fen: int
    charged_twice: int
    unsettled: int
    mismatched: int  # orders charged but not paid in the ledger, or paid but not charged

    @property
    def ok(self) -> bool:
        return (self.paid_orders, self.paid_fen, self.charged_twice, self.mismatched) == (
            self.charged_orders,
            self.charged_fen,
            0,
            0,
        )


@dataclass
class Outcome:
    title: str
    steps: list[Step]
    failures: list[tuple[str, str, int]]
    money: Money
    server_errors: list[str]
    cpu: dict[str, float] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)
    seconds: float = 1.0  # how long the shoppers ran

    @property
    def total(self) -> Step:
        return next(s for s in self.steps if s.name == ALL)

    @property
    def clean(self) -> bool:
        return self.total.requests > 0 and self.total.failures == 0 and self.money.ok and not self.server_errors


def read_stats(path: Path) -> tuple[list[Step], list[tuple[str, str, int]]]:
    """Steps (the aggregate last, named ALL) and failures (step, error, times) as bench/locustfile.py wrote them."""
    if not path.exists():
        return [Step(ALL, 0, 0, 0.0, 0.0, 0.0, 0.0)], [("locust", "wrote no stats (see its log)", 1)]
    data = json.loads(path.read_text(encoding="utf-8"))
    steps = [
        Step(s["name"], s["requests"], s["failures"], s["rps"], s["p50"] or 0, s["p95"] or 0, s["p99"] or 0)
        for s in data["steps"]
    ]
    return steps, sorted(((e["name"], e["error"], e["times"]) for e in data["errors"]), key=lambda f: -f[2])


def unsettled(ledger_url: str, run: str) -> int:
    """This run's checkouts still waiting for a card system's verdict (a worker settles them)."""
    db = open_ledger_db(ledger_url)
    try:
        sql = "SELECT COUNT(*) AS n FROM checkouts WHERE order_id LIKE ? AND status IN ('PROCESSING', 'PENDING')"
        return db.row(sql, (f"{run}-%",))["n"]
    finally:
        db.close()


def money_check(ledger_url: str, sandbox_url: str, system: str, run: str) -> Money:
    """Charges the sandbox recorded for this run's orders against the orders the ledger has as paid."""
    db = open_ledger_db(ledger_url)
    try:
        rows = db.rows("SELECT order_id, amount, status FROM checkouts WHERE order_id LIKE ?", (f"{run}-%",))
    finally:
        db.close()
    paid = {r["order_id"]: r["amount"] for r in rows if r["status"] == "PAID"}
    unsettled = sum(1 for r in rows if r["status"] in ("PROCESSING", "PENDING"))
    response = requests.get(f"{sandbox_url}/_sandbox/systems/{system}/payments", timeout=30)
    response.raise_for_status()
    charges = [
        p for p in response.json()["payments"] if p["order_id"].startswith(f"{run}-") and p["status"] == "SUCCEEDED"
    ]
    per_order = Counter(p["order_id"] for p in charges)
    charged_fen: Counter[str] = Counter()
    for p in charges:
        charged_fen[p["order_id"]] += p["amount"]
    mismatched = sum(1 for o in set(paid) | set(per_order) if paid.get(o, 0) != charged_fen.get(o, 0))
    return Money(
        paid_orders=len(paid),
        paid_fen=sum(paid.values()),
        charged_orders=len(per_order),
        charged_fen=sum(charged_fen.values()),
        charged_twice=sum(1 for n in per_order.values() if n > 1),
        unsettled=unsettled,
        mismatched=mismatched,
    )


_STAMP = re.compile(r"^\[[^]]*\] (\[\d+\] )?|^\d{4}-\d\d-\d\d[ T][\d:,.]+ ")
_PROBLEMS = r"Traceback|\bERROR\b|CRITICAL|WORKER TIMEOUT|SIGKILL|Worker exiting|PoolTimeout|OperationalError"
_PROBLEM = re.compile(rf"^.*({_PROBLEMS}|item\(s\) failed).*$", re.M)


def server_errors(logs: list[str]) -> list[str]:
    """The distinct problem lines the instances logged (tracebacks, errors, worker timeouts), with counts."""
    lines = [m.group(0).strip() for log in logs for m in _PROBLEM.finditer(log)]
    seen = Counter(_STAMP.sub("", line) for line in lines)
    return [f"{n}× {line[:160]}" for line, n in seen.most_common(8)]


def print_outcome(outcome: Outcome) -> None:
    print(f"\n== {outcome.title}")
    print("(req/s counts answers within the run time; the other columns also count orders finished after it)")
    print(f"{'step':<18}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}")
    for s in outcome.steps:
        if s.name.startswith(RESENT):
            continue
        print(f"{s.name:<18}{s.requests:>9}{s.failures:>8}{s.rps:>8.1f}{s.p50:>8.0f}{s.p95:>8.0f}{s.p99:>8.0f}")
    resent = ", ".join(
        f"{s.name.removeprefix(RESENT)} {s.requests}" for s in outcome.steps if s.name.startswith(RESENT)
    )
    if resent:
        print(f"  resent once after the server closed an idle kept-alive connection (not errors): {resent}")
    for step, error, times in outcome.failures[:8]:
        print(f"  error {times}× {step}: {error[:140]}")
    m = outcome.money
    verdict = "OK" if m.ok else "MISMATCH"
    print(
        f"money: ledger {m.paid_orders} paid orders ({m.paid_fen} fen, {m.paid_orders / outcome.seconds:.1f}/s),"
        f" sandbox {m.charged_orders} charged"
        f" ({m.charged_fen} fen), charged twice {m.charged_twice}, mismatched {m.mismatched},"
        f" unsettled {m.unsettled}: {verdict}"
    )
    for line in outcome.server_errors:
        print(f"  server log: {line}")
    cpu = ", ".join(f"{name} {seconds:.1f}" for name, seconds in outcome.cpu.items())
    print(f"CPU seconds during the run: {cpu}; load average {outcome.load[0]:.1f} before, {outcome.load[1]:.1f} after")


def print_ratios(two: Outcome, one: Outcome) -> None:
    a, b = two.total, one.total

    def ratio(x: float, y: float) -> str:
        return f"{x / y:.2f}" if y else "n/a"

    print(f"\n== ratios: {two.title} ÷ {one.title}")
    print(
        f"req/s {ratio(a.rps, b.rps)}, p50 {ratio(a.p50, b.p50)}, p95 {ratio(a.p95, b.p95)}, p99 {ratio(a.p99, b.p99)}"
    )
    print(f"paid orders {ratio(two.money.paid_orders, one.money.paid_orders)} (same run time)")
