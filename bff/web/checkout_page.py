"""The checkout choice page: drawn at once, then the cards it showed (kept, not fetched again) and the picks."""

from __future__ import annotations

from flask import current_app, request
from werkzeug.wrappers import Response

from bff.checkout.autopick import auto_pick
from bff.checkout.choice import Choice, choose, unusable_reason
from bff.checkout.records import Checkout
from bff.checkout.snapshot import CardSnapshots, shortfalls
from bff.checkout.states import AttemptStatus
from bff.merchants.checkout_rules import CheckoutRules
from bff.wallet.views import CardView
from bff.web.checkout_pins import PinAsk, PinTries
from bff.web.render import is_htmx, no_store, page_or_fragment
from bff.web.shopper import Shopper, current_shopper, services, translator


def _snapshots() -> CardSnapshots:
    return CardSnapshots(services().store, current_app.config["SECRET_KEY"])


def shown_cards(shopper: Shopper, checkout_id: str, fresh: bool = False) -> list[CardView]:
    """The cards with the balances the page showed; fetched (and kept) when fresh or none were kept."""
    if not fresh:
        kept = _snapshots().shown(checkout_id)
        if kept is not None:
            return kept
    wallet = shopper.wallet()
    # cards that can pay first, frozen / expired / unavailable ones below them (each group in wallet order)
    views = [] if wallet is None else sorted(wallet.cards, key=lambda view: unusable_reason(view) is not None)
    _snapshots().keep(checkout_id, views)
    return views


def retried(shopper: Shopper, checkout_id: str, views: list[CardView], handle: str) -> tuple[list[CardView], bool]:
    """The page's cards with this one's balance asked again (kept when it came); whether it came."""
    card_id = shopper.handles.find(handle, [v.card.card_id for v in views])
    if card_id is None:
        return views, False
    view = services().balances.one_card(shopper.gateway, shopper.merchant.id, shopper.user_id, card_id)
    if view is None or not view.live:
        return views, False
    views = [view if v.card.card_id == card_id else v for v in views]
    views.sort(key=lambda v: unusable_reason(v) is not None)  # a card that can pay now joins those that can
    _snapshots().keep(checkout_id, views)
    return views, True


def usable(views: list[CardView]) -> list[CardView]:
    return [v for v in views if unusable_reason(v) is None]


def first_picks(checkout: Checkout, rules: CheckoutRules, views: list[CardView]) -> list[str]:
    """The cards the merchant's rule picks for this order, in the order they are used."""
    return auto_pick(checkout.amount, usable(views), rules.auto_pick, rules.max_cards)


def picked_in_order(shopper: Shopper, views: list[CardView]) -> tuple[list[str], str | None]:
    """The ticked cards in the order they are used, and the card just moved first (if one was).

    The order is the page's (hidden `order` fields), then newly ticked cards in page order; a "use first"
    button (`first`) moves its card to the front. A handle naming none of the shopper's cards stays unusable.
    """
    ids = [v.card.card_id for v in views]

    def card_of(handle: str) -> str:
        return shopper.handles.find(handle, ids) or f"?{handle}"

    ticked = [card_of(h) for h in request.form.getlist("card")]
    order = [card_of(h) for h in request.form.getlist("order")]
    page = {card_id: i for i, card_id in enumerate(ids)}
    picked = [c for c in dict.fromkeys(order) if c in ticked]
    picked += sorted((c for c in dict.fromkeys(ticked) if c not in picked), key=lambda c: page.get(c, len(page)))
    first = request.form.get("first")
    moved = card_of(first) if first else None
    if moved in picked:
        picked.remove(moved)
        picked.insert(0, moved)
    return picked, moved if moved in picked else None


def confirm_balances(
    shopper: Shopper, checkout_id: str, views: list[CardView], choice: Choice
) -> tuple[list[CardView], str | None]:
    """Ask the card system, once, for each paying card's balance; say which no longer covers its leg.

    The page's views are updated with what was learned, so the shopper sees the new split."""
    balances, gateway = services().balances, shopper.gateway
    futures = {
        leg.card_id: services().executor.submit(
            balances.one_card, gateway, shopper.merchant.id, shopper.user_id, leg.card_id
        )
        for leg in choice.legs
    }
    live = {card_id: f.result() for card_id, f in futures.items()}
    live = {card_id: view for card_id, view in live.items() if view is not None and view.live}
    short = shortfalls(list(choice.legs), live)
    if not short:
        return views, None
    views = [live.get(v.card.card_id, v) for v in views]
    _snapshots().keep(checkout_id, views)
    t, first = translator(), short[0]
    if first.card_id in {v.card.card_id for v in usable(views)}:
        return views, t("checkout.problem.balance_changed", last4=first.last4, amount=t.money(first.balance or 0))
    return views, t("checkout.problem.card_changed", last4=first.last4)


def render_loading(shopper: Shopper, checkout: Checkout, rules: CheckoutRules) -> Response:
    """The page at once: order, the remembered cards with their balances still to come, pay not yet possible.

    Asks no card system: the form with the balances is one fragment the page loads (`checkout.card_balances`).
    """
    remembered = services().balances.remembered(shopper.merchant.id, shopper.user_id)
    latest = services().ledger.latest_attempt(checkout.checkout_id)
    views = None if remembered is None else sorted(remembered.cards, key=lambda v: not v.card.usable)
    return no_store(
        page_or_fragment(
            "checkout/page.html",
            "checkout/loading.html",
            checkout=checkout,
            rules=rules,
            views=views,
            loading=True,
            last_failure=latest.failure if latest and latest.status is AttemptStatus.FAILED else None,
        )
    )


def render_choice(
    checkout: Checkout,
    rules: CheckoutRules,
    views: list[CardView],
    picked: list[str],
    problem: str | None = None,
    status: int = 200,
    problem_at: str = "pay",
    moved: str | None = None,
    pin_ask: PinAsk | None = None,
) -> Response:
    """The checkout page (or, for htmx, its form) for these picked cards, in the order they are used."""
    ledger = services().ledger
    latest = ledger.latest_attempt(checkout.checkout_id)
    choice = choose(checkout.amount, views, picked, rules)
    return no_store(
        page_or_fragment(
            "checkout/page.html",
            "checkout/form.html",
            status=status,
            checkout=checkout,
            rules=rules,
            views=views,
            reasons={v.card.card_id: unusable_reason(v) for v in views},
            picked=picked,
            choice=choice,
            auto_picked=bool(picked) and picked == first_picks(checkout, rules, views),
            problem=problem,
            problem_at=problem_at,
            moved=moved,
            announce=is_htmx() and request.endpoint == "checkout.preview",
            next_seq=(latest.seq if latest else 0) + 1,
            last_failure=latest.failure if latest and latest.status is AttemptStatus.FAILED and not pin_ask else None,
            pin_ask=pin_ask or PinTries(services().guard, current_shopper(), translator()).already_locked(choice),
        )
    )
