"""Recognise text shaped like a Danish CPR number (a person's identity number).

A CPR number is ``ddmmyy-nnnn`` or the same ten digits without the hyphen;
its first six digits are a date of birth. Free-text fields that must never
hold one (the course referral reference) refuse anything that looks like it:
``ddmmyy-nnnn`` whatever the digits, and ten digits in a row whose first six
form a valid date (in 19yy or 20yy). Pure: no Flask, no database.
"""

import re
from datetime import date

#: Six digits, a hyphen, four digits, not inside a longer number.
_HYPHENATED = re.compile(r"(?<!\d)\d{6}-\d{4}(?!\d)")
#: Exactly ten digits in a row.
_TEN = re.compile(r"(?<!\d)\d{10}(?!\d)")


def _is_date(ddmmyy: str) -> bool:
    day, month, year = int(ddmmyy[:2]), int(ddmmyy[2:4]), int(ddmmyy[4:6])
    for century in (1900, 2000):
        try:
            date(century + year, month, day)
        except ValueError:
            continue
        return True
    return False


def looks_like_cpr(text: str | None) -> bool:
    """Return whether ``text`` holds something shaped like a CPR number."""
    if not text:
        return False
    if _HYPHENATED.search(text):
        return True
    return any(_is_date(m.group()[:6]) for m in _TEN.finditer(text))
