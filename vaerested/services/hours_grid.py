"""City-wide opening hours: how many centres are open in each hour of the week.

For one scope (a municipality, "the city", or one of its districts) and each of
the 7 x 24 hours of the week, count the scope's centres that are open in that
hour (:func:`vaerested.services.opening_hours.hour_states`: open at any time
during the hour). An open centre counts once: as *staffed* when staff are
present at any time in that hour, otherwise as *user-run*. So ``open = staffed
+ user_run``. A *gap* is an hour when no centre of the scope is open.

The counts are of centres, not of persons: they describe public offers and need
no protection.
"""

from collections.abc import Sequence
from typing import NamedTuple

from vaerested.services.opening_hours import STAFFED, USER_RUN, hour_states

#: Hours 18-24 are the evening, 0-6 the night (of the day that starts them).
EVENING_HOURS = range(18, 24)
NIGHT_HOURS = range(0, 6)
#: Saturday and Sunday.
WEEKEND_DAYS = (5, 6)
BANDS = ("day", "evening", "night", "weekend")


class CentreHours(NamedTuple):
    """One active centre and its weekly intervals ``(weekday, opens, closes,
    is_user_run)``."""

    centre_id: int
    name: str
    district_code: str
    district_name: str
    municipality: str
    intervals: Sequence[Sequence]


class HourCell(NamedTuple):
    """The centres of a scope open in one hour of the week."""

    staffed: int
    user_run: int

    @property
    def open(self) -> int:
        """Return the centres open at all in this hour."""
        return self.staffed + self.user_run

    @property
    def is_gap(self) -> bool:
        """Return whether no centre of the scope is open in this hour."""
        return self.open == 0


class Scope(NamedTuple):
    """A municipality (``kind`` "municipality") or one of its districts."""

    kind: str
    #: The municipality's name, or the district's code.
    code: str
    name: str
    municipality: str
    centres: int
    #: ``cells[weekday][hour]``, Monday 0, hour 0 = 00:00-01:00.
    cells: list[list[HourCell]]

    @property
    def key(self) -> str:
        """Return the chooser value: ``"m:<municipality>"`` or ``"d:<code>"``."""
        return f"{self.kind[0]}:{self.code}"


def band(weekday: int, hour: int) -> str:
    """Return the hour's band: "weekend", else "night", "evening" or "day"."""
    if weekday in WEEKEND_DAYS:
        return "weekend"
    if hour in NIGHT_HOURS:
        return "night"
    if hour in EVENING_HOURS:
        return "evening"
    return "day"


def count_grid(centres: Sequence[CentreHours]) -> list[list[HourCell]]:
    """Return the staffed and user-run counts of ``centres`` for every hour."""
    staffed = [[0] * 24 for _ in range(7)]
    user_run = [[0] * 24 for _ in range(7)]
    for centre in centres:
        for weekday, row in enumerate(hour_states(centre.intervals)):
            for hour, state in enumerate(row):
                if state == STAFFED:
                    staffed[weekday][hour] += 1
                elif state == USER_RUN:
                    user_run[weekday][hour] += 1
    return [
        [HourCell(staffed[d][h], user_run[d][h]) for h in range(24)] for d in range(7)
    ]


def scopes(centres: Sequence[CentreHours]) -> list[Scope]:
    """Return each municipality (most centres first), followed by its districts."""
    by_municipality: dict[str, list[CentreHours]] = {}
    for centre in centres:
        by_municipality.setdefault(centre.municipality, []).append(centre)
    order = sorted(by_municipality, key=lambda m: (-len(by_municipality[m]), m))
    result = []
    for municipality in order:
        members = by_municipality[municipality]
        result.append(
            Scope(
                "municipality",
                municipality,
                municipality,
                municipality,
                len(members),
                count_grid(members),
            )
        )
        districts: dict[str, list[CentreHours]] = {}
        for centre in members:
            districts.setdefault(centre.district_code, []).append(centre)
        for code in sorted(districts, key=lambda c: (len(c), c)):
            group = districts[code]
            result.append(
                Scope(
                    "district",
                    code,
                    group[0].district_name,
                    municipality,
                    len(group),
                    count_grid(group),
                )
            )
    return result


class ScopeSummary(NamedTuple):
    """Hours a week of one scope: open, only user-run, and gaps by band."""

    open_hours: int
    user_run_only_hours: int
    gaps: dict[str, int]

    @property
    def gap_hours(self) -> int:
        """Return all hours of the week when no centre of the scope is open."""
        return sum(self.gaps.values())


def summarise(scope: Scope) -> ScopeSummary:
    """Return the open, user-run-only and gap hours of ``scope``'s week."""
    gaps = dict.fromkeys(BANDS, 0)
    open_hours = user_run_only = 0
    for weekday, row in enumerate(scope.cells):
        for hour, cell in enumerate(row):
            if cell.is_gap:
                gaps[band(weekday, hour)] += 1
            else:
                open_hours += 1
                if cell.staffed == 0:
                    user_run_only += 1
    return ScopeSummary(open_hours, user_run_only, gaps)


#: Columns of the export, one row per scope, weekday and hour.
COLUMNS = [
    "scope",
    "code",
    "name",
    "municipality",
    "centres",
    "weekday",
    "hour",
    "band",
    "open",
    "staffed",
    "user_run",
    "gap",
]


def export_rows(all_scopes: Sequence[Scope]) -> list[dict]:
    """Return the grid of every scope as rows (``weekday`` 1 = Monday … 7)."""
    return [
        {
            "scope": s.kind,
            "code": s.code,
            "name": s.name,
            "municipality": s.municipality,
            "centres": s.centres,
            "weekday": weekday + 1,
            "hour": f"{hour:02d}:00",
            "band": band(weekday, hour),
            "open": cell.open,
            "staffed": cell.staffed,
            "user_run": cell.user_run,
            "gap": int(cell.is_gap),
        }
        for s in all_scopes
        for weekday, row in enumerate(s.cells)
        for hour, cell in enumerate(row)
    ]
