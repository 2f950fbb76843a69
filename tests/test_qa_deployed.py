"""QA's deployed mode, proven: the e2e flows against a stack whose sandbox admin API is off, from a QA file alone.

The stack is `kabao demo` with KABAO_SANDBOX_ADMIN=off (every /_sandbox/* path but /health answers 403 and
is said in the log); the test cards come from the sandbox's database file, as a merchant's test system would
hand them to QA. One merchant, a handful of flows, run as QA run them: `python -m e2e.qa` in a subprocess.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import yaml
from dotenv import dotenv_values
from kabao_testing import wait_for

from e2e.stack import Demo

REPO = Path(__file__).resolve().parent.parent
MERCHANT, SYSTEM, SHOPPER = "lime-market", "lime", "u1001"
# the 4 deployed flows; test_bind and test_wallet are there to skip, saying why
FLOWS = ["e2e/test_qa_flows.py", "e2e/test_bind.py", "e2e/test_wallet.py", "--tb=short"]
SANDBOX_CALL = re.compile(r"/_sandbox/")
OUTCOMES = ("failure", "error", "skipped")


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Demo]:
    monkeypatch.setenv("KABAO_SANDBOX_ADMIN", "off")
    demo = Demo(tmp_path / "demo", REPO / "wallet_config")
    yield demo
    demo.stop()


def cards(db: Path) -> list[dict]:
    """The card system's cards as its owner sees them: number, secret, status, balance, holder."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        conn.row_factory = sqlite3.Row
        rows = conn.execute("SELECT * FROM cards WHERE system = ? ORDER BY card_number", (SYSTEM,)).fetchall()
    return [dict(row) for row in rows]


def sandbox_url(demo: Demo) -> str:
    return dotenv_values(demo.data_dir / "demo.env")["KABAO_MERCHANT_SANDBOX_URL"]


def qa_file(demo: Demo, folder: Path) -> Path:
    """What QA would write for this stack: its wallet URL, the host secret's variable, the test cards."""
    seeded = cards(demo.data_dir / "sandbox.sqlite3")
    held = [c for c in seeded if c["user_id"] == SHOPPER and c["status"] == "ACTIVE"]
    free = [c for c in seeded if c["user_id"] is None and c["status"] == "ACTIVE"]
    rich = max(held, key=lambda c: c["balance"])
    test_cards = [
        {"number": c["card_number"], "secret": c["secret"], "pin": c["secret"], "type": c["card_type"], "bound": True}
        | ({"pay_up_to": 1000} if c is rich else {})
        for c in held
    ] + [{"number": free[0]["card_number"], "secret": free[0]["secret"], "bound": False, "lock_after": 5}]
    data = {
        "base_url": demo.stack.wallet_url,
        "host": {"secret_env": "KABAO_QA_HOST_SECRET", "return_url": f"{sandbox_url(demo)}/sim/return"},
        "merchants": [{"id": MERCHANT, "shoppers": {"with_cards": SHOPPER}, "cards": test_cards, "sms": "ask"}],
    }
    path = folder / "staging.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_deployed_flows_pass_give_back_what_they_spent_and_never_reach_the_sandbox_admin_api(
    demo: Demo, tmp_path: Path
) -> None:
    qa = qa_file(demo, tmp_path)
    before = cards(demo.data_dir / "sandbox.sqlite3")
    secret = dotenv_values(demo.data_dir / "demo.env")["KABAO_HOST_SECRET"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "KABAO_HOST"))}
    refused = requests.post(f"{sandbox_url(demo)}/_sandbox/reset", timeout=10)
    assert refused.status_code == 403  # the admin API is off, and a call to it is seen in the log:
    assert wait_for(lambda: any("refused POST /_sandbox/reset" in line for line in demo.lines))
    log_start = len(demo.lines)

    run = subprocess.run(
        [sys.executable, "-m", "e2e.qa", f"--qa-file={qa}", f"--report-dir={tmp_path / 'reports'}", "--", *FLOWS],
        cwd=REPO,
        env={**env, "KABAO_QA_HOST_SECRET": secret},
        capture_output=True,
        text=True,
        timeout=240,
    )

    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    sandbox_calls = [line for line in demo.lines[log_start:] if SANDBOX_CALL.search(line)]
    assert sandbox_calls == [], "\n".join(sandbox_calls)
    suite = ET.parse(tmp_path / "reports" / MERCHANT / "junit.xml").getroot().find("testsuite")
    cases = suite.findall("testcase")
    outcome = {c.get("name"): next((x.tag for x in c if x.tag in OUTCOMES), "passed") for c in cases}
    passed = [name for name, tag in outcome.items() if tag == "passed"]
    skipped = {c.get("name"): c.find("skipped").get("message") for c in cases if c.find("skipped") is not None}
    assert len(passed) == 4, output
    assert len(outcome) == len(passed) + len(skipped), output
    assert skipped and all(reason.startswith("sandbox mode only") for reason in skipped.values()), skipped
    given = {c.get("name").split("[")[0]: p.get("value") for c in cases for p in c.iter("property")}
    assert "refunded ¥1.00 (SUCCEEDED)" in given["test_pay_then_refund_gives_the_money_back"], given
    assert "unbound by the test" in given["test_bind_a_test_card_then_unbind_it"], given
    after = cards(demo.data_dir / "sandbox.sqlite3")
    assert [(c["card_number"], c["balance"], c["user_id"]) for c in after] == [
        (c["card_number"], c["balance"], c["user_id"]) for c in before
    ], "the run did not give back what it spent"
    report = (tmp_path / "reports" / MERCHANT / "report.html").read_text(encoding="utf-8")
    assert "Given back" in report and "data:image/png;base64" in report
    assert "sandbox mode only" in report and "Skipped: sandbox mode only" not in report  # reasons in words
    print(f"deployed run: {len(passed)} passed, {len(skipped)} skipped, /_sandbox/* calls {len(sandbox_calls)}")
