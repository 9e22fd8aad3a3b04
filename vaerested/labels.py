"""The translated labels of coded values, shared by the pages, the files and the forms.

A code (an enum member, a category number, a report or format name) is stored
and exported as itself; wherever a person reads it, its label comes from here.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vaerested.i18n import WEEKDAYS
from vaerested.models import AgeBand, FirstCame, Gender, Housing, Outreach
from vaerested.models.cards import HOUSING_CHOICES
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
    Housing.SHELTER: _l("Shelter or hostel (§ 110)"),
    Housing.NIGHT_SHELTER: _l("Night shelter"),
    Housing.STREET: _l("Street"),
    Housing.FAMILY_FRIENDS: _l("With family or friends"),
    Housing.HOTEL_CAMPING: _l("Hotel, hostel or camping"),
    Housing.TRANSITIONAL: _l("Transitional housing"),
    Housing.AWAITING_RELEASE: _l("Hospital or prison, no housing on release"),
    Housing.OTHER: _l("Other"),
    Housing.HOMELESS: _l("Homeless (not specified)"),
}
#: The housing situations offered in choice lists (no legacy value).
HOUSING_CHOICE_LABELS = {h: HOUSING_LABELS[h] for h in HOUSING_CHOICES}
FIRST_CAME_LABELS = {
    FirstCame.OWN_INITIATIVE: _l("On own initiative"),
    FirstCame.OUTREACH_WORKER: _l("With an outreach worker"),
    FirstCame.HOME_GUIDE_OR_SKP: _l("With a home guide or SKP"),
    FirstCame.PSYCHIATRY: _l("Referred by psychiatry"),
    FirstCame.RESIDENTIAL_CENTRE: _l("From a residential centre"),
    FirstCame.OTHER: _l("Other"),
}

#: Who accompanied the person at a visit (the scanner's outreach tap).
OUTREACH_LABELS = {
    Outreach.STREET_WORKER: _l("Street worker"),
    Outreach.HOME_GUIDE: _l("Home guide"),
    Outreach.SKP: _l("Support contact person (SKP)"),
    Outreach.OTHER: _l("Other outreach staff"),
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
    "courses": _l("Course outcomes"),
    "flow": _l("FLOW (moves to an own home)"),
    "volunteers": _l("Outreach and volunteering"),
}
FORMAT_LABELS = {
    "csv": "CSV",
    "csv_da": _l("Excel (Danish CSV)"),
    "xlsx": "Excel (XLSX)",
    "json": "JSON",
}
CADENCE_LABELS = {
    Cadence.WEEKLY: _l("Weekly (the previous week, Monday to Sunday)"),
    Cadence.MONTHLY: _l("Monthly (the previous calendar month)"),
    Cadence.QUARTERLY: _l("Quarterly (the previous calendar quarter)"),
}


# Report tables: the columns of every table in
# vaerested.reports.tables.build.COLUMNS (dashboard's included). The files keep
# the column names themselves (the machine contract, docs/exports.md); these
# labels are what pages and the files meant for people show instead.
COLUMN_LABELS = {
    "date": _l("Date"),
    "week": _l("Week starting"),
    "month": _l("Month"),
    "start": _l("From"),
    "end": _l("To"),
    "centre": _l("Centre"),
    "from_centre": _l("From centre"),
    "to_centre": _l("To centre"),
    "district": _l("District"),
    "home_district": _l("Home district"),
    "centre_district": _l("Centre's district"),
    "visits": _l("Visits"),
    "card_visits": _l("Visits with a card"),
    "tally_visits": _l("Visits without a card"),
    "centres": _l("Centres"),
    "cat1_centres": _l("Centres with category 1"),
    "cat2_centres": _l("Centres with category 2"),
    "cat3_centres": _l("Centres with category 3"),
    "target_population": _l("Target population"),
    "target_population_per_centre": _l("Target population per centre"),
    "opening_hours_per_week": _l("Opening hours per week"),
    "evening_hours_per_week": _l("Evening hours per week"),
    "weekend_hours_per_week": _l("Weekend hours per week"),
    "opening_hours_per_1000_target": _l("Opening hours per 1,000 target population"),
    "unique_cards": _l("Cards with a visit"),
    "resident_cards": _l("Resident cards"),
    "visits_per_1000_target": _l("Visits per 1,000 target population"),
    "resident_share": _l("Residents as a share of the target population"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "active": _l("Active"),
    "cat1": _l("Category 1"),
    "cat2": _l("Category 2"),
    "cat3": _l("Category 3"),
    "typical_daily_users": _l("Typical daily users"),
    "cards": _l("Cards"),
    "transitions": _l("Transitions"),
    "active_cards": _l("Active cards"),
    "multi_centre_cards": _l("Cards at two or more centres"),
    "share_multi_centre": _l("Share at two or more centres"),
    "mobility_index": _l("Mobility index"),
    "open_days": _l("Open days"),
    "days_in_period": _l("Days in the period"),
    "dimension": _l("Breakdown"),
    "value": _l("Group"),
    "target_group": _l("Target group"),
    "centre_count": _l("Centres counted"),
    "known_visits": _l("Visits with the attribute known"),
    "group_visits": _l("Visits by the group"),
    "group_share": _l("The group's share"),
    "partial": _l("Partial"),
    "visits_per_open_day": _l("Visits per open day"),
    "visits_vs_typical": _l("Relative to typical daily users"),
    "first_came": _l("First came"),
    "housing": _l("Housing"),
    "category": _l("Category of offer"),
    "sessions_held": _l("Sessions held"),
    "attendance": _l("Attendance"),
    "activities": _l("Activities held"),
    "quarter": _l("Quarter"),
    "course_id": _l("Course number"),
    "course": _l("Course"),
    "enrolled": _l("Cards enrolled"),
    "on_course": _l("Cards on the course"),
    "continuing": _l("Continuing"),
    "completed": _l("Completed"),
    "employment": _l("Moved to employment"),
    "education": _l("Moved to education"),
    "stopped": _l("Stopped"),
    "other_outcome": _l("Other outcome"),
    "moved_to_own_home": _l("Cards moved to an own home"),
    "moved_out_of_residential_centre": _l("Cards moved out of a residential centre"),
    "flow_visits": _l("Visits of people who moved out"),
    "volunteer_cards": _l("Volunteer cards"),
    "volunteer_sessions": _l("Volunteer sessions"),
    "away_volunteers": _l("Volunteering away from their home centre"),
    "outreach": _l("Came with"),
    # The mobility page's connections of a shown centre (page only, no file).
    "other_centre": _l("Other centre"),
    "cards_to": _l("Cards going there next"),
    "transitions_to": _l("Transitions there"),
    "cards_from": _l("Cards coming from there"),
    "transitions_from": _l("Transitions from there"),
}
#: ``(table, column)`` -> a label where a column means more in one table.
TABLE_COLUMN_LABELS = {
    ("new_cards", "cards"): _l("New cards"),
    ("housing", "cards"): _l("Cards with a visit"),
    ("flows", "cards"): _l("Cards"),
    # The city-wide opening hours file (counts of centres, not of persons).
    ("dashboard_reach", "centres"): _l("Centres"),
    ("opening_hours_city", "scope"): _l("Area"),
    ("opening_hours_city", "code"): _l("Code"),
    ("opening_hours_city", "name"): _l("Name"),
    ("opening_hours_city", "municipality"): _l("Municipality"),
    ("opening_hours_city", "centres"): _l("Centres"),
    ("opening_hours_city", "weekday"): _l("Weekday"),
    ("opening_hours_city", "hour"): _l("Hour"),
    ("opening_hours_city", "band"): _l("Time of week"),
    ("opening_hours_city", "open"): _l("Centres open"),
    ("opening_hours_city", "staffed"): _l("Staffed"),
    ("opening_hours_city", "user_run"): _l("User-run"),
    ("opening_hours_city", "gap"): _l("Gap"),
}
#: Table name -> its title where a person reads it (instead of the file name).
TABLE_LABELS = {
    "reach_centres": _l("Reach per centre and month"),
    "reach_districts": _l("Reach per district and month"),
    "dashboard_reach": _l("Young people and women"),
    "visits": _l("Visits per centre and day"),
    "coverage": _l("Districts"),
    "coverage_centres": _l("Centres on the map"),
    "flows": _l("From home district to centre district"),
    "mobility_matrix": _l("Transitions between centres"),
    "mobility_centres": _l("Cards per centre"),
    "mobility_summary": _l("Mobility in the period"),
    "mobility_months": _l("Mobility index month by month"),
    "dashboard_centres": _l("Centres"),
    "dashboard_districts": _l("Districts"),
    "dashboard_weeks": _l("Weeks"),
    "new_cards": _l("New cards"),
    "housing": _l("Housing situation"),
    "activity_categories": _l("Activities by category of offer"),
    "courses": _l("Course outcomes per centre, course and quarter"),
    "flow": _l("FLOW per centre and month"),
    "flow_months": _l("FLOW per month"),
    "volunteers": _l("Volunteers per centre where they volunteered"),
    "outreach_arrivals": _l("Visits per centre and month by outreach"),
}

#: The code of a missing value (no home district, housing or first came).
UNKNOWN = "unknown"
UNKNOWN_LABEL = _l("Unknown")
YES_NO_LABELS = {1: _l("Yes"), 0: _l("No")}
#: Weekday number (Monday 0, Python's ``date.weekday()``) -> its name.
WEEKDAY_LABELS = dict(enumerate(WEEKDAYS))
#: Column -> {code: label} for the report columns holding coded values (the
#: centre and district columns take names from the database instead).
VALUE_LABELS = {
    "first_came": {
        **{m.value: label for m, label in FIRST_CAME_LABELS.items()},
        UNKNOWN: UNKNOWN_LABEL,
    },
    "housing": {
        **{m.value: label for m, label in HOUSING_LABELS.items()},
        UNKNOWN: UNKNOWN_LABEL,
    },
    "age_band": {m.value: label for m, label in AGE_BAND_LABELS.items()},
    "gender": {m.value: label for m, label in GENDER_LABELS.items()},
    "category": {n: _l("Category %(n)s", n=n) for n in CATEGORY_LABELS},
    "active": YES_NO_LABELS,
    "cat1": YES_NO_LABELS,
    "cat2": YES_NO_LABELS,
    "cat3": YES_NO_LABELS,
    "weekday": WEEKDAY_LABELS,
    "partial": YES_NO_LABELS,
    "dimension": {"age_band": _l("Age band"), "gender": _l("Gender")},
    "outreach": {
        **{m.value: label for m, label in OUTREACH_LABELS.items()},
        "none": _l("Not stated or came alone"),
    },
    # A reach row's value is an age band or a gender (their codes differ).
    "value": {
        **{m.value: label for m, label in AGE_BAND_LABELS.items()},
        **{m.value: label for m, label in GENDER_LABELS.items()},
        UNKNOWN: UNKNOWN_LABEL,
    },
}
#: (table, column) -> the labels of its codes where they differ from VALUE_LABELS
#: (the opening-hours file counts weekdays from 1 = Monday).
TABLE_VALUE_LABELS = {
    ("opening_hours_city", "weekday"): dict(enumerate(WEEKDAYS, start=1)),
    ("opening_hours_city", "gap"): YES_NO_LABELS,
    ("dashboard_reach", "target_group"): {
        "young": _l("Young people (under 25)"),
        "women": _l("Women"),
    },
    ("dashboard_reach", "centres"): {
        "named": _l("Centres naming the group"),
        "other": _l("Other centres"),
    },
}
