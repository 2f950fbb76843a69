"""The processes bench/load.py starts on 127.0.0.1: Redis, `kabao serve` instances (logs kept), CPU use."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from sandbox.runner import free_port

KABAO = Path(sys.executable).parent / "kabao"


def wait_for(predicate, seconds: float) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@contextmanager
def start_redis() -> Iterator[str]:
    """A throwaway Redis on a free loopback port, nothing saved to disk; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed: apt-get install redis-server")
    import redis

    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - the Debian binary, fixed arguments
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)

    def up() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    try:
        if not wait_for(up, 10):
            raise RuntimeError("redis-server did not answer")
        yield url
    finally:
        client.close()
        process.terminate()
        process.wait(10)


@dataclass
class Instance:
    url: str
    log: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


@contextmanager
def kabao_serve(env: dict[str, str], home: Path, workers: int, threads: int) -> Iterator[Instance]:
    """`kabao serve` (gunicorn) on a free loopback port, its own instance dir and log; yields once /healthz answers."""
    home.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), home / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(KABAO), "serve", "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)],
            env={**env, "KABAO_ACCESS_LOG": str(home / "access.log")},
            cwd=home,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    instance = Instance(f"http://127.0.0.1:{port}", log, process)

    def up() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"kabao serve exited with {process.returncode}:\n{instance.log_text()[-3000:]}")
        try:
            return requests.get(f"{instance.url}/healthz", timeout=1).ok
        except (requests.ConnectionError, requests.Timeout):
            return False

    try:
        if not wait_for(up, 60):
            raise RuntimeError(f"kabao serve did not answer on {instance.url}")
        yield instance
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children, waited-for and alive (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for one in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(f) for f in fields[11:15]) / tick  # utime, stime, cutime, cstime
    return total


def listening_pid(url: str) -> int:
    """The pid of a process listening at this loopback URL's port (for `kabao serve`: its master or its worker)."""
    port = url.rsplit(":", 1)[1].split("/")[0]
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    pids = sorted(int(p) for p in re.findall(r"pid=(\d+)", out))
    return pids[0]  # the lowest: the master, started first, whose children (the worker) cpu_seconds counts too


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = task / "children"
        if children.exists():
            for child in children.read_text().split():
                found += [int(child), *_children(int(child))]
    return found


@contextmanager
def kabao_worker(env: dict[str, str], home: Path, every: float = 2.0) -> Iterator[subprocess.Popen]:
    """`kabao worker` beside an instance (as in production), a pass every `every` seconds; stopped with SIGTERM."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "worker.log").open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(KABAO), "worker", "--every", str(every)], env=env, cwd=home, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
