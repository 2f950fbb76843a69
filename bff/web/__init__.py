"""Blueprints and the request plumbing they share: headers, errors, template helpers."""

from __future__ import annotations

from flask import Flask

from bff.ops import account_views, approval_views, dashboard, drafts, order_actions, orders, preview, releases
from bff.ops import views as ops_views
from bff.ops.auth import ops_csrf_token
from bff.ops.language import console_locale, ops_text
from bff.ops.permits import can
from bff.ops.times import ops_time
from bff.security.headers import add_security_headers, content_security_policy
from bff.web import api, brand, caching, card, checkout, errors, health, launch, lost, paycode, terminal, wallet
from bff.web import bind as bind_views
from bff.web.render import is_htmx, static_url
from bff.web.shopper import template_context


def register(app: Flask) -> None:
    """Attach every blueprint, the security headers and the template helpers to the app."""
    shopper = (launch, wallet, bind_views, card, lost, checkout, paycode, brand)
    ops = (ops_views, releases, drafts, preview, orders, order_actions, dashboard, account_views, approval_views)
    for module in (health, *shopper, api, terminal, *ops):
        app.register_blueprint(module.bp)
    errors.register(app)
    caching.init_app(app)
    csp = content_security_policy(app.config["KABAO_FRAME_ANCESTORS"])
    app.after_request(lambda response: add_security_headers(response, csp))
    app.context_processor(template_context)
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["is_htmx"] = is_htmx
    app.jinja_env.globals["ops_csrf"] = ops_csrf_token
    app.jinja_env.filters["ops_time"] = ops_time
    app.jinja_env.globals["ot"] = ops_text
    app.jinja_env.globals["ops_locale"] = console_locale
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["approval_on"] = approval_views.approval_required
