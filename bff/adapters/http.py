"""One requests session per merchant: a deadline on every call, retries of idempotent reads within it."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
from requests.hooks import dispatch_hook

from bff.adapters.breaker import CircuitBreaker, CircuitOpen
from bff.adapters.guarded import OutboundRefused
from bff.cards.errors import CardSystemUnavailable
from bff.cards.gateway import CardGateway

T = TypeVar("T")

log = logging.getLogger(__name__)


RETRY_STATUSES = frozenset({500, 502, 503, 504})
BACKOFF = 0.05  # seconds before the first retry; doubles, plus up to as much again of jitter
MIN_TRY = 0.05  # a retry needs at least this much of the deadline left to be worth sending


class HttpClient:
    """Sends requests to one card system and hands back (status, parsed answer) or raises.

    A call never takes longer than the merchant's timeouts (connect + read) in all: a GET that
    fails or stalls is retried only within what is left of that deadline, never with a fresh one.
    """

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        timeouts: tuple[float, float],
        headers: dict[str, str],
        breaker: CircuitBreaker,
        name: str,
        *,
        read_retries: int = 0,
        refused: str | None = None,
        counted: Callable[[bool], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url
        self.session = session
        self.timeouts = timeouts
        self.headers = headers
        self.breaker = breaker
        self.name = name
        self.read_retries = read_retries
        self.refused = refused
        self.counted = counted or (lambda ok: None)  # told of each call: answered (True) or not (False)
        self.clock = clock
        self.sleep = sleep
        # settled once, not merged again on every call: the session's default headers under ours,
        # and how to send (explicit proxy or none; the environment is never consulted, see make_session)
        self._headers = {**session.headers, **headers}
        self._send_with = {
            "proxies": dict(session.proxies),
            "verify": session.verify,
            "cert": session.cert,
            "stream": False,
        }

    def request(self, op: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        """Call the card system; transport failures and unreadable answers raise CardSystemUnavailable."""
        if self.refused:
            log.error("merchant %s %s: not sent, %s", self.name, op, self.refused)
            raise CardSystemUnavailable(f"{op}: the card system's address is refused")
        try:
            answer = self.breaker.call(self._call, op, method, path, **kwargs)
        except CircuitOpen:
            log.warning("%s %s: short-circuited, the card system kept failing", self.name, op)
            raise CardSystemUnavailable(f"{self.name} is short-circuited after repeated failures") from None
        except CardSystemUnavailable:
            self.counted(False)
            raise
        self.counted(True)
        return answer

    def _call(self, op: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {**self._headers, **(kwargs.pop("headers", None) or {})}
        connect, read = self.timeouts
        deadline = self.clock() + connect + read
        tries = 1 + (self.read_retries if method == "GET" else 0)
        for attempt in range(tries):
            left = deadline - self.clock()
            timeout = (min(connect, left), min(read, left))
            try:
                return self._once(op, method, path, timeout, headers, **kwargs)
            except CardSystemUnavailable:
                pause = BACKOFF * 2**attempt * (1 + random.random())
                if attempt + 1 == tries or deadline - self.clock() - pause < MIN_TRY:
                    raise
                self.sleep(pause)
        raise AssertionError("unreachable")

    def _once(
        self,
        op: str,
        method: str,
        path: str,
        timeout: tuple[float, float],
        headers: dict[str, str],
        answer_check: Callable[[requests.Response], str | None] | None = None,
        answer_parser: Callable[[bytes], Any] | None = None,
        **kwargs: Any,
    ) -> tuple[int, Any]:
        try:
            response = self._send(method, self.base_url + path, headers, timeout, **kwargs)
        except requests.RequestException as exc:
            refused = _refusal(exc)
            if refused:
                log.error("merchant %s %s: connection refused by the outbound allow-list: %s", self.name, op, refused)
            else:
                log.warning("%s %s: %s", self.name, op, type(exc).__name__)
            raise CardSystemUnavailable(f"{op}: {type(exc).__name__}") from None
        if response.status_code >= 500 or 300 <= response.status_code < 400:
            log.warning("%s %s: HTTP %s (redirects are not followed)", self.name, op, response.status_code)
            raise CardSystemUnavailable(f"{op}: HTTP {response.status_code}")
        problem = answer_check(response) if answer_check else None
        if problem:  # a signed answer that doesn't verify is unknown, never success
            log.warning("%s %s: %s; the answer is treated as unknown", self.name, op, problem)
            raise CardSystemUnavailable(f"{op}: answer signature does not verify")
        if response.status_code == 204:  # No Content: an empty object (success only where the status says so)
            return response.status_code, {}
        try:  # the dialect's parser reads the raw bytes (XML, another charset); JSON by default
            body = answer_parser(response.content) if answer_parser else response.json()
        except ValueError as exc:  # includes an XML bomb or external entity refused by defusedxml
            log.warning(
                "%s %s: HTTP %s, unreadable answer (%s)", self.name, op, response.status_code, type(exc).__name__
            )
            raise CardSystemUnavailable(f"{op}: HTTP {response.status_code}, answer unreadable") from None
        return response.status_code, body

    def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        timeout: tuple[float, float],
        params: Any = None,
        data: Any = None,
        json: Any = None,
    ) -> requests.Response:
        """requests' own preparation and transport, without what a card call never uses.

        The request is prepared by requests' steps in requests' order (the bytes on the wire, which a dialect's
        signature covers, are what `requests.Request(...).prepare()` makes), minus the cookie step: no card
        system is sent cookies. It goes straight to the session's adapter: no redirect machinery (redirects are
        not followed), and a cookie a card system sets is not kept in the session's jar (it would never be sent).
        The session's response hooks still hear every answer (the connector check listens).
        """
        prepared = requests.PreparedRequest()
        prepared.prepare_method(method)
        # no parameters as "" rather than {}: the same URL, without a slow runtime Protocol check in requests
        prepared.prepare_url(url, params or "")
        prepared.prepare_headers(headers)
        prepared.prepare_body([] if data is None else data, None, json)
        prepared.prepare_auth(None, url)
        prepared.prepare_hooks(self.session.hooks)
        adapter = self.session.get_adapter(url)
        response = adapter.send(prepared, timeout=timeout, **self._send_with)
        response = dispatch_hook("response", prepared.hooks, response, timeout=timeout, **self._send_with)
        response.content  # noqa: B018 - read whole (stream=False), as Session.send does; the connection goes back
        return response


def _refusal(exc: BaseException) -> str | None:
    """The outbound allow-list's reason, if that is what stopped the request."""
    seen: BaseException | None = exc
    for _ in range(8):  # requests wraps urllib3's MaxRetryError, which wraps the connection's error
        if seen is None or isinstance(seen, OutboundRefused):
            break
        reason = getattr(seen, "reason", None)
        nested = seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        seen = reason if isinstance(reason, BaseException) else nested or seen.__context__
    return seen.reason if isinstance(seen, OutboundRefused) else None


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
