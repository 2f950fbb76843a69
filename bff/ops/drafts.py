"""The drafts of a merchant, from its page: start one (from live or another draft), rename, discard (confirmed)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from bff import csrf
from bff.merchants.loader import MERCHANT_ID
from bff.ops import shelf
from bff.ops.auth import current_ops_user, ops_required
from bff.ops.desk import DRAFT_NAME, MAIN, DraftMovedOn, version_of
from bff.ops.permits import ops_role
from bff.ops.phrases import Phrase
from bff.ops.turns import Busy
from bff.ops.views import console_page, desk, moved_on

bp = Blueprint("ops_drafts", __name__, url_prefix="/ops/merchants")
csrf.exempt(bp)  # the ops session carries its own CSRF token (bff/ops/auth.py), not the shopper's
BAD_NAME = "ops.drafts.bad_name"


def _checked(merchant_id: str, *names: str) -> None:
    if not MERCHANT_ID.fullmatch(merchant_id) or desk().working_text(merchant_id) is None:
        abort(404)
    if not all(DRAFT_NAME.fullmatch(name) for name in names):
        abort(_refused(merchant_id, "ops.drafts.not_changed", Phrase(BAD_NAME), 422))


def _refused(merchant_id: str, title: str, line: str, status: int = 409) -> Response:
    """The refusal page: title is a console text's key, line what went wrong."""
    return console_page("ops/message.html", status=status, title=Phrase(title), lines=[line], merchant_id=merchant_id)


def _to(merchant_id: str, draft: str) -> Response:
    return redirect(url_for("ops.edit", merchant_id=merchant_id, draft=draft if draft != MAIN else None), 303)


@bp.post("/<merchant_id>/drafts")
@ops_required
@ops_role("editor")
def create(merchant_id: str) -> Response:
    name, source = request.form.get("name", "").strip(), request.form.get("source", "live")
    _checked(merchant_id, name)
    if source != "live":
        _checked(merchant_id, source)
    try:
        shelf.create(desk(), merchant_id, name, source, current_ops_user())
    except shelf.DraftExists:
        return _refused(merchant_id, "ops.drafts.not_created", Phrase("ops.drafts.exists", name=name))
    except shelf.NoSuchDraft:
        return _refused(merchant_id, "ops.drafts.not_created", Phrase("ops.drafts.no_source", source=source))
    except Busy:
        return _refused(merchant_id, "ops.drafts.not_created", moved_on())
    return _to(merchant_id, name)


@bp.post("/<merchant_id>/drafts/<name>/rename")
@ops_required
@ops_role("editor")
def rename(merchant_id: str, name: str) -> Response:
    new = request.form.get("new_name", "").strip()
    _checked(merchant_id, name, new)
    try:
        shelf.rename(desk(), merchant_id, name, new, current_ops_user())
    except shelf.DraftExists:
        return _refused(merchant_id, "ops.drafts.not_renamed", Phrase("ops.drafts.exists", name=new))
    except (shelf.NoSuchDraft, Busy):
        return _refused(merchant_id, "ops.drafts.not_renamed", moved_on())
    return _to(merchant_id, new)


@bp.get("/<merchant_id>/drafts/<name>/discard")
@ops_required
@ops_role("editor")
def confirm_discard(merchant_id: str, name: str) -> Response:
    _checked(merchant_id, name)
    text = desk().draft_text(merchant_id, name)
    if text is None:
        abort(404)
    return console_page("ops/discard.html", merchant_id=merchant_id, name=name, base=version_of(text))


@bp.post("/<merchant_id>/drafts/<name>/discard")
@ops_required
@ops_role("editor")
def discard(merchant_id: str, name: str) -> Response:
    _checked(merchant_id, name)
    try:
        shelf.discard(desk(), merchant_id, name, request.form.get("base", ""), current_ops_user())
    except (DraftMovedOn, Busy):
        return _refused(merchant_id, "ops.drafts.not_discarded", moved_on())
    return redirect(url_for("ops.edit", merchant_id=merchant_id, discarded=name), 303)
