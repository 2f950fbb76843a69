"""The live set of merchants: re-read changed files, keep the last good version of bad ones."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from bff.merchants.env import EnvRefused, EnvResolver
from bff.merchants.loader import ConfigProblem, InvalidConfig, Merchant, load_merchant, merchant_files
from bff.merchants.policy import ConfigPolicy

log = logging.getLogger(__name__)


class MerchantRegistry:
    """Merchants by id, refreshed from the config dir at most every `interval` seconds."""

    def __init__(
        self,
        config_dir: Path,
        interval: float = 1.0,
        policy: ConfigPolicy | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.config_dir = Path(config_dir).resolve()
        self.interval = interval
        self.policy = policy or ConfigPolicy()
        self.env = EnvResolver(os.environ if environ is None else environ, self.policy.env)
        self._lock = threading.Lock()
        self._merchants: dict[str, Merchant] = {}
        self._stamps: dict[Path, tuple[int, int, int]] = {}
        self._problems: dict[Path, list[ConfigProblem]] = {}
        self._checked = float("-inf")
        self._loaded = False

    def get(self, merchant_id: str) -> Merchant | None:
        self.refresh()
        return self._merchants.get(merchant_id)

    def all(self) -> list[Merchant]:
        self.refresh()
        return sorted(self._merchants.values(), key=lambda m: m.id)

    def problems(self) -> list[ConfigProblem]:
        self.refresh()
        return [p for ps in self._problems.values() for p in ps]

    def return_urls(self, merchant: Merchant) -> list[str]:
        """The checkout's allowed return URL prefixes, references resolved through the env policy."""
        resolved = []
        for url in merchant.config.checkout.return_urls if merchant.config.checkout else []:
            try:
                resolved.append(self.env.text(url))
            except EnvRefused as exc:
                log.error("merchant %s: a return URL is ignored: %s", merchant.id, exc)
        return resolved

    def notify_url(self, merchant: Merchant) -> str | None:
        """The host app's notify URL, resolved through the env policy and checked against the outbound one."""
        rules = merchant.config.checkout
        if rules is None or rules.notify_url is None:
            return None
        try:
            url = self.env.text(rules.notify_url)
        except EnvRefused as exc:
            log.error("merchant %s: the notify URL is ignored: %s", merchant.id, exc)
            return None
        problem = self.policy.outbound.url_problem(url)
        if problem:
            log.error("merchant %s: the notify URL is refused: %s", merchant.id, problem)
            return None
        return url

    def refresh(self, force: bool = False) -> None:
        """Pick up added, changed and removed files; a bad file keeps its last good version."""
        if not force and self._loaded and time.monotonic() - self._checked < self.interval:
            return
        # until the first load is done every reader waits for it: none may see an empty registry
        with self._lock:
            if not force and self._loaded and time.monotonic() - self._checked < self.interval:
                return
            seen = set()
            for path in merchant_files(self.config_dir):
                seen.add(path)
                stat = path.stat()
                # the inode too: a publish renames a new file in, which a coarse clock may give the same mtime
                stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
                if self._stamps.get(path) == stamp:
                    continue
                self._stamps[path] = stamp
                self._load(path)
            for path in set(self._stamps) - seen:
                del self._stamps[path]
                self._problems.pop(path, None)
                if self._merchants.pop(path.stem, None):
                    log.info("merchant %s removed (file deleted)", path.stem)
            self._checked = time.monotonic()
            self._loaded = True

    def _load(self, path: Path) -> None:
        try:
            merchant = load_merchant(path, self.policy)
        except InvalidConfig as exc:
            self._problems[path] = exc.problems
            kept = "keeping the last good version" if path.stem in self._merchants else "not served"
            log.error("refused %s (%s):\n%s", path.name, kept, exc)
            return
        except OSError as exc:
            log.error("could not read %s: %s", path.name, exc)
            return
        self._problems.pop(path, None)
        previous = self._merchants.get(merchant.id)
        self._merchants[merchant.id] = merchant
        if previous is not None and previous.version != merchant.version:
            log.info("merchant %s reloaded: version %s", merchant.id, merchant.version)
