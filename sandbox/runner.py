"""Start the sandbox as a subprocess for tests and e2e: free port, wait for health, stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO

import requests

from sandbox import keys

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ENV = {
    "KABAO_MERCHANT_SANDBOX_API_KEY": "sandbox-test-api-key",
    "KABAO_HOST_SECRET": "sandbox-test-host-secret",
}


class RunningSandbox:
    """A `python -m sandbox` subprocess; use it as a context manager or call stop()."""

    def __init__(
        self,
        port: int,
        db_path: Path,
        config_dir: Path,
        bff_url: str,
        env: dict[str, str],
        workdir: tempfile.TemporaryDirectory[str],
        startup_timeout: float,
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.db_path = db_path
        self.config_dir = config_dir
        self.bff_url = bff_url
        self.api_key = env["KABAO_MERCHANT_SANDBOX_API_KEY"]
        self.host_secret = env["KABAO_HOST_SECRET"]
        self.keys = keys.given(env)  # the dialects' keys (sandbox/keys.py), by environment variable
        self.olive_sign_key = self.keys["KABAO_MERCHANT_OLIVE_SIGN_KEY"]
        self.maple_hmac_key = self.keys["KABAO_MERCHANT_MAPLE_HMAC_KEY"]
        self.cedar_key = self.keys["KABAO_MERCHANT_CEDAR_KEY"]
        self._workdir = workdir
        self.log_path = Path(workdir.name) / "sandbox.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        command = [
            sys.executable,
            "-m",
            "sandbox",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--db",
            str(db_path),
            "--config-dir",
            str(config_dir),
            "--bff-url",
            bff_url,
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, env=env, cwd=REPO_ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )
        try:
            self._wait_until_healthy(startup_timeout)
        except BaseException:
            self.stop()
            raise

    def system_url(self, system: str) -> str:
        """The standard API base URL of a sandbox card system."""
        return f"{self.url}/cs/{system}/v1"

    def log(self) -> str:
        """What the process has printed so far."""
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Terminate the process and remove its temporary files."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        self._workdir.cleanup()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sandbox exited with {self.process.returncode}:\n{self.log()}")
            try:
                if requests.get(f"{self.url}/_sandbox/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"sandbox not healthy after {timeout}s:\n{self.log()}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(
    port: int | None = None,
    db_path: str | Path | None = None,
    config_dir: str | Path | None = None,
    bff_url: str = "http://127.0.0.1:5000",
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 20.0,
) -> RunningSandbox:
    """Start a sandbox and wait until it is healthy (a temporary database unless db_path)."""
    workdir = tempfile.TemporaryDirectory(prefix="kabao-sandbox-")
    process_env = {**DEFAULT_ENV, **os.environ, **(env or {})}
    process_env.update(keys.fill(process_env))
    return RunningSandbox(
        port=port or free_port(),
        db_path=Path(db_path) if db_path else Path(workdir.name) / "sandbox.sqlite3",
        config_dir=Path(config_dir) if config_dir else REPO_ROOT / "wallet_config",
        bff_url=bff_url,
        env=process_env,
        workdir=workdir,
        startup_timeout=startup_timeout,
    )
