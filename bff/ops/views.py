"""The ops console's pages: log in, the merchants, edit a draft, publish, roll back, the audit log."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import requests
from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from bff import csrf
from bff.adapters.factory import Gateways
from bff.connector.check import Check, as_table, failed
from bff.connector.profile import profile_of
from bff.connector.test_cards import from_file, from_sandbox
from bff.merchants.loader import MERCHANT_ID, ConfigProblem, InvalidConfig, parse_merchant
from bff.merchants.yaml_limits import MAX_BYTES
from bff.ops import shelf
from bff.ops.auth import (
    COOKIE,
    LIFETIME,
    account_book,
    check_login,
    current_ops_user,
    end_ops_session,
    ops_required,
    start_ops_session,
)
from bff.ops.desk import DRAFT_NAME, MAIN, Desk, DraftMovedOn, DraftTooLarge, WouldBreakDraft, unified, version_of
from bff.ops.language import ops_text, remember_locale
from bff.ops.permits import ops_role
from bff.ops.shape import NotFormShaped, apply_form, shape_of
from bff.ops.turns import Busy, Turns
from bff.pages.responses import no_store
from bff.pages.services import services
from bff.security.redirects import same_site_path
from bff.security.tries import give_back, reserve_all

log = logging.getLogger(__name__)
bp = Blueprint("ops", __name__, url_prefix="/ops")
LOGIN_TRIES, LOGIN_WINDOW = 10, 900  # failed logins per user name and per address, in 15 minutes
# a form body bigger than this is refused before it is read: the largest draft, percent-encoded, and change
MAX_BODY = 3 * MAX_BYTES + 64 * 1024
MOVED_ON = "This merchant changed since you opened it (someone saved or published it). Reload to see it now."


def ADDRESS() -> str:  # noqa: N802 - reads like the constant it stands for
    return request.remote_addr or "unknown"


csrf.exempt(bp)  # the ops session carries its own CSRF token (bff/ops/auth.py), not the shopper's


@bp.before_request
def limit_body() -> None:
    request.max_content_length = MAX_BODY


@bp.errorhandler(413)
def too_large(_exc: Exception) -> Response:
    lines = [f"A merchant file may be at most {MAX_BYTES // 1024} KB. Nothing was saved."]
    return _page("ops/message.html", status=413, title="Too large", lines=lines, merchant_id=None)


def desk() -> Desk:
    return Desk(services().registry.config_dir, services().registry.policy, Turns(services().store))


def _page(template: str, status: int = 200, **context: object) -> Response:
    return no_store(make_response(render_template(template, user=current_ops_user(), **context), status))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """Ops log in with their own accounts; the shopper's session counts for nothing here."""
    book = account_book()
    error = None
    if request.method == "POST":
        user, password = request.form.get("user", ""), request.form.get("password", "")
        store = services().store
        keys = [f"ops-login:user:{user}", f"ops-login:address:{ADDRESS()}"]
        # a try is taken before the password is checked, so concurrent guesses can't pass the limit,
        # and given back when it succeeds: only failures count
        reservation = reserve_all(store, [(key, LOGIN_TRIES, LOGIN_WINDOW) for key in keys])
        if reservation is None:
            wait = max(store.free_in(key, LOGIN_TRIES) for key in keys)
            error = ops_text("ops.accounts.locked", minutes=max(1, -(-wait // 60)))
            return _page("ops/login.html", status=429, error=error)
        if book.any() and check_login(book, user, password) is not None:
            give_back(store, reservation)
            value = start_ops_session(user)
            target = same_site_path(request.args.get("next", "")) or ""
            if not target.startswith("/ops/"):
                target = url_for("ops.index")
            response = redirect(target, 303)
            response.set_cookie(
                COOKIE,
                value,
                max_age=LIFETIME,
                path="/ops",
                httponly=True,
                samesite="Strict",
                secure=current_app.config["KABAO_HTTPS"],
            )
            log.info("ops login: %s", user)
            return response
        log.warning("ops login refused for %r", user)
        error = "Wrong user name or password." if book.any() else "No ops accounts are configured (KABAO_OPS_USERS)."
    return _page("ops/login.html", status=401 if error else 200, error=error)


@bp.get("/language/<locale>")
def language(locale: str) -> Response:
    """Switch the console's language (no login needed: the login page has the switch too)."""
    wanted = same_site_path(request.args.get("next", ""))
    back = wanted if wanted and wanted.startswith("/ops/") else url_for("ops.index")
    return remember_locale(redirect(back, 303), locale)


@bp.post("/logout")
@ops_required
def logout() -> Response:
    log.info("ops logout: %s", current_ops_user())
    end_ops_session()
    response = redirect(url_for("ops.login"), 303)
    response.delete_cookie(COOKIE, path="/ops")
    return response


@bp.get("/")
@ops_required
def index() -> Response:
    """Every merchant: its validation state, and whether a draft differs from what is live."""
    rows = []
    registry = services().registry
    problems = {p.file: [] for p in registry.problems()}
    for p in registry.problems():
        problems[p.file].append(str(p))
    named = {p.parent.name for p in desk().drafts.glob("*/*.yaml") if MERCHANT_ID.fullmatch(p.parent.name)}
    ids = sorted({p.stem for p in desk().dir.glob("*.yaml")} | {p.stem for p in desk().drafts.glob("*.yaml")} | named)
    for merchant_id in ids:
        live, draft = desk().live_text(merchant_id), desk().draft_text(merchant_id)
        rows.append(
            {
                "id": merchant_id,
                "live": live is not None,
                "problems": problems.get(f"{merchant_id}.yaml", []),
                "draft": draft is not None and draft != live,
                "draft_problems": desk().problems(merchant_id, draft) if draft is not None else [],
                "named_drafts": len(list((desk().drafts / merchant_id).glob("*.yaml"))),
            }
        )
    return _page("ops/index.html", rows=rows)


@bp.route("/merchants/<merchant_id>", methods=["GET", "POST"])
@ops_required
@ops_role("editor", methods=("POST",))
def edit(merchant_id: str) -> Response:
    """The raw editor of a merchant's draft; every save is validated and shows problems by key path."""
    name = request.args.get("draft", MAIN)
    if not MERCHANT_ID.fullmatch(merchant_id) or not DRAFT_NAME.fullmatch(name):
        abort(404)
    text = desk().working_text(merchant_id, name)
    others = shelf.drafts(desk(), merchant_id) if text is None and name == MAIN else []
    if others:  # a new merchant whose main draft was renamed: open one of its drafts
        return redirect(url_for("ops.edit", merchant_id=merchant_id, draft=others[0].name), 303)
    if text is None or (name != MAIN and desk().draft_text(merchant_id, name) is None):
        abort(404)
    message, status, problems = None, 200, None
    if request.method == "POST":
        text, message, status, problems = _save(merchant_id, name, text)
    live, draft = desk().live_text(merchant_id), desk().draft_text(merchant_id, name)
    try:
        shape, shape_problem = shape_of(text), None
    except NotFormShaped as exc:
        shape, shape_problem = None, str(exc)
    return _page(
        "ops/edit.html",
        status=status,
        merchant_id=merchant_id,
        text=text,
        shape=shape,
        shape_problem=shape_problem,
        diff=unified(live or "", draft) if draft is not None else "",
        base=version_of(desk().working_text(merchant_id, name)),
        draft_name=name,
        drafts=shelf.drafts(desk(), merchant_id),
        discarded=request.args.get("discarded", ""),
        problems=desk().problems(merchant_id, text) if problems is None else problems,
        message=message,
        failed=status != 200,
        has_draft=draft is not None,
        is_new=live is None,
        breaking=status == 409 and problems is not None,
        releases=desk().releases(merchant_id)[:3],
        released=request.args.get("done") == "release" and request.method == "GET",
    )


def _save(merchant_id: str, name: str, working: str) -> tuple[str, str, int, list[ConfigProblem] | None]:
    """Save the posted draft (raw text or the form's fields): the text to show, message, status, problems."""
    if request.form.get("form") == "shape":  # the structured form edits the same draft
        try:
            text = apply_form(working, request.form)
        except NotFormShaped as exc:
            return working, f"The form can't edit this draft: {exc}. Fix it in the raw editor.", 422, None
    else:
        text = request.form.get("text", "").replace("\r\n", "\n")
    try:
        base, confirmed = request.form.get("base", ""), request.form.get("break_valid") == "yes"
        problems = desk().save_draft(merchant_id, text, base, current_ops_user(), confirmed, name)
    except WouldBreakDraft as exc:
        message = "Not saved: this would replace a valid draft with one that has problems."
        return text, message, 409, exc.problems
    except DraftTooLarge as exc:
        return working, f"Not saved: {exc}.", 413, None
    except DraftMovedOn:
        return text, "Someone saved this draft after you opened it. Reload to see their version.", 409, None
    except Busy:
        return text, "Someone else is changing this merchant right now. Try again in a moment.", 409, None
    saved = "Draft saved." + (" It has problems to fix before it can be published." if problems else "")
    return text, saved, 200, problems


@bp.post("/merchants/<merchant_id>/check")
@ops_required
@ops_role("editor")
def check(merchant_id: str) -> Response:
    """Run the conformance scenario against the draft's card system, with the provider's test cards."""
    text = desk().working_text(merchant_id)
    if text is None:
        abort(404)
    try:
        merchant = parse_merchant(desk().dir / f"{merchant_id}.yaml", text.encode(), services().registry.policy)
    except InvalidConfig as exc:
        return _page(
            "ops/message.html",
            status=409,
            title="Fix the draft first",
            lines=[str(p) for p in exc.problems],
            merchant_id=merchant_id,
        )
    cards_dir, sandbox = os.environ.get("KABAO_CONNECTOR_CARDS_DIR"), os.environ.get("KABAO_MERCHANT_SANDBOX_URL")
    try:
        if cards_dir and (Path(cards_dir) / f"{merchant_id}.yaml").is_file():
            cards = from_file(Path(cards_dir) / f"{merchant_id}.yaml")
        elif sandbox:
            cards = from_sandbox(sandbox, merchant_id, merchant.config.backend.base_url)
        else:
            raise LookupError("no test cards: put the provider's file in KABAO_CONNECTOR_CARDS_DIR")
    except (LookupError, OSError, ValueError, StopIteration, requests.RequestException) as exc:
        return _page("ops/message.html", status=409, title="No test cards", lines=[str(exc)], merchant_id=merchant_id)
    gateways = Gateways(policy=services().registry.policy)
    bind = merchant.config.flows.bind
    gateway = gateways.for_merchant(merchant)
    rows = Check(gateway, cards, bind.method, bind.card_number.luhn, profile_of(merchant.config)).run()
    gateways.close()
    report = as_table(rows)
    desk().record_check(merchant_id, text, not failed(rows), current_ops_user(), report)
    title = "Connector check failed" if failed(rows) else "Connector check passed"
    return _page("ops/message.html", title=title, lines=report.splitlines(), merchant_id=merchant_id)


@bp.post("/merchants")
@ops_required
@ops_role("editor", merchant_of=lambda _: request.form.get("merchant_id", "").strip())
def new() -> Response:
    """A new merchant starts as a draft from the template; publishing needs its check passed or waived."""
    from importlib import resources

    merchant_id = request.form.get("merchant_id", "").strip()
    if not MERCHANT_ID.fullmatch(merchant_id) or desk().working_text(merchant_id) is not None:
        return _page(
            "ops/message.html",
            status=409,
            title="Not created",
            lines=["Use a new id of a-z, 0-9 and '-' (2 to 40 characters)."],
            merchant_id=None,
        )
    template = resources.files("bff.merchants").joinpath("template.yaml").read_text("utf-8")
    try:
        desk().save_draft(merchant_id, template.replace("{merchant_id}", merchant_id), "", current_ops_user())
    except (DraftMovedOn, Busy):  # another op created it a moment ago
        return _page("ops/message.html", status=409, title="Not created", lines=[MOVED_ON], merchant_id=None)
    return redirect(url_for("ops.edit", merchant_id=merchant_id), 303)


@bp.get("/audit")
@ops_required
def audit() -> Response:
    return _page("ops/audit.html", entries=desk().audit(request.args.get("merchant") or None))
