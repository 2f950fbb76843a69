"""The role check on every ops view that changes something, and `can()` for templates to hide what isn't allowed.

`@ops_role("publisher")` goes under `@ops_required`: the merchant is the view's `merchant_id` argument, or
what `merchant_of` finds (e.g. a checkout's merchant); an account limited to other merchants is refused.
A refusal is a 403 page in the console's language; nothing was done.

Reading is kept to the account's merchants too: `keep_to_merchants` refuses any console URL naming another
merchant, and the lists (merchants, orders, audit, requests, dashboard) keep what `sees` allows.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import make_response, render_template, request
from werkzeug.wrappers import Response

from bff.ops.auth import current_ops_account, current_ops_user
from bff.ops.language import ops_text
from bff.pages.responses import no_store

log = logging.getLogger(__name__)
T = TypeVar("T")


def can(role: str, merchant_id: str | None = None) -> bool:
    """May this request's account do what role opens (on merchant_id, or on some merchant when None)?"""
    account = current_ops_account()
    if account is None:
        return False
    return account.can(role, merchant_id) if merchant_id else account.for_any_merchant(role)


def sees(merchant_id: str) -> bool:
    """May this request's account read what belongs to merchant_id?"""
    account = current_ops_account()
    return account is not None and account.sees(merchant_id)


def seen(items: Iterable[T], merchant_of: Callable[[T], str]) -> list[T]:
    """The items of merchants this request's account may read, in their order."""
    account = current_ops_account()
    return [item for item in items if account is not None and account.sees(merchant_of(item))]


def keep_to_merchants(console: frozenset[str]) -> Callable[[], Response | None]:
    """A before_request for the console's blueprints: a URL naming a merchant the account can't read is a 403."""

    def check() -> Response | None:
        merchant_id = (request.view_args or {}).get("merchant_id")
        account = current_ops_account()
        if request.blueprint not in console or not merchant_id or account is None or account.sees(merchant_id):
            return None  # not logged in: the view's own login check answers
        return outside_merchants(merchant_id)

    return check


def outside_merchants(merchant_id: str) -> Response:
    """The 403 page for reading a merchant outside the account's merchants."""
    log.warning("ops %s refused: %s is not among the account's merchants", current_ops_user(), merchant_id)
    return _forbidden(ops_text("ops.roles.refused.not_yours", merchant=merchant_id))


def refused(role: str, merchant_id: str | None = None) -> Response:
    """The 403 page: which role the action needs (and for which merchant)."""
    log.warning("ops %s refused: needs %s for %s", current_ops_user(), role, merchant_id or "-")
    role_name = ops_text(f"ops.roles.name.{role}")
    if merchant_id:
        line = ops_text("ops.roles.refused.merchant", role=role_name, merchant=merchant_id)
    else:
        line = ops_text("ops.roles.refused.line", role=role_name)
    return _forbidden(line)


def _forbidden(line: str) -> Response:
    title = ops_text("ops.roles.refused.title")
    page = render_template("ops/message.html", user=current_ops_user(), title=title, lines=[line], merchant_id=None)
    return no_store(make_response(page, 403))


def ops_role(
    role: str, merchant_of: Callable[[dict[str, Any]], str | None] | None = None, methods: tuple[str, ...] = ()
) -> Callable:
    """Refuse the view (403) unless the account has role for the merchant it acts on (only for methods, if given)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if methods and request.method not in methods:
                return view(*args, **kwargs)
            merchant_id = merchant_of(kwargs) if merchant_of else kwargs.get("merchant_id")
            account = current_ops_account()
            if account is None or not account.can(role, merchant_id):
                return refused(role, merchant_id)
            return view(*args, **kwargs)

        wrapped.ops_role = role  # type: ignore[attr-defined] - read by the test that every change has a role
        return wrapped

    return decorate
