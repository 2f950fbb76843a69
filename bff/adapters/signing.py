"""How a dialect's requests are encoded and signed (MD5 over sorted parameters, HMAC-SHA256, keys)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode

from bff.merchants.dialect import Dialect


def md5_sorted(params: dict[str, Any], key: str, field: str = "sign") -> str:
    """Upper-case MD5 of the non-empty parameters but the signature, sorted, k=v&…, then &key=KEY."""
    pairs = sorted((k, str(v)) for k, v in params.items() if k != field and v not in (None, ""))
    text = "&".join(f"{k}={v}" for k, v in pairs) + f"&key={key}"
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


def hmac_sha256(key: str, timestamp: str, payload: bytes) -> str:
    return hmac.new(key.encode(), timestamp.encode() + b"." + payload, hashlib.sha256).hexdigest()


def sign(
    dialect: Dialect, key: str, method: str, base_path: str, path: str, params: dict[str, Any]
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The path to send (with its query), the request body arguments, and the headers of one signed call.

    A GET's query is built here, not by requests, so what is signed is exactly what is sent.
    """
    signing = dialect.signing
    headers: dict[str, str] = {}
    if signing is not None and signing.scheme == "md5_sorted":
        params = {**params, signing.field: md5_sorted(params, key, signing.field)}
    if method == "GET":
        query = urlencode(params)
        path = path + (f"?{query}" if query else "")
        kwargs: dict[str, Any] = {}
        payload = (base_path + path).encode()
    elif dialect.encoding == "form":
        body = urlencode(params).encode()
        kwargs = {"data": body}
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        payload = body
    else:
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        kwargs = {"data": body}
        headers["Content-Type"] = "application/json"
        payload = body
    if signing is not None:
        if signing.scheme == "hmac_sha256":
            timestamp = str(int(time.time() * 1000))
            headers[signing.timestamp_header] = timestamp
            headers[signing.header] = hmac_sha256(key, timestamp, payload)
        elif signing.scheme == "header_key":
            headers[signing.header] = key
        elif signing.scheme == "bearer":
            headers["Authorization"] = f"Bearer {key}"
    return path, kwargs, headers
