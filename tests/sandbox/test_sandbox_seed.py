"""Seed generation and the process entry point, without a running server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.cardnumbers import NumberRule, luhn_check_digit, luhn_valid
from sandbox.db import Database
from sandbox.seed import load_seed, provision

SYSTEM_IDS = st.from_regex(r"[A-Za-z0-9_-]{1,24}", fullmatch=True)


@contextmanager
def seeded_db(*systems: str) -> Iterator[Database]:
    """An in-memory database with these systems provisioned."""
    db = Database(":memory:")
    seed = load_seed()
    try:
        db.create_schema()
        with db.write() as conn:
            for system in systems:
                provision(conn, seed, system)
        yield db
    finally:
        db.close()


def cards_of(db: Database, system: str) -> list[tuple]:
    """Number, secret and id of each card, in seed order."""
    query = "SELECT card_number, secret, card_id FROM cards WHERE system = ? ORDER BY rowid"
    return [tuple(row) for row in db.connection().execute(query, (system,))]


@settings(max_examples=25, deadline=None)
@given(system=SYSTEM_IDS)
def test_any_system_id_gets_unique_cards_in_its_profile_format(system: str) -> None:
    rule = load_seed().profile_for(system).number
    with seeded_db(system) as db:
        cards = cards_of(db, system)
    assert len(cards) == 13
    assert all(rule.matches(number) for number, _, _ in cards)
    assert len({number for number, _, _ in cards}) == 13
    assert len({card_id for _, _, card_id in cards}) == 13


@settings(max_examples=10, deadline=None)
@given(system=SYSTEM_IDS)
def test_provisioning_is_deterministic_per_system_id(system: str) -> None:
    with seeded_db(system) as first, seeded_db(system) as second:
        assert cards_of(first, system) == cards_of(second, system)


def test_different_systems_get_different_cards() -> None:
    with seeded_db("lime", "lime2") as db:
        assert {c[0] for c in cards_of(db, "lime")}.isdisjoint(c[0] for c in cards_of(db, "lime2"))


def test_seeded_history_adds_up_to_each_card_balance() -> None:
    with seeded_db("lime", "harbor") as db:
        conn = db.connection()
        for card in conn.execute("SELECT * FROM cards").fetchall():
            txns = conn.execute(
                "SELECT * FROM txns WHERE system = ? AND card_id = ? ORDER BY seq",
                (card["system"], card["card_id"]),
            ).fetchall()
            assert txns[0]["kind"] == "TOPUP" and txns[0]["amount"] > 0
            assert sum(t["amount"] for t in txns) == card["balance"]
            assert txns[-1]["balance_after"] == card["balance"]
            assert all(t["balance_after"] >= 0 for t in txns)


@given(body=st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_a_luhn_check_digit_makes_any_digits_valid(body: str) -> None:
    rule = NumberRule("", len(body) + 1, luhn=True)
    number = body + luhn_check_digit(body)
    assert luhn_valid(number) and rule.matches(number)
    wrong = body + str((int(number[-1]) + 1) % 10)
    assert not luhn_valid(wrong)


def test_the_process_refuses_to_start_without_its_secrets() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAO_")}
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "KABAO_MERCHANT_SANDBOX_API_KEY" in result.stderr
