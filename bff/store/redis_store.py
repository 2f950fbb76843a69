"""The store on Redis, for several BFF processes or machines serving together."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import redis

from bff.store.base import Store, StoreUnavailable

P = ParamSpec("P")
R = TypeVar("R")

# one script each, so the check and the change are one atomic step on the server
RESERVE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return 0 end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return 1
"""
RELEASE = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used > 0 then redis.call('DECR', KEYS[1]) end
return 0
"""
LEASE = """
local holder = redis.call('GET', KEYS[1])
if holder == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if holder == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
"""
# a replay guard: KEYS[1] holds since when this Redis remembers: when the server started, written by the first call
# after it started empty (one that kept its data on disk keeps the older time). Something made before then may have
# been spent in what the restart forgot, so it is refused. ARGV: when the thing was made, ttl, the server's start
# ('' when not read yet: the script answers -1 if it needs it, once after each restart).
ONCE = """
local since = redis.call('GET', KEYS[1])
if since == false then
  if ARGV[3] == '' then return -1 end
  redis.call('SET', KEYS[1], ARGV[3], 'NX')
  since = redis.call('GET', KEYS[1])
end
if ARGV[1] ~= '' and tonumber(ARGV[1]) < tonumber(since) then return 0 end
if redis.call('SET', KEYS[2], '', 'NX', 'EX', ARGV[2]) then return 1 end
return 0
"""
END_LEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""


def _unavailable_when_down(method: Callable[P, R]) -> Callable[P, R]:
    """Redis not answering becomes the store's own StoreUnavailable, so callers need not know Redis."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            raise StoreUnavailable(f"store did not answer: {type(exc).__name__}") from exc

    return call


class RedisStore(Store):
    """The Store on one Redis server; keys are prefixed so the database can be shared."""

    PREFIX = "kabao:"

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._reserve = self.client.register_script(RESERVE)
        self._release = self.client.register_script(RELEASE)
        self._lease = self.client.register_script(LEASE)
        self._end_lease = self.client.register_script(END_LEASE)
        self._once = self.client.register_script(ONCE)

    @_unavailable_when_down
    def add_if_absent(self, key: str, ttl: int, made_at: float | None = None) -> bool:
        made = "" if made_at is None else repr(made_at)
        keys = [self.PREFIX + "remembers-since", self.PREFIX + key]
        answer = self._once(keys=keys, args=[made, ttl, ""])
        if answer == -1:  # an emptied Redis: read when the server started, once
            answer = self._once(keys=keys, args=[made, ttl, repr(self._started())])
        return answer == 1

    def _started(self) -> float:
        """When this Redis server started (to the second, a second early): what it can have remembered since."""
        return time.time() - float(self.client.info("server")["uptime_in_seconds"]) - 1

    @_unavailable_when_down
    def put(self, key: str, value: str, ttl: int) -> None:
        self.client.set(self.PREFIX + key, value, ex=ttl)

    @_unavailable_when_down
    def put_many(self, values: dict[str, str], ttl: int) -> None:
        if not values:
            return
        with self.client.pipeline() as pipe:  # one round trip (MULTI/EXEC) for the whole page
            for key, value in values.items():
                pipe.set(self.PREFIX + key, value, ex=ttl)
            pipe.execute()

    @_unavailable_when_down
    def get_many(self, keys: list[str]) -> dict[str, str]:
        if not keys:
            return {}
        values = self.client.mget([self.PREFIX + key for key in keys])
        return {key: value.decode() for key, value in zip(keys, values, strict=True) if value is not None}

    @_unavailable_when_down
    def get(self, key: str) -> str | None:
        value = self.client.get(self.PREFIX + key)
        return value.decode() if value is not None else None

    @_unavailable_when_down
    def reserve(self, key: str, limit: int, window: int) -> bool:
        return bool(self._reserve(keys=[self.PREFIX + "reserved:" + key], args=[limit, window]))

    @_unavailable_when_down
    def release(self, key: str) -> None:
        self._release(keys=[self.PREFIX + "reserved:" + key])

    @_unavailable_when_down
    def used(self, key: str) -> int:
        value = self.client.get(self.PREFIX + "reserved:" + key)
        return int(value) if value is not None else 0

    @_unavailable_when_down
    def add_counts(self, counts: dict[str, int], window: int) -> None:
        if not counts:
            return
        with self.client.pipeline() as pipe:  # one round trip; a bucket's expiry moves by seconds at most
            for key, n in counts.items():
                pipe.incrby(self.PREFIX + "reserved:" + key, n).expire(self.PREFIX + "reserved:" + key, window)
            pipe.execute()

    @_unavailable_when_down
    def used_many(self, keys: list[str]) -> dict[str, int]:
        if not keys:
            return {}
        values = self.client.mget([self.PREFIX + "reserved:" + key for key in keys])
        return {key: int(value) for key, value in zip(keys, values, strict=True) if value is not None and int(value)}

    @_unavailable_when_down
    def free_in(self, key: str, limit: int) -> int:
        with self.client.pipeline() as pipe:  # MULTI: the count and its expiry read together
            used, ttl = pipe.get(self.PREFIX + "reserved:" + key).ttl(self.PREFIX + "reserved:" + key).execute()
        return max(0, int(ttl)) if used is not None and int(used) >= limit else 0

    @_unavailable_when_down
    def delete(self, key: str) -> None:
        self.client.delete(self.PREFIX + key)

    @_unavailable_when_down
    def lease(self, key: str, holder: str, ttl: float) -> bool:
        # expiry kept by the Redis server's clock, so machines' clocks need not agree
        return bool(self._lease(keys=[self.PREFIX + "lease:" + key], args=[holder, max(1, round(ttl * 1000))]))

    @_unavailable_when_down
    def end_lease(self, key: str, holder: str) -> None:
        self._end_lease(keys=[self.PREFIX + "lease:" + key], args=[holder])

    def close(self) -> None:
        self.client.close()
