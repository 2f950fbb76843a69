"""`kabao connector check`: the standard sandbox passes; a failing system is named, line by line."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from kabao_testing import CONFIG_DIR, LOOPBACK_SANDBOX, add_fault, sandbox_cards

from bff.cli import main


@pytest.fixture
def check(card_system, monkeypatch):
    monkeypatch.setenv("KABAO_MERCHANT_SANDBOX_URL", card_system.url)
    monkeypatch.setenv("KABAO_MERCHANT_SANDBOX_API_KEY", card_system.api_key)
    monkeypatch.delenv("KABAO_CONFIG_DIR", raising=False)
    for name, value in card_system.keys.items():
        monkeypatch.setenv(name, value)
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
    assert {r["operation"] for r in rows} >= {
        "bind ok",
        "bind bound elsewhere",
        "pay ok",
        "pay duplicate id",
        "reverse",
        "refund",
        "refund repeated id",
        "transactions paging",
        "give back",
    }
    # answers aren't signed in these configurations: the line says so, and it is no failure
    signatures = next(r for r in rows if r["operation"] == "answer signatures")
    assert signatures["outcome"] == "skipped" and signatures["received"].startswith("not configured")
    others = [r for r in rows if r is not signatures]
    assert all(r["outcome"] == "pass" for r in others), [r for r in others if r["outcome"] != "pass"]


@pytest.mark.parametrize(
    ("merchant", "verified", "paging"),
    [
        ("cedar-noodles", "md5", "page_has_more"),  # WeChat Pay v2 manner: GBK XML gateway, MD5 both ways
        ("willow-mall", "rsa_sha256", "page_total"),  # Alipay manner: answers verified over their object's text
        ("jade-pharmacy", "hmac_sm3", "token"),  # 国密: SM2-signed requests, HMAC-SM3 answers
    ],
)
def test_a_dialect_onboarded_by_file_alone_passes_every_line_with_verified_answers(check, merchant, verified, paging):
    result = check(merchant, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert all(r["outcome"] == "pass" for r in rows), [r for r in rows if r["outcome"] != "pass"]
    signatures = next(r for r in rows if r["operation"] == "answer signatures")
    assert signatures["received"].startswith(f"{verified}: answers verified")
    paging_row = next(r for r in rows if r["operation"] == "transactions paging")
    assert paging_row["received"].startswith(paging)


def test_a_v3_style_system_onboarded_by_file_alone_passes_with_verified_answers(check):
    result = check("aspen-fitness", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    # no void in this system: the reverse line doesn't apply, refund gives paid legs back and must pass
    reverse = next(r for r in rows if r["operation"] == "reverse")
    assert reverse["outcome"] == "skipped" and reverse["received"].startswith("not offered")
    others = [r for r in rows if r is not reverse]
    assert all(r["outcome"] == "pass" for r in others), [r for r in others if r["outcome"] != "pass"]
    assert {"refund", "refund repeated id", "give back"} <= {r["operation"] for r in others}
    assert {"payment id echoed", "refund status read"} <= {r["operation"] for r in others}  # configured: proven
    signatures = next(r for r in rows if r["operation"] == "answer signatures")
    assert signatures["received"].startswith("rsa_sha256: answers verified")
    paging = next(r for r in rows if r["operation"] == "transactions paging")
    assert paging["received"].startswith("offset_total")


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
        "bind bound elsewhere": ("missing", True),  # its result codes have none for "bound to another user"
        "transactions paging": ("missing", False),
        "pay ok": ("missing", True),
        "pay duplicate id": ("wrong", True),
        "payment_status unknown": ("missing", True),
        "reverse": ("wrong", True),
        "refund": ("missing", False),
        "unbind": ("missing", False),
        "answer signatures": ("skipped", False),  # not configured
        "give back": ("wrong", False),  # the second charge of one payment id has no payment to give back
    }
    assert rows["pay ok"]["received"].startswith("missing: no status in the pay answer")
    assert rows["pay duplicate id"]["received"] == "charged 200 fen in all for two pays with one id"
    assert rows["give back"]["received"].startswith("spent 200 fen, gave back 100 fen")
    assert "ALREADY_BOUND" in rows["bind bound elsewhere"]["fix"]


def _config_copy(tmp_path, merchant: str, old: str, new: str):
    """The sandbox's config directory, with one line of one merchant's file changed."""
    target = tmp_path / "wallet_config"
    shutil.copytree(CONFIG_DIR, target)
    path = target / f"{merchant}.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return target


def test_paging_that_leaves_rows_unreachable_is_wrong_and_says_what_was_missed(check, tmp_path):
    # the next-page token read from a field the answer doesn't have: only the first page is ever seen
    config_dir = _config_copy(tmp_path, "maple-cinema", "next: nextPageToken", "next: pageToken")
    result = check("maple-cinema", "--json", config_dir=config_dir)
    assert result.exit_code == 1
    paging = next(r for r in json.loads(result.output) if r["operation"] == "transactions paging")
    assert paging["outcome"] == "wrong" and paging["required"]
    assert paging["received"].startswith("token (next at 'pageToken'): 1 page of 2, 2 rows")
    assert "h1 (1 fen) appears 0 times" in paging["received"]
    assert "next_cursor" in paging["fix"]


def test_a_payment_id_read_from_the_wrong_field_is_wrong_with_advice(check, tmp_path):
    # transaction_id is the system's own trade number, not ours: no answer can match the payment asked about
    config_dir = _config_copy(tmp_path, "aspen-fitness", "id: out_trade_no  #", "id: transaction_id  #")
    result = check("aspen-fitness", "--json", config_dir=config_dir)
    assert result.exit_code == 1
    rows = {r["operation"]: r for r in json.loads(result.output)}
    echo = rows["payment id echoed"]
    assert (echo["outcome"], echo["required"]) == ("wrong", True)
    assert "answer about another payment" in echo["received"] and "at transaction_id" in echo["received"]
    assert "echo the payment number Kabao sent (out_trade_no) at 'transaction_id'" in echo["fix"]
    assert rows["pay ok"]["outcome"] != "pass"  # never taken as paid


def test_the_configured_paging_mechanism_is_named(check):
    result = check("olive-fresh", "--json")
    paging = next(r for r in json.loads(result.output) if r["operation"] == "transactions paging")
    assert paging["outcome"] == "pass"
    assert paging["received"].startswith("page_total (total at 'total'):")
    assert "the 5 payments made appear once each, newest first" in paging["received"]


@pytest.mark.parametrize(
    ("merchant", "key_env", "cause"),
    [
        ("lime-market", "KABAO_MERCHANT_SANDBOX_API_KEY", "key: HTTP 401"),
        ("maple-cinema", "KABAO_MERCHANT_MAPLE_HMAC_KEY", "signature: HTTP 401"),
    ],
)
def test_every_call_refused_is_one_line_with_its_likely_cause(check, monkeypatch, merchant, key_env, cause):
    monkeypatch.setenv(key_env, "not-the-key-4711")
    _one_refused_line(check(merchant), cause)


def test_a_wrong_base_url_is_named_as_the_likely_cause(check, monkeypatch, card_system):
    monkeypatch.setenv("KABAO_MERCHANT_SANDBOX_URL", card_system.url + "/no-such-prefix")
    _one_refused_line(check("lime-market"), "URL: HTTP 404")


def _one_refused_line(result, cause):
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 3, result.output  # the heading, the one line, what the provider must change
    assert lines[1].startswith("every call") and f"refused   {cause}" in lines[1]
    assert "raw answer: " in lines[1] and "(none)" not in lines[1]
    assert "not-the-key-4711" not in result.output


def test_what_the_check_spent_is_given_back(check, card_system):
    result = check("lime-market")
    assert result.exit_code == 0, result.output
    gave = [line for line in result.output.splitlines() if line.startswith("give back kbchk-")]
    assert len(gave) == 6 and all(" pass " in line for line in gave)  # the refunded half, the 5 history payments
    summary = next(line for line in result.output.splitlines() if line.startswith("give back  "))
    assert "spent 215 fen, gave back 215 fen; balance 10000 fen, 10000 fen at the start" in summary


def test_a_draft_merchant_gets_test_cards_of_the_system_its_base_url_names(card_system):
    """A merchant the sandbox doesn't list yet is found by its base URL, by the sandbox itself (no dialect in bff/)."""
    from bff.connector.test_cards import from_sandbox

    cards = from_sandbox(card_system.url, "a-draft", base_url=f"{card_system.url}/legacy/olive")
    olive_numbers = {c["card_number"] for c in sandbox_cards(card_system, "olive")}
    assert {cards.number, cards.other_number} <= olive_numbers
    with pytest.raises(LookupError):
        from_sandbox(card_system.url, "a-draft", base_url=f"{card_system.url}/nowhere")
