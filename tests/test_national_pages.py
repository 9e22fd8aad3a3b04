"""Report pages at national scale (issue 15): hundreds of centres, long tables.

What a page leaves out there, and the faster paths that must give exactly the
figures of the plain ones: the heat map's centres and the matrix table's
rows (cells of the protected table, never new figures), the page tables'
row limit, whole numbers written as Babel writes them, the dashboard's sums
of cells, and the perturbation and suppression of whole tables.
"""

import random
import re
from datetime import UTC, datetime, timedelta

import pytest
from babel.numbers import format_decimal
from flask import render_template_string
from flask_babel import force_locale

from tests.factories import create_card, create_centre, create_visit
from vaerested.reports.pages import pictures
from vaerested.reports.pages.pictures import heat_centres, matrix_page_table
from vaerested.reports.tables import dashboard, present
from vaerested.reports.tables.table import Table
from vaerested.services import protection, suppression
from vaerested.services.protection import Cell


def _cell(a: str, b: str, transitions) -> dict:
    return {
        "from_centre": a,
        "to_centre": b,
        "cards": transitions,
        "transitions": transitions,
    }


def _ring(n: int) -> list[dict]:
    """Matrix rows c00 -> c01 -> … -> c(n-1) -> c00, cell i holding 10 + i."""
    slugs = [f"c{i:02d}" for i in range(n)]
    return [_cell(slugs[i], slugs[(i + 1) % n], 10 + i) for i in range(n)]


def test_heat_map_draws_every_centre_up_to_the_limit():
    assert heat_centres(_ring(40)) is None
    assert heat_centres(_ring(5), limit=5) is None


def test_heat_map_draws_the_busiest_centres_beyond_the_limit():
    matrix = _ring(50)
    # Volume of c(i): cell i-1 in + cell i out; c00 has cell 49 in (59) + 10.
    volume = {}
    for r in matrix:
        for s in (r["from_centre"], r["to_centre"]):
            volume[s] = volume.get(s, 0) + r["transitions"]
    expected = sorted(volume, key=lambda s: (-volume[s], s))[:40]
    assert heat_centres(matrix) == expected
    assert len(set(expected)) == 40


def test_heat_map_puts_the_filter_first_and_counts_suppressed_cells_as_none():
    matrix = _ring(50)
    matrix.append(_cell("c01", "c03", "<5"))
    got = heat_centres(matrix, frozenset({"c01", "c02"}), limit=4)
    # c01, c02 (the filter), then the busiest: c49 (58 in + 59 out), c48 (57 + 58).
    assert got == ["c01", "c02", "c49", "c48"]


def test_matrix_page_table_keeps_the_cells_with_most_transitions():
    rows = [_cell(f"a{i:02d}", "b", i) for i in range(30)] + [_cell("z", "b", "<5")]
    table = Table(
        "mobility_matrix", ["from_centre", "to_centre", "cards", "transitions"], rows
    )
    assert matrix_page_table(table, limit=31) is table
    top = matrix_page_table(table, limit=5)
    assert [r["transitions"] for r in top.rows] == [29, 28, 27, 26, 25]
    assert len(table.rows) == 31  # the table itself (the download) is untouched
    tail = matrix_page_table(table, limit=30).rows
    # Suppressed cells go last: after the shown 0.
    assert tail[-1]["transitions"] == 0 and "<5" not in [r["transitions"] for r in tail]
    assert all(r in rows for r in tail)


@pytest.mark.parametrize("locale", ["da", "en"])
def test_whole_numbers_are_written_as_babel_writes_them(app, locale):
    rng = random.Random(15)
    numbers = [0, 1, -1, 999, 1000, -1000, 10**9, -(10**12)]
    numbers += [rng.randrange(-(10**8), 10**8) for _ in range(500)]
    with app.test_request_context("/"), force_locale(locale):
        for n in numbers:
            assert present.format_value(n, "int") == format_decimal(
                n, "#,##0", locale=locale
            ), n
        assert present.format_value(Cell(1234, 7), "int") == format_decimal(
            1234, "#,##0", locale=locale
        )
        assert present.format_value("<5", "int") == "<5"
        assert present.format_value(12.0, "int") == format_decimal(
            12, "#,##0", locale=locale
        )


def test_sum_by_equals_adding_one_by_one():
    rng = random.Random(3)
    pairs = [
        (rng.randrange(5), Cell(rng.randrange(50), rng.randrange(256)))
        for _ in range(300)
    ]
    pairs.append((9, 0))  # a plain 0 keeps a key's sum a cell
    pairs.append((9, Cell(4, 200)))
    pairs.append((7, 3))  # a plain count makes a plain int
    pairs.append((7, Cell(2, 1)))
    expected: dict = {}
    for key, n in pairs:
        expected[key] = expected.get(key, 0) + n
    got = dashboard.sum_cells_by(pairs)
    assert list(got) == list(expected)
    for key, total in expected.items():
        assert got[key] == total and type(got[key]) is type(total), key
        if isinstance(total, Cell):
            assert got[key].key == total.key
    assert type(got[7]) is int


