"""The keys of the sandbox's dialect card systems: one list, named by the variables merchant files name.

Every key a sandbox dialect signs, verifies or decrypts with is listed here once. The sandbox
process reads them from its environment; `kabao demo` and the test runner generate the ones not
given (`fill`) and hand the same values to the sandbox and the BFF, so no key is ever committed.
A dialect whose key is missing refuses every request as badly signed.

A key pair is two entries: the private key generated, the public key derived from it (PEM for
RSA). A dialect module reads its keys with `current().keys.get(NAME, "")`.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gmssl import sm2


def shared_key(_made: Mapping[str, str]) -> str:
    """A random shared key (MD5 `&key=` or HMAC)."""
    return secrets.token_urlsafe(24)


def rsa_private_pem(_made: Mapping[str, str]) -> str:
    """A fresh 2048-bit RSA private key, PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def rsa_public_of(private_env: str) -> Callable[[Mapping[str, str]], str]:
    """The public half (SubjectPublicKeyInfo PEM) of the RSA private key named by private_env."""

    def derive(made: Mapping[str, str]) -> str:
        private = serialization.load_pem_private_key(made[private_env].encode("ascii"), password=None)
        return (
            private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )

    return derive


def sm2_private_hex(_made: Mapping[str, str]) -> str:
    """A fresh SM2 private key: the scalar d (1 <= d < n) as 64 hex digits."""
    order = int(sm2.default_ecc_table["n"], 16)
    return f"{secrets.randbelow(order - 1) + 1:064x}"


def sm2_public_hex(private_hex: str) -> str:
    """The SM2 public key of a private one: the uncompressed point, 04 then x and y, 130 hex digits."""
    curve = sm2.CryptSM2(private_key=private_hex, public_key="")
    return "04" + curve._kg(int(private_hex, 16), sm2.default_ecc_table["g"])  # gmssl's point multiplication


def sm2_public_of(private_env: str) -> Callable[[Mapping[str, str]], str]:
    """The public half (hex, 04‖x‖y) of the SM2 private key named by private_env."""
    return lambda made: sm2_public_hex(made[private_env])


def sm4_key_hex(_made: Mapping[str, str]) -> str:
    """A fresh 16-byte SM4 key or IV, hex."""
    return secrets.token_hex(16)


@dataclass(frozen=True)
class DialectKey:
    env: str  # the environment variable: the sandbox reads it, the merchant file names it
    make: Callable[[Mapping[str, str]], str]  # a new value, given the keys made before it in KEYS
    about: str  # what it is for, for the sandbox's warning and the docs


KEYS: tuple[DialectKey, ...] = (
    DialectKey("KABAO_MERCHANT_OLIVE_SIGN_KEY", shared_key, "the olive dialect's MD5 signing key"),
    DialectKey("KABAO_MERCHANT_MAPLE_HMAC_KEY", shared_key, "the maple dialect's HMAC key"),
    DialectKey("KABAO_MERCHANT_CEDAR_KEY", shared_key, "the gateway_xml dialect's MD5 signing key"),
    DialectKey(
        "KABAO_MERCHANT_ASPEN_PRIVATE_KEY", rsa_private_pem, "the merchant's RSA key: Kabao signs signed_json requests"
    ),
    DialectKey(
        "KABAO_MERCHANT_ASPEN_PUBLIC_KEY",
        rsa_public_of("KABAO_MERCHANT_ASPEN_PRIVATE_KEY"),
        "the merchant's public key: the signed_json dialect verifies requests",
    ),
    DialectKey(
        "KABAO_MERCHANT_ASPEN_PLATFORM_PRIVATE_KEY",
        rsa_private_pem,
        "the platform's RSA key: the signed_json dialect signs answers and decrypts PINs",
    ),
    DialectKey(
        "KABAO_MERCHANT_ASPEN_PLATFORM_PUBLIC_KEY",
        rsa_public_of("KABAO_MERCHANT_ASPEN_PLATFORM_PRIVATE_KEY"),
        "the platform's public key: Kabao verifies signed_json answers and encrypts PINs",
    ),
    DialectKey("KABAO_MERCHANT_WILLOW_PRIVATE_KEY", rsa_private_pem, "the merchant's RSA2 key for open_gateway"),
    DialectKey(
        "KABAO_MERCHANT_WILLOW_PUBLIC_KEY",
        rsa_public_of("KABAO_MERCHANT_WILLOW_PRIVATE_KEY"),
        "the open_gateway merchant's public key (the sandbox verifies requests with it)",
    ),
    DialectKey("KABAO_MERCHANT_WILLOW_PLATFORM_PRIVATE_KEY", rsa_private_pem, "open_gateway's key signing answers"),
    DialectKey(
        "KABAO_MERCHANT_WILLOW_PLATFORM_PUBLIC_KEY",
        rsa_public_of("KABAO_MERCHANT_WILLOW_PLATFORM_PRIVATE_KEY"),
        "open_gateway's public key (Kabao verifies answers with it)",
    ),
    DialectKey("KABAO_MERCHANT_JADE_SM2_PRIVATE_KEY", sm2_private_hex, "the sm_json merchant's SM2 signing key (hex)"),
    DialectKey(
        "KABAO_MERCHANT_JADE_SM2_PUBLIC_KEY",
        sm2_public_of("KABAO_MERCHANT_JADE_SM2_PRIVATE_KEY"),
        "the sm_json dialect's check of requests (SM2 public key, hex)",
    ),
    DialectKey("KABAO_MERCHANT_JADE_HMAC_KEY", shared_key, "the sm_json dialect's HMAC-SM3 key for its answers"),
    DialectKey("KABAO_MERCHANT_JADE_SM4_KEY", sm4_key_hex, "the sm_json dialect's SM4 key for PINs (hex, 16 bytes)"),
    DialectKey("KABAO_MERCHANT_JADE_SM4_IV", sm4_key_hex, "the sm_json dialect's SM4-CBC IV for PINs (hex)"),
    DialectKey("KABAO_MERCHANT_LIME_TERMINAL_T1_KEY", shared_key, "Lime Market till T1's pay code HMAC key"),
    DialectKey("KABAO_MERCHANT_LIME_TERMINAL_T2_KEY", shared_key, "Lime Market till T2's pay code HMAC key"),
    DialectKey("KABAO_MERCHANT_PEACH_TERMINAL_P1_KEY", shared_key, "Peach Bakery till P1's pay code HMAC key"),
)
NAMES = tuple(key.env for key in KEYS)


def fill(env: Mapping[str, str]) -> dict[str, str]:
    """Every dialect key: the value env gives, else a new one (public halves derived from their private keys)."""
    made: dict[str, str] = {}
    for key in KEYS:
        made[key.env] = env.get(key.env) or key.make(made)
    return made


def given(env: Mapping[str, str]) -> dict[str, str]:
    """The dialect keys env gives, and no others."""
    return {key.env: env[key.env] for key in KEYS if env.get(key.env)}


def missing(env: Mapping[str, str]) -> list[DialectKey]:
    """The dialect keys env doesn't give."""
    return [key for key in KEYS if not env.get(key.env)]


def main() -> None:
    """`python -m sandbox.keys`: every dialect key as JSON on stdout, the environment's kept, the rest new.

    `kabao demo` runs this to hand the sandbox and the wallet the same keys: the BFF never imports the sandbox.
    """
    print(json.dumps(fill(os.environ)))


if __name__ == "__main__":
    main()
