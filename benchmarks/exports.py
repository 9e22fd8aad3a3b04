"""Benchmark the three reports on SQLite and PostgreSQL, with DuckDB as the reference.

Fill each database first (1,000,000 visits over a year), e.g.::

    export VAERESTED_DATABASE_URL=sqlite:////tmp/bench.sqlite3
    flask --app wsgi db upgrade && flask --app wsgi seed demo
    flask --app wsgi demo generate --visits 1000000 --days 365 --seed 42

then run ``python benchmarks/exports.py --sqlite URL --postgres URL`` (needs the
``bench`` extra: DuckDB). Each report runs in a fresh process (build, suppress,
write CSV) over the whole period of the data; the peak memory is that process's
peak resident set (Python, the app and, for SQLite, the database engine). DuckDB
then runs the same aggregations over the same rows, loaded into memory first
(loading is not timed), and its figures are checked against ours.
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REPORTS = ("visits", "coverage", "mobility")
TARGET_SECONDS, TARGET_MB = 5.0, 300
#: Runs per report (in one process); the best wall time is reported, the
#: worst is shown too (other work on the machine slows single runs down).
REPEAT = 3


def _app(url: str):
    os.environ.setdefault("VAERESTED_INSTANCE_PATH", tempfile.mkdtemp())
    from vaerested import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})


def run_one(url: str, report: str) -> dict:
    """Build and write one report; return its timing and figures (child process)."""
    from sqlalchemy import func, select

    from vaerested.exports.formats import write_report
    from vaerested.extensions import db
    from vaerested.models import Visit
    from vaerested.reports.tables.build import build_report

    app = _app(url)
    with app.app_context():
        start, end, count = db.session.execute(
            select(func.min(Visit.visit_date), func.max(Visit.visit_date), func.count())
        ).one()
        db.session.rollback()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        walls = []
        for _ in range(REPEAT):
            began = time.perf_counter()
            tables = build_report(report, start, end, min_cell=1)
            with tempfile.TemporaryDirectory() as out:
                write_report(tables, "csv", Path(out))
            walls.append(time.perf_counter() - began)
            db.session.rollback()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": min(walls),
        "worst": max(walls),
        "peak_mb": peak / 1024,
        "delta_mb": (peak - before) / 1024,
        "visits": count,
        "period": [start.isoformat(), end.isoformat()],
        "tables": {t.name: t.rows for t in tables},
    }


def measure(url: str, report: str) -> dict:
    """Run :func:`run_one` in a fresh interpreter and return its result."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", report, "--url", url],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.splitlines()[-1])


