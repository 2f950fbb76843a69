"""Card-system calls cost little: pooled per merchant, no environment proxy consulted, an explicit proxy used."""

from __future__ import annotations

from kabao_testing import capture_server, mint_launch_token, text_of

DEAD = "http://127.0.0.1:9"  # nothing listens there: a call sent through it would fail


def open_wallet(app) -> str:
    client = app.test_client()
    client.get(f"/launch?token={mint_launch_token(app.config['KABAO_HOST_SECRET'], 'u1001', 'lime-market')}")
    return text_of(client.get("/wallet?js=0"))


def test_proxy_settings_of_the_environment_are_not_used(make_app, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, DEAD)
    page = open_wallet(make_app())
    assert "¥500.00" in page and "暂不可用" not in page


def test_an_explicitly_configured_proxy_carries_the_card_calls(make_app):
    with capture_server() as (proxy, seen):
        page = open_wallet(make_app(KABAO_OUTBOUND_PROXY=proxy))
    assert seen and all(r["path"].startswith("http://127.0.0.1:") for r in seen)  # absolute URIs: a proxy's
    assert any("/cs/lime/v1/users/u1001/cards" in r["path"] for r in seen)
    assert "¥500.00" not in page  # the capture proxy answers an empty list


def test_each_merchant_keeps_as_many_connections_as_balances_are_fetched_at_once(make_app):
    app = make_app(KABAO_BALANCE_WORKERS=24)
    services = app.extensions["kabao"]
    gateway = services.gateways.for_merchant(services.registry.get("lime-market"))
    session = gateway.client.session
    assert session.trust_env is False
    pool = session.get_adapter("http://127.0.0.1/").poolmanager
    assert pool.connection_pool_kw["maxsize"] >= 24
    assert gateway is services.gateways.for_merchant(services.registry.get("lime-market"))  # one per merchant
