"""The worker's loop: a reconcile pass every few seconds, each item under a lease, until asked to stop."""

from __future__ import annotations

import logging
import threading
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
        self._stopping = threading.Event()

    def stop(self, *_signal: object) -> None:
        self._stopping.set()

    def run_once(self) -> Pass:
        """One pass; says a line per thing done, and a line when items failed."""
        done = run_pass(self.services, self.window, claim=self.leases.claim, stopping=self._stopping.is_set)
        for line in done.lines:
            self.say(line)
        if done.failed:
            self.say(f"pass: {done.failed} item(s) failed; left for the next pass")
        return done

    def run(self) -> int:
        """Pass after pass, `every` seconds apart, until stopped; answers how many items failed in all."""
        failed = 0
        self.say(f"worker {self.leases.holder}: a pass every {self.every:g} s, leases of {self.leases.ttl:g} s")
        while not self._stopping.is_set():
            failed += self.run_once().failed
            self._stopping.wait(self.every)
        self.say(f"worker {self.leases.holder}: stopped")
        return failed
