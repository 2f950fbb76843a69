"""Per-item leases in the shared store, so N workers on N machines never work the same item at once.

Why per-item leases, not one lease for the whole pass: two workers share the load (each takes the items
the other has not), and a worker that dies holds up only the one item in its hands, for at most one
lease period; the rest of the pass goes on in the other workers at once. Why a lease (a key with an
expiry and a holder), not a lock held by a connection: the store is SQLite on one machine and Redis
across machines, and both give an atomic "take if free or expired, renew if mine" (Store.lease).

A lease is renewed every third of its period by one thread while its item is worked, so a slow card
system (calls bounded by the merchant's timeouts) never lets it lapse in a live worker; a worker killed
mid-item (kill -9, a lost machine) stops renewing and its lease lapses after at most `ttl` seconds.

The lease saves duplicate work; it is not what keeps money safe: the ledger's checked state moves and
deterministic payment and refund ids keep a charge or refund single even if a paused worker outlived
its lease. Each item is looked at again once its lease is taken (another worker may have just settled
it), and a notification may, rarely, be sent twice: the host app treats events by content.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from bff.store import Store

log = logging.getLogger(__name__)
PREFIX = "worker:"


def new_holder() -> str:
    """A name unique to this worker: machine, process and a random part (a restarted pid is another holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Leases:
    """Takes, renews and gives up this worker's leases in the store."""

    def __init__(self, store: Store, ttl: float, holder: str | None = None) -> None:
        if ttl <= 0:
            raise ValueError("a lease needs a positive period")
        self.store, self.ttl, self.holder = store, ttl, holder or new_holder()
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    @contextmanager
    def claim(self, key: str) -> Iterator[bool]:
        """Hold key's lease while the block runs; yields False (and holds nothing) when another worker has it."""
        key = PREFIX + key
        if not self.store.lease(key, self.holder, self.ttl):
            yield False
            return
        with self._lock:
            self._held.add(key)
        self._start_renewing()
        try:
            yield True
        finally:
            with self._lock:
                self._held.discard(key)
            self.store.end_lease(key, self.holder)

    def close(self) -> None:
        """Stop renewing (leases still held lapse on their own)."""
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=self.ttl)

    def _start_renewing(self) -> None:
        with self._lock:
            if self._renewer is None:
                self._renewer = threading.Thread(target=self._renew, name="kabao-lease-renewer", daemon=True)
                self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            with self._lock:
                held = list(self._held)
            for key in held:
                try:
                    if not self.store.lease(key, self.holder, self.ttl):
                        log.warning("lease %s lapsed and was taken by another worker", key)
                except Exception:  # the store unreachable for a moment: retried at the next beat
                    log.exception("lease %s: not renewed", key)
