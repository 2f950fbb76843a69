"""Ops accounts (password hashes from a file or the environment) and their own signed session cookie.

The ops session is not Flask's shopper session: a different cookie, limited to /ops, signed with its
own salt, so a shopper session gives no access here and an ops session none to shoppers' cards.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import current_app, g, redirect, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

COOKIE = "kabao_ops"
SALT = "kabao.ops-session"
LIFETIME = 8 * 3600


def load_accounts(environ: Mapping[str, str]) -> dict[str, str]:
    """user → password hash, from KABAO_OPS_USERS_FILE (lines `user:hash`) or KABAO_OPS_USERS (`user:hash,…`).

    Hashes are werkzeug's (`python -c "from werkzeug.security import generate_password_hash as g; print(g('pw'))"`);
    a plain-text password is refused.
    """
    lines: list[str] = []
    if environ.get("KABAO_OPS_USERS_FILE"):
        lines = Path(environ["KABAO_OPS_USERS_FILE"]).read_text(encoding="utf-8").splitlines()
    elif environ.get("KABAO_OPS_USERS"):
        lines = environ["KABAO_OPS_USERS"].split(",")
    accounts = {}
    for line in (raw.strip() for raw in lines):
        if not line or line.startswith("#"):
            continue
        user, _, hashed = line.partition(":")
        if not hashed.startswith(("scrypt:", "pbkdf2:")):
            raise ValueError(f"ops account {user!r}: give a password hash (werkzeug), never the password")
        accounts[user.strip()] = hashed.strip()
    return accounts


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def check_login(accounts: Mapping[str, str], user: str, password: str) -> bool:
    hashed = accounts.get(user)
    if hashed is None:
        check_password_hash(_dummy_hash(), password)  # same work for unknown users: no timing oracle
        return False
    return check_password_hash(hashed, password)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def ops_session_cookie(user: str) -> tuple[str, str]:
    """The cookie value for a fresh ops session, and its CSRF token."""
    csrf = secrets.token_urlsafe(24)
    return _serializer().dumps({"user": user, "csrf": csrf, "iat": int(time.time())}), csrf


def current_ops_user() -> str | None:
    """The logged-in ops user of this request, or None."""
    if "ops" not in g:
        g.ops = None
        raw = request.cookies.get(COOKIE)
        if raw:
            try:
                g.ops = _serializer().loads(raw, max_age=LIFETIME)
            except BadSignature:
                g.ops = None
    return g.ops["user"] if g.ops else None


def ops_csrf_token() -> str:
    return g.ops["csrf"] if current_ops_user() else ""


def csrf_ok() -> bool:
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRFToken") or ""
    return bool(current_ops_user()) and hmac.compare_digest(sent, ops_csrf_token())


def ops_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Views behind this need an ops login; a POST also needs the ops session's CSRF token."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_ops_user() is None:
            return redirect(url_for("ops.login", next=request.path), 303)
        if request.method == "POST" and not csrf_ok():
            return "CSRF check failed", 400
        return view(*args, **kwargs)

    return wrapped
