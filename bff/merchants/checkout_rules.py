"""What a merchant's checkout allows: cards per order, the remainder, PINs, return URLs, refunds."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from bff.merchants.base import Model
from bff.merchants.env import with_defaults
from bff.merchants.policy import check_env_refs


class PinRule(Model):
    required: Literal["always", "above", "never"] = "never"
    above_amount: int = Field(0, ge=0, description="Fen; with required: above, orders over this ask the PIN")

    def needed(self, amount: int) -> bool:
        return self.required == "always" or (self.required == "above" and amount > self.above_amount)


class StatusQuery(Model):
    interval_seconds: float = Field(3, ge=0.5, le=60, description="First wait before asking again; grows 1.5x")
    give_up_seconds: int = Field(45, ge=5, le=3600, description="Stop asking on the result page after this")


class CheckoutRules(Model):
    max_cards: int = Field(2, ge=1, le=5)
    allow_remainder: bool = Field(True, description="The app's own method may pay what the cards don't cover")
    pin: PinRule = PinRule()
    return_urls: list[str] = Field(..., min_length=1, description="Allowed return URL prefixes; ${ENV} allowed")
    status_query: StatusQuery = StatusQuery()
    refund_policy: Literal["last_paid_first", "pro_rata"] = "last_paid_first"

    @field_validator("return_urls")
    @classmethod
    def _urls(cls, value: list[str], info: ValidationInfo) -> list[str]:
        for url in value:
            check_env_refs(url, info)
            expanded = with_defaults(url, "http://env.invalid")
            if not re.fullmatch(r"https?://[^\s/?#]+/[^\s?#]*", expanded):
                raise ValueError(f"{url!r} is not an http(s) URL with a path")
        return value
