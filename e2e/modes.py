"""The suite's two modes: `sandbox` (the demo stack and its admin API) and `deployed` (any deployment, a QA file).

Deployed mode runs only the tests marked `deployed`, which reach the world through e2e/backends.py; every
other test is skipped with the reason its `sandbox_only` marker gives (or the general one). Merchants are
the QA file's, narrowed by `--merchant`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from e2e.merchants import Merchant, all_merchants, config_dir, load
from e2e.qa_file import QaFile, QaFileError
from e2e.qa_file import load as load_qa_file

SANDBOX, DEPLOYED = "sandbox", "deployed"
QA_FILE_KEY = pytest.StashKey[QaFile]()
MERCHANTS_KEY = pytest.StashKey[list[Merchant]]()
SANDBOX_ONLY = (
    "sandbox mode only: arranges or reads the sandbox card system (seeded cards, SMS inbox, payment records,"
    " faults through /_sandbox/*) or the host-app simulator"
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("kabao", "Kabao e2e (docs/qa.md)")
    group.addoption(
        "--kabao-mode",
        choices=(SANDBOX, DEPLOYED),
        default=SANDBOX,
        help="sandbox: the demo stack (or --base-url) and its /_sandbox/* admin API [default];"
        " deployed: a deployment described by --qa-file, never calling /_sandbox/*",
    )
    group.addoption("--qa-file", help="deployed mode: the QA file (YAML or TOML; docs/qa-file.example.yaml)")
    group.addoption("--merchant", action="append", default=[], metavar="ID", help="only this merchant (repeatable)")
    group.addoption("--phone", help='a Playwright device name for the browser, e.g. "iPhone 13" [Pixel 7]')


def deployed(config: pytest.Config) -> bool:
    return config.getoption("--kabao-mode", default=SANDBOX) == DEPLOYED


def qa_file(config: pytest.Config) -> QaFile:
    return config.stash[QA_FILE_KEY]


def configure(config: pytest.Config) -> None:
    """Read the QA file (deployed mode) once, so that a bad one stops the run before any browser starts."""
    if not deployed(config):
        return
    path = config.getoption("--qa-file")
    if not path:
        raise pytest.UsageError("--kabao-mode=deployed needs --qa-file PATH (docs/qa-file.example.yaml)")
    try:
        config.stash[QA_FILE_KEY] = load_qa_file(Path(path))
    except QaFileError as exc:
        raise pytest.UsageError(str(exc)) from exc


def merchants(config: pytest.Config) -> list[Merchant]:
    """The merchants under test: the config dir's (deployed: the QA file's), narrowed by --merchant."""
    if MERCHANTS_KEY not in config.stash:
        config.stash[MERCHANTS_KEY] = _merchants(config)
    return config.stash[MERCHANTS_KEY]


def _merchants(config: pytest.Config) -> list[Merchant]:
    if deployed(config):
        qa = qa_file(config)
        folder = qa.config_dir or config_dir()
        missing = [m.id for m in qa.merchants if not (folder / f"{m.id}.yaml").is_file()]
        if missing:
            raise pytest.UsageError(f"{qa.path}: no merchant file for {missing} in {folder} (config_dir)")
        found = [load(folder / f"{m.id}.yaml") for m in qa.merchants]
    else:
        found = all_merchants()
        if not found:
            raise pytest.UsageError(f"no merchant files (*.yaml) in {config_dir()}")
    chosen = config.getoption("--merchant", default=[])
    unknown = sorted(set(chosen) - {m.id for m in found})
    if unknown:
        raise pytest.UsageError(f"--merchant {', '.join(unknown)}: not among {[m.id for m in found]}")
    return [m for m in found if not chosen or m.id in chosen]


def skip_unless_runnable(config: pytest.Config, item: pytest.Item) -> None:
    """In deployed mode, a test not marked `deployed` is skipped, saying why."""
    if not deployed(config) or item.get_closest_marker("deployed"):
        return
    marker = item.get_closest_marker("sandbox_only")
    reason = f"sandbox mode only: {marker.args[0]}" if marker and marker.args else SANDBOX_ONLY
    item.add_marker(pytest.mark.skip(reason=reason))
