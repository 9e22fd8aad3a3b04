"""The reach report (visits and cards by age band and gender) and the dashboard's
reach shares: exact at min-cell 1 against figures computed here from the raw
rows, protected at the default min-cell, a leader's view, the page.

The data set (``reach_world``, fixed seed): districts "1" (centres a, b) and
"2" (centre c); a names the target group "young", c "women"; 60 cards with
random age bands and genders (each may be unknown) visiting over three
months, tallies with random attributes, a few card-less scans without any
(visits unlinked by retention), and visits before and after the period.
"""

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import (
    create_card,
    create_centre,
    create_district,
    create_target_group,
    create_visit,
)
from tests.presented import download_rows, run_schedule, shown_rows
from tests.views.test_reports_pages import table_rows
from vaerested.models import AgeBand, Card, Centre, District, Gender, Visit, VisitSource
from vaerested.reports.tables.build import REPORTS, build_report
from vaerested.services.protection import noise

START, END = date(2024, 3, 20), date(2024, 5, 10)
AGES = ["under_25", "25_39", "40_59", "60_plus", "unknown"]
GENDERS = ["woman", "man", "other", "unknown"]
VALUES = {"age_band": AGES, "gender": GENDERS}


def reach_world(seed: int = 14) -> dict:
    rng = random.Random(seed)
    d1, d2 = create_district("1"), create_district("2")
    centres = {
        "a": create_centre("a", d1),
        "b": create_centre("b", d1),
        "c": create_centre("c", d2),
    }
    centres["a"].target_groups = [create_target_group("young")]
    centres["c"].target_groups = [create_target_group("women")]
    days = [START - timedelta(days=3) + timedelta(days=n) for n in range(58)]
    ages, genders = [None, *AgeBand], [None, *Gender]
    for _ in range(60):
        card = create_card(
            record_key=rng.randrange(256),
            age_band=rng.choice(ages),
            gender=rng.choice(genders),
        )
        seen = set()
        for _ in range(rng.randint(1, 9)):
            slug, day = rng.choice("aabbc"), rng.choice(days)
            if (slug, day) in seen:
                continue
            seen.add((slug, day))
            moment = datetime.combine(day, datetime.min.time(), UTC)
            create_visit(
                centres[slug],
                card,
                moment + timedelta(hours=9 + rng.randrange(8)),
                record_key=rng.randrange(256),
            )
    for centre in centres.values():
        for day in days[::2]:
            for n in range(rng.choice([0, 1, 1, 2, 3])):
                moment = datetime.combine(day, datetime.min.time(), UTC)
                create_visit(
                    centre,
                    None,
                    moment + timedelta(hours=10, minutes=n),
                    age_band=rng.choice(ages),
                    gender=rng.choice(genders),
                    record_key=rng.randrange(256),
                )
        create_visit(  # a scan whose card link retention cut: no attributes
            centre,
            None,
            datetime.combine(START, datetime.min.time(), UTC) + timedelta(hours=12),
            source=VisitSource.SCAN,
            record_key=rng.randrange(256),
        )
    return centres


def expected(db, start, end, centre_slugs=None) -> dict:
    """Return the reach figures computed from the raw rows:
    ``{"centre"|"district": {(month, unit, dim, value): (visits, cards,
    visit key sum, card key sum)}}`` for every value of each unit-month with a
    visit."""
    slug_of = dict(db.session.execute(select(Centre.id, Centre.slug)).all())
    code_of = dict(db.session.execute(select(District.id, District.code)).all())
    district_of = {
        c.id: code_of[c.district_id] for c in db.session.scalars(select(Centre))
    }
    card_rows = {c.id: c for c in db.session.scalars(select(Card))}
    counts = {"centre": defaultdict(list), "district": defaultdict(list)}
    for v in db.session.scalars(select(Visit)):
        slug = slug_of[v.centre_id]
        if not start <= v.visit_date <= end:
            continue
        if centre_slugs is not None and slug not in centre_slugs:
            continue
        month = f"{v.visit_date.year:04d}-{v.visit_date.month:02d}"
        holder = card_rows[v.card_id] if v.card_id is not None else v
        attrs = {"age_band": holder.age_band, "gender": holder.gender}
        for unit, name in (("centre", slug), ("district", district_of[v.centre_id])):
            for dim, value in attrs.items():
                code = value.value if value is not None else "unknown"
                counts[unit][(month, name, dim, code)].append(v)
    out = {}
    for unit, cells in counts.items():
        active = {(m, name) for m, name, _d, _v in cells}
        table = {}
        for month, name in active:
            for dim, values in VALUES.items():
                for value in values:
                    found = cells.get((month, name, dim, value), [])
                    card_ids = {v.card_id for v in found if v.card_id is not None}
                    table[(month, name, dim, value)] = (
                        len(found),
                        len(card_ids),
                        sum(v.record_key for v in found) % 256,
                        sum(card_rows[i].record_key for i in card_ids) % 256,
                    )
        out[unit] = table
    return out


