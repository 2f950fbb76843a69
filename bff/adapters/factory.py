"""Build and cache one CardGateway per merchant configuration version."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from functools import partial

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.mapped import MappedAdapter
from bff.adapters.standard import StandardAdapter
from bff.cards.errors import CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.merchants.env import EnvRefused, EnvResolver
from bff.merchants.loader import Merchant
from bff.merchants.policy import ConfigPolicy
from bff.store.tallies import Tallies

log = logging.getLogger(__name__)


class Gateways:
    """Gateways by merchant; a new config version gets a new gateway, the breaker stays."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        policy: ConfigPolicy | None = None,
        pool_size: int = 16,
        tallies: Tallies | None = None,
        wrap: Callable[[Merchant, CardGateway], CardGateway] | None = None,
    ) -> None:
        self.policy = policy or ConfigPolicy()
        self.wrap = wrap  # put around each merchant's gateway (the wallet's "money moved" marks)
        self.pool_size = pool_size  # connections kept per card system: one per parallel balance fetch
        self.tallies = tallies  # counts each merchant's calls for the dashboard, across processes
        self.env = EnvResolver(os.environ if environ is None else environ, self.policy.env)
        self._lock = threading.Lock()
        self._gateways: dict[str, tuple[str, CardGateway]] = {}
        self._breakers: dict[str, CircuitBreaker] = {}

    def for_merchant(self, merchant: Merchant) -> CardGateway:
        with self._lock:
            cached = self._gateways.get(merchant.id)
            if cached and cached[0] == merchant.version:
                return cached[1]
            gateway = self._build(merchant)
            if self.wrap is not None:
                gateway = self.wrap(merchant, gateway)
            self._gateways[merchant.id] = (merchant.version, gateway)
        if cached:
            cached[1].close()
        return gateway

    def breaker_state(self, merchant_id: str) -> str:
        """This process's breaker for the merchant's card system: open, closed, or unused (no call yet)."""
        breaker = self._breakers.get(merchant_id)
        return "unused" if breaker is None else "open" if breaker.is_open else "closed"

    def close(self) -> None:
        with self._lock:
            for _, gateway in self._gateways.values():
                gateway.close()
            self._gateways.clear()

    def _breaker(self, merchant: Merchant) -> CircuitBreaker:
        settings = merchant.config.backend.breaker
        breaker = self._breakers.get(merchant.id)
        if breaker is None or (breaker.failures, breaker.reset_seconds) != (settings.failures, settings.reset_seconds):
            opened = partial(self.tallies.breaker_opened, merchant.id, settings.reset_seconds) if self.tallies else None
            breaker = CircuitBreaker(
                settings.failures, settings.reset_seconds, counts_as_failure=CardSystemUnavailable, on_open=opened
            )
            self._breakers[merchant.id] = breaker
        return breaker

    def _address_and_keys(self, merchant: Merchant) -> tuple[str, dict[str, str], str | None]:
        """The base URL and keys by variable name, read through the env policy; a reason when nothing may be sent."""
        backend = merchant.config.backend
        dialect = backend.dialect
        names = dialect.signing.env_names() if dialect and dialect.signing else []
        names += dialect.wire_secret.env_names() if dialect and dialect.wire_secret else []
        names += [backend.credentials.api_key_env] if backend.credentials and not dialect else []
        try:
            base_url = self.env.text(backend.base_url)
            keys = {name: self.env.secret(name) for name in names}
        except EnvRefused as exc:
            # defence in depth: a file that passed an older or looser check still sends nothing
            return "", {}, str(exc)
        for name in names:
            if not keys[name]:
                log.error("merchant %s: %s is not set", merchant.id, name)
        return base_url, keys, self.policy.outbound.url_problem(base_url)

    def _build(self, merchant: Merchant) -> CardGateway:
        backend = merchant.config.backend
        base_url, keys, refused = self._address_and_keys(merchant)
        if refused:
            log.error("merchant %s: its card system will not be called: %s", merchant.id, refused)
        headers = {"Accept": "application/json"}
        if backend.dialect is None:
            key = keys.get(backend.credentials.api_key_env, "") if backend.credentials else ""
            headers["Authorization"] = f"Bearer {key}"
        client = HttpClient(
            base_url=base_url,
            session=make_session(self.policy.outbound, self.policy.proxy, self.pool_size),
            timeouts=(backend.timeouts.connect, backend.timeouts.read),
            headers=headers,
            breaker=self._breaker(merchant),
            name=merchant.id,
            read_retries=backend.read_retries,
            refused=refused,
            counted=partial(self.tallies.call, merchant.id) if self.tallies else None,
        )
        if backend.dialect is None:
            return StandardAdapter(client, set(backend.optional_operations))
        return MappedAdapter(client, backend.dialect, keys)
