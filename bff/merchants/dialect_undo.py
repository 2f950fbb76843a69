"""The mapping language's undo: how a paid leg is given back when another leg of a split fails."""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from pydantic import Field, model_validator

from bff.merchants.base import Model

GiveBack = Literal["reverse", "refund"]


class Undo(Model):
    """reverse (void), refund of the whole leg, or reverse within a time limit and refund after it."""

    by: Literal["reverse", "refund", "reverse_then_refund"]
    reverse_within_seconds: int | None = Field(
        None, ge=1, le=7 * 86400, description="reverse_then_refund: how long after paying a reverse is still taken"
    )

    @model_validator(mode="after")
    def _limit(self) -> Undo:
        if self.by == "reverse_then_refund" and self.reverse_within_seconds is None:
            raise ValueError("reverse_then_refund needs reverse_within_seconds")
        if self.by != "reverse_then_refund" and self.reverse_within_seconds is not None:
            raise ValueError("reverse_within_seconds goes only with by: reverse_then_refund")
        return self

    def needs(self) -> set[str]:
        """The operations this way of giving back calls."""
        return {"reverse_then_refund": {"reverse", "refund"}}.get(self.by, {self.by})


def give_back_by(undo: Undo | None, operations: Collection[str], age_seconds: float | None) -> GiveBack | None:
    """How to give back a leg paid age_seconds ago (None: unknown age); None when the system can't."""
    if undo is None:  # not named: a reversal where there is one, else a full refund
        return "reverse" if "reverse" in operations else "refund" if "refund" in operations else None
    if undo.by != "reverse_then_refund":
        return undo.by
    within = age_seconds is not None and age_seconds <= (undo.reverse_within_seconds or 0)
    return "reverse" if within else "refund"