def report_rows(tables) -> dict:
    by_name = {t.name: t for t in tables}
    return {
        "centre": {
            (r["month"], r["centre"], r["dimension"], r["value"]): (
                r["visits"],
                r["cards"],
            )
            for r in by_name["reach_centres"].rows
        },
        "district": {
            (r["month"], r["district"], r["dimension"], r["value"]): (
                r["visits"],
                r["cards"],
            )
            for r in by_name["reach_districts"].rows
        },
    }


def raw_of(figures: dict) -> dict:
    return {
        unit: {k: (n, c) for k, (n, c, _nk, _ck) in table.items()}
        for unit, table in figures.items()
    }


@pytest.fixture
def world(app, db):
    centres = reach_world()
    db.session.commit()
    return centres


def test_exact_at_min_cell_1(app, db, world):
    tables = build_report("reach", START, END, min_cell=1)
    assert REPORTS["reach"] == [t.name for t in tables]
    want = raw_of(expected(db, START, END))
    got = report_rows(tables)
    assert got == want
    assert {k[0] for k in got["centre"]} == {"2024-03", "2024-04", "2024-05"}
    # Rows are ordered by month, unit, dimension (age band first), value.
    centre_keys = list(got["centre"])
    order = {dim: {v: n for n, v in enumerate(vs)} for dim, vs in VALUES.items()}
    assert centre_keys == sorted(
        centre_keys,
        key=lambda k: (k[0], k[1], k[2] != "age_band", order[k[2]][k[3]]),
    )
    # Each dimension's rows add up to the centre's visits of the month, and
    # each row carries the centre's district.
    rows = {t.name: t for t in tables}["reach_centres"].rows
    assert {(r["centre"], r["district"]) for r in rows} == {
        ("a", "1"),
        ("b", "1"),
        ("c", "2"),
    }
    for month, slug in {(k[0], k[1]) for k in got["centre"]}:
        totals = {
            dim: sum(got["centre"][(month, slug, dim, v)][0] for v in values)
            for dim, values in VALUES.items()
        }
        assert totals["age_band"] == totals["gender"] > 0
    # Tallies count with their attributes; card-less visits have no cards.
    assert any(n > c for n, c in got["centre"].values())


def test_filters_count_only_the_chosen_centres(app, db, world):
    tables = build_report(
        "reach", START, END, min_cell=1, centre_ids=[world["a"].id, world["c"].id]
    )
    assert report_rows(tables) == raw_of(expected(db, START, END, {"a", "c"}))
    tables = build_report("reach", START, END, min_cell=1, district_code="1")
    got = report_rows(tables)
    assert got == raw_of(expected(db, START, END, {"a", "b"}))
    assert {k[1] for k in got["district"]} == {"1"}
    # One month, clipped to the period.
    tables = build_report("reach", date(2024, 4, 3), date(2024, 4, 9), min_cell=1)
    assert report_rows(tables) == raw_of(
        expected(db, date(2024, 4, 3), date(2024, 4, 9))
    )


def _protected(n: int, key: int, min_cell: int):
    shown = n + noise(n, key)
    return f"<{min_cell}" if 1 <= shown < min_cell else shown


