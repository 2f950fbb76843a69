"""The stack, the browser (a phone in zh-CN), a fresh sandbox per test, and one run per merchant.

Point the suite at a running stack with `--base-url http://host:port` (the host-app simulator);
without it, `kabao demo` is started on free ports for the session. Artifacts on failure
(screenshots, a light trace: e2e/artifacts.py) go to --output (test-results/) unless the command
line names --screenshot or --tracing (then pytest-playwright's own, full ones).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from e2e import artifacts
from e2e.merchants import Merchant, all_merchants, config_dir
from e2e.pages import HostApp
from e2e.sandbox_admin import SandboxAdmin
from e2e.stack import Demo, Stack, running_stack

E2E_DIR = Path(__file__).resolve().parent
SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = "Pixel 7"
ACTION_TIMEOUT_MS = 10_000  # a click that can't happen in 10 s on loopback won't happen
DEMO_KEY = pytest.StashKey[Demo]()
LOG_START_KEY = pytest.StashKey[int]()


def pytest_configure(config: pytest.Config) -> None:
    """Keep screenshots and a light trace of each failure, unless the command line chose otherwise."""
    config.stash[artifacts.LIGHT_ARTIFACTS] = artifacts.light_artifacts(config)
    if config.stash[artifacts.LIGHT_ARTIFACTS]:
        config.option.screenshot = config.option.tracing = "off"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that takes `merchant` runs once per merchant file of the config dir.

    Marked `paycode`: only the merchants with the pay code on. Marked `any_merchant`: what it checks doesn't
    depend on the merchant (the same code path serves them all), so it runs for the first one only.
    Marked `merchant_traits("bind_method", ...)`: the page differs by those traits alone (each merchant's dialect is
    checked without a browser in tests/), so it runs for one merchant of each kind.
    """
    if "merchant" in metafunc.fixturenames:
        merchants = all_merchants()
        if not merchants:
            raise pytest.UsageError(f"no merchant files (*.yaml) in {config_dir()}")
        if metafunc.definition.get_closest_marker("paycode"):
            merchants = [m for m in merchants if m.paycode is not None]
        if metafunc.definition.get_closest_marker("any_merchant"):
            merchants = merchants[:1]
        if traits := metafunc.definition.get_closest_marker("merchant_traits"):
            merchants = one_per_kind(merchants, traits.args)
        metafunc.parametrize("merchant", merchants, ids=[m.id for m in merchants])


def one_per_kind(merchants: list[Merchant], traits: tuple[str, ...]) -> list[Merchant]:
    """The first merchant of each distinct combination of these traits: Merchant attributes, or
    "section:<type>" for whether its wallet page has that section."""

    def trait(merchant: Merchant, name: str) -> object:
        kind, _, section = name.partition(":")
        return merchant.has_section(section) if kind == "section" else getattr(merchant, name)

    kinds = {tuple(trait(m, name) for name in traits): m for m in reversed(merchants)}
    return [m for m in merchants if m in kinds.values()]


@pytest.fixture(scope="session")
def base_url(pytestconfig: pytest.Config) -> str | None:
    """--base-url (or the base_url ini value): the simulator of a running stack, if any.

    Defined here because pytest-playwright's fallback fixture is an instance method, which
    pytest 9 deprecates with a warning (an error under filterwarnings = error).
    """
    return pytestconfig.getoption("--base-url", default=None) or pytestconfig.getini("base_url") or None


@pytest.fixture(scope="session")
def stack(
    base_url: str | None, pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    if base_url:
        yield running_stack(base_url)
        return
    demo = Demo(tmp_path_factory.mktemp("kabao-demo"), config_dir())
    pytestconfig.stash[DEMO_KEY] = demo
    try:
        yield demo.stack
    finally:
        demo.stop()
        del pytestconfig.stash[DEMO_KEY]


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], playwright: Playwright, browser_name: str, pytestconfig: pytest.Config
) -> dict[str, Any]:
    args = {**browser_type_launch_args, "args": CHROMIUM_ARGS}
    if browser_name == "chromium" and not pytestconfig.getoption("--browser-channel"):
        args["executable_path"] = chromium_executable(playwright)
    return args


def chromium_executable(playwright: Playwright) -> str:
    """KABAO_CHROMIUM, else Playwright's own Chromium if it was downloaded, else the OS package."""
    if os.environ.get("KABAO_CHROMIUM"):
        return os.environ["KABAO_CHROMIUM"]
    try:
        own = playwright.chromium.executable_path
    except PlaywrightError:
        own = ""
    return own if own and Path(own).is_file() else SYSTEM_CHROMIUM


@pytest.fixture(scope="session")
def browser_context_args(
    browser_context_args: dict[str, Any], playwright: Playwright, stack: Stack, pytestconfig: pytest.Config
) -> dict[str, Any]:
    """A phone in Chinese, on the simulator (a --device on the command line wins)."""
    phone = {} if pytestconfig.getoption("--device") else playwright.devices[PHONE]
    phone = {k: v for k, v in phone.items() if k != "default_browser_type"}
    return {**browser_context_args, **phone, "locale": "zh-CN", "base_url": stack.simulator_url}


@pytest.fixture(scope="session")
def sandbox(playwright: Playwright, stack: Stack) -> Iterator[SandboxAdmin]:
    request = playwright.request.new_context(base_url=stack.simulator_url)
    yield SandboxAdmin(request)
    request.dispose()


@pytest.fixture(autouse=True)
def fresh_sandbox(sandbox: SandboxAdmin, request: pytest.FixtureRequest) -> None:
    """Every test starts from the seed: no extra bindings, SMS codes or faults."""
    demo = request.config.stash.get(DEMO_KEY, None)
    request.node.stash[LOG_START_KEY] = len(demo.lines) if demo else 0
    sandbox.reset()


@pytest.fixture
def context(new_context: Any, request: pytest.FixtureRequest, output_path: str) -> Iterator[BrowserContext]:
    """pytest-playwright's context, recording the light artifacts of e2e/artifacts.py unless told otherwise."""
    context = new_context()
    light = request.config.stash[artifacts.LIGHT_ARTIFACTS]
    if light:
        artifacts.start(context, request.node.nodeid)
    yield context
    if light:
        artifacts.finish(context, request.node, Path(output_path))


@pytest.fixture
def host_app(page: Page) -> HostApp:
    page.set_default_timeout(ACTION_TIMEOUT_MS)
    return HostApp(page)


@pytest.fixture
def system(merchant: Merchant) -> str:
    """The merchant's sandbox card system; tests that arrange cards need one."""
    if merchant.system is None:
        pytest.skip(f"{merchant.id}: backend.base_url is not a sandbox card system (/cs/<id>/)")
    return merchant.system


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test's report ends with what the demo's servers logged during that test."""
    outcome = yield
    report = outcome.get_result()
    demo = item.config.stash.get(DEMO_KEY, None)
    if report.failed and demo is not None and LOG_START_KEY in item.stash:
        report.sections.append(("kabao demo log during this test", demo.output(item.stash[LOG_START_KEY], last=200)))
