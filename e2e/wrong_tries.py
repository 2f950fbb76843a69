"""Wrong secrets typed at a deployment's test cards, counted so a test stops one short of any lock.

A deployment's wrong-secret counters outlive a run (Kabao's per card, and the card system's own): the
suite keeps, beside the QA file, when it typed a wrong secret at which card, and types another only if
at least one try would still be left before the lower of the two limits within Kabao's window.
"""

from __future__ import annotations

import json
import time
from pathlib import Path


class WrongTries:
    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: nothing to keep (the sandbox is fresh every test)

    def _read(self) -> dict[str, list[float]]:
        if self.path is None or not self.path.is_file():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def take_one(self, key: str, limit: int, window_seconds: int) -> str | None:
        """Record one wrong try at `key` and return None; or the reason it would come too close to `limit`."""
        if self.path is None:
            return None
        now = time.time()
        tries = {k: [t for t in v if now - t < window_seconds] for k, v in self._read().items()}
        used = len(tries.get(key, []))
        if used + 1 >= limit:
            return (
                f"{key}: {used} wrong tries in the last {window_seconds // 60} min, limit {limit}:"
                " one more would leave none before the card locks"
            )
        tries.setdefault(key, []).append(now)
        self.path.write_text(json.dumps(tries), encoding="utf-8")
        return None
