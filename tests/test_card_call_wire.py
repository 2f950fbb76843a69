"""A card call puts on the wire exactly what requests' own `Request(...).prepare()` makes (a dialect's signature
covers those bytes), and a card system's cookies are neither kept nor sent back."""

from __future__ import annotations

import contextlib

import pytest
import requests
from body_fakes import GBK_XML_DIALECT
from kabao_testing import capture_server

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.mapped import MappedAdapter
from bff.adapters.standard import StandardAdapter
from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import PayRequest
from bff.merchants.dialect import Dialect
from bff.merchants.outbound import OutboundPolicy

LOOPBACK = OutboundPolicy.parse("http", "127.0.0.1")
PAY = PayRequest("kb-1", "u1", "c1", "O-1", 1200, "CNY", "901234")


def client(url: str, headers: dict[str, str] | None = None) -> HttpClient:
    return HttpClient(url, make_session(LOOPBACK), (2, 2), headers or {}, CircuitBreaker(50, 60), "m")


def as_requests_sends(url: str, handed: tuple) -> None:
    """What requests' own Request.prepare() and Session.send put on the wire for the same call."""
    method, path_url, headers, kwargs = handed
    session = requests.Session()
    session.trust_env = False
    prepared = requests.Request(method, path_url, headers=headers, **kwargs).prepare()
    session.send(prepared, timeout=5, allow_redirects=False)


def wire(seen: dict) -> tuple:
    return seen["path"], list(seen["headers"].items()), seen["body"]


@pytest.mark.parametrize("system", ["gbk_xml_md5", "standard"])
def test_each_call_sends_the_bytes_requests_own_prepare_makes(system, monkeypatch):
    handed: list[tuple] = []  # what the adapter hands the client, for each call
    once = HttpClient._once

    def spy(self, op, method, path, timeout, headers, answer_check=None, answer_parser=None, **kwargs):
        handed.append((method, self.base_url + path, dict(headers), kwargs))
        return once(self, op, method, path, timeout, headers, answer_check, answer_parser, **kwargs)

    monkeypatch.setattr(HttpClient, "_once", spy)
    with capture_server() as (url, seen):
        if system == "standard":
            gateway = StandardAdapter(client(url, {"Accept": "application/json", "Authorization": "Bearer k"}))
            calls = [
                gateway.list_cards,
                lambda _: gateway.transactions("u1", "c1", "cur/1", 20),
                lambda _: gateway.pay(PAY),
            ]
        else:
            gateway = MappedAdapter(
                client(url), Dialect.model_validate(GBK_XML_DIALECT), {"KABAO_MERCHANT_GBK_KEY": "k"}
            )
            calls = [gateway.list_cards, lambda _: gateway.pay(PAY)]
        for call in calls:
            with contextlib.suppress(CardSystemUnavailable):  # the capture server's answer is not theirs
                call("u1")
        sent = [wire(s) for s in seen]
        for one in handed:
            as_requests_sends(url, one)
        again = [wire(s) for s in seen[len(sent) :]]
    assert len(sent) == len(calls) and any(body for _, _, body in sent)  # GETs and POSTs with bodies
    assert sent == again


def test_a_cookie_a_card_system_sets_is_neither_kept_nor_sent():
    with capture_server(lambda path: (200, {"Set-Cookie": "affinity=n1; Path=/"}, {"result": "OK", "cards": []})) as (
        url,
        seen,
    ):
        gateway = StandardAdapter(client(url))
        gateway.list_cards("u1")
        gateway.list_cards("u1")
    assert len(seen) == 2 and not any("Cookie" in s["headers"] for s in seen)
    assert len(gateway.client.session.cookies) == 0  # no jar filling up with what is never sent


def test_calls_to_a_card_system_that_keeps_connections_alive_reuse_one():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread

    connections = []

    class KeepAlive(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            connections.append(self.client_address)
            super().setup()

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = b'{"result": "OK", "cards": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), KeepAlive)
    server.daemon_threads = True
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        gateway = StandardAdapter(client(f"http://127.0.0.1:{server.server_address[1]}"))
        for _ in range(5):
            assert gateway.list_cards("u1") == []
    finally:
        server.shutdown()
        server.server_close()
    assert len(connections) == 1  # each answer read whole and the connection given back to the pool
