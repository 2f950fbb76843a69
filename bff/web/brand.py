"""Each merchant's colours as a stylesheet (CSP allows no inline styles), its logo and card-face art."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, url_for
from werkzeug.wrappers import Response

from bff.merchants import assets
from bff.merchants.loader import Merchant
from bff.pages.pictures import picture
from bff.web.caching import IMMUTABLE
from bff.web.shopper import services

bp = Blueprint("brand", __name__, url_prefix="/brand")


def _merchant(merchant_id: str, version: str) -> Merchant:
    merchant = services().registry.get(merchant_id)
    if merchant is None or merchant.version != version:
        abort(404)
    return merchant


@bp.get("/<merchant_id>/<version>/brand.css")
def stylesheet(merchant_id: str, version: str) -> Response:
    """CSS custom properties and card faces; the version in the URL lets it be cached."""
    merchant = _merchant(merchant_id, version)

    def art_url(face: str) -> str:
        return url_for(".art", merchant_id=merchant_id, version=version, face=face)

    response = make_response(render_template("brand.css", brand=merchant.config.brand, art_url=art_url))
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = IMMUTABLE  # a new version of the merchant file is a new URL
    return response


@bp.get("/<merchant_id>/<version>/logo")
def logo(merchant_id: str, version: str) -> Response:
    merchant = _merchant(merchant_id, version)
    response = picture(merchant.path.parent, merchant.config.brand.logo, assets.LOGO_SUFFIXES)
    response.headers["Cache-Control"] = IMMUTABLE
    return response


@bp.get("/<merchant_id>/<version>/art/<face>")
def art(merchant_id: str, version: str, face: str) -> Response:
    """The art of one card face; the version in the URL names the merchant file, so it never changes meaning."""
    merchant = _merchant(merchant_id, version)
    card_face = merchant.config.brand.card_faces.get(face)
    response = picture(merchant.path.parent, card_face.art if card_face else None, assets.ART_SUFFIXES)
    response.headers["Cache-Control"] = IMMUTABLE
    return response
