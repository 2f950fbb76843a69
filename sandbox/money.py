"""Money in fen, as the host app types and shows it. Never floats."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN_PER_YUAN = 100
MAX_FEN = 100_000_000  # ¥1,000,000.00: far above any test order, far below SQLite's integer range


def parse_yuan(text: str) -> int:
    """Parse a yuan amount such as '128.00' into fen; ValueError says (in both languages) why not."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ValueError("金额不是数字 The amount is not a number") from None
    if not value.is_finite():
        raise ValueError("金额不是数字 The amount is not a number")
    fen = value * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError("金额最多两位小数 The amount has more than two decimal places")
    if fen <= 0:
        raise ValueError("金额必须大于 0 The amount must be more than 0")
    if fen > MAX_FEN:
        raise ValueError("金额太大 The amount is too large (at most ¥1,000,000.00)")
    return int(fen)


def yuan(fen: int) -> str:
    """Show fen as yuan, e.g. 6660 -> ¥66.60."""
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


def plain_yuan(fen: int) -> str:
    """Fen as a form's yuan value, e.g. 12800 -> 128.00."""
    return f"{Decimal(fen) / FEN_PER_YUAN:.2f}"
