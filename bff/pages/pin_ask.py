"""What the checkout page's PIN entries say, shared with the ops preview of a wrong PIN."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PinAsk:
    """What the PIN entries say: per card, the problem shown at its PIN; money taken and given back meanwhile."""

    problems: dict[str, str] = field(default_factory=dict)  # card id -> text, in the order the legs pay
    given_back: tuple[tuple[int, str], ...] = ()  # (fen, last4) of legs charged, then reversed
    answers_a_try: bool = True  # said after a try (the focus goes there), not on showing the form

    @property
    def focus(self) -> str | None:
        """The card whose PIN gets the focus after a try: the first one with a problem."""
        return next(iter(self.problems), None) if self.answers_a_try else None

    def __bool__(self) -> bool:
        return bool(self.problems)
