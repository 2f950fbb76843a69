"""Settle what stayed pending: found → final; never found → failed; paid on an abandoned attempt → given back."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from bff.checkout import late, settled
from bff.checkout.records import Attempt
from bff.checkout.states import AttemptStatus, CheckoutStatus, LegStatus
from bff.services import Services

log = logging.getLogger(__name__)

WORDS = {
    "found": "found: {status}",
    "not_found": "never seen by the card system: {status} (failed for now; watched for a late charge)",
    "not_seen_yet": "not seen by the card system yet; left pending until the window ends",
    "unknown": "still unknown (no usable answer from the card system); left pending",
}
UNSETTLED = (AttemptStatus.PROCESSING, AttemptStatus.PENDING)
Claim = Callable[[str], AbstractContextManager[bool]]


def alone(_key: str) -> AbstractContextManager[bool]:
    """The claim of a pass that runs by itself: every item is its own."""
    return nullcontext(True)


@dataclass
class Pass:
    """What one pass did: a line per thing done or left, and how many items failed or were another's."""

    lines: list[str] = field(default_factory=list)
    failed: int = 0
    skipped: int = 0
    say: Callable[[str], None] = field(default=lambda _line: None, repr=False)  # each line as it happens

    def work(self, claim: Claim, key: str, name: str, job: Callable[[], list[str]]) -> None:
        """Do one item under its claim; one failing (a card system, a locked database) is logged and left."""
        try:
            with claim(key) as mine:
                if not mine:
                    self.skipped += 1  # another worker has it in hand
                    return
                self.add(job())
        except Exception as exc:  # one bad item must not stop the pass; it is retried next run
            log.exception("reconcile: %s failed", name)
            self.failed += 1
            self.add([f"{name}: failed ({type(exc).__name__}); left for the next run"])

    def add(self, lines: list[str]) -> None:
        self.lines.extend(lines)
        for line in lines:
            self.say(line)


def reconcile(services: Services, window: float, now: float | None = None) -> list[str]:
    """One pass over unsettled attempts and unconfirmed refunds; answers a line per thing done or left."""
    return run_pass(services, window, now).lines


def run_pass(
    services: Services,
    window: float,
    now: float | None = None,
    claim: Claim = alone,
    stopping: Callable[[], bool] = lambda: False,
    say: Callable[[str], None] = lambda _line: None,
) -> Pass:
    """One pass, each item under claim(key) (a lease when several workers run); stops between items when asked.

    say(line) hears each line as soon as its item is done.
    """
    now = time.time() if now is None else now
    done = Pass(say=say)
    for key, name, job in _items(services, window, now, done):
        if stopping():
            break
        done.work(claim, key, name, job)
    return done


def _items(services: Services, window: float, now: float, done: Pass) -> Iterable[tuple[str, str, Callable]]:
    """(lease key, name, job) for everything due, listed kind by kind as the pass reaches it."""
    ledger, refunds = services.ledger, services.refunds
    for attempt in _listed(done, "unsettled attempts", ledger.unsettled_attempts):
        yield (
            f"attempt:{attempt.checkout_id}:{attempt.seq}",
            f"checkout {attempt.checkout_id}",
            lambda a=attempt: _attempt(services, a, window, now),
        )
    for merchant_id, refund_id in _listed(done, "pending refunds", refunds.pending):
        yield (
            f"refund:{merchant_id}:{refund_id}",
            f"refund {refund_id} ({merchant_id})",
            lambda m=merchant_id, r=refund_id: _refund(services, m, r),
        )
    for leg in _listed(done, "held late charges", ledger.held_late_charges):
        yield (
            f"leg:{leg.payment_id}",
            f"late charge {leg.payment_id}",
            lambda p=leg.payment_id: late.give_back_one(services, p),
        )
    for leg in _listed(done, "watched legs", lambda: ledger.watched_legs(now)):
        yield (
            f"leg:{leg.payment_id}",
            f"watched {leg.payment_id}",
            lambda p=leg.payment_id: late.watch_one(services, p, now),
        )
    for note in _listed(done, "notifications", lambda: services.notifier.due(now)):
        yield (
            f"notification:{note.merchant_id}:{note.event_key}",
            f"notification {note.event_key} ({note.merchant_id})",
            lambda n=note: late.deliver_one(services, n, now),
        )


