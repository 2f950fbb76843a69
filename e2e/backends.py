"""Where the flows get what the host app and the card system would give them: the port of the two modes.

`SandboxBackend` (--kabao-mode=sandbox) reads the sandbox's seed through its admin API and mints tokens
through the simulator; `DeployedBackend` (--kabao-mode=deployed) reads the QA file, signs tokens with the
host secret (or follows the host app's test launcher) and never calls /_sandbox/*.
"""

from __future__ import annotations

import json
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from e2e import host_contract
from e2e.host_contract import HostApi
from e2e.qa_file import QaFile, QaMerchant, TestCard
from e2e.sandbox_admin import NEW_SHOPPER, SHOPPER, SandboxAdmin

SmsReader = Callable[[str], str]


class Unavailable(Exception):
    """What a flow needs is not there in this mode or deployment; the message says why (a skip reason)."""


class Backend(ABC):
    """What a flow asks of the world outside the wallet."""

    mode: str

    @abstractmethod
    def launch_url(self, merchant_id: str, shopper: str, locale: str) -> str: ...

    @abstractmethod
    def checkout_url(self, merchant_id: str, shopper: str, amount: int, order_id: str, locale: str) -> str: ...

    @abstractmethod
    def shopper(self, merchant_id: str) -> str:
        """The test shopper who holds the merchant's bound test cards."""

    @abstractmethod
    def new_shopper(self, merchant_id: str) -> str:
        """A shopper with no cards at this merchant."""

    @abstractmethod
    def bound_cards(self, merchant_id: str) -> list[TestCard]: ...

    @abstractmethod
    def bindable_card(self, merchant_id: str) -> TestCard:
        """An active card no one holds: a test may bind it (and unbinds it again)."""

    @abstractmethod
    def sms_reader(self, merchant_id: str) -> SmsReader:
        """Reads the last code texted for a card number; Unavailable if this deployment can't."""

    @abstractmethod
    def host_api(self) -> HostApi:
        """The signed host API (order status, refunds); Unavailable without the host secret."""

    def recorded_balance(self, merchant_id: str, card: TestCard) -> int | None:
        """The card system's own record of the balance, where the suite may read it (the sandbox); else None."""
        return None

    def payable_card(self, merchant_id: str) -> TestCard:
        payable = sorted((c for c in self.bound_cards(merchant_id) if c.pay_up_to > 0), key=lambda c: -c.pay_up_to)
        if not payable:
            raise Unavailable(f"{merchant_id}: no bound test card may pay (pay_up_to)")
        return payable[0]


class SandboxBackend(Backend):
    """The sandbox's seeded shoppers and cards; tokens through the simulator (/_sandbox/launch-token)."""

    mode = "sandbox"

    def __init__(self, sandbox: SandboxAdmin, wallet_url: str, host_secret: str | None, systems: dict[str, str]):
        self.sandbox = sandbox
        self.wallet_url = wallet_url
        self.host_secret = host_secret
        self.systems = systems  # merchant id -> its sandbox card system

    def _system(self, merchant_id: str) -> str:
        if merchant_id not in self.systems:
            raise Unavailable(f"{merchant_id}: backend.base_url is not a sandbox card system (/cs/<id>/)")
        return self.systems[merchant_id]

    def launch_url(self, merchant_id: str, shopper: str, locale: str) -> str:
        return self.sandbox.launch_url(shopper, merchant_id, locale)

    def checkout_url(self, merchant_id: str, shopper: str, amount: int, order_id: str, locale: str) -> str:
        return str(self.sandbox.checkout_token(shopper, merchant_id, amount, order_id, locale)["url"])

    def shopper(self, merchant_id: str) -> str:
        return SHOPPER

    def new_shopper(self, merchant_id: str) -> str:
        return NEW_SHOPPER

    def bound_cards(self, merchant_id: str) -> list[TestCard]:
        cards = self.sandbox.cards(self._system(merchant_id), user_id=SHOPPER)
        return [_seeded(c, bound=True) for c in cards]

    def bindable_card(self, merchant_id: str) -> TestCard:
        free = [c for c in self.sandbox.cards(self._system(merchant_id), bound=False) if c["status"] == "ACTIVE"]
        return _seeded(free[0], bound=False)

    def sms_reader(self, merchant_id: str) -> SmsReader:
        system = self._system(merchant_id)
        return lambda number: self.sandbox.sms_code(system, number)

    def recorded_balance(self, merchant_id: str, card: TestCard) -> int | None:
        return int(self.sandbox.card(self._system(merchant_id), card.number)["balance"])

    def host_api(self) -> HostApi:
        if not self.host_secret:
            raise Unavailable("the host secret of this stack is unknown: set KABAO_E2E_HOST_SECRET")
        return HostApi(self.wallet_url, self.host_secret)


