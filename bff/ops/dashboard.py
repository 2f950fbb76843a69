"""The after-sales dashboard: each merchant's day (in its time zone), its card system's error rate and breaker."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app
from werkzeug.wrappers import Response

from bff import csrf
from bff.checkout.figures import Day, day_of
from bff.ops.auth import ops_required
from bff.ops.orders import page
from bff.ops.permits import seen
from bff.ops.times import local_time
from bff.pages.services import services
from bff.store.tallies import MINUTES, Calls

bp = Blueprint("ops_dashboard", __name__, url_prefix="/ops/dashboard")
csrf.exempt(bp)  # nothing here is posted


def today(zone: str, now: float) -> tuple[float, float]:
    """Midnight to midnight of today in the zone."""
    start = datetime.fromtimestamp(now, ZoneInfo(zone)).replace(hour=0, minute=0, second=0, microsecond=0)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


@bp.get("")
@ops_required
def dashboard() -> Response:
    now, window = time.time(), float(current_app.config["KABAO_RECONCILE_WINDOW_SECONDS"])
    kabao = services()
    rows: list[Row] = []
    for merchant in seen(sorted(kabao.registry.all(), key=lambda m: m.id), lambda m: m.id):
        zone = merchant.config.timezone
        rows.append(
            Row(
                merchant.id,
                zone,
                day_of(kabao.ledger.db, merchant.id, *today(zone, now), older_than=now - window),
                kabao.tallies.binds_today(merchant.id, zone),
                kabao.tallies.calls(merchant.id),
                kabao.gateways.breaker_state(merchant.id),
                kabao.tallies.breaker_opened_at(merchant.id),
            )
        )
    return page("ops/dashboard.html", rows=rows, window=int(window), when=local_time, minutes=MINUTES)


@dataclass(frozen=True)
class Row:
    merchant_id: str
    zone: str
    day: Day
    binds: int  # cards bound today, by every process
    calls: Calls  # card-system calls in the last hour, by every process
    breaker: str  # this process's breaker: open, closed or unused
    opened_at: float | None  # when a breaker opened in any process, while it may still be open
