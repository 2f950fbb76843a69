"""Sandbox time: RFC 3339 strings in China Standard Time (+08:00)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

CST = timezone(timedelta(hours=8))


def now() -> datetime:
    """The current time in +08:00, to the second."""
    return datetime.now(CST).replace(microsecond=0)


def iso(moment: datetime) -> str:
    """Format a time as RFC 3339 with its offset, e.g. 2026-11-25T12:00:00+08:00."""
    return moment.astimezone(CST).replace(microsecond=0).isoformat()


def today() -> date:
    """Today's date in +08:00."""
    return now().date()


def now_ms() -> int:
    """Milliseconds since the epoch, for deadlines (SMS expiry, PROCESSING settlement)."""
    return time.time_ns() // 1_000_000
