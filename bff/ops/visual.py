"""The visual editor: a form beside a live phone preview of a merchant's draft.

As ops type, htmx posts the form to `preview`, which puts it into the draft's text in memory (nothing is
saved), checks it like a publish would, and answers the rendered shopper page, or the problems with the
last good preview left in place. The form's buttons (move, add, remove) and "Save draft" are plain
submit buttons, so the editor works without JS; saving goes through the desk like the raw editor's.
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

from flask import Blueprint, abort, make_response, redirect, render_template, request, send_file, url_for
from markupsafe import escape
from werkzeug.wrappers import Response

from bff import csrf
from bff.i18n import LOCALES
from bff.merchants.loader import MERCHANT_ID, ConfigProblem, InvalidConfig, Merchant, parse_merchant
from bff.merchants.palette import CSS_NAMES
from bff.ops import preview as shopper_pages
from bff.ops import visual_apply, visual_checks, visual_form, visual_moves
from bff.ops.auth import current_ops_user, ops_required
from bff.ops.desk import DRAFT_NAME, MAIN, DraftMovedOn, DraftTooLarge, WouldBreakDraft, version_of
from bff.ops.language import ops_text
from bff.ops.permits import ops_role
from bff.ops.shape import NotFormShaped
from bff.ops.turns import Busy
from bff.ops.views import console_page, desk
from bff.pages.responses import no_store

bp = Blueprint("ops_visual", __name__, url_prefix="/ops/merchants")
csrf.exempt(bp)  # the ops session carries its own CSRF token (bff/ops/auth.py), not the shopper's
FACE_KEY = re.compile(r"[a-z0-9_-]{1,32}")
DEFAULT_VIEW = "wallet/cards"


def _opened(merchant_id: str) -> tuple[str, str]:
    """The draft's name and the text the editor starts from (the draft, else the live file); 404 if neither."""
    name = request.args.get("draft", MAIN)
    if not MERCHANT_ID.fullmatch(merchant_id) or not DRAFT_NAME.fullmatch(name):
        abort(404)
    text = desk().working_text(merchant_id, name)
    if text is None or (name != MAIN and desk().draft_text(merchant_id, name) is None):
        abort(404)
    return name, text


def _view(merchant: Merchant | None) -> tuple[str, str]:
    """The page and state the preview shows (the wallet unless the form's select says otherwise)."""
    page, _, state = request.form.get("view", request.args.get("view", DEFAULT_VIEW)).partition("/")
    if (page, state) not in shopper_pages.LABELS or (
        merchant is not None and not shopper_pages.applies(merchant.config, page, state)
    ):
        return tuple(DEFAULT_VIEW.split("/"))  # type: ignore[return-value]
    return page, state


def _lang() -> str:
    lang = request.form.get("lang", request.args.get("lang", "zh-CN"))
    return lang if lang in LOCALES else "zh-CN"


def _check(merchant_id: str, text: str) -> tuple[Merchant | None, list[ConfigProblem]]:
    try:
        return parse_merchant(desk().dir / f"{merchant_id}.yaml", text.encode(), desk().policy), []
    except InvalidConfig as exc:
        return None, exc.problems


def _preview_html(merchant: Merchant) -> str:
    """The shopper page as the in-memory draft draws it, its stylesheet and logo pointed at this editor."""
    page, state = _view(merchant)
    html = shopper_pages.render_preview(merchant, page, state, _lang())
    brand = merchant.config.brand
    schemes = brand.css_schemes()
    faces = {key: [face.background, face.text] for key, face in brand.card_faces.items()}
    query = json.dumps({"l": schemes["light"], "d": schemes["dark"], "f": faces}, separators=(",", ":"))
    swaps = {
        url_for("brand.stylesheet", merchant_id=merchant.id, version=merchant.version): url_for(".brand_css", s=query),
        url_for("brand.logo", merchant_id=merchant.id, version=merchant.version): url_for(
            ".logo", merchant_id=merchant.id, path=brand.logo or ""
        ),
    }
    for published, here in swaps.items():
        html = html.replace(f'"{escape(published)}"', f'"{escape(here)}"')
    return html


def _context(
    merchant_id: str, name: str, text: str, shape: dict[str, Any], form_problems: list, unchanged: bool = False
) -> dict[str, Any]:
    """What the page (or its htmx parts) shows for a shape put into text."""
    merchant, problems = None, []
    if not form_problems:
        try:
            merchant, problems = _check(merchant_id, text if unchanged else visual_apply.apply(text, shape))
        except NotFormShaped as exc:
            problems = [ConfigProblem(f"{merchant_id}.yaml", "", str(exc))]
    return {
        "merchant_id": merchant_id,
        "draft_name": name,
        "shape": shape,
        "form_problems": form_problems,
        "problems": problems,
        "preview": _preview_html(merchant) if merchant is not None else None,
        "pairs": visual_checks.contrast(shape),
        "worked_out": visual_checks.schemes(shape),
        "copy_keys": visual_checks.copy_keys(),
        "defaults": visual_checks.defaults,
        "views": shopper_pages.states_for(merchant) if merchant is not None else [],
        "view": "/".join(_view(merchant)),
        "lang": _lang(),
        "base": request.form.get("base", version_of(text)),
        "addable": visual_moves.ADDABLE,
    }


