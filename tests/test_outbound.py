"""At request time: no secret leaves, no private address is reached, no redirect is followed, one deadline."""

from __future__ import annotations

import socket
import time

import pytest
import requests
import yaml
from kabao_testing import CONFIG_DIR, capture_server

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.factory import Gateways
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.cards.errors import CardSystemUnavailable
from bff.merchants.env import EnvPolicy
from bff.merchants.loader import parse_merchant
from bff.merchants.outbound import OutboundPolicy
from bff.merchants.policy import ConfigPolicy

HOST_SECRET = "host-secret-do-not-leak"
SECRET_KEY = "secret-key-do-not-leak"


class LetsAnythingThrough(EnvPolicy):
    """A policy that validation should never have used: it lets every name through."""

    def problem(self, name: str) -> str | None:
        return None


def lime_with(tmp_path, **backend) -> tuple:
    """A config dir whose lime-market's backend is changed as given."""
    data = yaml.safe_load((CONFIG_DIR / "lime-market.yaml").read_text(encoding="utf-8"))
    data["brand"].pop("logo")
    data["backend"].update(backend)
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "lime-market.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_a_config_loaded_past_validation_still_sends_no_secret(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("KABAO_HOST_SECRET", HOST_SECRET)
    monkeypatch.setenv("KABAO_SECRET_KEY", SECRET_KEY)
    with capture_server() as (url, seen):
        config = lime_with(
            tmp_path,
            base_url=url + "/${KABAO_HOST_SECRET}/v1",
            credentials={"api_key_env": "KABAO_SECRET_KEY"},
        )
        app = make_app(config)
        registry = app.extensions["kabao"].registry
        registry.policy = ConfigPolicy(LetsAnythingThrough(), registry.policy.outbound)  # validation bypassed
        from kabao_testing import mint_launch_token

        client = app.test_client()
        client.get(f"/launch?token={mint_launch_token(app.config['KABAO_HOST_SECRET'], 'u1001', 'lime-market')}")
        page = client.get("/wallet?js=0")
        assert page.status_code == 200
        leaked = [r for r in seen if HOST_SECRET in r["path"] or SECRET_KEY in str(r["headers"])]
        assert leaked == [] and seen == []


