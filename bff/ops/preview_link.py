"""A short-lived signed link to one merchant's preview, for a real phone without an ops login, and its QR code.

The link names the merchant and the source (its draft, or what is live) and nothing else: it opens the
preview pages of that merchant only, read-only, never stored by a cache nor indexed, for MAX_AGE seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from flask import Blueprint, abort, current_app, make_response, render_template, request, send_file, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import Markup, escape
from werkzeug.wrappers import Response

from bff.i18n import LOCALES
from bff.merchants.loader import Merchant
from bff.ops import preview
from bff.pages.responses import no_store

bp = Blueprint("ops_preview_link", __name__, url_prefix="/ops/look")
SALT = "kabao.ops.preview-link"
MAX_AGE = 15 * 60


@dataclass(frozen=True)
class PreviewQr:
    url: str
    svg: Markup
    minutes: int


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def preview_qr(merchant_id: str, source: str = "draft") -> PreviewQr:
    """A fresh link to the merchant's preview (draft or live) and its QR code as inline SVG."""
    token = _signer().dumps({"m": merchant_id, "s": source})
    url = url_for("ops_preview_link.index", token=token, _external=True)
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return PreviewQr(url, Markup(svg), MAX_AGE // 60)  # noqa: S704 - segno's own SVG of our own URL


def _answer(html: str, status: int = 200) -> Response:
    response = no_store(make_response(html, status))
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response  # the app's Referrer-Policy (same-origin) keeps the token from other sites' Referer


def _problem(kind: str, status: int) -> Response:
    return _answer(render_template("ops/look_problem.html", kind=kind), status)


def _opened(token: str) -> tuple[Merchant, str]:
    """The merchant and source the token names; a clear page when it expired or was not made here."""
    try:
        claims = _signer().loads(token, max_age=MAX_AGE)
    except SignatureExpired:
        abort(_problem("expired", 410))
    except BadSignature:
        abort(_problem("invalid", 403))
    merchant_id, source = claims.get("m"), claims.get("s")
    if not isinstance(merchant_id, str) or source not in preview.SOURCES:
        abort(_problem("invalid", 403))
    return preview.merchant_or_404(merchant_id, source), source


@bp.get("/<token>")
def index(token: str) -> Response:
    """The merchant's preview states as a list a phone can tap through, in each locale."""
    merchant, source = _opened(token)
    page = render_template(
        "ops/look.html",
        token=token,
        merchant=merchant,
        source=source,
        states=preview.states_for(merchant),
        page_titles=preview.PAGE_TITLES,
        locales=LOCALES,
    )
    return _answer(page)


@bp.get("/<token>/<page>/<state>")
def one(token: str, page: str, state: str) -> Response:
    merchant, source = _opened(token)
    locale = request.args.get("lang", "zh-CN")
    if locale not in LOCALES:
        abort(404)
    try:
        html = preview.render_preview(merchant, page, state, locale)
    except LookupError:
        abort(404)
    return _answer(_draft_brand(html, merchant, source, token))


def _draft_brand(html: str, merchant: Merchant, source: str, token: str) -> str:
    """Point a draft's stylesheet and logo here: the /brand/ routes serve only the published version."""
    if source != "draft":
        return html
    swaps = {
        url_for("brand.stylesheet", merchant_id=merchant.id, version=merchant.version): url_for(
            ".brand_css", token=token, v=merchant.version
        ),
        url_for("brand.logo", merchant_id=merchant.id, version=merchant.version): url_for(
            ".logo", token=token, v=merchant.version
        ),
    }
    for published, here in swaps.items():
        html = html.replace(f'"{escape(published)}"', f'"{escape(here)}"')
    return html


@bp.get("/<token>/brand.css")
def brand_css(token: str) -> Response:
    merchant, _source = _opened(token)
    response = _answer(render_template("brand.css", brand=merchant.config.brand))
    response.mimetype = "text/css"
    return response


@bp.get("/<token>/logo")
def logo(token: str) -> Response:
    merchant, _source = _opened(token)
    if merchant.config.brand.logo is None:
        abort(404)
    return no_store(send_file(merchant.path.parent / merchant.config.brand.logo))
