"""Machines for the multi-machine tests: `kabao serve` processes that share only PostgreSQL, Redis and the config dir.

Each machine has its own instance dir (KABAO_INSTANCE_DIR), working dir and temp dir, and runs in its own
process group so a test can kill it with SIGKILL like a lost machine (gunicorn's workers die with it).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from kabao_testing import checkout_handle, mint_checkout_token, wait_for

from bff.security.signatures import sign_request
from sandbox.runner import free_port

KABAO = os.path.join(os.path.dirname(sys.executable), "kabao")


@dataclass
class Machine:
    name: str
    url: str
    env: dict[str, str]
    instance: Path
    process: subprocess.Popen = field(repr=False)

    def kill(self) -> None:
        """kill -9 the whole machine: gunicorn's master and its workers, no chance to clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # gunicorn's quick shutdown
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def local_files(self) -> list[Path]:
        """Whatever the machine wrote into its own instance, working and temp dirs (should be nothing)."""
        return [p for p in self.instance.parent.rglob("*") if p.is_file() and p.parent.name != "logs"]


def machine_env(shared: dict[str, str], root: Path) -> dict[str, str]:
    """One machine's environment: the shared settings, and its own local dirs."""
    for sub in ("instance", "work", "tmp", "logs"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return {**shared, "KABAO_INSTANCE_DIR": str(root / "instance"), "TMPDIR": str(root / "tmp"), "HOME": str(root)}


def start_machine(name: str, shared: dict[str, str], root: Path) -> Machine:
    """Start `kabao serve` (2 threads) as one machine; call wait_up() before using it."""
    env = machine_env(shared, root)
    port = free_port()
    log = open(root / "logs" / "serve.log", "wb")  # noqa: SIM115 - the process keeps it
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [KABAO, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "8"],
        env=env,
        cwd=root / "work",
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    return Machine(name, f"http://127.0.0.1:{port}", env, root / "instance", process)


def wait_up(*machines: Machine) -> None:
    def up(machine: Machine) -> bool:
        try:
            return requests.get(f"{machine.url}/healthz", timeout=1).ok
        except (requests.ConnectionError, requests.Timeout):
            return False

    for machine in machines:
        if not wait_for(lambda m=machine: up(m), 60):
            raise RuntimeError(f"machine {machine.name} did not answer on {machine.url}")


@contextmanager
def running(machines: list[Machine]) -> Iterator[list[Machine]]:
    try:
        wait_up(*machines)
        yield machines
    finally:
        for machine in machines:
            machine.stop()


def worker_once(env: dict[str, str], root: Path) -> subprocess.Popen:
    """`kabao worker --once` as a process of this machine (started, not waited for)."""
    return subprocess.Popen(  # noqa: S603 - our own console script
        [KABAO, "worker", "--once"],
        env=machine_env(env, root),
        cwd=root / "work",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


class Tab:
    """A shopper's browser tab on a checkout page served by one machine."""

    def __init__(self, browser: requests.Session, base: str, path: str) -> None:
        page = browser.get(f"{base}{path}?js=0", timeout=15)  # the complete render: the form with its balances
        assert page.status_code == 200, page.text
        self.browser, self.url, self.page = browser, f"{base}{path}", page.text
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        self.attempt = re.search(r'name="attempt" value="(\d+)"', page.text).group(1)

    def pay(self, *cards: dict) -> int:
        handles = [checkout_handle(self.page, card["card_number"][-4:]) for card in cards]
        form = {"csrf_token": self.csrf, "attempt": self.attempt, "card": handles}
        return self.browser.post(f"{self.url}/pay", data=form, allow_redirects=False, timeout=60).status_code

    def result(self) -> str:
        return self.browser.get(f"{self.url}/result", timeout=15).text


def open_order(base: str, sandbox, merchant: str, order_id: str, amount: int) -> tuple[requests.Session, str]:
    """The host app opens Kabao's checkout for this order on this machine: (the shopper's browser, the page path)."""
    token = mint_checkout_token(sandbox.host_secret, "u1001", merchant, order_id, amount, f"{sandbox.url}/sim/return")
    browser = requests.Session()
    page = browser.get(f"{base}/checkout?token={token}", timeout=15)
    assert page.status_code == 200, page.text
    return browser, page.url.removeprefix(base)


def host_api(base: str, secret: str, method: str, path: str, body: dict | None = None) -> requests.Response:
    """The host app calling Kabao's signed API on one machine."""
    raw = json.dumps(body).encode() if body is not None else b""
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Kabao-Timestamp": stamp,
        "X-Kabao-Signature": sign_request(secret, stamp, method, path, raw),
    }
    return requests.request(method, f"{base}{path}", data=raw, headers=headers, timeout=30)


class Ops:
    """An ops user logged in to the console on one machine."""

    def __init__(self, base: str, user: str, password: str) -> None:
        self.base_url, self.browser = base, requests.Session()
        answer = self.browser.post(f"{base}/ops/login", data={"user": user, "password": password}, timeout=15)
        assert answer.ok, answer.text

    def _form(self, path: str) -> tuple[str, str]:
        """The editor's CSRF token and the version it opened."""
        page = self.browser.get(f"{self.base_url}{path}", timeout=15).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return csrf, re.search(r'name="base" value="(\w*)"', page).group(1)

    def base(self, merchant_id: str) -> str:
        return self._form(f"/ops/merchants/{merchant_id}")[1]

    def save(self, merchant_id: str, text: str) -> int:
        csrf, base = self._form(f"/ops/merchants/{merchant_id}")
        form = {"csrf_token": csrf, "text": text, "base": base}
        return self.browser.post(f"{self.base_url}/ops/merchants/{merchant_id}", data=form, timeout=30).status_code

    def publish(self, merchant_id: str, base: str) -> int:
        return self.publisher(merchant_id, base)()

    def publisher(self, merchant_id: str, base: str) -> Callable[[], int]:
        """The publish button, ready to press (the form loaded): pressing it answers the status code."""
        csrf, _ = self._form("/ops/merchants/" + merchant_id)
        form = {"csrf_token": csrf, "base": base, "note": "from the machines test"}
        url = f"{self.base_url}/ops/merchants/{merchant_id}/publish"
        return lambda: self.browser.post(url, data=form, allow_redirects=False, timeout=30).status_code

    @staticmethod
    def live_text(merchant_id: str, shared: dict[str, str]) -> str:
        return (Path(shared["KABAO_CONFIG_DIR"]) / f"{merchant_id}.yaml").read_text(encoding="utf-8")

    @staticmethod
    def actions(shared: dict[str, str], merchant_id: str) -> list[str]:
        """The audit log's actions on this merchant, oldest first."""
        lines = (Path(shared["KABAO_CONFIG_DIR"]) / ".history" / "audit.jsonl").read_text(encoding="utf-8")
        entries = [json.loads(line) for line in lines.splitlines()]
        return [e["action"] for e in entries if e["merchant_id"] == merchant_id]