def _form_shape() -> tuple[dict[str, Any], list]:
    return visual_form.from_form(request.form)


@bp.get("/<merchant_id>/visual")
@ops_required
def page(merchant_id: str) -> Response:
    """The editor on the draft as saved."""
    name, text = _opened(merchant_id)
    try:
        shape = visual_form.read(text)
    except Exception:  # noqa: BLE001 - whatever a draft holds, the raw editor is where it gets fixed
        return redirect(url_for("ops.edit", merchant_id=merchant_id, draft=name if name != MAIN else None), 303)
    context = _context(merchant_id, name, text, shape, [], unchanged=True)  # the form as read puts nothing in
    return console_page("ops/visual.html", saved=request.args.get("saved") == "1", **context)


@bp.post("/<merchant_id>/visual")
@ops_required
@ops_role("editor")
def act(merchant_id: str) -> Response:
    """A button of the form: move, add or remove a row (the form comes back changed), or save the draft."""
    name, text = _opened(merchant_id)
    shape, form_problems = _form_shape()
    do = request.form.get("do", "")
    if do == "save":
        return _save(merchant_id, name, text, shape, form_problems)
    visual_moves.act(shape, do, request.form.get("copy_pick", "").strip(), request.form.get("copy_locale", ""))
    return console_page("ops/visual.html", **_context(merchant_id, name, text, shape, form_problems))


@bp.post("/<merchant_id>/visual/preview")
@ops_required
@ops_role("editor")
def preview(merchant_id: str) -> Response:
    """The live preview of the form as typed, and the problems and contrast beside it; nothing is saved."""
    name, text = _opened(merchant_id)
    shape, form_problems = _form_shape()
    context = _context(merchant_id, name, text, shape, form_problems)
    return no_store(make_response(render_template("ops/visual_live.html", live=True, **context)))


def _save(merchant_id: str, name: str, text: str, shape: dict[str, Any], form_problems: list) -> Response:
    context = _context(merchant_id, name, text, shape, form_problems)
    if form_problems:
        return console_page("ops/visual.html", status=422, message=ops_text("ops.editor.not_saved.form"), **context)
    try:
        new = visual_apply.apply(text, shape)
        desk().save_draft(merchant_id, new, request.form.get("base", ""), current_ops_user(), False, name)
    except NotFormShaped:
        return console_page("ops/visual.html", status=422, message=ops_text("ops.editor.not_saved.shape"), **context)
    except WouldBreakDraft:
        return console_page("ops/visual.html", status=409, message=ops_text("ops.editor.not_saved.invalid"), **context)
    except DraftTooLarge:
        return console_page("ops/visual.html", status=413, message=ops_text("ops.editor.not_saved.large"), **context)
    except (DraftMovedOn, Busy):
        return console_page("ops/visual.html", status=409, message=ops_text("ops.editor.not_saved.moved"), **context)
    target = url_for(".page", merchant_id=merchant_id, draft=name if name != MAIN else None, saved=1)
    return redirect(target, 303)


@bp.get("/visual/brand.css")
@ops_required
def brand_css() -> Response:
    """The brand stylesheet of colours not saved anywhere yet (they travel in the query, checked here)."""
    try:
        given = json.loads(request.args.get("s", ""))
        schemes = {s: _variables(given[k]) for s, k in (("light", "l"), ("dark", "d"))}
        faces = {_face_key(key): _face(value) for key, value in given["f"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        abort(404)
    brand = SimpleNamespace(  # what brand.css reads of a Brand
        css_schemes=lambda: schemes,
        card_faces={key: SimpleNamespace(background=bg, text=fg) for key, (bg, fg) in faces.items()},
    )
    response = make_response(render_template("brand.css", brand=brand))
    response.mimetype = "text/css"
    return no_store(response)


def _variables(values: dict[str, str]) -> dict[str, str]:
    if not all(name in CSS_NAMES and visual_form.HEX.fullmatch(v) for name, v in values.items()):
        raise ValueError("not a brand scheme")
    return values


def _face_key(key: str) -> str:
    if not FACE_KEY.fullmatch(key):
        raise ValueError("not a card type")
    return key


def _face(value: list[str]) -> tuple[str, str]:
    background, text = value
    if not (visual_form.HEX.fullmatch(background) and visual_form.HEX.fullmatch(text)):
        raise ValueError("not a card face")
    return background, text


@bp.get("/<merchant_id>/visual/logo")
@ops_required
def logo(merchant_id: str) -> Response:
    """The logo a draft names, from the config dir (never a file outside it)."""
    base = desk().dir.resolve()
    path = (base / request.args.get("path", "")).resolve()
    if not MERCHANT_ID.fullmatch(merchant_id) or base not in path.parents or path.suffix not in (".svg", ".png"):
        abort(404)
    if not path.is_file():
        abort(404)
    return no_store(send_file(path))
