"""Walking a dialect's history pages: the request's page values, the next page, and Kabao's opaque cursor.

The cursor the browser carries is Kabao's own: the mechanism's state (a token, a page and the rows
seen, or an offset) encoded, so the browser never learns or shapes how the card system pages.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from bff.adapters.dialect_codec import get
from bff.merchants.dialect_paging import (
    OffsetTotalPaging,
    PageHasMorePaging,
    PageTotalPaging,
    TokenPaging,
    counter_of,
)


def encode_cursor(state: dict[str, Any]) -> str:
    text = json.dumps(state, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any]:
    """The state a cursor carries; {} (the first page) for none or one Kabao didn't make."""
    if not cursor:
        return {}
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return {}
    return state if isinstance(state, dict) else {}


def _count(state: dict[str, Any], key: str, least: int) -> int:
    value = state.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= least else least


def request_values(paging: Any, cursor: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The placeholders this page's request fills ({cursor}, {page} or {offset}), and the state behind them."""
    state = decode_cursor(cursor)
    counter = counter_of(paging)
    if counter == "cursor":
        token = state.get("t")
        state = {"t": token} if isinstance(token, str) and token else {}
        return {"cursor": state.get("t")}, state
    if counter == "offset":
        state = {"o": _count(state, "o", 0)}
        return {"offset": state["o"]}, state
    state = {"p": _count(state, "p", paging.first), "s": _count(state, "s", 0)}
    return {"page": state["p"]}, state


def next_cursor(paging: Any, state: dict[str, Any], data: Any, rows: int, limit: int) -> str | None:
    """The cursor of the page after this one, or None when this one is the last; ValueError on a bad answer."""
    if isinstance(paging, TokenPaging):
        token = get(data, paging.next)
        if isinstance(token, bool) or (token is not None and not isinstance(token, str | int)):
            raise ValueError("the next-page token is not a string")
        return encode_cursor({"t": str(token)}) if token not in (None, "") else None
    if rows == 0:  # nothing more on this page: nothing after it either, whatever a flag says (no endless walk)
        return None
    if "o" in state:
        offset = state["o"] + rows
        more = offset < _total(data, paging.total) if isinstance(paging, OffsetTotalPaging) else rows >= limit
        return encode_cursor({"o": offset}) if more else None
    seen = state["s"] + rows
    if isinstance(paging, PageTotalPaging):
        more = seen < _total(data, paging.total)
    elif isinstance(paging, PageHasMorePaging):
        more = _flag(get(data, paging.has_more))
    else:
        more = rows >= limit
    return encode_cursor({"p": state["p"] + 1, "s": seen}) if more else None


def _total(data: Any, where: str) -> int:
    total = get(data, where)
    if isinstance(total, str) and total.isdigit():
        return int(total)
    if isinstance(total, bool) or not isinstance(total, int):
        raise ValueError("the total number of rows is missing or not a number")
    return total


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueError("the has-more flag is missing or not a boolean")
