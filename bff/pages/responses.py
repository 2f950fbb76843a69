"""Answer a whole page or, to htmx, just the fragment; redirect after POST either way (shopper pages and ops)."""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

from flask import Flask, Response, current_app, make_response, redirect, render_template, request, url_for

from bff.security.headers import add_security_headers, content_security_policy


def is_htmx() -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def page_or_fragment(page: str, fragment: str, status: int = 200, **context: Any) -> Response:
    response = make_response(render_template(fragment if is_htmx() else page, **context), status)
    response.vary.add("HX-Request")
    return response


def redirect_after_post(url: str) -> Response:
    """303 to url; for htmx, ask it to navigate there instead of swapping the answer."""
    if is_htmx():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)


def no_store(response: Response) -> Response:
    """Pages that show balances must never come back from a cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@cache
def _static_version(root: str, filename: str) -> str:
    with open(f"{root}/{filename}", "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:10]


def static_version(filename: str) -> str:
    """The content hash of one of the app's static files (read once per process)."""
    return _static_version(current_app.static_folder or "", filename)


def static_url(filename: str) -> str:
    """A static file's URL with a content hash, so it can be cached for a long time (web/caching.py)."""
    return url_for("static", filename=filename, v=static_version(filename))


def init_app(app: Flask) -> None:
    """What every page of the app gets: the security headers and the static_url and is_htmx template helpers."""
    csp = content_security_policy(app.config["KABAO_FRAME_ANCESTORS"])
    app.after_request(lambda response: add_security_headers(response, csp))
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["is_htmx"] = is_htmx
