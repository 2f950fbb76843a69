"""The store on Redis, for several BFF processes or machines serving together."""

from __future__ import annotations

import redis
from limits.storage import RedisStorage, Storage

from bff.store.base import Store


class RedisStore(Store):
    """The Store on one Redis server; keys are prefixed so the database can be shared."""

    PREFIX = "kabao:"

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._limits = RedisStorage(url, key_prefix="kabao-limits")

    def add_if_absent(self, key: str, ttl: int) -> bool:
        return bool(self.client.set(self.PREFIX + key, "", nx=True, ex=ttl))

    def put(self, key: str, value: str, ttl: int) -> None:
        self.client.set(self.PREFIX + key, value, ex=ttl)

    def get(self, key: str) -> str | None:
        value = self.client.get(self.PREFIX + key)
        return value.decode() if value is not None else None

    def delete(self, key: str) -> None:
        self.client.delete(self.PREFIX + key)

    def limits_storage(self) -> Storage:
        return self._limits

    def close(self) -> None:
        self.client.close()
