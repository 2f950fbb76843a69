"""Fuzz every shopper form and query with hostile values: whatever arrives, the answer is never a 5xx."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kabao_testing import csrf_token, handle_in_wallet, mint_checkout_token, mint_launch_token
from test_checkout import cards_of

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck), database=None)
NASTY = [
    "",
    "0",
    "-1",
    str(10**30),
    str(-(10**30)),
    "1e3",
    "NaN",
    "\x00",
    "\r\nSet-Cookie: x=1",
    "/\t/evil.example/",
    "//evil.example",
    "/\\evil.example",
    "../../etc/passwd",
    "%00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "９９９９",
    "\u202e\u200b",
    "签名",
    "🂡" * 40,
]
hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
    st.text(min_size=500, max_size=3000),
)
statuses: Counter[str] = Counter()
VALID = "<the right CSRF token>"


def answered(response, target: str) -> None:
    statuses[f"{target} {response.status_code}"] += 1
    assert response.status_code < 500, f"{target}: {response.status_code}"


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    print("\nshopper fuzz:", dict(sorted(statuses.items())))


class Session:
    """A launched shopper with a real card list, a CSRF token and an open checkout."""

    def __init__(self, app, client, sandbox, merchant="lime-market"):
        self.client, self.merchant = client, merchant
        client.get(f"/launch?token={mint_launch_token(app.config['KABAO_HOST_SECRET'], 'u1001', merchant)}")
        # the cards by their handles, found on the wallet by the last four digits it shows
        shown = client.get("/wallet?js=0").get_data(as_text=True)
        by_balance = {b: handle_in_wallet(shown, c["card_number"][-4:]) for b, c in cards_of(sandbox, merchant).items()}
        self.cards = list(by_balance.values())
        self.usable = [by_balance[50000], by_balance[3650]]  # the seed's active cards with money
        token = mint_checkout_token(
            app.config["KABAO_HOST_SECRET"], "u1001", merchant, "FZ-1", 12800, f"{sandbox.url}/sim/return"
        )
        self.checkout = client.get(f"/checkout?token={token}").headers["Location"]
        self.csrf = csrf_token(client, "/wallet")  # after the checkout: opening one starts a fresh session

    def csrf_values(self):
        """Mostly the right token (so requests reach the views), sometimes a wrong one or none."""
        return st.sampled_from([VALID] * 8 + [None, "", "not-a-token", self.csrf[:-2], "签名\r\n"])

    def filled(self, data: dict[str, object]) -> dict[str, object]:
        """The drawn form with the right CSRF token of this session where the draw asked for it."""
        return {k: self.csrf if v == VALID else v for k, v in data.items()}

    def open_checkout(self, app, sandbox, amount: int) -> str:
        """A new checkout of this amount (its path), in the fresh session it starts."""
        token = mint_checkout_token(
            app.config["KABAO_HOST_SECRET"],
            "u1001",
            self.merchant,
            uuid.uuid4().hex[:12],
            amount,
            f"{sandbox.url}/sim/return",
        )
        path = self.client.get(f"/checkout?token={token}").headers["Location"]
        self.csrf = csrf_token(self.client, path)
        return path

    def card_ids(self):
        return st.one_of(st.sampled_from(self.cards), hostile)


@pytest.fixture
def shopper(app, client, card_system):
    return Session(app, client, card_system)


def form(fields: dict[str, st.SearchStrategy], required: tuple[str, ...] = ("csrf_token",)) -> st.SearchStrategy[dict]:
    """A form with the required fields as drawn (None: missing) and any of the others present or missing."""
    others = {k: v for k, v in fields.items() if k not in required}
    drawn = st.fixed_dictionaries({k: fields[k] for k in required}, optional=others)
    return drawn.map(lambda data: {k: v for k, v in data.items() if v is not None})


def path_part(value: str) -> str:
    return quote(value, safe="") or "x"


def test_launch_and_checkout_tokens(client):
    @given(token=hostile, which=st.sampled_from(["/launch", "/checkout"]), lang=hostile)
    @FUZZ
    def fuzz(token, which, lang):
        answered(client.get(which, query_string={"token": token, "lang": lang}), which)

    fuzz()


def test_checkout_submit_preview_cancel_and_status(app, shopper, card_system):
    cards = st.lists(st.sampled_from(shopper.usable), min_size=1, max_size=2, unique=True) | st.lists(
        st.sampled_from(shopper.cards) | hostile, max_size=3
    )
    fields = {
        "csrf_token": shopper.csrf_values(),
        "attempt": st.sampled_from(["1", "1", "1", "2", "0", "-1", str(10**30), None]) | hostile,
        "card": cards,
        f"pin-{shopper.cards[0]}": hostile,
        "retry": shopper.card_ids(),
    }
    action = st.sampled_from(["pay"] * 4 + ["preview"] * 2 + ["retry", "cards", "status", "result", "page", "return"])
    steps = st.lists(st.tuples(action, form(fields, ("csrf_token", "attempt")), st.booleans()), min_size=1, max_size=4)

    @given(amount=st.sampled_from([1, 100, 3650, 12800, 60000, 10**9]), steps=steps)
    @FUZZ
    def fuzz(amount, steps):
        path = shopper.open_checkout(app, card_system, amount)  # each example on a fresh checkout
        for action, drawn, htmx in steps:
            data = shopper.filled(drawn)
            headers = {"HX-Request": "true"} if htmx else {}
            if action in ("pay", "preview", "retry"):
                response = shopper.client.post(f"{path}/{action}", data=data, headers=headers)
            elif action == "page":
                response = shopper.client.get(path, headers=headers)
            else:
                response = shopper.client.get(f"{path}/{action}", headers=headers)
            answered(response, f"checkout/{action}")

    fuzz()


def test_checkout_ids_in_the_path(shopper):
    actions = ["", "/pay", "/preview", "/retry", "/cards", "/status", "/result", "/return"]

    @given(checkout_id=hostile, action=st.sampled_from(actions))
    @FUZZ
    def fuzz(checkout_id, action):
        url = f"/checkout/{path_part(checkout_id)}{action}"
        method = shopper.client.post if action in ("/pay", "/preview", "/retry") else shopper.client.get
        answered(method(url, data={"csrf_token": shopper.csrf, "attempt": "1"}), "checkout/<id>")

    fuzz()


@pytest.mark.parametrize("merchant", ["lime-market", "harbor-books"])  # password bind, SMS bind
def test_bind_and_sms_send(app, client, card_system, merchant):
    shopper = Session(app, client, card_system, merchant)
    fields = {
        "csrf_token": shopper.csrf_values(),
        "card_number": hostile | st.from_regex(r"\A[0-9 ]{8,24}\Z"),
        "secret": hostile,
        "sms_code": hostile,
        "action": st.sampled_from(["send_code", "bind"]) | hostile,
    }

    @given(data=form(fields), htmx=st.booleans())
    @FUZZ
    def fuzz(data, htmx):
        headers = {"HX-Request": "true"} if htmx else {}
        answered(client.post("/bind", data=shopper.filled(data), headers=headers), f"bind {merchant}")

    fuzz()


def test_card_pages_history_cursor_and_unbind(shopper):
    @given(
        card_id=shopper.card_ids(),
        cursor=hostile,
        page=st.sampled_from(["detail", "transactions", "wallet-card", "unbind-get", "unbind-post"]),
        csrf=shopper.csrf_values(),
    )
    @FUZZ
    def fuzz(card_id, cursor, page, csrf):
        handle = path_part(card_id)
        client = shopper.client
        if page == "detail":
            response = client.get(f"/cards/{handle}", query_string={"pages": cursor, "show": cursor})
        elif page == "transactions":
            response = client.get(
                f"/cards/{handle}/transactions",
                query_string={"pages": cursor, "show": cursor},
                headers={"HX-Request": "true"},
            )
        elif page == "wallet-card":
            response = client.get(f"/wallet/cards/{handle}")
        elif page == "unbind-get":
            response = client.get(f"/cards/{handle}/unbind")
        else:
            response = client.post(f"/cards/{handle}/unbind", data=shopper.filled({"csrf_token": csrf}))
        answered(response, f"card {page}")

    fuzz()


def test_locale_switch(shopper):
    nexts = hostile | hostile.map(lambda text: f"/{text}") | st.sampled_from(["/", "/wallet", "/\r\n/x", "/a\tb"])
    fields = {"csrf_token": shopper.csrf_values(), "locale": hostile | st.sampled_from(["en", "zh-CN"]), "next": nexts}

    @given(data=form(fields))
    @FUZZ
    def fuzz(data):
        response = shopper.client.post("/locale", data=shopper.filled(data))
        answered(response, "locale")
        if response.status_code == 303:
            location = response.headers["Location"]
            assert location.startswith("/") and not re.match(r"^/[/\\]", location), location

    fuzz()
