"""The translated labels of coded values, shared by the pages, the files and the forms.

A code (an enum member, a category number, a report or format name) is stored
and exported as itself; wherever a person reads it, its label comes from here.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vaerested.models import AgeBand, FirstCame, Gender, Housing
from vaerested.services.periods import Cadence

# Visitors (cards and tallies).
AGE_BAND_LABELS = {
    AgeBand.UNDER_25: _l("Under 25"),
    AgeBand.FROM_25_TO_39: _l("25–39"),
    AgeBand.FROM_40_TO_59: _l("40–59"),
    AgeBand.FROM_60: _l("60 or older"),
}
GENDER_LABELS = {
    Gender.WOMAN: _l("Woman"),
    Gender.MAN: _l("Man"),
    Gender.OTHER: _l("Other"),
}
HOUSING_LABELS = {
    Housing.OWN_HOME: _l("Own home"),
    Housing.RESIDENTIAL_CENTRE: _l("Residential centre"),
    Housing.HOMELESS: _l("Homeless"),
    Housing.OTHER: _l("Other"),
}
FIRST_CAME_LABELS = {
    FirstCame.OWN_INITIATIVE: _l("On own initiative"),
    FirstCame.OUTREACH_WORKER: _l("With an outreach worker"),
    FirstCame.HOME_GUIDE_OR_SKP: _l("With a home guide or SKP"),
    FirstCame.PSYCHIATRY: _l("Referred by psychiatry"),
    FirstCame.RESIDENTIAL_CENTRE: _l("From a residential centre"),
    FirstCame.OTHER: _l("Other"),
}

# Activities: categories of offer.
CATEGORY_LABELS = {
    1: _l("Category 1: inclusion of the most vulnerable"),
    2: _l("Category 2: development for the more resourceful"),
    3: _l("Category 3: employment course (job centre)"),
}


def category_label(category: int) -> str:
    """Return the translated name of a category of offer."""
    return _("Category %(n)s", n=category)


# Reports and exports.
REPORT_LABELS = {
    "visits": _l("Visits"),
    "coverage": _l("Geographic coverage"),
    "mobility": _l("Mobility between centres"),
    "dashboard": _l("Dashboard"),
    "reach": _l("Reach (age and gender)"),
}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON"}
CADENCE_LABELS = {
    Cadence.WEEKLY: _l("Weekly (the previous week, Monday to Sunday)"),
    Cadence.MONTHLY: _l("Monthly (the previous calendar month)"),
    Cadence.QUARTERLY: _l("Quarterly (the previous calendar quarter)"),
}
