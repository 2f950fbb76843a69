"""Times in the ops console: in the merchant's zone, with the zone named (one story with the wallet and the sandbox)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app

from bff.pages.services import services

DEFAULT_ZONE = "Asia/Shanghai"


def zone_of(merchant_id: str | None) -> str:
    """The merchant's configured time zone (the default one for an unknown or removed merchant)."""
    merchant = services().registry.get(merchant_id) if merchant_id else None
    return merchant.config.timezone if merchant is not None else DEFAULT_ZONE


def local_time(when: float | None, zone: str) -> str:
    """A time as the merchant reads it, with the zone named."""
    if when is None:
        return "—"
    return datetime.fromtimestamp(when, ZoneInfo(zone)).strftime(f"%Y-%m-%d %H:%M:%S ({zone})")


def ops_time(when: float, merchant_id: str | None = None) -> str:
    """The console's template filter: the merchant's zone when the time belongs to one, else the console's
    (KABAO_OPS_TIMEZONE), named either way."""
    if merchant_id:
        return local_time(when, zone_of(merchant_id))
    return local_time(when, current_app.config.get("KABAO_OPS_TIMEZONE", DEFAULT_ZONE))
