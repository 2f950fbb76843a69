"""Money in fen: parsing and display. Never floats."""

from __future__ import annotations

from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency

FEN_PER_YUAN = 100
MAX_FEN = 10**12  # ¥10 billion: far above any order, far inside SQLite's and JSON's integers


def yuan_to_fen(text: str) -> int:
    """Parse a yuan amount string such as '12.34' into fen, refusing more than 2 decimals."""
    value = Decimal(text.strip())
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError(f"{text!r} has more than two decimal places")
    return int(fen)


def fen_to_yuan(fen: int) -> str:
    """Format fen as a plain yuan string with two decimals, e.g. 1234 -> '12.34'."""
    return f"{Decimal(fen) / FEN_PER_YUAN:.2f}"


# The symbol shoppers know a currency by at home, whatever the page's language: CLDR's English
# symbol for yuan is "CN¥", which a shopper in China never sees on a price tag.
HOME_SYMBOLS = {"CNY": "¥"}


def format_money(fen: int, currency: str = "CNY", locale: str = "zh_CN") -> str:
    """Format fen for a shopper in the locale's pattern, e.g. 1234 -> '¥12.34' (zh-CN and en alike)."""
    amount = Decimal(fen) / FEN_PER_YUAN
    babel_locale = Locale.parse(locale.replace("-", "_"))
    symbol = HOME_SYMBOLS.get(currency)
    pattern = None
    if symbol is not None:
        pattern = babel_locale.currency_formats["standard"].pattern.replace("¤", f"'{symbol}'")
    return format_currency(amount, currency, format=pattern, locale=babel_locale, currency_digits=True)
