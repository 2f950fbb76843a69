"""What a merchant's in-store pay code (付款码) allows: lifetimes, PIN amount, and the terminals that redeem it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from bff.merchants.base import EnvName, Model, Text

TerminalId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class Terminal(Model):
    """One store's till or handheld terminal; it signs its requests with its own key."""

    store_id: str = Field(..., pattern=r"^[A-Za-z0-9_-]{1,32}$")
    store_name: Text
    key_env: EnvName = Field(..., description="The environment variable holding this terminal's HMAC key")


class FailedRedemptions(Model):
    attempts: int = Field(10, ge=1, le=1000, description="Per terminal: refused codes allowed in the window")
    window_seconds: int = Field(300, ge=60, le=86400)


class PayCodeRules(Model):
    enabled: bool = True
    rotate_seconds: int = Field(30, ge=10, le=60, description="The shopper's page fetches a new code this often")
    ttl_seconds: int = Field(60, ge=10, le=60, description="A code stops working this long after it was issued")
    pin_above: int | None = Field(
        None, ge=0, description="Fen; redemptions above this wait for the shopper's PIN on the phone"
    )
    default_card: Literal["earliest_expiry", "largest_balance"] = Field(
        "earliest_expiry", description="The card a new code pays from until the shopper picks another"
    )
    cancel_window_seconds: int = Field(600, ge=0, le=86400, description="A terminal may cancel a payment this long")
    failed_redemptions: FailedRedemptions = FailedRedemptions()
    terminals: dict[TerminalId, Terminal] = Field(..., min_length=1)

    @model_validator(mode="after")
    def _rotate_within_ttl(self) -> PayCodeRules:
        if self.rotate_seconds > self.ttl_seconds:
            raise ValueError("rotate_seconds is longer than ttl_seconds: the page would show dead codes")
        return self
