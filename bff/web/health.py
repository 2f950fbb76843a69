"""Health checks: alive (the process serves) and ready (its store and ledger answer)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from bff.services import Services

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)
PROBE_KEY = "kabao:ready-probe"


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Liveness: the process answers. Never touches a dependency, so a database outage doesn't restart every pod."""
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: the store and the ledger answer; 503 names which doesn't (never how it is reached)."""
    checks = probe(current_app.extensions["kabao"])
    ready = all(state == "ok" for state in checks.values())
    return jsonify({"status": "ok" if ready else "unavailable", "checks": checks}), 200 if ready else 503


def probe(services: Services) -> dict[str, str]:
    """Each dependency's state: "ok" or "unavailable" (the reason goes to the log, not to the caller)."""
    checks = {
        "store": lambda: services.store.get(PROBE_KEY),
        "ledger": lambda: services.ledger.db.row("SELECT 1"),
    }
    return {name: _state(name, check) for name, check in checks.items()}


def _state(name: str, check: Callable[[], object]) -> str:
    try:
        check()
    except Exception:  # noqa: BLE001 - any failure means not ready; the log keeps the cause
        log.warning("readiness: %s unavailable", name, exc_info=True)
        return "unavailable"
    return "ok"
