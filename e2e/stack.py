"""The stack under test: a running one named by --base-url, or `kabao demo` started for the session."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from e2e.merchants import REPO, all_merchants

READY_LINE = re.compile(r"Open the host-app simulator: (http://\S+?)/?\s*$")
BFF_URL_ON_SIMULATOR = re.compile(r"<code>(https?://[^<\s]+)/launch</code>")
START_SECONDS = 30
ENV_FILE = "demo.env"  # what `kabao demo` writes in its data dir (bff/demo/workspace.py)


class StackError(RuntimeError):
    """The stack did not start or does not answer."""


# the demo's ops account password for the suite (`kabao demo` takes it from this variable)
DEMO_OPS_PASSWORD = "e2e-" + os.urandom(6).hex()


@dataclass(frozen=True)
class Stack:
    """Where the host-app simulator (with the sandbox admin API) and the wallet answer."""

    simulator_url: str
    wallet_url: str
    ops_password: str | None = None  # user "ops"; None on a running stack unless KABAO_E2E_OPS_PASSWORD
    host_secret: str | None = None  # signs the host API's calls; on a running stack KABAO_E2E_HOST_SECRET
    approval: tuple[str, ...] = ()  # merchants whose publish waits for a second publisher (ours only)


def approval_merchant() -> str:
    """The merchant whose publishes wait for a second publisher on our stack: not the one the other ops tests
    publish (the first), so theirs go live at once."""
    return all_merchants()[1].id


def get(url: str, timeout: float = 5) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own stack
        return response.read().decode("utf-8", errors="replace")


def running_stack(simulator_url: str) -> Stack:
    """A stack someone else runs; the simulator page names the wallet it launches."""
    simulator_url = simulator_url.rstrip("/")
    try:
        get(f"{simulator_url}/_sandbox/health")
        found = BFF_URL_ON_SIMULATOR.search(get(f"{simulator_url}/"))
        if found is None:
            raise StackError(f"{simulator_url}/ does not name the wallet's /launch URL")
        wallet_url = found.group(1)
        get(f"{wallet_url}/healthz")
    except OSError as exc:
        raise StackError(f"the stack at {simulator_url} does not answer: {exc}") from exc
    environ = os.environ
    return Stack(simulator_url, wallet_url, environ.get("KABAO_E2E_OPS_PASSWORD"), environ.get("KABAO_E2E_HOST_SECRET"))


def free_port_pair() -> int:
    """A port N with N+1 free too: `kabao demo` serves the wallet on N+1."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            with socket.socket() as second:
                try:
                    second.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise StackError("no two adjacent free ports on 127.0.0.1")


class Demo:
    """`kabao demo` as a subprocess; its output is kept (for failure reports) while it runs."""

    def __init__(self, data_dir: Path, config_dir: Path) -> None:
        # ops tests publish merchant files: the demo serves its own copy under data_dir, never config_dir's files
        for attempt in range(3):
            try:
                self._start(data_dir, config_dir)
                return
            except StackError as exc:
                # another process took N or N+1 between free_port_pair() and the demo binding it: new ports
                if "in use" not in str(exc) or attempt == 2:
                    raise

    def _start(self, data_dir: Path, config_dir: Path) -> None:
        self.data_dir = data_dir
        self.lines: list[str] = []
        self._ready: queue.Queue[str | None] = queue.Queue()
        port = free_port_pair()
        kabao = Path(sys.executable).with_name("kabao")
        command = [
            str(kabao),
            "demo",
            "--port",
            str(port),
            "--data-dir",
            str(data_dir),
            "--config-dir",
            str(config_dir),
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            command,
            cwd=REPO,
            env={
                **os.environ,
                "PYTHONUNBUFFERED": "1",
                "KABAO_DEMO_OPS_PASSWORD": DEMO_OPS_PASSWORD,
                "KABAO_OPS_PUBLISH_APPROVAL": approval_merchant(),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            start_new_session=True,  # so the sandbox it starts can be stopped with it
        )
        self._reader = threading.Thread(target=self._read, name="kabao-demo-output", daemon=True)
        self._reader.start()
        self.stack = self._wait_ready(port)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if READY_LINE.search(line):
                self._ready.put(line)
        self._ready.put(None)

    def _wait_ready(self, port: int) -> Stack:
        """Wait for the demo's "Open the host-app simulator" line, then check both servers."""
        deadline = time.monotonic() + START_SECONDS
        try:
            line = self._ready.get(timeout=START_SECONDS)  # None: its output ended, it exited
        except queue.Empty:
            self.stop()
            raise StackError(f"`kabao demo` did not start in {START_SECONDS}s:\n{self.output()}") from None
        if line is None:
            self.stop()
            raise StackError(f"`kabao demo` exited with code {self.process.returncode}:\n{self.output()}")
        simulator_url = READY_LINE.search(line).group(1).rstrip("/")
        wallet_url, approval = f"http://127.0.0.1:{port + 1}", (approval_merchant(),)
        stack = Stack(simulator_url, wallet_url, DEMO_OPS_PASSWORD, self._host_secret(), approval)
        try:
            get(f"{stack.simulator_url}/_sandbox/health", timeout=max(1, deadline - time.monotonic()))
            get(f"{stack.wallet_url}/healthz", timeout=max(1, deadline - time.monotonic()))
        except OSError as exc:
            self.stop()
            raise StackError(f"`kabao demo` printed its URL but does not answer ({exc}):\n{self.output()}") from exc
        return stack

    def _host_secret(self) -> str | None:
        """The host secret the demo made, from the environment file it writes in its data dir."""
        env_file = self.data_dir / ENV_FILE
        return dotenv_values(env_file).get("KABAO_HOST_SECRET") if env_file.is_file() else None

    def output(self, since: int = 0, last: int = 400) -> str:
        return "\n".join(self.lines[since:][-last:])

    def stop(self) -> None:
        """SIGTERM (the demo then stops its sandbox); kill the whole group if that hangs."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
