"""`kabao db`: the ledger database's schema version, and its upgrade (run once per deployment, before serving)."""

from __future__ import annotations

import os

import click


def _ledger_url(url: str | None) -> str:
    from flask import Flask

    from bff.ledger_db import ledger_url

    settings = {**os.environ, "KABAO_LEDGER_URL": url or os.environ.get("KABAO_LEDGER_URL", "")}
    from bff.settings import instance_dir

    instance = instance_dir(os.environ)
    return ledger_url(settings, Flask("bff", instance_relative_config=True, instance_path=instance).instance_path)


def _where(url: str) -> str:
    """The URL without a password, for printing."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


def _on_ledger(url: str | None, work):  # noqa: ANN001, ANN202 - work(LedgerDB) -> its answer
    """Run work on the ledger named by --url (or the settings); answers (where, what work answered)."""
    from bff.ledger_db import open_ledger_db

    target = _ledger_url(url)
    try:
        ledger_db = open_ledger_db(target)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--url / KABAO_LEDGER_URL") from exc
    try:
        return _where(target), work(ledger_db)
    finally:
        ledger_db.close()


URL_OPTION = click.option(
    "--url",
    help="The ledger: sqlite:///path or postgresql://… (default: KABAO_LEDGER_URL, else KABAO_LEDGER_PATH).",
)


@click.group()
def db() -> None:
    """The payment ledger's database."""


@db.command("upgrade")
@URL_OPTION
def db_upgrade(url: str | None) -> None:
    """Apply the ledger's pending schema migrations (safe to run on every deploy, from any machine)."""
    from bff.checkout.migrations import LATEST, upgrade

    where, applied = _on_ledger(url, upgrade)
    done = f"applied {', '.join(map(str, applied))}" if applied else "nothing to apply"
    click.echo(f"ledger {where}: {done}; at schema version {LATEST}")


@db.command("version")
@URL_OPTION
def db_version(url: str | None) -> None:
    """Print the ledger's schema version and the version this Kabao needs; exit 1 when it is behind."""
    from bff.checkout.migrations import LATEST, current_version

    where, version = _on_ledger(url, current_version)
    click.echo(f"ledger {where}: schema version {version}, this Kabao needs {LATEST}")
    if version < LATEST:
        raise SystemExit(1)
