"""BFF settings from KABAO_* environment variables (production reads nothing else)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_LAUNCH_TOKEN_AGE = 60

DEFAULTS: dict[str, Any] = {
    "KABAO_CONFIG_DIR": "wallet_config",
    "KABAO_STORE_URL": "",  # empty: sqlite file in the instance folder
    "KABAO_LEDGER_URL": "",  # sqlite:///path or postgresql://… (shared by every machine); empty: KABAO_LEDGER_PATH
    "KABAO_LEDGER_PATH": "",  # the SQLite ledger file (older name); empty: ledger.sqlite3 in the instance folder
    "KABAO_TOKEN_AUDIENCE": "kabao-wallet",
    "KABAO_LAUNCH_MAX_AGE": MAX_LAUNCH_TOKEN_AGE,
    "KABAO_RESULT_URL_MAX_AGE": 3600,
    "KABAO_SESSION_IDLE_SECONDS": 15 * 60,
    "KABAO_SESSION_MAX_SECONDS": 4 * 3600,
    "KABAO_FRAME_ANCESTORS": "'self'",
    "KABAO_HTTPS": False,
    "KABAO_PROXY_HOPS": 0,
    "KABAO_CONFIG_RELOAD_SECONDS": 1.0,
    "KABAO_BALANCE_WORKERS": 16,
    # `kabao worker` (and `kabao reconcile`): seconds between passes, a lease's period, when an attempt is abandoned
    "KABAO_WORKER_EVERY_SECONDS": 30.0,
    "KABAO_WORKER_LEASE_SECONDS": 60.0,
    "KABAO_RECONCILE_WINDOW_SECONDS": 900,
    "KABAO_OPS_USERS": "",  # user:werkzeug-hash,… (or KABAO_OPS_USERS_FILE, a file of such lines)
    "KABAO_OPS_USERS_FILE": "",
    "KABAO_OPS_IDLE_SECONDS": 30 * 60,  # an ops session unused this long ends on the server
    "KABAO_OPS_TIMEZONE": "Asia/Shanghai",  # console times that belong to no merchant (sessions, accounts)
    # a publish is a request another publisher approves: "1" for every merchant, or some merchants' ids
    "KABAO_OPS_PUBLISH_APPROVAL": "",  # comma-separated (docs/deploy.md)
    # what merchant config (written by ops) may reach: env names by prefix or by name, outbound addresses
    "KABAO_CONFIG_ENV_PREFIXES": "KABAO_MERCHANT_",
    "KABAO_CONFIG_ENV_NAMES": "",
    "KABAO_OUTBOUND_SCHEMES": "https",
    "KABAO_OUTBOUND_ALLOW": "",  # hosts or CIDRs reachable although not public, e.g. 127.0.0.1,10.8.0.0/16
    "KABAO_OUTBOUND_PROXY": "",  # an explicit proxy for card-system calls; HTTP(S)_PROXY are ignored
}

REQUIRED = ("SECRET_KEY", "KABAO_HOST_SECRET")
_TRUE = {"1", "true", "yes", "on"}


def instance_dir(environ: Mapping[str, str]) -> str | None:
    """KABAO_INSTANCE_DIR: where a BFF keeps local files (the SQLite store and ledger when their URLs are unset).

    Unset: Flask's instance folder beside the package. A machine of a multi-machine deployment keeps nothing there.
    """
    value = environ.get("KABAO_INSTANCE_DIR", "")
    return os.path.abspath(value) if value else None


def from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """Settings named in the environment, converted to the type of their default."""
    found: dict[str, Any] = {}
    if environ.get("KABAO_SECRET_KEY"):
        found["SECRET_KEY"] = environ["KABAO_SECRET_KEY"]
    if environ.get("KABAO_HOST_SECRET"):
        found["KABAO_HOST_SECRET"] = environ["KABAO_HOST_SECRET"]
    for key, default in DEFAULTS.items():
        if key not in environ:
            continue
        raw = environ[key]
        if isinstance(default, bool):
            found[key] = raw.strip().lower() in _TRUE
        elif isinstance(default, int):
            found[key] = int(raw)
        elif isinstance(default, float):
            found[key] = float(raw)
        else:
            found[key] = raw
    return found


def check(config: Mapping[str, Any]) -> None:
    """Refuse to start without secrets or with a launch token lifetime over a minute."""
    missing = [k for k in REQUIRED if not config.get(k)]
    if missing:
        names = ", ".join("KABAO_SECRET_KEY" if k == "SECRET_KEY" else k for k in missing)
        raise RuntimeError(f"set {names} in the environment")
    if not 0 < int(config["KABAO_LAUNCH_MAX_AGE"]) <= MAX_LAUNCH_TOKEN_AGE:
        raise RuntimeError(f"KABAO_LAUNCH_MAX_AGE must be 1..{MAX_LAUNCH_TOKEN_AGE} seconds")
    try:
        ZoneInfo(str(config.get("KABAO_OPS_TIMEZONE", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise RuntimeError("KABAO_OPS_TIMEZONE must be an IANA time zone such as Asia/Shanghai") from None
