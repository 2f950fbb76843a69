"""Shopper-visible text: key-based catalogues per locale, merchant overrides, formatting.

Catalogues are keyed (not gettext msgids) because ops override single texts per merchant by key.
Babel does the locale-aware work: negotiation, money and dates.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time

from bff.i18n.placeholders import BadText, fill, placeholders
from bff.money import format_money

log = logging.getLogger(__name__)

LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"


@cache
def catalogue(locale: str) -> dict[str, str]:
    """The built-in texts of one locale."""
    text = resources.files("bff.i18n").joinpath(f"{locale}.json").read_text("utf-8")
    return json.loads(text)


def known_message_keys() -> frozenset[str]:
    return frozenset(catalogue(DEFAULT_LOCALE))


def override_problem(key: str, text: str) -> str | None:
    """Why an ops override of a text can't be used: placeholders its key doesn't have, or bad syntax."""
    try:
        used = placeholders(text)
    except BadText as exc:
        return str(exc)
    own = placeholders(catalogue(DEFAULT_LOCALE)[key])
    unknown = sorted(used - own)
    if unknown:
        names = ", ".join(f"{{{name}}}" for name in unknown)
        has = ", ".join(f"{{{name}}}" for name in sorted(own)) or "none"
        return f"{names} is not a placeholder of this text (it has: {has})"
    return None


def negotiate(accept_languages: list[str]) -> str:
    """The best supported locale for an Accept-Language list, zh-CN when nothing fits."""
    found = negotiate_locale([a.replace("-", "_") for a in accept_languages], ["zh_CN", "zh", "en"], sep="_")
    return "en" if found == "en" else DEFAULT_LOCALE


class Translator:
    """Texts and formats for one locale, with one merchant's overrides on top."""

    def __init__(self, locale: str, overrides: dict[str, str] | None = None, timezone: str = "Asia/Shanghai") -> None:
        self.locale = locale if locale in LOCALES else DEFAULT_LOCALE
        self.zone = ZoneInfo(timezone)
        self._babel = Locale.parse(self.locale.replace("-", "_"))
        self._texts = {**catalogue(DEFAULT_LOCALE), **catalogue(self.locale), **(overrides or {})}

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts.get(key, key)
        if not values:
            return text
        try:
            return fill(text, values)
        except BadText as exc:
            # an override that slipped past validation costs its own text, never the page
            log.warning("text %s (%s) can't be filled in, the catalogue's is shown: %s", key, self.locale, exc)
        builtin = catalogue(self.locale).get(key) or catalogue(DEFAULT_LOCALE).get(key, key)
        try:
            return fill(builtin, values)
        except BadText:
            return builtin

    def either(self, key: str, fallback: str) -> str:
        """The text of key, or of fallback when key is not a known text (e.g. a new error code)."""
        return self(key if key in self._texts else fallback)

    def money(self, fen: int, currency: str = "CNY") -> str:
        return format_money(fen, currency, str(self._babel))

    def date(self, value: date) -> str:
        return format_date(value, "medium", locale=self._babel)

    def local(self, value: datetime) -> datetime:
        """A moment in the merchant's time zone, whatever zone it was recorded in (naive means UTC)."""
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(self.zone)

    def datetime(self, value: datetime) -> str:
        return format_datetime(self.local(value), "short", locale=self._babel)

    def month(self, value: date) -> str:
        """A month and its year in the locale's order: 2026年11月, November 2026."""
        return format_skeleton("yMMMM", value, locale=self._babel)

    def day_time(self, value: datetime) -> str:
        """Day and time within a month's list, in the locale's order: 11月29日 20:43, Nov 29 8:43 PM."""
        local = self.local(value)
        return f"{format_skeleton('MMMd', local, locale=self._babel)} {format_time(local, 'short', locale=self._babel)}"

    def pick(self, localized: dict[str, str]) -> str:
        """Choose this locale's text from a config value such as {zh-CN: …, en: …}."""
        return localized.get(self.locale) or localized[DEFAULT_LOCALE]
