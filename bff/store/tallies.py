"""Counts every BFF process adds to in the shared store, for the ops dashboard: card-system calls and binds.

Calls are counted per merchant and minute (ok: the card system answered; failed: no usable answer), kept a
little over an hour; binds per merchant and day in the merchant's zone, kept two days. A count that can't
be written is lost, never a reason to fail the shopper's request.

A card call must not wait for a store write (one SQLite write took ~3 ms here, more than the BFF's whole
overhead budget), so each process adds its calls up in memory and writes them in one go at most every
FLUSH_SECONDS: the dashboard sees its own process's calls at once and other processes' within that time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bff.store.base import Store, StoreUnavailable

log = logging.getLogger(__name__)
UNCAPPED = 2**62  # a counter is a reservation nobody runs out of: the store's atomic count with expiry
MINUTES = 60  # the error rate's window
CALLS_KEPT = (MINUTES + 5) * 60
BINDS_KEPT = 2 * 86400
FLUSH_SECONDS = 5.0


@dataclass(frozen=True)
class Calls:
    """A merchant's card-system calls in the last hour, from every process."""

    total: int
    failed: int

    @property
    def failed_percent(self) -> int | None:
        return None if self.total == 0 else round(100 * self.failed / self.total)


class Tallies:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store, self.clock = store, clock
        self._lock = threading.Lock()
        self._pending: Counter[str] = Counter()  # this process's calls not yet written
        self._flushed_at = clock()

    def _add(self, key: str, kept: int) -> None:
        try:
            self.store.reserve(key, UNCAPPED, kept)
        except StoreUnavailable:
            log.warning("tally %s not counted: the store is unavailable", key.split(":", 1)[0])

    def call(self, merchant_id: str, ok: bool) -> None:
        now = self.clock()
        with self._lock:
            self._pending[f"calls:{merchant_id}:{int(now // 60)}:{'ok' if ok else 'failed'}"] += 1
            due = now - self._flushed_at >= FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        """Write this process's counted calls to the store (dropped, with a warning, when it is unavailable)."""
        with self._lock:
            pending, self._pending, self._flushed_at = self._pending, Counter(), self.clock()
        try:
            self.store.add_counts(dict(pending), CALLS_KEPT)
        except StoreUnavailable:
            log.warning("%d card-system calls not counted: the store is unavailable", pending.total())

    def calls(self, merchant_id: str) -> Calls:
        self.flush()
        now = int(self.clock() // 60)
        minutes = range(now - MINUTES + 1, now + 1)
        keys = [f"calls:{merchant_id}:{m}:{outcome}" for m in minutes for outcome in ("ok", "failed")]
        counts = self.store.used_many(keys)
        failed = sum(n for key, n in counts.items() if key.endswith(":failed"))
        return Calls(sum(counts.values()), failed)

    def breaker_opened(self, merchant_id: str, seconds: int) -> None:
        """A process's breaker for the merchant opened: say so to every process for as long as it stays open."""
        try:
            self.store.put(f"breaker:{merchant_id}", str(int(self.clock())), seconds)
        except StoreUnavailable:
            log.warning("breaker of %s opened, not shared: the store is unavailable", merchant_id)

    def breaker_opened_at(self, merchant_id: str) -> float | None:
        """When a breaker for the merchant last opened, in any process, if that is within its reset time."""
        at = self.store.get(f"breaker:{merchant_id}")
        return float(at) if at is not None else None

    def _day(self, zone: str) -> str:
        return datetime.fromtimestamp(self.clock(), ZoneInfo(zone)).date().isoformat()

    def bound(self, merchant_id: str, zone: str) -> None:
        self._add(f"binds:{merchant_id}:{self._day(zone)}", BINDS_KEPT)

    def binds_today(self, merchant_id: str, zone: str) -> int:
        return self.store.used(f"binds:{merchant_id}:{self._day(zone)}")
