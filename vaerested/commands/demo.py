"""``flask demo generate``: fill the database with realistic synthetic visits.

Uses the existing centres and districts (e.g. after ``flask seed demo``). Cards
get skewed visit frequencies (most come a few times, some nearly every day),
about a third of them also use one to three other centres, and a share of the
visits are anonymous tallies. A card is issued a few minutes before its first
visit, at that visit's centre, and carries the coarse attributes its holder
chose to tell (each unknown for about a third of the cards). Rows are inserted
with Core ``executemany`` in batches, never as ORM objects: a million visits
take well under a minute. The triggers of the daily rollup and of the visits'
chains are dropped for the bulk insert; the rollup and the new cards' chains
are recomputed after it, in the same transaction.
"""

import random
import secrets
import uuid
from bisect import bisect
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, insert, select, text

from vaerested import demo_flow, demo_volunteers
from vaerested.extensions import db
from vaerested.models import (
    Card,
    Centre,
    District,
    TargetGroup,
    Visit,
    VisitSource,
    centre_target_groups,
    visit_chain,
    visit_days,
)
from vaerested.models.cards import AgeBand, FirstCame, Gender, Housing
from vaerested.reports.tables import cache as report_cache

cli = AppGroup("demo", help="Generate synthetic demo data.")

BATCH = 20_000
#: Share of visits recorded as anonymous tallies.
TALLY_SHARE = 0.15
#: Share of cards that also use other centres than their home centre.
MOBILE_SHARE = 0.35
#: Share of cards whose holder told their home district.
KNOWN_HOME_SHARE = 0.7
#: Share of tallies given with coarse attributes (age band, gender, housing).
TALLY_KNOWN_SHARE = 0.4

#: Card attribute -> (share of holders who leave it unknown, value weights).
#: Plausible for Copenhagen's centres, not measured.
ATTRIBUTES: dict[str, tuple[float, dict]] = {
    "age_band": (
        0.30,
        {
            AgeBand.UNDER_25: 10,
            AgeBand.FROM_25_TO_39: 27,
            AgeBand.FROM_40_TO_59: 42,
            AgeBand.FROM_60: 21,
        },
    ),
    "gender": (0.30, {Gender.MAN: 60, Gender.WOMAN: 37, Gender.OTHER: 3}),
    "housing": (
        0.35,
        {
            Housing.OWN_HOME: 67,
            Housing.RESIDENTIAL_CENTRE: 15,
            Housing.HOMELESS: 8,
            Housing.OTHER: 10,
        },
    ),
    "first_came": (
        0.40,
        {
            FirstCame.OWN_INITIATIVE: 45,
            FirstCame.OUTREACH_WORKER: 15,
            FirstCame.HOME_GUIDE_OR_SKP: 14,
            FirstCame.PSYCHIATRY: 12,
            FirstCame.RESIDENTIAL_CENTRE: 9,
            FirstCame.OTHER: 5,
        },
    ),
}
_DRAWS = {
    name: (
        unknown,
        list(weights),
        [w / sum(weights.values()) for w in accumulate(weights.values())],
    )
    for name, (unknown, weights) in ATTRIBUTES.items()
}
#: Target group code -> (card attribute, value, share): a card whose home
#: centre names the group and that gives the attribute has that value at least
#: this often, so the reach page shows the centres reaching their groups.
TARGET_LEAN = {
    "young": ("age_band", AgeBand.UNDER_25, 0.25),
    "women": ("gender", Gender.WOMAN, 0.5),
}
#: The attributes a tally may carry.
TALLY_ATTRIBUTES = ("age_band", "gender", "housing")


def _attributes(rng: random.Random, names) -> dict:
    """Return ``{name: value or None}``: each unknown with its own share."""
    out = {}
    for name in names:
        unknown, values, cumulative = _DRAWS[name]
        draw = rng.random()
        if draw < unknown:
            out[name] = None
        else:
            at = bisect(cumulative, (draw - unknown) / (1 - unknown))
            out[name] = values[min(at, len(values) - 1)]
    return out


