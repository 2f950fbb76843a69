"""What a merchant's configuration says the check must prove: its paging mechanism, answer verification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Profile:
    paging: str = "cursor (next_cursor)"  # the configured mechanism, in words, for the report
    verification: str | None = None  # how answers' signatures are verified; None when not configured


def _paging(op: Any) -> str:
    configured = getattr(op, "paging", None)  # a paging block, where the mapping language has one
    if configured is not None:
        kind = getattr(configured, "kind", None) or getattr(configured, "mechanism", None) or type(configured).__name__
        return str(kind)
    if getattr(op, "next", None):
        return f"token (next page token at '{op.next}')"
    if getattr(op, "total", None):
        return f"page number with a total (total at '{op.total}')"
    return "page number, a short page is the last"


def _verification(dialect: Any) -> str | None:
    for owner in (dialect, getattr(dialect, "signing", None)):
        for name in ("verify", "verification", "answer_signature"):
            value = getattr(owner, name, None) if owner is not None else None
            if value:
                return str(getattr(value, "scheme", None) or getattr(value, "algorithm", None) or "configured")
    return None


def profile_of(config: Any) -> Profile:
    """The profile of a merchant's config (MerchantConfig); the standard API pages by cursor, unsigned answers."""
    dialect = config.backend.dialect
    if dialect is None:
        return Profile()
    op = dialect.operations.get("transactions")
    return Profile(paging=_paging(op) if op is not None else "none", verification=_verification(dialect))
