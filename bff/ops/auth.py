"""Ops logins and their own sessions (the accounts themselves are in bff/ops/accounts.py).

The ops session is not Flask's shopper session: a different cookie, limited to /ops, signed with its
own salt, so a shopper session gives no access here and an ops session none to shoppers' cards.
The cookie names a session kept in the store, so logging out ends it on the server and a session
left idle expires there, whatever the browser keeps.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from typing import Any

from flask import current_app, g, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from bff.ops.accounts import AccountBook, session_key
from bff.ops.phrases import Phrase
from bff.ops.roles import Account
from bff.store import Store

COOKIE = "kabao_ops"
SALT = "kabao.ops-session"
LIFETIME = 8 * 3600  # at most, from login


@functools.cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def check_login(book: AccountBook, user: str, password: str) -> Account | None:
    """The account user opens with password, or None (unknown, disabled, or the wrong password)."""
    account = book.get(user)
    if account is None or not account.enabled:
        check_password_hash(_dummy_hash(), password)  # same work for unknown users: no timing oracle
        return None
    return account if check_password_hash(account.password_hash, password) else None


def account_book() -> AccountBook:
    return current_app.extensions["kabao_ops_accounts"]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _store() -> Store:
    return current_app.extensions["kabao"].store


def _idle_seconds() -> int:
    return int(current_app.config["KABAO_OPS_IDLE_SECONDS"])


def _key(session_id: str) -> str:
    return f"ops-session:{session_id}"


def start_ops_session(user: str) -> str:
    """Open a session for user in the store and the account book; answer the cookie value that names it."""
    session_id, csrf = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    account_book().open_session(session_id, user, request.remote_addr or "unknown")
    _store().put(_key(session_id), user, _idle_seconds())
    return _serializer().dumps({"user": user, "csrf": csrf, "sid": session_id})


def end_ops_session() -> None:
    """End this request's ops session on the server: its cookie opens nothing any more."""
    if current_ops_user() is not None:
        account_book().end_session(session_key(g.ops["sid"]))
        _store().delete(_key(g.ops["sid"]))
    g.ops = None


def this_session_key() -> str:
    """The public key of this request's session ("" when logged out)."""
    return session_key(g.ops["sid"]) if current_ops_user() else ""


def _session_of(raw: str) -> dict[str, str] | None:
    try:
        data = _serializer().loads(raw, max_age=LIFETIME)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("sid"), str):
        return None  # a cookie from before sessions were kept in the store
    account = account_book().get(str(data.get("user")))
    if account is None or not account.enabled:
        return None  # the account was removed or disabled since
    if _store().get(_key(data["sid"])) != data["user"]:
        return None  # logged out, or idle too long
    if not account_book().session_open(data["sid"], data["user"]):
        return None  # ended by its user or an admin, or the password changed
    g.ops_account = account
    _store().put(_key(data["sid"]), data["user"], _idle_seconds())  # each request restarts the idle clock
    return data


def current_ops_user() -> str | None:
    """The logged-in ops user of this request, or None."""
    if "ops" not in g:
        raw = request.cookies.get(COOKIE)
        g.ops = _session_of(raw) if raw else None
    return g.ops["user"] if g.ops else None


def current_ops_account() -> Account | None:
    """The logged-in ops account of this request, with its roles, or None."""
    return g.ops_account if current_ops_user() is not None else None


def ops_csrf_token() -> str:
    return g.ops["csrf"] if current_ops_user() else ""


def csrf_ok() -> bool:
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRFToken") or ""
    # compared as bytes: compare_digest refuses str with non-ASCII characters
    return bool(current_ops_user()) and hmac.compare_digest(sent.encode(), ops_csrf_token().encode())


def ops_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Views behind this need an ops login; a POST also needs the ops session's CSRF token."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_ops_user() is None:
            return redirect(url_for("ops.login", next=request.path), 303)
        if request.method == "POST" and not csrf_ok():
            return csrf_refused()
        return view(*args, **kwargs)

    return wrapped


def csrf_refused() -> tuple[str, int]:
    """The page for a form without this session's token: stale, or not sent from the console."""
    lines = [Phrase("ops.message.form_refused_line")]
    title = Phrase("ops.message.form_refused")
    page = render_template("ops/message.html", user=current_ops_user(), title=title, lines=lines)
    return page, 400
