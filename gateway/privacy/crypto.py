"""Shoppers' real numbers at rest: AES-256-GCM sealing and a keyed fingerprint for comparisons."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = "v1"
_NONCE_BYTES = 12


class SealError(Exception):
    """A sealed value could not be opened: another key, another binding, or damaged data."""


def _subkey(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


class PhoneCipher:
    """Seals a phone number to one context (its binding), so a sealed value copied elsewhere does
    not open; fingerprints let the stores compare numbers without holding or opening them."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ValueError("the privacy key must be 32 bytes")
        # Separate keys per purpose: the fingerprint key never touches the cipher.
        self._aead = AESGCM(_subkey(master_key, b"cs-gateway/privacy/seal/v1"))
        self._fingerprint_key = _subkey(master_key, b"cs-gateway/privacy/fingerprint/v1")

    @classmethod
    def from_base64(cls, value: str) -> PhoneCipher:
        try:
            return cls(base64.b64decode(value, validate=True))
        except binascii.Error as exc:
            raise ValueError("the privacy key must be base64") from exc

    def seal(self, phone: str, context: str) -> str:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, phone.encode("utf-8"), context.encode("utf-8"))
        return f"{_VERSION}.{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def open(self, token: str, context: str) -> str:
        version, _, body = token.partition(".")
        if version != _VERSION:
            raise SealError(f"unknown sealed-value version {version!r}")
        try:
            raw = base64.urlsafe_b64decode(body.encode("ascii"))
            plain = self._aead.decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], context.encode("utf-8")
            )
        except (binascii.Error, ValueError, InvalidTag) as exc:
            raise SealError("the sealed value does not open with this key and context") from exc
        return plain.decode("utf-8")

    def fingerprint(self, phone: str) -> str:
        return hmac.new(self._fingerprint_key, phone.encode("utf-8"), hashlib.sha256).hexdigest()[
            :32
        ]
