"""A sandbox process for the session, reset before each test that uses it; the app in-process too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from dialects_testing import BirchClient, GatewayXmlClient, MapleClient, OliveClient, OpenGatewayClient
from flask import Flask
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from sandbox_testing import BFF_URL, HOST_SECRET

from sandbox.app import create_app
from sandbox.runner import RunningSandbox, start_sandbox

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi" / "standard-card-api.yaml"

MERCHANT_FILES = {
    "lime-market.yaml": """
brand:
  name: {zh-CN: 青柠超市, en: Lime Market}
backend:
  adapter: standard
  base_url: "${KABAO_MERCHANT_SANDBOX_URL:-http://127.0.0.1:8000}/cs/lime/v1"
flows:
  bind: {method: password}
paycode: {enabled: true}
""",
    "harbor-books.yaml": """
brand:
  name: {zh-CN: 港湾书店, en: Harbor Books}
backend:
  base_url: "${KABAO_MERCHANT_SANDBOX_URL:-http://127.0.0.1:8000}/cs/harbor/v1"
flows:
  bind: {method: sms}
""",
    "peach-bakery.yaml": """
brand:
  name: {zh-CN: 蜜桃烘焙, en: Peach Bakery}
backend:
  base_url: "${KABAO_MERCHANT_SANDBOX_URL:-http://127.0.0.1:8000}/cs/peach/v1"
flows:
  bind: {method: number_only}
""",
    "broken.yaml": "brand: [this is not closed\n",
    "schema.json": '{"title": "not a merchant"}\n',
}


class CardApi:
    """Calls one sandbox's standard API and checks every answer against the OpenAPI file."""

    def __init__(self, sandbox: RunningSandbox, openapi: OpenAPI, session: requests.Session):
        self.sandbox = sandbox
        self.openapi = openapi
        self.session = session

    def call(
        self,
        system: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        api_key: str | None = "default",
        valid_request: bool = True,
    ) -> requests.Response:
        """Send a request; validate the response (and the request unless told it is invalid)."""
        headers = {}
        if api_key is not None:
            key = self.sandbox.api_key if api_key == "default" else api_key
            headers["Authorization"] = f"Bearer {key}"
        request = requests.Request(
            method,
            self.sandbox.system_url(system) + path,
            json=json,
            params=params,
            headers=headers,
        )
        prepared = self.session.prepare_request(request)
        response = self.session.send(prepared, timeout=30)
        wrapped = RequestsOpenAPIRequest(prepared)
        if valid_request:
            self.openapi.validate_request(wrapped)
        self.openapi.validate_response(wrapped, RequestsOpenAPIResponse(response))
        return response

    def pay(self, system: str, card_id: str, payment_id: str, amount: int, **fields: Any) -> requests.Response:
        """Pay with a card (u1001's unless user_id is given)."""
        body = {
            "payment_id": payment_id,
            "user_id": "u1001",
            "card_id": card_id,
            "order_id": f"order-{payment_id}",
            "amount": amount,
            "currency": "CNY",
            **fields,
        }
        return self.call(system, "POST", "/payments", json=body)

    def bind(self, system: str, user_id: str, card_number: str, **secret: str) -> requests.Response:
        """Bind a card with the given secret or sms_code (or none)."""
        body = {"user_id": user_id, "card_number": card_number, **secret}
        return self.call(system, "POST", "/bindings", json=body)

    def balance(self, system: str, card_id: str, user_id: str = "u1001") -> int:
        """A bound card's balance through the API."""
        response = self.call(system, "GET", f"/users/{user_id}/cards/{card_id}")
        assert response.status_code == 200, response.text
        return response.json()["card"]["balance"]

    def history(self, system: str, card_id: str, user_id: str = "u1001") -> list[dict[str, Any]]:
        """Every transaction of a bound card, newest first, following the cursors."""
        path = f"/users/{user_id}/cards/{card_id}/transactions"
        params: dict[str, Any] = {"limit": 50}
        found: list[dict[str, Any]] = []
        while True:
            page = self.call(system, "GET", path, params=params).json()
            found += page["transactions"]
            if page["next_cursor"] is None:
                return found
            params["cursor"] = page["next_cursor"]


class Admin:
    """The sandbox's admin API."""

    def __init__(self, sandbox: RunningSandbox, session: requests.Session):
        self.url = f"{sandbox.url}/_sandbox"
        self.session = session

    def get(self, path: str, **params: Any) -> requests.Response:
        """GET an admin path."""
        return self.session.get(self.url + path, params=params, timeout=30)

    def cards(self, system: str, **params: Any) -> list[dict[str, Any]]:
        """The cards of a system, with numbers and secrets."""
        response = self.get(f"/systems/{system}/cards", **params)
        response.raise_for_status()
        return response.json()

    def card(self, system: str, card_id: str) -> dict[str, Any]:
        """One card of a system by id."""
        return next(c for c in self.cards(system) if c["card_id"] == card_id)

    def payments(self, system: str) -> dict[str, list[dict[str, Any]]]:
        """A system's recorded payments and refunds."""
        response = self.get(f"/systems/{system}/payments")
        response.raise_for_status()
        return response.json()

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        """Add a fault; fail the test if the sandbox refuses it."""
        response = self.session.post(f"{self.url}/faults", json=fault, timeout=30)
        assert response.status_code == 201, response.text
        return response.json()

    def faults(self) -> list[dict[str, Any]]:
        """The active faults."""
        return self.get("/faults").json()

    def latest_sms_code(self, system: str, card_number: str) -> str:
        """The latest SMS code sent for a card."""
        response = self.get("/sms", system=system, card_number=card_number)
        response.raise_for_status()
        return response.json()["code"]


