"""Preview: every shopper page in every state, from the real templates and made-up data, live or draft.

Nothing here calls a card system, the store or the ledger: the views the shopper pages would get
from them come from bff.ops.fixtures.
"""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, make_response, render_template, request, url_for
from markupsafe import escape
from werkzeug.wrappers import Response

from bff.checkout.choice import Choice, choose
from bff.checkout.states import CheckoutStatus
from bff.i18n import LOCALES
from bff.merchants import assets
from bff.merchants.loader import MERCHANT_ID, InvalidConfig, Merchant, parse_merchant
from bff.merchants.model import MerchantConfig
from bff.ops import fixtures
from bff.ops.auth import ops_required
from bff.pages.context import PageContext, translator_for
from bff.pages.forms import BindForm
from bff.pages.pictures import picture
from bff.pages.pin_ask import PinAsk
from bff.pages.responses import no_store
from bff.pages.services import services
from bff.wallet.card_legal import card_legal
from bff.wallet.history import Shown, page_context
from bff.wallet.report_lost import lost_offered

bp = Blueprint("ops_preview", __name__, url_prefix="/ops/preview")
SOURCES = ("live", "draft")
PREVIEW_USER = "preview"  # the made-up shopper the pages are drawn for
PAGE_TITLES = {
    "wallet": "Wallet",
    "bind": "Bind a card",
    "card": "Card detail",
    "checkout": "Checkout",
    "result": "Payment result",
}

STATES: list[tuple[str, str, str]] = [
    ("wallet", "cards", "Wallet with cards"),
    ("wallet", "empty", "Wallet, no cards"),
    ("wallet", "one_unavailable", "Wallet, one card's balance unavailable"),
    ("wallet", "down", "Wallet, card system unavailable"),
    ("bind", "form", "Bind form"),
    ("bind", "error_number", "Bind: invalid card number"),
    ("bind", "error_secret", "Bind: password missing or wrong length"),
    ("bind", "error_code", "Bind: SMS code missing"),
    ("bind", "code_sent", "Bind: SMS code sent"),
    ("bind", "no_match", "Bind: no such card / wrong secret"),
    ("bind", "locked", "Bind: locked after too many tries"),
    ("bind", "secret_locked", "Bind: card password locked"),
    ("bind", "frozen", "Bind: card frozen"),
    ("bind", "expired", "Bind: card expired"),
    ("bind", "already_bound", "Bind: bound to another account"),
    ("bind", "sms_limit", "Bind: too many SMS codes"),
    ("bind", "busy", "Bind: card system busy"),
    ("card", "history", "Card detail with history"),
    ("card", "empty_history", "Card detail, no transactions"),
    ("card", "history_unavailable", "Card detail, history unavailable"),
    ("checkout", "one_card", "Checkout, one card"),
    ("checkout", "split", "Checkout, split over two cards"),
    ("checkout", "remainder", "Checkout, cards don't cover it"),
    ("checkout", "pin", "Checkout with payment PIN"),
    ("checkout", "wrong_pin", "Checkout: wrong PIN, asked again"),
    ("result", "paid", "Result: paid"),
    ("result", "partly_paid", "Result: partly paid"),
    ("result", "failed", "Result: failed"),
    ("result", "pending", "Result: pending"),
]
LABELS = {(page, state): label for page, state, label in STATES}
BIND_FIELD_ERRORS = {"error_number": "card_number", "error_secret": "secret", "error_code": "sms_code"}
BIND_STATES_OF_ONE_METHOD = {
    "error_secret": "password",
    "secret_locked": "password",
    "error_code": "sms",
    "code_sent": "sms",
    "sms_limit": "sms",
}


def applies(config: MerchantConfig, page: str, state: str) -> bool:
    """Whether this merchant's shoppers can ever see the state (no SMS states for a password bind, …)."""
    if page == "bind":
        return BIND_STATES_OF_ONE_METHOD.get(state, config.flows.bind.method) == config.flows.bind.method
    if page == "card":
        return state == "history" or config.offers("history")
    if page in ("checkout", "result"):
        rules = config.checkout
        if rules is None:
            return False
        return not (
            (state == "split" and rules.max_cards < 2)
            or (state in ("pin", "wrong_pin") and rules.pin.required == "never")
            or (state == "partly_paid" and not rules.allow_remainder)
        )
    return True


