"""Seed data: load sandbox/seed.yaml and provision card systems deterministically."""

from __future__ import annotations

import random
import re
import sqlite3
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

from sandbox import clock
from sandbox.cardnumbers import NumberRule
from sandbox.db import Database

SEED_FILE = Path(__file__).with_name("seed.yaml")
SYSTEM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
BIND_METHODS = ("password", "sms", "number")


@dataclass(frozen=True)
class Profile:
    """How one card system's cards look and bind."""

    name: str
    number: NumberRule
    bind: str
    card_types: tuple[str, ...]


@dataclass(frozen=True)
class Rules:
    """The card system's own limits."""

    secret_lock_after: int
    sms_code_ttl_seconds: int
    sms_sends_per_window: int
    sms_window_seconds: int
    max_payment_amount: int
    currency: str


@dataclass(frozen=True)
class CardPlan:
    """One seeded card: owner, status, balance and how much history it has."""

    owner: str | None
    status: str
    balance: int
    history: int
    expires_in_days: int | None
    bound_days_ago: int


@dataclass(frozen=True)
class Seed:
    """Everything seed.yaml holds."""

    shoppers: tuple[tuple[str, str, str], ...]
    named_systems: tuple[str, ...]
    profiles: dict[str, Profile]
    rules: Rules
    cards: tuple[CardPlan, ...]
    history_days: int
    descriptions: dict[str, dict[str, str]]
    stores: tuple[str, ...]

    def profile_for(self, system: str) -> Profile:
        """The named profile of a system, or the default profile for any other id."""
        return self.profiles.get(system, self.profiles["default"])


def load_seed(path: Path = SEED_FILE) -> Seed:
    """Read and check seed.yaml."""
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    profiles = {
        name: Profile(name, NumberRule(**raw["number"]), raw["bind"], tuple(raw["card_types"]))
        for name, raw in data["profiles"].items()
    }
    if "default" not in profiles or any(p.bind not in BIND_METHODS for p in profiles.values()):
        raise ValueError(f"{path}: profiles need a default and a bind method in {BIND_METHODS}")
    cards = tuple(
        CardPlan(
            owner=raw.get("owner"),
            status=raw["status"],
            balance=int(raw["balance"]),
            history=max(1, int(raw.get("history", 1))),
            expires_in_days=raw.get("expires_in_days"),
            bound_days_ago=int(raw.get("bound_days_ago", 0)),
        )
        for raw in data["cards"]
    )
    return Seed(
        shoppers=tuple((s["user_id"], s["name"]["zh-CN"], s["name"]["en"]) for s in data["shoppers"]),
        named_systems=tuple(data["named_systems"]),
        profiles=profiles,
        rules=Rules(**data["rules"]),
        cards=cards,
        history_days=int(data["history_days"]),
        descriptions={kind: dict(texts) for kind, texts in data["descriptions"].items()},
        stores=tuple(data["stores"]),
    )


def reset(db: Database, seed: Seed) -> None:
    """Wipe everything (faults, SMS, payments too) and seed the shoppers and named systems."""
    with db.write() as conn:
        db.wipe(conn)
        _seed_all(conn, seed)


def seed_if_empty(db: Database, seed: Seed) -> None:
    """Seed a new (empty) database; leave one with data alone."""
    with db.write() as conn:
        if conn.execute("SELECT 1 FROM shoppers LIMIT 1").fetchone() is None:
            db.wipe(conn)
            _seed_all(conn, seed)


def ensure_system(db: Database, seed: Seed, system: str) -> None:
    """Provision a card system on first use (named or not), exactly as a reset would."""
    known = "SELECT 1 FROM systems WHERE system = ?"
    if db.connection().execute(known, (system,)).fetchone() is not None:
        return
    with db.write() as conn:
        if conn.execute(known, (system,)).fetchone() is None:
            provision(conn, seed, system)


def _seed_all(conn: sqlite3.Connection, seed: Seed) -> None:
    conn.executemany("INSERT INTO shoppers (user_id, name_zh, name_en) VALUES (?, ?, ?)", seed.shoppers)
    for system in seed.named_systems:
        provision(conn, seed, system)


def provision(conn: sqlite3.Connection, seed: Seed, system: str) -> None:
    """Insert a system's cards and their history, drawn from random.Random(system)."""
    profile = seed.profile_for(system)
    rng = random.Random(system)
    now = clock.now()
    conn.execute(
        "INSERT INTO systems (system, profile, created_at) VALUES (?, ?, ?)",
        (system, profile.name, clock.iso(now)),
    )
    numbers: set[str] = set()
    for index, plan in enumerate(seed.cards):
        number = profile.number.generate(rng)
        while number in numbers:
            number = profile.number.generate(rng)
        numbers.add(number)
        card_id = f"c_{rng.getrandbits(64):016x}"
        expires = plan.expires_in_days
        conn.execute(
            "INSERT INTO cards (system, card_id, card_number, secret, card_type, status, balance,"
            " currency, expires_on, user_id, bound_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                system,
                card_id,
                number,
                f"{rng.randrange(10**6):06d}",
                profile.card_types[index % len(profile.card_types)],
                plan.status,
                plan.balance,
                seed.rules.currency,
                None if expires is None else (now.date() + timedelta(days=expires)).isoformat(),
                plan.owner,
                clock.iso(now - timedelta(days=plan.bound_days_ago)) if plan.owner else None,
            ),
        )
        for txn in _history(rng, seed, plan):
            conn.execute(
                "INSERT INTO txns (txn_id, system, card_id, kind, amount, balance_after,"
                " created_at, description, payment_id, description_en, store) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (txn[0], system, card_id, *txn[1:]),
            )


def _history(rng: random.Random, seed: Seed, plan: CardPlan) -> list[tuple[Any, ...]]:
    """Transactions ending at the plan's balance, oldest first, the first one a top-up."""
    now = clock.now()
    span = seed.history_days * 86400
    times = sorted(now - timedelta(seconds=rng.randrange(3600, span)) for _ in range(plan.history))
    newest_first: list[tuple[str, int, str | None]] = []
    balance = plan.balance
    for _ in range(plan.history - 1):
        topup = rng.choice((10000, 20000, 5000))
        if rng.random() < 0.25 and balance - topup > 0:
            newest_first.append(("TOPUP", topup, None))
            balance -= topup
        else:
            spent = rng.randrange(200, 6000)
            newest_first.append(("PAYMENT", -spent, f"pos_{rng.getrandbits(48):012x}"))
            balance += spent
    newest_first.append(("TOPUP", balance, None))
    rows = []
    running = 0
    for index, (moment, (kind, amount, payment_id)) in enumerate(zip(times, reversed(newest_first), strict=True)):
        running += amount
        txn_id = f"t_{rng.getrandbits(64):016x}"
        texts = seed.descriptions[kind]
        store = seed.stores[index % len(seed.stores)] if kind == "PAYMENT" else None
        rows.append((txn_id, kind, amount, running, clock.iso(moment), texts["zh-CN"], payment_id, texts["en"], store))
    return rows
