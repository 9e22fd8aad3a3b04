"""Time the report pages (dashboard, coverage, mobility, visits, reach) at scale.

For each size (default 100,000 and 2,000,000 visits over a year) and each
database, the script fills a fresh database (migrations, the demo centres,
``demo generate``), then requests every page as an administrator through
Flask's test client (the whole request: queries, cache, templates):

- ``first``: the first request of a period, cache empty (what the warm-up job
  or the first user pays once per period);
- ``cached``: the best of the following requests (what users see);
- for two periods: the default last 30 days and the whole last year.

It also times the warm-up job (``reports.warm.warm_cache``). Usage::

    python benchmarks/pages.py --sizes 100000 2000000 \\
        --postgres postgresql://postgres@127.0.0.1/postgres

``--postgres`` is a server URL with rights to create a database: each run
creates a database of its own there, ``<--db-prefix>_<pid>_<visits>``, and
drops only that one afterwards (never a shared database). SQLite files go into
a temporary directory. After filling, the script runs ``ANALYZE`` (PostgreSQL:
``VACUUM ANALYZE``), so the planner knows the table it is timed on. Targets:
cached pages under 1 second; uncached one-year pages at 2M visits under 1 s on
PostgreSQL and under 2 s on SQLite.

``--national`` is the national scenario of issue 15 on PostgreSQL: 400
centres in 98 municipalities (fictional, one district each), 2×10^7 visits
over ten years (``--national-scale`` multiplies the visits: 0.1 gives 2×10^6,
for a machine where generating 20 million rows takes too long), then the
one-year pages (first request and cached) and the one-year exports (CPU and
wall time of ``benchmarks/exports.py``'s runner, min-cell 5). Targets there:
exports < 10 s, pages < 2 s.
"""

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("dashboard", "coverage", "mobility", "visits", "reach")
TARGET_SECONDS = 1.0
REPEAT = 3
BENCH_DB_PREFIX = "vaerested_bench_pages"
#: The national scenario (issue 15): centres, municipalities, visits, days.
NATIONAL_CENTRES = 400
NATIONAL_MUNICIPALITIES = 98
NATIONAL_VISITS = 20_000_000
NATIONAL_DAYS = 3650
PASSWORD = "bench-password-123"


def _flask(url: str, *args: str) -> None:
    env = {**os.environ, "VAERESTED_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{done.stderr}")


