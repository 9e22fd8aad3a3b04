"""Demo housing histories, so that the FLOW report has something to show.

Called once by ``flask demo generate`` after its cards and visits are written
(:func:`add_housing_history`). Every demo card with a housing situation at issue
gets it as its first statement (on its issue day, at the issuing centre), as
a card issued at the desk does. Then a share of the cards with several visits
changes situation at later visits, along paths the strategy cares about:
residential centre -> own home (some through transitional housing), shelter
-> transitional housing -> own home, street -> night shelter -> shelter, own
home -> with family or friends; and a share of cards issued without a
situation states one at a visit. Statements are dated on a visit's day at
that visit's centre (a statement is given at a visit), never free text.
"""

from __future__ import annotations

import random
from collections import defaultdict
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from vaerested.models import Card, Housing, HousingStatement, Visit

H = Housing
#: First situation -> [(weight, the situations that follow, in order)].
PATHS: dict[Housing | None, list[tuple[int, tuple[Housing, ...]]]] = {
    H.RESIDENTIAL_CENTRE: [
        (40, (H.OWN_HOME,)),
        (15, (H.TRANSITIONAL, H.OWN_HOME)),
        (45, ()),
    ],
    H.HOMELESS: [
        (30, (H.SHELTER, H.TRANSITIONAL, H.OWN_HOME)),
        (20, (H.STREET, H.NIGHT_SHELTER, H.SHELTER)),
        (20, (H.RESIDENTIAL_CENTRE, H.OWN_HOME)),
        (30, ()),
    ],
    H.OTHER: [(20, (H.FAMILY_FRIENDS, H.OWN_HOME)), (80, ())],
    H.OWN_HOME: [(5, (H.FAMILY_FRIENDS,)), (95, ())],
}
#: Share of cards issued without a situation that state one at a visit, and what.
LATE_SHARE = 0.15
LATE = [
    (30, (H.RESIDENTIAL_CENTRE, H.OWN_HOME)),
    (20, (H.SHELTER, H.TRANSITIONAL)),
    (15, (H.FAMILY_FRIENDS,)),
    (10, (H.HOTEL_CAMPING, H.SHELTER)),
    (5, (H.AWAITING_RELEASE, H.SHELTER)),
    (20, (H.OWN_HOME,)),
]
#: Cards with fewer visits keep the situation they were issued with.
MIN_VISITS = 4


def _path(rng: random.Random, choices) -> tuple[Housing, ...]:
    return rng.choices([p for _, p in choices], [w for w, _ in choices])[0]


def add_housing_history(session: Session, tz: ZoneInfo, seed: int | None) -> int:
    """Add the housing statements of the cards that have none yet (the ones
    just generated); return how many. The caller commits."""
    rng = random.Random(None if seed is None else seed + 2)
    stated = select(HousingStatement.id).where(HousingStatement.card_id == Card.id)
    new = ~stated.exists()
    cards = session.execute(
        select(Card.id, Card.issued_dt, Card.issued_centre_id, Card.housing)
        .where(new)
        .order_by(Card.id)
    ).all()
    days: dict[int, list] = defaultdict(list)
    for card_id, day, centre_id in session.execute(
        select(Visit.card_id, Visit.visit_date, Visit.centre_id)
        .join(Card, Card.id == Visit.card_id)
        .where(new)
        .order_by(Visit.card_id, Visit.visit_date, Visit.visited_dt)
    ):
        if not days[card_id] or days[card_id][-1][0] != day:
            days[card_id].append((day, centre_id))
    rows = []
    for card_id, issued_dt, centre_id, housing in cards:
        issued_on = issued_dt.astimezone(tz).date()
        seen = days.get(card_id, [])
        if housing is not None:
            rows.append((card_id, issued_on, housing, centre_id))
            path = _path(rng, PATHS[housing]) if len(seen) >= MIN_VISITS else ()
        elif len(seen) >= MIN_VISITS and rng.random() < LATE_SHARE:
            path = _path(rng, LATE)
        else:
            path = ()
        later = [v for v in seen if v[0] > issued_on]
        if not path or len(later) < len(path):
            continue
        picks = sorted(rng.sample(range(len(later)), len(path)))
        for situation, index in zip(path, picks, strict=True):
            day, at = later[index]
            rows.append((card_id, day, situation, at))
    if rows:
        session.execute(
            insert(HousingStatement.__table__),
            [
                {"card_id": c, "stated_on": d, "situation": s, "centre_id": k}
                for c, d, s, k in rows
            ],
        )
    return len(rows)
