"""Time the report pages (dashboard, coverage, mobility, visits) at scale.

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

``--postgres`` is a server URL with rights to create a database: the script
creates ``vaerested_bench_pages`` there and drops it afterwards. SQLite
files go into a temporary directory. Target: cached pages under 1 second.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ("dashboard", "coverage", "mobility", "visits")
TARGET_SECONDS = 1.0
REPEAT = 3
BENCH_DB = "vaerested_bench_pages"
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


def fill(url: str, n_visits: int) -> float:
    """Migrate, seed the demo centres and generate ``n_visits``; return seconds."""
    began = time.perf_counter()
    _flask(url, "db", "upgrade")
    _flask(url, "seed", "demo", "--visits", "0")
    _flask(url, "demo", "generate", "--visits", str(n_visits), "--days", "365")
    return time.perf_counter() - began


def time_pages(url: str) -> list[tuple[str, str, float, float]]:
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


def run(name: str, url: str, n_visits: int) -> None:
    seconds = fill(url, n_visits)
    print(f"{name}: {n_visits:,} visits generated in {seconds:.0f} s", flush=True)
    env = {**os.environ, "VAERESTED_DATABASE_URL": url}
    result = subprocess.run(
        [sys.executable, __file__, "--one", url],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    for line in result.stdout.splitlines():
        print(f"{name:<11} {n_visits:>9,} {line}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 2_000_000])
    parser.add_argument("--postgres", help="PostgreSQL server URL (creates a database)")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # child process: time the pages of a filled database
        for period, page, first, cached in time_pages(args.one):
            verdict = (
                "" if not cached else ("ok" if cached < TARGET_SECONDS else "OVER")
            )
            print(f"{period:<8} {page:<12} {first:>7.2f} {cached:>7.3f}  {verdict}")
        return
    print(
        f"{'database':<11} {'visits':>9} {'period':<8} {'page':<12} "
        f"{'first':>7} {'cached':>7}  (seconds; target cached < {TARGET_SECONDS:g} s)"
    )
    for n_visits in args.sizes:
        if not args.no_sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", n_visits)
        if args.postgres:
            from vaerested.database import normalise_database_url

            server = normalise_database_url(args.postgres)
            _postgres(server, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
            _postgres(server, f"CREATE DATABASE {BENCH_DB}")
            try:
                run("PostgreSQL", server.rsplit("/", 1)[0] + f"/{BENCH_DB}", n_visits)
            finally:
                _postgres(server, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


if __name__ == "__main__":
    main()