@pytest.mark.parametrize("min_cell", [1, 3, 5])
def test_perturbing_and_suppressing_tables_equals_each_count(min_cell):
    rng = random.Random(min_cell)
    rows = [
        {
            "centre": f"c{i}",
            "visits": Cell(
                rng.choice([0, 1, 2, 4, 7, 30, 500, 10**6]), rng.randrange(256)
            ),
            "cards": 0,
        }
        for i in range(400)
    ]
    counts = ["visits", "cards"]
    perturbed = protection.perturb_rows(rows, counts, min_cell)
    assert perturbed == [
        {**r, **{c: protection.perturb(r[c], min_cell) for c in counts}} for r in rows
    ]
    assert suppression.suppress_rows(perturbed, counts, min_cell) == [
        {**r, **{c: suppression.suppress(r[c], min_cell) for c in counts}}
        for r in perturbed
    ]
    assert protection.protect_rows(rows, counts, min_cell) == [
        {**r, **{c: protection.protect(r[c], min_cell) for c in counts}} for r in rows
    ]


def test_perturbing_tables_still_refuses_counts_without_a_key():
    with pytest.raises(ValueError, match="cell key"):
        protection.perturb_rows([{"visits": 3}], ["visits"], 3)
    with pytest.raises(ValueError, match="negative"):
        protection.perturb_rows([{"visits": Cell(-1, 0)}], ["visits"], 3)
    with pytest.raises(ValueError, match="negative"):
        suppression.suppress_rows([{"visits": -1}], ["visits"], 3)
    with pytest.raises(ValueError, match="min_cell"):
        suppression.suppress_rows([], ["visits"], 0)


def test_page_tables_list_at_most_their_page_rows(app):
    table = Table(
        "visits",
        ["date", "centre", "visits"],
        [
            {"date": f"2024-01-{d:02d}", "centre": "x", "visits": d}
            for d in range(1, 31)
        ],
    )
    source = (
        '{% from "reports/_macros.html" import data_table %}'
        "{{ data_table(t, names, page_rows=rows) }}"
    )
    with app.test_request_context("/"), force_locale("en"):
        short = render_template_string(source, t=table, names=present.Names(), rows=30)
        cut = render_template_string(source, t=table, names=present.Names(), rows=25)
    # The header row and the body rows.
    assert short.count("<tr>") == 1 + 30 and "show all 30 rows" in short
    assert cut.count("<tr>") == 1 + 25
    assert "show the first 25 of 30 rows (every row is in the downloads)" in cut


@pytest.fixture
def app_config(app_config):
    return {**app_config, "EXPORT_MIN_CELL": 3, "EXPORT_MIN_CELL_FLOOR": 3}


def test_mobility_page_with_more_centres_than_the_heat_map_draws(
    client, auth, db, monkeypatch
):
    """45 centres in a ring, 3 cards c(i) -> c(i+1) each: the heat map draws
    40 centres (a 40 × 40 grid), says so, and the link diagram only the ends
    of its links; the matrix table on the page lists its busiest cells, the
    download every cell."""
    monkeypatch.setattr(pictures, "MATRIX_PAGE_ROWS", 10)
    centres = [
        create_centre(slug=f"ring-{i:02d}", name=f"Ring {i:02d}") for i in range(45)
    ]
    day = datetime(2024, 1, 10, 10, tzinfo=UTC)
    for i, centre in enumerate(centres):
        following = centres[(i + 1) % len(centres)]
        for _ in range(3 + i % 4):
            card = create_card(centre, record_key=i)
            create_visit(centre, card, visited_dt=day)
            create_visit(following, card, visited_dt=day + timedelta(hours=2))
    db.session.commit()
    auth.login_as("admin")
    period = "start=2024-01-01&end=2024-01-31"
    html = client.get(f"/reports/mobility?{period}").get_data(as_text=True)
    heat = re.search(
        r'data-testid="mobility-heatmap".*?</svg>', html, flags=re.S
    ).group(0)
    assert heat.count("<rect") == 40 * 40
    assert 'data-testid="heatmap-limit-note"' in html
    assert "draws 40 of the 45 centres" in html or "viser 40 af de 45" in html
    links = re.search(r'data-testid="mobility-links".*?</svg>', html, flags=re.S).group(
        0
    )
    assert 0 < links.count("<circle") <= 2 * pictures.TOP_LINKS
    matrix = re.search(
        r'data-testid="table-mobility_matrix">(.*?)</table>', html, flags=re.S
    )
    assert matrix.group(1).split("<tbody>")[1].count("<tr>") == 10
    download = client.get(
        f"/reports/download?report=mobility&table=mobility_matrix&format=csv&{period}"
    ).get_data(as_text=True)
    rows = [
        line for line in download.splitlines()[1:] if line and not line.startswith("#")
    ]
    assert len(rows) == 45


