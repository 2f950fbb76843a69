"""Versioned migrations of the ledger: numbered steps, each applied once, recorded in schema_version.

`kabao db upgrade` applies them (and the app does at start on SQLite, where the ledger is its own file).
All pending steps run in one transaction under a lock, so two processes upgrading at once apply each
step once, and a failing step leaves the database as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from bff.checkout import schema
from bff.checkout.ledger_port import LedgerDB, LedgerOutOfDate, Tx

UPGRADE_LOCK = 0x6B6162616F  # PostgreSQL advisory lock key taken while upgrading ("kabao")


@dataclass(frozen=True)
class Step:
    number: int
    name: str
    apply: Callable[[Tx, str], None]


def _columns(tx: Tx, table: str) -> set[str]:
    cursor = tx.execute(f"SELECT * FROM {table} LIMIT 0")  # noqa: S608 - our own table names
    return {column[0] for column in cursor.description}  # type: ignore[attr-defined]


def _tables(tx: Tx, engine: str) -> None:
    for statement in schema.statements(schema.TABLES, engine):
        tx.execute(statement)
    if "watch_until" not in _columns(tx, "legs"):  # a ledger file from before the late-charge watch
        tx.execute("ALTER TABLE legs ADD COLUMN watch_until REAL")
        tx.execute(schema.WATCH_OLD_NOT_FOUND, (schema.DEFAULT_WATCH_SECONDS,))
    if engine == "postgresql":  # tables made with SQLite's spelling hold 4-byte floats: too coarse for times
        for table, columns in schema.FLOAT_COLUMNS.items():
            for column in columns:
                tx.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE DOUBLE PRECISION")


def _refund_leg_order(tx: Tx, engine: str) -> None:
    tx.execute(schema.REFUND_LEG_ORDER)
    if engine == "sqlite":
        tx.execute("UPDATE refund_legs SET position = rowid")


def _statements(text: str) -> Callable[[Tx, str], None]:
    """A step that runs the statements of one schema text, as the engine writes them."""

    def run(tx: Tx, engine: str) -> None:
        for statement in schema.statements(text, engine):
            tx.execute(statement)

    return run


STEPS = (
    Step(1, "tables", _tables),
    Step(2, "refund leg order", _refund_leg_order),
    Step(3, "indexes", _statements(schema.INDEXES)),
    Step(4, "pay code redemptions", _statements(schema.REDEMPTIONS)),
    Step(5, "indexes for a growing ledger", _statements(schema.GROWTH_INDEXES)),
    Step(6, "indexes for the after-sales desk", _statements(schema.LOOKUP_INDEXES)),
    Step(7, "ops accounts, sessions and publish requests", _statements(schema.OPS_ACCOUNTS)),
)
LATEST = STEPS[-1].number


def current_version(db: LedgerDB) -> int:
    """The version the database is at; 0 for one written before versions were kept (or empty)."""
    if db.engine == "postgresql":
        found = db.row("SELECT to_regclass('schema_version') IS NOT NULL AS found")
    else:
        found = db.row("SELECT count(*) AS found FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    if not found or not found["found"]:
        return 0
    return db.row("SELECT COALESCE(MAX(version), 0) AS version FROM schema_version")["version"]  # type: ignore[index]


def upgrade(db: LedgerDB) -> list[int]:
    """Apply the steps the database lacks, keeping its rows; answers the numbers applied."""
    applied: list[int] = []
    with db.write() as tx:
        if db.engine == "postgresql":
            tx.execute(f"SELECT pg_advisory_xact_lock({UPGRADE_LOCK})")
        float_type = schema.FLOAT_TYPE[db.engine]
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            f" applied_at {float_type} NOT NULL)"
        )
        at = tx.execute("SELECT COALESCE(MAX(version), 0) AS version FROM schema_version").fetchone()["version"]
        for step in STEPS[at:]:
            step.apply(tx, db.engine)
            tx.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (step.number, step.name, time.time()),
            )
            applied.append(step.number)
    return applied


def ensure_current(db: LedgerDB) -> None:
    """At start: SQLite upgrades itself; a shared PostgreSQL ledger is upgraded by `kabao db upgrade` only."""
    if db.engine == "sqlite":
        upgrade(db)
        return
    version = current_version(db)
    if version < LATEST:
        raise LedgerOutOfDate(f"the ledger is at schema version {version} of {LATEST}: run `kabao db upgrade`")
