"""Versioned ledger migrations: a ledger written by the Kabao before versions keeps its rows, on both engines."""

from __future__ import annotations

import sqlite3
import threading
import time

import psycopg
import pytest
from click.testing import CliRunner
from postgres_testing import LEDGER_ENGINES

from bff.checkout.ledger import Ledger
from bff.checkout.ledger_port import LedgerOutOfDate
from bff.checkout.migrations import LATEST, current_version, upgrade
from bff.checkout.notify import Notifier
from bff.checkout.refunds import Refunds
from bff.checkout.states import CheckoutStatus, LegStatus
from bff.cli import main
from bff.ledger_db import open_ledger_db

# The ledger's tables as Kabao wrote them before schema versions (main at e8b9a1b: bff/checkout/schema.py,
# refunds.py and notify.py), with a few rows of each.
UNVERSIONED = """
CREATE TABLE IF NOT EXISTS checkouts (
  checkout_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, user_id TEXT NOT NULL,
  order_id TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0), currency TEXT NOT NULL,
  return_url TEXT NOT NULL, status TEXT NOT NULL, created_at REAL NOT NULL, updated_at REAL NOT NULL,
  UNIQUE (merchant_id, order_id));
CREATE TABLE IF NOT EXISTS attempts (
  checkout_id TEXT NOT NULL REFERENCES checkouts, seq INTEGER NOT NULL, status TEXT NOT NULL,
  remainder INTEGER NOT NULL CHECK (remainder >= 0), failure TEXT,
  created_at REAL NOT NULL, updated_at REAL NOT NULL, PRIMARY KEY (checkout_id, seq));
CREATE TABLE IF NOT EXISTS legs (
  payment_id TEXT PRIMARY KEY, checkout_id TEXT NOT NULL, seq INTEGER NOT NULL,
  position INTEGER NOT NULL, card_id TEXT NOT NULL, last4 TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), status TEXT NOT NULL, error_code TEXT,
  refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
  sent_at REAL, queries INTEGER NOT NULL DEFAULT 0, next_query_at REAL, updated_at REAL NOT NULL,
  watch_until REAL,
  UNIQUE (checkout_id, seq, position));
CREATE TABLE IF NOT EXISTS refunds (
  merchant_id TEXT NOT NULL, refund_id TEXT NOT NULL, checkout_id TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), created_at REAL NOT NULL, PRIMARY KEY (merchant_id, refund_id));
CREATE TABLE IF NOT EXISTS refund_legs (
  merchant_id TEXT NOT NULL, refund_id TEXT NOT NULL, payment_id TEXT NOT NULL, last4 TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), status TEXT NOT NULL, updated_at REAL NOT NULL,
  PRIMARY KEY (merchant_id, refund_id, payment_id));
CREATE TABLE IF NOT EXISTS notifications (
  merchant_id TEXT NOT NULL, event_key TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0, next_try_at REAL NOT NULL, delivered_at REAL, last_problem TEXT,
  created_at REAL NOT NULL, PRIMARY KEY (merchant_id, event_key));
INSERT INTO checkouts VALUES ('c1', 'shop', 'u1', 'O-1', 3000, 'CNY', 'http://app.test/r', 'PAID', 100, 101);
INSERT INTO checkouts VALUES ('c2', 'shop', 'u1', 'O-2', 500, 'CNY', 'http://app.test/r', 'OPEN', 100, 101);
INSERT INTO attempts VALUES ('c1', 1, 'PAID', 0, NULL, 100, 101);
INSERT INTO legs VALUES ('kb-c1-1-1', 'c1', 1, 1, 'k1', '0001', 2000, 'SUCCEEDED', NULL, 500, 100, 1, NULL, 101, NULL);
INSERT INTO legs VALUES ('kb-c1-1-2', 'c1', 1, 2, 'k2', '0002', 1000, 'SUCCEEDED', NULL, 500, 100, 1, NULL, 101, NULL);
INSERT INTO refunds VALUES ('shop', 'R-1', 'c1', 1000, 102);
INSERT INTO refund_legs VALUES ('shop', 'R-1', 'kb-c1-1-2', '0002', 500, 'SUCCEEDED', 102);
INSERT INTO refund_legs VALUES ('shop', 'R-1', 'kb-c1-1-1', '0001', 500, 'SUCCEEDED', 102);
INSERT INTO notifications VALUES ('shop', 'late_charge:x', 'http://app.test/n', '{}', 0, 0, NULL, NULL, 100);
"""


@pytest.fixture(params=LEDGER_ENGINES)
def unversioned(request, tmp_path) -> str:
    """The URL of a ledger database written by the Kabao before schema versions, with rows in every table."""
    statements = [s for s in UNVERSIONED.split(";") if s.strip()]
    if request.param == "sqlite":
        path = tmp_path / "old-ledger.sqlite3"
        with sqlite3.connect(path) as conn:
            conn.executescript(UNVERSIONED)
        conn.close()
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres").create_database("old")
    with psycopg.connect(url) as conn:
        for statement in statements:
            conn.execute(statement)
    return url


