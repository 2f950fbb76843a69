"""Ops preview: every shopper page in every state renders from fixtures, needs no card system, moves no money."""

from __future__ import annotations

import html
import re
import secrets
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from kabao_testing import CONFIG_DIR, text_of
from werkzeug.security import generate_password_hash

from bff import create_app
from bff.i18n import LOCALES, Translator
from bff.merchants.loader import load_merchant, merchant_files
from bff.merchants.model import MerchantConfig
from bff.ops import fixtures
from bff.ops.auth import COOKIE, start_ops_session
from bff.ops.preview import STATES, applies

MERCHANTS = {path.stem: load_merchant(path).config for path in merchant_files(CONFIG_DIR)}
RAW_KEY = re.compile(r"\b(?:app|wallet|bind|card|history|txn|unbind|checkout|common|error)\.[A-Za-z_]+")

Telling = Callable[[Translator, MerchantConfig], str]


def _key(key: str) -> Telling:
    return lambda t, config: t(key)


# for each state, a text only that state shows (in the locale and with the merchant's overrides)
TELLING: dict[tuple[str, str], Telling] = {
    ("wallet", "cards"): lambda t, config: t.money(fixtures.RICH, config.currency),
    ("wallet", "empty"): _key("wallet.empty.title"),
    ("wallet", "one_unavailable"): _key("wallet.some_unavailable"),
    ("wallet", "down"): _key("wallet.unavailable"),
    ("bind", "form"): _key("bind.privacy"),
    ("bind", "error_number"): _key("bind.error.number"),
    ("bind", "error_secret"): lambda t, config: t("bind.error.secret", length=config.flows.bind.secret.length),
    ("bind", "error_code"): _key("bind.error.code"),
    ("bind", "code_sent"): _key("bind.code_sent"),
    ("bind", "no_match"): lambda t, config: t(f"bind.problem.no_match.{config.flows.bind.method}"),
    **{("bind", s): _key(f"bind.problem.{s}") for s in ("locked", "secret_locked", "frozen", "expired")},
    **{("bind", s): _key(f"bind.problem.{s}") for s in ("already_bound", "sms_limit", "busy")},
    ("card", "history"): lambda t, config: (
        t("txn.kind.TOPUP") if config.offers("history") else t.money(fixtures.RICH, config.currency)
    ),
    ("card", "empty_history"): _key("history.empty"),
    ("card", "history_unavailable"): _key("history.unavailable"),
    ("checkout", "one_card"): lambda t, config: t("checkout.pay", amount=t.money(fixtures.ONE_CARD_AMOUNT)),
    ("checkout", "split"): lambda t, config: t("checkout.leg", last4="4402"),
    ("checkout", "remainder"): lambda t, config: t(
        "checkout.remainder_app" if config.checkout.allow_remainder else "checkout.short"
    ),
    ("checkout", "pin"): lambda t, config: t("checkout.pin", last4="8016"),
    ("checkout", "wrong_pin"): lambda t, config: t("pin.wrong", tries=2),
    **{("result", s): _key(f"checkout.result.{s.upper()}.title") for s in ("paid", "partly_paid", "failed", "pending")},
}


class Forbidden:
    """Stands in for the card systems and the store: the preview must never touch them."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __getattr__(self, name: str) -> object:
        pytest.fail(f"the preview used the {self.what} ({name})")


def _app(tmp_path: Path, config_dir: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "KABAO_HOST_SECRET": "test-host-secret",
            "KABAO_CONFIG_DIR": str(config_dir),
            "KABAO_STORE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
            "KABAO_LEDGER_PATH": str(tmp_path / "ledger.sqlite3"),
            "KABAO_CONFIG_RELOAD_SECONDS": 0,
            "KABAO_OPS_USERS": f"ops-tester:{generate_password_hash(secrets.token_urlsafe(12))}",
        }
    )


@pytest.fixture(scope="module")
def preview_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the whole module (no card system is started: the preview needs none)."""
    app = _app(tmp_path_factory.mktemp("preview"), CONFIG_DIR)
    yield app
    app.extensions["kabao"].close()


