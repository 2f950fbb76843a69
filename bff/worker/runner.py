"""The worker's loop: a reconcile pass every few seconds, each item under a lease, until asked to stop."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from bff.checkout.reconcile import Pass, run_pass
from bff.services import Services
from bff.worker.leases import Leases

log = logging.getLogger("kabao.worker")


class Worker:
    """Runs passes until stop() (a signal handler may call it): the item in hand is finished, then it returns."""

    def __init__(
        self, services: Services, leases: Leases, window: float, every: float, say: Callable[[str], None] = log.info
    ) -> None:
        self.services, self.leases, self.window, self.every, self.say = services, leases, window, every, say
        self._stop = False

    def stop(self, *_signal: object) -> None:
        self._stop = True  # a plain flag, no lock: safe to set from a signal handler at any moment

    def stopping(self) -> bool:
        return self._stop

    def run_once(self) -> Pass:
        """One pass; says a line per thing done as it is done, and a line when items failed."""
        done = run_pass(self.services, self.window, claim=self.leases.claim, stopping=self.stopping, say=self.say)
        if done.failed:
            self.say(f"pass: {done.failed} item(s) failed; left for the next pass")
        return done

    def run(self) -> int:
        """Pass after pass, `every` seconds apart, until stopped; answers how many items failed in all."""
        failed = 0
        self.say(f"worker {self.leases.holder}: a pass every {self.every:g} s, leases of {self.leases.ttl:g} s")
        while not self._stop:
            failed += self.run_once().failed
            self._rest()
        self.say(f"worker {self.leases.holder}: stopped")
        return failed

    def _rest(self) -> None:
        """Wait `every` seconds, in short naps so that a stop is heard within a fraction of a second."""
        until = time.monotonic() + self.every
        while not self._stop and (left := until - time.monotonic()) > 0:
            time.sleep(min(left, 0.2))
