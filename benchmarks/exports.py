"""Benchmark the three exports on SQLite and PostgreSQL, with DuckDB as the reference.

Fill each database first (1,000,000 visits over a year), e.g.::

    export VAERESTED_DATABASE_URL=sqlite:////tmp/bench.sqlite3
    flask --app wsgi db upgrade && flask --app wsgi seed demo
    flask --app wsgi demo generate --visits 1000000 --days 365 --seed 42

then run ``python benchmarks/exports.py --sqlite URL --postgres URL`` (needs the
``bench`` extra: DuckDB). An empty database (migrated, or a new SQLite file) is
filled by the script itself with ``--visits`` visits a year; ``--table-visits N``
fills N visits instead, over as many years as it takes, around the measured
year (the middle year of the table): compare a run on a 1M table with one on a
4M table to see that a one-year export costs what its year holds, not what the
table holds. A filled database is reused as it is (filling is slow).

Each export runs in a fresh process: ``build_report`` and ``write_report``
(CSV) over the measured year at ``--min-cell`` (default 5: protected, as the
web and the schedules export), three times; the best CPU time and the best wall
time are printed (the machine is shared: CPU time is the steadier figure). CPU
time is the process's (Python, the app and, for SQLite, the database engine)
plus, for PostgreSQL, the server backend's (read from /proc when the server
runs on this machine; ``-`` when it cannot be read). PostgreSQL runs without
parallel workers unless ``--pg-parallel`` (one backend, as DuckDB runs on one
thread, and its CPU time is then complete). ``--before PATH`` runs
the same exports with the code of another checkout (its own ``.venv``) on the
same database (or, with ``--before-sqlite``/``--before-postgres``, on another one,
e.g. a copy at the old schema), e.g. the commit before a change, and prints the
ratio.

DuckDB then runs every query the export runs (the same aggregations with the
same record-key sums, the monthly summaries included) on one thread over the
same rows (the measured year's visits and the cards and centres), loaded into
memory first (loading is not timed), and its figures are checked against ours
(computed once more at min-cell 1, not timed).
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

REPORTS = ("visits", "coverage", "mobility")
TARGET_SECONDS = 5.0
#: Runs per export (in one process); the best CPU and wall times are reported.
REPEAT = 3
YEAR = 365


def _app(url: str):
    os.environ.setdefault("VAERESTED_INSTANCE_PATH", tempfile.mkdtemp())
    from vaerested import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})


def _backend_cpu(session) -> float | None:
    """Return the CPU seconds of this session's PostgreSQL backend, or None."""
    from sqlalchemy import text

    if session.get_bind().dialect.name != "postgresql":
        return 0.0
    pid = session.execute(text("SELECT pg_backend_pid()")).scalar()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_one(url: str, report: str, start: date, end: date, min_cell: int) -> dict:
    """Build and write one export; return its timings (child process)."""
    from vaerested.extensions import db

    try:
        from vaerested.exports.formats import write_report
        from vaerested.reports.tables.build import build_report
    except ImportError:  # a --before checkout from before the reports/ split
        from vaerested.reports.build import build_report, write_report

    app = _app(url)
    with app.app_context():
        session = db.session
        walls, cpus = [], []
        for _ in range(REPEAT):
            backend = _backend_cpu(session)
            began, cpu = time.perf_counter(), time.process_time()
            tables = build_report(report, start, end, min_cell=min_cell)
            with tempfile.TemporaryDirectory() as out:
                write_report(tables, "csv", Path(out))
            walls.append(time.perf_counter() - began)
            used = time.process_time() - cpu
            after = _backend_cpu(session)
            cpus.append(None if None in (backend, after) else used + after - backend)
            session.rollback()
        raw = build_report(report, start, end, min_cell=1)
        session.rollback()
    return {
        "wall": min(walls),
        "cpu": None if None in cpus else min(cpus),
        "tables": {t.name: t.rows for t in raw},
    }


