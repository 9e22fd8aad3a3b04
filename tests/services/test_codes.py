"""Card codes: format, normalisation, check symbol and hashing (no app)."""

import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaerested.checkin.codes import (
    ALPHABET,
    CodeHasher,
    InvalidCode,
    check_symbol,
    format_code,
    generate_code,
    hash_code,
    normalise_code,
)

GROUPED = re.compile(r"^([0-9A-HJKMNP-TV-Z]{4}-){4}[0-9A-HJKMNP-TV-Z]$")
data_chars = st.text(alphabet=ALPHABET, min_size=16, max_size=16)


def _luhn_valid(code: str) -> bool:
    """Independent reference: Luhn mod-32 validation of a whole code.

    From the rightmost character (the check) leftwards, every second value is
    doubled and its base-32 digits summed; a valid code sums to 0 mod 32.
    """
    total = 0
    for position, ch in enumerate(reversed(code)):
        value = ALPHABET.index(ch) * (2 if position % 2 else 1)
        total += value // 32 + value % 32
    return total % 32 == 0


def test_alphabet_is_crockford_and_check_is_alphanumeric():
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert not set("ILOU") & set(ALPHABET)
    for _ in range(500):
        assert generate_code()[-1] in ALPHABET


def test_known_check_symbols():
    assert check_symbol("0" * 16) == "0"
    # "0...01": the 1 is doubled -> 2 -> check value 30 ("Y").
    assert check_symbol("0" * 15 + "1") == ALPHABET[30]
    # "0...10": the 1 is not doubled -> 1 -> check value 31 ("Z").
    assert check_symbol("0" * 14 + "10") == "Z"


def test_generated_code_shape_and_randomness():
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:200]:
        assert len(code) == 17
        assert GROUPED.match(format_code(code))
        assert normalise_code(code) == code


@given(data_chars)
def test_check_symbol_makes_a_valid_luhn_code(data):
    assert _luhn_valid(data + check_symbol(data))


@given(data_chars)
def test_round_trip_through_print_form(data):
    code = data + check_symbol(data)
    printed = format_code(code)
    assert normalise_code(printed) == code
    assert normalise_code(printed.lower()) == code
    assert normalise_code(" " + printed.replace("-", " ") + " ") == code
    # A wedge scanner sending US key codes to a Danish layout types + for -.
    assert normalise_code(printed.replace("-", "+") + "\n") == code
    # Crockford aliases: O reads as 0, I and L as 1.
    sloppy = printed.replace("0", "O").replace("1", "l")
    assert normalise_code(sloppy) == code


@given(data_chars, st.integers(0, 16), st.sampled_from(ALPHABET + "U"))
def test_any_single_character_typo_is_rejected(data, position, replacement):
    code = data + check_symbol(data)
    if code[position] == replacement:
        return
    typo = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(InvalidCode):
        normalise_code(typo)


@given(data_chars, st.integers(0, 15))
def test_swapping_neighbours_is_rejected(data, position):
    code = data + check_symbol(data)
    pair = {code[position], code[position + 1]}
    swapped = (
        code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    )
    # Luhn mod 32 misses exactly one swap: 0 <-> Z (values 0 and 31).
    if swapped == code or pair == {"0", "Z"}:
        return
    with pytest.raises(InvalidCode):
        normalise_code(swapped)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ABC",
        "0" * 16,
        "0" * 18,
        "U" * 16 + "0",
        "!" * 17,
        "0" * 15 + "*0",
        None,
        42,
    ],
)
def test_malformed_codes_are_rejected(text):
    with pytest.raises(InvalidCode):
        normalise_code(text)


@given(data_chars)
def test_hash_is_hmac_sha256_of_canonical_code(data):
    code = data + check_symbol(data)
    expected = hmac.new(b"k" * 32, code.encode(), hashlib.sha256).hexdigest()
    assert hash_code(b"k" * 32, format_code(code).lower()) == expected
    assert CodeHasher("k" * 32)(code) == expected
    assert hash_code(b"other", code) != expected


def test_empty_key_is_refused():
    with pytest.raises(ValueError):
        CodeHasher(b"")
