"""The stack, the browser (a phone in zh-CN), a fresh sandbox per test, and one run per merchant.

Point the suite at a running stack with `--base-url http://host:port` (the host-app simulator);
without it, `kabao demo` is started on free ports for the session. Artifacts on failure
(screenshots, a light trace: e2e/artifacts.py) go to --output (test-results/) unless the command
line names --screenshot or --tracing (then pytest-playwright's own, full ones).

`--kabao-mode=deployed --qa-file PATH` runs against a deployment instead (docs/qa.md): only the tests
marked `deployed` run, through e2e/backends.py; the others are skipped saying why; nothing calls /_sandbox/*.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from e2e import artifacts, modes, report
from e2e.backends import Backend, DeployedBackend, SandboxBackend, Unavailable
from e2e.giveback import GiveBack
from e2e.merchants import Merchant, config_dir
from e2e.pages import HostApp
from e2e.qa_file import TestCard
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


def pytest_addoption(parser: pytest.Parser) -> None:
    modes.add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    """Keep screenshots and a light trace of each failure, unless the command line chose otherwise."""
    config.stash[artifacts.LIGHT_ARTIFACTS] = artifacts.light_artifacts(config)
    if config.stash[artifacts.LIGHT_ARTIFACTS]:
        config.option.screenshot = config.option.tracing = "off"
    modes.configure(config)
    config.pluginmanager.register(report.HtmlReport(config), "kabao-html-report")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(pytest.mark.e2e)
            modes.skip_unless_runnable(config, item)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that takes `merchant` runs once per merchant file of the config dir.

    Marked `paycode`: only the merchants with the pay code on. Marked `any_merchant`: what it checks doesn't
    depend on the merchant (the same code path serves them all), so it runs for the first one only.
    `--merchant ID` (repeatable) narrows them; in deployed mode they are the QA file's.
    Marked `merchant_traits("bind_method", ...)`: the page differs by those traits alone (each merchant's dialect is
    checked without a browser in tests/), so it runs for one merchant of each kind (not in deployed mode).
    """
    if "merchant" in metafunc.fixturenames:
        merchants = modes.merchants(metafunc.config)
        if metafunc.definition.get_closest_marker("paycode"):
            merchants = [m for m in merchants if m.paycode is not None]
        if metafunc.definition.get_closest_marker("any_merchant") and not modes.deployed(metafunc.config):
            merchants = merchants[:1]  # deployed: QA chose the merchants, each gets every flow
        traits = metafunc.definition.get_closest_marker("merchant_traits")
        if traits and not modes.deployed(metafunc.config):
            merchants = one_per_kind(merchants, traits.args)
        metafunc.parametrize("merchant", merchants, ids=[m.id for m in merchants])


def one_per_kind(merchants: list[Merchant], traits: tuple[str, ...]) -> list[Merchant]:
    """The first merchant of each distinct combination of these traits: Merchant attributes (dotted for an
    attribute's own, e.g. "checkout.pin"), or "section:<type>" for whether its wallet page has that section."""

    def trait(merchant: Merchant, name: str) -> object:
        kind, _, section = name.partition(":")
        if kind == "section":
            return merchant.has_section(section)
        value: object = merchant
        for part in name.split("."):  # "checkout.allow_remainder": an attribute of an attribute (None: absent)
            value = getattr(value, part, None)
        return value

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
    if modes.deployed(pytestconfig):
        yield Stack(simulator_url="", wallet_url=modes.qa_file(pytestconfig).base_url)
        return
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
    """A phone in Chinese (--phone names another; a --device wins), on the simulator (deployed: the wallet)."""
    name = pytestconfig.getoption("--phone") or PHONE
    if name not in playwright.devices:
        raise pytest.UsageError(f"--phone {name!r}: not one of Playwright's device names")
    phone = {} if pytestconfig.getoption("--device") else playwright.devices[name]
    phone = {k: v for k, v in phone.items() if k != "default_browser_type"}  # always Chromium
    return {**browser_context_args, **phone, "locale": "zh-CN", "base_url": stack.simulator_url or stack.wallet_url}


@pytest.fixture(scope="session")
def sandbox(playwright: Playwright, stack: Stack) -> Iterator[SandboxAdmin]:
    request = playwright.request.new_context(base_url=stack.simulator_url)
    yield SandboxAdmin(request)
    request.dispose()


@pytest.fixture(autouse=True)
def fresh_sandbox(request: pytest.FixtureRequest) -> None:
    """Every test starts from the seed: no extra bindings, SMS codes or faults (deployed: nothing to reset)."""
    if modes.deployed(request.config):
        return
    demo = request.config.stash.get(DEMO_KEY, None)
    request.node.stash[LOG_START_KEY] = len(demo.lines) if demo else 0
    request.getfixturevalue("sandbox").reset()


@pytest.fixture
def backend(request: pytest.FixtureRequest, stack: Stack) -> Backend:
    """The port the `deployed` flows use: the sandbox's seed, or the QA file's deployment."""
    if modes.deployed(request.config):
        return DeployedBackend(modes.qa_file(request.config))
    systems = {m.id: m.system for m in modes.merchants(request.config) if m.system}
    return SandboxBackend(request.getfixturevalue("sandbox"), stack.wallet_url, stack.host_secret, systems)


@pytest.fixture
def need(backend: Backend) -> Any:
    """need(lambda: backend.x(...)): its value, or a skip saying what this deployment lacks."""

    def _need(ask: Any) -> Any:
        try:
            return ask()
        except Unavailable as missing:
            pytest.skip(str(missing))

    return _need


@pytest.fixture
def given_back(
    request: pytest.FixtureRequest, backend: Backend, merchant: Merchant, host_app: HostApp
) -> Iterator[GiveBack]:
    """Refunds what the test paid and unbinds what it bound, even if it failed half-way; says so in the report."""
    from e2e.flows import unbind_in_wallet

    def unbind(card: TestCard) -> None:
        unbind_in_wallet(host_app, backend, merchant, card)

    spent = GiveBack(backend, merchant.id, unbind, request.node.user_properties)
    yield spent
    spent.now()


@pytest.fixture
def key_page(request: pytest.FixtureRequest, page: Page) -> Any:
    """key_page(name): a screenshot of this page in the HTML report (only when one is written: --html)."""

    def shoot(name: str) -> None:
        if not request.config.getoption("htmlpath", default=None):
            return
        import pytest_html

        png = base64.b64encode(page.screenshot()).decode()  # what the phone's screen shows
        request.getfixturevalue("extras").append(pytest_html.extras.png(png, name))

    return shoot


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
        request.node.stash[report.ARTIFACTS_KEY] = Path(output_path)


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
    result = outcome.get_result()
    demo = item.config.stash.get(DEMO_KEY, None)
    if result.failed and demo is not None and LOG_START_KEY in item.stash:
        result.sections.append(("kabao demo log during this test", demo.output(item.stash[LOG_START_KEY], last=200)))
    if call.when == "teardown":
        report.attach_failure_screens(item, result)
