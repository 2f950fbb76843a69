"""Helpers the BFF tests share (a module of its own: tests/sandbox has a conftest too)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import requests
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from sandbox.runner import RunningSandbox

REPO = Path(__file__).resolve().parent.parent
CONFIG_DIR = REPO / "wallet_config"
# the sandbox card system runs on loopback over plain http: tests allow exactly that, explicitly
LOOPBACK_SANDBOX = {"KABAO_OUTBOUND_SCHEMES": "http", "KABAO_OUTBOUND_ALLOW": "127.0.0.1"}


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


def wait_for(predicate, seconds: float = 15.0) -> bool:
    """Poll predicate until it holds or the time is up (for things that settle by themselves)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def bff_env(sandbox: RunningSandbox, tmp_path: Path, config_dir: Path = CONFIG_DIR) -> dict[str, str]:
    """The environment of a production-like BFF on this sandbox; processes given the same one share store and ledger."""
    return {
        **os.environ,
        "KABAO_SECRET_KEY": "shared-test-secret-key",
        "KABAO_HOST_SECRET": sandbox.host_secret,
        "KABAO_CONFIG_DIR": str(config_dir),
        "KABAO_STORE_URL": f"sqlite:///{tmp_path / 'store.sqlite3'}",
        "KABAO_LEDGER_PATH": str(tmp_path / "ledger.sqlite3"),
        "KABAO_MERCHANT_SANDBOX_URL": sandbox.url,
        "KABAO_MERCHANT_SANDBOX_API_KEY": sandbox.api_key,
        **sandbox.keys,
        **LOOPBACK_SANDBOX,
    }


@contextmanager
def kabao_serve(env: dict[str, str], workers: int = 1, threads: int = 4) -> Iterator[str]:
    """`kabao serve` (gunicorn) as a subprocess on a free port; yields its URL once /healthz answers."""
    with kabao_servers(env, 1, workers, threads) as (url,):
        yield url


@contextmanager
def kabao_servers(env: dict[str, str], count: int, workers: int = 1, threads: int = 4) -> Iterator[list[str]]:
    """`count` processes of `kabao serve` on one environment, booted side by side; yields their URLs."""
    from sandbox.runner import free_port

    kabao = os.path.join(os.path.dirname(sys.executable), "kabao")
    started: list[tuple[subprocess.Popen, str]] = []

    def up(url: str) -> bool:
        try:
            return requests.get(f"{url}/healthz", timeout=1).ok
        except (requests.ConnectionError, requests.Timeout):  # booting on a loaded machine: ask again
            return False

    try:
        for _ in range(count):
            port = free_port()
            bind = ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)]
            process = subprocess.Popen(  # noqa: S603 - our own console script
                [kabao, "serve", *bind], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            started.append((process, f"http://127.0.0.1:{port}"))
        for _, url in started:
            if not wait_for(lambda url=url: up(url), 60):  # two workers on a loaded machine can take a while to boot
                raise RuntimeError(f"kabao serve did not answer on {url}")
        yield [url for _, url in started]
    finally:
        for process, _ in started:
            process.send_signal(signal.SIGINT)  # gunicorn's quick shutdown: no test waits on a graceful one
        for process, _ in started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:  # a loaded machine: what no test waits on need not stop gently
                process.kill()
                process.wait(10)


@contextmanager
def capture_server(answer=None, hang: float = 0.0) -> Iterator[tuple[str, list[dict]]]:
    """An HTTP server on 127.0.0.1 that records every request (path, headers, body) it receives.

    answer(path) gives (status, headers, body); by default an empty card list. hang holds each answer.
    """
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[dict] = []
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen.append({"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)})
            if hang:
                release.wait(hang)
            status, headers, body = (answer or (lambda _: (200, {}, {"result": "OK", "cards": []})))(self.path)
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with suppress(OSError):  # the client gave up waiting: that is what hang tests want
                self.wfile.write(data)

        do_GET = do_POST = _any

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda *args: None  # a client that hung up is no error here
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        release.set()
        server.shutdown()
        server.server_close()


_WALLET_CARD = re.compile(r'<li id="card-([^"]+)" class="wallet-card[^"]*".*?class="face-number">([^<]*)<', re.S)
_CHECKOUT_CARD = re.compile(r'name="card" value="([^"]+)".*?class="pick-name">([^<]*)<', re.S)


def _only(found: list[str], last4: str, where: str) -> str:
    assert len(found) == 1, f"{len(found)} cards ending {last4} on {where}"
    return found[0]


def handle_in_wallet(html: str, last4: str) -> str:
    """The handle of the card a wallet page shows ending in last4, found as a shopper finds it: by what is shown."""
    return _only([h for h, shown in _WALLET_CARD.findall(html) if shown.strip().endswith(last4)], last4, "the wallet")


def wallet_handle(client: FlaskClient, last4: str) -> str:
    """The handle of the card ending in last4 on the shopper's wallet page."""
    return handle_in_wallet(client.get("/wallet?js=0").get_data(as_text=True), last4)


def card_path(client: FlaskClient, card: dict) -> str:
    """The card page of this sandbox card, reached from the wallet by its last four digits."""
    return f"/cards/{wallet_handle(client, card['card_number'][-4:])}"


def checkout_handle(html: str, last4: str) -> str:
    """The form value the checkout page gives the card it shows ending in last4."""
    found = [h for h, shown in _CHECKOUT_CARD.findall(html) if shown.strip().endswith(last4)]
    return _only(found, last4, "the checkout page")
