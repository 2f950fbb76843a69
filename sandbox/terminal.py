"""The terminal simulator: a store's till that redeems pay codes through Kabao's signed terminal API.

It signs every request with the terminal's own key (sandbox/keys.py), exactly as docs/terminal-api.md
says a real terminal must: HMAC over time, method, path and body, a fresh nonce in each request.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml
from flask import Blueprint, render_template, request

from sandbox import clock
from sandbox.context import current
from sandbox.hostapi import sign
from sandbox.money import parse_yuan

bp = Blueprint("terminal", __name__, url_prefix="/sim/terminal")
TIMEOUT = (3.05, 15.0)


@dataclass(frozen=True)
class Till:
    merchant_id: str
    terminal_id: str
    store_name: str
    key_env: str

    @property
    def value(self) -> str:
        return f"{self.merchant_id}/{self.terminal_id}"


def tills(config_dir: Path) -> list[Till]:
    """Every terminal of every merchant file with the pay code on."""
    found = []
    for path in sorted(Path(config_dir).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        paycode = data.get("paycode") if isinstance(data, dict) else None
        if not isinstance(paycode, dict) or paycode.get("enabled") is False:
            continue
        for terminal_id, terminal in (paycode.get("terminals") or {}).items():
            name = (terminal.get("store_name") or {}).get("zh-CN", terminal_id)
            found.append(Till(path.stem, str(terminal_id), str(name), str(terminal.get("key_env", ""))))
    return found


def new_txn_id() -> str:
    return f"POS-{clock.now():%Y%m%d%H%M%S}-{secrets.token_hex(2)}"  # +08:00, as every sandbox time


def call(till: Till, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """One signed request to Kabao's terminal API; the status and the JSON answer (or the text)."""
    sandbox = current()
    if method == "GET":
        path, raw = f"{path}?nonce={secrets.token_hex(8)}", b""
    else:
        raw = json.dumps({**(body or {}), "nonce": secrets.token_hex(8)}, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        "X-Kabao-Merchant": till.merchant_id,
        "X-Kabao-Terminal": till.terminal_id,
        "X-Kabao-Timestamp": timestamp,
        "X-Kabao-Signature": sign(sandbox.keys.get(till.key_env, ""), timestamp, method, path, raw),
        "Content-Type": "application/json",
    }
    try:
        response = requests.request(method, sandbox.bff_url + path, data=raw, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as error:
        return 0, f"Kabao 无应答 Kabao did not answer: {type(error).__name__}"
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text[:300]


def _page(**context: Any) -> str:
    everyone = tills(current().config_dir)
    chosen = request.form.get("till") or request.args.get("till") or (everyone[0].value if everyone else "")
    return render_template(
        "terminal/page.html", tills=everyone, chosen=chosen, txn_id=context.pop("txn_id", new_txn_id()), **context
    )


def _chosen() -> Till | None:
    wanted = request.form.get("till", "")
    return next((t for t in tills(current().config_dir) if t.value == wanted), None)


@bp.get("")
def page() -> str:
    """The till: amount and code in, Kabao's answer out; query, cancel and refund by transaction id."""
    return _page()


@bp.post("")
def act() -> tuple[str, int]:
    """Redeem, query, cancel or refund, signed as the chosen terminal."""
    till, form = _chosen(), request.form
    action, txn_id = form.get("action", ""), form.get("txn_id", "").strip() or new_txn_id()
    if till is None:
        return _page(error="请选择收银台 Choose a till"), 400
    try:
        amount = parse_yuan(form.get("amount", "")) if action in ("redeem", "refund") else 0
    except ValueError as problem:
        return _page(error=str(problem), txn_id=txn_id), 400
    base = "/api/terminal/v1"
    if action == "redeem":
        code = "".join(form.get("code", "").split())
        status, answer = call(till, "POST", f"{base}/redeem", {"txn_id": txn_id, "code": code, "amount": amount})
    elif action == "query":
        status, answer = call(till, "GET", f"{base}/transactions/{txn_id}")
    elif action == "cancel":
        status, answer = call(till, "POST", f"{base}/transactions/{txn_id}/cancel", {})
    elif action == "refund":
        refund = {"refund_id": f"RF-{secrets.token_hex(4)}", "amount": amount}
        status, answer = call(till, "POST", f"{base}/transactions/{txn_id}/refunds", refund)
    else:
        return _page(error="未知操作 Unknown action", txn_id=txn_id), 400
    shown = json.dumps(answer, ensure_ascii=False, indent=2) if not isinstance(answer, str) else answer
    result = answer.get("transaction") if isinstance(answer, dict) else None
    return _page(status=status, answer=shown, result=result, action=action, txn_id=txn_id), 200
