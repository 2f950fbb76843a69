"""The host-app simulator page: open the wallet, check out, see test cards, SMS and orders, faults."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from sandbox import faults, orders, records
from sandbox.context import current
from sandbox.merchants import Merchant, load_merchants
from sandbox.seed import ensure_system, reset
from sandbox.tokens import LOCALES, launch_url, mint_launch_token

bp = Blueprint("simulator", __name__)


@bp.get("/")
def index() -> str:
    """The simulator page."""
    return render_page()


@bp.post("/launch")
def launch() -> Response | tuple[str, int]:
    """Mint a launch token and send the browser to the BFF, as the host app does."""
    sandbox = current()
    user_id = request.form.get("user_id", "")
    merchant_id = request.form.get("merchant_id", "")
    locale = request.form.get("locale", "zh-CN")
    error = choice_error(user_id, merchant_id, locale)
    if error:
        return render_page(error), 400
    token = mint_launch_token(sandbox.host_secret, user_id, merchant_id, locale)
    return redirect(launch_url(sandbox.bff_url, token), 303)


@bp.post("/faults")
def add_fault() -> Response | tuple[str, int]:
    """Add a fault from the fault panel."""
    form = request.form
    try:
        fault = faults.parse_fault(
            {
                "system": form.get("system", ""),
                "op": form.get("op", "*"),
                "mode": form.get("mode", ""),
                "card_id": form.get("card_id", "").strip() or None,
                "delay_ms": _optional_int(form.get("delay_ms", ""), "delay_ms"),
                "count": _optional_int(form.get("count", ""), "count"),
            }
        )
    except ValueError as error:
        return render_page(f"故障未添加 Fault not added: {error}"), 400
    faults.add(current().db, fault)
    return redirect(url_for("simulator.index", _anchor="faults"), 303)


@bp.post("/faults/<int:fault_id>/remove")
def remove_fault(fault_id: int) -> Response:
    """Remove one fault (gone already is fine: a counted fault removes itself when used up)."""
    faults.remove(current().db, fault_id)
    return redirect(url_for("simulator.index", _anchor="faults"), 303)


@bp.post("/faults/clear")
def clear_faults() -> Response:
    """Remove every fault."""
    faults.clear(current().db)
    return redirect(url_for("simulator.index", _anchor="faults"), 303)


@bp.post("/reset")
def reset_data() -> Response:
    """Wipe and re-seed the sandbox."""
    sandbox = current()
    reset(sandbox.db, sandbox.seed)
    return redirect(url_for("simulator.index"), 303)


def choice_error(user_id: str, merchant_id: str, locale: str) -> str | None:
    """What is wrong with a shopper, merchant and language chosen on the page, if anything."""
    sandbox = current()
    if user_id not in {s["user_id"] for s in records.shoppers(sandbox.db)}:
        return "请选择购物者 Choose a shopper"
    if merchant_id not in {m.id for m in load_merchants(sandbox.config_dir)}:
        return "请选择商户 Choose a merchant"
    if locale not in LOCALES:
        return "请选择语言 Choose a language"
    return None


def render_page(error: str | None = None, checkout: Mapping[str, str] | None = None) -> str:
    """The simulator page, with an error to show and the checkout form's values to keep."""
    sandbox = current()
    # the most complete merchant first: the forms open on it
    merchants = sorted(load_merchants(sandbox.config_dir), key=lambda m: (-m.completeness, m.id))
    test_cards: dict[str, list[dict[str, Any]]] = {}
    bound_cards: dict[str, list[dict[str, Any]]] = {}
    for merchant in merchants:
        if merchant.system:
            ensure_system(sandbox.db, sandbox.seed, merchant.system)
            cards = records.system_cards(sandbox.db, merchant.system)
            test_cards[merchant.id] = [c for c in cards if not c["user_id"]]
            bound_cards[merchant.id] = [c for c in cards if c["user_id"]]
    # the merchants' systems in the merchants' order, then any other seeded system
    systems = list(dict.fromkeys([m.system for m in merchants if m.system] + sorted(sandbox.seed.named_systems)))
    shoppers = records.shoppers(sandbox.db)
    return render_template(
        "simulator/index.html",
        error=error,
        shoppers=shoppers,
        shopper_names={s["user_id"]: f"{s['name']['zh-CN']} {s['name']['en']}" for s in shoppers},
        merchants=merchants,
        test_cards=test_cards,
        bound_cards=bound_cards,
        merchants_of=_merchants_of(merchants),
        profiles={s: sandbox.seed.profile_for(s) for s in systems},
        inbox=records.sms_inbox(sandbox.db),
        faults=faults.list_faults(sandbox.db),
        systems=systems,
        ops=faults.OPS,
        modes=faults.MODES,
        locales=LOCALES,
        bff_url=sandbox.bff_url,
        checkout=checkout or {"amount": "128.00"},
        orders=orders.recent_orders(sandbox.db),
    )


def _merchants_of(merchants: list[Merchant]) -> dict[str, str]:
    """Each card system's merchants by name, as faults are shown and chosen by merchant."""
    names: dict[str, list[str]] = {}
    for merchant in merchants:
        if merchant.system:
            names.setdefault(merchant.system, []).append(f"{merchant.name_zh} {merchant.name_en}")
    return {system: " · ".join(found) for system, found in names.items()}


def _optional_int(text: str, name: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):
        raise ValueError(f"{name} must be a whole number")
    return int(text)