def _seeded(card: dict[str, Any], bound: bool) -> TestCard:
    """A seeded card as a test card: its secret is its pay PIN too; an active one may pay its balance."""
    return TestCard(
        number=card["card_number"],
        secret=card["secret"],
        pin=card["secret"],
        card_type=card.get("card_type"),
        bound=bound,
        pay_up_to=card["balance"] if card["status"] == "ACTIVE" else 0,
        lock_after=None,
    )


class DeployedBackend(Backend):
    """A deployment described by a QA file; nothing here knows of a sandbox."""

    mode = "deployed"

    def __init__(self, qa: QaFile) -> None:
        self.qa = qa

    def _merchant(self, merchant_id: str) -> QaMerchant:
        return self.qa.merchant(merchant_id)

    def launch_url(self, merchant_id: str, shopper: str, locale: str) -> str:
        host = self.qa.host
        if host.wallet_launcher:
            return host.wallet_launcher.format(shopper=quote(shopper), merchant=quote(merchant_id), locale=locale)
        return host_contract.launch_url(self.qa.base_url, self._secret(), shopper, merchant_id, locale)

    def checkout_url(self, merchant_id: str, shopper: str, amount: int, order_id: str, locale: str) -> str:
        host = self.qa.host
        if host.checkout_launcher:
            return host.checkout_launcher.format(
                shopper=quote(shopper), merchant=quote(merchant_id), locale=locale, amount=amount, order_id=order_id
            )
        if not host.return_url:
            raise Unavailable("the QA file's host has no return_url (an allow-listed one) for checkout tokens")
        return host_contract.checkout_url(
            self.qa.base_url,
            self._secret(),
            shopper=shopper,
            merchant_id=merchant_id,
            locale=locale,
            order_id=order_id,
            amount=amount,
            back=host.return_url,
        )

    def _secret(self) -> str:
        secret = self.qa.host.secret()
        if secret is None:
            raise Unavailable(f"the host secret: environment variable {self.qa.host.secret_env!r} is not set")
        return secret

    def shopper(self, merchant_id: str) -> str:
        return self._merchant(merchant_id).shopper

    def new_shopper(self, merchant_id: str) -> str:
        shopper = self._merchant(merchant_id).new_shopper
        if shopper is None:
            raise Unavailable(f"{merchant_id}: the QA file names no shopper without cards (shoppers.new)")
        return shopper

    def bound_cards(self, merchant_id: str) -> list[TestCard]:
        return self._merchant(merchant_id).bound_cards()

    def bindable_card(self, merchant_id: str) -> TestCard:
        free = self._merchant(merchant_id).bindable_cards()
        if not free:
            raise Unavailable(f"{merchant_id}: the QA file has no unbound test card (bound: false) to bind")
        return free[0]

    def sms_reader(self, merchant_id: str) -> SmsReader:
        template = self._merchant(merchant_id).sms_code_url
        if template is None:
            raise Unavailable(f"{merchant_id}: SMS codes are read by asking a person (sms: ask)")
        return lambda number: read_code(template.format(card_number=quote(number), merchant=quote(merchant_id)))

    def host_api(self) -> HostApi:
        return HostApi(self.qa.base_url, self._secret())


def read_code(url: str) -> str:
    """The code a test SMS gateway answers: plain text, or JSON with a `code`."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - the QA file's own test endpoint
        body = response.read().decode("utf-8").strip()
    if body.startswith("{"):
        return str(json.loads(body)["code"])
    return body
