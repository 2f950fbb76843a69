"""Injected faults: stored, matched by system + op (+ card), consumed by count, applied."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from flask import Response

from sandbox.db import Database

OPS = (
    "*",
    "bind",
    "list_cards",
    "card_detail",
    "transactions",
    "unbind",
    "sms",
    "pay",
    "payment_status",
    "reverse",
    "refund",
    "notify",  # system "host": the host app's notify endpoint (/sim/notify)
)
MODES = (
    "latency",
    "error_5xx",
    "malformed",
    "decline_insufficient",
    "processing",
    "drop_response",
    "bad_signature",  # a dialect that signs its answers signs this one wrongly (the operation still happens)
    "stale_signature",  # a dialect that stamps its signed answers stamps this one 10 minutes old (validly signed)
    "refund_processing",  # signed_json: the refund happens but answers PROCESSING; asked again it says SUCCESS
)
PAY_ONLY_MODES = ("decline_insufficient", "processing")
REFUND_ONLY_MODES = ("refund_processing",)
STALE_SECONDS = 600
DEFAULT_DELAY_MS = {"latency": 1000, "processing": 2000, "drop_response": 0}
MAX_DELAY_MS = 120_000
MALFORMED_BODY = '{"result": "OK", "card": {"card_id": '
DROPPED_BODY = "<html><body><h1>502 Bad Gateway</h1></body></html>"


@dataclass(frozen=True)
class Fault:
    """One fault rule; count None means every matching request."""

    system: str
    op: str
    mode: str
    card_id: str | None = None
    delay_ms: int | None = None
    count: int | None = None
    id: int | None = None

    @property
    def effective_delay_ms(self) -> int:
        """The fault's delay, or its mode's default."""
        return self.delay_ms if self.delay_ms is not None else DEFAULT_DELAY_MS.get(self.mode, 0)

    def to_json(self) -> dict[str, Any]:
        """The fault as the admin API shows it."""
        return asdict(self)


def parse_fault(data: Any) -> Fault:
    """Check a fault from the admin API or the simulator form; ValueError says what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("a fault is a JSON object")
    system, op, mode = data.get("system"), data.get("op", "*"), data.get("mode")
    if not isinstance(system, str) or not system:
        raise ValueError("system is required")
    if op not in OPS:
        raise ValueError(f"op must be one of {', '.join(OPS)}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if mode in PAY_ONLY_MODES and op not in ("pay", "*"):
        raise ValueError(f"mode {mode} applies to pay only")
    if mode in REFUND_ONLY_MODES and op not in ("refund", "*"):
        raise ValueError(f"mode {mode} applies to refund only")
    card_id = data.get("card_id") or None
    if card_id is not None and not isinstance(card_id, str):
        raise ValueError("card_id must be a string")
    delay_ms, count = data.get("delay_ms"), data.get("count")
    if delay_ms is not None and not _int_in(delay_ms, 0, MAX_DELAY_MS):
        raise ValueError(f"delay_ms must be an integer from 0 to {MAX_DELAY_MS}")
    if count is not None and not _int_in(count, 1, 10**6):
        raise ValueError("count must be a positive integer")
    return Fault(system, op, mode, card_id, delay_ms, count)


def add(db: Database, fault: Fault) -> Fault:
    """Store a fault; answer it with its id."""
    with db.write() as conn:
        cursor = conn.execute(
            "INSERT INTO faults (system, op, card_id, mode, delay_ms, count) VALUES (?, ?, ?, ?, ?, ?)",
            (fault.system, fault.op, fault.card_id, fault.mode, fault.delay_ms, fault.count),
        )
        return Fault(**{**asdict(fault), "id": cursor.lastrowid})


def list_faults(db: Database) -> list[Fault]:
    """Every active fault, oldest first."""
    rows = db.connection().execute("SELECT * FROM faults ORDER BY id").fetchall()
    return [_fault(row) for row in rows]


def remove(db: Database, fault_id: int) -> bool:
    """Remove one fault; False when there is no such fault (already used up or removed)."""
    with db.write() as conn:
        return conn.execute("DELETE FROM faults WHERE id = ?", (fault_id,)).rowcount > 0


def clear(db: Database) -> None:
    """Remove every fault."""
    with db.write() as conn:
        conn.execute("DELETE FROM faults")


def take(
    db: Database, system: str, op: str, card_of_request: Callable[[sqlite3.Connection], str | None]
) -> Fault | None:
    """The oldest fault matching this request, with one use consumed (atomically)."""
    if db.connection().execute("SELECT 1 FROM faults LIMIT 1").fetchone() is None:
        return None
    with db.write() as conn:
        rows = conn.execute(
            "SELECT * FROM faults WHERE system = ? AND op IN (?, '*') ORDER BY id", (system, op)
        ).fetchall()
        card_id: str | None = None
        looked_up = False
        for row in rows:
            if (row["mode"] in PAY_ONLY_MODES and op != "pay") or (row["mode"] in REFUND_ONLY_MODES and op != "refund"):
                continue
            if row["card_id"] is not None:
                if not looked_up:
                    card_id, looked_up = card_of_request(conn), True
                if row["card_id"] != card_id:
                    continue
            if row["count"] is None:
                pass
            elif row["count"] <= 1:
                conn.execute("DELETE FROM faults WHERE id = ?", (row["id"],))
            else:
                conn.execute("UPDATE faults SET count = count - 1 WHERE id = ?", (row["id"],))
            return _fault(row)
    return None


def answer_before(fault: Fault) -> Response | None:
    """Apply a fault that acts before the operation; a Response replaces the answer."""
    if fault.mode == "latency":
        time.sleep(fault.effective_delay_ms / 1000)
    elif fault.mode == "error_5xx":
        return Response("Internal Server Error (sandbox fault)\n", 500, mimetype="text/plain")
    elif fault.mode == "malformed":
        return Response(MALFORMED_BODY, 200, mimetype="application/json")
    return None


def answer_after(fault: Fault) -> Response | None:
    """Apply a fault that acts after the operation: drop_response loses the answer."""
    if fault.mode != "drop_response":
        return None
    time.sleep(fault.effective_delay_ms / 1000)
    return Response(DROPPED_BODY, 502, mimetype="text/html")


def corrupts_signature(fault: Fault | None) -> bool:
    """Whether a dialect that signs its answers must sign this one wrongly (the answer itself is unchanged)."""
    return fault is not None and fault.mode == "bad_signature"


def answer_age(fault: Fault | None) -> int:
    """How many seconds old a dialect that stamps its signed answers must say this one is."""
    return STALE_SECONDS if fault is not None and fault.mode == "stale_signature" else 0


def _fault(row: sqlite3.Row) -> Fault:
    return Fault(
        system=row["system"],
        op=row["op"],
        mode=row["mode"],
        card_id=row["card_id"],
        delay_ms=row["delay_ms"],
        count=row["count"],
        id=row["id"],
    )


def _int_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
