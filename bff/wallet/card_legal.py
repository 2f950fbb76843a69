"""What the law asks the wallet to show about one card: from the card system where it says, else from config."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bff.cards.models import Card
from bff.merchants.legal import Issuer, Legal


@dataclass(frozen=True)
class CardLegal:
    registration: str  # "named" (记名) or "anonymous" (不记名)
    issuer: Issuer
    expires_on: date | None  # the card system's date, when it gives one
    validity_years: int | None  # anonymous cards without a date: valid this many years from purchase
    terms_url: str

    @property
    def named(self) -> bool:
        return self.registration == "named"


def card_legal(legal: Legal, card: Card) -> CardLegal:
    """The card's legal facts; the card system's answer about this card wins over the config of its type."""
    terms = legal.terms_of(card.card_type)
    registration = card.registration or terms.registration
    years = terms.validity_years if registration == "anonymous" else None
    return CardLegal(registration, legal.issuer, card.expires_on, years, str(terms.terms_url))
