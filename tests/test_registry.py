"""A changed merchant file is served without a restart; a bad change keeps the last good one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from bff.merchants.registry import MerchantRegistry

REPO = Path(__file__).resolve().parent.parent


def copy_config(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(REPO / "wallet_config", target)
    return target


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    stat = path.stat()  # make the change visible even on coarse file-system clocks
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_changed_file_is_picked_up_without_restart(tmp_path):
    config = copy_config(tmp_path)
    registry = MerchantRegistry(config, interval=0)
    before = registry.get("lime-market")
    rewrite(config / "lime-market.yaml", 'primary: "#0b7a4b"', 'primary: "#0a5c8a"')
    after = registry.get("lime-market")
    assert after.config.brand.colours.primary == "#0a5c8a"
    assert after.version != before.version


def test_invalid_change_is_refused_and_last_good_version_keeps_serving(tmp_path, caplog):
    config = copy_config(tmp_path)
    registry = MerchantRegistry(config, interval=0)
    good = registry.get("lime-market")
    rewrite(config / "lime-market.yaml", 'primary: "#0b7a4b"', 'primary: "green"')
    assert registry.get("lime-market") == good
    assert [str(p) for p in registry.problems()] == [
        "lime-market.yaml: brand.colours.primary: 'green' is not a colour like '#1a7f5a'"
    ]
    assert "keeping the last good version" in caplog.text
    rewrite(config / "lime-market.yaml", 'primary: "green"', 'primary: "#0a5c8a"')
    assert registry.get("lime-market").config.brand.colours.primary == "#0a5c8a"
    assert registry.problems() == []


def test_added_and_removed_files_come_and_go(tmp_path):
    config = copy_config(tmp_path)
    registry = MerchantRegistry(config, interval=0)
    shutil.copy(config / "peach-bakery.yaml", config / "plum-bakery.yaml")
    assert registry.get("plum-bakery") is not None
    (config / "plum-bakery.yaml").unlink()
    assert registry.get("plum-bakery") is None


def test_a_new_invalid_file_is_not_served(tmp_path):
    config = copy_config(tmp_path)
    (config / "broken-shop.yaml").write_text("brand: [", encoding="utf-8")
    registry = MerchantRegistry(config, interval=0)
    assert registry.get("broken-shop") is None
    assert registry.problems()[0].file == "broken-shop.yaml"


def test_concurrent_first_readers_never_see_an_empty_registry(tmp_path):
    import threading

    registry = MerchantRegistry(copy_config(tmp_path), interval=60)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(registry.get("lime-market"))) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 16 and all(m is not None for m in seen)


def test_a_file_renamed_in_with_the_same_size_and_clock_tick_is_picked_up(tmp_path):
    """A publish renames a new file over the old one; a coarse clock may give both the same mtime."""
    config = copy_config(tmp_path)
    registry = MerchantRegistry(config, interval=0)
    live = config / "lime-market.yaml"
    assert registry.get("lime-market").config.brand.colours.primary == "#0b7a4b"
    old = live.stat()
    replacement = tmp_path / "replacement.yaml"
    replacement.write_text(live.read_text(encoding="utf-8").replace("#0b7a4b", "#0a5c8a"), encoding="utf-8")
    os.utime(replacement, ns=(old.st_atime_ns, old.st_mtime_ns))  # same size, same tick
    os.replace(replacement, live)
    assert registry.get("lime-market").config.brand.colours.primary == "#0a5c8a"
