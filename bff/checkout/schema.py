"""The ledger's tables, as numbered migration steps (applied in order by bff.checkout.migrations)."""

from __future__ import annotations

DEFAULT_WATCH_SECONDS = 7 * 86400  # for legs judged NOT_FOUND before the watch existed

# Step 1: the tables as Kabao wrote them before versions were kept (an older ledger is adopted as it is).
# {float} is an 8-byte float on each engine (SQLite's REAL; PostgreSQL's REAL has only 4 bytes).
TABLES = """
CREATE TABLE IF NOT EXISTS checkouts (
  checkout_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, user_id TEXT NOT NULL,
  order_id TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0), currency TEXT NOT NULL,
  return_url TEXT NOT NULL, status TEXT NOT NULL, created_at {float} NOT NULL, updated_at {float} NOT NULL,
  UNIQUE (merchant_id, order_id));
CREATE TABLE IF NOT EXISTS attempts (
  checkout_id TEXT NOT NULL REFERENCES checkouts, seq INTEGER NOT NULL, status TEXT NOT NULL,
  remainder INTEGER NOT NULL CHECK (remainder >= 0), failure TEXT,
  created_at {float} NOT NULL, updated_at {float} NOT NULL, PRIMARY KEY (checkout_id, seq));
CREATE TABLE IF NOT EXISTS legs (
  payment_id TEXT PRIMARY KEY, checkout_id TEXT NOT NULL, seq INTEGER NOT NULL,
  position INTEGER NOT NULL, card_id TEXT NOT NULL, last4 TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), status TEXT NOT NULL, error_code TEXT,
  refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
  sent_at {float}, queries INTEGER NOT NULL DEFAULT 0, next_query_at {float}, updated_at {float} NOT NULL,
  watch_until {float},
  UNIQUE (checkout_id, seq, position));
CREATE TABLE IF NOT EXISTS refunds (
  merchant_id TEXT NOT NULL, refund_id TEXT NOT NULL, checkout_id TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), created_at {float} NOT NULL, PRIMARY KEY (merchant_id, refund_id));
CREATE TABLE IF NOT EXISTS refund_legs (
  merchant_id TEXT NOT NULL, refund_id TEXT NOT NULL, payment_id TEXT NOT NULL, last4 TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0), status TEXT NOT NULL, updated_at {float} NOT NULL,
  PRIMARY KEY (merchant_id, refund_id, payment_id));
CREATE TABLE IF NOT EXISTS notifications (
  merchant_id TEXT NOT NULL, event_key TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT NULL,
  tries INTEGER NOT NULL DEFAULT 0, next_try_at {float} NOT NULL, delivered_at {float}, last_problem TEXT,
  created_at {float} NOT NULL, PRIMARY KEY (merchant_id, event_key));
"""

# legs an older Kabao closed as FAILED/NOT_FOUND were only our verdict: watch them for late charges
WATCH_OLD_NOT_FOUND = (
    "UPDATE legs SET status = 'NOT_FOUND', watch_until = updated_at + ?, next_query_at = NULL"
    " WHERE status = 'FAILED' AND error_code = 'NOT_FOUND'"
)

# Step 2: refund legs keep the order they were allocated in (SQLite's rowid did it; PostgreSQL has none)
REFUND_LEG_ORDER = "ALTER TABLE refund_legs ADD COLUMN position INTEGER NOT NULL DEFAULT 0"

# Step 3: what the reconcile loop and the host API look rows up by, on every machine's every pass
INDEXES = """
CREATE INDEX IF NOT EXISTS attempts_by_status ON attempts (status, created_at);
CREATE INDEX IF NOT EXISTS legs_by_status ON legs (status, updated_at);
CREATE INDEX IF NOT EXISTS refunds_by_checkout ON refunds (checkout_id);
CREATE INDEX IF NOT EXISTS refund_legs_by_payment ON refund_legs (payment_id, status);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications (delivered_at, next_try_at);
"""

