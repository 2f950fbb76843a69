"""A throwaway PostgreSQL server for tests: initdb into a temp dir, started on a free loopback port.

Runs as an unprivileged user (PostgreSQL refuses to run as root): as root, `nobody` owns the data dir.
Reusable by any test that needs a shared database (the ledger's tests, a multi-machine test).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

SUPERUSER = "kabao"
LEDGER_ENGINES = ("sqlite", "postgresql")  # the ledger's tests run on both


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin dir (Debian's /usr/lib/postgresql/N/bin), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    port: int
    data_dir: Path

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; answers its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _runner() -> dict:
    """subprocess arguments that run PostgreSQL's tools as an unprivileged user."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam("nobody")
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": [], "cwd": "/"}


@contextmanager
def start_postgres() -> Iterator[PostgresServer]:
    """Start a private PostgreSQL (fsync off: a test server), yield it, stop it and delete its files."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (scripts/test.sh does)")
    base = Path(tempfile.mkdtemp(prefix="kabao-pg-"))
    run = _runner()
    if run:
        os.chown(base, run["user"], run["group"])
    data, port = base / "data", free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    options = (
        f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={base}"
        " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )

    def tool(*args: str) -> None:
        subprocess.run(args, check=True, env=env, capture_output=True, **run)  # noqa: S603

    try:
        tool(str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-locale")
        tool(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-o", options, "-w", "start")
    except subprocess.CalledProcessError as exc:
        log = (base / "log").read_text() if (base / "log").exists() else ""
        _stop(bin_dir, data, env, run, base)
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}\n{log}") from exc
    try:
        yield PostgresServer(port, data)
    finally:
        _stop(bin_dir, data, env, run, base)


def _stop(bin_dir: Path, data: Path, env: dict, run: dict, base: Path) -> None:
    if (data / "postmaster.pid").exists():
        subprocess.run(  # noqa: S603
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            env=env,
            capture_output=True,
            check=False,
            **run,
        )
    shutil.rmtree(base, ignore_errors=True)


def restart_postgres(server: PostgresServer) -> None:
    """Restart the server as an operator would (fast: open connections are cut); it keeps its port and data."""
    bin_dir = postgres_bin()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    log = server.data_dir.parent / "log"
    subprocess.run(  # noqa: S603 - pg_ctl reuses the options the server was started with
        [str(bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-l", str(log), "-m", "fast", "-w", "restart"],
        env=env,
        check=True,
        capture_output=True,
        **_runner(),
    )
