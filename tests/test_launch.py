"""Launch: a good token starts a session at a clean URL; anything else gets a clear 4xx page."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from kabao_testing import mint_launch_token


def test_good_token_sets_a_session_and_redirects_to_a_clean_url(app, client, launch):
    response = launch()
    assert response.status_code == 303
    assert response.headers["Location"] == "/wallet"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie  # an absolute lifetime, not the browser session or Flask's 31 days
    page = client.get("/wallet?js=0")
    assert page.status_code == 200
    assert "青柠超市" in page.get_data(as_text=True)


def test_cookie_is_secure_with_host_prefix_over_https(make_app):
    app = make_app(KABAO_HTTPS=True)
    client = app.test_client()
    token = mint_launch_token(app.config["KABAO_HOST_SECRET"], "u1001", "lime-market")
    response = client.get(f"/launch?token={token}", base_url="https://wallet.test")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-kabao=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


@pytest.mark.parametrize(
    ("make_token", "status", "says"),
    [
        (lambda secret: mint_launch_token(secret, "u1001", "lime-market")[:-3] + "xyz", 400, "链接无效"),
        (lambda secret: mint_launch_token("not-the-secret", "u1001", "lime-market"), 400, "链接无效"),
        (lambda secret: mint_launch_token(secret, "u1001", "lime-market", aud="other"), 403, "链接不适用"),
        (lambda secret: "", 400, "链接无效"),
    ],
)
def test_bad_tokens_get_a_clear_error_page(app, client, make_token, status, says):
    response = client.get(f"/launch?token={make_token(app.config['KABAO_HOST_SECRET'])}")
    assert response.status_code == status
    assert says in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    assert client.get("/wallet?js=0").status_code == 401


def test_replayed_token_is_refused(app, client):
    token = mint_launch_token(app.config["KABAO_HOST_SECRET"], "u1001", "lime-market")
    assert client.get(f"/launch?token={token}").status_code == 303
    again = app.test_client().get(f"/launch?token={token}")
    assert again.status_code == 401
    assert "链接已使用" in again.get_data(as_text=True)


def test_replay_is_seen_by_another_bff_process_sharing_the_store(make_app):
    first, second = make_app(), make_app()
    token = mint_launch_token(first.config["KABAO_HOST_SECRET"], "u1001", "lime-market")
    assert first.test_client().get(f"/launch?token={token}").status_code == 303
    assert second.test_client().get(f"/launch?token={token}").status_code == 401


def test_expired_token_is_refused(app, client, monkeypatch):
    token = mint_launch_token(app.config["KABAO_HOST_SECRET"], "u1001", "lime-market")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61)
    response = client.get(f"/launch?token={token}")
    assert response.status_code == 401
    assert "链接已过期" in response.get_data(as_text=True)


def test_unknown_merchant_is_not_found(app, client):
    token = mint_launch_token(app.config["KABAO_HOST_SECRET"], "u1001", "no-such-shop")
    assert client.get(f"/launch?token={token}").status_code == 404


def test_english_token_shows_english_pages(client, launch):
    launch(locale="en")
    page = client.get("/wallet?js=0").get_data(as_text=True)
    assert "Lime Market" in page and "Money on your cards" in page
    assert 'lang="en"' in page


def test_session_ends_after_idle_timeout(make_app, monkeypatch):
    app = make_app(KABAO_SESSION_IDLE_SECONDS=60)
    client = app.test_client()
    token = mint_launch_token(app.config["KABAO_HOST_SECRET"], "u1001", "lime-market")
    client.get(f"/launch?token={token}")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 120)
    response = client.get("/wallet?js=0")
    assert response.status_code == 401
    assert "请重新进入卡包" in response.get_data(as_text=True)


def test_session_ends_after_absolute_lifetime_even_when_active(make_app, monkeypatch):
    app = make_app(KABAO_SESSION_IDLE_SECONDS=600, KABAO_SESSION_MAX_SECONDS=900)
    client = app.test_client()
    token = mint_launch_token(app.config["KABAO_HOST_SECRET"], "u1001", "lime-market")
    client.get(f"/launch?token={token}")
    real = time.time
    for minutes in (5, 10, 14):
        monkeypatch.setattr(time, "time", lambda m=minutes: real() + m * 60)
        assert client.get("/wallet?js=0").status_code == 200
    monkeypatch.setattr(time, "time", lambda: real() + 16 * 60)
    assert client.get("/wallet?js=0").status_code == 401


def test_without_a_session_pages_say_to_reopen_the_wallet(client):
    for path in ("/wallet", "/bind", "/cards/c_1"):
        response = client.get(path)
        assert response.status_code == 401
        assert "请回到 App 重新打开卡包" in response.get_data(as_text=True)


def test_itsdangerous_tokens_from_the_simulator_are_accepted(app, client, card_system):
    import requests

    minted = requests.post(
        f"{card_system.url}/_sandbox/launch-token",
        json={"user_id": "u1001", "merchant_id": "peach-bakery", "locale": "en"},
        timeout=5,
    ).json()
    serializer = URLSafeTimedSerializer(card_system.host_secret, salt="kabao.launch")
    assert serializer.loads(minted["token"], max_age=60)["mch"] == "peach-bakery"
    assert client.get(f"/launch?token={minted['token']}").status_code == 303


def test_replay_is_seen_across_bff_processes_sharing_redis(make_app, redis_url):
    first, second = make_app(KABAO_STORE_URL=redis_url), make_app(KABAO_STORE_URL=redis_url)
    token = mint_launch_token(first.config["KABAO_HOST_SECRET"], "u1001", "lime-market")
    assert first.test_client().get(f"/launch?token={token}").status_code == 303
    assert second.test_client().get(f"/launch?token={token}").status_code == 401
