"""The wallet home's sections: each type is one template partial with its own options."""

from __future__ import annotations

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


class Pages(Model):
    wallet: WalletPage
