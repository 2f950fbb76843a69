"""Publish and rollback, each confirmed on its own page with a required note, and the version list.

The confirm page shows what will change (the diff against what is live); the change itself is a POST with
the note, and the merchant's page then says it succeeded. Every release is in the audit log with who, when,
the note and the diff, which is what the version list shows.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from bff import csrf
from bff.merchants.loader import MERCHANT_ID
from bff.ops.approval_views import approval_required, ask_approval
from bff.ops.auth import current_ops_user, ops_required
from bff.ops.desk import DRAFT_NAME, MAIN, DraftMovedOn, NotPublishable, unified, version_of
from bff.ops.permits import ops_role
from bff.ops.phrases import Phrase
from bff.ops.readiness import not_ready
from bff.ops.turns import Busy
from bff.ops.views import console_page, desk, moved_on
from bff.pages.services import services

bp = Blueprint("ops_releases", __name__, url_prefix="/ops/merchants")
csrf.exempt(bp)  # the ops session carries its own CSRF token (bff/ops/auth.py), not the shopper's
NOT_PUBLISHED, NOT_ROLLED_BACK = Phrase("ops.releases.not_published"), Phrase("ops.releases.not_rolled_back")


def _merchant(merchant_id: str) -> str:
    if not MERCHANT_ID.fullmatch(merchant_id):
        abort(404)
    return merchant_id


def _draft(name: str) -> str:
    if not DRAFT_NAME.fullmatch(name):
        abort(404)
    return name


@bp.get("/<merchant_id>/publish")
@ops_required
@ops_role("publisher")
def confirm_publish(merchant_id: str) -> Response:
    """What publishing the draft would change, what keeps it from going live, and the note to write."""
    name = _draft(request.args.get("draft", MAIN))
    draft = desk().draft_text(_merchant(merchant_id), name)
    if draft is None:
        return redirect(url_for("ops.edit", merchant_id=merchant_id), 303)
    live = desk().live_text(merchant_id)
    refusals = [str(p) for p in desk().problems(merchant_id, draft)] or not_ready(draft)
    return console_page(
        "ops/confirm.html",
        merchant_id=merchant_id,
        kind="publish",
        diff=unified(live or "", draft),
        base=version_of(draft),
        refusals=refusals,
        is_new=live is None,
        draft_name=name,
        approval=approval_required(merchant_id),
    )


@bp.post("/<merchant_id>/publish")
@ops_required
@ops_role("publisher")
def publish(merchant_id: str) -> Response:
    form = request.form
    note, waiver, base = form.get("note", ""), form.get("waiver", ""), form.get("base", "")
    user, name = current_ops_user(), _draft(form.get("draft", MAIN))
    if approval_required(merchant_id):  # a request that another publisher approves (bff/ops/approval_views.py)
        return ask_approval(_merchant(merchant_id), name)
    return _change_live(
        _merchant(merchant_id), NOT_PUBLISHED, lambda: desk().publish(merchant_id, user, base, note, waiver, name)
    )


@bp.get("/<merchant_id>/rollback")
@ops_required
@ops_role("publisher")
def confirm_rollback(merchant_id: str) -> Response:
    version = request.args.get("version", "")
    text = desk().version_text(_merchant(merchant_id), version)
    if text is None:
        abort(404)
    return console_page(
        "ops/confirm.html",
        merchant_id=merchant_id,
        kind="rollback",
        version=version,
        diff=unified(desk().live_text(merchant_id) or "", text, ("live", version)),
        refusals=[],
    )


@bp.post("/<merchant_id>/rollback")
@ops_required
@ops_role("publisher")
def rollback(merchant_id: str) -> Response:
    version, note, user = request.form.get("version", ""), request.form.get("note", ""), current_ops_user()
    return _change_live(
        _merchant(merchant_id), NOT_ROLLED_BACK, lambda: desk().rollback(merchant_id, version, user, note)
    )


@bp.get("/<merchant_id>/versions")
@ops_required
def versions(merchant_id: str) -> Response:
    """Every release: who, when, the note and the diff against the version before; roll back from here."""
    releases = desk().releases(_merchant(merchant_id))
    named = {e.version for e in releases} | {e.replaced for e in releases}
    older = [v for v in desk().versions(merchant_id) if v not in named]
    live = version_of(desk().live_text(merchant_id))
    return console_page("ops/versions.html", merchant_id=merchant_id, releases=releases, older=older, live=live)


def _change_live(merchant_id: str, refused_title: str, change: Callable[[], None]) -> Response:
    """Publish or roll back; every process serves the result within a second, this one at once."""
    try:
        change()
    except NotPublishable as exc:
        lines = list(exc.problems)
        return console_page("ops/message.html", status=409, title=refused_title, lines=lines, merchant_id=merchant_id)
    except (DraftMovedOn, Busy):
        lines = [moved_on()]
        return console_page("ops/message.html", status=409, title=refused_title, lines=lines, merchant_id=merchant_id)
    services().registry.refresh(force=True)
    return redirect(url_for("ops.edit", merchant_id=merchant_id, done="release"), 303)