def _lean(attributes: dict, home: int, targets: set, rng: random.Random) -> dict:
    """Return ``attributes`` leaning towards the home centre's target groups."""
    for code, (name, value, share) in TARGET_LEAN.items():
        if (home, code) in targets and attributes[name] is not None:
            if rng.random() < share:
                attributes[name] = value
    return attributes


def _day_starts(first: date, days: int, tz: ZoneInfo) -> list[datetime]:
    """Return the UTC instant of local midnight of each day (DST-aware)."""
    return [
        datetime.combine(first + timedelta(days=n), datetime.min.time(), tz).astimezone(
            UTC
        )
        for n in range(days)
    ]


def _visit_count(rng: random.Random) -> int:
    """Return a skewed number of visits: most cards a few, some very many."""
    return 1 + int((rng.paretovariate(1.2) - 1) * 4)


def _use_days(rng: random.Random, days: int) -> int:
    """Return how many days a card stays in use: a month to over a year."""
    return max(1, min(days, int(rng.uniform(30, 450))))


class _Writer:
    """Insert cards and visits in batches (cards first: visits refer to them)."""

    def __init__(self) -> None:
        self.cards: list[dict] = []
        self.visits: list[dict] = []
        self.n_cards = self.n_visits = 0

    def card(self, row: dict) -> None:
        self.cards.append(row)

    def visit(self, row: dict) -> None:
        self.visits.append(row)
        if len(self.visits) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.cards:
            db.session.execute(insert(Card.__table__), self.cards)
            self.n_cards += len(self.cards)
            self.cards = []
        if self.visits:
            db.session.execute(insert(Visit.__table__), self.visits)
            self.n_visits += len(self.visits)
            self.visits = []


