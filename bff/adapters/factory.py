"""Build and cache one CardGateway per merchant configuration version."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.http import HttpClient, make_session
from bff.adapters.mapped import MappedAdapter
from bff.adapters.standard import StandardAdapter
from bff.cards.errors import CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.merchants.base import ENV_REF
from bff.merchants.loader import Merchant

log = logging.getLogger(__name__)


def expand_env(value: str, environ: Mapping[str, str]) -> str:
    """Replace ${NAME} and ${NAME:-default} with values from the environment."""
    return ENV_REF.sub(lambda m: environ.get(m.group(1)) or m.group(2) or "", value)


class Gateways:
    """Gateways by merchant; a new config version gets a new gateway, the breaker stays."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ
        self._lock = threading.Lock()
        self._gateways: dict[str, tuple[str, CardGateway]] = {}
        self._breakers: dict[str, CircuitBreaker] = {}

    def for_merchant(self, merchant: Merchant) -> CardGateway:
        with self._lock:
            cached = self._gateways.get(merchant.id)
            if cached and cached[0] == merchant.version:
                return cached[1]
            gateway = self._build(merchant)
            self._gateways[merchant.id] = (merchant.version, gateway)
        if cached:
            cached[1].close()
        return gateway

    def close(self) -> None:
        with self._lock:
            for _, gateway in self._gateways.values():
                gateway.close()
            self._gateways.clear()

    def _build(self, merchant: Merchant) -> CardGateway:
        backend = merchant.config.backend
        breaker = self._breakers.get(merchant.id)
        if breaker is None or (breaker.failures, breaker.reset_seconds) != (
            backend.breaker.failures,
            backend.breaker.reset_seconds,
        ):
            breaker = CircuitBreaker(
                backend.breaker.failures, backend.breaker.reset_seconds, counts_as_failure=CardSystemUnavailable
            )
            self._breakers[merchant.id] = breaker
        dialect = backend.dialect
        key_env = dialect.signing.key_env if dialect and dialect.signing else None
        key_env = key_env or (backend.credentials.api_key_env if backend.credentials else None)
        key = self.environ.get(key_env, "") if key_env else ""
        if key_env and not key:
            log.error("merchant %s: %s is not set", merchant.id, key_env)
        headers = {"Accept": "application/json"}
        if dialect is None:
            headers["Authorization"] = f"Bearer {key}"
        client = HttpClient(
            base_url=expand_env(backend.base_url, self.environ),
            session=make_session(backend.read_retries),
            timeouts=(backend.timeouts.connect, backend.timeouts.read),
            headers=headers,
            breaker=breaker,
            name=merchant.id,
        )
        return StandardAdapter(client) if dialect is None else MappedAdapter(client, dialect, key)
