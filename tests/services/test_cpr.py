"""CPR-shaped text is recognised (so a referral reference can refuse it)."""

import pytest

from vaerested.services.cpr import looks_like_cpr


@pytest.mark.parametrize(
    "text",
    [
        "010190-1234",
        "0101901234",
        "311299-0000",
        "BIF-2902001234",  # 29 Feb 2000, ten digits inside a reference
        "999999-9999",  # the ddmmyy-nnnn shape alone is refused
        "REF-150585-4321",
    ],
)
def test_cpr_shapes_are_recognised(text):
    assert looks_like_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "BIF-2026-0042",
        "3201901234",  # day 32: not a date
        "0113901234",  # month 13
        "2902011234",  # 29 Feb 2001 / 1901: no such day
        "01019012345",  # eleven digits: not a CPR number
        "123456789",
        "01019-01234",
    ],
)
def test_other_references_pass(text):
    assert not looks_like_cpr(text)