@pytest.mark.parametrize(
    "report,table", [("visits", "visits"), ("reach", "reach_centres")]
)
def test_page_protects_only_the_rows_it_lists(
    app, client, auth, db, monkeypatch, report, table
):
    """Past the page's row limit a page lists the first rows of its file, with
    the same protected figures, and says how many rows the file has; the
    download still holds every row."""
    from tests.presented import download_rows, shown_rows
    from tests.views.test_reports_pages import table_rows
    from vaerested.reports.pages import views

    monkeypatch.setattr(views, "PAGE_ROWS", 7)
    monkeypatch.setitem(app.jinja_env.globals, "PAGE_ROWS", 7)
    centres = [create_centre(slug=f"p-{i}", name=f"P {i}") for i in range(3)]
    rng = random.Random(7)
    for day in range(1, 9):
        for centre in centres:
            for _ in range(rng.randrange(1, 9)):
                card = create_card(centre, record_key=rng.randrange(256))
                create_visit(
                    centre, card, visited_dt=datetime(2024, 2, day, 11, tzinfo=UTC)
                )
    db.session.commit()
    auth.login_as("admin")
    period = "start=2024-02-01&end=2024-02-29"
    html = client.get(f"/reports/{report}?{period}").get_data(as_text=True)
    rows = download_rows(client, report, table, period)
    assert len(rows) > 7
    assert table_rows(html, table) == shown_rows(table, rows[:7])
    assert f"of {len(rows)} rows" in html or f"af {len(rows)} rækker" in html


def test_visits_rows_come_in_python_order_of_day_and_slug(app, db):
    """The rollup's rows are ordered by the database (no sort in Python): by
    day, then slug in byte order, whatever the database's collation does with
    hyphens and digits."""
    from datetime import date

    from vaerested.reports.tables.build import build_report

    slugs = ["b-2", "b1", "b10", "b-10", "a", "a-", "b_1", "ba"]
    centres = [create_centre(slug=s, name=s.upper()) for s in slugs]
    for day in (3, 1, 2):
        for centre in reversed(centres):
            create_visit(centre, visited_dt=datetime(2024, 5, day, 10, tzinfo=UTC))
    db.session.commit()
    rows = build_report("visits", date(2024, 5, 1), date(2024, 5, 31), min_cell=1)[
        0
    ].rows
    keys = [(r["date"], r["centre"]) for r in rows]
    assert keys == sorted(keys) and len(keys) == 3 * len(slugs)


def test_a_build_reads_a_cache_entry_once(app, db):
    """Two reads of one entry in one build (a page's table and its chart) get
    the same rows, the second without a query."""
    from datetime import date

    from sqlalchemy import event

    from vaerested.reports.tables import cache, queries
    from vaerested.reports.tables.queries import Scope

    centre = create_centre(slug="memo", name="Memo")
    create_visit(centre, visited_dt=datetime(2024, 5, 2, 10, tzinfo=UTC))
    db.session.commit()
    scope = Scope(date(2024, 5, 1), date(2024, 5, 31))
    statements = []
    engine = db.session.get_bind()

    def count(*args):
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        with cache.caching(db.session, date(2024, 12, 1)):
            first = queries.daily_visit_rows(db.session, scope)
            read = len(statements)
            second = queries.daily_visit_rows(db.session, scope)
            assert len(statements) == read
        assert second is first and len(first) == 1
        with cache.caching(db.session, date(2024, 12, 1)):  # a new build reads it
            again = queries.daily_visit_rows(db.session, scope)
        assert again == first and again is not first
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_reach_chart_draws_the_busiest_centres_beyond_the_limit():
    from vaerested.reports.pages.reach_charts import drawn_centres

    slugs = ["a", "b", "c", "d", "e"]
    totals = {
        ("a", "woman"): 1,
        ("b", "woman"): 30,
        ("c", "woman"): "<5",  # suppressed: counts 0
        ("c", "man"): 6,
        ("d", "man"): 40,
        ("e", "man"): 6,
    }
    assert drawn_centres(slugs, totals, None, 5) == slugs
    # d (40), b (30), then c and e tie at 6: by slug.
    assert drawn_centres(slugs, totals, None, 3) == ["b", "c", "d"]
    assert drawn_centres(slugs, totals, frozenset({"a"}), 3) == ["a", "b", "d"]


def test_reach_page_with_more_centres_than_its_charts_draw(
    client, auth, db, monkeypatch
):
    from vaerested.reports.pages import reach_charts

    monkeypatch.setattr(reach_charts, "CHART_MAX_CENTRES", 3)
    centres = [create_centre(slug=f"r-{i}", name=f"R {i}") for i in range(5)]
    for i, centre in enumerate(centres):
        for _ in range(6 + i):
            card = create_card(centre, record_key=i)
            create_visit(centre, card, visited_dt=datetime(2024, 2, 5, 10, tzinfo=UTC))
    db.session.commit()
    auth.login_as("admin")
    html = client.get("/reports/reach?start=2024-02-01&end=2024-02-29").get_data(
        as_text=True
    )
    for dim in ("age_band", "gender"):
        assert f'data-testid="{dim}-chart-limit"' in html
        totals = re.search(
            rf'data-testid="table-{dim}-totals">(.*?)</table>', html, flags=re.S
        ).group(1)
        assert totals.split("<tbody>")[1].count("<tr>") == 5  # every centre
    assert "draws 3 of the 5 centres" in html or "viser 3 af de 5" in html
