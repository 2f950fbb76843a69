"""Adapters of the ledger's database port (bff.checkout.ledger_port): SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bff.checkout.ledger_port import LedgerDB


def ledger_url(settings: Mapping[str, Any], instance_path: str) -> str:
    """KABAO_LEDGER_URL, else the SQLite file KABAO_LEDGER_PATH, else ledger.sqlite3 in the instance folder."""
    path = settings.get("KABAO_LEDGER_PATH") or str(Path(instance_path) / "ledger.sqlite3")
    return settings.get("KABAO_LEDGER_URL") or f"sqlite:///{path}"


def open_ledger_db(url: str) -> LedgerDB:
    """Open the ledger named by KABAO_LEDGER_URL: sqlite:///path or postgresql://…; a bare path is SQLite."""
    if url.startswith(("postgresql://", "postgres://")):
        from bff.ledger_db.postgres import PostgresLedgerDB

        return PostgresLedgerDB(url)
    if "://" in url and not url.startswith("sqlite:///"):
        raise ValueError(f"unsupported ledger URL {url.split(':', 1)[0]}://… (use sqlite:/// or postgresql://)")
    from bff.ledger_db.sqlite import SQLiteLedgerDB

    return SQLiteLedgerDB(url.removeprefix("sqlite:///"))


__all__ = ["ledger_url", "open_ledger_db"]