def measure(url, report, start, end, min_cell, root: Path = ROOT) -> dict:
    """Run :func:`run_one` with the code of checkout ``root`` in a fresh process."""
    python = root / ".venv" / "bin" / "python"
    out = subprocess.run(
        [
            str(python if python.exists() else sys.executable),
            __file__,
            "--one",
            report,
            "--url",
            url,
            "--period",
            start.isoformat(),
            end.isoformat(),
            "--min-cell",
            str(min_cell),
            "--root",
            str(root),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=root,
    )
    return json.loads(out.stdout.splitlines()[-1])


def _flask(url: str, *args: str) -> None:
    env = {**os.environ, "VAERESTED_DATABASE_URL": url}
    env.setdefault("VAERESTED_INSTANCE_PATH", tempfile.mkdtemp())
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def fill_if_empty(url: str, year_visits: int, table_visits: int) -> None:
    """Fill an empty database: ``table_visits`` visits, ``year_visits`` a year."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    with engine.connect() as conn:
        filled = (
            "visits" in inspect(conn).get_table_names()
            and conn.execute(text("SELECT count(*) FROM visits")).scalar()
        )
    engine.dispose()
    if filled:
        return
    days = round(YEAR * table_visits / year_visits)
    print(f"filling {table_visits:,} visits over {days} days ...", flush=True)
    _flask(url, "db", "upgrade")
    _flask(url, "seed", "demo")
    _flask(url, "demo", "generate", "--visits", str(table_visits), "--days", str(days))
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE" if "postgresql" in url else "ANALYZE"))
    engine.dispose()


def measured_year(url: str) -> tuple[date, date, int, int]:
    """Return the middle year of the table, its visits and the table's visits."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        first, last, total = conn.execute(
            text("SELECT min(visit_date), max(visit_date), count(*) FROM visits")
        ).one()
        first, last = (
            d if isinstance(d, date) else date.fromisoformat(d) for d in (first, last)
        )
        start = first + timedelta(days=max(0, ((last - first).days + 1 - YEAR) // 2))
        end = min(last, start + timedelta(days=YEAR - 1))
        in_year = conn.execute(
            text("SELECT count(*) FROM visits WHERE visit_date BETWEEN :a AND :b"),
            {"a": start, "b": end},
        ).scalar()
    engine.dispose()
    return start, end, in_year, total


def _month_case(start: date, end: date) -> str:
    from vaerested.services.mobility import months

    arms = " ".join(
        f"WHEN visit_date <= DATE '{last}' THEN '{label}'"
        for label, _, last in months(start, end)
    )
    return f"CASE {arms} END"


def duckdb_queries(start: date, end: date) -> dict[str, list[str]]:
    """Return every query each export runs, written for DuckDB."""
    month = _month_case(start, end)
    key = "sum(DISTINCT v.card_id * 256 + k.record_key)"
    pairs = "SELECT DISTINCT card_id, centre_id FROM visits WHERE card_id IS NOT NULL"
    return {
        "visits": [
            "SELECT visit_date, centre_id, count(*), sum(record_key), count(card_id), "
            "sum(CASE WHEN card_id IS NOT NULL THEN record_key ELSE 0 END) "
            "FROM visits GROUP BY ALL"
        ],
        "coverage": [
            # Per centre (each card once, its key once).
            f"SELECT v.centre_id, count(*), sum(v.record_key), "
            f"count(DISTINCT v.card_id), {key} FROM visits v "
            "LEFT JOIN cards k ON k.id = v.card_id GROUP BY ALL",
            f"SELECT c.district_id, count(*), sum(v.record_key), "
            f"count(DISTINCT v.card_id), {key} FROM visits v "
            "JOIN centres c ON c.id = v.centre_id "
            "LEFT JOIN cards k ON k.id = v.card_id GROUP BY ALL",
            f"SELECT k.home_district_id, count(DISTINCT v.card_id), {key} "
            "FROM visits v JOIN cards k ON k.id = v.card_id "
            "WHERE k.home_district_id IS NOT NULL GROUP BY ALL",
            "SELECT CASE WHEN v.card_id IS NOT NULL THEN k.home_district_id "
            "ELSE v.home_district_id END AS home, c.district_id, "
            f"count(DISTINCT v.card_id), {key}, count(*), sum(v.record_key) "
            "FROM visits v JOIN centres c ON c.id = v.centre_id "
            "LEFT JOIN cards k ON k.id = v.card_id GROUP BY ALL",
        ],
        "mobility": [
            "SELECT p.slug, c.slug, count(DISTINCT t.card_id), "
            "sum(DISTINCT t.card_id * 256 + k.record_key), count(*), "
            "sum(t.record_key) FROM ("
            " SELECT v.card_id, v.centre_id, v.record_key, lag(v.centre_id) OVER ("
            "  PARTITION BY v.card_id ORDER BY v.visited_dt, c.slug) AS prev"
            " FROM visits v JOIN centres c ON c.id = v.centre_id"
            " WHERE v.card_id IS NOT NULL) t "
            "JOIN centres p ON p.id = t.prev JOIN centres c ON c.id = t.centre_id "
            "JOIN cards k ON k.id = t.card_id "
            "WHERE prev <> t.centre_id GROUP BY ALL ORDER BY 1, 2",
            f"WITH cc AS ({pairs}), n AS (SELECT card_id, count(*) AS n "
            " FROM cc GROUP BY card_id) SELECT cc.centre_id, count(*), "
            " sum(k.record_key), sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END), "
            " sum(CASE WHEN n >= 2 THEN k.record_key ELSE 0 END) "
            " FROM cc JOIN n USING (card_id) JOIN cards k ON k.id = cc.card_id "
            " GROUP BY ALL",
            "SELECT count(*), sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END), "
            " sum(k.record_key) FROM (SELECT card_id, count(DISTINCT centre_id) AS n"
            " FROM visits WHERE card_id IS NOT NULL GROUP BY card_id) s "
            " JOIN cards k ON k.id = s.card_id",
            # The monthly summaries: active and multi-centre cards per month.
            "SELECT month, count(*), sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END), "
            " sum(k.record_key) FROM (SELECT month, card_id, "
            f" count(DISTINCT centre_id) AS n FROM (SELECT {month} AS month, "
            " card_id, centre_id FROM visits WHERE card_id IS NOT NULL) m "
            " GROUP BY ALL) s JOIN cards k ON k.id = s.card_id GROUP BY ALL ORDER BY 1",
        ],
    }


def duckdb_reference(url: str, start: date, end: date) -> dict:
    """Load the measured year's rows into DuckDB; time the same queries there."""
    import duckdb
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    con = duckdb.connect()
    con.execute("SET threads = 1")
    with tempfile.TemporaryDirectory() as tmp, engine.connect() as conn:
        for name, sql in {
            "visits": "SELECT centre_id, card_id, visit_date, visited_dt, "
            "home_district_id, record_key FROM visits "
            "WHERE visit_date BETWEEN :a AND :b",
            "centres": "SELECT id, slug, district_id FROM centres",
            "cards": "SELECT id, home_district_id, record_key FROM cards",
        }.items():
            path = Path(tmp) / f"{name}.csv"
            result = conn.execution_options(stream_results=True).execute(
                text(sql), {"a": start, "b": end}
            )
            with path.open("w", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(result.keys())
                for chunk in result.partitions(50_000):
                    writer.writerows(chunk)
            con.execute(
                f"CREATE TABLE {name} AS SELECT * FROM "
                f"read_csv_auto('{path}', header=true, sample_size=-1)"
            )
    engine.dispose()
    out = {}
    for report, sqls in duckdb_queries(start, end).items():
        walls, cpus = [], []
        for _ in range(REPEAT):
            began, cpu = time.perf_counter(), time.process_time()
            results = [con.execute(sql).fetchall() for sql in sqls]
            walls.append(time.perf_counter() - began)
            cpus.append(time.process_time() - cpu)
        out[report] = {"wall": min(walls), "cpu": min(cpus), "results": results}
    return out


def check(ours: dict, duck: dict) -> str:
    """Compare our raw figures with DuckDB's; return "ok" or what differs."""
    problems = []
    mob = ours["mobility"]["tables"]
    matrix = sorted(
        (r["from_centre"], r["to_centre"], r["cards"], r["transitions"])
        for r in mob["mobility_matrix"]
    )
    if matrix != sorted(r[:2] + (r[2], r[4]) for r in duck["mobility"]["results"][0]):
        problems.append("mobility matrix")
    summary = mob["mobility_summary"][0]
    if (summary["active_cards"], summary["multi_centre_cards"]) != tuple(
        duck["mobility"]["results"][2][0][:2]
    ):
        problems.append("mobility summary")
    months = [
        (r["month"], r["active_cards"], r["multi_centre_cards"])
        for r in mob["mobility_months"]
    ]
    if months != [tuple(r[:3]) for r in duck["mobility"]["results"][3]]:
        problems.append("mobility months")
    total = sum(r["visits"] for r in ours["visits"]["tables"]["visits"])
    if total != sum(r[2] for r in duck["visits"]["results"][0]):
        problems.append("visit total")
    cov = ours["coverage"]["tables"]
    if sum(r["visits"] for r in cov["coverage"]) != sum(
        r[1] for r in duck["coverage"]["results"][1]
    ):
        problems.append("coverage visits")
    if sorted(
        r["unique_cards"] for r in cov["coverage_centres"] if r["visits"]
    ) != sorted(r[3] for r in duck["coverage"]["results"][0]):
        problems.append("coverage centres")
    return "ok" if not problems else "DIFFERS: " + ", ".join(problems)


def _fmt(seconds) -> str:
    return "-" if seconds is None else f"{seconds:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", help="SQLAlchemy URL of the SQLite database")
    parser.add_argument("--postgres", help="URL of the PostgreSQL database")
    parser.add_argument("--visits", type=int, default=1_000_000, help="visits a year")
    parser.add_argument(
        "--table-visits", type=int, help="visits in the whole table (default: a year's)"
    )
    parser.add_argument("--min-cell", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout to compare with")
    parser.add_argument(
        "--before-sqlite",
        help="run the --before code on this SQLite database instead (e.g. a copy "
        "of the same file at the old schema)",
    )
    parser.add_argument("--before-postgres", help="the same for PostgreSQL")
    parser.add_argument("--no-duckdb", action="store_true")
    parser.add_argument(
        "--pg-parallel",
        action="store_true",
        help="let PostgreSQL use parallel workers (their CPU time is not counted)",
    )
    parser.add_argument("--reports", nargs="+", default=list(REPORTS))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--period", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(args.root))
    if args.one:
        start, end = (date.fromisoformat(d) for d in args.period)
        print(
            json.dumps(
                run_one(args.url, args.one, start, end, args.min_cell), default=str
            )
        )
        return
    before_urls = {"SQLite": args.before_sqlite, "PostgreSQL": args.before_postgres}
    targets = [("SQLite", args.sqlite), ("PostgreSQL", args.postgres)]
    targets = [(name, url) for name, url in targets if url]
    if not targets:
        parser.error("give --sqlite and/or --postgres")
    from vaerested.database import normalise_database_url

    print(
        f"{'database':<11} {'export':<9} {'code':<7} {'year':>9} {'table':>9} "
        f"{'cpu s':>6} {'wall s':>6}  (best of {REPEAT}, min-cell {args.min_cell})"
    )
    for name, url in targets:
        url = normalise_database_url(url)
        if name == "PostgreSQL" and not args.pg_parallel:
            # One backend process: its CPU time is all the server's, as DuckDB's
            # one thread is all of DuckDB's.
            sep = "&" if "?" in url else "?"
            url += f"{sep}options=-cmax_parallel_workers_per_gather%3D0"
        fill_if_empty(url, args.visits, args.table_visits or args.visits)
        before_url = url
        if before_urls[name]:
            before_url = normalise_database_url(before_urls[name])
            if name == "PostgreSQL" and not args.pg_parallel:
                sep = "&" if "?" in before_url else "?"
                before_url += f"{sep}options=-cmax_parallel_workers_per_gather%3D0"
        start, end, in_year, total = measured_year(url)
        ours, before = {}, {}
        for report in args.reports:
            runs = [("new", ROOT, url, ours)]
            if args.before:
                runs.append(("before", args.before.resolve(), before_url, before))
            for label, root, where, into in runs:
                r = into[report] = measure(
                    where, report, start, end, args.min_cell, root
                )
                print(
                    f"{name:<11} {report:<9} {label:<7} {in_year:>9} {total:>9} "
                    f"{_fmt(r['cpu']):>6} {_fmt(r['wall']):>6}",
                    flush=True,
                )
            if args.before:
                new, old = ours[report], before[report]
                cpu = (
                    "-"
                    if None in (new["cpu"], old["cpu"])
                    else f"{new['cpu'] / old['cpu']:.2f}"
                )
                print(
                    f"{name:<11} {report:<9} new/before: cpu {cpu}, "
                    f"wall {new['wall'] / old['wall']:.2f}",
                    flush=True,
                )
        if args.no_duckdb or set(args.reports) != set(REPORTS):
            continue
        duck = duckdb_reference(url, start, end)
        for report in REPORTS:
            d, r = duck[report], ours[report]
            ratio = "-" if r["cpu"] is None else f"{r['cpu'] / d['cpu']:.1f}"
            print(
                f"{'DuckDB':<11} {report:<9} {'1 thr':<7} {in_year:>9} {'':>9} "
                f"{_fmt(d['cpu']):>6} {_fmt(d['wall']):>6}  {name} / DuckDB: "
                f"cpu {ratio}x, wall {r['wall'] / d['wall']:.1f}x"
            )
        print(f"{name}: our figures vs DuckDB's: {check(ours, duck)}", flush=True)


if __name__ == "__main__":
    main()
