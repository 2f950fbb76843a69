"""Card-number rules of a card-system profile: prefix, length, optional Luhn check digit."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class NumberRule:
    """A card-number format: a fixed prefix, then digits up to length, maybe a Luhn digit."""

    prefix: str
    length: int
    luhn: bool

    def matches(self, number: str) -> bool:
        """Whether a number has this format (and a valid check digit when Luhn applies)."""
        digits = number[len(self.prefix) :]
        return (
            len(number) == self.length
            and number.startswith(self.prefix)
            and digits.isascii()
            and digits.isdigit()
            and (not self.luhn or luhn_valid(number))
        )

    def generate(self, rng: random.Random) -> str:
        """A new number of this format drawn from rng."""
        free = self.length - len(self.prefix) - (1 if self.luhn else 0)
        body = self.prefix + "".join(str(rng.randrange(10)) for _ in range(free))
        return body + luhn_check_digit(body) if self.luhn else body


def luhn_check_digit(body: str) -> str:
    """The Luhn check digit to append to a string of digits."""
    total = 0
    for index, char in enumerate(reversed(body)):
        digit = int(char)
        if index % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """Whether a string of digits ends with its Luhn check digit."""
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]