def _postgres(server_url: str, sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def fill(url: str, n_visits: int, days: int = 365, national: bool = False) -> float:
    """Migrate, add the centres, generate ``n_visits`` and ANALYZE; return seconds."""
    began = time.perf_counter()
    _flask(url, "db", "upgrade")
    if national:
        subprocess.run(
            [sys.executable, __file__, "--national-world", url], cwd=ROOT, check=True
        )
    else:
        _flask(url, "seed", "demo", "--visits", "0")
    _flask(url, "demo", "generate", "--visits", str(n_visits), "--days", str(days))
    analyze(url)
    return time.perf_counter() - began


def analyze(url: str) -> None:
    """Refresh the planner's statistics after the fill (PostgreSQL also vacuums)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE" if "postgresql" in url else "ANALYZE"))
    engine.dispose()


def national_world(url: str) -> None:
    """Add 98 fictional municipalities (one district each) and 400 centres."""
    import random

    os.environ.setdefault("VAERESTED_INSTANCE_PATH", tempfile.mkdtemp())
    from vaerested import create_app
    from vaerested.extensions import db
    from vaerested.models import Centre, District

    rng = random.Random(15)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        districts = [
            District(
                code=f"k{n:03d}",
                name=f"Kommune {n}",
                municipality=f"Kommune {n}",
                target_population=rng.randrange(200, 5000),
            )
            for n in range(1, NATIONAL_MUNICIPALITIES + 1)
        ]
        db.session.add_all(districts)
        db.session.flush()
        for n in range(NATIONAL_CENTRES):
            # Every municipality has a centre; the rest go to the larger ones.
            district = districts[n] if n < len(districts) else rng.choice(districts)
            db.session.add(
                Centre(
                    slug=f"centre-{n:03d}",
                    name=f"Centre {n}",
                    district_id=district.id,
                    typical_daily_users=rng.randrange(5, 60),
                    lat=55 + rng.random() * 2,
                    lon=8.5 + rng.random() * 4,
                )
            )
        db.session.commit()
        db.engine.dispose()


def time_pages(url: str, periods_wanted=("30 days", "1 year")) -> list:
    """Return ``(period, page, first, cached)`` seconds for every page."""
    os.environ.setdefault("VAERESTED_INSTANCE_PATH", tempfile.mkdtemp())
    from vaerested import create_app
    from vaerested.commands.users import create_staff_user
    from vaerested.exports.jobs import local_today
    from vaerested.extensions import db
    from vaerested.reports.pages.warm import warm_cache
    from vaerested.reports.tables import cache

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
        }
    )
    out = []
    with app.app_context():
        cache.invalidate(db.session)
        create_staff_user(email="bench@example.org", role="admin", password=PASSWORD)
        db.session.commit()
        today = local_today()
        periods = {
            "30 days": "",
            "1 year": f"?start={today - timedelta(days=364)}&end={today}",
        }
        periods = {k: v for k, v in periods.items() if k in periods_wanted}
        began = time.perf_counter()
        warm_cache()
        out.append(("30 days", "warm-up job", time.perf_counter() - began, 0.0))
        cache.invalidate(db.session)
        db.session.commit()
    client = app.test_client()
    response = client.post(
        "/auth/login", data={"email": "bench@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    for period, query in periods.items():
        for page in PAGES:
            times = []
            for _ in range(1 + REPEAT):
                began = time.perf_counter()
                response = client.get(f"/reports/{page}{query}")
                times.append(time.perf_counter() - began)
                assert response.status_code == 200, (page, response.status_code)
            out.append((period, page, times[0], min(times[1:])))
    with app.app_context():
        db.engine.dispose()
    return out


def run(name: str, url: str, n_visits: int, **fill_args) -> None:
    seconds = fill(url, n_visits, **fill_args)
    print(f"{name}: {n_visits:,} visits generated in {seconds:.0f} s", flush=True)
    args = ["--one", url]
    if fill_args.get("national"):
        args.append("--year-only")
    env = {**os.environ, "VAERESTED_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, __file__, *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        print(f"{name:<11} {n_visits:>9,} {line}", flush=True)


def national_exports(url: str) -> None:
    """Print the one-year exports' best CPU and wall times (exports.py's runner)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from exports import REPORTS, measure

    os.environ.setdefault("VAERESTED_INSTANCE_PATH", tempfile.mkdtemp())
    from vaerested import create_app
    from vaerested.exports.jobs import local_today

    with create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b"}).app_context():
        today = local_today()
    start = today - timedelta(days=364)
    for report in REPORTS:
        got = measure(url, report, start, today, 5)
        cpu = "-" if got["cpu"] is None else f"{got['cpu']:.2f}"
        print(
            f"PostgreSQL  export {report:<10} cpu {cpu:>6} s  wall {got['wall']:.2f} s"
            f"  {'ok' if got['wall'] < 10 else 'OVER'} (target < 10 s)",
            flush=True,
        )


@contextlib.contextmanager
def own_database(server_url: str, prefix: str, n_visits: int):
    """Create a PostgreSQL database for this run only; yield its URL; drop it."""
    from vaerested.database import normalise_database_url

    server = normalise_database_url(server_url)
    name = f"{prefix}_{os.getpid()}_{n_visits}"
    _postgres(server, f"CREATE DATABASE {name}")
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _postgres(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 2_000_000])
    parser.add_argument("--postgres", help="PostgreSQL server URL (creates a database)")
    parser.add_argument(
        "--db-prefix",
        default=BENCH_DB_PREFIX,
        help="name prefix of the run's own PostgreSQL database",
    )
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--national",
        action="store_true",
        help="the national scenario on PostgreSQL (needs --postgres)",
    )
    parser.add_argument("--national-scale", type=float, default=1.0)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--year-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--national-world", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.national_world:
        national_world(args.national_world)
        return
    if args.one:  # child process: time the pages of a filled database
        wanted = ("1 year",) if args.year_only else ("30 days", "1 year")
        for period, page, first, cached in time_pages(args.one, wanted):
            verdict = (
                "" if not cached else ("ok" if cached < TARGET_SECONDS else "OVER")
            )
            print(f"{period:<8} {page:<12} {first:>7.2f} {cached:>7.3f}  {verdict}")
        return
    print(
        f"{'database':<11} {'visits':>9} {'period':<8} {'page':<12} "
        f"{'first':>7} {'cached':>7}  (seconds; target cached < {TARGET_SECONDS:g} s)"
    )
    if args.national:
        if not args.postgres:
            sys.exit("--national needs --postgres")
        n_visits = round(NATIONAL_VISITS * args.national_scale)
        with own_database(args.postgres, args.db_prefix, n_visits) as url:
            run("PostgreSQL", url, n_visits, days=NATIONAL_DAYS, national=True)
            national_exports(url)
        return
    for n_visits in args.sizes:
        if not args.no_sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", n_visits)
        if args.postgres:
            with own_database(args.postgres, args.db_prefix, n_visits) as url:
                run("PostgreSQL", url, n_visits)


if __name__ == "__main__":
    main()
