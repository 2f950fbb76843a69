"""How the dialects' requests are signed; the sandbox checks with these and tests sign with them."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def olive_sign(params: Mapping[str, str], key: str) -> str:
    """Upper-case hex MD5 of the non-empty parameters but sign, sorted by name, as k=v&…, then &key=KEY."""
    pairs = "&".join(f"{name}={value}" for name, value in sorted(params.items()) if name != "sign" and value != "")
    return hashlib.md5(f"{pairs}&key={key}".encode()).hexdigest().upper()  # noqa: S324 - olive's own protocol


def md5_key_sign(params: Mapping[str, str], key: str, charset: str = "gbk") -> str:
    """The gateway_xml sign, on requests and answers: olive's MD5 text, hashed over its bytes in the charset."""
    pairs = "&".join(f"{name}={value}" for name, value in sorted(params.items()) if name != "sign" and value != "")
    return hashlib.md5(f"{pairs}&key={key}".encode(charset)).hexdigest().upper()  # noqa: S324 - their protocol


def maple_signature(key: str, timestamp: str, payload: str | bytes) -> str:
    """Hex HMAC-SHA256 over "{timestamp}.{payload}" (the raw body of a POST, the path and query of a GET)."""
    body = payload.encode() if isinstance(payload, str) else payload
    return hmac.new(key.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def open_gateway_text(params: Mapping[str, str]) -> str:
    """What open_gateway signs in a request: the non-empty fields but sign, sorted by name, as k=v&…."""
    return "&".join(f"{name}={value}" for name, value in sorted(params.items()) if name != "sign" and value != "")


def rsa2_sign(text: str, private_pem: str) -> str:
    """Base64 RSA-SHA256 (PKCS#1 v1.5) over the UTF-8 text: open_gateway's RSA2."""
    key = serialization.load_pem_private_key(private_pem.encode("ascii"), password=None)
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode("ascii")  # type: ignore[union-attr,call-arg]


def rsa2_verifies(text: str, signature: str, public_pem: str) -> bool:
    """Whether signature is RSA2 over the UTF-8 text with this public key (a malformed one does not)."""
    try:
        key = serialization.load_pem_public_key(public_pem.encode("ascii"))
        key.verify(base64.b64decode(signature, validate=True), text.encode(), padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
    except (InvalidSignature, ValueError, TypeError, binascii.Error):
        return False
    return True
