"""Run the sandbox: python -m sandbox --host H --port N --db PATH --config-dir DIR --bff-url URL."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType

from werkzeug.serving import make_server

from sandbox import keys
from sandbox.admin import ADMIN_OFF
from sandbox.app import create_app

REQUIRED_ENV = ("KABAO_MERCHANT_SANDBOX_API_KEY", "KABAO_HOST_SECRET")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, as docs/sandbox-contract.md describes it."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Kabao sandbox card systems (standard API and legacy dialects) and host-app simulator."
        f" Needs the environment variables {', '.join(REQUIRED_ENV)}; the dialects' keys are"
        f" {', '.join(keys.NAMES)} (a dialect whose key is missing refuses every request).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port (0 = any free port)")
    parser.add_argument("--db", default="instance/sandbox.sqlite3", help="SQLite file")
    parser.add_argument("--config-dir", default="wallet_config", help="merchant config files")
    parser.add_argument("--bff-url", default="http://127.0.0.1:5000", help="the BFF's base URL")
    args = parser.parse_args(argv)
    missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        parser.error(
            f"the environment variables {', '.join(missing)} are required (the standard API's key and the host app's"
            " secret)"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    """Start the server and serve until interrupted or terminated."""
    args = parse_args(argv)
    app = create_app(
        db_path=args.db,
        config_dir=args.config_dir,
        bff_url=args.bff_url,
        api_key=os.environ["KABAO_MERCHANT_SANDBOX_API_KEY"],
        host_secret=os.environ["KABAO_HOST_SECRET"],
        keys=keys.given(os.environ),
    )
    # KABAO_SANDBOX_ADMIN=off: the stack plays a deployment, /_sandbox/* (but /health) answers 403
    app.config[ADMIN_OFF] = os.environ.get("KABAO_SANDBOX_ADMIN") == "off"
    for key in keys.missing(os.environ):
        print(
            f"sandbox: {key.env} is not set: {key.about} is missing, so that dialect refuses every request",
            file=sys.stderr,
            flush=True,
        )
    server = make_server(args.host, args.port, app, threaded=True)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    print(f"sandbox ready on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    sys.exit(main())
