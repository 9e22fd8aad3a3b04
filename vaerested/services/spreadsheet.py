"""Spreadsheet formula neutralisation (OWASP "CSV injection")."""

#: A text cell beginning with one of these is read as a formula by Excel or
#: LibreOffice (``=1+2``, ``+1``, ``-1+1``, ``@SUM(…)``, and after a tab or CR).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """Return whether ``value`` is text a spreadsheet would evaluate."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: object) -> object:
    """Return a CSV cell that no spreadsheet evaluates.

    Text beginning like a formula gets a leading ``'``; numbers (negative ones
    too) and other values are returned unchanged.
    """
    return "'" + value if is_formula_like(value) else value
