"""Read import files the same way for every importer: encoding, separator, limits.

One reader serves the district, centre and visit imports (see ``docs/imports.md``):

- text must be UTF-8, with or without a byte order mark. A file in Windows-1252 /
  Latin-1 (what Excel's plain "CSV" writes) is refused with a message that names
  that encoding, rather than guessed: a wrong guess would store "Ã¸" for "ø";
- a NUL byte means a binary file (a spreadsheet, a zip) and is refused;
- the separator is the one of ``,`` ``;`` or tab that the header line uses most
  (Danish Excel writes ``;``);
- a physical line is at most :data:`MAX_LINE_BYTES` long, so a file without line
  breaks cannot be read into memory whole.

Rows are read lazily: a file of any length needs memory for one row at a time.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from typing import BinaryIO

#: Longest physical line read (bytes). A district or centre row is far shorter.
MAX_LINE_BYTES = 64 * 1024
#: The separators recognised, in order of preference on a tie.
DELIMITERS = (",", ";", "\t")
#: Control and invisible formatting characters refused in names and codes:
#: C0/C1 controls (NUL, escape, line breaks …) and the bidirectional overrides
#: that can make a name display as something else.
_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
_DANISH_CP1252 = re.compile(rb"[\xe6\xf8\xe5\xc6\xd8\xc5\xe9\xfc\xf6\xe4]")


class ReadError(Exception):
    """The file cannot be read as text from ``line`` on; ``reason`` says why."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def encoding_problem(raw: bytes) -> str:
    """Explain why ``raw`` (a line that is not UTF-8) cannot be read."""
    if _DANISH_CP1252.search(raw):
        return (
            "not UTF-8 text: this looks like Windows-1252/Latin-1 (Excel's plain "
            "CSV); save the file as CSV UTF-8"
        )
    return "not UTF-8 text: save the file as CSV UTF-8"


def text_lines(fh: BinaryIO) -> Iterator[str]:
    """Yield the decoded physical lines of ``fh`` (line ends kept).

    :raises ReadError: at the first line that is binary, not UTF-8 or too long.
    """
    number = 0
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise ReadError(number, f"a line is longer than {MAX_LINE_BYTES} bytes")
        if b"\0" in raw:
            raise ReadError(number, "binary data (NUL bytes): not a text file")
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ReadError(number, encoding_problem(raw)) from None


def decode_all(data: bytes) -> str:
    """Decode a whole (small) file the way :func:`text_lines` reads each line.

    :raises ReadError: for a binary, non-UTF-8 or empty file.
    """
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise ReadError(line, "binary data (NUL bytes): not a text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        end = data.find(b"\n", exc.start)
        raw = data[start : end if end >= 0 else len(data)]
        line = data[: exc.start].count(b"\n") + 1
        raise ReadError(line, encoding_problem(raw)) from None
    if not text.strip():
        raise ReadError(1, "the file is empty")
    return text


def bad_character(text: str) -> str | None:
    """Return a description of the first control character in ``text``, if any."""
    for char in text:
        if char in _BIDI or unicodedata.category(char) == "Cc":
            return f"U+{ord(char):04X}"
    return None


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


class CsvRows:
    """Iterate the rows of a CSV file after its header.

    ``header`` holds the lower-cased, stripped column names; iterating yields
    ``(line, cells)`` where ``line`` is the physical line the row starts on.
    Blank rows are skipped and trailing empty cells that Excel pads rows with
    are removed. :raises ReadError: for an unreadable file or malformed CSV.
    """

    def __init__(self, fh: BinaryIO) -> None:
        self._consumed = 0
        lines = self._counted(text_lines(fh))
        first = next((line for line in lines if line.strip()), None)
        if first is None:
            raise ReadError(1, "the file is empty")
        self.header_line = self._consumed
        self.delimiter = max(DELIMITERS, key=first.count)  # first wins ties
        self._reader = csv.reader(
            _chain(first, lines), delimiter=self.delimiter, strict=True
        )
        try:
            self.header = [name.strip().lower() for name in next(self._reader)]
        except csv.Error as exc:
            raise ReadError(self.header_line, f"malformed CSV: {exc}") from None

    def _counted(self, lines: Iterator[str]) -> Iterator[str]:
        for line in lines:
            self._consumed += 1
            yield line

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        width = len(self.header)
        while True:
            start = self._consumed + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ReadError(start, f"malformed CSV: {exc}") from None
            while len(cells) > width and not cells[-1].strip():
                cells.pop()  # Excel pads rows with empty cells
            if not any(c.strip() for c in cells):
                continue
            yield start, cells
