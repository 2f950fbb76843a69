"""The shopper pages and the host and terminal APIs: their blueprints and the plumbing they add to the app."""

from __future__ import annotations

from flask import Flask

from bff.web import api, brand, caching, card, checkout, errors, health, launch, lost, paycode, terminal, wallet
from bff.web import bind as bind_views
from bff.web.shopper import template_context

BLUEPRINTS = tuple(
    module.bp for module in (health, launch, wallet, bind_views, card, lost, checkout, paycode, brand, api, terminal)
)


def init_app(app: Flask) -> None:
    """The shopper's error pages, compression and static caching, and the shopper template context."""
    errors.register(app)
    caching.init_app(app)
    app.context_processor(template_context)
