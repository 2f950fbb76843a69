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
from bff.merchants.loader import MERCHANT_ID, ConfigProblem, InvalidConfig, Merchant, parse_merchant
from bff.merchants.yaml_limits import MAX_BYTES
from bff.ops import roster, shelf
from bff.ops.audit_words import action_words, note_words
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
from bff.ops.language import console_locale, ops_said, ops_text, ops_word, remember_locale
from bff.ops.permits import ops_role, seen
from bff.ops.phrases import Phrase
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


def moved_on() -> Phrase:
    """Someone saved or published the merchant since this page was opened."""
    return Phrase("ops.message.moved_on")


def ADDRESS() -> str:  # noqa: N802 - reads like the constant it stands for
    return request.remote_addr or "unknown"


csrf.exempt(bp)  # the ops session carries its own CSRF token (bff/ops/auth.py), not the shopper's
bp.add_app_template_global(ops_said, "said")
bp.add_app_template_global(ops_word, "ow")
bp.add_app_template_global(action_words, "action_words")
bp.add_app_template_global(note_words, "note_words")


@bp.before_request
def limit_body() -> None:
    request.max_content_length = MAX_BODY


@bp.errorhandler(413)
def too_large(_exc: Exception) -> Response:
    lines = [Phrase("ops.message.too_large_line", kb=MAX_BYTES // 1024)]
    return console_page(
        "ops/message.html", status=413, title=Phrase("ops.message.too_large"), lines=lines, merchant_id=None
    )


def desk() -> Desk:
    return Desk(services().registry.config_dir, services().registry.policy, Turns(services().store))


def console_page(template: str, status: int = 200, **context: object) -> Response:
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
            return console_page("ops/login.html", status=429, error=error)
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
        error = Phrase("ops.login.wrong" if book.any() else "ops.login.no_accounts")
    return console_page("ops/login.html", status=401 if error else 200, error=error)


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
    """Every merchant by name and logo, with its state: live, new, draft differs, invalid, check failed."""
    found = roster.rows(desk(), services().registry, console_locale(), _logo_url)
    return console_page("ops/index.html", rows=seen(found, lambda row: row.id))


def _logo_url(merchant: Merchant) -> str:
    return url_for("brand.logo", merchant_id=merchant.id, version=merchant.version)


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
        shape, shape_problem = None, exc.args[0]
    return console_page(
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
        merchant_name=roster.name_of(merchant_id, services().registry.get(merchant_id), text, console_locale()),
        released=request.args.get("done") == "release" and request.method == "GET",
    )


def _save(merchant_id: str, name: str, working: str) -> tuple[str, str, int, list[ConfigProblem] | None]:
    """Save the posted draft (raw text or the form's fields): the text to show, message, status, problems."""
    if request.form.get("form") == "shape":  # the structured form edits the same draft
        try:
            text = apply_form(working, request.form)
        except NotFormShaped as exc:
            return working, Phrase("ops.edit.form_cant_edit", problem=exc.args[0]), 422, None
    else:
        text = request.form.get("text", "").replace("\r\n", "\n")
    try:
        base, confirmed = request.form.get("base", ""), request.form.get("break_valid") == "yes"
        problems = desk().save_draft(merchant_id, text, base, current_ops_user(), confirmed, name)
    except WouldBreakDraft as exc:
        return text, Phrase("ops.edit.not_saved_breaking"), 409, exc.problems
    except DraftTooLarge:
        size, limit = len(text.encode()) // 1024, MAX_BYTES // 1024
        return working, Phrase("ops.edit.too_large", size=size, limit=limit), 413, None
    except DraftMovedOn:
        return text, Phrase("ops.edit.saved_by_someone"), 409, None
    except Busy:
        return text, Phrase("ops.edit.busy"), 409, None
    return text, Phrase("ops.edit.saved_with_problems" if problems else "ops.edit.saved"), 200, problems


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
        return console_page(
            "ops/message.html",
            status=409,
            title=Phrase("ops.message.fix_first"),
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
            raise LookupError(Phrase("ops.message.no_test_cards_line"))
    except (LookupError, OSError, ValueError, StopIteration, requests.RequestException) as exc:
        line = exc.args[0] if exc.args and isinstance(exc.args[0], Phrase) else str(exc)
        title = Phrase("ops.message.no_test_cards")
        return console_page("ops/message.html", status=409, title=title, lines=[line], merchant_id=merchant_id)
    gateways = Gateways(policy=services().registry.policy)
    bind = merchant.config.flows.bind
    gateway = gateways.for_merchant(merchant)
    rows = Check(gateway, cards, bind.method, bind.card_number.luhn, profile_of(merchant.config)).run()
    gateways.close()
    report = as_table(rows)
    desk().record_check(merchant_id, text, not failed(rows), current_ops_user(), report)
    title = Phrase("ops.message.check_failed" if failed(rows) else "ops.message.check_passed")
    return console_page("ops/message.html", title=title, lines=report.splitlines(), merchant_id=merchant_id)


@bp.post("/merchants")
@ops_required
@ops_role("editor", merchant_of=lambda _: request.form.get("merchant_id", "").strip())
def new() -> Response:
    """A new merchant starts as a draft from the template; publishing needs its check passed or waived."""
    from importlib import resources

    merchant_id = request.form.get("merchant_id", "").strip()
    if not MERCHANT_ID.fullmatch(merchant_id) or desk().working_text(merchant_id) is not None:
        return console_page(
            "ops/message.html",
            status=409,
            title=Phrase("ops.message.not_created"),
            lines=[Phrase("ops.message.bad_merchant_id")],
            merchant_id=None,
        )
    template = resources.files("bff.merchants").joinpath("template.yaml").read_text("utf-8")
    try:
        desk().save_draft(merchant_id, template.replace("{merchant_id}", merchant_id), "", current_ops_user())
    except (DraftMovedOn, Busy):  # another op created it a moment ago
        title, lines = Phrase("ops.message.not_created"), [moved_on()]
        return console_page("ops/message.html", status=409, title=title, lines=lines, merchant_id=None)
    return redirect(url_for("ops.edit", merchant_id=merchant_id), 303)


@bp.get("/audit")
@ops_required
def audit() -> Response:
    entries = desk().audit(request.args.get("merchant") or None)
    return console_page("ops/audit.html", entries=seen(entries, lambda entry: entry.merchant_id))
