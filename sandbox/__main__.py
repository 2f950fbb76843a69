"""Run the sandbox: python -m sandbox --host H --port N --db PATH --config-dir DIR --bff-url URL."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType

from werkzeug.serving import make_server

from sandbox.app import create_app

REQUIRED_ENV = (
    "KABAO_MERCHANT_SANDBOX_API_KEY",
    "KABAO_HOST_SECRET",
    "KABAO_MERCHANT_OLIVE_SIGN_KEY",
    "KABAO_MERCHANT_MAPLE_HMAC_KEY",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, as docs/sandbox-contract.md describes it."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Kabao sandbox card systems (standard API and legacy dialects) and host-app simulator."
        f" Needs the environment variables {', '.join(REQUIRED_ENV)}.",
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
            f"the environment variables {', '.join(missing)} are required (the standard API's key, the host app's"
            " secret, the olive dialect's MD5 signing key and the maple dialect's HMAC key)"
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
        olive_sign_key=os.environ["KABAO_MERCHANT_OLIVE_SIGN_KEY"],
        maple_hmac_key=os.environ["KABAO_MERCHANT_MAPLE_HMAC_KEY"],
        gateway_xml_key=os.environ.get("KABAO_MERCHANT_CEDAR_KEY", ""),
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