@pytest.fixture(autouse=True)
def no_outside_calls(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        pytest.fail(f"the preview made an HTTP call: {args[1:3]}")

    monkeypatch.setattr(requests.Session, "request", refuse)
    if "preview_app" in request.fixturenames:
        services = request.getfixturevalue("preview_app").extensions["kabao"]
        monkeypatch.setattr(services, "gateways", Forbidden("card systems"))
        monkeypatch.setattr(services, "store", OpsSessionsOnly(services.store))


class OpsSessionsOnly:
    """The store as far as the ops login needs it; the preview itself must not touch it."""

    def __init__(self, store: object) -> None:
        self.store = store

    def __getattr__(self, name: str) -> object:
        method = getattr(self.store, name)

        def call(key: str, *args: object) -> object:
            if name not in ("get", "put", "delete") or not key.startswith("ops-session:"):
                pytest.fail(f"the preview used the store: {name}({key!r})")
            return method(key, *args)

        return call


def log_in(app: Flask, client: FlaskClient) -> None:
    with app.test_request_context():
        value = start_ops_session("ops-tester")
    client.set_cookie(COOKIE, value, path="/ops")


@pytest.fixture
def ops(preview_app: Flask) -> FlaskClient:
    client = preview_app.test_client()
    log_in(preview_app, client)
    return client


def ledger_rows(app: Flask) -> int:
    with sqlite3.connect(app.config["KABAO_LEDGER_PATH"]) as db:
        return sum(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("checkouts", "attempts", "legs"))


def visible_text(response) -> str:
    return html.unescape(text_of(response))


@pytest.mark.parametrize(
    ("merchant_id", "page", "state"),
    [(m, page, state) for m in sorted(MERCHANTS) for page, state, _ in STATES if applies(MERCHANTS[m], page, state)],
)
def test_every_state_renders_its_own_text_in_both_locales(ops, preview_app, merchant_id, page, state):
    config = MERCHANTS[merchant_id]
    for locale in LOCALES:
        response = ops.get(f"/ops/preview/{merchant_id}/{page}/{state}?lang={locale}")
        assert response.status_code == 200, (locale, response.status_code)
        text = visible_text(response)
        t = Translator(locale, config.copy_overrides.get(locale, {}), config.timezone)
        assert TELLING[(page, state)](t, config) in text, locale
        assert not RAW_KEY.search(text), RAW_KEY.search(text).group(0)
        assert f'lang="{locale}"' in response.get_data(as_text=True)
    assert ledger_rows(preview_app) == 0


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/ops/preview/lime-market/result/pending?lang=zh-CN", "正在确认支付结果"),
        ("/ops/preview/lime-market/result/paid?lang=en", "Paid"),
        ("/ops/preview/lime-market/wallet/empty?lang=zh-CN", "还没有卡片"),
        ("/ops/preview/harbor-books/wallet/empty?lang=en", "No bookshop cards yet"),
        ("/ops/preview/lime-market/bind/no_match?lang=en", "The card number or password is not correct"),
        ("/ops/preview/harbor-books/bind/no_match?lang=zh-CN", "卡号或验证码不正确"),
        ("/ops/preview/lime-market/checkout/pin?lang=en", "Payment password of the card ending 8016"),
    ],
)
def test_preview_shows_the_shoppers_words(ops, path, expected):
    response = ops.get(path)
    assert response.status_code == 200
    assert expected in visible_text(response)


def test_every_state_is_covered_by_a_telling_text():
    assert set(TELLING) == {(page, state) for page, state, _ in STATES}


