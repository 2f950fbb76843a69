"""A requests session whose connections check the address they really reached, before sending a byte.

Checking the URL's text is not enough: a name can resolve (or re-resolve) to 127.0.0.1 or
169.254.169.254. So the check runs on the connected socket's peer, for plain HTTP and before TLS.
"""

from __future__ import annotations

import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from bff.merchants.outbound import OutboundPolicy


class OutboundRefused(NewConnectionError):
    """The connection reached an address the deployment's outbound allow-list refuses."""

    def __init__(self, conn: HTTPConnection, reason: str) -> None:
        super().__init__(conn, reason)
        self.reason = reason


class _Guard:
    outbound: OutboundPolicy

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()  # type: ignore[misc]
        peer = sock.getpeername()[0]
        problem = self.outbound.connection_problem(self.host, peer)  # type: ignore[attr-defined]
        if problem:
            sock.close()
            raise OutboundRefused(self, f"{self.host} reached {problem}")  # type: ignore[arg-type, attr-defined]
        return sock


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose pools make connections that check their peer against the policy."""

    def __init__(self, outbound: OutboundPolicy, **kwargs: Any) -> None:
        self.outbound = outbound
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        policy = {"outbound": self.outbound}
        http_conn = type("GuardedHTTPConnection", (_Guard, HTTPConnection), policy)
        https_conn = type("GuardedHTTPSConnection", (_Guard, HTTPSConnection), policy)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
        }


def make_session(outbound: OutboundPolicy | None = None, proxy: str = "", pool_size: int = 16) -> requests.Session:
    """A session that sends each request once (the client retries reads), through guarded connections.

    The environment's proxy settings are ignored: only an explicitly configured proxy is used.
    pool_size connections to a card system are kept open for reuse: as many as balances fetched at once.
    """
    session = requests.Session()
    session.trust_env = False
    if proxy:
        session.proxies = {"http": proxy, "https": proxy}
    adapter = GuardedAdapter(
        outbound or OutboundPolicy(), max_retries=0, pool_connections=4, pool_maxsize=max(1, pool_size)
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