def test_protected_at_default_min_cell(app, db, world):
    min_cell = app.config["EXPORT_MIN_CELL"]
    assert min_cell == 5
    tables = build_report("reach", START, END, min_cell=min_cell)
    got = report_rows(tables)
    figures = expected(db, START, END)
    changed = suppressed = 0
    for unit, table in figures.items():
        assert set(got[unit]) == set(table)
        for key, (n, c, n_k, c_k) in table.items():
            want = (_protected(n, n_k, min_cell), _protected(c, c_k, min_cell))
            assert got[unit][key] == want, (unit, key)
            changed += want != (n, c)
            suppressed += want[0] == "<5" or want[1] == "<5"
    assert changed > 20 and suppressed > 20  # noise and suppression both happen
    assert all(t.min_cell == min_cell for t in tables)


def test_dashboard_shares(app, db, world):
    """Shares of young people and women against the centres naming them: exact
    at min-cell 1, from perturbed counts (empty when suppressed) at 5."""
    figures = expected(db, START, END)["centre"]

    def counts(slugs, dim, value):
        cells = [
            v
            for (_m, slug, d, val), v in figures.items()
            if slug in slugs and d == dim and val != "unknown"
        ]
        group = [
            v
            for (_m, slug, d, val), v in figures.items()
            if slug in slugs and d == dim and val == value
        ]
        return (
            (sum(v[0] for v in cells), sum(v[2] for v in cells) % 256),
            (sum(v[0] for v in group), sum(v[2] for v in group) % 256),
        )

    sides = {
        ("young", "named"): ({"a"}, "age_band", "under_25"),
        ("young", "other"): ({"b", "c"}, "age_band", "under_25"),
        ("women", "named"): ({"c"}, "gender", "woman"),
        ("women", "other"): ({"a", "b"}, "gender", "woman"),
    }
    for min_cell in (1, 5):
        tables = {
            t.name: t for t in build_report("dashboard", START, END, min_cell=min_cell)
        }
        rows = tables["dashboard_reach"].rows
        assert [(r["target_group"], r["centres"]) for r in rows] == list(sides)
        for row in rows:
            slugs, dim, value = sides[(row["target_group"], row["centres"])]
            (known, known_k), (group, group_k) = counts(slugs, dim, value)
            assert row["centre_count"] == len(slugs)
            if min_cell == 1:
                shown_known, shown_group = known, group
                share = round(group / known, 4)
            else:
                shown_known = _protected(known, known_k, min_cell)
                shown_group = _protected(group, group_k, min_cell)
                hidden = "<5" in (shown_known, shown_group)
                share = "" if hidden else round(min(shown_group / shown_known, 1.0), 4)
            assert (row["known_visits"], row["group_visits"]) == (
                shown_known,
                shown_group,
            )
            assert row["group_share"] == share
            assert known > 0 and group > 0


def test_dashboard_share_empty_when_suppressed(app, db):
    d = create_district("1")
    young = create_target_group("young")
    centre = create_centre("solo", d)
    centre.target_groups = [young]
    card = create_card(age_band="under_25", gender="woman", record_key=0)
    create_visit(centre, card, datetime(2024, 4, 2, 10, tzinfo=UTC))
    db.session.commit()
    tables = {t.name: t for t in build_report("dashboard", START, END, min_cell=5)}
    rows = {
        (r["target_group"], r["centres"]): r for r in tables["dashboard_reach"].rows
    }
    assert rows[("young", "named")]["known_visits"] == "<5"
    assert rows[("young", "named")]["group_share"] == ""
    assert rows[("young", "other")]["centre_count"] == 0
    assert rows[("young", "other")]["group_share"] == ""  # no known visits


PERIOD = f"start={START.isoformat()}&end={END.isoformat()}"


