"""The ops console's own language: zh-CN by default or English, chosen per browser.

Console text is not shopper copy: it lives in its own catalogues (bff/ops/i18n/), so it never shows
up in the list of texts a merchant may override, and a console wording change touches no merchant.
Templates call `ot("key", name=value)`; Python code that builds a message calls `ops_text(...)`.
"""

from __future__ import annotations

from flask import g, request
from werkzeug.wrappers import Response

from bff.i18n import negotiate
from bff.i18n.placeholders import fill
from bff.ops.phrases import catalogue, said, word

LOCALES = ("zh-CN", "en")
DEFAULT = "zh-CN"
COOKIE = "kabao_ops_lang"
YEAR = 365 * 24 * 3600


def console_locale() -> str:
    """The console language of this request: the one chosen here before, else the browser's best."""
    if "ops_locale" not in g:
        chosen = request.cookies.get(COOKIE, "")
        g.ops_locale = chosen if chosen in LOCALES else negotiate([lang for lang, _q in request.accept_languages])
    return g.ops_locale


def ops_text(key: str, **values: object) -> str:
    """One console text in this request's language, its {placeholders} filled."""
    locale = console_locale()
    return fill(catalogue(locale)[key], {name: said(value, locale) for name, value in values.items()})


def ops_said(text: object) -> str:
    """A text from the console's code in this request's language (a Phrase translated, other text as it is)."""
    return said(text, console_locale())


def ops_word(prefix: str, value: object) -> str:
    """A status or kind in words of this request's language, e.g. ops_word("ops.status", "PAID")."""
    return word(prefix, value, console_locale())


def remember_locale(response: Response, locale: str) -> Response:
    if locale in LOCALES:
        response.set_cookie(COOKIE, locale, max_age=YEAR, path="/ops", samesite="Lax", secure=request.is_secure)
    return response
