"""The states of checkouts, attempts and legs, and the only transitions allowed between them."""

from __future__ import annotations

import enum


class CheckoutStatus(enum.StrEnum):
    OPEN = "OPEN"  # the shopper may (again) choose cards and pay
    PROCESSING = "PROCESSING"  # an attempt is calling card systems
    PENDING = "PENDING"  # an attempt waits for a card system to confirm
    PAID = "PAID"  # cards paid their part (the remainder, if any, is the app's)
    FAILED = "FAILED"  # closed: the shopper left after a failed attempt, or it never confirmed
    CANCELLED = "CANCELLED"  # closed: the shopper left without paying


class AttemptStatus(enum.StrEnum):
    PROCESSING = "PROCESSING"
    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"  # every leg failed or was given back


class LegStatus(enum.StrEnum):
    PENDING = "PENDING"  # written before the call; outcome not known yet
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"
    # our verdict, not the card system's: it never saw the payment within the window. Counts as failed
    # for the attempt, but stays watched (reconcile) for a late charge until its watch period ends.
    NOT_FOUND = "NOT_FOUND"


CHECKOUT_MOVES: dict[CheckoutStatus, frozenset[CheckoutStatus]] = {
    CheckoutStatus.OPEN: frozenset({CheckoutStatus.PROCESSING, CheckoutStatus.CANCELLED, CheckoutStatus.FAILED}),
    CheckoutStatus.PROCESSING: frozenset({CheckoutStatus.PENDING, CheckoutStatus.PAID, CheckoutStatus.OPEN}),
    CheckoutStatus.PENDING: frozenset({CheckoutStatus.PAID, CheckoutStatus.OPEN, CheckoutStatus.FAILED}),
    CheckoutStatus.PAID: frozenset(),
    CheckoutStatus.FAILED: frozenset(),
    CheckoutStatus.CANCELLED: frozenset(),
}

ATTEMPT_MOVES: dict[AttemptStatus, frozenset[AttemptStatus]] = {
    AttemptStatus.PROCESSING: frozenset({AttemptStatus.PENDING, AttemptStatus.PAID, AttemptStatus.FAILED}),
    AttemptStatus.PENDING: frozenset({AttemptStatus.PAID, AttemptStatus.FAILED}),
    AttemptStatus.PAID: frozenset(),
    AttemptStatus.FAILED: frozenset(),
}

LEG_MOVES: dict[LegStatus, frozenset[LegStatus]] = {
    LegStatus.PENDING: frozenset({LegStatus.SUCCEEDED, LegStatus.FAILED, LegStatus.NOT_FOUND}),
    LegStatus.NOT_FOUND: frozenset({LegStatus.SUCCEEDED, LegStatus.FAILED}),  # a late answer
    LegStatus.SUCCEEDED: frozenset({LegStatus.REVERSED}),
    LegStatus.FAILED: frozenset(),
    LegStatus.REVERSED: frozenset(),
}


class IllegalTransition(Exception):
    """A state change the ledger must never make (e.g. a failed leg becoming paid)."""


def check_move(moves: dict, old: enum.StrEnum, new: enum.StrEnum) -> None:
    if new not in moves[old]:
        raise IllegalTransition(f"{old} -> {new}")


def attempt_outcome(legs: list[LegStatus]) -> AttemptStatus:
    """What an attempt amounts to once its legs are as given (reversals done by the caller)."""
    if any(s is LegStatus.PENDING for s in legs):
        return AttemptStatus.PENDING
    if all(s is LegStatus.SUCCEEDED for s in legs):
        return AttemptStatus.PAID
    if any(s is LegStatus.SUCCEEDED for s in legs):
        return AttemptStatus.PENDING  # a failure with money still taken: reversals are owed
    return AttemptStatus.FAILED
