"""The preview link's QR code: a phone opens one merchant's draft preview without an ops login, for a short time."""

from __future__ import annotations

import html
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from kabao_testing import CONFIG_DIR
from test_ops_preview import _app, log_in, visible_text

from bff.ops.preview_link import MAX_AGE

LINK = re.compile(r'href="(http://localhost/ops/look/[^"/]+)"')


@pytest.fixture
def draft_app(tmp_path: Path) -> Iterator[Flask]:
    """lime-market and peach-bakery live, and a draft of lime-market with other words and another colour."""
    config_dir = tmp_path / "wallet_config"
    (config_dir / ".drafts").mkdir(parents=True)
    shutil.copytree(CONFIG_DIR / "assets", config_dir / "assets")
    for merchant_id in ("lime-market", "peach-bakery"):
        shutil.copy(CONFIG_DIR / f"{merchant_id}.yaml", config_dir)
    live = (CONFIG_DIR / "lime-market.yaml").read_text("utf-8")
    draft = live.replace("wallet.total: 卡内可用余额", "wallet.total: 草稿里的余额").replace("#0b7a4b", "#0a5c8a")
    (config_dir / ".drafts" / "lime-market.yaml").write_text(draft, "utf-8")
    app = _app(tmp_path, config_dir)
    yield app
    app.extensions["kabao"].close()


def link_on(draft_app: Flask, path: str) -> str:
    ops = draft_app.test_client()
    log_in(draft_app, ops)
    page = ops.get(path).get_data(as_text=True)
    assert "<svg" in page and 'class="segno"' in page  # the QR code, drawn inline
    return html.unescape(LINK.search(page).group(1))


def test_the_edit_pages_qr_opens_the_draft_on_a_phone_without_an_ops_login(draft_app):
    link = link_on(draft_app, "/ops/merchants/lime-market")
    phone = draft_app.test_client()  # no ops session
    index = phone.get(link)
    assert index.status_code == 200 and index.headers["Cache-Control"] == "no-store"
    assert "noindex" in index.headers["X-Robots-Tag"] and 'name="robots" content="noindex' in index.get_data(True)
    state = re.search(r'href="(/ops/look/[^"]+/wallet/cards\?lang=zh-CN)"', index.get_data(as_text=True)).group(1)
    wallet = phone.get(html.unescape(state))
    assert wallet.status_code == 200 and wallet.headers["Cache-Control"] == "no-store"
    assert "草稿里的余额" in visible_text(wallet)  # the draft, not what is live
    stylesheet = re.search(r'href="(/ops/look/[^"]+/brand\.css[^"]*)"', wallet.get_data(as_text=True)).group(1)
    assert "#0a5c8a" in phone.get(html.unescape(stylesheet)).get_data(as_text=True)


def test_the_preview_grid_has_a_qr_of_what_it_shows(draft_app):
    link = link_on(draft_app, "/ops/preview/lime-market?source=live")
    wallet = draft_app.test_client().get(f"{link}/wallet/cards?lang=zh-CN")
    assert "卡内可用余额" in visible_text(wallet) and "草稿里的余额" not in visible_text(wallet)


def test_the_link_expires(draft_app, monkeypatch):
    link = link_on(draft_app, "/ops/merchants/lime-market")
    later = time.time() + MAX_AGE + 5
    monkeypatch.setattr("itsdangerous.timed.time", SimpleNamespace(time=lambda: later))
    phone = draft_app.test_client()
    for path in (link, f"{link}/wallet/cards", f"{link}/brand.css"):
        response = phone.get(path)
        assert response.status_code == 410, path
        assert "此预览链接已过期" in response.get_data(as_text=True)  # the console's default language


def test_a_tampered_link_opens_nothing(draft_app):
    link = link_on(draft_app, "/ops/merchants/lime-market")
    token = link.rsplit("/", 1)[1]
    payload, rest = token.split(".", 1)
    forged = payload.replace(payload[2], "A" if payload[2] != "A" else "B", 1) + "." + rest
    phone = draft_app.test_client()
    for bad in (forged, token[:-2], "not-a-token"):
        response = phone.get(f"/ops/look/{bad}/wallet/cards")
        assert response.status_code == 403 and "无效" in response.get_data(as_text=True)


def test_the_link_opens_neither_another_merchant_nor_any_ops_page(draft_app):
    link = link_on(draft_app, "/ops/merchants/lime-market")
    phone = draft_app.test_client()
    assert phone.get(link).status_code == 200
    assert "peach-bakery" not in phone.get(link).get_data(as_text=True)
    # the token is the lime-market draft's only: another merchant's preview still needs a login
    for path in ("/ops/preview/peach-bakery", "/ops/preview/lime-market", "/ops/merchants/lime-market", "/ops/"):
        response = phone.get(path)
        assert response.status_code == 303 and response.headers["Location"].startswith("/ops/login"), path
    publish = phone.post("/ops/merchants/lime-market/publish", data={"note": "sneaky"})
    assert publish.status_code == 303 and publish.headers["Location"].startswith("/ops/login")
    assert "草稿里的余额" not in visible_text(phone.get("/wallet"))  # nor the shopper's own pages


def test_a_link_signed_with_another_salt_is_refused(draft_app):
    from itsdangerous import URLSafeTimedSerializer

    for salt in ("kabao.launch", "kabao.checkout"):
        other = URLSafeTimedSerializer("test-secret-key", salt=salt).dumps({"m": "lime-market", "s": "draft"})
        assert draft_app.test_client().get(f"/ops/look/{other}").status_code == 403


def test_the_token_never_leaves_for_another_site(draft_app):
    link = link_on(draft_app, "/ops/merchants/lime-market")
    for path in (link, f"{link}/wallet/cards"):
        response = draft_app.test_client().get(path)
        assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
        assert "noindex" in response.headers["X-Robots-Tag"]