def _listed(done: Pass, what: str, lister: Callable[[], list]) -> list:
    try:
        return lister()
    except Exception as exc:  # e.g. the database locked for too long: this kind waits for the next pass
        log.exception("reconcile: listing %s failed", what)
        done.failed += 1
        done.add([f"{what}: failed to list ({type(exc).__name__}); left for the next run"])
        return []


def settle_one(services: Services, checkout_id: str, window: float, now: float | None = None) -> list[str]:
    """Settle one checkout's unsettled attempts now, by the same rules as a reconcile pass (for ops)."""
    now = time.time() if now is None else now
    lines: list[str] = []
    for attempt in services.ledger.attempts(checkout_id):
        if attempt.status in UNSETTLED:
            lines += _attempt(services, attempt, window, now)
    return lines


def _attempt(services: Services, attempt: Attempt, window: float, now: float) -> list[str]:
    ledger, payer, lines = services.ledger, services.payer, []
    current = next((a for a in ledger.attempts(attempt.checkout_id) if a.seq == attempt.seq), None)
    if current is None or current.status not in UNSETTLED:
        return []  # settled meanwhile (by the shopper's page or another worker)
    checkout = ledger.checkout(attempt.checkout_id)
    name = f"order {checkout.order_id} ({checkout.merchant_id}, checkout {checkout.checkout_id})"
    merchant = services.registry.get(checkout.merchant_id)
    if merchant is None:
        return [f"{name}: merchant not configured; left pending"]
    gateway = services.gateways.for_merchant(merchant)
    abandoned = now - attempt.created_at > window
    for leg in ledger.legs(checkout.checkout_id, attempt.seq):
        if leg.status is LegStatus.PENDING:
            learnt = payer.check_leg(gateway, leg, window, merchant.config.checkout.status_query.watch_seconds)
            after = ledger.leg(leg.payment_id).status
            lines.append(f"{name}: {leg.payment_id} {WORDS[learnt].format(status=after)}")
    legs = ledger.legs(checkout.checkout_id, attempt.seq)
    if any(leg.status is LegStatus.PENDING for leg in legs):
        return lines
    if abandoned:
        for leg in legs:
            if leg.status is LegStatus.SUCCEEDED:
                payer.reverse_leg(gateway, leg)
                reversed_now = ledger.leg(leg.payment_id).status is LegStatus.REVERSED
                state = "reversed" if reversed_now else "reversal not confirmed; will retry"
                lines.append(f"{name}: {leg.payment_id} paid on an abandoned attempt: {state}")
    outcome = payer.settle(gateway, checkout, attempt.seq)
    if abandoned and ledger.checkout(checkout.checkout_id).status is CheckoutStatus.OPEN:
        ledger.close_checkout(checkout.checkout_id, CheckoutStatus.FAILED)
    lines.append(f"{name}: attempt {attempt.seq} is now {outcome}")
    if outcome in (AttemptStatus.PAID, AttemptStatus.FAILED):
        settled.tell_host(services, merchant, checkout.checkout_id, attempt.seq)
    return lines


def _refund(services: Services, merchant_id: str, refund_id: str) -> list[str]:
    merchant = services.registry.get(merchant_id)
    if merchant is None:
        return []
    refunds = services.refunds
    refund = refunds.send(services.gateways.for_merchant(merchant), merchant_id, refunds.load(merchant_id, refund_id))
    return [f"refund {refund_id} ({merchant_id}): {refund.status}"]
