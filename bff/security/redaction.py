"""What access logs may show of a request target: paths and queries with tokens and card handles blanked."""

from __future__ import annotations

import re

REDACTED = "-redacted-"
SECRET_PARAMS = ("token", "kabao_result", "card")  # host tokens, the signed result, card handles
_PARAM = re.compile(rf"(?i)(^|[&;])((?:{'|'.join(SECRET_PARAMS)})=)[^&;]*")
_CARD_SEGMENT = re.compile(r"(/cards/)[^/?#]+")


def redact_query(query: str) -> str:
    """The query string with the values of secret parameters blanked."""
    return _PARAM.sub(rf"\1\2{REDACTED}", query)


def redact_path(path: str) -> str:
    """The path with every card handle (the segment after /cards/) blanked."""
    return _CARD_SEGMENT.sub(rf"\1{REDACTED}", path)


def redact_target(target: str) -> str:
    """A request target or URL (path?query) with tokens and card handles blanked."""
    path, sep, query = target.partition("?")
    return redact_path(path) + sep + redact_query(query)
