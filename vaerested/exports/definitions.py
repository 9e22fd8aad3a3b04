"""What each column of the report tables means, for the files a person opens.

The XLSX's first sheet lists these beside each column; ``docs/exports.md``
says the same for the machine files. A column means the same in every table
that has it, counted within that table's row (a day and centre, a district, a
week, a month…) and the export's period and filters.
"""

from flask_babel import lazy_gettext as _l

COLUMN_DEFINITIONS = {
    "date": _l("The local calendar day."),
    "week": _l(
        "The Monday of the ISO week; the first and last weeks may be cut by the period."
    ),
    "month": _l("The calendar month (YYYY-MM), cut to the period."),
    "start": _l("First day of the month counted (within the period)."),
    "end": _l("Last day of the month counted (within the period)."),
    "centre": _l("The centre."),
    "from_centre": _l("The centre a card's visit came from."),
    "to_centre": _l("The centre of the card's next visit."),
    "district": _l("The district."),
    "home_district": _l("The card holder's home district (unknown if not given)."),
    "centre_district": _l("The district of the centre visited."),
    "visits": _l("Visits: one person at one centre on one day."),
    "card_visits": _l("Visits recorded by a card scan."),
    "tally_visits": _l("Visits without a card (staff tallies)."),
    "cards": _l("Distinct cards (persons) counted in the row."),
    "transitions": _l(
        "Consecutive visits of a card at the first centre, then at the second."
    ),
    "unique_cards": _l("Distinct cards with a visit."),
    "resident_cards": _l(
        "Distinct cards living in the district that visited any centre."
    ),
    "active_cards": _l("Cards with at least one visit."),
    "multi_centre_cards": _l("Active cards with visits at two or more centres."),
    "share_multi_centre": _l("Multi-centre cards divided by active cards."),
    "mobility_index": _l("Multi-centre cards divided by active cards."),
    "centres": _l("Number of centres."),
    "cat1_centres": _l(
        "Centres offering category 1 (inclusion of the most vulnerable)."
    ),
    "cat2_centres": _l("Centres offering category 2 (development)."),
    "cat3_centres": _l("Centres offering category 3 (employment course)."),
    "cat1": _l("Whether the centre offers category 1 (1 or 0 in the machine files)."),
    "cat2": _l("Whether the centre offers category 2 (1 or 0 in the machine files)."),
    "cat3": _l("Whether the centre offers category 3 (1 or 0 in the machine files)."),
    "active": _l("Whether the centre is active (1 or 0 in the machine files)."),
    "latitude": _l("The centre's latitude (WGS 84), if known."),
    "longitude": _l("The centre's longitude (WGS 84), if known."),
    "target_population": _l("The district's target population, if recorded."),
    "target_population_per_centre": _l("Target population divided by centres."),
    "opening_hours_per_week": _l("Opening hours in a week."),
    "evening_hours_per_week": _l("Opening hours 18-24, Monday to Friday."),
    "weekend_hours_per_week": _l("Opening hours on Saturday and Sunday."),
    "opening_hours_per_1000_target": _l(
        "Opening hours per week per 1,000 of the target population."
    ),
    "visits_per_1000_target": _l("Visits per 1,000 of the target population."),
    "resident_share": _l("Resident cards divided by the target population."),
    "typical_daily_users": _l("The usual number of visitors a day, as recorded."),
    "open_days": _l("Days in the period with at least one visit."),
    "dimension": _l("What the row breaks the visits down by: age band or gender."),
    "value": _l("The age band or gender (as the card holder gave it; unknown if not)."),
    "target_group": _l("The target group: young people under 25, or women."),
    "centre_count": _l("Centres in this row (naming the group, or the others)."),
    "known_visits": _l("Visits with the age band (or gender) known."),
    "group_visits": _l("Visits by the target group."),
    "group_share": _l(
        "Visits by the group divided by visits with the attribute known."
    ),
    "days_in_period": _l("Days of this week or month that lie inside the period."),
    "partial": _l(
        "1 when only some of the week's or month's days lie inside the period."
    ),
    "visits_per_open_day": _l("Visits divided by open days."),
    "visits_vs_typical": _l("Visits per open day divided by typical daily users."),
    "first_came": _l("How the card holder first came to a centre."),
    "housing": _l("The card holder's housing situation."),
    "category": _l("The category of offer of the activities."),
    "sessions_held": _l("Sessions held (not cancelled) in the period."),
    "attendance": _l("Attendance at the sessions held (headcounts and scans)."),
    "activities": _l("Activities with at least one session held."),
    # The course outcomes report (the file the job centre receives).
    "quarter": _l("The calendar quarter (YYYY-Qn), cut to the period."),
    "course_id": _l("The course's number (an activity of category 2 or 3)."),
    "course": _l("The course's title (about the course, never a person)."),
    "enrolled": _l("Distinct cards whose enrolment started in the quarter."),
    "on_course": _l(
        "Distinct cards enrolled at some time in the quarter (no end date: still "
        "enrolled)."
    ),
    "continuing": _l("Distinct cards with a follow-up in the quarter: continuing."),
    "completed": _l("Distinct cards with a follow-up in the quarter: completed."),
    "employment": _l(
        "Distinct cards with a follow-up in the quarter: moved to employment."
    ),
    "education": _l(
        "Distinct cards with a follow-up in the quarter: moved to education."
    ),
    "stopped": _l("Distinct cards with a follow-up in the quarter: stopped."),
    "other_outcome": _l(
        "Distinct cards with a follow-up in the quarter: another outcome."
    ),
    # The FLOW report (from the cards' dated housing statements).
    "moved_to_own_home": _l(
        "Distinct cards with a housing statement “own home” in the month whose "
        "previous statement was another known situation."
    ),
    "moved_out_of_residential_centre": _l(
        "Distinct cards with a housing statement “own home” in the month whose "
        "previous statement was “residential centre”."
    ),
    "flow_visits": _l(
        "Visits in the month of cards whose housing situation that day is own "
        "home and who earlier stated residential centre."
    ),
    # The outreach and volunteering report.
    "volunteer_cards": _l(
        "Distinct cards recorded as a volunteer at a session of the centre in the "
        "period (not cancelled)."
    ),
    "volunteer_sessions": _l(
        "Volunteer records at the centre's sessions in the period: a card at a "
        "session counts once."
    ),
    "away_volunteers": _l(
        "Volunteer cards whose home centre in the period (most visits, ties by "
        "centre slug) is another centre."
    ),
    "outreach": _l(
        "Who accompanied the person at the visit: street_worker, home_guide, skp "
        "(support contact person), other, or none (not stated or came alone)."
    ),
}


def definition(column: str) -> str:
    """Return the translated meaning of ``column`` ("" for an unknown one)."""
    text = COLUMN_DEFINITIONS.get(column)
    return str(text) if text is not None else ""
