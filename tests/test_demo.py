"""`kabao demo` keeps everything it writes under --data-dir."""

from __future__ import annotations

from kabao_testing import CONFIG_DIR

from e2e.stack import Demo


def test_the_demo_keeps_its_ledger_under_its_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("KABAO_LEDGER_PATH", raising=False)
    monkeypatch.delenv("KABAO_STORE_URL", raising=False)
    data_dir = tmp_path / "demo"
    demo = Demo(data_dir, CONFIG_DIR)
    try:
        assert (data_dir / "ledger.sqlite3").is_file(), demo.output()
        assert (data_dir / "bff.sqlite3").is_file() and (data_dir / "sandbox.sqlite3").is_file()
    finally:
        demo.stop()
