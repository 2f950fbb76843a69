"""SM3 and HMAC-SM3 come from OpenSSL (hashlib) where it has SM3, and agree with gmssl's pure Python."""

from __future__ import annotations

import hashlib
import os

import pytest

from bff.adapters import sign_crypto


def openssl_has_sm3() -> bool:
    try:
        hashlib.new("sm3")
    except ValueError:
        return False
    return True


@pytest.mark.skipif(not openssl_has_sm3(), reason="this OpenSSL build has no SM3")
def test_openssl_does_sm3_where_it_can():
    assert sign_crypto.SM3_BACKEND == "openssl"


@pytest.mark.parametrize("size", [0, 1, 55, 64, 1739, 10_000])
@pytest.mark.parametrize("key", ["k", "玉泉" * 40])  # a key longer than SM3's block is hashed first
def test_both_backends_give_the_same_sm3_and_hmac_sm3(monkeypatch, size, key):
    data = os.urandom(size)
    fast = sign_crypto.sign("sm3", data), sign_crypto.sign("hmac_sm3", data, key=key)
    monkeypatch.setattr(sign_crypto, "SM3_BACKEND", "gmssl")
    assert (sign_crypto.sign("sm3", data), sign_crypto.sign("hmac_sm3", data, key=key)) == fast


def test_the_sandbox_signs_sm_json_answers_as_kabao_checks_them_with_either_sm3():
    from sandbox.dialects import sm_crypto

    data = "玉泉大药房".encode() * 100
    expected = sign_crypto.sign("hmac_sm3", data, key="k3y").hex()
    assert sm_crypto.hmac_sm3_hex("k3y", data) == expected
    assert sm_crypto.hmac.new(b"k3y", data, sm_crypto.Sm3).digest().hex() == expected  # gmssl's SM3
