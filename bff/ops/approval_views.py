"""Second-person approval of publish (KABAO_OPS_PUBLISH_APPROVAL=1): the requests, approve, reject.

A publisher's publish becomes a request (bff/ops/approvals.py); another publisher approves it, and the
publish happens then, or rejects it. Rollback needs no approval: it returns to a version that was live.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from bff import csrf
from bff.ops.approvals import AlreadyDecided, NotYours, PublishRequest, PublishRequests
from bff.ops.audit_log import record_action
from bff.ops.auth import current_ops_user, ops_required
from bff.ops.desk import DraftMovedOn, NotPublishable, unified
from bff.ops.language import ops_text
from bff.ops.permits import ops_role, outside_merchants, seen, sees
from bff.ops.turns import Busy
from bff.ops.views import console_page, desk, moved_on
from bff.pages.services import services

bp = Blueprint("ops_approval", __name__, url_prefix="/ops/approvals")
csrf.exempt(bp)  # the ops session carries its own CSRF token, checked by ops_required


def approval_required(merchant_id: str | None = None) -> bool:
    """Does a publish of merchant_id (of some merchant, when None) wait for a second publisher?"""
    return approval_applies(current_app.config["KABAO_OPS_PUBLISH_APPROVAL"], merchant_id)


def approval_applies(setting: bool | str, merchant_id: str | None) -> bool:
    """KABAO_OPS_PUBLISH_APPROVAL: on/off for every merchant ("1", "true"…), or a comma list of merchant ids."""
    if isinstance(setting, bool):
        return setting
    words = {word.strip() for word in setting.split(",")} - {""}
    if words & {"1", "true", "yes", "on", "all"}:
        return True
    if not words or words <= {"0", "false", "no", "off"}:
        return False
    return merchant_id is None or merchant_id in words


def requests_book() -> PublishRequests:
    return PublishRequests(services().ledger.db)


def ask_approval(merchant_id: str, draft: str) -> Response:
    """The publish form, sent while approval is on: record the request and show it."""
    form, user = request.form, current_ops_user() or ""
    try:
        request_id = requests_book().ask(
            desk(), merchant_id, draft, form.get("base", ""), form.get("note", ""), form.get("waiver", ""), user
        )
    except NotPublishable as exc:
        lines = [str(p) for p in exc.problems]
        return _message(ops_text("ops.approval.not_requested"), lines, merchant_id, 409)
    except DraftMovedOn:
        return _message(ops_text("ops.approval.not_requested"), [moved_on()], merchant_id, 409)
    record_action(desk().history, user, merchant_id, "publish requested", f"{form.get('note', '')} ({request_id})")
    return redirect(url_for("ops_approval.show", request_id=request_id, done="asked"), 303)


def _message(title: str, lines: list[str], merchant_id: str, status: int) -> Response:
    return console_page("ops/message.html", status=status, title=title, lines=lines, merchant_id=merchant_id)


def _asked(request_id: str) -> PublishRequest:
    asked = requests_book().get(request_id)
    if asked is None:
        abort(404)
    return asked


def _merchant_asked(view_args: dict[str, Any]) -> str | None:
    """The merchant a request would publish (None for no such request: the view answers 404)."""
    asked = requests_book().get(view_args["request_id"])
    return asked.merchant_id if asked is not None else None


@bp.get("")
@ops_required
def index() -> Response:
    return console_page("ops/approvals.html", requests=seen(requests_book().recent(), lambda r: r.merchant_id))


@bp.get("/<request_id>")
@ops_required
def show(request_id: str) -> Response:
    """The request: who asked, the note, and what approving would change against what is live now."""
    asked = _asked(request_id)
    if not sees(asked.merchant_id):
        return outside_merchants(asked.merchant_id)
    draft = desk().draft_text(asked.merchant_id, asked.draft)
    stale = asked.open and asked.stale(desk())
    diff = unified(desk().live_text(asked.merchant_id) or "", draft) if draft is not None and not stale else ""
    return console_page(
        "ops/approval.html",
        asked=asked,
        merchant_id=asked.merchant_id,
        diff=diff,
        stale=stale,
        mine=asked.requested_by == current_ops_user(),
        done=request.args.get("done", ""),
    )


@bp.post("/<request_id>/approve")
@ops_required
@ops_role("publisher", merchant_of=_merchant_asked)
def approve(request_id: str) -> Response:
    asked, user = _asked(request_id), current_ops_user() or ""
    try:
        decided = requests_book().approve(desk(), request_id, user)
    except NotYours:
        return _message(ops_text("ops.approval.not_approved"), [ops_text("ops.approval.own")], asked.merchant_id, 403)
    except (AlreadyDecided, Busy):
        return _message(ops_text("ops.approval.not_approved"), [moved_on()], asked.merchant_id, 409)
    if decided.state == "approved":
        services().registry.refresh(force=True)
        return redirect(url_for("ops.edit", merchant_id=asked.merchant_id, done="release"), 303)
    record_action(desk().history, user, asked.merchant_id, "publish request void", f"{decided.outcome} ({request_id})")
    return redirect(url_for("ops_approval.show", request_id=request_id), 303)


@bp.post("/<request_id>/reject")
@ops_required
@ops_role("publisher", merchant_of=_merchant_asked)
def reject(request_id: str) -> Response:
    asked, user, reason = _asked(request_id), current_ops_user() or "", request.form.get("reason", "")
    try:
        requests_book().reject(request_id, user, reason)
    except AlreadyDecided:
        return _message(ops_text("ops.approval.not_rejected"), [moved_on()], asked.merchant_id, 409)
    record_action(desk().history, user, asked.merchant_id, "publish request rejected", f"{reason} ({request_id})")
    return redirect(url_for("ops_approval.show", request_id=request_id), 303)
