"""The protection note every protected output carries (pages and files).

Files get the note in Danish and English (a file has no reader's language):
the CSV as its last line (``# …``, the header stays as it is), the XLSX as a
sheet ``notes``, the GeoJSON as a member ``note``; JSON tables, which are bare
lists of rows, get it in ``NOTE.txt`` beside them when written to a directory.
"""

from flask_babel import force_locale
from flask_babel import gettext as _


def note_text(min_cell: int, locale: str) -> str:
    """Return the note for ``min_cell`` in ``locale`` ("da" or "en"); the pages
    show the same sentence (templates/reports/_macros.html)."""
    with force_locale(locale):
        return _(
            "Figures are protected: every count is changed by up to 2 at random "
            "(the same count always in the same way) and counts from 1 to "
            "%(below)s are shown as <%(min)s. Totals may differ from the sum of "
            "their parts by a few.",
            below=min_cell - 1,
            min=min_cell,
        )


def file_note(min_cell: int) -> str:
    """Return the note in Danish, then English, on one line."""
    return " / ".join(note_text(min_cell, locale) for locale in ("da", "en"))
