"""One simulated shopper for bench/load.py: launch → wallet → card → checkout → pay → result, over and over.

Run by bench/load.py (locust headless); it reads what it needs from the environment:
KABAO_LOAD_HOSTS (comma-separated BFF URLs on 127.0.0.1: each request goes to the next one, as a load
balancer without sticky sessions would send it), KABAO_LOAD_HOST_SECRET (to sign launch and checkout
tokens as the host app does), KABAO_LOAD_MERCHANT, KABAO_LOAD_USER, KABAO_LOAD_LAST4 (the card to pay
with), KABAO_LOAD_RETURN_URL, KABAO_LOAD_RUN (the prefix of this run's order ids), KABAO_LOAD_SECONDS (the run time) and
KABAO_LOAD_STATS (the JSON file the final stats are written to).
"""

from __future__ import annotations

import html
import itertools
import json
import os
import re
import uuid
from urllib.parse import urlsplit

import gevent
from itsdangerous import URLSafeTimedSerializer
from locust import HttpUser, between, events, task

HOSTS = [h for h in os.environ.get("KABAO_LOAD_HOSTS", "").split(",") if h]
for _host in HOSTS:  # traffic goes to this machine only
    if urlsplit(_host).hostname != "127.0.0.1":
        raise SystemExit(f"bench/locustfile.py: {_host} is not on 127.0.0.1")
SECRET = os.environ.get("KABAO_LOAD_HOST_SECRET", "")
MERCHANT = os.environ.get("KABAO_LOAD_MERCHANT", "lime-market")
USER = os.environ.get("KABAO_LOAD_USER", "u1001")
LAST4 = os.environ.get("KABAO_LOAD_LAST4", "")
RETURN_URL = os.environ.get("KABAO_LOAD_RETURN_URL", "")
RUN = os.environ.get("KABAO_LOAD_RUN", "L")
SECONDS = int(os.environ.get("KABAO_LOAD_SECONDS", "60"))  # the run time: req/s counts answers within it
STATS = os.environ.get("KABAO_LOAD_STATS", "")  # where the final stats go, as JSON, once every shopper stopped
RESENT = "resent: "  # the row of requests resent after a kept-alive connection closed under them
PAID, CONFIRMING = "Paid", "Confirming your payment"  # result page titles (en)
POLLS = 23  # status polls before a "confirming" page counts as an error: lime-market gives up after 45 s
AMOUNT = 1  # fen: thousands of orders fit on one seeded card

_WALLET_CARD = re.compile(r'<li id="card-([^"]+)" class="wallet-card">.*?class="face-number">([^<]*)<', re.S)
_CHECKOUT_CARD = re.compile(r'name="card" value="([^"]+)".*?class="pick-name">([^<]*)<', re.S)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ATTEMPT = re.compile(r'name="attempt" value="(\d+)"')
_PROBLEM = re.compile(r'class="form-error" role="alert">([^<]*)<')
_TITLE = re.compile(r"<title>\s*([^<]*?)\s*</title>", re.S)


def _token(salt: str, **claims: object) -> str:
    payload = {"sub": USER, "mch": MERCHANT, "aud": "kabao-wallet", "nonce": uuid.uuid4().hex, "locale": "en"}
    return URLSafeTimedSerializer(SECRET, salt=salt).dumps({**payload, **claims})


def _handle(pattern: re.Pattern[str], html: str) -> str | None:
    """The form handle of the card the page shows ending in LAST4, found as a shopper finds it."""
    found = [h for h, shown in pattern.findall(html) if shown.strip().endswith(LAST4)]
    return found[0] if len(found) == 1 else None


