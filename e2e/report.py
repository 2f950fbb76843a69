"""The HTML report's (pytest-html) title and its "Given back" column: what a QA attaches to a go-live ticket."""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import pytest

from e2e import modes
from e2e.giveback import PROPERTY

ARTIFACTS_KEY = pytest.StashKey[Path]()


def attach_failure_screens(item: pytest.Item, report: pytest.TestReport) -> None:
    """A failed test's screenshots (e2e/artifacts.py wrote them) shown in its HTML report row, when one is written."""
    folder = item.stash.get(ARTIFACTS_KEY, None)
    if folder is None or not item.config.getoption("htmlpath", default=None):
        return
    import pytest_html

    for shot in sorted(folder.glob("test-failed-*.png")):
        png = base64.b64encode(shot.read_bytes()).decode()
        report.extras = [*getattr(report, "extras", []), pytest_html.extras.png(png, f"failed: {shot.stem}")]


class HtmlReport:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """The report's Environment table says what was tested, where, on which phone."""
        try:
            from pytest_metadata.plugin import metadata_key
        except ImportError:  # pytest-html not installed: no report to write
            return
        config = self.config
        if metadata_key not in config.stash:  # -p no:metadata
            return
        about = config.stash[metadata_key]
        about["Kabao mode"] = config.getoption("--kabao-mode", default="sandbox")
        if modes.deployed(config):
            about["Deployment"] = modes.qa_file(config).base_url
            about["QA file"] = modes.qa_file(config).path.name
        about["Merchants"] = ", ".join(m.id for m in modes.merchants(config))
        about["Phone"] = config.getoption("--phone", default=None) or "Pixel 7"
        for noise in ("Packages", "Plugins"):
            about.pop(noise, None)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        if modes.deployed(self.config):
            chosen = ", ".join(m.id for m in modes.merchants(self.config))
            report.title = f"Kabao QA: {chosen} at {modes.qa_file(self.config).base_url}"
        else:
            report.title = "Kabao e2e (sandbox mode)"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(2, "<th>Given back</th>")

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        said = [str(value) for name, value in report.user_properties if name == PROPERTY]
        cells.insert(2, f"<td>{html.escape('; '.join(said)) or '-'}</td>")

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        """A skipped test says why in words, not as pytest's (file, line, reason) tuple."""
        if report.skipped and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
            data[:] = [html.escape(reason) + "\n"]  # the text of the row's log box
