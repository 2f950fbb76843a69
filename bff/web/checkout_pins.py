"""The PINs of a checkout: read per card, a try taken before any is sent, and asked again after a wrong one."""

from __future__ import annotations

import math

from bff.checkout.choice import Choice
from bff.checkout.ledger import Ledger
from bff.checkout.states import AttemptStatus, LegStatus
from bff.i18n import Translator
from bff.merchants.model import SecretRule
from bff.pages.pin_ask import PinAsk
from bff.security.attempts import WrongSecretGuard
from bff.security.tries import Reservation
from bff.web.shopper import Shopper

WRONG_PIN_CODES = frozenset({"WRONG_SECRET", "SECRET_LOCKED"})


def read_pins(
    form_pin: dict[str, str], rule: SecretRule, choice: Choice, t: Translator
) -> tuple[dict[str, str], PinAsk]:
    """The PIN typed for each paying card (form_pin: card id -> text), or what is wrong with each that can't go."""
    if not choice.pin_needed:
        return {}, PinAsk()
    pins, problems = {}, {}
    for leg in choice.legs:
        pin = form_pin.get(leg.card_id, "").strip()
        if len(pin) != rule.length or (rule.digits_only and not pin.isdigit()):
            problems[leg.card_id] = t("checkout.problem.pin", last4=leg.last4, length=rule.length)
        else:
            pins[leg.card_id] = pin
    return ({}, PinAsk(problems)) if problems else (pins, PinAsk())


class PinTries:
    """The wrong-PIN limits of one shopper at one merchant, as checkout uses them."""

    def __init__(self, guard: WrongSecretGuard, shopper: Shopper, t: Translator) -> None:
        self.guard, self.t = guard, t
        self.merchant_id, self.user_id = shopper.merchant.id, shopper.user_id
        self.limits = shopper.merchant.config.limits.wrong_secret

    def _args(self, card_id: str) -> tuple:
        return self.limits, self.merchant_id, self.user_id, f"card:{card_id}"

    def take(self, card_id: str) -> Reservation | None:
        """Take one try for a card before its PIN is sent; None when its tries are used up (nothing taken)."""
        return self.guard.reserve(*self._args(card_id))

    def used_up(self, card_id: str) -> bool:
        return self.guard.blocked(*self._args(card_id))

    def reserve(self, choice: Choice, pins: dict[str, str]) -> tuple[dict[str, Reservation], PinAsk]:
        """Take a try for each card paid with a PIN before any is sent, or (taking none) say which card is locked."""
        taken: dict[str, Reservation] = {}
        for leg in choice.legs:
            if leg.card_id not in pins:
                continue
            reservation = self.guard.reserve(*self._args(leg.card_id))
            if reservation is None:
                for given in taken.values():
                    self.guard.give_back(given)
                return {}, PinAsk({leg.card_id: self.locked(leg.card_id, leg.last4)})
            taken[leg.card_id] = reservation
        return taken, PinAsk()

    def already_locked(self, choice: Choice) -> PinAsk:
        """Before any try: the paying cards whose tries are used up, said at their PIN."""
        if not choice.pin_needed:
            return PinAsk()
        args = {leg.card_id: self._args(leg.card_id) for leg in choice.legs}
        locked = {leg.card_id: leg.last4 for leg in choice.legs if self.guard.blocked(*args[leg.card_id])}
        return PinAsk({card_id: self.locked(card_id, last4) for card_id, last4 in locked.items()}, answers_a_try=False)

    def settle(self, ledger: Ledger, checkout_id: str, seq: int, taken: dict[str, Reservation], counted: bool) -> None:
        """Keep the tries the card system refused as wrong PINs; give back every other one."""
        refused = set()
        if counted and taken:
            refused = {leg.card_id for leg in ledger.legs(checkout_id, seq) if leg.error_code in WRONG_PIN_CODES}
        for card_id, reservation in taken.items():
            if card_id not in refused:
                self.guard.give_back(reservation)

    def locked(self, card_id: str, last4: str) -> str:
        minutes = max(1, math.ceil(self.guard.locked_for(*self._args(card_id)) / 60))
        return self.t("pin.locked", last4=last4, minutes=minutes)

    def ask_again(self, ledger: Ledger, checkout_id: str, seq: int) -> PinAsk:
        """After an attempt a card system refused for a PIN, with every charge given back: what to ask again.

        Empty when the attempt failed for another reason, or isn't final (a give-back not yet confirmed keeps
        the attempt pending): the result page tells those.
        """
        attempt = next((a for a in ledger.attempts(checkout_id) if a.seq == seq), None)
        if attempt is None or attempt.status is not AttemptStatus.FAILED:
            return PinAsk()
        legs = ledger.legs(checkout_id, seq)
        problems = {}
        for leg in legs:
            if leg.error_code == "SECRET_LOCKED":
                problems[leg.card_id] = self.t("pin.locked_by_issuer", last4=leg.last4)
            elif leg.error_code == "WRONG_SECRET":
                problems[leg.card_id] = self.wrong(leg.card_id, leg.last4)
        given_back = tuple((leg.amount, leg.last4) for leg in legs if leg.status is LegStatus.REVERSED)
        return PinAsk(problems, given_back) if problems else PinAsk()

    def wrong(self, card_id: str, last4: str) -> str:
        """Said at a PIN the card system refused: the tries left, or that the card is locked for now."""
        left = self.guard.tries_left(*self._args(card_id))
        if left <= 0:
            return self.locked(card_id, last4)
        return self.t("pin.wrong_one_left" if left == 1 else "pin.wrong", last4=last4, tries=left)
