"""Demo activities: two or three weekly activities per demo centre.

Each centre gets activities of the categories it offers, planned through the
same operations as the leader's form (:mod:`vaerested.activities.operations`),
with weekly rules that began about :data:`PAST_DAYS` days ago. The past sessions
are materialised and get an anonymous headcount and the volunteers (a few are
cancelled instead). Titles and places are Danish and about the activity: no
names or notes about persons anywhere. Deterministic for a given ``seed``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from vaerested.activities import operations as ops
from vaerested.extensions import db
from vaerested.models import (
    Activity,
    ActivitySession,
    Centre,
    ChangeReason,
    LedBy,
    RuleKind,
    SessionAttendance,
)
from vaerested.services.recurrence import to_aware

#: The rules started this many days ago (give or take a week): a year, like
#: the generated visits.
PAST_DAYS = 365
#: Share of past sessions cancelled (with a reason about the session).
CANCELLED_SHARE = 0.05
CANCEL_REASONS = (
    ChangeReason.STAFF_ILLNESS,
    ChangeReason.HOLIDAY,
    ChangeReason.TOO_FEW,
    ChangeReason.ROOM_UNAVAILABLE,
)


@dataclass(frozen=True)
class Template:
    title: str
    description: str
    category: int
    phases: tuple[int, int]
    led_by: LedBy
    place: str
    #: Preferred local start and length in minutes.
    start: time
    minutes: int
    #: Typical headcount at a centre with 40 typical daily users.
    headcount: int
    partner: str = ""
    capacity: int | None = None


T = Template
S, V, P = LedBy.STAFF, LedBy.VOLUNTEER, LedBy.PARTNER
TEMPLATES = [
    T("Fællesspisning", "Vi laver mad sammen og spiser ved det lange bord.", 1,
      (1, 2), S, "Køkkenet", time(12), 90, 16),
    T("Brætspil", "Kaffe, kage og brætspil for alle.", 1, (1, 2), V, "Caféen",
      time(14), 120, 8),
    T("Gåtur", "En rolig gåtur i nærområdet; vi mødes ved indgangen.", 1, (1, 3),
      V, "Ved indgangen", time(10, 30), 60, 6),
    T("Morgenkaffe", "Rundstykker og dagens avis.", 1, (1, 2), S, "Caféen",
      time(9), 60, 12),
    T("Kreativt værksted", "Maling, ler og genbrugsmaterialer.", 2, (2, 3), S,
      "Værkstedet", time(13), 120, 7, capacity=12),
    T("Musik", "Vi spiller og synger sammen; instrumenter kan lånes.", 2, (2, 3), V,
      "Musiklokalet", time(14), 90, 6),
    T("Cykelværksted", "Vi reparerer cykler sammen.", 2, (2, 3), V, "Gården",
      time(11), 120, 5, capacity=8),
    T("Jobcafé", "Hjælp til ansøgninger, CV og jobsøgning.", 3, (3, 4), P,
      "Mødelokalet", time(10), 120, 6, partner="Jobcenter", capacity=10),
    T("Vejen til uddannelse", "Forløb om uddannelsesvalg og studieteknik.", 3,
      (3, 4), P, "Mødelokalet", time(13), 120, 5, partner="Jobcenter",
      capacity=8),
]  # fmt: skip


def _pick(centre: Centre, rng: random.Random) -> list[Template]:
    """Return 2-3 templates: one per category the centre offers, then others."""
    offered = centre.categories
    pool = [t for t in TEMPLATES if t.category in offered]
    rng.shuffle(pool)
    picked = []
    for category in offered:
        picked.append(next(t for t in pool if t.category == category))
    want = min(max(rng.choice((2, 3)), len(picked)), 3)
    picked += [t for t in pool if t not in picked][: want - len(picked)]
    return picked


def _when(centre: Centre, template: Template, used: set[int], rng) -> tuple:
    """Return ``(weekday, start, end)`` within one of the centre's openings."""
    length = timedelta(minutes=template.minutes)
    # Staffed openings only: the user-run evenings are the users' own (and the
    # demo activities stay as they were before those evenings were added).
    intervals = sorted(
        (i for i in centre.opening_intervals if not i.is_user_run),
        key=lambda i: (i.weekday, i.opens_at, i.closes_at),
    )
    rng.shuffle(intervals)
    intervals.sort(key=lambda i: i.weekday in used)  # free weekdays first
    day0 = datetime(2000, 1, 3)
    preferred = datetime.combine(day0, template.start)
    spans = []
    for interval in intervals:
        opens = datetime.combine(day0, interval.opens_at)
        closes = datetime.combine(day0, interval.closes_at)
        if closes <= opens:
            closes += timedelta(days=1)
        spans.append((interval.weekday, opens, closes))
    # The preferred time if it fits an opening, else the start of an opening.
    fitting = [s for s in spans if s[1] <= preferred <= s[2] - length]
    if fitting:
        weekday, start, closes = fitting[0][0], preferred, fitting[0][2]
    elif spans:
        weekday, start, closes = spans[0]
    else:
        weekday, start, closes = 0, preferred, preferred + length
    used.add(weekday)
    return weekday, start.time(), min(start + length, closes).time()