@cli.command("generate")
@click.option("--visits", "n_visits", type=click.IntRange(1), required=True)
@click.option("--days", type=click.IntRange(1, 3660), required=True)
@click.option("--seed", type=int, default=None, help="Random seed (repeatable runs).")
def generate(n_visits: int, days: int, seed: int | None) -> None:
    """Add N synthetic visits over the last D days at the existing centres."""
    rng = random.Random(seed)
    centres = db.session.execute(
        select(Centre.id, Centre.district_id, Centre.typical_daily_users).where(
            Centre.is_active
        )
    ).all()
    district_ids = list(db.session.scalars(select(District.id)))
    if not centres:
        click.echo("Error: no active centres: run `flask seed demo` first.", err=True)
        raise click.exceptions.Exit(2)
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    today = datetime.now(tz).date()
    first = today - timedelta(days=days)
    starts = _day_starts(first, days, tz)
    centre_ids = [c.id for c in centres]
    weights = [c.typical_daily_users or 20 for c in centres]
    district_of = {c.id: c.district_id for c in centres}
    targets = set(
        db.session.execute(
            select(centre_target_groups.c.centre_id, TargetGroup.code).join(
                TargetGroup, TargetGroup.id == centre_target_groups.c.target_group_id
            )
        ).all()
    )
    # Its own generator, so the other draws stay as they were for a seed.
    lean = random.Random(None if seed is None else seed + 1)
    # Opening 9:00-18:00 local; seconds after local midnight.
    open_from, open_to = 9 * 3600, 18 * 3600

    n_tallies = round(n_visits * TALLY_SHARE)
    n_card_visits = n_visits - n_tallies
    out = _Writer()
    # Bulk rows skip the rollup's per-row triggers; the rollup is recomputed
    # once at the end, in the same transaction (exact, and much faster).
    dialect = db.session.get_bind().dialect.name
    for statement in visit_days.drop_trigger_statements(dialect):
        db.session.execute(text(statement))
    for statement in visit_chain.drop_trigger_statements(dialect):
        db.session.execute(text(statement))
    next_card = (db.session.scalar(select(func.max(Card.id))) or 0) + 1
    first_new_card = next_card
    left = n_card_visits
    while left > 0:
        home = rng.choices(centre_ids, weights)[0]
        others = []
        if len(centres) > 1 and rng.random() < MOBILE_SHARE:
            pool = [c for c in centre_ids if c != home]
            others = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        card_centres = [home, *others]
        # The card is in use for a while (heavy users longer), from a start that
        # may lie before the span: new cards arrive at a steady rate.
        wanted = _visit_count(rng)
        span = min(days, max(-(-wanted // len(card_centres)), _use_days(rng, days)))
        begin = rng.randrange(1 - span, days)
        lo, width = max(begin, 0), min(begin + span, days) - max(begin, 0)
        # Only the visits that fall within the span (rounded at random).
        k = min(
            int(wanted * width / span + rng.random()), left, width * len(card_centres)
        )
        if not k:
            continue
        left -= k
        card_id = next_card
        next_card += 1
        home_district = None
        if district_ids and rng.random() < KNOWN_HOME_SHARE:
            home_district = (
                district_of[home] if rng.random() < 0.6 else rng.choice(district_ids)
            )
        slots: set[tuple[int, int]] = set()
        while len(slots) < k:
            day = lo + rng.randrange(width)
            centre = home if not others or rng.random() < 0.7 else rng.choice(others)
            slots.add((day, centre))
        visits = [
            (
                starts[day] + timedelta(seconds=rng.randrange(open_from, open_to)),
                day,
                centre,
            )
            for day, centre in sorted(slots)
        ]
        first_moment, _, first_centre = min(visits)
        # Handed out at the first visit, a few minutes before it (same local day:
        # visits start at 9:00 at the earliest).
        out.card(
            {
                "id": card_id,
                "code_hash": secrets.token_hex(32),
                "issued_centre_id": first_centre,
                "issued_dt": first_moment - timedelta(seconds=rng.randrange(60, 900)),
                "is_revoked": False,
                "home_district_id": home_district,
                **_lean(_attributes(rng, ATTRIBUTES), home, targets, lean),
            }
        )
        for moment, day, centre in visits:
            out.visit(
                {
                    "centre_id": centre,
                    "card_id": card_id,
                    "visit_date": first + timedelta(days=day),
                    "visited_dt": moment,
                    "source": VisitSource.SCAN,
                    "idempotency_key": None,
                    "home_district_id": None,
                    "age_band": None,
                    "gender": None,
                    "housing": None,
                    "created_dt": moment,
                }
            )
    no_attributes = dict.fromkeys(TALLY_ATTRIBUTES)
    for _ in range(n_tallies):
        day = rng.randrange(days)
        moment = starts[day] + timedelta(seconds=rng.randrange(open_from, open_to))
        attributes = (
            _attributes(rng, TALLY_ATTRIBUTES)
            if rng.random() < TALLY_KNOWN_SHARE
            else no_attributes
        )
        out.visit(
            {
                "centre_id": rng.choices(centre_ids, weights)[0],
                "card_id": None,
                "visit_date": first + timedelta(days=day),
                "visited_dt": moment,
                "source": VisitSource.TALLY,
                "idempotency_key": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "home_district_id": (
                    rng.choice(district_ids)
                    if district_ids and rng.random() < 0.5
                    else None
                ),
                **attributes,
                "created_dt": moment,
            }
        )
    out.flush()
    demo_flow.add_housing_history(db.session, tz, seed)
    demo_volunteers.add_outreach(db.session, seed)
    visit_days.rebuild(db.session)
    for statement in visit_days.trigger_statements(dialect):
        db.session.execute(text(statement))
    # Only new cards got card visits (tallies have no chain).
    visit_chain.rebuild(db.session, f"v.card_id >= {int(first_new_card)}")
    for statement in visit_chain.trigger_statements(dialect):
        db.session.execute(text(statement))
    if dialect == "postgresql":
        # Ids were given explicitly: move the sequence past them.
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('cards', 'id'), max(id)) FROM cards"
            )
        )
    report_cache.invalidate(db.session)
    db.session.commit()
    click.echo(
        f"Generated {out.n_visits} visit(s) ({n_card_visits} card visits, "
        f"{n_tallies} tallies) for {out.n_cards} card(s) over {days} day(s) "
        f"at {len(centres)} centre(s)."
    )
