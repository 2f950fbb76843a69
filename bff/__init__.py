"""Kabao's backend-for-frontend: the H5 card wallet, server-rendered with htmx."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from bff import settings
from bff.adapters.factory import Gateways
from bff.adapters.guarded import make_session
from bff.checkout.ledger import Ledger
from bff.checkout.notify import Notifier
from bff.checkout.payer import Payer
from bff.checkout.refunds import Refunds
from bff.ledger_db import ledger_url, open_ledger_db
from bff.merchants.policy import ConfigPolicy
from bff.merchants.registry import MerchantRegistry
from bff.ops.accounts import AccountBook, load_file_accounts
from bff.paycode.codes import PayCodes, paycode_key
from bff.paycode.redemptions import Redemptions
from bff.paycode.till import Till
from bff.security.attempts import WrongSecretGuard
from bff.services import Services
from bff.store import open_store
from bff.store.tallies import Tallies
from bff.wallet.balance_cache import MoneyMoved
from bff.wallet.balances import BalanceBook
from bff.wallet.binding import Binder
from bff.wallet.marking_gateway import marking
from bff.wallet.sms import SmsLimiter

csrf = CSRFProtect()


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the BFF: settings, merchants, store, gateways, CSRF and blueprints."""
    app = Flask(__name__, instance_relative_config=True, instance_path=settings.instance_dir(os.environ))
    app.config.from_mapping(settings.DEFAULTS)
    app.config.update(settings.from_environ(os.environ))
    if test_config is not None:
        app.config.update(test_config)
    settings.check(app.config)

    https = app.config["KABAO_HTTPS"]
    app.config.update(
        SESSION_COOKIE_NAME="__Host-kabao" if https else "kabao",
        SESSION_COOKIE_SECURE=https,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=app.config["KABAO_SESSION_MAX_SECONDS"],
        # the cookie is re-signed and re-sent only when the session changed (the idle clock moves every 30 s);
        # its lifetime is the absolute maximum anyway, which the session's own "iat" enforces
        SESSION_REFRESH_EACH_REQUEST=False,
        WTF_CSRF_SSL_STRICT=https,
        WTF_CSRF_TIME_LIMIT=app.config["KABAO_SESSION_MAX_SECONDS"],
    )
    if app.config["KABAO_PROXY_HOPS"]:
        hops = app.config["KABAO_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    store_url = app.config["KABAO_STORE_URL"] or f"sqlite:///{Path(app.instance_path) / 'kabao.sqlite3'}"
    store = open_store(store_url)
    executor = ThreadPoolExecutor(app.config["KABAO_BALANCE_WORKERS"], thread_name_prefix="balance")
    ledger = Ledger(open_ledger_db(ledger_url(app.config, app.instance_path)))
    guard = WrongSecretGuard(store, app.config["SECRET_KEY"].encode())
    policy = ConfigPolicy.from_settings(app.config)
    config_dir = Path(app.config["KABAO_CONFIG_DIR"])
    payer, refunds = Payer(ledger), Refunds(ledger)
    tallies = Tallies(store)
    codes = PayCodes(store, paycode_key(app.config["SECRET_KEY"]))
    moved = MoneyMoved(store, app.config["SECRET_KEY"])  # voids the wallet's short balance cache
    app.extensions["kabao"] = Services(
        registry=MerchantRegistry(config_dir, app.config["KABAO_CONFIG_RELOAD_SECONDS"], policy),
        store=store,
        gateways=Gateways(
            policy=policy, pool_size=app.config["KABAO_BALANCE_WORKERS"], tallies=tallies, wrap=marking(moved, ledger)
        ),
        balances=BalanceBook(store, executor, app.config["SECRET_KEY"], moved),
        binder=Binder(guard, SmsLimiter(store, app.config["SECRET_KEY"].encode()), tallies),
        executor=executor,
        ledger=ledger,
        payer=payer,
        refunds=refunds,
        guard=guard,
        notifier=Notifier(ledger.db, app.config["KABAO_HOST_SECRET"], make_session(policy.outbound, policy.proxy)),
        till=Till(codes, Redemptions(ledger.db), ledger, payer, refunds),
        tallies=tallies,
    )
    csrf.init_app(app)
    app.extensions["kabao_ops_accounts"] = AccountBook(load_file_accounts(app.config), ledger.db)

    from bff import web
    from bff.ops import console
    from bff.pages import responses

    for blueprint in (*web.BLUEPRINTS, *console.BLUEPRINTS):
        app.register_blueprint(blueprint)
    web.init_app(app)  # its after_request hooks (compression) run after the headers below are set
    responses.init_app(app)
    console.init_app(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app