def states_for(merchant: Merchant) -> list[tuple[str, str, str]]:
    return [s for s in STATES if applies(merchant.config, s[0], s[1])]


def _wallet(page: PageContext, state: str) -> str:
    sections = page.merchant.config.pages.wallet.sections  # ops see every notice, whatever its window
    return page.render("wallet/home.html", wallet=fixtures.wallet(page.merchant.config, state), sections=sections)


def _bind(page: PageContext, state: str) -> str:
    flow, t = page.merchant.config.flows.bind, page.t
    form = BindForm(formdata=None, meta={"csrf": False})
    if state != "form":
        form.card_number.data = "12345" if state == "error_number" else fixtures.sample_number(flow.card_number)
    errors = {
        "error_number": t("bind.error.number"),
        "error_secret": t("bind.error.secret", length=flow.secret.length),
        "error_code": t("bind.error.code"),
    }
    if state in BIND_FIELD_ERRORS:
        getattr(form, BIND_FIELD_ERRORS[state]).errors = [errors[state]]
    problem = None
    if state == "no_match":
        problem = t(f"bind.problem.no_match.{flow.method}")
    elif state not in ("form", "code_sent", *BIND_FIELD_ERRORS):
        problem = t(f"bind.problem.{state}")
    notice = t("bind.code_sent") if state == "code_sent" else None
    return page.render("bind/page.html", form=form, flow=flow, problem=problem, notice=notice)


def _card(page: PageContext, state: str) -> str:
    merchant = page.merchant
    view = fixtures.card_views(merchant.config)[0]
    legal = card_legal(merchant.config.legal, view.card)
    lost = lost_offered(merchant.config, view.card, legal)
    history = page_context(fixtures.history(state), Shown.ALL, ZoneInfo(merchant.config.timezone))
    return page.render("card/detail.html", view=view, legal=legal, lost_offered=lost, **history)


def _checkout(page: PageContext, state: str) -> str:
    merchant, config = page.merchant, page.merchant.config
    rules = config.checkout
    views = fixtures.card_views(config)
    order = fixtures.scenario(rules, state)
    choice = choose(order.amount, views, order.picked, rules)
    return page.render(
        "checkout/page.html",
        checkout=fixtures.checkout(merchant.id, config.currency, order.amount, CheckoutStatus.OPEN),
        rules=rules,
        views=views,
        reasons=fixtures.usable_reasons(views),
        picked=order.picked,
        choice=choice,
        problem=None,
        next_seq=1,
        last_failure=None,
        pin_ask=_wrong_pin(choice, page.t("pin.wrong", tries=2)) if state == "wrong_pin" else PinAsk(),
    )


def _wrong_pin(choice: Choice, problem: str) -> PinAsk:
    """The last card's PIN was wrong; the cards before it were charged and given back."""
    *before, wrong = choice.legs
    return PinAsk({wrong.card_id: problem}, tuple((leg.amount, leg.last4) for leg in before))


def _result(page: PageContext, state: str) -> str:
    merchant = page.merchant
    order, outcome = fixtures.result(merchant.config, merchant.id, state)
    seconds = max(1, round(merchant.config.checkout.status_query.interval_seconds))
    return page.render(
        "checkout/result.html", checkout=order, outcome=outcome, polling=state == "pending", poll_seconds=seconds
    )


RENDERERS: dict[str, Callable[[PageContext, str], str]] = {
    "wallet": _wallet,
    "bind": _bind,
    "card": _card,
    "checkout": _checkout,
    "result": _result,
}


def render_preview(merchant: Merchant, page: str, state: str, locale: str) -> str:
    """One shopper page in one state, as the merchant's shopper would see it in that locale."""
    if (page, state) not in LABELS or not applies(merchant.config, page, state):
        raise LookupError(f"{merchant.id} has no preview {page}/{state}")
    handles = services().balances.handles(merchant.id, PREVIEW_USER)
    context = PageContext(merchant, translator_for(merchant, locale), handles, shopper=PREVIEW_USER)
    return RENDERERS[page](context, state)


