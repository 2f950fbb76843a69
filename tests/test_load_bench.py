"""bench/load.py stays runnable: a tiny run (5 shoppers, 5 s, the SQLite setup) pays and the money adds up."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "load.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("kabao_bench_load", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(
    importlib.util.find_spec("locust") is None, reason="locust is not installed (pip install -e .[bench])"
)
def test_a_tiny_load_run_pays_with_no_errors_and_the_money_adds_up(capsys):
    code = load_bench().main(["--users", "5", "--seconds", "5", "--only", "sqlite", "--workers", "1"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "6 pay" in out and "7 result" in out
    [money] = [line for line in out.splitlines() if line.startswith("money:")]
    assert money.endswith(": OK") and "charged twice 0" in money and " 0 paid orders" not in money