def test_preview_pages_carry_the_apps_content_security_policy(ops):
    response = ops.get("/ops/preview/lime-market/checkout/split?lang=en")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_grid_frames_every_state_in_both_locales_lazily(ops):
    response = ops.get("/ops/preview/lime-market")
    body = response.get_data(as_text=True)
    shown = [(page, state) for page, state, _ in STATES if applies(MERCHANTS["lime-market"], page, state)]
    assert response.status_code == 200
    assert body.count("<iframe") == 2 * len(shown)
    assert body.count('loading="lazy"') == 2 * len(shown)
    assert 'title="结果：确认中 (en)"' in body  # the console's language; the frame's own locale named
    assert "/ops/preview/lime-market/result/pending?lang=zh-CN&amp;source=live" in body
    assert "<script" not in body and "<style" not in body and "style=" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/ops/preview/no-such-merchant",
        "/ops/preview/no-such-merchant/wallet/cards",
        "/ops/preview/lime-market/wallet/nope",
        "/ops/preview/lime-market/nope/cards",
        "/ops/preview/lime-market/wallet/cards?lang=fr",
        "/ops/preview/lime-market/wallet/cards?source=elsewhere",
        "/ops/preview/lime-market/bind/code_sent",  # lime binds with a password: no SMS states
        "/ops/preview/birch-tea/result/partly_paid",  # birch allows no remainder
    ],
)
def test_unknown_merchant_page_state_or_locale_is_not_found(ops, path):
    assert ops.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/ops/preview/lime-market", "/ops/preview/lime-market/wallet/cards?lang=en"])
def test_preview_needs_an_ops_login(preview_app, path):
    response = preview_app.test_client().get(path)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/ops/login")


def test_a_shopper_session_is_no_ops_login(preview_app):
    client = preview_app.test_client()
    client.set_cookie(COOKIE, "forged", path="/ops")
    assert client.get("/ops/preview/lime-market").status_code == 303


@pytest.fixture
def draft_app(tmp_path: Path) -> Iterator[Flask]:
    """lime-market live, and a draft of it with other words and another primary colour."""
    config_dir = tmp_path / "wallet_config"
    (config_dir / ".drafts").mkdir(parents=True)
    shutil.copytree(CONFIG_DIR / "assets", config_dir / "assets")
    live = (CONFIG_DIR / "lime-market.yaml").read_text("utf-8")
    (config_dir / "lime-market.yaml").write_text(live, "utf-8")
    draft = live.replace("wallet.total: 卡内可用余额", "wallet.total: 草稿里的余额").replace("#0b7a4b", "#0a5c8a")
    (config_dir / ".drafts" / "lime-market.yaml").write_text(draft, "utf-8")
    app = _app(tmp_path, config_dir)
    yield app
    app.extensions["kabao"].close()


def test_preview_shows_the_draft_before_it_is_published(draft_app):
    client = draft_app.test_client()
    log_in(draft_app, client)
    live = visible_text(client.get("/ops/preview/lime-market/wallet/cards?lang=zh-CN&source=live"))
    draft = client.get("/ops/preview/lime-market/wallet/cards?lang=zh-CN&source=draft")
    assert "卡内可用余额" in live and "草稿里的余额" not in live
    assert "草稿里的余额" in visible_text(draft)
    stylesheet = re.search(r'href="(/ops/preview/lime-market/brand\.css[^"]*)"', draft.get_data(as_text=True))
    assert stylesheet, "a draft's colours come from the preview, not the published /brand/ stylesheet"
    css = client.get(html.unescape(stylesheet.group(1)))
    assert css.status_code == 200 and "#0a5c8a" in css.get_data(as_text=True)
    logo = re.search(r'src="(/ops/preview/lime-market/logo[^"]*)"', draft.get_data(as_text=True))
    assert logo
    with client.get(html.unescape(logo.group(1))) as image:
        assert image.status_code == 200


def test_an_invalid_draft_says_what_is_wrong(draft_app):
    drafts = Path(draft_app.config["KABAO_CONFIG_DIR"]) / ".drafts"
    (drafts / "lime-market.yaml").write_text("brand: {}\n", "utf-8")
    client = draft_app.test_client()
    log_in(draft_app, client)
    response = client.get("/ops/preview/lime-market/wallet/cards?source=draft")
    assert response.status_code == 422
    assert "brand" in response.get_data(as_text=True)
