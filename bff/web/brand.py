"""Each merchant's colours as a stylesheet (CSP allows no inline styles) and its logo."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, send_file
from werkzeug.wrappers import Response

from bff.merchants.loader import Merchant
from bff.web.caching import IMMUTABLE
from bff.web.shopper import services

bp = Blueprint("brand", __name__, url_prefix="/brand")
YEAR = 365 * 24 * 3600


def _merchant(merchant_id: str, version: str) -> Merchant:
    merchant = services().registry.get(merchant_id)
    if merchant is None or merchant.version != version:
        abort(404)
    return merchant


@bp.get("/<merchant_id>/<version>/brand.css")
def stylesheet(merchant_id: str, version: str) -> Response:
    """CSS custom properties and card faces; the version in the URL lets it be cached."""
    merchant = _merchant(merchant_id, version)
    response = make_response(render_template("brand.css", brand=merchant.config.brand))
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = IMMUTABLE  # a new version of the merchant file is a new URL
    return response


@bp.get("/<merchant_id>/<version>/logo")
def logo(merchant_id: str, version: str) -> Response:
    merchant = _merchant(merchant_id, version)
    if merchant.config.brand.logo is None:
        abort(404)
    response = send_file(merchant.path.parent / merchant.config.brand.logo, max_age=YEAR)
    response.headers["Cache-Control"] = IMMUTABLE
    return response