def _phases(template: Template, centre: Centre) -> tuple[int, int]:
    low = max(template.phases[0], centre.life_phase_min)
    high = min(template.phases[1], centre.life_phase_max)
    if low > high:
        return centre.life_phase_min, centre.life_phase_max
    return low, high


def load_demo_activities(
    now: datetime, tz: ZoneInfo, horizon_days: int, seed: int = 1
) -> int:
    """Plan the demo activities of every centre and record past attendance.

    Sessions are materialised from the rules' start to ``horizon_days`` ahead
    of ``now``; the past ones get attendance. Flushes, never commits. Return how
    many activities were created.
    """
    created: list[tuple[Activity, Centre]] = []
    centres = db.session.scalars(select(Centre).order_by(Centre.id)).all()
    until = ops.horizon(now, horizon_days, tz)[1]
    for centre in centres:
        rng = random.Random(f"{seed}:{centre.slug}")
        used: set[int] = set()
        for template in _pick(centre, rng):
            low, high = _phases(template, centre)
            weekday, start, end = _when(centre, template, used, rng)
            first = (now.astimezone(tz) - timedelta(days=PAST_DAYS)).date()
            first += timedelta(days=rng.randint(-7, 7))
            began = to_aware(datetime.combine(first, time()), tz)
            activity = ops.create_activity(
                centre,
                {
                    "title": template.title,
                    "description": template.description,
                    "category": template.category,
                    "life_phase_min": low,
                    "life_phase_max": high,
                    "target_group_id": None,
                    "led_by": template.led_by,
                    "partner": template.partner,
                    "place": template.place,
                    "capacity": template.capacity,
                    "is_open_to_other_centres": template.category != 3,
                },
            )
            activity.created_dt = began
            rule = ops.add_rule(
                activity,
                {
                    "kind": RuleKind.WEEKLY,
                    "weekday": weekday,
                    "interval_weeks": 1,
                    "start_date": first,
                    "end_date": None,
                    "start_time": start,
                    "end_time": end,
                    "exception_dates": "",
                },
                now,
                tz,
            )
            rule.valid_from_dt = began  # planned back then: past sessions exist
            db.session.flush()
            ops.materialise_activity(activity, began, until, tz)
            created.append((activity, centre))
    _record_past(created, now, seed)
    return len(created)


def _record_past(created: list[tuple[Activity, Centre]], now, seed: int) -> None:
    """Cancel a few past sessions and bulk-insert the others' attendance."""
    rng = random.Random(f"{seed}:attendance")
    rows = []
    for activity, centre in created:
        template = next(t for t in TEMPLATES if t.title == activity.title)
        size = (centre.typical_daily_users or 20) / 40
        sessions = db.session.scalars(
            select(ActivitySession)
            .where(
                ActivitySession.activity_id == activity.id,
                ActivitySession.end_dt <= now,
            )
            .order_by(ActivitySession.start_dt)
        )
        for session in sessions:
            if rng.random() < CANCELLED_SHARE:
                ops.cancel_session(session, rng.choice(CANCEL_REASONS))
                continue
            headcount = max(0, round(rng.gauss(template.headcount * size, 2.5)))
            if activity.capacity is not None:
                headcount = min(headcount, activity.capacity)
            volunteers = {
                LedBy.VOLUNTEER: rng.randint(1, 3),
                LedBy.STAFF: rng.randint(0, 1),
                LedBy.PARTNER: 0,
            }[activity.led_by]
            rows.append(
                {
                    "session_id": session.id,
                    "headcount": headcount,
                    "volunteers": volunteers,
                    "recorded_by_id": None,
                    "updated_dt": session.end_dt,
                }
            )
    if rows:
        db.session.execute(insert(SessionAttendance.__table__), rows)
