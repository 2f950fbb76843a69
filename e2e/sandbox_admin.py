"""The sandbox admin API (docs/sandbox-contract.md): seed data, SMS inbox, payments, tokens, faults, reset."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import APIRequestContext, APIResponse

SHOPPER = "u1001"  # seeded with 4 bound cards per merchant: ¥500.00, ¥36.50, frozen, expired
NEW_SHOPPER = "u1003"  # seeded with no cards


class SandboxAdmin:
    """Reads and arranges the sandbox card systems behind the wallet."""

    def __init__(self, request: APIRequestContext) -> None:
        self.request = request

    @staticmethod
    def _json(response: APIResponse) -> Any:
        if not response.ok:
            raise AssertionError(f"sandbox admin {response.url}: HTTP {response.status} {response.text()}")
        return response.json()

    def reset(self) -> None:
        self._json(self.request.post("/_sandbox/reset"))

    def merchants(self) -> list[dict[str, Any]]:
        return self._json(self.request.get("/_sandbox/merchants"))

    def cards(self, system: str, user_id: str | None = None, bound: bool | None = None) -> list[dict[str, Any]]:
        params: dict[str, str] = {}
        if user_id is not None:
            params["user_id"] = user_id
        if bound is not None:
            params["bound"] = "1" if bound else "0"
        return self._json(self.request.get(f"/_sandbox/systems/{system}/cards", params=params))

    def card(self, system: str, card_number: str) -> dict[str, Any]:
        """One card of a system, by its full number."""
        return next(c for c in self.cards(system) if c["card_number"] == card_number)

    def sms_code(self, system: str, card_number: str) -> str:
        sms = self._json(self.request.get("/_sandbox/sms", params={"system": system, "card_number": card_number}))
        return str(sms["code"])

    def payments(self, system: str, order_id: str | None = None) -> list[dict[str, Any]]:
        """The payments a system recorded (oldest first), optionally only one order's."""
        payments = self._json(self.request.get(f"/_sandbox/systems/{system}/payments"))["payments"]
        return [p for p in payments if order_id is None or p["order_id"] == order_id]

    def launch_url(self, user_id: str, merchant_id: str, locale: str = "zh-CN") -> str:
        """The wallet's /launch URL with a token minted as the host app would (what the simulator's form opens)."""
        body = {"user_id": user_id, "merchant_id": merchant_id, "locale": locale}
        return str(self._json(self.request.post("/_sandbox/launch-token", data=body))["url"])

    def checkout_token(
        self, user_id: str, merchant_id: str, amount: int, order_id: str, locale: str = "zh-CN"
    ) -> dict[str, Any]:
        """Record an order of `amount` fen as the simulator's form does: `{token, url, order_id}`."""
        body = {
            "user_id": user_id,
            "merchant_id": merchant_id,
            "amount": amount,
            "order_id": order_id,
            "locale": locale,
        }
        return self._json(self.request.post("/_sandbox/checkout-token", data=body))

    def add_fault(self, system: str, op: str, mode: str, card_id: str | None = None, **extra: Any) -> None:
        fault = {"system": system, "op": op, "mode": mode, **extra}
        if card_id is not None:
            fault["card_id"] = card_id
        self._json(self.request.post("/_sandbox/faults", data=fault))

    def give_card(self, system: str, card_id: str, user_id: str) -> None:
        """Bind an unbound card to a shopper without its secret (a shopper with cards the wallet never saw)."""
        self._json(self.request.post(f"/_sandbox/systems/{system}/cards/{card_id}/owner", data={"user_id": user_id}))

    def clear_faults(self) -> None:
        self._json(self.request.delete("/_sandbox/faults"))
