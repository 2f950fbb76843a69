"""What the dialect faces share: the card system in the path, faults by op name, formats and masks."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Response, g, request

from sandbox import cards, clock, faults, payments
from sandbox.context import CardSystem, card_system, current
from sandbox.errors import CardError, invalid, require_text
from sandbox.seed import SYSTEM_ID, ensure_system

MAX_AMOUNT = 10**15  # fen: far above every limit, far inside SQLite's integer range


def check_system_id(system: str) -> None:
    """Refuse a card system id the sandbox would not provision."""
    if not SYSTEM_ID.match(system):
        raise invalid("a card system id is 1-64 letters, digits, '_' or '-'")


def open_system(system: str) -> CardSystem:
    """The card system named in the path, provisioned on first use like the standard API's."""
    sandbox = current()
    ensure_system(sandbox.db, sandbox.seed, system)
    return card_system(system)


def inject_faults(card_of_request: Callable[[sqlite3.Connection], str | None]) -> Response | None:
    """Take this request's fault (a view is named by its fault op) and apply what acts before the operation."""
    op = (request.endpoint or "").rpartition(".")[2]
    g.fault = faults.take(current().db, g.cs.id, op, card_of_request)
    return faults.answer_before(g.fault) if g.fault else None


def drop_response(response: Response) -> Response:
    """Lose the answer when the request's fault says so (the operation already happened)."""
    fault = g.get("fault")
    return (faults.answer_after(fault) if fault else None) or response


def pay_faults() -> dict[str, Any]:
    """The pay options this request's fault asks for: a forced decline, or a processing delay."""
    fault = g.get("fault")
    return {
        "force_decline": bool(fault and fault.mode == "decline_insufficient"),
        "processing_ms": fault.effective_delay_ms if fault and fault.mode == "processing" else None,
    }


def card_number(cs: CardSystem, card_id: str) -> str:
    """The full number of a card the core just answered about."""
    return cards.card_by_id(current().db.connection(), cs.id, card_id)["card_number"]


def card_id_of_number(conn: sqlite3.Connection, cs: CardSystem, number: Any) -> str | None:
    """The id of the card with this number, for faults that name a card."""
    card = cards.card_by_number(conn, cs.id, number) if isinstance(number, str) else None
    return None if card is None else card["card_id"]


def masked(number: str, head: int) -> str:
    """The number with all but its first `head` and last four characters starred."""
    return number[:head] + "*" * (len(number) - head - 4) + number[-4:]


def compact_time(moment: str) -> str:
    """An RFC 3339 time as yyyyMMddHHmmss in Asia/Shanghai (+08:00 all year)."""
    return datetime.fromisoformat(moment).astimezone(clock.CST).strftime("%Y%m%d%H%M%S")


def compact_date(day: str) -> str:
    """A YYYY-MM-DD date as yyyyMMdd."""
    return day.replace("-", "")


def page_size(value: Any, name: str) -> int:
    """A page size from 1 to the standard API's maximum, the standard default when absent."""
    if value is None or value == "":
        return cards.DEFAULT_PAGE
    if not (isinstance(value, str) and value.isascii() and value.isdigit()) or not 1 <= int(value) <= cards.MAX_PAGE:
        raise invalid(f"{name} must be an integer from 1 to {cards.MAX_PAGE}")
    return int(value)


def fen(value: Any, name: str) -> int:
    """A positive whole amount in fen (never a float, a string or a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_AMOUNT:
        raise invalid(f"{name} must be a positive integer in fen")
    return value


def need(name: str) -> str:
    """A required text field of the request's parameters (g.params, set by a flat-params dialect)."""
    return require_text(g.params, name)


def optional(name: str) -> str | None:
    """An optional text field of the request's parameters (g.params)."""
    return require_text(g.params, name, optional=True)


def refund_by_out_refund_no(amount: int) -> dict[str, Any]:
    """Refund part of the trade `out_trade_no` once per `out_refund_no` (the flat-params dialects' refund)."""
    body = {"refund_id": need("out_refund_no"), "amount": amount}
    try:
        return payments.refund(current().db, g.cs, need("out_trade_no"), body)
    except CardError as error:
        if error.code == "DUPLICATE":
            raise CardError("DUPLICATE", "out_refund_no was used for another trade or amount") from None
        raise
