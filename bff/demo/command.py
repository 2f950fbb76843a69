"""`kabao demo`: start the sandbox (with the host-app simulator), one worker and the wallet; stop them together."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click

from bff.demo.workspace import DEFAULT_DATA_DIR, PID_VARIABLE, working_config, write_env

DEMO_WORKER_EVERY = 3  # seconds between the demo worker's passes: a pending settles while you watch


@click.command("demo")
@click.option("--port", default=8000, show_default=True, help="Host-app simulator port; the wallet uses PORT+1.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--config-dir",
    default="wallet_config",
    show_default=True,
    type=click.Path(file_okay=False),
    help="The merchant files the demo starts from; it serves (and ops publish to) a copy under --data-dir.",
)
@click.option("--data-dir", default=DEFAULT_DATA_DIR, show_default=True, type=click.Path(file_okay=False))
def demo(port: int, host: str, config_dir: str, data_dir: str) -> None:
    """Run the sandbox card system, the host-app simulator, the wallet and one worker on SQLite."""
    from werkzeug.serving import make_server

    from bff import create_app

    if not Path(config_dir).is_dir():
        raise click.UsageError(f"no config dir {config_dir!r}: run from the repository or pass --config-dir")
    data = Path(data_dir)
    data.mkdir(parents=True, exist_ok=True)
    config, notes = working_config(Path(config_dir), data)
    sandbox_url, bff_url = f"http://{host}:{port}", f"http://{host}:{port + 1}"
    made = _environment(data, config, host, sandbox_url, bff_url)
    ops_note = ""
    if not os.environ.get("KABAO_OPS_USERS") and not os.environ.get("KABAO_OPS_USERS_FILE"):
        from werkzeug.security import generate_password_hash

        password = os.environ.get("KABAO_DEMO_OPS_PASSWORD") or secrets.token_urlsafe(9)
        made["KABAO_OPS_USERS"] = f"ops:{generate_password_hash(password)}"
        ops_note = f"  ops console: {bff_url}/ops/  (user ops, password {password})\n"
    env = {**os.environ, **made}
    env_file = write_env(data, {**made, PID_VARIABLE: str(os.getpid())})
    sandbox = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "sandbox", "--host", host, "--port", str(port), "--db", str(data / "sandbox.sqlite3")]
        + ["--config-dir", str(config), "--bff-url", bff_url],
        env=env,
    )
    # a plain `kill` must stop the sandbox too, not leave it running
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    worker = None
    try:
        _wait_ready(f"{sandbox_url}/_sandbox/health", sandbox)
        # one worker beside the wallet, same env: settles what the shopper's page stopped asking about
        worker = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "bff.cli", "worker", "--every", str(DEMO_WORKER_EVERY)], env=env
        )
        os.environ.update(env)
        from bff.access_log import RedactingRequestHandler

        server = make_server(host, port + 1, create_app(), threaded=True, request_handler=RedactingRequestHandler)
        click.echo(
            f"\n  Kabao demo is running. Open the host-app simulator: {sandbox_url}/\n"
            f"  (wallet {bff_url}, sandbox card system {sandbox_url}/cs/…; Ctrl-C stops all)\n{ops_note}"
            + "".join(f"  {note}\n" for note in notes)
            + f"  environment for commands beside the demo (connector check, reconcile, curl): {env_file}\n"
        )
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        for process in (worker, sandbox):
            if process is not None:
                process.terminate()  # the worker finishes the item in hand first
        for process in (worker, sandbox):
            if process is not None:
                _wait_stopped(process)
        env_file.unlink(missing_ok=True)


def _environment(data: Path, config: Path, host: str, sandbox_url: str, bff_url: str) -> dict[str, str]:
    """What the demo's processes (and commands run beside it) need: addresses, secrets, keys, files."""
    return {
        "KABAO_MERCHANT_SANDBOX_URL": sandbox_url,
        "KABAO_MERCHANT_SANDBOX_API_KEY": os.environ.get("KABAO_MERCHANT_SANDBOX_API_KEY") or secrets.token_urlsafe(24),
        "KABAO_HOST_SECRET": os.environ.get("KABAO_HOST_SECRET") or secrets.token_urlsafe(32),
        "KABAO_SECRET_KEY": os.environ.get("KABAO_SECRET_KEY") or secrets.token_urlsafe(32),
        # the sandbox's dialect card systems sign with these; the merchants on them name them in config
        **_sandbox_keys(),
        "KABAO_CONFIG_DIR": str(config.resolve()),
        "KABAO_INSTANCE_DIR": str(data.resolve()),
        "KABAO_STORE_URL": f"sqlite:///{(data / 'bff.sqlite3').resolve()}",
        "KABAO_LEDGER_PATH": str((data / "ledger.sqlite3").resolve()),
        # the demo's card systems are the local sandbox: plain http on loopback, allowed explicitly
        "KABAO_OUTBOUND_SCHEMES": "http,https",
        "KABAO_OUTBOUND_ALLOW": f"{host},127.0.0.1",
        # for commands beside the demo: `kabao connector check` takes test cards from here; curl examples use both
        "KABAO_DEMO_SANDBOX_URL": sandbox_url,
        "KABAO_DEMO_WALLET_URL": bff_url,
    }


def _wait_stopped(process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _sandbox_keys() -> dict[str, str]:
    """The sandbox's dialect keys (the environment's, the rest generated), asked of the sandbox's own module.

    A process of its own, as the sandbox is: the BFF reaches the sandbox only over processes and HTTP.
    """
    made = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "sandbox.keys"], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(made.stdout)


def _wait_ready(url: str, process: subprocess.Popen[bytes], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException("the sandbox card system exited; see its output above")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URL we built
                return
        except OSError:
            time.sleep(0.1)
    raise click.ClickException(f"the sandbox did not answer on {url}")
