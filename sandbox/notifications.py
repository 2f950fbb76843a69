"""The host app's notify endpoint: Kabao's signed notifications (a payment settled, a late charge given back).

Each is recorded, and the order it carries is kept, as the host app would keep a status query's answer."""

from __future__ import annotations

import hmac
import json
import time
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox import clock, faults, orders
from sandbox.context import current
from sandbox.db import Database
from sandbox.hostapi import SIGNATURE_HEADER, TIMESTAMP_HEADER, RemoteOrder, sign

bp = Blueprint("notifications", __name__, url_prefix="/sim")
MAX_SKEW_SECONDS = 300


@bp.post("/notify")
def notify() -> Response | tuple[Response, int]:
    """Check the signature, record the notification, acknowledge with {"result": "OK"}."""
    sandbox = current()
    fault = faults.take(sandbox.db, "host", "notify", lambda _conn: None)
    if fault is not None:
        answer = faults.answer_before(fault)
        if answer is not None:
            return answer
    body = request.get_data(cache=True)
    if not _signed(sandbox.host_secret, body):
        return jsonify({"result": "ERROR", "error": {"code": "UNAUTHORIZED"}}), 401
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return jsonify({"result": "ERROR", "error": {"code": "INVALID_REQUEST"}}), 400
    record(sandbox.db, payload)
    _keep_order(sandbox.db, payload)
    return jsonify({"result": "OK"})


def _signed(secret: str, body: bytes) -> bool:
    stamp = request.headers.get(TIMESTAMP_HEADER, "")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not stamp.isascii() or not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_SKEW_SECONDS:
        return False
    path = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
    return given.isascii() and hmac.compare_digest(sign(secret, stamp, "POST", path, body), given)


def record(db: Database, payload: dict[str, Any]) -> None:
    """Keep one received notification (a repeat of the same one is kept again: the host sees retries)."""
    order = payload.get("order") if isinstance(payload.get("order"), dict) else {}
    with db.write() as conn:
        conn.execute(
            "INSERT INTO sim_notifications (received_at, event, merchant_id, order_id, body) VALUES (?, ?, ?, ?, ?)",
            (
                clock.iso(clock.now()),
                str(payload.get("event", "")),
                str(payload.get("merchant_id", "")),
                str(order.get("order_id", "")),
                json.dumps(payload, ensure_ascii=False),
            ),
        )


def _keep_order(db: Database, payload: dict[str, Any]) -> None:
    """Take over the order status a notification carries, for an order this host app has."""
    order, merchant_id = payload.get("order"), payload.get("merchant_id")
    try:
        amounts = (int(order[key]) for key in ("amount", "paid_by_cards", "remainder", "refunded"))
        remote = RemoteOrder(str(order["order_id"]), str(order["status"]), *amounts)
    except (KeyError, TypeError, ValueError):
        return
    if isinstance(merchant_id, str) and orders.find_order(db, merchant_id, remote.order_id) is not None:
        orders.apply_status(db, merchant_id, remote)


def received(db: Database) -> list[dict[str, Any]]:
    """Every notification received, oldest first."""
    rows = db.connection().execute("SELECT id, received_at, event, merchant_id, order_id, body FROM sim_notifications")
    return [{**dict(row), "body": json.loads(row["body"])} for row in rows.fetchall()]
