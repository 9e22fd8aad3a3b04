"""Bounded parsers for every date, integer and page number a request carries.

Out-of-range input must never reach date arithmetic or a query: Python's
``date(9999, 12, 31) + timedelta(days=1)`` raises OverflowError and PostgreSQL's
``integer`` refuses 2^31. Views read query parameters through :func:`arg_date`,
:func:`arg_int` and :func:`arg_page` (a bad value answers 400 with a Danish
message); forms use :class:`BoundedDateField` and :class:`BoundedIntegerField`.
"""

from datetime import date

from flask import abort, request
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter
from wtforms import DateField, IntegerField

#: The dates the application handles (visits, activities, report periods).
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2099, 12, 31)
#: The range of an ``integer`` column on PostgreSQL (SQLite's is wider).
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
#: The highest page number a listing accepts.
MAX_PAGE = 100_000
#: Longest text accepted for a number (a 10-digit integer with its sign, spaces).
_MAX_NUMBER_TEXT = 20
#: WTForms' own message (translated in its catalogue, domain ``wtforms``).
_WTFORMS_INT_MESSAGE = "Not a valid integer value."


def in_date_range(day: date) -> bool:
    """Return whether ``day`` lies within the supported dates."""
    return MIN_DATE <= day <= MAX_DATE


def date_range_message() -> str:
    """Return the message for a date outside the supported range."""
    return _(
        "Choose a date between %(first)s and %(last)s.",
        first=format_date(MIN_DATE, "short"),
        last=format_date(MAX_DATE, "short"),
    )


def parse_date(text: str) -> date:
    """Parse an ISO date (YYYY-MM-DD) within the supported range.

    :raises ValueError: unreadable, or outside ``MIN_DATE``..``MAX_DATE``.
    """
    if not isinstance(text, str) or len(text) > 10:
        raise ValueError("not an ISO date")
    day = date.fromisoformat(text)
    if not in_date_range(day):
        raise ValueError("date out of range")
    return day


def parse_int(text: str, low: int = INT_MIN, high: int = INT_MAX) -> int:
    """Parse a decimal integer within ``low``..``high``.

    :raises ValueError: unreadable (``1e23``, ``0x10``) or out of range.
    """
    if not isinstance(text, str) or len(text) > _MAX_NUMBER_TEXT:
        raise ValueError("not an integer")
    stripped = text.strip()
    digits = stripped[1:] if stripped[:1] in "+-" else stripped
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("not an integer")
    number = int(stripped)
    if not low <= number <= high:
        raise ValueError("integer out of range")
    return number


def arg_date(name: str, default: date | None = None) -> date | None:
    """Return the date in query parameter ``name`` (``default`` when absent).

    Answers 400 when the parameter is not a date in the supported range.
    """
    text = request.args.get(name, "")
    if not text:
        return default
    try:
        return parse_date(text)
    except ValueError:
        abort(400, description=date_range_message())


def arg_int(
    name: str, default: int | None = None, low: int = 0, high: int = INT_MAX
) -> int | None:
    """Return the integer in query parameter ``name`` (``default`` when absent).

    Answers 400 when it is not a whole number within ``low``..``high``.
    """
    text = request.args.get(name, "")
    if not text:
        return default
    try:
        return parse_int(text, low, high)
    except ValueError:
        abort(
            400,
            description=_(
                "%(name)s must be a whole number between %(low)d and %(high)d.",
                name=name,
                low=low,
                high=high,
            ),
        )


def arg_page(name: str = "page") -> int:
    """Return the page number in query parameter ``name`` (1 when absent)."""
    return arg_int(name, 1, 1, MAX_PAGE)


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul_bytes() -> None:
    """Answer 400 when the path, a query parameter or a form field holds NUL.

    PostgreSQL cannot store or even compare a text with a NUL byte (it raises
    DataError); no name, code or date ever contains one. Registered as a
    ``before_request`` hook, so it guards every view. JSON bodies are checked
    by the API's own field parsing.
    """
    found = "\x00" in request.path or any(
        "\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)
    )
    if not found and request.mimetype in _FORM_TYPES:
        found = any(
            "\x00" in k or "\x00" in v for k, v in request.form.items(multi=True)
        )
    if found:
        abort(400, description=_("The request contains a NUL byte."))


class BoundedIntConverter(IntegerConverter):
    """The ``<int:…>`` URL converter, limited to what an id column holds.

    ``/admin/districts/9223372036854775808/edit`` is then a plain 404.
    """

    def __init__(self, map, fixed_digits=0, min=None, max=INT_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


class BoundedDateField(DateField):
    """A date field that refuses dates outside the supported range."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not in_date_range(self.data):
            self.data = None
            raise ValueError(date_range_message())


class BoundedIntegerField(IntegerField):
    """An integer field that refuses numbers its database column cannot hold."""

    def __init__(self, *args, low: int = INT_MIN, high: int = INT_MAX, **kwargs):
        super().__init__(*args, **kwargs)
        self.low = low
        self.high = high

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist[0] or "") > _MAX_NUMBER_TEXT:
            self.data = None
            raise ValueError(self.gettext(_WTFORMS_INT_MESSAGE))
        super().process_formdata(valuelist)
        if self.data is not None and not self.low <= self.data <= self.high:
            self.data = None
            raise ValueError(
                _(
                    "Enter a whole number between %(low)d and %(high)d.",
                    low=self.low,
                    high=self.high,
                )
            )
