"""Signing as a pipeline, verified answers and secrets on the wire, as a dialect describes them (docs/mapping.md).

A signature is composed: what is signed → the key appended or not → the algorithm → the encoding →
where it goes, plus generated timestamp and nonce fields. Keys are named by environment variable only.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, model_validator

from bff.merchants.base import EnvName, Model
from bff.merchants.dialect_answers import Expr

SIGN_PLACEHOLDERS = frozenset(
    {"method", "path", "path_with_query", "query", "timestamp", "nonce", "body", "payload", "key"}
)
PUT_PLACEHOLDERS = frozenset({"signature", "timestamp", "nonce"})
WIRE_PLACEHOLDERS = frozenset({"secret", "card_number", "card_id", "user_id"})
PLACEHOLDER = re.compile(r"\{(\w+)\}")
Algorithm = Literal["none", "md5", "sha256", "sm3", "hmac_sha256", "hmac_sm3", "rsa_sha256", "sm2_sm3"]
Encoding = Literal["hex", "hex_upper", "base64", "raw"]
KEYED = frozenset({"hmac_sha256", "hmac_sm3"})
ASYMMETRIC = frozenset({"rsa_sha256", "sm2_sm3"})


def check_placeholders(text: str, known: frozenset[str]) -> str:
    unknown = set(PLACEHOLDER.findall(text)) - known
    if unknown:
        raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; known here: {', '.join(sorted(known))}")
    return text


class Signed(Model):
    """What is signed: the raw body, the sorted parameters joined k=v&…, a template, or (answers) one member's text."""

    source: Literal["body", "params", "template", "member"] = "body"
    template: str | None = Field(None, description="source template: e.g. '{method}\\n{path_with_query}\\n…'")
    keep_empty: bool = Field(False, description="params: keep parameters whose value is empty")
    nested: Literal["json", "skip"] = Field("json", description="params: nested values as compact JSON, or left out")
    exclude: list[str] = Field(default_factory=list, description="params: names never signed (the signature's own)")
    append: str = Field("", description="Text appended to what is signed, e.g. '&key={key}'")
    member: str | None = Field(
        None, min_length=1, description="source member: the answer's top-level member signed, a name or glob"
    )

    @model_validator(mode="after")
    def _template(self) -> Signed:
        if (self.source == "template") != (self.template is not None):
            raise ValueError("template is given exactly when source is template")
        if (self.source == "member") != (self.member is not None):
            raise ValueError("member is given exactly when source is member (e.g. member: '*_response')")
        check_placeholders(self.template or "", SIGN_PLACEHOLDERS)
        check_placeholders(self.append, SIGN_PLACEHOLDERS)
        return self


class Place(Model):
    """Where a value goes (or is read from): exactly one of a header, a body field, a query parameter."""

    header: str | None = None
    field: str | None = None
    query: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Place:
        if sum(x is not None for x in (self.header, self.field, self.query)) != 1:
            raise ValueError("say exactly one of header, field, query")
        return self


class Put(Place):
    format: str = Field("{signature}", description='e.g. SCHEME nonce_str="{nonce}",signature="{signature}"')

    @model_validator(mode="after")
    def _format(self) -> Put:
        check_placeholders(self.format, PUT_PLACEHOLDERS)
        return self


class Stamp(Model):
    """A generated timestamp: unix seconds, unix ms, or a strftime pattern; sent where `put` says, if anywhere."""

    format: str = Field("seconds", description="seconds, ms, or a strftime pattern such as %Y%m%d%H%M%S")
    timezone: str = "Asia/Shanghai"
    put: Place | None = None


class Nonce(Model):
    """A generated random nonce of hex digits."""

    length: int = Field(32, ge=8, le=64)
    put: Place | None = None


class Keys(Model):
    """Environment variables holding a shared key, or PEM / hex keys for RSA and SM2."""

    key_env: EnvName | None = Field(None, description="the shared key: HMAC key, or text for {key}")
    private_key_env: EnvName | None = Field(None, description="RSA private key (PEM) or SM2 private key (hex)")
    public_key_env: EnvName | None = Field(None, description="RSA public key (PEM) or SM2 public key (hex)")

    def env_names(self) -> list[str]:
        return [n for n in (self.key_env, self.private_key_env, self.public_key_env) if n]


