"""Upload a merchant's logo or a card face's art into a draft, from the console; see the pictures a draft has.

The picture is checked (bff/ops/uploads.py) before anything is written; the draft's YAML changes only on the
line that names it, and is saved like any draft (validated, audited, refused when someone saved it meanwhile).
Uploading into a draft never changes what shoppers see: publishing does.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import yaml
from flask import Blueprint, abort, redirect, request, url_for
from werkzeug.wrappers import Response

from bff import csrf
from bff.merchants import assets as kinds
from bff.merchants.loader import MERCHANT_ID
from bff.merchants.yaml_limits import YAMLRefused, load_yaml
from bff.ops import uploads
from bff.ops.auth import current_ops_user, ops_required
from bff.ops.desk import DRAFT_NAME, MAIN, DraftMovedOn, DraftTooLarge, WouldBreakDraft
from bff.ops.language import ops_text
from bff.ops.permits import ops_role
from bff.ops.shape import NotFormShaped
from bff.ops.turns import Busy
from bff.ops.views import console_page, desk
from bff.pages.pictures import picture
from bff.security.redirects import same_site_path

log = logging.getLogger(__name__)
bp = Blueprint("ops_assets", __name__, url_prefix="/ops/merchants")
csrf.exempt(bp)  # the ops session carries its own CSRF token (bff/ops/auth.py), not the shopper's
FACE = re.compile(r"[a-z0-9_-]{1,32}")
FIELD = "picture"


@bp.before_request
def limit_body() -> None:
    request.max_content_length = uploads.MAX_BYTES + 64 * 1024  # the picture and the form around it


@bp.errorhandler(413)
def too_large(_exc: Exception) -> Response:
    merchant_id = request.view_args.get("merchant_id") if request.view_args else None
    return _refused(merchant_id, "too_big", 413, size=(request.content_length or 0) // 1024)


def _refused(merchant_id: str | None, reason: str, status: int = 422, **values: Any) -> Response:
    values.setdefault("limit", uploads.MAX_BYTES // 1024)
    lines = [ops_text(f"ops.assets.refused.{reason}", **values), ops_text("ops.assets.nothing_saved")]
    return console_page(
        "ops/message.html", status=status, title=ops_text("ops.assets.refused"), lines=lines, merchant_id=merchant_id
    )


def _draft_name(merchant_id: str, face: str | None = None) -> str:
    name = request.args.get("draft", MAIN)
    if not MERCHANT_ID.fullmatch(merchant_id) or not DRAFT_NAME.fullmatch(name):
        abort(404)
    if face is not None and not FACE.fullmatch(face):
        abort(404)
    return name


@bp.post("/<merchant_id>/pictures/logo")
@ops_required
@ops_role("editor")
def upload_logo(merchant_id: str) -> Response:
    return _upload(merchant_id, None)


@bp.post("/<merchant_id>/pictures/art/<face>")
@ops_required
@ops_role("editor")
def upload_art(merchant_id: str, face: str) -> Response:
    return _upload(merchant_id, face)


def _upload(merchant_id: str, face: str | None) -> Response:
    """Check the picture, store it by its content, point the draft at it; a refusal writes nothing."""
    name = _draft_name(merchant_id, face)
    text = desk().working_text(merchant_id, name)
    if text is None or (name != MAIN and desk().draft_text(merchant_id, name) is None):
        abort(404)
    sent = request.files.get(FIELD)
    try:
        if sent is None:
            raise uploads.PictureRefused("empty")
        upload = uploads.checked(sent.read(), sent.filename or "")  # the body limit bounds what is read
        relative = uploads.stored_as(merchant_id, upload)
        changed = uploads.pointed_at(text, face, relative)
    except uploads.PictureRefused as exc:
        return _refused(merchant_id, exc.reason, 413 if exc.reason == "too_big" else 422, **exc.values)
    except NotFormShaped as exc:
        return _refused(merchant_id, "not_shaped", problem=str(exc))
    uploads.store(desk().dir, merchant_id, upload)  # before the draft names it; an unused file changes nothing
    try:
        desk().save_draft(merchant_id, changed, request.form.get("base", ""), current_ops_user(), False, name)
    except (DraftMovedOn, Busy):
        return _refused(merchant_id, "moved_on", 409)
    except (WouldBreakDraft, DraftTooLarge) as exc:
        return _refused(merchant_id, "not_shaped", 409, problem=str(exc))
    log.info("ops %s put %s in the draft %s of %s", current_ops_user(), relative, name, merchant_id)
    return redirect(_back(merchant_id, name, face or "logo"), 303)


def _back(merchant_id: str, name: str, slot: str) -> str:
    """The page the form was on (the raw editor, or another console page of this merchant that includes it)."""
    back, page = same_site_path(request.form.get("back", "")), f"/ops/merchants/{merchant_id}"
    if back is None or not (urlsplit(back).path == page or urlsplit(back).path.startswith(page + "/")):
        back = url_for("ops.edit", merchant_id=merchant_id, draft=name if name != MAIN else None)
    parts = urlsplit(back)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "picture"] + [("picture", slot)]
    return parts._replace(query=urlencode(query), fragment="pictures").geturl()


def _brand(text: str | None) -> dict[str, Any]:
    try:
        data = load_yaml(text) if text else None
    except (YAMLRefused, yaml.YAMLError):
        return {}
    brand = data.get("brand") if isinstance(data, dict) else None
    return brand if isinstance(brand, dict) else {}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


@bp.app_template_global("ops_pictures")
def pictures_of(merchant_id: str, draft: str = MAIN) -> dict[str, Any]:
    """The logo and each card face's art a draft names (or the live file, when it has no draft), for the forms."""
    brand = _brand(desk().working_text(merchant_id, draft))
    faces = brand.get("card_faces") if isinstance(brand.get("card_faces"), dict) else {}
    shown = [
        {"key": key, "art": _text(face.get("art"))}
        for key, face in faces.items()
        if isinstance(face, dict) and isinstance(key, str) and FACE.fullmatch(key)
    ]
    saved = request.args.get("picture", "")
    return {
        "logo": _text(brand.get("logo")),
        "faces": shown,
        "saved": saved if saved == "logo" or any(face["key"] == saved for face in shown) else "",
        "limits": {"limit": uploads.MAX_BYTES // 1024, "side": uploads.MAX_SIDE},
    }


@bp.get("/<merchant_id>/pictures/logo")
@ops_required
def logo(merchant_id: str) -> Response:
    """The logo a draft names, for the thumbnail beside its upload form."""
    return _thumbnail(pictures_of(merchant_id, _draft_name(merchant_id))["logo"], kinds.LOGO_SUFFIXES)


@bp.get("/<merchant_id>/pictures/art/<face>")
@ops_required
def art(merchant_id: str, face: str) -> Response:
    faces = pictures_of(merchant_id, _draft_name(merchant_id, face))["faces"]
    return _thumbnail(next((f["art"] for f in faces if f["key"] == face), None), kinds.ART_SUFFIXES)


def _thumbnail(relative: str | None, suffixes: frozenset[str]) -> Response:
    response = picture(desk().dir, relative, suffixes)
    response.headers["Cache-Control"] = "no-store"  # the draft's picture of this slot changes with every upload
    return response
