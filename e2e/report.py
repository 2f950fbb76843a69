"""The HTML report's (pytest-html) title and its "Given back" column: what a QA attaches to a go-live ticket."""

from __future__ import annotations

import html
from typing import Any

import pytest

from e2e import modes
from e2e.giveback import PROPERTY


class HtmlReport:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config

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
