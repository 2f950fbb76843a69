"""Pay codes as data: random, unrevealing, short-lived, one live code per shopper, never stored in clear."""

from __future__ import annotations

import pytest

from bff.merchants.paycode_rules import PayCodeRules
from bff.paycode.codes import CODE_LENGTH, PREFIX, CodeProblem, CodeRefused, PayCodes, paycode_key
from bff.store import open_store


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "store.sqlite3"


@pytest.fixture
def codes(store_path):
    store = open_store(f"sqlite:///{store_path}")
    now = [1_000_000.0]
    made = PayCodes(store, paycode_key("test-secret"), clock=lambda: now[0])
    made.now = now  # type: ignore[attr-defined]
    yield made
    store.close()


def test_codes_are_digits_behind_a_fixed_prefix_and_never_repeat(codes):
    made = {codes.issue("m", f"u{i}", "c", "1234", 60).code for i in range(500)}
    assert len(made) == 500
    assert all(len(c) == CODE_LENGTH and c.isdigit() and c.startswith(PREFIX) for c in made)


def test_a_code_names_its_merchant_shopper_and_card_only_through_the_store(codes):
    code = codes.issue("lime-market", "u1001", "card-9", "4321", 60).code
    assert "u1001" not in code and "4321" not in code
    grant = codes.resolve(code, "lime-market")
    assert (grant.merchant_id, grant.user_id, grant.card_id, grant.last4) == ("lime-market", "u1001", "card-9", "4321")


def test_the_store_never_holds_the_code_itself(codes, store_path):
    code = codes.issue("lime-market", "u1001", "card-9", "4321", 60).code
    assert code.encode() not in store_path.read_bytes()


@pytest.mark.parametrize(
    ("code", "merchant", "problem"),
    [
        ("661234567890123456", "lime-market", CodeProblem.INVALID),  # never issued
        ("66123", "lime-market", CodeProblem.INVALID),  # not even a code
        (None, "peach-bakery", CodeProblem.INVALID),  # another merchant's: the same answer as unknown
    ],
)
def test_unknown_malformed_and_foreign_codes_are_invalid(codes, code, merchant, problem):
    issued = codes.issue("lime-market", "u1001", "card-9", "4321", 60).code
    with pytest.raises(CodeRefused) as refused:
        codes.resolve(code or issued, merchant)
    assert refused.value.problem is problem


def test_a_code_expires_after_its_ttl(codes):
    code = codes.issue("lime-market", "u1001", "card-9", "4321", 30).code
    codes.now[0] += 29
    assert codes.resolve(code, "lime-market")
    codes.now[0] += 1
    with pytest.raises(CodeRefused) as refused:
        codes.resolve(code, "lime-market")
    assert refused.value.problem is CodeProblem.EXPIRED


def test_a_new_code_retires_the_shoppers_last_one(codes):
    old = codes.issue("lime-market", "u1001", "card-9", "4321", 60).code
    new = codes.issue("lime-market", "u1001", "card-9", "4321", 60).code
    with pytest.raises(CodeRefused):
        codes.resolve(old, "lime-market")
    assert codes.resolve(new, "lime-market")
    assert codes.resolve(codes.issue("lime-market", "u2002", "c", "1", 60).code, "lime-market")  # others unaffected
    assert codes.resolve(new, "lime-market")


def test_config_keeps_codes_short_lived_and_rotating_within_their_life():
    terminals = {"T1": {"store_id": "S1", "store_name": {"zh-CN": "店"}, "key_env": "KABAO_MERCHANT_T1_KEY"}}
    assert PayCodeRules(terminals=terminals).ttl_seconds == 60
    with pytest.raises(ValueError):
        PayCodeRules(terminals=terminals, ttl_seconds=90)
    with pytest.raises(ValueError):
        PayCodeRules(terminals=terminals, ttl_seconds=20, rotate_seconds=30)
    with pytest.raises(ValueError):
        PayCodeRules(terminals={**terminals, "T2": {**terminals["T1"], "key_env": "SECRET_KEY"}})
