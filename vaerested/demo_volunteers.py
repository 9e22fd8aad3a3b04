"""Demo outreach and volunteering: who came along, and volunteers at sessions.

Run by ``flask demo generate`` once the visits are written, so the outreach
and volunteering report (``volunteers``) has something to show:

- a share of the visits record that outreach staff came along (more often at
  a card's first visit: outreach staff accompany people to a centre *first*),
  as the scanner's tap would;
- at a share of the held past sessions (not cancelled) one to three cards
  that visited the centre that day are recorded as volunteers, preferring now
  and then a card whose most-visited centre is another one (the strategy
  encourages users to volunteer at *other* centres too).

Deterministic for a seed, like the rest of the generator.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

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
#: Share of held sessions with volunteers among the cards, and the chance a
#: volunteer is picked among the visitors from another home centre.
SESSION_SHARE = 0.5
AWAY_PREFERENCE = 0.4


def add_outreach_and_volunteers(session, seed: int | None, tz: ZoneInfo) -> tuple:
    """Mark outreach on visits and volunteers at past sessions; return
    ``(visits with outreach, volunteer scans)``."""
    rng = random.Random(None if seed is None else f"{seed}:volunteers")
    visits = Visit.__table__
    rows = session.execute(
        select(
            visits.c.id,
            visits.c.card_id,
            visits.c.centre_id,
            visits.c.visit_date,
        ).order_by(visits.c.card_id, visits.c.visited_dt, visits.c.id)
    ).all()
    chosen: dict[Outreach, list[int]] = defaultdict(list)
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    previous = None
    visitors: dict[tuple, list[int]] = defaultdict(list)
    per_card: dict[int, Counter] = defaultdict(Counter)
    for visit_id, card_id, centre_id, day in rows:
        if card_id is None:
            share = TALLY_SHARE
        else:
            share = FIRST_VISIT_SHARE if card_id != previous else LATER_VISIT_SHARE
            visitors[(centre_id, day)].append(card_id)
            per_card[card_id][centre_id] += 1
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
    # A card's most-visited centre over the generated visits (ties: lower id).
    home = {
        card: min(counts, key=lambda c: (-counts[c], c))
        for card, counts in per_card.items()
    }
    now = datetime.now(tz)
    held = session.execute(
        select(ActivitySession.id, ActivitySession.start_dt, Activity.centre_id)
        .join(Activity, Activity.id == ActivitySession.activity_id)
        .where(ActivitySession.is_cancelled.is_(False), ActivitySession.end_dt <= now)
        .order_by(ActivitySession.id)
    ).all()
    scans = []
    for session_id, start_dt, centre_id in held:
        here = visitors.get((centre_id, start_dt.astimezone(tz).date()))
        if not here or rng.random() >= SESSION_SHARE:
            continue
        away = [c for c in here if home[c] != centre_id]
        picked: set[int] = set()
        for _ in range(rng.randint(1, 3)):
            pool = away if away and rng.random() < AWAY_PREFERENCE else here
            picked.add(rng.choice(pool))
        scans.extend(
            {
                "session_id": session_id,
                "card_id": card,
                "scanned_dt": start_dt,
                "is_volunteer": True,
            }
            for card in sorted(picked)
        )
    if scans:
        dialect = session.get_bind().dialect.name
        insert = (postgresql if dialect == "postgresql" else sqlite).insert
        session.execute(
            insert(SessionScan.__table__).on_conflict_do_nothing(
                index_elements=["session_id", "card_id"]
            ),
            scans,
        )
    return sum(len(ids) for ids in chosen.values()), len(scans)
