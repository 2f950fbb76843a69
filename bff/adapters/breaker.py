"""A circuit breaker that never holds its lock during a call.

pybreaker serialises every call through one lock (danielfm/pybreaker#3, #55), so one slow card
system call would hold up every other call to that merchant; the wallet fetches balances in
parallel, so the breaker only locks around its own counters.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class CircuitOpen(Exception):
    """Calls are short-circuited: the card system failed too often just now."""


class CircuitBreaker:
    """After `failures` failures in a row, refuse calls for `reset_seconds`, then let one trial through."""

    def __init__(
        self,
        failures: int,
        reset_seconds: float,
        counts_as_failure: type[BaseException] | tuple[type[BaseException], ...] = Exception,
        clock: Callable[[], float] = time.monotonic,
        on_open: Callable[[], None] | None = None,
    ) -> None:
        self.failures = failures
        self.reset_seconds = reset_seconds
        self.counts_as_failure = counts_as_failure
        self.clock = clock
        self.on_open = on_open  # told each time it opens (the dashboard shares that through the store)
        self._lock = threading.Lock()
        self._failed = 0
        self._opened_at: float | None = None
        self._trial = False

    def _admit(self) -> None:
        with self._lock:
            if self._opened_at is None:
                return
            if self._trial or self.clock() - self._opened_at < self.reset_seconds:
                raise CircuitOpen
            self._trial = True  # half-open: this call decides

    def _record(self, ok: bool) -> None:
        with self._lock:
            self._trial = False
            if ok:
                self._failed, self._opened_at = 0, None
                return
            self._failed += 1
            opens = self._failed >= self.failures
            if opens:
                self._opened_at = self.clock()
        if opens and self.on_open is not None:
            self.on_open()

    def call(self, func: Callable[..., T], *args: object, **kwargs: object) -> T:
        self._admit()
        try:
            result = func(*args, **kwargs)
        except self.counts_as_failure:
            self._record(ok=False)
            raise
        except BaseException:
            self._record(ok=True)  # an answer, even an unwelcome one, means the system is up
            raise
        self._record(ok=True)
        return result

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None
