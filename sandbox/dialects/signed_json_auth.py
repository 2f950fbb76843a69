"""How the signed_json dialect (WeChat Pay v3 manner) authenticates: RSA-SHA256 both ways, RSA-OAEP PINs.

A request carries `Authorization: ASPEN-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",
signature="…"`, the signature over "{method}\\n{path_with_query}\\n{timestamp}\\n{nonce}\\n{body}\\n" with the
merchant's private key. Every answer carries Aspenpay-Timestamp, -Nonce, -Signature (over
"{timestamp}\\n{nonce}\\n{body}\\n" with the platform's private key) and -Serial. The sandbox verifies and tests
sign with these functions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import time
from collections.abc import Mapping
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

SCHEME = "ASPEN-SHA256-RSA2048"
HEADER_PREFIX = "Aspenpay-"
MAX_SKEW_SECONDS = 300
MERCHANT_PUBLIC_KEY = "KABAO_MERCHANT_ASPEN_PUBLIC_KEY"
PLATFORM_PRIVATE_KEY = "KABAO_MERCHANT_ASPEN_PLATFORM_PRIVATE_KEY"
AUTH_FIELD = re.compile(r'\s*(\w+)="([^"]*)"\s*')
OAEP = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)


class AuthProblem(Exception):
    """Why a request's Authorization doesn't hold (the answer is 401 SIGN_ERROR)."""


def request_message(method: str, path_with_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What a request's signature covers."""
    return f"{method}\n{path_with_query}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"


def answer_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    """What an answer's signature covers."""
    return f"{timestamp}\n{nonce}\n".encode() + body + b"\n"


def sign(private_pem: str, message: bytes) -> str:
    """Base64 RSA-SHA256 (PKCS#1 v1.5)."""
    return base64.b64encode(_private(private_pem).sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def verifies(public_pem: str, message: bytes, signature: str) -> bool:
    """Whether a base64 RSA-SHA256 signature holds (a malformed one doesn't)."""
    try:
        raw = base64.b64decode(signature, validate=True)
        _public(public_pem).verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def authorization(fields: Mapping[str, str]) -> str:
    """An Authorization header value from its fields (mchid, nonce_str, timestamp, serial_no, signature)."""
    return SCHEME + " " + ",".join(f'{name}="{value}"' for name, value in fields.items())


def check_authorization(
    header: str, keys: Mapping[str, str], method: str, path_with_query: str, body: bytes
) -> dict[str, str]:
    """The Authorization's fields when its signature holds and its timestamp is fresh; else AuthProblem."""
    public = keys.get(MERCHANT_PUBLIC_KEY, "")
    scheme, _, rest = header.partition(" ")
    if scheme != SCHEME:
        raise AuthProblem(f"Authorization must use the {SCHEME} scheme")
    fields = dict(AUTH_FIELD.findall(rest))
    missing = [name for name in ("mchid", "nonce_str", "timestamp", "serial_no", "signature") if not fields.get(name)]
    if missing:
        raise AuthProblem(f"Authorization lacks {', '.join(missing)}")
    stamp = fields["timestamp"]
    if not (stamp.isascii() and stamp.isdigit()) or abs(time.time() - int(stamp)) > MAX_SKEW_SECONDS:
        raise AuthProblem("the timestamp is more than 5 minutes off")
    message = request_message(method, path_with_query, stamp, fields["nonce_str"], body)
    if not public or not verifies(public, message, fields["signature"]):
        raise AuthProblem("the signature does not verify")
    return fields


def answer_headers(keys: Mapping[str, str], body: bytes, *, corrupt: bool = False, age: int = 0) -> dict[str, str]:
    """The headers that sign an answer; corrupt signs something else (bad_signature), age back-dates it."""
    private = keys.get(PLATFORM_PRIVATE_KEY, "")
    if not private:
        return {}
    stamp, nonce = str(int(time.time()) - age), secrets.token_hex(16)
    signed = answer_message(stamp, nonce, body + (b" " if corrupt else b""))
    return {
        f"{HEADER_PREFIX}Timestamp": stamp,
        f"{HEADER_PREFIX}Nonce": nonce,
        f"{HEADER_PREFIX}Signature": sign(private, signed),
        f"{HEADER_PREFIX}Serial": serial_of(private),
    }


def decrypt_pin(keys: Mapping[str, str], text: str) -> str | None:
    """The PIN inside a base64 RSA-OAEP (SHA-256) ciphertext, or None when it can't be decrypted."""
    try:
        raw = base64.b64decode(text, validate=True)
        return _private(keys.get(PLATFORM_PRIVATE_KEY, "")).decrypt(raw, OAEP).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def encrypt_pin(public_pem: str, pin: str) -> str:
    """How a client sends a PIN: base64 RSA-OAEP (SHA-256) with the platform's public key."""
    return base64.b64encode(_public(public_pem).encrypt(pin.encode(), OAEP)).decode()


@lru_cache(maxsize=8)
def serial_of(private_pem: str) -> str:
    """The platform key's serial: the first 40 hex digits of its public key's SHA-256, upper case."""
    der = (
        _private(private_pem)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return hashlib.sha256(der).hexdigest()[:40].upper()


@lru_cache(maxsize=8)
def _private(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


@lru_cache(maxsize=8)
def _public(pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key
