"""What the browser showed when a test failed: a screenshot of each of its pages and a light trace.

pytest-playwright's `--screenshot only-on-failure --tracing retain-on-failure` record every test in full
(a screencast, DOM snapshots, every Python source, a screenshot of each page at close, and the same for
the session's sandbox API context) and throw it all away when the test passes: about a fifth of an e2e
test's CPU. The suite's default instead records DOM snapshots only (what the trace viewer shows for each
action, without the film strip) and takes the screenshots only when the test failed. `--screenshot` or
`--tracing` on the command line hands both back to pytest-playwright.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext
from playwright.sync_api import Error as PlaywrightError

LIGHT_ARTIFACTS = pytest.StashKey[bool]()


def light_artifacts(config: pytest.Config) -> bool:
    """True unless the command line chose pytest-playwright's own artifacts."""
    given = " ".join(config.invocation_params.args)
    return "--screenshot" not in given and "--tracing" not in given


def start(context: BrowserContext, title: str) -> None:
    context.tracing.start(title=title, snapshots=True, screenshots=False, sources=False)


def failed(item: pytest.Item) -> bool:
    """The test failed in its setup or call (pytest-playwright keeps each phase's report on the item)."""
    reports = [getattr(item, f"rep_{when}", None) for when in ("setup", "call")]
    return any(report is not None and report.failed for report in reports)


def finish(context: BrowserContext, item: pytest.Item, folder: Path) -> None:
    """Stop tracing; keep the trace and screenshots only if the test failed."""
    if not failed(item):
        context.tracing.stop()
        return
    folder.mkdir(parents=True, exist_ok=True)
    context.tracing.stop(path=folder / "trace.zip")
    for index, page in enumerate(context.pages, start=1):
        with contextlib.suppress(PlaywrightError):  # a crashed or closed page: the trace still tells
            page.screenshot(path=folder / f"test-failed-{index}.png", timeout=5000)
