"""Factory functions for test data. Each adds to the session and flushes.

Cards and visits made here get record key 0 unless one is given: every cell
key is then 0, whose ptable noise is 0, so tests of the exact definitions see
the raw counts behind the suppression at any min-cell. The protection and
attacker tests give random keys.
"""

import itertools
from datetime import time

from vaerested.auth.passwords import hash_password
from vaerested.extensions import db
from vaerested.models import (
    Centre,
    District,
    OpeningInterval,
    Role,
    StaffUser,
    TargetGroup,
)

DEFAULT_PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(DEFAULT_PASSWORD)  # hashing is slow on purpose
_seq = itertools.count(1)


def create_district(code: str | None = None, **kwargs) -> District:
    n = next(_seq)
    district = District(
        code=code or f"D{n}",
        name=kwargs.pop("name", f"District {n}"),
        municipality=kwargs.pop("municipality", "København"),
        **kwargs,
    )
    db.session.add(district)
    db.session.flush()
    return district


def create_target_group(code: str | None = None, **kwargs) -> TargetGroup:
    n = next(_seq)
    group = TargetGroup(
        code=code or f"group{n}",
        name_da=kwargs.pop("name_da", f"Gruppe {n}"),
        name_en=kwargs.pop("name_en", f"Group {n}"),
        **kwargs,
    )
    db.session.add(group)
    db.session.flush()
    return group


def create_centre(
    slug: str | None = None, district: District | None = None, hours=(), **kwargs
) -> Centre:
    """Create a centre; ``hours`` is a list of (weekday, "HH:MM", "HH:MM"), with
    an optional fourth item True for a user-run interval."""
    n = next(_seq)
    kwargs.setdefault("is_cat1", True)
    centre = Centre(
        slug=slug or f"centre-{n}",
        name=kwargs.pop("name", f"Centre {n}"),
        district=district or create_district(),
        **kwargs,
    )
    for weekday, opens, closes, *user_run in hours:
        centre.opening_intervals.append(
            OpeningInterval(
                weekday=weekday,
                opens_at=time.fromisoformat(opens),
                closes_at=time.fromisoformat(closes),
                is_user_run=bool(user_run and user_run[0]),
            )
        )
    db.session.add(centre)
    db.session.flush()
    return centre


def create_user(
    role: str | Role = Role.STAFF, centres=(), email: str | None = None, **kwargs
) -> StaffUser:
    n = next(_seq)
    user = StaffUser(
        email=email or f"user{n}@example.org",
        display_name=kwargs.pop("display_name", f"User {n}"),
        password_hash=kwargs.pop("password_hash", _PASSWORD_HASH),
        role=Role(role),
        centres=list(centres),
        **kwargs,
    )
    db.session.add(user)
    db.session.flush()
    return user


def create_card(centre: Centre | None = None, record_key: int = 0, **attributes):
    """Issue a card; the plain code is kept on ``card.code`` (tests only)."""
    from vaerested.checkin.operations import issue_card

    card, code = issue_card(centre, attributes)
    card.code = code
    card.record_key = record_key
    db.session.flush()
    return card


def create_visit(centre: Centre, card=None, visited_dt=None, **kwargs):
    """Add a visit (a tally when ``card`` is None) on the local day of ``visited_dt``."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    from vaerested.models import Visit, VisitSource
    from vaerested.models.base import utcnow

    visited_dt = visited_dt or utcnow()
    kwargs.setdefault("record_key", 0)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    visit = Visit(
        centre_id=centre.id,
        card_id=card.id if card is not None else None,
        visit_date=visited_dt.astimezone(tz).date(),
        visited_dt=visited_dt,
        source=kwargs.pop(
            "source", VisitSource.SCAN if card is not None else VisitSource.TALLY
        ),
        **kwargs,
    )
    db.session.add(visit)
    db.session.flush()
    return visit


def create_activity(centre: Centre, rules=(), **kwargs):
    """Create an activity; ``rules`` are dicts of ``ActivityRule`` fields."""
    from vaerested.models import Activity, ActivityRule, LedBy

    activity = Activity(
        centre_id=centre.id,
        title=kwargs.pop("title", f"Activity {next(_seq)}"),
        category=kwargs.pop("category", 1),
        led_by=kwargs.pop("led_by", LedBy.STAFF),
        **kwargs,
    )
    for rule in rules:
        activity.rules.append(ActivityRule(**{"kind": "weekly", **rule}))
    db.session.add(activity)
    db.session.flush()
    return activity


def create_session(activity, start_dt, end_dt=None, **kwargs):
    """Add a session of ``activity`` (not from a rule) at aware ``start_dt``."""
    from datetime import timedelta

    from vaerested.models import ActivitySession

    session = ActivitySession(
        activity_id=activity.id,
        occurrence_dt=start_dt,
        start_dt=start_dt,
        end_dt=end_dt or start_dt + timedelta(hours=2),
        **kwargs,
    )
    db.session.add(session)
    db.session.flush()
    return session


def create_course_world(centre: Centre):
    """Create a category-3 course at ``centre`` with a rule, a session today and
    an enrolment; return them as a namespace (for URL matrices)."""
    from datetime import date, time
    from types import SimpleNamespace

    from vaerested.models import CourseEnrolment
    from vaerested.models.base import utcnow

    activity = create_activity(
        centre,
        category=3,
        title="Job club",
        rules=[
            {
                "weekday": 0,
                "start_date": date(2026, 1, 5),
                "start_time": time(10),
                "end_time": time(12),
            }
        ],
    )
    session = create_session(activity, utcnow())
    card = create_card(centre)
    enrolment = CourseEnrolment(
        activity_id=activity.id,
        card_id=card.id,
        referral_ref="BIF-0001",
        start_date=date(2026, 1, 5),
    )
    db.session.add(enrolment)
    db.session.flush()
    return SimpleNamespace(
        activity=activity,
        rule=activity.rules[0],
        session=session,
        card=card,
        enrolment=enrolment,
    )


def create_statement(card, stated_on, situation, centre: Centre | None = None):
    """Add a housing statement of ``card`` (``situation`` None: "unknown")."""
    from vaerested.models import HousingStatement

    statement = HousingStatement(
        card_id=card.id,
        stated_on=stated_on,
        situation=situation,
        centre_id=centre.id if centre is not None else None,
    )
    db.session.add(statement)
    db.session.flush()
    return statement
