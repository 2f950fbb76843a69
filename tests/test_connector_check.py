"""`kabao connector check`: the standard sandbox passes; a failing system is named, line by line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from kabao_testing import CONFIG_DIR, LOOPBACK_SANDBOX, add_fault

from bff.cli import main


@pytest.fixture
def check(card_system, monkeypatch):
    monkeypatch.setenv("KABAO_MERCHANT_SANDBOX_URL", card_system.url)
    monkeypatch.setenv("KABAO_MERCHANT_SANDBOX_API_KEY", card_system.api_key)
    monkeypatch.delenv("KABAO_CONFIG_DIR", raising=False)
    monkeypatch.setenv("KABAO_MERCHANT_OLIVE_SIGN_KEY", card_system.olive_sign_key)
    monkeypatch.setenv("KABAO_MERCHANT_MAPLE_HMAC_KEY", card_system.maple_hmac_key)
    for key, value in LOOPBACK_SANDBOX.items():
        monkeypatch.setenv(key, value)

    def run(merchant: str, *extra: str, config_dir=CONFIG_DIR):
        args = ["connector", "check", merchant, "--from-sandbox", card_system.url, "--config-dir", str(config_dir)]
        return CliRunner().invoke(main, [*args, *extra])

    return run


@pytest.mark.parametrize("merchant", ["lime-market", "harbor-books", "peach-bakery", "olive-fresh", "maple-cinema"])
def test_complete_card_systems_pass_every_line(check, merchant):
    result = check(merchant, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["operation"] for r in rows} >= {"bind ok", "pay ok", "pay duplicate id", "reverse", "refund"}
    # answers aren't signed in these configurations: the line says so, and it is no failure
    signatures = next(r for r in rows if r["operation"] == "answer signatures")
    assert signatures["outcome"] == "skipped" and signatures["received"].startswith("not configured")
    others = [r for r in rows if r is not signatures]
    assert all(r["outcome"] == "pass" for r in others), [r for r in others if r["outcome"] != "pass"]


def test_a_system_that_loses_pay_answers_is_reported_and_exits_non_zero(check, card_system):
    add_fault(card_system, system="lime", op="pay", mode="drop_response")
    result = check("lime-market")
    assert result.exit_code == 1
    line = next(row for row in result.output.splitlines() if row.startswith("pay ok"))
    assert "missing" in line


def test_the_check_needs_test_cards(check):
    result = CliRunner().invoke(main, ["connector", "check", "lime-market"])
    assert result.exit_code != 0 and "--cards FILE or --from-sandbox" in result.output


def test_the_incomplete_dialect_is_told_exactly_what_it_lacks(check):
    result = check("birch-tea", "--json")
    assert result.exit_code == 1
    rows = {r["operation"]: r for r in json.loads(result.output[result.output.index("[") :])}
    lacking = {op: (r["outcome"], r["required"]) for op, r in rows.items() if r["outcome"] != "pass"}
    assert lacking == {
        "transactions paging": ("missing", False),
        "pay ok": ("missing", True),
        "pay duplicate id": ("wrong", True),
        "payment_status unknown": ("missing", True),
        "reverse": ("wrong", True),
        "refund": ("missing", False),
        "unbind": ("missing", False),
    }
    assert rows["pay ok"]["received"].startswith("missing: no status in the pay answer")
    assert rows["pay duplicate id"]["received"] == "charged 200 fen in all for two pays with one id"
