"""`kabao worker` and `kabao reconcile`: the reconcile pass on a schedule, or once by hand."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask


@click.command("reconcile")
@click.option(
    "--window",
    type=click.IntRange(min=0),
    help="Seconds after which an attempt is abandoned [KABAO_RECONCILE_WINDOW_SECONDS, 900]",
)
def reconcile_command(window: int | None) -> None:
    """Settle pending payments and refunds with the card systems, printing what was done; exit 1 if an item failed."""
    from bff import create_app
    from bff.checkout.reconcile import run_pass
    from bff.worker.leases import Leases

    app = create_app()
    services = app.extensions["kabao"]
    leases = Leases(services.store, app.config["KABAO_WORKER_LEASE_SECONDS"])  # running workers skip what it holds
    try:
        done = run_pass(services, _or_setting(window, app, "KABAO_RECONCILE_WINDOW_SECONDS"), claim=leases.claim)
    finally:
        leases.close()
        services.close()
    for line in done.lines:
        click.echo(line)
    click.echo(f"reconcile: {len(done.lines)} action(s)" if done.lines else "reconcile: nothing pending")
    if done.skipped:
        click.echo(f"reconcile: {done.skipped} item(s) in another worker's hands; left to it")
    if done.failed:
        click.echo(f"reconcile: {done.failed} item(s) failed; left for the next run", err=True)
        raise SystemExit(1)


@click.command("worker")
@click.option("--every", type=click.FloatRange(min=0.1), help="Seconds between passes [KABAO_WORKER_EVERY_SECONDS, 30]")
@click.option(
    "--window",
    type=click.IntRange(min=0),
    help="Seconds after which an attempt is abandoned [KABAO_RECONCILE_WINDOW_SECONDS, 900]",
)
@click.option("--once", is_flag=True, help="Run one pass and exit; exit 1 if an item failed.")
def worker_command(every: float | None, window: int | None, once: bool) -> None:
    """Settle pendings, watch NOT_FOUND payments and deliver notifications on a schedule, until SIGTERM/SIGINT.

    Run one or more per deployment: items are leased in the shared store (KABAO_STORE_URL), so workers on
    several machines share the work and never work the same item at once.
    """
    import logging

    from bff import create_app
    from bff.worker.leases import Leases
    from bff.worker.runner import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_app()
    services = app.extensions["kabao"]
    leases = Leases(services.store, app.config["KABAO_WORKER_LEASE_SECONDS"])
    runner = Worker(
        services,
        leases,
        _or_setting(window, app, "KABAO_RECONCILE_WINDOW_SECONDS"),
        _or_setting(every, app, "KABAO_WORKER_EVERY_SECONDS"),
    )
    previous = {sig: signal.signal(sig, runner.stop) for sig in (signal.SIGTERM, signal.SIGINT)}  # finish the item
    try:
        failed = runner.run_once().failed if once else runner.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        leases.close()
        services.close()
    if once and failed:
        raise SystemExit(1)


def _or_setting(given: float | None, app: Flask, name: str) -> float:
    """An option given on the command line, else its setting (environment or default)."""
    return given if given is not None else app.config[name]
