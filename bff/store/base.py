"""The store port: a few atomic key operations every BFF process shares."""

from __future__ import annotations

import abc


class StoreUnavailable(RuntimeError):
    """The store didn't answer (Redis down or unreachable): the request can't go on safely, and may be retried."""


class Store(abc.ABC):
    """Keys with expiry, shared by all BFF processes that use the same store."""

    @abc.abstractmethod
    def add_if_absent(self, key: str, ttl: int, made_at: float | None = None) -> bool:
        """Set key once; True only for the first caller (replay guards).

        made_at: when what the key guards was made (a token's or a request's time). A store that has not
        remembered since then (a Redis that restarted empty) can't tell whether it was spent: False.
        """

    @abc.abstractmethod
    def put(self, key: str, value: str, ttl: int) -> None: ...

    @abc.abstractmethod
    def get(self, key: str) -> str | None: ...

    def put_many(self, values: dict[str, str], ttl: int) -> None:
        """Keep several values at once: one write (a transaction, a pipeline), not one per key."""
        for key, value in values.items():
            self.put(key, value, ttl)

    def get_many(self, keys: list[str]) -> dict[str, str]:
        """The values kept under keys (absent or expired keys are left out), read together."""
        found = {key: self.get(key) for key in keys}
        return {key: value for key, value in found.items() if value is not None}

    @abc.abstractmethod
    def reserve(self, key: str, limit: int, window: int) -> bool:
        """Take one of limit uses of key in its window (which starts at the first use); False when none is left.

        Atomic across threads and processes: however many callers race, at most limit get True.
        """

    @abc.abstractmethod
    def release(self, key: str) -> None:
        """Give one use of key back (a reserved use that turned out not to count)."""

    @abc.abstractmethod
    def used(self, key: str) -> int:
        """How many uses of key are taken in its current window."""

    def add_counts(self, counts: dict[str, int], window: int) -> None:
        """Add to several counters at once (read with used); a counter's window starts at its first count."""
        for key, n in counts.items():
            for _ in range(n):
                self.reserve(key, 2**62, window)

    def used_many(self, keys: list[str]) -> dict[str, int]:
        """The uses taken of several keys (keys with none are left out), read together."""
        found = {key: self.used(key) for key in keys}
        return {key: n for key, n in found.items() if n}

    @abc.abstractmethod
    def free_in(self, key: str, limit: int) -> int:
        """Seconds until one of limit uses of key is free again; 0 when one is free now."""

    @abc.abstractmethod
    def delete(self, key: str) -> None:
        """Forget key at once (a revoked session)."""

    @abc.abstractmethod
    def lease(self, key: str, holder: str, ttl: float) -> bool:
        """Hold key for ttl seconds: taken when free or expired, renewed when holder has it; False when another has it.

        Atomic across threads, processes and machines sharing the store: at most one holder at a time.
        """

    @abc.abstractmethod
    def end_lease(self, key: str, holder: str) -> None:
        """Give key up, only if holder still has it (a lease that expired and was taken stays with its taker)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
