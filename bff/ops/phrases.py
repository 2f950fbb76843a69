"""Console texts said by code that has no request (the desk, readiness, the desk's actions).

A Phrase is its English text (what logs, audit notes and the CLI read) that also remembers its key and
values, so the console shows it in the ops person's own language (bff/ops/language.py `said`).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from bff.i18n.placeholders import fill

ENGLISH = "en"


@cache
def catalogue(locale: str) -> dict[str, str]:
    text = resources.files("bff.ops").joinpath(f"i18n/{locale}.json").read_text("utf-8")
    return json.loads(text)


class Phrase(str):
    """One console text by key with its values; str() of it is the English."""

    key: str
    values: dict[str, object]

    def __new__(cls, key: str, **values: object) -> Phrase:
        phrase = super().__new__(cls, fill(catalogue(ENGLISH)[key], values))
        phrase.key, phrase.values = key, values
        return phrase


def said(text: object, locale: str) -> str:
    """A text in the locale: a Phrase (and any Phrase among its values) translated, anything else as it is."""
    if isinstance(text, Phrase):
        return fill(catalogue(locale)[text.key], {name: said(value, locale) for name, value in text.values.items()})
    return str(text)


def word(prefix: str, value: object, locale: str) -> str:
    """A status or kind in words ("PAID" → "已支付"); the value itself when the catalogue has no word for it."""
    return catalogue(locale).get(f"{prefix}.{value}", str(value))
