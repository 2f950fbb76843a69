"""What access logs may show of a request target: tokens blanked, and anything posing as a card handle.

Card handles are opaque (a keyed MAC per shopper, see bff/cards/handles.py): they reveal nothing about
the card and are kept, so ops can follow one card's requests. Whatever else sits where a handle goes
(say a card number typed into the address bar) is blanked, since it may be a number.
"""

from __future__ import annotations

import re

from bff.cards.handles import CardHandles

REDACTED = "-redacted-"
SECRET_PARAMS = ("token", "kabao_result")  # host tokens, the signed result
_PARAM = re.compile(rf"(?i)(^|[&;])((?:{'|'.join(SECRET_PARAMS)})=)[^&;]*")
_CARD_PARAM = re.compile(r"(?i)(^|[&;])(card=)([^&;]*)")
_CARD_SEGMENT = re.compile(r"(/cards/)([^/?#]+)")


def _kept_if_handle(match: re.Match[str]) -> str:
    value = match.group(match.lastindex)
    opaque = CardHandles.well_formed(value) and not value.isdigit()
    return match.group(0) if opaque else match.group(0)[: -len(value)] + REDACTED


def redact_query(query: str) -> str:
    """The query string with the values of secret parameters, and card values that aren't handles, blanked."""
    return _CARD_PARAM.sub(_kept_if_handle, _PARAM.sub(rf"\1\2{REDACTED}", query))


def redact_path(path: str) -> str:
    """The path with whatever stands where a card handle goes blanked, unless it is a handle."""
    return _CARD_SEGMENT.sub(_kept_if_handle, path)


def redact_target(target: str) -> str:
    """A request target or URL (path?query) with tokens, and card values that aren't handles, blanked."""
    path, sep, query = target.partition("?")
    return redact_path(path) + sep + redact_query(query)
