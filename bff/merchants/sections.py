"""The wallet home's sections: each type is one template partial with its own options."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated, Literal

from pydantic import Field, model_validator

from bff.merchants.base import Model, Text


class TotalBalanceSection(Model):
    type: Literal["total_balance"]


class CardListSection(Model):
    type: Literal["card_list"]
    show_unusable: bool = True


class BindButtonSection(Model):
    type: Literal["bind_button"]


class NoticeSection(Model):
    type: Literal["notice"]
    text: Text
    tone: Literal["info", "warning"] = "info"
    starts: datetime | None = Field(
        None, description="Shown from this time on (ISO 8601; in the merchant's timezone when it has no offset)"
    )
    ends: datetime | None = Field(
        None, description="Shown until this time (ISO 8601; in the merchant's timezone when it has no offset)"
    )

    @model_validator(mode="after")
    def _window(self) -> NoticeSection:
        same_kind = self.starts and self.ends and (self.starts.tzinfo is None) == (self.ends.tzinfo is None)
        if same_kind and self.ends <= self.starts:  # a naive and an aware one meet only in the merchant's zone
            raise ValueError("ends must be after starts")
        return self

    def showing(self, now: datetime, zone: tzinfo) -> bool:
        """Whether shoppers see the notice at now (an aware time); naive starts/ends are in zone."""
        if self.starts and now < _aware(self.starts, zone):
            return False
        return not (self.ends and now >= _aware(self.ends, zone))


def _aware(moment: datetime, zone: tzinfo) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


class FaqItem(Model):
    question: Text
    answer: Text


class FaqSection(Model):
    type: Literal["faq"]
    items: list[FaqItem] = Field(..., min_length=1)


class HelpSection(Model):
    type: Literal["help"]


Section = Annotated[
    TotalBalanceSection | CardListSection | BindButtonSection | NoticeSection | FaqSection | HelpSection,
    Field(discriminator="type"),
]


class WalletPage(Model):
    sections: list[Section] = Field(..., min_length=1)
    balance_cache_seconds: int = Field(
        0,
        ge=0,
        le=30,
        description="Seconds a card's live balance may be reused on the wallet home (0 = always ask the card "
        "system). Never at checkout or on the pay code, and never once money moved (pay, refund, bind, unbind).",
    )

    @model_validator(mode="after")
    def _has_cards(self) -> WalletPage:
        if not any(s.type == "card_list" for s in self.sections):
            raise ValueError("the wallet needs a card_list section")
        return self

    def shown(self, now: datetime, zone: tzinfo) -> list[Section]:
        """The sections a shopper sees at now: notices only inside their window."""
        return [s for s in self.sections if not isinstance(s, NoticeSection) or s.showing(now, zone)]


class Pages(Model):
    wallet: WalletPage
