"""A dialect's requests encoded and signed as its signing pipeline says, and its signed answers checked."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests

from bff.adapters import raw_json, sign_crypto
from bff.adapters.bodies import BodyCodec
from bff.adapters.dialect_codec import get
from bff.cards.errors import CardSystemUnavailable
from bff.merchants.dialect_signing import PLACEHOLDER, AnswerCheck, Place, Signed, Signing, Stamp

log = logging.getLogger(__name__)

AnswerProblem = Callable[[requests.Response], "str | None"]


def fill(template: str, values: Mapping[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), "")), template)


def sorted_params(params: Mapping[str, Any], signed: Signed, skip: set[str]) -> str:
    """Parameters sorted by name, joined k=v&…; empty ones left out unless kept, nested ones as JSON or left out."""
    pairs = []
    for name, value in sorted(params.items()):
        if name in skip or name in signed.exclude or value is None:
            continue
        if isinstance(value, dict | list):
            if signed.nested == "skip":
                continue
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        elif isinstance(value, bool):
            value = "true" if value else "false"
        if value == "" and not signed.keep_empty:
            continue
        pairs.append(f"{name}={value}")
    return "&".join(pairs)


def stamp(spec: Stamp, now: float) -> str:
    if spec.format == "seconds":
        return str(int(now))
    if spec.format == "ms":
        return str(int(now * 1000))
    return datetime.fromtimestamp(now, ZoneInfo(spec.timezone)).strftime(spec.format)


class SignPipeline:
    """Encodes one request's body or query and signs it; checks the signature of what comes back."""

    def __init__(
        self,
        signing: Signing | None,
        codec: BodyCodec | str,
        keys: Mapping[str, str],
        clock: Callable[[], float] = time.time,
        name: str = "",
    ) -> None:
        self.name = name  # the merchant, for log lines
        self.signing = signing
        self.codec = BodyCodec(codec) if isinstance(codec, str) else codec  # a str: that encoding in UTF-8
        self.keys = keys
        self.clock = clock

    def _key(self, name: str | None) -> str:
        return self.keys.get(name, "") if name else ""

    def request(
        self, method: str, base_path: str, path: str, params: dict[str, Any]
    ) -> tuple[str, dict[str, Any], dict[str, str]]:
        """The path to send (with its query), the request body arguments, and the headers of one signed call.

        A GET's query is built here, not by requests, so what is signed is exactly what is sent.
        """
        signing = self.signing
        headers: dict[str, str] = {}
        query: dict[str, str] = {}
        params = dict(params)
        values: dict[str, str] = {}
        if signing is not None:
            if signing.timestamp is not None:
                values["timestamp"] = stamp(signing.timestamp, self.clock())
                _place(signing.timestamp.put, values["timestamp"], params, query, headers)
            if signing.nonce is not None:
                values["nonce"] = sign_crypto.random_hex(signing.nonce.length)
                _place(signing.nonce.put, values["nonce"], params, query, headers)
        path_with_query, kwargs, body = self._encode(method, path, params, query, headers)
        if signing is None:
            return path_with_query, kwargs, headers
        values |= {
            "method": method,
            "path": base_path + path,
            "path_with_query": base_path + path_with_query,
            "query": path_with_query.partition("?")[2],
            "body": self.codec.bytes_text(body),
            "payload": self.codec.bytes_text(body) if body else base_path + path_with_query,
            "key": self._key(signing.key_env),
        }
        signature = self._signature(signing, params, values)
        put = fill(signing.put.format, {**values, "signature": signature})
        _place(signing.put, put, params, query, headers)
        path_with_query, kwargs, _ = self._encode(method, path, params, query, headers)
        return path_with_query, kwargs, headers

    def _encode(
        self, method: str, path: str, params: dict[str, Any], query: dict[str, str], headers: dict[str, str]
    ) -> tuple[str, dict[str, Any], bytes]:
        if method == "GET":
            text = self.codec.query({**params, **query})
            return path + (f"?{text}" if text else ""), {}, b""
        body = self.codec.body(params)
        headers["Content-Type"] = self.codec.content_type()
        return path + (f"?{self.codec.query(query)}" if query else ""), {"data": body}, body

    def _signature(self, signing: Signing, params: dict[str, Any], values: dict[str, str]) -> str:
        skip = {signing.put.field} if signing.put.field else set()
        text = _text(signing.signed, params, values, skip)
        try:
            raw = sign_crypto.sign(
                signing.algorithm,
                self.codec.text_bytes(text),  # signed as the bytes sent: GBK text as GBK
                key=values["key"],
                private_key=self._key(signing.private_key_env),
            )
        except sign_crypto.KeyProblem as exc:
            log.error("%s: request not signed: %s (%s)", self.name, exc, signing.private_key_env)
            raise CardSystemUnavailable("the request could not be signed") from None
        return sign_crypto.encode(raw, signing.encoding)

    def answer_check(self) -> AnswerProblem | None:
        """A check of each answer's signature, when the dialect signs its answers."""
        if self.signing is None or self.signing.verify is None:
            return None
        check = self.signing.verify
        return lambda response: self._answer_problem(check, response)

    def answer_parser(self) -> Callable[[bytes], Any]:
        """How answers are read: whole, or, when answers sign one member's text, that member alone.

        What isn't signed is never read: result codes, data and fields are then paths inside the member.
        """
        check = self.signing.verify if self.signing else None
        if check is None or check.signed.member is None:
            return self.codec.answer
        pattern = check.signed.member
        return lambda raw: json.loads(raw_json.member(self.codec.bytes_text(raw), pattern)[1])

    def _answer_problem(self, check: AnswerCheck, response: requests.Response) -> str | None:
        """Why an answer's signature does not hold, or None when it verifies."""
        answer: Any = None
        if check.signed.source in ("params", "member") or check.signature.field or check.timestamp_field:
            try:
                answer = self.codec.answer(response.content)
            except ValueError:
                return "answer can't be read, nor its signature"
        where = check.signature
        given = response.headers.get(where.header) if where.header else get(answer, where.field)
        if not isinstance(given, str) or not given:
            return f"answer carries no signature in {where.header or where.field}"
        values = {
            "body": self.codec.bytes_text(response.content),  # back to the very bytes signed
            "timestamp": _answer_stamp(check, response, answer),
            "nonce": response.headers.get(check.nonce_header, "") if check.nonce_header else "",
            "key": self._key(check.key_env or (self.signing.key_env if self.signing else None)),
        }
        data = answer if isinstance(answer, dict) else {}
        if check.signed.member is not None:
            try:  # the exact text of the signed member, as it was written
                values["body"] = raw_json.member(values["body"], check.signed.member)[1]
            except ValueError as exc:
                return f"answer has no member to verify: {exc}"
        text = _text(check.signed, data, values, {where.field} if where.field else set())
        try:
            raw = sign_crypto.decode(given, check.encoding)
            signed = self.codec.text_bytes(text)
            good = sign_crypto.verify(
                check.algorithm, signed, raw, key=values["key"], public_key=self._key(check.public_key_env)
            )
        except sign_crypto.KeyProblem as exc:
            return f"answer signature can't be checked: {exc}"
        except ValueError:
            return "answer signature is not in its configured encoding"
        if not good:
            return "answer signature does not verify"
        return self._stale(check, values["timestamp"])

    def _stale(self, check: AnswerCheck, stamp: str) -> str | None:
        """Why a verified answer is too old (or too far ahead) to trust, where the dialect bounds its age."""
        if check.max_age_seconds is None:
            return None
        try:
            written = parse_stamp(stamp, check.timestamp_format, check.timezone)
        except (ValueError, OverflowError, OSError):
            return "answer timestamp missing or unreadable"
        off = abs(self.clock() - written)
        if off > check.max_age_seconds:
            return f"answer timestamp is {int(off)} s from now, more than max_age_seconds {check.max_age_seconds}"
        return None


