"""What a page costs on the wire: compressed answers, static files cached for good, a cookie only when it changed."""

from __future__ import annotations

import gzip
import re
import time
from types import SimpleNamespace

import pytest

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def wallet_html(client, launch, card_system) -> str:
    launch()
    return client.get("/wallet?js=0").get_data(as_text=True)


def test_the_wallet_page_is_compressed_for_a_browser_that_accepts_it(client, wallet_html):
    plain = client.get("/wallet", headers={"Accept-Encoding": "identity"})
    packed = client.get("/wallet", headers={"Accept-Encoding": "gzip, deflate"})
    assert plain.headers.get("Content-Encoding") is None
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.data) < len(plain.data) / 2
    assert "余额" in gzip.decompress(packed.data).decode() or "balance" in gzip.decompress(packed.data).decode()
    assert packed.headers["Cache-Control"] == "no-store"  # a balance page still never comes from a cache


def test_fingerprinted_static_files_are_cached_for_good_and_compressed(client, wallet_html):
    urls = re.findall(r'(?:src|href)="(/static/[^"]+\?v=\w+|/brand/[^"]+)"', wallet_html)
    assert {u.split("?")[0].rsplit("/", 1)[-1] for u in urls} >= {"kabao.css", "htmx.min.js", "brand.css"}
    for url in urls:
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 200, url
            assert response.headers["Cache-Control"] == IMMUTABLE, url
            if url.startswith(("/static/kabao.css", "/static/htmx.min.js")):  # brand.css is too small to pay
                assert response.headers["Content-Encoding"] == "gzip", url
                assert gzip.decompress(response.get_data()), url


def test_a_static_file_under_an_old_fingerprint_is_not_kept(client, wallet_html):
    for url in ("/static/htmx.min.js?v=0000000000", "/static/htmx.min.js"):
        with client.get(url) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-cache", url


def test_the_session_cookie_is_sent_again_only_when_the_session_changed(client, wallet_html, monkeypatch):
    assert client.get("/wallet?js=0").headers.get("Set-Cookie") is None
    assert client.get("/wallet?js=0").headers.get("Set-Cookie") is None

    later = time.time() + 45  # the idle clock moves (every 30 s at most): then the cookie is re-sent
    monkeypatch.setattr("bff.web.shopper.time", SimpleNamespace(time=lambda: later))
    assert "kabao=" in client.get("/wallet?js=0").headers["Set-Cookie"]
