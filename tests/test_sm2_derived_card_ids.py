"""Card ids derived from numbers (card.id_from_number) when the dialect signs with an SM2 private key.

The unseen fake system names cards by number; here its dialect signs SM2-with-SM3 with a private key
and nothing else, as the sm_json dialect does. The derived id is keyed by that private key: stable for
one key, different under another, never the number; the number still goes on the wire.
"""

from __future__ import annotations

import responses
from dialect_fake import BASE, NUMBER, UnseenSystem

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.mapped import MappedAdapter
from bff.cards.models import BindRequest, PaymentStatus, PayRequest
from bff.merchants.dialect import Dialect
from sandbox.dialects.sm_crypto import sm2_verify
from sandbox.keys import sm2_private_hex, sm2_public_hex

PRIVATE_ENV = "KABAO_MERCHANT_UNSEEN_SM2_PRIVATE_KEY"
SM2_SIGNING = {
    "private_key_env": PRIVATE_ENV,
    "timestamp": {"format": "ms", "put": {"header": "X-Ts"}},
    "nonce": {"length": 32, "put": {"header": "X-Nonce"}},
    "signed": {"source": "template", "template": "{timestamp}\n{nonce}\n{body}"},
    "algorithm": "sm2_sm3",
    "put": {"header": "X-Sign"},
}


def sm2_dialect() -> Dialect:
    from dialect_fake import DIALECT

    return Dialect.model_validate({**DIALECT, "signing": SM2_SIGNING})


def sm2_adapter(private_key: str) -> MappedAdapter:
    client = HttpClient(BASE, make_session(), (0.5, 0.5), {}, CircuitBreaker(50, 60), "unseen-sm2")
    return MappedAdapter(client, sm2_dialect(), {PRIVATE_ENV: private_key})


def test_an_sm2_private_key_alone_keys_derived_card_ids():
    assert sm2_dialect().signing.key_env is None  # no shared key: the private key is the only secret


@responses.activate
def test_derived_ids_under_an_sm2_key_are_stable_keyed_and_never_the_number():
    UnseenSystem().install()
    key, other = sm2_private_hex({}), sm2_private_hex({})
    bound = sm2_adapter(key).bind(BindRequest(user_id="u1", card_number=NUMBER))
    again = sm2_adapter(key).list_cards("u1")[0]  # another adapter (another process) with the same key
    elsewhere = sm2_adapter(other).list_cards("u1")[0]
    assert bound.card_id == again.card_id and bound.card_id.startswith("k-")
    assert elsewhere.card_id != bound.card_id  # keyed: without the private key, no one can compute it
    assert NUMBER not in bound.card_id and NUMBER[-8:] not in bound.card_id


@responses.activate
def test_a_derived_id_pays_with_the_number_on_the_wire_under_a_verifiable_sm2_signature():
    system = UnseenSystem()
    system.install()
    key = sm2_private_hex({})
    gateway = sm2_adapter(key)
    card = gateway.list_cards("u1")[0]
    request = PayRequest(
        payment_id="p-sm2", user_id="u1", card_id=card.card_id, order_id="o1", amount=300, currency="CNY"
    )
    assert gateway.pay(request).status is PaymentStatus.SUCCEEDED
    assert system.calls[-1] == ("pay", {"cardNo": NUMBER, "orderNo": "p-sm2", "amount": 300})
    sent = responses.calls[-1].request
    text = f"{sent.headers['X-Ts']}\n{sent.headers['X-Nonce']}\n".encode() + sent.body
    assert sm2_verify(sm2_public_hex(key), sent.headers["X-Sign"], text)  # the sandbox's own check agrees
    assert not sm2_verify(sm2_public_hex(key), sent.headers["X-Sign"], text + b" ")
