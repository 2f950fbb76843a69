"""One requests session per merchant: timeouts on every call, retries on idempotent reads only."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bff.adapters.breaker import CircuitBreaker, CircuitOpen
from bff.cards.errors import CardSystemUnavailable
from bff.cards.gateway import CardGateway

T = TypeVar("T")

log = logging.getLogger(__name__)


def make_session(read_retries: int, pool_size: int = 16) -> requests.Session:
    """A session whose GETs retry with jittered backoff; other methods never re-send."""
    retry = Retry(
        total=read_retries,
        connect=read_retries,
        read=read_retries,
        status=read_retries,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=(500, 502, 503, 504),
        backoff_factor=0.05,
        backoff_jitter=0.05,
        raise_on_status=False,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_connections=pool_size, pool_maxsize=pool_size)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class HttpClient:
    """Sends requests to one card system and hands back (status, parsed JSON) or raises."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        timeouts: tuple[float, float],
        headers: dict[str, str],
        breaker: CircuitBreaker,
        name: str,
    ) -> None:
        self.base_url = base_url
        self.session = session
        self.timeouts = timeouts
        self.headers = headers
        self.breaker = breaker
        self.name = name

    def request(self, op: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """Call the card system; transport failures and non-JSON bodies raise CardSystemUnavailable."""
        try:
            return self.breaker.call(self._send, op, method, path, **kwargs)
        except CircuitOpen:
            log.warning("%s %s: short-circuited, the card system kept failing", self.name, op)
            raise CardSystemUnavailable(f"{self.name} is short-circuited after repeated failures") from None

    def _send(self, op: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        url = self.base_url + path
        headers = {**self.headers, **(kwargs.pop("headers", None) or {})}
        try:
            response = self.session.request(method, url, timeout=self.timeouts, headers=headers, **kwargs)
        except requests.RequestException as exc:
            log.warning("%s %s: %s", self.name, op, type(exc).__name__)
            raise CardSystemUnavailable(f"{op}: {type(exc).__name__}") from None
        if response.status_code >= 500:
            log.warning("%s %s: HTTP %s", self.name, op, response.status_code)
            raise CardSystemUnavailable(f"{op}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            log.warning("%s %s: HTTP %s, body not JSON", self.name, op, response.status_code)
            raise CardSystemUnavailable(f"{op}: HTTP {response.status_code}, body not JSON") from None
        return response.status_code, body


class HttpAdapter(CardGateway):
    """What both HTTP adapters share: the client, closing it, and turning bad answers into 'unavailable'."""

    def __init__(self, client: HttpClient) -> None:
        self.client = client

    def close(self) -> None:
        self.client.session.close()

    def _parse(self, op: str, parse: Callable[[Any], T], value: Any) -> T:
        """Parse an answer; a missing or ill-typed field makes it malformed, never a 500 or a success."""
        try:
            return parse(value)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            log.warning("%s %s: malformed answer (%s)", self.client.name, op, type(exc).__name__)
            raise CardSystemUnavailable(f"{op}: malformed answer") from None
