"""What every shopper template is drawn with: the merchant, the language and the shopper's card handles.

The shopper views fill it from the session; the ops preview fills it for a merchant, a locale and made-up
cards. Neither writes the other's request state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import render_template

from bff.cards.handles import CardHandles
from bff.cards.models import Card
from bff.i18n import Translator
from bff.merchants.loader import Merchant


def translator_for(merchant: Merchant, locale: str) -> Translator:
    """The merchant's copy in the locale, with its own overrides and time zone."""
    config = merchant.config
    return Translator(locale, config.copy_overrides.get(locale, {}), config.timezone)


@dataclass(frozen=True)
class PageContext:
    """A shopper page's merchant, translator and card handles; shopper is whoever is signed in (or a stand-in)."""

    merchant: Merchant
    t: Translator
    handles: CardHandles
    shopper: object

    def face_key(self, card: Card) -> str:
        """The card face configured for this card's type, or the default one."""
        return card.card_type if card.card_type in self.merchant.config.brand.card_faces else "default"

    def card_type_label(self, card: Card) -> str:
        return self.t.pick(self.merchant.config.brand.card_faces[self.face_key(card)].label)

    def values(self) -> dict[str, Any]:
        return {
            "face_key": self.face_key,
            "handle": self.handles.of,
            "card_type_label": self.card_type_label,
            "t": self.t,
            "shopper": self.shopper,
            "merchant": self.merchant,
            "merchant_config": self.merchant.config,
        }

    def render(self, template: str, **context: Any) -> str:
        """A shopper template drawn for this page context (its values win over the app's context processors)."""
        return render_template(template, **self.values(), **context)
