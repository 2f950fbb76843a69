"""Money as the wallet shows it in zh-CN: ¥1,234.56, -¥34.86."""

from __future__ import annotations

import re

AMOUNT = re.compile(r"^[-+]?¥[\d,]+\.\d{2}$")


def yuan(fen: int) -> str:
    """Fen as the pages format it (integers only: no float rounding)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"