class AnswerCheck(Keys):
    """How Kabao verifies a signed answer; a failed check makes the answer unknown."""

    signed: Signed = Signed()
    algorithm: Algorithm
    encoding: Encoding = "hex"
    signature: Place = Field(..., description="where the answer carries its signature (header or field)")
    timestamp_header: str | None = Field(None, description="the answer header giving {timestamp}")
    timestamp_field: Expr | None = Field(None, description="or the answer field giving {timestamp}")
    nonce_header: str | None = Field(None, description="the answer header giving {nonce}")
    max_age_seconds: int | None = Field(
        None, ge=1, le=86_400, description="refuse an answer whose timestamp is further than this from now: unknown"
    )
    timestamp_format: str = Field("seconds", description="the answer's timestamp: seconds, ms, or a strftime pattern")
    timezone: str = Field("Asia/Shanghai", description="the zone of a strftime timestamp written without an offset")

    @model_validator(mode="after")
    def _keys(self) -> AnswerCheck:
        if self.signature.query is not None:
            raise ValueError("an answer's signature is in a header or a field")
        if self.algorithm == "none":
            raise ValueError("algorithm none proves nothing about an answer: name the algorithm it is signed with")
        if self.algorithm in ASYMMETRIC and not self.public_key_env:
            raise ValueError(f"{self.algorithm} needs public_key_env (the system's public key)")
        if self.timestamp_header and self.timestamp_field:
            raise ValueError("say where the answer's timestamp is once: timestamp_header or timestamp_field")
        if self.max_age_seconds is not None and not (self.timestamp_header or self.timestamp_field):
            raise ValueError("max_age_seconds needs the answer's timestamp: timestamp_header or timestamp_field")
        return self


class Signing(Keys):
    """How requests are signed; `verify` says how signed answers are checked."""

    signed: Signed = Signed()
    algorithm: Algorithm
    encoding: Encoding = "hex"
    put: Put
    timestamp: Stamp | None = None
    nonce: Nonce | None = None
    verify: AnswerCheck | None = None

    @model_validator(mode="before")
    @classmethod
    def _old_spelling(cls, data: Any) -> Any:
        if isinstance(data, dict) and "scheme" in data:
            raise ValueError(
                "signing.scheme is gone: describe the pipeline instead (signed, algorithm, encoding, put); "
                "docs/mapping.md gives the old md5_sorted, hmac_sha256, header_key and bearer as pipelines"
            )
        return data

    @model_validator(mode="after")
    def _keys(self) -> Signing:
        if self.signed.source == "member":
            raise ValueError("source member is for verifying answers (verify.signed), not for signing requests")
        _needs_keys(self, self.algorithm, self.key_env)
        if self.algorithm in ASYMMETRIC and not self.private_key_env:
            raise ValueError(f"{self.algorithm} needs private_key_env")
        if self.verify is not None:
            _needs_keys(self.verify, self.verify.algorithm, self.verify.key_env or self.key_env)
        body_signed = self.signed.source == "body" or "{body}" in (self.signed.template or "") + self.signed.append
        if self.put.field and (body_signed or "{payload}" in (self.signed.template or "")):
            raise ValueError("a signature over the body can't go into the body: put it in a header or the query")
        if self.algorithm == "none" and self.encoding != "raw":
            raise ValueError("algorithm none sends the text itself: encoding must be raw")
        return self

    def env_names(self) -> list[str]:
        return super().env_names() + (self.verify.env_names() if self.verify else [])


def _needs_keys(part: Signing | AnswerCheck, algorithm: str, key_env: str | None) -> None:
    uses_key = "{key}" in (part.signed.template or "") + part.signed.append
    if (algorithm in KEYED or uses_key) and not key_env:
        raise ValueError(f"{algorithm} with {{key}} or an HMAC needs key_env")


class WireSecret(Keys):
    """How the card password / PIN travels: clear (the text as is), a digest, or encrypted; never logged."""

    form: Literal["clear", "md5", "sha256", "sm3", "rsa_oaep", "sm2", "aes_ecb", "aes_cbc", "sm4_ecb", "sm4_cbc"]
    text: str = Field("{secret}", description="what is digested or encrypted, e.g. '{card_number}{secret}'")
    encoding: Encoding = "hex"
    iv_env: EnvName | None = Field(None, description="aes_cbc / sm4_cbc: the IV (16 bytes, hex)")

    @model_validator(mode="after")
    def _keys(self) -> WireSecret:
        check_placeholders(self.text, WIRE_PLACEHOLDERS)
        if self.form in ("rsa_oaep", "sm2") and not self.public_key_env:
            raise ValueError(f"{self.form} needs public_key_env (the merchant's public key)")
        if self.form[:3] in ("aes", "sm4") and not self.key_env:
            raise ValueError(f"{self.form} needs key_env (the key, hex)")
        if self.form.endswith("_cbc") and not self.iv_env:
            raise ValueError(f"{self.form} needs iv_env")
        return self

    def env_names(self) -> list[str]:
        return super().env_names() + ([self.iv_env] if self.iv_env else [])
