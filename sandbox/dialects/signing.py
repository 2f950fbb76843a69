"""How olive and maple requests are signed; the sandbox checks with these and tests sign with them."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping


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
