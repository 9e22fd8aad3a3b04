"""Card codes: generation, normalisation, check symbol and keyed hashing.

A code is 16 Crockford base32 characters (80 random bits from :mod:`secrets`)
followed by one Luhn mod-32 check character from the same alphabet. It is
printed, and encoded in the QR, grouped as ``K7Q2-9XMD-F3AB-CD5E-Q``.

The check character detects every single-character substitution and almost every
swap of two neighbouring characters. It is deliberately alphanumeric (unlike
Crockford's mod-37 symbols ``*~$=U``): a keyboard-wedge scanner types with US key
codes, and on a Danish keyboard layout symbols arrive as other characters (even
``-`` arrives as ``+``). So normalisation ignores every character that is not a
letter or digit, and only letters and digits carry meaning.

Only an HMAC of the normalised code is stored; codes are never logged nor stored
in clear.
"""

import hashlib
import hmac
import re
import secrets

#: Crockford's base32 alphabet (no I, L, O, U).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 16
CODE_BITS = 5 * DATA_LENGTH  # 80
GROUP = 4

_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's decoding aliases for characters easily misread.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[^0-9A-Z]")


class InvalidCode(ValueError):
    """The text is not a well-formed card code (wrong length, symbol or check)."""


def check_symbol(data: str) -> str:
    """Return the Luhn mod-32 check character of the base32 ``data`` characters."""
    n = len(ALPHABET)
    total = 0
    for position, ch in enumerate(reversed(data)):
        addend = _VALUES[ch] * (2 if position % 2 == 0 else 1)
        total += addend // n + addend % n
    return ALPHABET[-total % n]


def generate_code() -> str:
    """Return a new random code in canonical form (17 characters, no hyphens)."""
    number = secrets.randbits(CODE_BITS)
    data = "".join(
        ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(DATA_LENGTH))
    )
    return data + check_symbol(data)


def normalise_code(text: str) -> str:
    """Return the canonical form of a typed or scanned code.

    Upper-cases, maps O to 0 and I/L to 1, drops everything that is not a letter
    or digit (spaces, hyphens, a ``+`` typed for ``-``), then checks the length,
    the symbols and the check character.

    :raises InvalidCode: when the text is not a valid code; a typo is rejected
        here rather than looked up.
    """
    if not isinstance(text, str):
        raise InvalidCode("not text")
    canonical = _SEPARATORS.sub("", text.upper().translate(_ALIASES))
    if len(canonical) != DATA_LENGTH + 1:
        raise InvalidCode("wrong length")
    data, check = canonical[:DATA_LENGTH], canonical[DATA_LENGTH]
    if any(ch not in _VALUES for ch in canonical):
        raise InvalidCode("bad symbol")
    if check_symbol(data) != check:
        raise InvalidCode("check symbol mismatch")
    return canonical


def format_code(code: str) -> str:
    """Return ``code`` grouped for printing, e.g. ``K7Q2-9XMD-F3AB-CD5E-Q``."""
    canonical = normalise_code(code)
    groups = [canonical[i : i + GROUP] for i in range(0, DATA_LENGTH, GROUP)]
    return "-".join([*groups, canonical[DATA_LENGTH]])


class CodeHasher:
    """HMAC-SHA256 of canonical codes, with the key schedule done once."""

    def __init__(self, key: bytes | str) -> None:
        if isinstance(key, str):
            key = key.encode()
        if not key:
            raise ValueError("empty card hash key")
        self._base = hmac.new(key, digestmod=hashlib.sha256)

    def __call__(self, canonical_code: str) -> str:
        """Return the hex HMAC of an already normalised code."""
        mac = self._base.copy()
        mac.update(canonical_code.encode("ascii"))
        return mac.hexdigest()


def hash_code(key: bytes | str, code: str) -> str:
    """Return the hex HMAC-SHA256 of the normalised ``code`` under ``key``."""
    return CodeHasher(key)(normalise_code(code))
