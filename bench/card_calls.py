"""CPU per card-system call: through Kabao's gateway (requests) and through a bare urllib3 pool, same calls."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

import urllib3


def cpu_ms_per_call(call: Callable[[], object], calls: int = 500, runs: int = 3) -> float:
    """The median over runs of this process's CPU time per call (the card system runs in another process)."""
    for _ in range(50):
        call()
    samples = []
    for _ in range(runs):
        start = time.process_time()
        for _ in range(calls):
            call()
        samples.append((time.process_time() - start) / calls * 1000)
    return statistics.median(samples)


def bare_urllib3(url: str, headers: dict[str, str], size: int = 16) -> Callable[[], object]:
    pool = urllib3.PoolManager(maxsize=size, retries=False)
    timeout = urllib3.Timeout(connect=3, read=5)
    return lambda: json.loads(pool.request("GET", url, headers=headers, timeout=timeout, redirect=False).data)
