"""Mainland mobile numbers: what is accepted, how it is normalised, how it is masked."""

from __future__ import annotations

import pytest

from gateway.core.phones import is_phone_like, mask_phone, normalize_mobile


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("(+86) 138.0013.8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),  # full-width digits
        ("＋８６ １９９１２３４５６７８", "19912345678"),
        (" 17100000001 ", "17100000001"),
    ],
)
def test_mobile_numbers_are_normalised_to_11_digits(text: str, number: str) -> None:
    assert normalize_mobile(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12345",
        "12800138000",  # second digit 2: not a mobile prefix
        "23800138000",
        "1380013800",  # 10 digits
        "138001380001",  # 12 digits
        "010-66668888",  # a landline
        "+1 415 555 0100",
        "+85213800138000",  # another country code
        "86138001380",  # 86 + 9 digits is not a prefixed mobile
        "138OO138OOO",  # letters O for zeros
        "١٣٨٠٠١٣٨٠٠٠",  # Arabic-Indic digits are not accepted as ASCII
        "1" * 200,
        "138 0013 8000 ext 5",
    ],
)
def test_everything_else_is_not_a_mainland_mobile(text: str) -> None:
    assert normalize_mobile(text) is None


@pytest.mark.parametrize(
    ("text", "like"),
    [("010-66668888", True), ("+1 415 555 0100", True), ("13800138000", True), ("hello", False)],
)
def test_phone_like(text: str, like: bool) -> None:
    assert is_phone_like(text) is like


@pytest.mark.parametrize(
    ("number", "masked"),
    [("13800138000", "138****8000"), ("+8613800138000", "+86****8000"), ("1234", "****")],
)
def test_masking_keeps_the_first_three_and_last_four(number: str, masked: str) -> None:
    assert mask_phone(number) == masked
