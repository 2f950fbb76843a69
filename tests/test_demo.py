"""`kabao demo` keeps everything it writes under --data-dir."""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import requests
from kabao_testing import CONFIG_DIR, checkout_handle, wait_for

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


def test_the_demo_worker_settles_a_payment_nobody_watches_and_tells_the_host_app(tmp_path, monkeypatch):
    monkeypatch.delenv("KABAO_LEDGER_PATH", raising=False)
    monkeypatch.delenv("KABAO_STORE_URL", raising=False)
    demo = Demo(tmp_path / "demo", CONFIG_DIR)
    try:
        sim = demo.stack.simulator_url
        cards = requests.get(f"{sim}/_sandbox/systems/lime/cards", params={"user_id": "u1001"}, timeout=10).json()
        card = max(cards, key=lambda c: c["balance"])
        fault = {"system": "lime", "op": "pay", "mode": "processing", "delay_ms": 500, "count": 1}
        requests.post(f"{sim}/_sandbox/faults", json=fault, timeout=10).raise_for_status()
        order = {"user_id": "u1001", "merchant_id": "lime-market", "amount": 1000}
        opened = requests.post(f"{sim}/_sandbox/checkout-token", json=order, timeout=10).json()
        browser = requests.Session()
        checkout_url = browser.get(opened["url"], timeout=10).url
        page = browser.get(checkout_url, params={"js": "0"}, timeout=10)  # the complete render, balances in
        form = {
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),
            "attempt": re.search(r'name="attempt" value="(\d+)"', page.text).group(1),
            "card": checkout_handle(page.text, card["card_number"][-4:]),
        }
        paid = browser.post(f"{checkout_url}/pay", data=form, timeout=30)
        assert "正在确认支付结果" in paid.text, demo.output()
        # the shopper closes the page: nothing polls, nobody runs `kabao reconcile`
        order_page = f"{sim}/sim/orders/lime-market/{opened['order_id']}"
        assert wait_for(lambda: "已支付" in requests.get(order_page, timeout=10).text, 60), demo.output()
        notes = requests.get(f"{sim}/_sandbox/notifications", timeout=10).json()["notifications"]
        told = [(n["event"], n["body"]["order"]["status"]) for n in notes if n["order_id"] == opened["order_id"]]
        assert told == [("payment_settled", "PAID")]
        assert "is now PAID" in demo.output()
    finally:
        demo.stop()
    [pid] = re.findall(r"worker [^:\s]+:(\d+):\w+: a pass every", demo.output())
    assert wait_for(lambda: not alive(int(pid))), "the demo's worker outlived the demo"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_demo_serves_a_working_copy_and_commands_beside_it_use_its_environment(tmp_path, monkeypatch):
    """Ops publishing in the demo never rewrites the repository's files; `kabao reconcile` beside it just works."""
    source = tmp_path / "repo_config"
    shutil.copytree(CONFIG_DIR, source)
    before = {path.name: path.read_bytes() for path in source.iterdir() if path.is_file()}
    data_dir = tmp_path / "demo"
    demo = Demo(data_dir, source)
    try:
        env_file = data_dir / "demo.env"
        assert (
            f"environment for commands beside the demo (connector check, reconcile, curl): {env_file}" in demo.output()
        )
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600  # it holds the demo's secrets
        served = requests.get(f"{demo.stack.wallet_url}/readyz", timeout=10)
        assert served.status_code == 200
        assert (data_dir / "wallet_config" / "lime-market.yaml").is_file()

        beside = {k: v for k, v in os.environ.items() if not k.startswith("KABAO_")}
        kabao = str(Path(sys.executable).with_name("kabao"))
        for command, said in (
            (["reconcile"], "reconcile: nothing pending"),
            (["connector", "check", "lime-market"], ""),
        ):
            ran = subprocess.run(  # noqa: S603 - our own console script
                [kabao, *command],
                env={**beside, "KABAO_DEMO_ENV": str(env_file)},
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert ran.returncode == 0, ran.stdout + ran.stderr
            assert f"using its environment from {env_file}" in ran.stderr
            assert said in ran.stdout
    finally:
        demo.stop()
    assert not (data_dir / "demo.env").exists()  # a stopped demo leaves no environment to be picked up
    assert {path.name: path.read_bytes() for path in source.iterdir() if path.is_file()} == before
    assert not (source / ".drafts").exists() and not (source / ".history").exists()


def test_a_merchant_added_to_the_repository_later_comes_into_the_working_copy_with_its_logo(tmp_path):
    from bff.demo.workspace import working_config

    source, data = tmp_path / "wallet_config", tmp_path / "data"
    (source / "assets").mkdir(parents=True)
    (source / "old.yaml").write_text("old: 1\n", encoding="utf-8")
    copy, _notes = working_config(source, data)
    (copy / "old.yaml").write_text("old: edited in the demo\n", encoding="utf-8")
    (source / "new.yaml").write_text("brand: {logo: assets/new.png}\n", encoding="utf-8")
    (source / "assets" / "new.png").write_bytes(b"\x89PNG logo")

    _copy, notes = working_config(source, data)
    assert (copy / "assets" / "new.png").read_bytes() == b"\x89PNG logo"
    assert (copy / "new.yaml").is_file() and any("added new.yaml" in note for note in notes)
    assert (copy / "old.yaml").read_text(encoding="utf-8") == "old: edited in the demo\n"  # ops' edits are kept