def duckdb_reference(url: str) -> dict:
    """Load the rows into DuckDB and time the same aggregations there."""
    import duckdb
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    con = duckdb.connect()
    with tempfile.TemporaryDirectory() as tmp, engine.connect() as conn:
        for name, sql in {
            "visits": "SELECT centre_id, card_id, visit_date, visited_dt, "
            "home_district_id FROM visits",
            "centres": "SELECT id, slug, district_id FROM centres",
            "districts": "SELECT id, code FROM districts",
            "cards": "SELECT id, home_district_id FROM cards",
        }.items():
            path = Path(tmp) / f"{name}.csv"
            result = conn.execution_options(stream_results=True).execute(text(sql))
            with path.open("w", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(result.keys())
                for chunk in result.partitions(50_000):
                    writer.writerows(chunk)
            con.execute(
                f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{path}', header=true, sample_size=-1)"
            )
    engine.dispose()
    queries = {
        "visits": [
            "SELECT visit_date, centre_id, count(*), count(card_id) FROM visits "
            "GROUP BY ALL"
        ],
        "coverage": [
            "SELECT c.district_id, count(*), count(DISTINCT v.card_id) FROM visits v "
            "JOIN centres c ON c.id = v.centre_id GROUP BY ALL",
            "SELECT k.home_district_id, count(DISTINCT v.card_id) FROM visits v "
            "JOIN cards k ON k.id = v.card_id WHERE k.home_district_id IS NOT NULL "
            "GROUP BY ALL",
            "SELECT CASE WHEN v.card_id IS NOT NULL THEN k.home_district_id "
            "ELSE v.home_district_id END AS home, c.district_id, "
            "count(DISTINCT v.card_id), count(*) FROM visits v "
            "JOIN centres c ON c.id = v.centre_id LEFT JOIN cards k ON k.id = v.card_id "
            "GROUP BY ALL",
        ],
        "mobility": [
            "SELECT p.slug, c.slug, count(DISTINCT card_id), count(*) FROM ("
            " SELECT v.card_id, v.centre_id, lag(v.centre_id) OVER ("
            "  PARTITION BY v.card_id ORDER BY v.visited_dt, c.slug) AS prev"
            " FROM visits v JOIN centres c ON c.id = v.centre_id"
            " WHERE v.card_id IS NOT NULL) t "
            "JOIN centres p ON p.id = t.prev JOIN centres c ON c.id = t.centre_id "
            "WHERE prev <> t.centre_id GROUP BY ALL ORDER BY 1, 2",
            "WITH cc AS (SELECT DISTINCT card_id, centre_id FROM visits "
            " WHERE card_id IS NOT NULL), n AS (SELECT card_id, count(*) AS n "
            " FROM cc GROUP BY card_id) SELECT cc.centre_id, count(*), "
            " sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END) FROM cc JOIN n USING (card_id) "
            " GROUP BY ALL",
            "SELECT count(*), sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END) FROM ("
            " SELECT card_id, count(DISTINCT centre_id) AS n FROM visits"
            " WHERE card_id IS NOT NULL GROUP BY card_id)",
        ],
    }
    out = {}
    for report, sqls in queries.items():
        walls = []
        for _ in range(REPEAT):
            began = time.perf_counter()
            results = [con.execute(sql).fetchall() for sql in sqls]
            walls.append(time.perf_counter() - began)
        out[report] = {"seconds": min(walls), "results": results}
    return out


def check(ours: dict, duck: dict) -> str:
    """Compare a few of our figures with DuckDB's; return "ok" or what differs."""
    problems = []
    matrix = sorted(
        (r["from_centre"], r["to_centre"], r["cards"], r["transitions"])
        for r in ours["mobility"]["tables"]["mobility_matrix"]
    )
    if matrix != sorted(tuple(r) for r in duck["mobility"]["results"][0]):
        problems.append("mobility matrix")
    summary = ours["mobility"]["tables"]["mobility_summary"][0]
    if (summary["active_cards"], summary["multi_centre_cards"]) != tuple(
        duck["mobility"]["results"][2][0]
    ):
        problems.append("mobility summary")
    total = sum(r["visits"] for r in ours["visits"]["tables"]["visits"])
    if total != sum(r[2] for r in duck["visits"]["results"][0]):
        problems.append("visit total")
    covered = sum(r["visits"] for r in ours["coverage"]["tables"]["coverage"])
    if covered != sum(r[1] for r in duck["coverage"]["results"][0]):
        problems.append("coverage visits")
    return "ok" if not problems else "DIFFERS: " + ", ".join(problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", help="SQLAlchemy URL of the SQLite database")
    parser.add_argument("--postgres", help="URL of the PostgreSQL database")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.url, args.one), default=str))
        return
    targets = [("SQLite", args.sqlite), ("PostgreSQL", args.postgres)]
    targets = [(name, url) for name, url in targets if url]
    if not targets:
        parser.error("give --sqlite and/or --postgres")
    from vaerested.database import normalise_database_url

    print(
        f"{'database':<11} {'report':<9} {'visits':>9} {'seconds':>8} "
        f"{'worst':>6} {'peak MB':>8} {'+MB':>6}  target (<= {TARGET_SECONDS:g} s, "
        f"<= {TARGET_MB} MB)"
    )
    # All report processes first: a child's peak RSS starts at its parent's
    # size when forked, so the parent must not hold DuckDB's tables yet.
    ours = {}
    for name, url in targets:
        url = normalise_database_url(url)
        ours[name] = {report: measure(url, report) for report in REPORTS}
        for report, r in ours[name].items():
            ok = r["seconds"] <= TARGET_SECONDS and r["peak_mb"] <= TARGET_MB
            print(
                f"{name:<11} {report:<9} {r['visits']:>9} {r['seconds']:>8.2f} "
                f"{r['worst']:>6.2f} "
                f"{r['peak_mb']:>8.1f} {r['delta_mb']:>6.1f}  {'ok' if ok else 'OVER'}",
                flush=True,
            )
    for name, url in targets:
        duck = duckdb_reference(normalise_database_url(url))
        for report in REPORTS:
            print(
                f"{'DuckDB':<11} {report:<9} {ours[name][report]['visits']:>9} "
                f"{duck[report]['seconds']:>8.2f}   (same rows from {name}, in memory)"
            )
        print(f"{name}: our figures vs DuckDB's: {check(ours[name], duck)}")


if __name__ == "__main__":
    main()
