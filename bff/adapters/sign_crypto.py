"""The algorithms and encodings of signing and of secrets on the wire, from cryptography and gmssl."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asym
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import func, sm2, sm3, sm4


class KeyProblem(ValueError):
    """A configured key is missing or unreadable (its value is never part of the message)."""


class _Sm3:
    """SM3 with hashlib's interface, so the standard hmac module builds HMAC-SM3."""

    digest_size = 32
    block_size = 64
    name = "sm3"

    def __init__(self, data: bytes = b"") -> None:
        self._data = bytearray(data)

    def update(self, data: bytes) -> None:
        self._data += data

    def copy(self) -> _Sm3:
        return _Sm3(bytes(self._data))

    def digest(self) -> bytes:
        return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(bytes(self._data))))

    def hexdigest(self) -> str:
        return self.digest().hex()


def _openssl_has_sm3() -> bool:
    try:
        hashlib.new("sm3")
    except ValueError:
        return False
    return True


# OpenSSL's SM3 through hashlib where the build has it (an HMAC-SM3 of a 2 KB answer: ~0.01 ms instead of
# ~20 ms); gmssl's pure-Python SM3 otherwise. Both give the same digests (tests/test_sign_pipeline.py).
SM3_BACKEND = "openssl" if _openssl_has_sm3() else "gmssl"


def _sm3(data: bytes) -> bytes:
    return hashlib.new("sm3", data).digest() if SM3_BACKEND == "openssl" else _Sm3(data).digest()


def _hmac_sm3(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, "sm3" if SM3_BACKEND == "openssl" else _Sm3).digest()


def digest(algorithm: str, data: bytes) -> bytes:
    if algorithm == "md5":
        return hashlib.md5(data, usedforsecurity=False).digest()
    if algorithm == "sha256":
        return hashlib.sha256(data).digest()
    if algorithm == "sm3":
        return _sm3(data)
    raise ValueError(f"not a digest: {algorithm}")


def sign(algorithm: str, data: bytes, key: str = "", private_key: str = "") -> bytes:
    """The raw signature (or digest, or the text itself for `none`) of data."""
    if algorithm == "none":
        return data
    if algorithm in ("md5", "sha256", "sm3"):
        return digest(algorithm, data)
    if algorithm == "hmac_sha256":
        return hmac.new(key.encode(), data, hashlib.sha256).digest()
    if algorithm == "hmac_sm3":
        return _hmac_sm3(key.encode(), data)
    if algorithm == "rsa_sha256":
        return _rsa_private(private_key).sign(data, asym.PKCS1v15(), hashes.SHA256())
    if algorithm == "sm2_sm3":
        return bytes.fromhex(_sm2_signer(_hex_key(private_key)).sign_with_sm3(data))
    raise ValueError(f"unknown algorithm {algorithm}")


def verify(algorithm: str, data: bytes, signature: bytes, key: str = "", public_key: str = "") -> bool:
    """Whether signature is data's; hashes and HMACs are recomputed and compared in constant time."""
    if algorithm == "rsa_sha256":
        try:
            _rsa_public(public_key).verify(signature, data, asym.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True
    if algorithm == "sm2_sm3":
        checker = sm2.CryptSM2(private_key="", public_key=_sm2_public(public_key))
        try:
            return bool(checker.verify_with_sm3(signature.hex(), data))
        except (ValueError, IndexError, TypeError, ZeroDivisionError):  # a malformed signature is a wrong one
            return False
    return hmac.compare_digest(sign(algorithm, data, key=key), signature)


def encode(raw: bytes, encoding: str) -> str:
    if encoding == "hex":
        return raw.hex()
    if encoding == "hex_upper":
        return raw.hex().upper()
    if encoding == "base64":
        return base64.b64encode(raw).decode()
    return raw.decode()


def decode(text: str, encoding: str) -> bytes:
    """The bytes an encoded value stands for; ValueError when it isn't one."""
    if encoding in ("hex", "hex_upper"):
        return bytes.fromhex(text)
    if encoding == "base64":
        return base64.b64decode(text, validate=True)
    return text.encode()


def encrypt(form: str, data: bytes, key: str = "", public_key: str = "", iv: str = "") -> bytes:
    """data encrypted as a secret on the wire: RSA-OAEP (SHA-256), SM2 (C1C3C2), AES or SM4 (PKCS#7)."""
    if form == "rsa_oaep":
        oaep = asym.OAEP(mgf=asym.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
        return _rsa_public(public_key).encrypt(data, oaep)
    if form == "sm2":
        return sm2.CryptSM2(private_key="", public_key=_sm2_public(public_key), mode=1).encrypt(data)
    if form.startswith("aes"):
        padder = padding.PKCS7(128).padder()
        mode = modes.CBC(_hex_bytes(iv)) if form.endswith("_cbc") else modes.ECB()  # noqa: S305 - their protocol
        encryptor = Cipher(algorithms.AES(_hex_bytes(key)), mode).encryptor()
        return encryptor.update(padder.update(data) + padder.finalize()) + encryptor.finalize()
    if form.startswith("sm4"):
        cipher = sm4.CryptSM4()
        cipher.set_key(_hex_bytes(key), sm4.SM4_ENCRYPT)
        return cipher.crypt_cbc(_hex_bytes(iv), data) if form.endswith("_cbc") else cipher.crypt_ecb(data)
    raise ValueError(f"unknown form {form}")


def random_hex(length: int) -> str:
    return os.urandom((length + 1) // 2).hex()[:length]


@functools.lru_cache(maxsize=32)  # loading checks the key, ~40 ms; a merchant's key is loaded once
def _rsa_private(pem: str) -> RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise KeyProblem("the private key is not a PEM RSA key") from None
    if not isinstance(key, RSAPrivateKey):
        raise KeyProblem("the private key is not an RSA key")
    return key


@functools.lru_cache(maxsize=32)
def _rsa_public(pem: str) -> RSAPublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode())
    except (ValueError, TypeError):
        raise KeyProblem("the public key is not a PEM RSA key") from None
    if not isinstance(key, RSAPublicKey):
        raise KeyProblem("the public key is not an RSA key")
    return key


@functools.lru_cache(maxsize=32)
def _sm2_signer(private_key: str) -> sm2.CryptSM2:
    """An SM2 signer; SM3-with-SM2 hashes the public key in (Z), so it is derived from the private one."""
    curve = sm2.CryptSM2(private_key=private_key, public_key="")
    public_key = curve._kg(int(private_key, 16), sm2.default_ecc_table["g"])  # gmssl's own point multiplication
    return sm2.CryptSM2(private_key=private_key, public_key=public_key)


def _sm2_public(text: str) -> str:
    """x‖y in hex, as gmssl takes it; the uncompressed point's 04 prefix is dropped."""
    text = _hex_key(text)
    return text[2:] if len(text) == 130 and text.startswith("04") else text


def _hex_key(text: str) -> str:
    text = text.strip()
    if not text or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise KeyProblem("an SM2 key must be hex")
    return text


def _hex_bytes(text: str) -> bytes:
    try:
        return bytes.fromhex(text.strip())
    except ValueError:
        raise KeyProblem("a symmetric key or IV must be hex") from None
