"""What a merchant's configuration says the check must prove: its paging mechanism, answer verification."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Profile:
    paging: str = "cursor (next_cursor)"  # the configured mechanism, in words, for the report
    verification: str | None = None  # how answers' signatures are verified; None when not configured
    payment_echo: str | None = None  # where answers echo our payment id (payment.id), when configured
    refund_status: str | None = None  # where a refund answer's own status is (refund.status), when configured


def _paging(op: Any) -> str:
    """The configured mechanism and the answer fields it reads, e.g. "token (next at 'nextPageToken')"."""
    configured = getattr(op, "paging", None)  # a paging block, where the mapping language has one
    if configured is not None:
        fields = configured.model_dump(exclude={"mechanism"}, exclude_none=True)
        mechanism = configured.mechanism
    elif getattr(op, "next", None):
        mechanism, fields = "token", {"next": op.next}
    elif getattr(op, "total", None):
        mechanism, fields = "page_total", {"total": op.total}
    else:
        mechanism, fields = "short_page", {}
    # "by" says what a request counts (page or offset); every other field is where the answer says it
    reads = ", ".join(f"by {v}" if k == "by" else f"{k} at '{v}'" for k, v in fields.items() if isinstance(v, str))
    return f"{mechanism} ({reads})" if reads else mechanism


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
    return Profile(
        paging=_paging(op) if op is not None else "none",
        verification=_verification(dialect),
        payment_echo=dialect.payment.id if dialect.payment else None,
        refund_status=dialect.refund.status if dialect.refund else None,
    )
