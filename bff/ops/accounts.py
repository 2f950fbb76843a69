"""Ops accounts and their sessions: the deployment's file accounts, and those an admin adds in the ledger.

The file (KABAO_OPS_USERS_FILE, or KABAO_OPS_USERS) bootstraps the console: its accounts are read-only here
and, unless a line names roles (`user:hash:editor+publisher`), hold every role. Accounts added from the
console live in the ledger database, which every BFF process shares, as do the sessions listed here.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from werkzeug.security import generate_password_hash

from bff.checkout.ledger_port import LedgerDB, Row
from bff.ops.roles import ALL_ROLES, Account, parse_roles

MIN_PASSWORD = 12
USER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
TOUCH_EVERY = 60  # seconds: a session's "last seen" is written at most this often
KEEP_ENDED = 30 * 86400  # an ended session stays listed this long


class AccountProblem(ValueError):
    """An account that can't be made or changed as asked: a console text key (ops.accounts.*) and its values."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


def load_file_accounts(environ: Mapping[str, str]) -> dict[str, Account]:
    """Accounts from KABAO_OPS_USERS_FILE (lines `user:hash[:roles]`) or KABAO_OPS_USERS (`user:hash[:roles],…`).

    Hashes are werkzeug's; a plain-text password is refused. Roles are joined by `+`; none means all.
    """
    lines: list[str] = []
    if environ.get("KABAO_OPS_USERS_FILE"):
        lines = Path(environ["KABAO_OPS_USERS_FILE"]).read_text(encoding="utf-8").splitlines()
    elif environ.get("KABAO_OPS_USERS"):
        lines = environ["KABAO_OPS_USERS"].split(",")
    accounts = {}
    for line in (raw.strip() for raw in lines):
        if not line or line.startswith("#"):
            continue
        user, _, hashed = line.partition(":")
        roles = ALL_ROLES
        head, _, tail = hashed.rpartition(":")
        if head and "$" not in tail:  # a werkzeug hash ends `…$salt$hex`: what follows its last ':' are roles
            hashed, roles = head, parse_roles(tail)
        if not hashed.startswith(("scrypt:", "pbkdf2:")):
            raise ValueError(f"ops account {user!r}: give a password hash (werkzeug), never the password")
        user = user.strip()
        accounts[user] = Account(user, user, hashed.strip(), roles, from_file=True)
    return accounts


