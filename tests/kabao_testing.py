"""Helpers the BFF tests share (a module of its own: tests/sandbox has a conftest too)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import requests
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from sandbox.runner import RunningSandbox

REPO = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO / "wallet_config"


def mint_launch_token(secret: str, user_id: str, merchant_id: str, **claims: object) -> str:
    payload = {
        "sub": user_id,
        "mch": merchant_id,
        "aud": "kabao-wallet",
        "nonce": uuid.uuid4().hex,
        "locale": "zh-CN",
        **claims,
    }
    return URLSafeTimedSerializer(secret, salt="kabao.launch").dumps(payload)


def csrf_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sandbox_cards(sandbox: RunningSandbox, system: str, **params: str) -> list[dict]:
    response = requests.get(f"{sandbox.url}/_sandbox/systems/{system}/cards", params=params, timeout=10)
    response.raise_for_status()
    return response.json()


def text_of(response) -> str:
    """The visible text of a page, whitespace squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def add_fault(sandbox: RunningSandbox, **fault) -> None:
    requests.post(f"{sandbox.url}/_sandbox/faults", json=fault, timeout=5).raise_for_status()


def mint_checkout_token(
    secret: str, user_id: str, merchant_id: str, order_id: str, amount: int, return_url: str, **claims: object
) -> str:
    payload = {
        "sub": user_id,
        "mch": merchant_id,
        "aud": "kabao-wallet",
        "nonce": uuid.uuid4().hex,
        "locale": "zh-CN",
        "order_id": order_id,
        "amount": amount,
        "currency": "CNY",
        "return_url": return_url,
        **claims,
    }
    return URLSafeTimedSerializer(secret, salt="kabao.checkout").dumps(payload)


def sandbox_payments(sandbox: RunningSandbox, system: str) -> list[dict]:
    response = requests.get(f"{sandbox.url}/_sandbox/systems/{system}/payments", timeout=10)
    response.raise_for_status()
    return response.json()["payments"]