def load_source(merchant_id: str, source: str) -> Merchant | None:
    """The published merchant, or its draft (<config_dir>/.drafts/<id>.yaml) when asked and there is one.

    Stand-in until the draft store is wired here. The draft is parsed as if it were the published file,
    so a logo path resolves against the config dir as it will once published.
    """
    live = services().registry.get(merchant_id)
    if source != "draft" or not MERCHANT_ID.fullmatch(merchant_id):
        return live
    config_dir = services().registry.config_dir
    draft = config_dir / ".drafts" / f"{merchant_id}.yaml"
    if not draft.is_file():
        return live
    return parse_merchant(config_dir / f"{merchant_id}.yaml", draft.read_bytes(), services().registry.policy)


def merchant_or_404(merchant_id: str, source: str) -> Merchant:
    if source not in SOURCES:
        abort(404)
    try:
        merchant = load_source(merchant_id, source)
    except InvalidConfig as exc:
        response = make_response(f"The draft of {merchant_id} is not valid:\n{exc}", 422)
        response.mimetype = "text/plain"
        abort(response)
    if merchant is None:
        abort(404)
    return merchant


def _unpublished_brand(html: str, merchant: Merchant, source: str) -> str:
    """Point a draft's stylesheet and logo here: the /brand/ routes serve only the published version."""
    if source != "draft":
        return html
    swaps = {
        url_for("brand.stylesheet", merchant_id=merchant.id, version=merchant.version): url_for(
            ".brand_css", merchant_id=merchant.id, source=source, v=merchant.version
        ),
        url_for("brand.logo", merchant_id=merchant.id, version=merchant.version): url_for(
            ".logo", merchant_id=merchant.id, source=source, v=merchant.version
        ),
    }
    for published, here in swaps.items():
        html = html.replace(f'"{escape(published)}"', f'"{escape(here)}"')
    return html


@bp.get("/<merchant_id>")
@ops_required
def grid(merchant_id: str) -> Response:
    """Every state of every shopper page, in each locale, as phone-sized frames side by side."""
    source = request.args.get("source", "live")
    merchant = merchant_or_404(merchant_id, source)
    page = render_template(
        "ops/preview_grid.html",
        merchant=merchant,
        states=states_for(merchant),
        page_titles=PAGE_TITLES,
        locales=LOCALES,
        source=source,
    )
    return no_store(make_response(page))


@bp.get("/<merchant_id>/<page>/<state>")
@ops_required
def one(merchant_id: str, page: str, state: str) -> Response:
    """One shopper page in one state: ?lang=zh-CN|en&source=live|draft."""
    source = request.args.get("source", "live")
    locale = request.args.get("lang", "zh-CN")
    merchant = merchant_or_404(merchant_id, source)
    if locale not in LOCALES:
        abort(404)
    try:
        html = render_preview(merchant, page, state, locale)
    except LookupError:
        abort(404)
    return no_store(make_response(_unpublished_brand(html, merchant, source)))


@bp.get("/<merchant_id>/brand.css")
@ops_required
def brand_css(merchant_id: str) -> Response:
    """The brand stylesheet of the merchant as previewed (a draft's colours before they are published)."""
    source = request.args.get("source", "live")
    merchant = merchant_or_404(merchant_id, source)

    def art_url(face: str) -> str:
        return url_for(".art", merchant_id=merchant_id, face=face, source=source, v=merchant.version)

    response = make_response(render_template("brand.css", brand=merchant.config.brand, art_url=art_url))
    response.mimetype = "text/css"
    return no_store(response)


@bp.get("/<merchant_id>/logo")
@ops_required
def logo(merchant_id: str) -> Response:
    merchant = merchant_or_404(merchant_id, request.args.get("source", "live"))
    return no_store(picture(merchant.path.parent, merchant.config.brand.logo, assets.LOGO_SUFFIXES))


@bp.get("/<merchant_id>/art/<face>")
@ops_required
def art(merchant_id: str, face: str) -> Response:
    """A card face's art as previewed: a draft's new art before it is published."""
    merchant = merchant_or_404(merchant_id, request.args.get("source", "live"))
    card_face = merchant.config.brand.card_faces.get(face)
    return no_store(picture(merchant.path.parent, card_face.art if card_face else None, assets.ART_SUFFIXES))
