"""Made-up card numbers and secrets that follow a merchant's rules but match no card."""

from __future__ import annotations

import re
from collections.abc import Collection

from e2e.merchants import CardNumberRule


def luhn_check_digit(body: str) -> str:
    """The digit that makes body + digit pass the Luhn check."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str(-total % 10)


def unknown_number(rule: CardNumberRule, like: str, taken: Collection[str]) -> str:
    """A number shaped like `like` (a real card's) that passes the rule and is not in `taken`."""
    body = like[:-1] if rule.luhn else like
    head, tail = body[:-4], body[-4:]
    for step in range(1, 10_000):
        number = head + f"{(int(tail) + step * 7919) % 10_000:04d}"
        if rule.luhn:
            number += luhn_check_digit(number)
        if re.fullmatch(rule.pattern, number) and number not in taken:
            return number
    raise AssertionError(f"could not make up an unknown card number like {like}")


def other_than(secret: str) -> str:
    """A secret of the same length and kind that is certainly not this one."""
    return "".join(str((int(c) + 1) % 10) if c.isdigit() else ("b" if c == "a" else "a") for c in secret)
