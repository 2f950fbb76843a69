"""国密 for the sm_json dialect, from gmssl: SM2-with-SM3 signatures, HMAC-SM3, SM4-CBC (PKCS#7).

The sandbox checks requests and signs answers with these; tests sign requests and read answers with them.
Keys are hex: an SM2 private key is the scalar d, a public key the point 04‖x‖y (or x‖y).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from gmssl import func, sm2, sm3, sm4


class Sm3:
    """SM3 with hashlib's interface, so the standard hmac module builds HMAC-SM3."""

    digest_size = 32
    block_size = 64
    name = "sm3"

    def __init__(self, data: bytes = b"") -> None:
        self._data = bytearray(data)

    def update(self, data: bytes) -> None:
        self._data += data

    def copy(self) -> Sm3:
        return Sm3(bytes(self._data))

    def digest(self) -> bytes:
        return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(bytes(self._data))))


def _sm3_digestmod() -> str | type[Sm3]:
    """OpenSSL's SM3 where hashlib has it (thousands of times faster), else gmssl's."""
    try:
        hashlib.new("sm3")
    except ValueError:
        return Sm3
    return "sm3"


SM3_DIGESTMOD = _sm3_digestmod()


def hmac_sm3_hex(key: str, data: bytes) -> str:
    """Lower-case hex HMAC-SM3 of data under the shared key (its UTF-8 bytes)."""
    return hmac.new(key.encode(), data, SM3_DIGESTMOD).digest().hex()


def _point(public_hex: str) -> str:
    """x‖y, as gmssl takes a public key."""
    return public_hex[2:] if len(public_hex) == 130 and public_hex.startswith("04") else public_hex


def sm2_sign_hex(private_hex: str, public_hex: str, data: bytes) -> str:
    """An SM2-with-SM3 signature of data (default user id 1234567812345678): r‖s, 128 hex digits."""
    return sm2.CryptSM2(private_key=private_hex, public_key=_point(public_hex)).sign_with_sm3(data)


def sm2_verify(public_hex: str, signature_hex: str, data: bytes) -> bool:
    """Whether signature_hex (r‖s in hex) is an SM2-with-SM3 signature of data; a malformed one is wrong."""
    if len(signature_hex) != 128 or not public_hex:
        return False
    try:
        bytes.fromhex(signature_hex)
        return bool(sm2.CryptSM2(private_key="", public_key=_point(public_hex)).verify_with_sm3(signature_hex, data))
    except (ValueError, IndexError, TypeError, ZeroDivisionError):
        return False


def sm4_cbc_encrypt_b64(key_hex: str, iv_hex: str, text: str) -> str:
    """text's UTF-8 bytes, SM4-CBC encrypted with PKCS#7 padding, base64."""
    cipher = sm4.CryptSM4()
    cipher.set_key(bytes.fromhex(key_hex), sm4.SM4_ENCRYPT)
    return base64.b64encode(cipher.crypt_cbc(bytes.fromhex(iv_hex), text.encode())).decode()


def sm4_cbc_decrypt_b64(key_hex: str, iv_hex: str, sealed: str) -> str | None:
    """The text sealed by sm4_cbc_encrypt_b64, or None when it isn't such a text under this key and IV."""
    try:
        raw = base64.b64decode(sealed, validate=True)
        if not raw or len(raw) % 16:
            return None
        cipher = sm4.CryptSM4()
        cipher.set_key(bytes.fromhex(key_hex), sm4.SM4_DECRYPT)
        padded = cipher.crypt_cbc(bytes.fromhex(iv_hex), raw)
    except (ValueError, binascii.Error, IndexError, TypeError):
        return None
    return _unpadded(padded)


def _unpadded(plain: bytes) -> str | None:
    """gmssl strips the padding itself; a text it can't have sealed (bad padding, not UTF-8) is None."""
    try:
        text = plain.decode()
    except UnicodeDecodeError:
        return None
    return text if text and text.isprintable() else None
