"""``flask export`` and ``flask demo generate``."""

from sqlalchemy import func, select

from tests.factories import create_centre, create_district
from tests.test_reports import GOLDEN, golden_world
from vaerested.models import Card, Visit, VisitSource

PERIOD = ["--from", "2024-01-08", "--to", "2024-01-10"]


def export(runner, *args):
    return runner.invoke(args=["export", *args])


def test_default_min_cell_comes_from_config(app, db, runner, tmp_path):
    golden_world()
    db.session.commit()
    app.config["EXPORT_MIN_CELL"] = 3
    result = export(runner, "visits", *PERIOD, "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output == f"{tmp_path / 'visits.csv'}\n"
    assert (tmp_path / "visits.csv").read_text() == (
        GOLDEN / "min_cell_3" / "visits.csv"
    ).read_text()


def test_xlsx_json_and_filters(app, db, runner, tmp_path):
    golden_world()
    db.session.commit()
    out = tmp_path / "new" / "dir"  # created
    result = export(runner, "coverage", *PERIOD, "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        str(out / "coverage.xlsx"),
        str(out / "coverage.geojson"),
    ]
    result = export(
        runner, "visits", *PERIOD, "--format", "json", "--out", str(tmp_path),
        "--min-cell", "1", "--centre", "beta",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    import json

    rows = json.loads((tmp_path / "visits.json").read_text())
    assert [(r["date"], r["visits"]) for r in rows] == [
        ("2024-01-08", 2),
        ("2024-01-09", 1),
        ("2024-01-10", 3),
    ]
    result = export(
        runner, "mobility", *PERIOD, "--out", str(tmp_path), "--min-cell", "1",
        "--district", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # District 1 (alpha, beta) chooses cells, not visits: every city-wide cell
    # (tests/test_reports.py) has alpha or beta at one end, so all are shown;
    # c1's beta | gamma | alpha is b>g, g>a, never a made-up b>a.
    assert (tmp_path / "mobility_matrix.csv").read_text() == (
        "from_centre,to_centre,cards,transitions\n"
        "alpha,beta,1,2\nalpha,gamma,2,2\nbeta,gamma,1,1\n"
        "gamma,alpha,2,2\ngamma,beta,1,1\n"
    )
    assert (tmp_path / "mobility_centres.csv").read_text() == (
        "centre,active_cards,multi_centre_cards,share_multi_centre\n"
        "alpha,3,3,1.0\nbeta,4,2,0.5\n"
    )


def test_errors_exit_2(app, db, runner, tmp_path):
    golden_world()
    db.session.commit()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cases = [
        (["nope", *PERIOD, "--out", str(tmp_path)], "unknown report 'nope'"),
        (
            ["visits", "--from", "2024-13-01", "--to", "2024-01-10", "--out", "x"],
            "--from must be a date as YYYY-MM-DD",
        ),
        (
            ["visits", "--from", "2024-01-10", "--to", "2024-01-08", "--out", "x"],
            "the period starts (2024-01-10) after it ends (2024-01-08)",
        ),
        (["visits", *PERIOD, "--out", str(blocker / "sub")], "cannot write to"),
        (["visits", *PERIOD, "--out", str(tmp_path), "--format", "pdf"], "format"),
        (["visits", *PERIOD, "--out", str(tmp_path), "--min-cell", "0"], "min-cell"),
        (["visits", *PERIOD, "--out", str(tmp_path), "--centre", "zz"], "zz"),
        (["visits", *PERIOD, "--out", str(tmp_path), "--district", "9"], "'9'"),
        (["visits", "--to", "2024-01-10", "--out", str(tmp_path)], "--from"),
    ]
    for args, message in cases:
        result = export(runner, *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)


def test_demo_generate(app, db, runner):
    district = create_district("1")
    centres = [create_centre(slug, district) for slug in ("a", "b", "c")]
    create_centre("closed", district, is_active=False)
    db.session.commit()
    result = runner.invoke(
        args=["demo", "generate", "--visits", "2000", "--days", "20", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    total, card_visits, tallies = db.session.execute(
        select(
            func.count(),
            func.count(Visit.card_id),
            func.count().filter(Visit.source == VisitSource.TALLY),
        )
    ).one()
    assert (total, card_visits, tallies) == (2000, 1700, 300)
    # Only active centres, one card visit per card, centre and day.
    used = set(db.session.scalars(select(Visit.centre_id).distinct()))
    assert used <= {c.id for c in centres}
    distinct = db.session.scalar(
        select(func.count()).select_from(
            select(Visit.card_id, Visit.centre_id, Visit.visit_date)
            .where(Visit.card_id.is_not(None))
            .distinct()
            .subquery()
        )
    )
    assert distinct == 1700
    # Skewed frequencies, and some cards at several centres.
    per_card = db.session.execute(
        select(func.count(), func.count(Visit.centre_id.distinct()))
        .where(Visit.card_id.is_not(None))
        .group_by(Visit.card_id)
    ).all()
    assert max(n for n, _ in per_card) >= 5 * (1700 / len(per_card))
    assert any(k >= 2 for _, k in per_card)
    assert db.session.scalar(select(func.count(Card.id))) == len(per_card)
    # The card sequence still works after explicit ids (PostgreSQL).
    from tests.factories import create_card

    assert create_card().id == len(per_card) + 1


def test_demo_generate_needs_centres(app, db, runner):
    result = runner.invoke(args=["demo", "generate", "--visits", "10", "--days", "2"])
    assert result.exit_code == 2
    assert "seed demo" in result.output