def session_key(session_id: str) -> str:
    """The public name of a session (listed to admins, kept in the ledger); the id itself opens it."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class OpenSession:
    key: str
    user: str
    address: str
    started: float
    last_seen: float


class AccountBook:
    """The file's accounts and the console's, and every account's sessions."""

    def __init__(self, file_accounts: dict[str, Account], db: LedgerDB) -> None:
        self.file_accounts, self.db = file_accounts, db

    def get(self, user: str) -> Account | None:
        if user in self.file_accounts:
            return self.file_accounts[user]
        row = self.db.row("SELECT * FROM ops_accounts WHERE user_name = ?", (user,))
        return _account(row) if row else None

    def all(self) -> list[Account]:
        made = [_account(row) for row in self.db.rows("SELECT * FROM ops_accounts ORDER BY user_name")]
        return sorted(self.file_accounts.values(), key=lambda a: a.user) + made

    def any(self) -> bool:
        return bool(self.file_accounts) or self.db.row("SELECT 1 AS one FROM ops_accounts LIMIT 1") is not None

    def add(self, by: str, user: str, display_name: str, roles: list[str], merchants: str, password: str) -> None:
        """A new console account; AccountProblem if the name is taken or malformed, or the password short."""
        user = user.strip().lower()
        if not USER_NAME.fullmatch(user):
            raise AccountProblem("ops.accounts.problem.bad_name")
        if self.get(user) is not None:
            raise AccountProblem("ops.accounts.problem.taken", user=user)
        now = time.time()
        with self.db.write() as tx:
            tx.execute(
                "INSERT INTO ops_accounts (user_name, display_name, password_hash, roles, merchants, enabled,"
                " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
                (user, _name(display_name, user), _hash(password), _roles(roles), _merchants(merchants), by, now, now),
            )

    def set_enabled(self, user: str, enabled: bool) -> None:
        """Disable (ending every session of the account at once) or enable a console account."""
        self._change(user, "enabled = ?", (1 if enabled else 0,))
        if not enabled:
            self.end_sessions(user)

    def set_password(self, user: str, password: str) -> None:
        """A new password; every session the account had ends at once."""
        self._change(user, "password_hash = ?", (_hash(password),))
        self.end_sessions(user)

    def set_roles(self, user: str, roles: list[str], merchants: str) -> None:
        self._change(user, "roles = ?, merchants = ?", (_roles(roles), _merchants(merchants)))

    def _change(self, user: str, assignments: str, values: tuple) -> None:
        if user in self.file_accounts:
            raise AccountProblem("ops.accounts.problem.from_file", user=user)
        with self.db.write() as tx:
            done = tx.execute(
                f"UPDATE ops_accounts SET {assignments}, updated_at = ? WHERE user_name = ?",  # noqa: S608 - ours
                (*values, time.time(), user),
            )
            if done.rowcount != 1:
                raise AccountProblem("ops.accounts.problem.no_account", user=user)

    # sessions

    def open_session(self, session_id: str, user: str, address: str) -> None:
        now = time.time()
        with self.db.write() as tx:
            tx.execute("DELETE FROM ops_sessions WHERE last_seen < ?", (now - KEEP_ENDED,))
            tx.execute(
                "INSERT INTO ops_sessions (session_key, user_name, address, started_at, last_seen)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_key(session_id), user, address[:64], now, now),
            )

    def session_open(self, session_id: str, user: str) -> bool:
        """Is the session open on the server (not ended by its user, an admin, a disable or a new password)?"""
        key = session_key(session_id)
        row = self.db.row("SELECT user_name, last_seen, ended_at FROM ops_sessions WHERE session_key = ?", (key,))
        if row is None or row["ended_at"] is not None or row["user_name"] != user:
            return False
        if time.time() - row["last_seen"] > TOUCH_EVERY:
            with self.db.write() as tx:
                tx.execute("UPDATE ops_sessions SET last_seen = ? WHERE session_key = ?", (time.time(), key))
        return True

    def sessions(self, user: str, idle_seconds: int) -> list[OpenSession]:
        """The account's sessions still open (ended ones, and those idle longer than idle_seconds, left out)."""
        rows = self.db.rows(
            "SELECT * FROM ops_sessions WHERE user_name = ? AND ended_at IS NULL AND last_seen > ?"
            " ORDER BY started_at DESC",
            (user, time.time() - idle_seconds - TOUCH_EVERY),
        )
        return [OpenSession(r["session_key"], user, r["address"], r["started_at"], r["last_seen"]) for r in rows]

    def end_session(self, key: str, user: str | None = None) -> bool:
        """End one session by its public key (only of user, when given); True if it was open."""
        with self.db.write() as tx:
            done = tx.execute(
                "UPDATE ops_sessions SET ended_at = ? WHERE session_key = ? AND ended_at IS NULL"
                " AND (? = '' OR user_name = ?)",
                (time.time(), key, user or "", user or ""),
            )
        return done.rowcount == 1

    def end_sessions(self, user: str, keep: str = "") -> int:
        """End every open session of user but keep (a session key); how many ended."""
        with self.db.write() as tx:
            done = tx.execute(
                "UPDATE ops_sessions SET ended_at = ? WHERE user_name = ? AND ended_at IS NULL AND session_key <> ?",
                (time.time(), user, keep),
            )
        return done.rowcount


def _account(row: Row) -> Account:
    return Account(
        row["user_name"],
        row["display_name"],
        row["password_hash"],
        parse_roles(row["roles"]),
        frozenset(row["merchants"].split()),
        bool(row["enabled"]),
    )


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountProblem("ops.accounts.problem.short_password", length=MIN_PASSWORD)
    return generate_password_hash(password)  # werkzeug's scrypt, salted


def _roles(roles: list[str]) -> str:
    try:
        return " ".join(sorted(parse_roles(roles)))
    except ValueError as exc:
        raise AccountProblem("ops.accounts.problem.bad_roles", problem=str(exc)) from exc


def _merchants(words: str) -> str:
    names = sorted(set(words.replace(",", " ").split()))
    bad = [name for name in names if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,39}", name)]
    if bad:
        raise AccountProblem("ops.accounts.problem.bad_merchants", names=", ".join(bad))
    return " ".join(names)


def _name(display_name: str, user: str) -> str:
    return " ".join(display_name.split())[:80] or user
