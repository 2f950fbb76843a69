"""Deployed mode's inputs: the documented QA file reads as the suite reads it, tokens pass the wallet's checks, and
wrong secrets stop one short of a lock."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from bff.security.signatures import request_is_signed
from bff.security.tokens import verify_checkout, verify_launch
from e2e.backends import DeployedBackend, Unavailable
from e2e.host_contract import HostApi
from e2e.qa_file import QaFileError, load
from e2e.wrong_tries import WrongTries

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "docs" / "qa-file.example.yaml"
SECRET = "qa-test-host-secret"


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_the_documented_example_reads_as_deployed_mode_reads_it():
    qa = load(EXAMPLE)

    assert qa.base_url == "https://wallet.staging.example.com"
    assert qa.host.secret_env == "KABAO_QA_HOST_SECRET"
    lime = qa.merchant("lime-market")
    assert lime.shopper == "qa-shopper-01"
    assert [c.last4 for c in lime.bound_cards()] == ["1234", "5678"]
    assert [(c.last4, c.lock_after) for c in lime.bindable_cards()] == [("9012", 5)]
    assert [c.pay_up_to for c in lime.cards] == [1000, 0, 0]
    assert lime.sms_code_url is None  # sms: ask
    assert "{card_number}" in qa.merchant("harbor-books").sms_code_url


def test_the_same_file_in_toml_reads_alike(tmp_path: Path):
    toml = tmp_path / "staging.toml"
    toml.write_text(
        'base_url = "https://wallet.staging.example.com/"\n'
        '[host]\nsecret_env = "KABAO_QA_HOST_SECRET"\nreturn_url = "https://app.example.com/back"\n'
        '[[merchants]]\nid = "lime-market"\nsms = "ask"\n[merchants.shoppers]\nwith_cards = "qa-1"\n'
        '[[merchants.cards]]\nnumber = "6012345678901234"\npin = "1234"\nbound = true\npay_up_to = 500\n',
        encoding="utf-8",
    )

    qa = load(toml)

    assert qa.base_url == "https://wallet.staging.example.com"
    assert [(c.last4, c.pin, c.pay_up_to) for c in qa.merchant("lime-market").cards] == [("1234", "1234", 500)]


def no_host(data: dict) -> None:
    data["host"] = {}  # no way to open the wallet


def yuan_not_fen(data: dict) -> None:
    data["merchants"][0]["cards"][0]["pay_up_to"] = "10.00"


def no_shoppers(data: dict) -> None:
    del data["merchants"][0]["shoppers"]


@pytest.mark.parametrize(
    ("change", "said"), [(no_host, "secret_env"), (yuan_not_fen, "pay_up_to is fen"), (no_shoppers, "shoppers")]
)
def test_a_qa_file_missing_what_the_suite_needs_is_refused_saying_what(tmp_path: Path, change, said: str):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "qa.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")

    with pytest.raises(QaFileError, match=said):
        load(path)


def test_signed_launch_and_checkout_links_pass_the_wallets_own_checks(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KABAO_QA_HOST_SECRET", SECRET)
    backend = DeployedBackend(load(EXAMPLE))
    seen: set[str] = set()

    def once(key: str, _ttl: int, _signed_at: float) -> bool:
        fresh = key not in seen
        seen.add(key)
        return fresh

    launch = backend.launch_url("lime-market", "qa-shopper-01", "zh-CN")
    checkout = backend.checkout_url("lime-market", "qa-shopper-01", 100, "QA-1", "en")

    assert launch.startswith("https://wallet.staging.example.com/launch?token=")
    claims = verify_launch(token_of(launch), secret=SECRET, audience="kabao-wallet", max_age=60, claim_nonce=once)
    assert (claims.user_id, claims.merchant_id, claims.locale) == ("qa-shopper-01", "lime-market", "zh-CN")
    order = verify_checkout(token_of(checkout), secret=SECRET, audience="kabao-wallet", max_age=60, claim_nonce=once)
    assert (order.order_id, order.amount, order.return_url) == (
        "QA-1",
        100,
        "https://app.staging.example.com/kabao/return",
    )


def test_without_the_host_secret_the_flows_that_need_it_say_so(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("KABAO_QA_HOST_SECRET", raising=False)
    backend = DeployedBackend(load(EXAMPLE))

    with pytest.raises(Unavailable, match="KABAO_QA_HOST_SECRET"):
        backend.host_api()
    with pytest.raises(Unavailable, match="sms: ask"):
        backend.sms_reader("lime-market")


def test_host_api_calls_are_signed_as_the_contract_says():
    sent = {}

    class Session:
        def request(self, method, url, data, headers, timeout):
            sent.update(method=method, url=url, data=data, headers=headers)
            raise ConnectionError  # nothing to answer: the signature is what is checked

    with pytest.raises(ConnectionError):
        HostApi("https://wallet.example.com/kabao", SECRET, Session()).refund("m", "O-1", "O-1-back", 100)

    stamp, signature = sent["headers"]["X-Kabao-Timestamp"], sent["headers"]["X-Kabao-Signature"]
    assert request_is_signed(SECRET, stamp, signature, "POST", "/kabao/api/v1/refunds", sent["data"], now=time.time())


def test_wrong_secrets_stop_one_short_of_the_limit(tmp_path: Path):
    tries = WrongTries(tmp_path / "qa.wrong-tries.json")

    taken = [tries.take_one("lime-market:…9012", limit=5, window_seconds=900) for _ in range(5)]

    assert taken[:4] == [None] * 4  # 4 wrong tries: one is still left before the card locks
    assert "one more would leave none" in taken[4]
    assert WrongTries(tmp_path / "qa.wrong-tries.json").take_one("lime-market:…9012", 5, 900) is not None  # kept
    assert WrongTries(None).take_one("any", 1, 900) is None  # sandbox mode: a fresh sandbox, nothing to keep


def test_a_host_apps_test_launcher_opens_the_wallet_and_checkout_instead_of_signed_tokens(tmp_path: Path):
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["host"] = {
        "wallet_launcher": "https://app.example.com/qa/kabao?user={shopper}&merchant={merchant}&lang={locale}",
        "checkout_launcher": "https://app.example.com/qa/order?user={shopper}&fen={amount}&order={order_id}",
    }
    path = tmp_path / "qa.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    backend = DeployedBackend(load(path))

    assert backend.launch_url("lime-market", "qa 01", "en") == (
        "https://app.example.com/qa/kabao?user=qa%2001&merchant=lime-market&lang=en"
    )
    assert backend.checkout_url("lime-market", "qa-01", 100, "QA-7", "zh-CN") == (
        "https://app.example.com/qa/order?user=qa-01&fen=100&order=QA-7"
    )