def test_return_urls_naming_a_secret_allow_nothing(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("KABAO_HOST_SECRET", HOST_SECRET)
    app = make_app()
    registry = app.extensions["kabao"].registry
    merchant = registry.get("lime-market")
    rules = merchant.config.checkout.model_copy(update={"return_urls": ["https://x.example/${KABAO_HOST_SECRET}"]})
    config = merchant.config.model_copy(update={"checkout": rules})
    assert registry.return_urls(type(merchant)(merchant.id, config, "v", merchant.path)) == []


def gateway_for(tmp_path, base_url: str, outbound: OutboundPolicy, read_retries: int = 0):
    folder = lime_with(tmp_path, base_url=base_url, read_retries=read_retries)
    path = folder / "lime-market.yaml"
    policy = ConfigPolicy(outbound=outbound)
    merchant = parse_merchant(path, path.read_bytes(), policy)
    gateways = Gateways({"KABAO_MERCHANT_SANDBOX_API_KEY": "k"}, policy)
    return gateways, gateways.for_merchant(merchant)


def test_a_name_that_resolves_to_loopback_is_refused_on_connect(tmp_path, monkeypatch, caplog):
    real = socket.getaddrinfo

    def rebinding(host, *args, **kwargs):
        return real("127.0.0.1" if host == "cards.example" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with capture_server() as (url, seen):
        port = url.rsplit(":", 1)[1]
        gateways, gateway = gateway_for(
            tmp_path, f"http://cards.example:{port}/v1", OutboundPolicy(frozenset({"http"}))
        )
        with pytest.raises(CardSystemUnavailable):
            gateway.list_cards("u1001")
        gateways.close()
    assert seen == []
    assert "lime-market" in caplog.text and "127.0.0.1 is a loopback address" in caplog.text


def test_a_redirect_is_not_followed(tmp_path):
    def answer(path):
        return (302, {"Location": "/elsewhere"}, {}) if path.startswith("/v1") else (200, {}, {"result": "OK"})

    loopback = OutboundPolicy.parse("http", "127.0.0.1")
    with capture_server(answer) as (url, seen):
        gateways, gateway = gateway_for(tmp_path, url + "/v1", loopback)
        with pytest.raises(CardSystemUnavailable):
            gateway.list_cards("u1001")
        gateways.close()
    assert [r["path"] for r in seen] == ["/v1/users/u1001/cards"]


def test_a_hanging_read_is_not_retried_past_the_merchants_timeouts():
    session = make_session(OutboundPolicy.parse("http", "127.0.0.1"))
    with capture_server(hang=10) as (url, seen):
        client = HttpClient(url, session, (0.5, 1.0), {}, CircuitBreaker(50, 60), "slow-shop", read_retries=3)
        started = time.monotonic()
        with pytest.raises(CardSystemUnavailable):
            client.request("list_cards", "GET", "/cards")
        elapsed = time.monotonic() - started
    session.close()
    # old behaviour: 4 tries of a full second each; now the leftover 0.5 s buys at most one more try
    assert len(seen) <= 2
    assert elapsed < 2.5  # generous: the deadline is 1.5 s


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class RecordingSession(requests.Session):
    """Stands in for the network: each try 'takes' its whole read timeout and times out, or answers 503.

    It records at the session's adapter, where the client hands each prepared request over.
    """

    def __init__(self, clock: FakeClock, fail_fast: bool = False) -> None:
        super().__init__()
        self.clock, self.fail_fast, self.timeouts = clock, fail_fast, []
        self.mount("http://", RecordingAdapter(self))

    def answer(self, timeout):
        self.timeouts.append(timeout)
        if self.fail_fast:
            self.clock.now += 0.01
            response = requests.Response()
            response.status_code = 503
            response._content = b""
            return response
        self.clock.now += timeout[1]
        raise requests.ReadTimeout()


class RecordingAdapter(requests.adapters.HTTPAdapter):
    def __init__(self, session: RecordingSession) -> None:
        super().__init__()
        self.session = session

    def send(self, request, timeout=None, **kwargs):
        return self.session.answer(timeout)


@pytest.mark.parametrize("retries", [0, 1, 3, 5])
def test_all_tries_of_a_read_fit_in_one_deadline(retries):
    clock = FakeClock()
    session = RecordingSession(clock)
    client = HttpClient("http://x", session, (1.0, 3.0), {}, CircuitBreaker(50, 60), "m", read_retries=retries)
    client.clock, client.sleep = clock, clock.sleep
    with pytest.raises(CardSystemUnavailable):
        client.request("card_detail", "GET", "/c")
    assert clock.now <= 4.0 + 1e-9
    assert len(session.timeouts) <= 1 + retries


def test_fast_failures_are_still_retried_and_writes_never():
    clock = FakeClock()
    session = RecordingSession(clock, fail_fast=True)
    client = HttpClient("http://x", session, (1.0, 3.0), {}, CircuitBreaker(50, 60), "m", read_retries=2)
    client.clock, client.sleep = clock, clock.sleep
    with pytest.raises(CardSystemUnavailable):
        client.request("card_detail", "GET", "/c")
    assert len(session.timeouts) == 3
    with pytest.raises(CardSystemUnavailable):
        client.request("pay", "POST", "/p")
    assert len(session.timeouts) == 4


def test_a_loopback_base_url_from_the_environment_is_refused_at_request_time(tmp_path, caplog):
    with capture_server() as (url, seen):
        folder = lime_with(tmp_path)
        path = folder / "lime-market.yaml"
        merchant = parse_merchant(path, path.read_bytes())
        gateways = Gateways({"KABAO_MERCHANT_SANDBOX_URL": url, "KABAO_MERCHANT_SANDBOX_API_KEY": "k"})
        with pytest.raises(CardSystemUnavailable):
            gateways.for_merchant(merchant).list_cards("u1001")
        gateways.close()
    assert seen == []
    assert "merchant lime-market" in caplog.text and "scheme 'http' is not allowed" in caplog.text