def test_page_shows_the_downloads_and_charts(app, client, auth, db, world):
    auth.login_as("admin")
    response = client.get(f"/reports/reach?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in REPORTS["reach"]:
        # The page shows the file's rows as a person reads them (Danish).
        assert table_rows(html, name) == shown_rows(
            name, download_rows(client, "reach", name, PERIOD)
        ), name
    assert 'data-testid="protection-note"' in html
    for chart in ("age_band-chart", "gender-chart"):
        assert f'data-testid="{chart}"' in html
    # The charts' numbers: each centre's visits of the period per value, the
    # months' raw counts summed, then protected.
    figures = expected(db, START, END)["centre"]
    totals = table_rows(html, "age_band-totals")
    slug_of = {centre.name: slug for slug, centre in world.items()}
    assert [slug_of[r[0]] for r in totals] == ["a", "b", "c"]
    for row in totals:
        for value, shown in zip(AGES, row[1:], strict=True):
            cells = [
                v for (_m, s, d, val), v in figures.items()
                if s == slug_of[row[0]] and d == "age_band" and val == value
            ]  # fmt: skip
            n, k = sum(v[0] for v in cells), sum(v[2] for v in cells) % 256
            assert shown == str(_protected(n, k, 5))
    assert "style=" not in html
    index = client.get("/reports/").get_data(as_text=True)
    assert 'data-testid="report-reach"' in index
    response = client.get(f"/reports/download?report=reach&format=xlsx&{PERIOD}")
    assert response.status_code == 200
    response = client.get(
        f"/reports/download?report=reach&format=json&table=reach_districts&{PERIOD}"
    )
    assert response.status_code == 200 and response.json[0]["month"] == "2024-03"


def test_leader_sees_only_own_centre(app, client, auth, db, world):
    auth.login_as("leader", centres=[world["a"]])
    html = client.get(f"/reports/reach?{PERIOD}").get_data(as_text=True)
    rows = table_rows(html, "reach_centres")
    assert rows and {r[1] for r in rows} == {world["a"].name}
    district = {r[2] for r in rows}
    assert len(district) == 1
    assert {r[1] for r in table_rows(html, "reach_districts")} == district
    # The district rows count only the leader's centre, whatever the filter.
    figures = expected(db, START, END, {"a"})["district"]
    got = {
        (r[0], r[1], r[2], r[3]): r[4]
        for r in download_rows(client, "reach", "reach_districts", PERIOD)
    }
    assert got == {
        k: str(_protected(n, nk, 5)) for k, (n, _c, nk, _ck) in figures.items()
    }
    for args in (f"{PERIOD}&district=1", f"{PERIOD}&district=2"):
        html = client.get(f"/reports/reach?{args}").get_data(as_text=True)
        shown = [r for r in table_rows(html, "reach_centres") if len(r) > 1]
        assert {r[1] for r in shown} <= {world["a"].name}
        assert {
            r[1] for r in download_rows(client, "reach", "reach_centres", args)
        } <= {"a"}
    assert client.get(f"/reports/reach?{PERIOD}&centre=b").status_code == 403
    url = f"/reports/download?report=reach&format=csv&{PERIOD}&centre=c"
    assert client.get(url).status_code == 403
    html = client.get(f"/reports/dashboard?{PERIOD}").get_data(as_text=True)
    reach = table_rows(html, "dashboard_reach")
    assert [r[2] for r in reach] == ["1", "0", "0", "1"]  # only a is counted


def test_staff_are_refused(app, client, auth, db, world):
    auth.login_as("staff", centres=[world["a"]])
    assert client.get(f"/reports/reach?{PERIOD}").status_code == 403
    url = f"/reports/download?report=reach&format=csv&{PERIOD}"
    assert client.get(url).status_code == 403


def test_cli_export(app, db, runner, tmp_path, world):
    result = runner.invoke(
        args=[
            "export", "reach", "--from", START.isoformat(), "--to", END.isoformat(),
            "--format", "csv", "--out", str(tmp_path),
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in REPORTS["reach"]:
        lines = (tmp_path / f"{name}.csv").read_text(encoding="utf-8").splitlines()
        assert lines[-1].startswith("# ")  # protected by default


def test_scheduled_export(app, db, world, monkeypatch):
    """A monthly schedule of the reach report runs through the registry."""
    from pathlib import Path

    run = run_schedule(
        app, monkeypatch, "reach", "monthly", datetime(2024, 5, 3, 10, tzinfo=UTC)
    )
    assert (run.period_start, run.period_end) == (date(2024, 4, 1), date(2024, 4, 30))
    names = sorted(Path(f).name for f in run.files)
    assert names == [
        "2024-04-01_2024-04-30_reach_centres.csv",
        "2024-04-01_2024-04-30_reach_districts.csv",
    ]
    path = Path(app.instance_path) / "exports" / sorted(run.files)[0]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == [
        "month",
        "centre",
        "district",
        "dimension",
        "value",
        "visits",
        "cards",
    ]
    assert {r[0] for r in rows[1:-1]} == {"2024-04"}
    assert rows[-1][0].startswith("# ")
