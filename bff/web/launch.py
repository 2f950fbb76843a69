"""Launch: the host app hands over a signed token; we answer with a session and a clean URL."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from bff.i18n import LOCALES, negotiate
from bff.security.redirects import same_site_path
from bff.security.tokens import TokenProblem, TokenRejected, verify_launch
from bff.web.render import no_store
from bff.web.shopper import services, start_session, translator

log = logging.getLogger(__name__)
bp = Blueprint("launch", __name__)
T = TypeVar("T")

STATUS = {
    TokenProblem.INVALID: 400,
    TokenProblem.EXPIRED: 401,
    TokenProblem.REPLAYED: 401,
    TokenProblem.WRONG_AUDIENCE: 403,
}


@bp.get("/launch")
def launch() -> Response | tuple[str, int]:
    """Check the host app's token, start the shopper's session, and drop the token from the URL."""
    try:
        claims = verify_host_token(verify_launch)
    except TokenRejected as exc:
        log.info("launch refused: %s", exc.problem)
        return refused(exc.problem)
    merchant = services().registry.get(claims.merchant_id)
    if merchant is None:
        log.info("launch refused: unknown merchant")
        abort(404)
    if claims.locale in LOCALES:
        locale = claims.locale
    elif request.accept_languages:
        locale = negotiate(list(request.accept_languages.values()))
    else:
        locale = merchant.config.default_locale
    start_session(claims.user_id, merchant.id, locale)
    return no_store(redirect(url_for("wallet.home"), 303))


def verify_host_token(verify: Callable[..., T]) -> T:
    """Check the ?token= the host app signed: signature, age, audience, and its nonce spent once."""
    cfg = current_app.config
    return verify(
        request.args.get("token", ""),
        secret=cfg["KABAO_HOST_SECRET"],
        audience=cfg["KABAO_TOKEN_AUDIENCE"],
        max_age=cfg["KABAO_LAUNCH_MAX_AGE"],
        claim_nonce=services().store.add_if_absent,
    )


def refused(problem: TokenProblem) -> tuple[str, int]:
    """The 4xx page for a token we won't accept, in the shopper's language."""
    t = translator()
    body = render_template(
        "launch/refused.html",
        heading=t(f"launch.{problem.value}.title"),
        message=t(f"launch.{problem.value}.body"),
    )
    return body, STATUS[problem]


@bp.post("/locale")
def switch_locale() -> Response:
    """Let the shopper read the wallet in the other language."""
    locale = request.form.get("locale", "")
    if locale in LOCALES and session.get("uid"):
        session["loc"] = locale
    target = same_site_path(request.form.get("next", "")) or url_for("wallet.home")
    return redirect(target, 303)
