"""What the law asks the wallet to show about each card (China, 单用途商业预付卡): config per card type."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, HttpUrl, model_validator

from bff.merchants.base import Model, Text

Registration = Literal["named", "anonymous"]
MIN_ANONYMOUS_YEARS = 3  # an anonymous (不记名) card is valid for at least three years; a named (记名) one has no limit


class Issuer(Model):
    """Who issues the cards, and how a shopper reaches them (also when Kabao can't confirm something)."""

    name: Text
    phone: str = Field(..., pattern=r"^[0-9+\- ]{5,20}$")


class CardTypeTerms(Model):
    registration: Registration = Field(..., description="named (记名) or anonymous (不记名)")
    validity_years: int | None = Field(
        None, ge=1, le=100, description="Anonymous cards only: valid for this many years from purchase (at least 3)"
    )
    terms_url: HttpUrl = Field(..., description="The usage and refund terms (使用及退卡须知)")

    @model_validator(mode="after")
    def _validity(self) -> CardTypeTerms:
        if self.registration == "named" and self.validity_years is not None:
            raise ValueError("a named (记名) card may not have a validity period: leave validity_years out")
        if self.registration == "anonymous" and (self.validity_years or 0) < MIN_ANONYMOUS_YEARS:
            raise ValueError(
                f"an anonymous (不记名) card must be valid for at least {MIN_ANONYMOUS_YEARS} years: "
                f"set validity_years: {MIN_ANONYMOUS_YEARS} or more"
            )
        return self


class Legal(Model):
    issuer: Issuer
    card_types: dict[Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,32}$")], CardTypeTerms] = Field(
        ..., description="Terms per card type; key 'default' is used for others"
    )

    @model_validator(mode="after")
    def _default(self) -> Legal:
        if "default" not in self.card_types:
            raise ValueError("card_types needs a 'default' entry")
        return self

    def terms_of(self, card_type: str) -> CardTypeTerms:
        return self.card_types.get(card_type) or self.card_types["default"]
