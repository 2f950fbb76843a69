"""The ops console: its blueprints and the template helpers its pages use."""

from __future__ import annotations

from flask import Flask

from bff.ops import (
    account_views,
    approval_views,
    assets,
    dashboard,
    drafts,
    order_actions,
    orders,
    preview,
    preview_link,
    releases,
    views,
    visual,
)
from bff.ops.auth import ops_csrf_token
from bff.ops.config_words import problem_words
from bff.ops.language import console_locale, ops_text
from bff.ops.permits import can, keep_to_merchants, sees
from bff.ops.times import ops_time
from bff.pages.services import services

MODULES = (  # one a line: a new console page is one line here
    views,
    releases,
    drafts,
    preview,
    orders,
    order_actions,
    dashboard,
    preview_link,
    account_views,
    approval_views,
    assets,
    visual,
)
BLUEPRINTS = tuple(module.bp for module in MODULES)


def init_app(app: Flask) -> None:
    """The console's template helpers (CSRF token, times in the merchant's zone, its language) and merchant scope."""
    app.jinja_env.globals["ops_csrf"] = ops_csrf_token
    app.jinja_env.filters["ops_time"] = ops_time
    app.jinja_env.globals["ot"] = ops_text
    app.jinja_env.globals["ops_locale"] = console_locale
    app.jinja_env.globals["preview_qr"] = preview_link.preview_qr
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["sees"] = sees
    app.jinja_env.globals["config_problem"] = problem_words
    app.before_request(keep_to_merchants(frozenset(blueprint.name for blueprint in BLUEPRINTS)))
    app.jinja_env.globals["merchant_label"] = merchant_label
    app.jinja_env.globals["approval_on"] = approval_views.approval_required


def merchant_label(merchant_id: str) -> str:
    """A merchant as ops know it: its name in the console's language, then its id ("<name> · <merchant id>")."""
    merchant = services().registry.get(merchant_id)
    if merchant is None:
        return merchant_id
    return f"{merchant.config.text(merchant.config.brand.name, console_locale())} · {merchant_id}"