@pytest.fixture(scope="session")
def config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wallet config directory with three sandbox merchants and two files to ignore."""
    directory = tmp_path_factory.mktemp("wallet_config")
    for name, text in MERCHANT_FILES.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def sandbox(config_dir: Path) -> Iterator[RunningSandbox]:
    """One sandbox process for the session."""
    with start_sandbox(config_dir=config_dir, bff_url=BFF_URL) as running:
        yield running


@pytest.fixture
def sim_app(tmp_path: Path, config_dir: Path) -> Flask:
    """The sandbox app in this process (own database, BFF at BFF_URL), for the test client and responses."""
    app = create_app(tmp_path / "sandbox.sqlite3", config_dir, BFF_URL, "sim-test-api-key", HOST_SECRET)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def sim(sim_app: Flask) -> FlaskClient:
    """A test client of the in-process sandbox app."""
    return sim_app.test_client()


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    """The standard card API description."""
    return OpenAPI.from_file_path(str(SPEC_PATH))


@pytest.fixture
def http() -> Iterator[requests.Session]:
    """An HTTP session closed after the test."""
    with requests.Session() as session:
        yield session


@pytest.fixture(autouse=True)
def _fresh_sandbox(request: pytest.FixtureRequest) -> None:
    """Reset the sandbox's data before every test that talks to it."""
    if "sandbox" in request.fixturenames:
        sandbox: RunningSandbox = request.getfixturevalue("sandbox")
        requests.post(f"{sandbox.url}/_sandbox/reset", timeout=30).raise_for_status()


@pytest.fixture
def api(sandbox: RunningSandbox, openapi: OpenAPI, http: requests.Session) -> CardApi:
    """The standard API of the sandbox, validated against the spec."""
    return CardApi(sandbox, openapi, http)


@pytest.fixture
def admin(sandbox: RunningSandbox, http: requests.Session) -> Admin:
    """The sandbox's admin API."""
    return Admin(sandbox, http)


@pytest.fixture
def lime(admin: Admin) -> dict[str, Any]:
    """The lime system's seeded cards by role: main, small, frozen, expired, u1002, unbound."""
    return seeded_cards(admin, "lime")


def seeded_cards(admin: Admin, system: str) -> dict[str, Any]:
    """A system's seeded cards by role (the order of sandbox/seed.yaml)."""
    cards = admin.cards(system)
    u1001 = [c for c in cards if c["user_id"] == "u1001"]
    unbound = [c for c in cards if c["user_id"] is None]
    return {
        "main": u1001[0],
        "small": u1001[1],
        "frozen": u1001[2],
        "expired": u1001[3],
        "u1002": next(c for c in cards if c["user_id"] == "u1002"),
        "unbound": [c for c in unbound if c["status"] == "ACTIVE"],
        "unbound_frozen": next(c for c in unbound if c["status"] == "FROZEN"),
        "unbound_expired": next(c for c in unbound if c["status"] == "EXPIRED"),
    }


@pytest.fixture
def seeded(admin: Admin) -> Any:
    """A function from a system id to its seeded cards by role."""
    return lambda system: seeded_cards(admin, system)


@pytest.fixture
def olive_api(sandbox: RunningSandbox, http: requests.Session) -> OliveClient:
    """The olive dialect of the olive system, signed with the sandbox's key."""
    return OliveClient(sandbox, http)


@pytest.fixture
def cedar_api(sandbox: RunningSandbox, http: requests.Session) -> GatewayXmlClient:
    """The gateway_xml dialect of the cedar system, signed with the sandbox's key."""
    return GatewayXmlClient(sandbox, http)


@pytest.fixture
def willow_api(sandbox: RunningSandbox, http: requests.Session) -> OpenGatewayClient:
    """The open_gateway dialect of the willow system, signed with the merchant's key the sandbox knows."""
    return OpenGatewayClient(sandbox, http)


@pytest.fixture
def maple_api(sandbox: RunningSandbox, http: requests.Session) -> MapleClient:
    """The maple dialect of the maple system, signed with the sandbox's key."""
    return MapleClient(sandbox, http)


@pytest.fixture
def birch_api(sandbox: RunningSandbox, http: requests.Session) -> BirchClient:
    """The birch dialect of the birch system, with the sandbox's API key."""
    return BirchClient(sandbox, http)
