"""The BFF's small shared store: replay guards, rate-limit counters, last-known balances, ops sessions."""

from __future__ import annotations

from bff.store.base import Store, StoreUnavailable


def open_store(url: str) -> Store:
    """Open the store named by a URL: sqlite:///path (default) or redis://host:port/db."""
    if url.startswith("sqlite:///"):
        from bff.store.sqlite import SQLiteStore

        return SQLiteStore(url.removeprefix("sqlite:///"))
    if url.startswith(("redis://", "rediss://", "unix://")):
        from bff.store.redis_store import RedisStore

        return RedisStore(url)
    raise ValueError(f"unsupported store URL {url.split(':', 1)[0]}://… (use sqlite:/// or redis://)")


__all__ = ["Store", "StoreUnavailable", "open_store"]