def test_an_unversioned_ledger_is_upgraded_and_keeps_its_rows(unversioned):
    db = open_ledger_db(unversioned)
    try:
        assert current_version(db) == 0
        assert upgrade(db) == list(range(1, LATEST + 1))
        assert current_version(db) == LATEST
        assert upgrade(db) == []  # a second run applies nothing
    finally:
        db.close()
    ledger = Ledger(unversioned)
    try:
        paid = ledger.checkout_by_order("shop", "O-1")
        assert (paid.checkout_id, paid.amount, paid.status, paid.created_at) == ("c1", 3000, CheckoutStatus.PAID, 100)
        assert [(leg.payment_id, leg.status, leg.refunded) for leg in ledger.legs("c1")] == [
            ("kb-c1-1-1", LegStatus.SUCCEEDED, 500),
            ("kb-c1-1-2", LegStatus.SUCCEEDED, 500),
        ]
        refunds = Refunds(ledger)
        assert refunds.refunded("shop", "O-1") == 1000
        assert {leg.payment_id for leg in refunds.load("shop", "R-1").legs} == {"kb-c1-1-1", "kb-c1-1-2"}
        notifier = Notifier(ledger.db, "secret", session=None)  # type: ignore[arg-type]
        assert [n.event_key for n in notifier.due(now=1)] == ["late_charge:x"]
        # and it goes on working: the open order gets its first attempt, a new refund is written
        assert ledger.start_attempt("c2", 1, [], 0)[1]
        assert refunds.start("shop", "O-1", "R-2", 2000, "last_paid_first").amount == 2000
    finally:
        ledger.close()


@pytest.mark.parametrize("unversioned", ["sqlite"], indirect=True)  # only SQLite ordered them by rowid
def test_refund_legs_keep_their_order_through_the_upgrade_on_sqlite(unversioned):
    ledger = Ledger(unversioned)
    try:
        legs = Refunds(ledger).load("shop", "R-1").legs
        assert [leg.payment_id for leg in legs] == ["kb-c1-1-2", "kb-c1-1-1"]  # as allocated: last paid first
    finally:
        ledger.close()


def test_times_keep_their_precision_on_both_engines(ledger_url):
    ledger = Ledger(ledger_url)
    try:
        before = time.time()
        checkout = ledger.open_checkout("shop", "u1", "O-9", 100, "CNY", "http://app.test/r")
        # PostgreSQL's REAL would round an epoch time to ~100 s; every time column is an 8-byte float
        assert before <= checkout.created_at <= time.time()
    finally:
        ledger.close()


def test_a_shared_postgresql_ledger_is_upgraded_by_the_command_not_at_start(postgres):
    url = postgres.create_database("fresh")
    with pytest.raises(LedgerOutOfDate, match="kabao db upgrade"):
        Ledger(url)
    db = open_ledger_db(url)
    upgrade(db)
    db.close()
    Ledger(url).close()


def test_two_machines_upgrading_at_once_apply_each_step_once(postgres):
    url = postgres.create_database("race")
    dbs = [open_ledger_db(url) for _ in range(2)]
    applied: list[list[int]] = []
    gate = threading.Barrier(2)

    def run(db):
        gate.wait()
        applied.append(upgrade(db))

    threads = [threading.Thread(target=run, args=(db,)) for db in dbs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sorted(applied) == [[], list(range(1, LATEST + 1))]
        assert [r["version"] for r in dbs[0].rows("SELECT version FROM schema_version ORDER BY version")] == list(
            range(1, LATEST + 1)
        )
    finally:
        for db in dbs:
            db.close()


def test_kabao_db_upgrade_brings_a_postgresql_ledger_up_to_date_and_hides_its_password(postgres):
    url = postgres.create_database("cli").replace("kabao@", "kabao:hunter2@")  # trust auth ignores it
    behind = CliRunner().invoke(main, ["db", "version", "--url", url])
    assert behind.exit_code == 1 and f"schema version 0, this Kabao needs {LATEST}" in behind.output
    done = CliRunner().invoke(main, ["db", "upgrade"], env={"KABAO_LEDGER_URL": url})
    assert done.exit_code == 0, done.output
    assert f"applied {', '.join(map(str, range(1, LATEST + 1)))}" in done.output
    again = CliRunner().invoke(main, ["db", "upgrade", "--url", url])
    assert "nothing to apply" in again.output
    now = CliRunner().invoke(main, ["db", "version", "--url", url])
    assert now.exit_code == 0 and f"schema version {LATEST}" in now.output
    assert "hunter2" not in behind.output + done.output + again.output + now.output
    assert "kabao:***@" in done.output


def test_an_unknown_ledger_url_is_refused_by_name(tmp_path):
    result = CliRunner().invoke(main, ["db", "upgrade", "--url", "mysql://db/ledger"])
    assert result.exit_code == 2 and "unsupported ledger URL mysql://" in result.output
