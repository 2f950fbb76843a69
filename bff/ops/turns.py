"""One change of a merchant's files at a time, across threads, processes and machines.

Every machine reads and writes the same config dir (a shared volume, docs/deploy.md). A save, publish or
rollback reads what is there, checks it against the version the editor opened and writes: two of them
interleaved on two machines could both pass the check. So each takes the merchant's turn first: a
lease in the shared store (Redis across machines; `Store.lease` is atomic there), not a file lock,
whose meaning on shared volumes varies (POSIX locks are per process, flock on NFS is emulated).
A change takes milliseconds; a holder that dies mid-change frees the turn after `ttl` seconds.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from bff.store import Store

PREFIX = "ops-desk:"


class Busy(Exception):
    """Another change of this merchant held its turn for longer than we wait."""


class Turns:
    def __init__(self, store: Store, ttl: float = 30.0, wait: float = 10.0, poll: float = 0.05) -> None:
        self.store, self.ttl, self.wait, self.poll = store, ttl, wait, poll

    @contextmanager
    def of(self, merchant_id: str) -> Iterator[None]:
        """Hold merchant_id's turn while the block runs, waiting up to `wait` seconds for it."""
        key, holder = PREFIX + merchant_id, uuid.uuid4().hex
        deadline = time.monotonic() + self.wait
        while not self.store.lease(key, holder, self.ttl):
            if time.monotonic() >= deadline:
                raise Busy(merchant_id)
            time.sleep(self.poll)
        try:
            yield
        finally:
            self.store.end_lease(key, holder)