# Step 4: in-store pay code redemptions; a code is used once (unique digest), a terminal txn id names one
REDEMPTIONS = """
CREATE TABLE IF NOT EXISTS paycode_redemptions (
  merchant_id TEXT NOT NULL, terminal_id TEXT NOT NULL, txn_id TEXT NOT NULL, code_digest TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL, card_id TEXT NOT NULL, last4 TEXT NOT NULL, store_id TEXT NOT NULL,
  amount INTEGER NOT NULL CHECK (amount > 0),
  state TEXT NOT NULL, created_at {float} NOT NULL, updated_at {float} NOT NULL,
  PRIMARY KEY (merchant_id, terminal_id, txn_id))
"""

# Step 5: what still grew with the ledger: pending refund legs (each reconcile pass) and held late charges
# (legs with a watch; without this index every succeeded leg ever is read to find the few that are watched).
# Partial indexes: they hold only the few rows those passes look for, so no other query is tempted by them.
GROWTH_INDEXES = """
CREATE INDEX IF NOT EXISTS refund_legs_pending ON refund_legs (merchant_id, refund_id) WHERE status = 'PENDING';
CREATE INDEX IF NOT EXISTS legs_watched ON legs (status, updated_at) WHERE watch_until IS NOT NULL;
"""

# Step 6: what the after-sales desk finds orders by (bff/checkout/lookup.py): a host order id without its
# merchant, a shopper's orders in a date range, a merchant's orders of one day (then their legs by last4).
LOOKUP_INDEXES = """
CREATE INDEX IF NOT EXISTS checkouts_by_order ON checkouts (order_id);
CREATE INDEX IF NOT EXISTS checkouts_by_user ON checkouts (user_id, created_at);
CREATE INDEX IF NOT EXISTS checkouts_by_merchant_time ON checkouts (merchant_id, created_at);
"""

# Step 7: the ops console's accounts (made by an admin; the deployment file's accounts are not copied here),
# their sessions (listed and ended by an admin; the store still ends idle ones), and publish requests waiting
# for a second publisher's approval. Roles and merchants are space-separated words.
OPS_ACCOUNTS = """
CREATE TABLE IF NOT EXISTS ops_accounts (
  user_name TEXT PRIMARY KEY, display_name TEXT NOT NULL, password_hash TEXT NOT NULL,
  roles TEXT NOT NULL, merchants TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1,
  created_by TEXT NOT NULL, created_at {float} NOT NULL, updated_at {float} NOT NULL);
CREATE TABLE IF NOT EXISTS ops_sessions (
  session_key TEXT PRIMARY KEY, user_name TEXT NOT NULL, address TEXT NOT NULL,
  started_at {float} NOT NULL, last_seen {float} NOT NULL, ended_at {float});
CREATE INDEX IF NOT EXISTS ops_sessions_by_user ON ops_sessions (user_name, ended_at);
CREATE TABLE IF NOT EXISTS ops_publish_requests (
  request_id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL, draft TEXT NOT NULL, base_version TEXT NOT NULL,
  note TEXT NOT NULL, waiver TEXT NOT NULL DEFAULT '', requested_by TEXT NOT NULL, requested_at {float} NOT NULL,
  state TEXT NOT NULL, decided_by TEXT, decided_at {float}, outcome TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS ops_publish_requests_by_state ON ops_publish_requests (state, merchant_id)
"""

FLOAT_COLUMNS = {
    "checkouts": ("created_at", "updated_at"),
    "attempts": ("created_at", "updated_at"),
    "legs": ("sent_at", "next_query_at", "updated_at", "watch_until"),
    "refunds": ("created_at",),
    "refund_legs": ("updated_at",),
    "notifications": ("next_try_at", "delivered_at", "created_at"),
}
FLOAT_TYPE = {"sqlite": "REAL", "postgresql": "DOUBLE PRECISION"}


def statements(script: str, engine: str) -> list[str]:
    """The statements of a script, with {float} spelt for the engine."""
    return [s.strip() for s in script.format(float=FLOAT_TYPE[engine]).split(";") if s.strip()]
