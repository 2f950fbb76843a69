"""Amounts ops type in yuan (¥300.00, 300, 1,200.5) read into fen; anything else refused with its reason."""

from __future__ import annotations

import re

from bff.money import FEN_PER_YUAN, yuan_to_fen

MAX_YUAN = 1_000_000  # a PIN threshold above ¥1,000,000 is a typo, not a rule
AMOUNT = re.compile(r"(?P<sign>-?)(?P<whole>\d+)(?:\.(?P<cents>\d*))?")


class YuanProblem(ValueError):
    """Not an amount in yuan; reason is one of: format, negative, decimals, absurd."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_yuan(text: str) -> int:
    """Fen from yuan as ops type them: '300', '300.5', '¥1,200.00'; refuses more than two decimals."""
    cleaned = text.strip().replace("¥", "").replace("￥", "").replace(",", "").replace("，", "").strip()
    match = AMOUNT.fullmatch(cleaned)
    if match is None:
        raise YuanProblem("format")
    if match["sign"]:
        raise YuanProblem("negative")
    if len(match["cents"] or "") > 2:
        raise YuanProblem("decimals")
    if int(match["whole"]) > MAX_YUAN:
        raise YuanProblem("absurd")
    fen = yuan_to_fen(cleaned.rstrip("."))
    if fen > MAX_YUAN * FEN_PER_YUAN:
        raise YuanProblem("absurd")
    return fen
