"""Sealing shoppers' numbers: round trip, bound to their binding, useless under another key."""

from __future__ import annotations

import base64

import pytest

from gateway.privacy.crypto import PhoneCipher, SealError

KEY = bytes(range(32))


def test_a_sealed_number_opens_in_its_own_context_only() -> None:
    cipher = PhoneCipher(KEY)
    sealed = cipher.seal("13800138000", "shop-a|order-1|b1")
    assert "13800138000" not in sealed and "8000" not in sealed
    assert cipher.open(sealed, "shop-a|order-1|b1") == "13800138000"
    with pytest.raises(SealError):
        cipher.open(sealed, "shop-a|order-2|b1")  # copied into another binding


def test_sealing_twice_gives_different_text() -> None:
    cipher = PhoneCipher(KEY)
    assert cipher.seal("13800138000", "c") != cipher.seal("13800138000", "c")


def test_another_key_or_damaged_text_does_not_open() -> None:
    sealed = PhoneCipher(KEY).seal("13800138000", "c")
    with pytest.raises(SealError):
        PhoneCipher(bytes(32)).open(sealed, "c")
    with pytest.raises(SealError):
        PhoneCipher(KEY).open(sealed[:-4] + "AAAA", "c")
    with pytest.raises(SealError):
        PhoneCipher(KEY).open("v9." + sealed[3:], "c")


def test_fingerprints_compare_numbers_without_revealing_them() -> None:
    cipher = PhoneCipher(KEY)
    assert cipher.fingerprint("13800138000") == cipher.fingerprint("13800138000")
    assert cipher.fingerprint("13800138000") != cipher.fingerprint("13800138001")
    assert cipher.fingerprint("13800138000") != PhoneCipher(bytes(32)).fingerprint("13800138000")


def test_keys_must_be_32_bytes_of_base64() -> None:
    assert PhoneCipher.from_base64(base64.b64encode(KEY).decode())
    with pytest.raises(ValueError):
        PhoneCipher.from_base64("not base64!")
    with pytest.raises(ValueError):
        PhoneCipher(b"short")
