"""What a merchant's checkout allows: cards per order, the remainder, PINs, return URLs, refunds."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from bff.merchants.base import Model
from bff.merchants.env import with_defaults
from bff.merchants.policy import check_env_refs, policy_of


class PinRule(Model):
    required: Literal["always", "above", "never"] = "never"
    above_amount: int = Field(0, ge=0, description="Fen; with required: above, orders over this ask the PIN")

    def needed(self, amount: int) -> bool:
        return self.required == "always" or (self.required == "above" and amount > self.above_amount)


class StatusQuery(Model):
    interval_seconds: float = Field(3, ge=0.5, le=60, description="First wait before asking again; grows 1.5x")
    give_up_seconds: int = Field(
        45, ge=5, le=3600, description="A payment the card system still doesn't know after this is NOT_FOUND"
    )
    watch_days: float = Field(
        7, gt=0, le=90, description="How long reconcile keeps looking for a late charge of a NOT_FOUND payment"
    )

    @property
    def watch_seconds(self) -> float:
        return self.watch_days * 86400


class CheckoutRules(Model):
    max_cards: int = Field(2, ge=1, le=5)
    auto_pick: Literal["earliest_expiry", "smallest_first", "largest_first", "none"] = Field(
        "earliest_expiry",
        description="Which cards checkout picks at first: soonest-expiring money, small balances, or large ones first"
        " (fewest cards); the picks cover the most of the order with at most max_cards cards. none: the shopper picks",
    )
    allow_remainder: bool = Field(True, description="The app's own method may pay what the cards don't cover")
    pin: PinRule = PinRule()
    return_urls: list[str] = Field(..., min_length=1, description="Allowed return URL prefixes; ${ENV} allowed")
    status_query: StatusQuery = StatusQuery()
    refund_policy: Literal["last_paid_first", "pro_rata"] = "last_paid_first"
    notify_url: str | None = Field(
        None, description="The host app's URL for signed notifications (e.g. a late charge given back); ${ENV} allowed"
    )

    @field_validator("return_urls")
    @classmethod
    def _urls(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for url in value:
            check_env_refs(url, info)
            _check_url(url)
        return value

    @field_validator("notify_url")
    @classmethod
    def _notify_url(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        check_env_refs(value, info)
        expanded = _check_url(value)
        # Kabao calls this address itself: it must pass the deployment's outbound allow-list too
        problem = None if expanded.startswith("http://env.invalid") else policy_of(info).outbound.url_problem(expanded)
        if problem:
            raise ValueError(problem)
        return value


def _check_url(url: str) -> str:
    """The URL with its references replaced by their defaults; ValueError unless it is http(s) with a path."""
    expanded = with_defaults(url, "http://env.invalid")
    if not re.fullmatch(r"https?://[^\s/?#]+/[^\s?#]*", expanded):
        raise ValueError(f"{url!r} is not an http(s) URL with a path")
    return expanded
