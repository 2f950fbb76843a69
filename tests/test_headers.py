"""Security headers on every BFF response, cache rules on balance pages."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def paths(client, launch, card_system):
    launch()
    page = client.get("/wallet?js=0").get_data(as_text=True)
    brand_css = re.search(r'href="(/brand/[^"]+/brand.css)"', page).group(1)
    card = re.search(r'href="(/cards/[^"]+)"', page).group(1)
    return [
        "/wallet",
        "/bind",
        card,
        f"{card}/unbind",
        brand_css,
        "/static/htmx.min.js",
        "/no-such-page",
        "/launch?token=bad",
        "/healthz",
    ]


def test_every_response_carries_the_security_headers(client, paths):
    for path in paths:
        with client.get(path) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
        assert "object-src 'none'" in csp and "base-uri 'none'" in csp and "frame-ancestors 'self'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_frame_ancestors_come_from_settings(make_app):
    app = make_app(KABAO_FRAME_ANCESTORS="https://app.example.com")
    assert (
        "frame-ancestors https://app.example.com"
        in app.test_client().get("/healthz").headers["Content-Security-Policy"]
    )


def test_pages_with_balances_are_never_cached(client, paths):
    for path in paths[:4]:
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_pages_have_no_inline_script_or_style_and_htmx_is_configured_for_csp(client, paths):
    html = client.get("/wallet?js=0").get_data(as_text=True)
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert " style=" not in html and "<style" not in html and " hx-on" not in html
    assert '"allowEval":false' in html and '"includeIndicatorStyles":false' in html
    assert re.search(r'<script src="/static/htmx.min.js\?v=\w+" defer></script>', html)


def test_htmx_requests_send_the_csrf_token_header(client, paths):
    html = client.get("/wallet?js=0").get_data(as_text=True)
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"[^\"]+\"\}'>", html)
