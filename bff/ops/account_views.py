"""Accounts from the console (admin): add, disable or enable, reset a password, change roles, end sessions.

Every change goes to the audit log (never a password). Anyone logged in sees their own open sessions
and can end the others (a phone left logged in, say).
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from bff import csrf
from bff.ops.accounts import AccountProblem
from bff.ops.audit_log import record_action
from bff.ops.auth import account_book, current_ops_user, ops_required, this_session_key
from bff.ops.desk import Desk
from bff.ops.language import ops_text
from bff.ops.permits import ops_role
from bff.ops.roles import ROLES
from bff.ops.views import console_page
from bff.pages.services import services

bp = Blueprint("ops_accounts", __name__, url_prefix="/ops")
csrf.exempt(bp)  # the ops session carries its own CSRF token, checked by ops_required


def _idle() -> int:
    return int(current_app.config["KABAO_OPS_IDLE_SECONDS"])


def _audit(action: str, note: str) -> None:
    history = Desk(services().registry.config_dir).history
    record_action(history, current_ops_user() or "", "", f"accounts: {action}", note)


def _list(status: int = 200, problem: str = "", done: str = "") -> Response:
    book = account_book()
    accounts = book.all()
    sessions = {a.user: book.sessions(a.user, _idle()) for a in accounts}
    return console_page(
        "ops/accounts.html",
        status=status,
        accounts=accounts,
        sessions=sessions,
        roles=ROLES,
        problem=problem,
        done=done or request.args.get("done", ""),
        this_session=this_session_key(),
    )


def _changed(done_key: str, **values: str) -> Response:
    return redirect(url_for("ops_accounts.accounts", done=ops_text(done_key, **values)), 303)


def _refused(exc: AccountProblem) -> Response:
    return _list(409 if exc.key.endswith(("taken", "from_file")) else 422, ops_text(exc.key, **exc.values))


@bp.get("/accounts")
@ops_required
@ops_role("admin")
def accounts() -> Response:
    return _list()


@bp.post("/accounts")
@ops_required
@ops_role("admin")
def add() -> Response:
    form = request.form
    user = form.get("user", "").strip().lower()
    try:
        account_book().add(
            current_ops_user() or "",
            user,
            form.get("display_name", ""),
            form.getlist("roles"),
            form.get("merchants", ""),
            form.get("password", ""),
        )
    except AccountProblem as exc:
        return _refused(exc)
    roles_now, merchants = " ".join(form.getlist("roles")) or "viewer", form.get("merchants") or "*"
    _audit("add", f"{user}: roles {roles_now}; merchants {merchants}")
    return _changed("ops.accounts.done.added", user=user)


@bp.post("/accounts/<user>/enabled")
@ops_required
@ops_role("admin")
def enabled(user: str) -> Response:
    on = request.form.get("enabled") == "1"
    if not on and user == current_ops_user():
        return _list(409, ops_text("ops.accounts.problem.self"))
    try:
        account_book().set_enabled(user, on)
    except AccountProblem as exc:
        return _refused(exc)
    _audit("enable" if on else "disable", user)
    return _changed("ops.accounts.done.enabled" if on else "ops.accounts.done.disabled", user=user)


@bp.post("/accounts/<user>/password")
@ops_required
@ops_role("admin")
def password(user: str) -> Response:
    try:
        account_book().set_password(user, request.form.get("password", ""))
    except AccountProblem as exc:
        return _refused(exc)
    _audit("reset password", user)
    return _changed("ops.accounts.done.password", user=user)


@bp.post("/accounts/<user>/roles")
@ops_required
@ops_role("admin")
def roles(user: str) -> Response:
    chosen, merchants = request.form.getlist("roles"), request.form.get("merchants", "")
    if user == current_ops_user() and "admin" not in chosen:
        return _list(409, ops_text("ops.accounts.problem.self"))
    try:
        account_book().set_roles(user, chosen, merchants)
    except AccountProblem as exc:
        return _refused(exc)
    _audit("change roles", f"{user}: roles {' '.join(chosen) or 'viewer'}; merchants {merchants.strip() or '*'}")
    return _changed("ops.accounts.done.roles", user=user)


@bp.post("/accounts/<user>/sessions/<key>/end")
@ops_required
@ops_role("admin")
def end_session(user: str, key: str) -> Response:
    if account_book().end_session(key, user):
        _audit("end session", user)
    return _changed("ops.accounts.done.session", user=user)


@bp.get("/sessions")
@ops_required
def my_sessions() -> Response:
    """This account's open sessions; end the others."""
    user = current_ops_user() or ""
    open_now = account_book().sessions(user, _idle())
    return console_page(
        "ops/sessions.html", sessions=open_now, this_session=this_session_key(), done=request.args.get("done")
    )


@bp.post("/sessions/others/end")
@ops_required
def end_my_other_sessions() -> Response:
    ended = account_book().end_sessions(current_ops_user() or "", keep=this_session_key())
    done = ops_text("ops.accounts.done.others", count=ended)
    return redirect(url_for("ops_accounts.my_sessions", done=done), 303)
