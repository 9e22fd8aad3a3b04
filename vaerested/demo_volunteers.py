"""Demo outreach and volunteering: who came along, and volunteers at sessions.

So the outreach and volunteering report (``volunteers``) has something to
show:

- :func:`add_outreach`, run by ``flask demo generate`` once the visits are
  written: a share of the visits record that outreach staff came along (more
  often at a card's first visit: outreach staff accompany people to a centre
  *first*), as the scanner's tap would;
- :func:`mark_volunteers`, run at the end of ``flask seed demo`` (after the
  visits and any courses): a share of the demo's session scans is marked as
  volunteers, more often for cards whose most-visited centre is another one
  (the strategy encourages users to volunteer at *other* centres too).

Deterministic for a seed, like the rest of the generator.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, update

from vaerested.models import ActivitySession, Outreach, SessionScan, Visit
from vaerested.models.activities import Activity

#: Chance that outreach staff came along: at a card's first visit, at a later
#: one, at a tally.
FIRST_VISIT_SHARE = 0.2
LATER_VISIT_SHARE = 0.02
TALLY_SHARE = 0.03
#: Weights of the kinds (street workers and home guides most often).
KIND_WEIGHTS = {
    Outreach.STREET_WORKER: 4,
    Outreach.HOME_GUIDE: 3,
    Outreach.SKP: 2,
    Outreach.OTHER: 1,
}
#: Share of the demo's session scans marked as volunteers: of cards whose
#: most-visited centre is another one, of the others.
MARK_AWAY_SHARE = 0.3
MARK_SHARE = 0.1
#: Without session scans: share of held sessions with volunteers among the
#: cards, and the chance a volunteer is picked among the visitors from another
#: home centre.
SESSION_SHARE = 0.5
AWAY_PREFERENCE = 0.4


def add_outreach(session, seed: int | None) -> int:
    """Mark who came along on a share of the visits; return how many."""
    rng = random.Random(None if seed is None else f"{seed}:outreach")
    visits = Visit.__table__
    rows = session.execute(
        select(visits.c.id, visits.c.card_id)
        .where(visits.c.outreach.is_(None))
        .order_by(visits.c.card_id, visits.c.visited_dt, visits.c.id)
    ).all()
    chosen: dict[Outreach, list[int]] = defaultdict(list)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    previous = None
    for visit_id, card_id in rows:
        if card_id is None:
            share = TALLY_SHARE
        else:
            share = FIRST_VISIT_SHARE if card_id != previous else LATER_VISIT_SHARE
        previous = card_id
        if rng.random() < share:
            chosen[rng.choices(kinds, weights)[0]].append(visit_id)
    for kind, ids in chosen.items():
        for n in range(0, len(ids), 500):
            session.execute(
                update(visits)
                .where(visits.c.id.in_(ids[n : n + 500]))
                .values(outreach=kind)
            )
    return sum(len(ids) for ids in chosen.values())


def _homes(session) -> dict[int, int]:
    """Return each card's most-visited centre (ties: the lower id)."""
    per_card: dict[int, Counter] = defaultdict(Counter)
    for card_id, centre_id, n in session.execute(
        select(Visit.card_id, Visit.centre_id, func.count())
        .where(Visit.card_id.is_not(None))
        .group_by(Visit.card_id, Visit.centre_id)
    ):
        per_card[card_id][centre_id] = n
    return {
        card: min(counts, key=lambda c: (-counts[c], c))
        for card, counts in per_card.items()
    }


def mark_volunteers(session, seed: int | None, tz: ZoneInfo) -> int:
    """Record volunteers at held past sessions; return how many scans.

    With session scans in the demo (the courses' participants), a share of
    them is marked, cards from another home centre more often. Without any
    (a demo without courses), one to three of the cards visiting the centre
    that day are scanned as volunteers at a share of the held sessions.
    """
    rng = random.Random(None if seed is None else f"{seed}:volunteers")
    home = _homes(session)
    scans = SessionScan.__table__
    existing = session.execute(
        select(scans.c.id, scans.c.card_id, Activity.centre_id)
        .join(ActivitySession, ActivitySession.id == scans.c.session_id)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(scans.c.card_id.is_not(None))
        .order_by(scans.c.id)
    ).all()
    if existing:
        ids = [
            scan_id
            for scan_id, card_id, centre_id in existing
            if rng.random()
            < (
                MARK_AWAY_SHARE
                if home.get(card_id, centre_id) != centre_id
                else MARK_SHARE
            )
        ]
        for n in range(0, len(ids), 500):
            session.execute(
                update(scans)
                .where(scans.c.id.in_(ids[n : n + 500]))
                .values(is_volunteer=True)
            )
        return len(ids)
    visitors: dict[tuple, list[int]] = defaultdict(list)
    for card_id, centre_id, day in session.execute(
        select(Visit.card_id, Visit.centre_id, Visit.visit_date)
        .where(Visit.card_id.is_not(None))
        .order_by(Visit.id)
    ):
        visitors[(centre_id, day)].append(card_id)
    held = session.execute(
        select(ActivitySession.id, ActivitySession.start_dt, Activity.centre_id)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(
            ActivitySession.is_cancelled.is_(False),
            ActivitySession.end_dt <= datetime.now(tz),
        )
        .order_by(ActivitySession.id)
    ).all()
    rows = []
    for session_id, start_dt, centre_id in held:
        here = visitors.get((centre_id, start_dt.astimezone(tz).date()))
        if not here or rng.random() >= SESSION_SHARE:
            continue
        away = [c for c in here if home[c] != centre_id]
        picked: set[int] = set()
        for _ in range(rng.randint(1, 3)):
            pool = away if away and rng.random() < AWAY_PREFERENCE else here
            picked.add(rng.choice(pool))
        rows.extend(
            {
                "session_id": session_id,
                "card_id": card,
                "scanned_dt": start_dt,
                "is_volunteer": True,
            }
            for card in sorted(picked)
        )
    if rows:
        session.execute(insert(scans), rows)
    return len(rows)
