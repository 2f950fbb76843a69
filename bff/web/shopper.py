"""The shopper's session: who, which merchant, which language; idle and absolute expiry."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, g, request, session

from bff.cards.gateway import CardGateway
from bff.cards.handles import CardHandles
from bff.i18n import Translator, negotiate
from bff.merchants.loader import Merchant
from bff.pages.context import PageContext, translator_for
from bff.pages.services import services
from bff.wallet.views import WalletView


@dataclass(frozen=True)
class Shopper:
    user_id: str
    merchant: Merchant
    locale: str

    @property
    def gateway(self) -> CardGateway:
        return services().gateways.for_merchant(self.merchant)

    @property
    def handles(self) -> CardHandles:
        return services().balances.handles(self.merchant.id, self.user_id)

    def card_id(self, handle: str) -> str:
        """The shopper's own card this handle names; 404 when it names none (another shopper's, say)."""
        found = services().balances.card_id_of(self.gateway, self.merchant.id, self.user_id, handle)
        if found is None:
            abort(404)
        return found

    def wallet(self, reuse: bool = False) -> WalletView | None:
        """Every card with its balance, fetched in parallel and waited for no longer than the timeouts.

        reuse: the wallet home may reuse balances kept a few seconds, when the merchant allows it."""
        timeouts = self.merchant.config.backend.timeouts
        seconds = self.merchant.config.pages.wallet.balance_cache_seconds if reuse else 0
        return services().balances.wallet(
            self.gateway, self.merchant.id, self.user_id, timeouts.connect + timeouts.read, reuse_seconds=seconds
        )


def start_session(user_id: str, merchant_id: str, locale: str) -> None:
    """Replace whatever session there was with a fresh one for this shopper."""
    now = int(time.time())
    session.clear()
    session.permanent = True
    session.update({"uid": user_id, "mch": merchant_id, "loc": locale, "iat": now, "seen": now})


def current_shopper() -> Shopper | None:
    """The shopper of this request, or None when there is no live session."""
    if "shopper" in g:
        return g.shopper
    shopper = None
    uid, mch = session.get("uid"), session.get("mch")
    if uid and mch:
        session_locale = session.get("loc")
        now = int(time.time())
        cfg = current_app.config
        idle = now - int(session.get("seen", 0)) > cfg["KABAO_SESSION_IDLE_SECONDS"]
        old = now - int(session.get("iat", 0)) > cfg["KABAO_SESSION_MAX_SECONDS"]
        merchant = services().registry.get(mch)
        if idle or old or merchant is None:
            session.clear()
            if merchant is not None:  # remembered (no user) so the session-expired page wears the brand
                session.update({"ended_mch": mch, "loc": session_locale or merchant.config.default_locale})
        else:
            if now - int(session.get("seen", 0)) >= 30:  # refresh the idle clock without churn
                session["seen"] = now
            shopper = Shopper(uid, merchant, session.get("loc") or merchant.config.default_locale)
    g.shopper = shopper
    return shopper


def shopper_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Views behind this need a live shopper session; otherwise a 401 page says what to do."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_shopper() is None:
            abort(401)
        return view(*args, **kwargs)

    return wrapped


def translator() -> Translator:
    if "t" not in g:
        shopper = current_shopper()
        if shopper is None:
            g.t = Translator(session.get("loc") or _browser_locale())
        else:
            g.t = translator_for(shopper.merchant, shopper.locale)
    return g.t


def _browser_locale() -> str:
    """With no session, the language the browser asks for (zh-CN when it asks for neither)."""
    return negotiate(list(request.accept_languages.values()))


def ended_session_merchant() -> Merchant | None:
    """The merchant whose wallet this browser had open until its session ended, if any."""
    mch = session.get("ended_mch")
    return services().registry.get(mch) if isinstance(mch, str) else None


def template_context() -> dict[str, Any]:
    shopper = current_shopper()
    if shopper is None:
        return {"t": translator(), "shopper": None, "merchant": None, "merchant_config": None, "handle": None}
    return PageContext(shopper.merchant, translator(), shopper.handles, shopper).values()