def parse_stamp(text: str, fmt: str, timezone: str) -> float:
    """An answer's timestamp as unix seconds: seconds, ms, or a strftime pattern (in timezone without an offset)."""
    if fmt in ("seconds", "ms"):
        if not (text.isascii() and text.isdigit()):
            raise ValueError("not a number")
        return int(text) / (1000 if fmt == "ms" else 1)
    moment = datetime.strptime(text, fmt)
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))).timestamp()


def _answer_stamp(check: AnswerCheck, response: requests.Response, answer: Any) -> str:
    if check.timestamp_header:
        return response.headers.get(check.timestamp_header, "")
    value = get(answer, check.timestamp_field) if check.timestamp_field else None
    return "" if value is None or isinstance(value, bool | dict | list) else str(value)


def _text(signed: Signed, params: Mapping[str, Any], values: Mapping[str, str], skip: set[str]) -> str:
    if signed.source == "params":
        text = sorted_params(params, signed, skip)
    elif signed.source == "template":
        text = fill(signed.template or "", values)
    else:  # the raw body, or for source member the member's raw text
        text = values["body"]
    return text + fill(signed.append, values)


def _place(where: Place | None, value: str, params: dict[str, Any], query: dict[str, str], headers: dict[str, str]):
    if where is None:
        return
    if where.header:
        headers[where.header] = value
    elif where.field:
        params[where.field] = value
    elif where.query:
        query[where.query] = value
