"""The sandbox's Flask app factory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import requests
from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from sandbox import admin, api, checkout, notifications, refunds, simulator, terminal
from sandbox.context import Sandbox
from sandbox.db import Database
from sandbox.dialects import birch, gateway_xml, maple, olive, open_gateway, signed_json, sm_json
from sandbox.hostapi import HostApi
from sandbox.money import plain_yuan, yuan
from sandbox.seed import load_seed, seed_if_empty

DIALECTS = (olive, maple, birch, gateway_xml, signed_json, open_gateway, sm_json)


def create_app(
    db_path: str | Path,
    config_dir: str | Path,
    bff_url: str,
    api_key: str,
    host_secret: str,
    *,
    keys: Mapping[str, str] | None = None,
) -> Flask:
    """Build the sandbox: create and seed its database if new, register the blueprints."""
    app = Flask(__name__)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    db = Database(db_path)
    seed = load_seed()
    try:
        db.create_schema()
        seed_if_empty(db, seed)
    finally:
        db.close()
    app.extensions["sandbox"] = Sandbox(
        db=db,
        seed=seed,
        config_dir=Path(config_dir),
        bff_url=bff_url.rstrip("/"),
        api_key=api_key,
        host_secret=host_secret,
        host_api=HostApi(bff_url, host_secret, requests.Session()),
        keys=dict(keys or {}),
    )
    app.teardown_appcontext(lambda _error: db.close())
    app.add_template_filter(yuan, "yuan")
    app.add_template_filter(plain_yuan, "plain_yuan")
    app.register_blueprint(api.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(simulator.bp)
    app.register_blueprint(checkout.bp)
    app.register_blueprint(refunds.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(terminal.bp)
    for dialect in DIALECTS:
        app.register_blueprint(dialect.bp)
    app.register_error_handler(HTTPException, _http_error)
    bff_origin = "{0.scheme}://{0.netloc}".format(urlsplit(bff_url))
    app.after_request(lambda response: _security_headers(response, bff_origin))
    return app


def _http_error(error: HTTPException) -> Response | HTTPException:
    """Routing errors under /cs or a dialect's prefix answer in that API's shape; elsewhere Flask's page."""
    for dialect in DIALECTS:
        if request.path.startswith(dialect.ROOT):
            return dialect.routing_error(error)
    if not request.path.startswith("/cs/"):
        return error
    response = jsonify({"result": "ERROR", "error": {"code": "INVALID_REQUEST", "message": error.description}})
    response.status_code = 400
    return response


def _security_headers(response: Response, bff_origin: str) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none';"
            f" form-action 'self' {bff_origin}; frame-ancestors 'none'",
        )
    return response