class Shopper(HttpUser):
    """A shopper with a browser of their own (cookie jar, kept-alive connections); requests round-robin over
    the BFF instances. Like a browser, it resends a request once when a kept-alive connection turns out closed
    before any answer (counted in rows of their own, not as errors); every other failure is an error."""

    wait_time = between(0.5, 1.5)
    host = HOSTS[0] if HOSTS else "http://127.0.0.1"

    def on_start(self) -> None:
        self.next_host = itertools.cycle(HOSTS or [self.host]).__next__

    def _get(self, step: str, path: str, expect: int, check=None) -> str | None:  # noqa: ANN001
        """GET one step (redirects not followed: each step is one request); its body, or None on failure."""
        return self._send("GET", step, path, expect, check)

    def _send(self, method: str, step: str, path: str, expect: int, check=None, **kw) -> str | None:  # noqa: ANN001
        url = f"{self.next_host()}{path}"  # a resend goes where the request went
        for resend in (False, True):
            with self.client.request(
                method,
                url,
                name=step,
                allow_redirects=False,
                catch_response=True,
                timeout=30,
                **kw,
            ) as response:
                if response.status_code == 0 and not resend and _idle_close(response.error):
                    response.request_meta["name"] = f"{RESENT}{step}"  # its own row: not an error, but counted
                    response.success()
                    continue
                return self._judge(response, expect, check)
        return None

    @staticmethod
    def _judge(response, expect: int, check) -> str | None:  # noqa: ANN001
        if response.status_code == 0:  # no answer at all: say why (refused, reset, timed out)
            response.failure(f"no answer: {type(response.error).__name__}: {str(response.error)[:120]}")
            return None
        if response.status_code != expect:
            shown = _PROBLEM.search(response.text)
            response.failure(
                f"HTTP {response.status_code}, expected {expect}: {html.unescape(shown.group(1)) if shown else ''}"
            )
            return None
        problem = check(response) if check else None
        if problem:
            response.failure(problem)
            return None
        response.success()
        return response.text if expect == 200 else response.headers.get("Location", "")

    @task
    def shop_and_pay(self) -> None:
        order_id = f"{RUN}-{uuid.uuid4().hex[:16]}"
        if self._get("1 launch", f"/launch?token={_token('kabao.launch')}", 303) is None:
            return
        wallet = self._get("2 wallet", "/wallet", 200, lambda r: None if _handle(_WALLET_CARD, r.text) else "no card")
        if wallet is None or self._get("3 card", f"/cards/{_handle(_WALLET_CARD, wallet)}", 200) is None:
            return
        claims = {"order_id": order_id, "amount": AMOUNT, "currency": "CNY", "return_url": RETURN_URL}
        opened = self._get("4 checkout open", f"/checkout?token={_token('kabao.checkout', **claims)}", 303)
        if not opened:
            return
        path = urlsplit(opened).path
        page = self._get("5 checkout page", path, 200, _payable)
        if page is None:
            return
        form = {
            "csrf_token": _CSRF.search(page).group(1),
            "attempt": _ATTEMPT.search(page).group(1),
            "card": _handle(_CHECKOUT_CARD, page),
        }
        if self._send("POST", "6 pay", f"{path}/pay", 303, data=form) is None:
            return
        shown = self._get("7 result", f"{path}/result", 200, _paid_or_confirming)
        for poll in range(POLLS):  # "confirming": the page asks /status every 2 s until it has a verdict
            if shown is None or not _title(shown).startswith(CONFIRMING):
                return
            gevent.sleep(2)
            shown = self._get("8 status", f"{path}/status", 200, _paid if poll == POLLS - 1 else _paid_or_confirming)


def _idle_close(error: BaseException | None) -> bool:
    """The server closed a kept-alive connection as the request went out on it: a browser resends such a request.

    (gunicorn closes connections idle for its keep-alive time, 2 s; a shopper between two clicks races it.)
    """
    return error is not None and any(n in repr(error) for n in ("RemoteDisconnected", "ConnectionResetError"))


def _payable(response) -> str | None:  # noqa: ANN001
    text = response.text
    if not (_CSRF.search(text) and _ATTEMPT.search(text) and _handle(_CHECKOUT_CARD, text)):
        return "no payable form for the card"
    return None


def _title(html: str) -> str:
    title = _TITLE.search(html)
    return title.group(1) if title else "no title"


def _paid(response) -> str | None:  # noqa: ANN001
    shown = _title(response.text)
    return None if shown.startswith(PAID) else f"result page says {shown[:40]!r}"


def _paid_or_confirming(response) -> str | None:  # noqa: ANN001
    return None if _title(response.text).startswith(CONFIRMING) else _paid(response)


_RUNNING: dict = {}


@events.init.add_listener
def keep_environment(environment, **_) -> None:  # noqa: ANN001
    _RUNNING["environment"] = environment


@events.quit.add_listener
def write_stats(**_) -> None:
    """Every step's count, failures, req/s and percentiles, and each distinct error, after the last shopper stopped."""
    if not STATS or "environment" not in _RUNNING:
        return
    stats = _RUNNING["environment"].stats
    window = range(int(stats.total.start_time), int(stats.total.start_time) + SECONDS)

    def entry(e) -> dict:  # noqa: ANN001
        percentiles = {f"p{round(p * 100)}": e.get_response_time_percentile(p) for p in (0.5, 0.95, 0.99)}
        return {
            "name": e.name,
            "requests": e.num_requests,
            "failures": e.num_failures,
            "rps": sum(e.num_reqs_per_sec.get(t, 0) for t in window) / SECONDS,  # answered within the run time
            **percentiles,
        }

    steps = [entry(e) for e in sorted(stats.entries.values(), key=lambda e: e.name)]
    errors = [{"name": e.name, "error": str(e.error), "times": e.occurrences} for e in stats.errors.values()]
    with open(STATS, "w", encoding="utf-8") as out:
        json.dump({"steps": [*steps, {**entry(stats.total), "name": "all steps"}], "errors": errors}, out)
