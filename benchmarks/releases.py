"""Time a public release (bound and count, noise, store) over filled databases.

Fill each database first (1,000,000 visits over a year), as for
``benchmarks/exports.py``, then::

    .venv/bin/python benchmarks/releases.py sqlite:////tmp/bench.sqlite3 \\
        postgresql://postgres@127.0.0.1:5432/bench

Each URL runs in a fresh process. Sets a large budget for the year if there is
none, makes releases over the data's whole last calendar year
(``--from``/``--to`` to choose) and rolls them back (nothing is spent). Prints,
for each step, the wall time and this process's CPU time (``process_time``;
PostgreSQL's own work runs in its server process and shows only in the wall
time): the SQL bounding and counting that ``make_release`` uses, the same
counts the old way (every visit loaded into polars, ``--polars``), the noise,
and the whole ``make_release``. The best of ``--repeat`` runs is shown (the
machine is shared). Target: under 10 s.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed(func):
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _best(runs):
    return min(runs, key=lambda r: r[1])


def measure(args) -> None:
    """Time the steps on the database of ``VAERESTED_DATABASE_URL``."""
    os.environ.setdefault("VAERESTED_INSTANCE_PATH", tempfile.mkdtemp())
    from sqlalchemy import func, select

    from vaerested import create_app
    from vaerested.extensions import db
    from vaerested.models import Visit
    from vaerested.releases import operations, queries
    from vaerested.services import dp

    app = create_app()
    k, m = app.config["RELEASE_MAX_TRANSITIONS"], app.config["RELEASE_MAX_VISITS"]
    with app.app_context():
        last = db.session.scalar(select(func.max(Visit.visit_date)))
        start = date.fromisoformat(args.start) if args.start else date(last.year, 1, 1)
        end = date.fromisoformat(args.end) if args.end else date(last.year, 12, 31)
        count = db.session.scalar(
            select(func.count()).where(Visit.visit_date.between(start, end))
        )
        grid = queries.release_grid(db.session, start, end)
        sql = _best(
            [
                _timed(
                    lambda: queries.release_counts(db.session, start, end, grid, k, m)
                )
                for _ in range(args.repeat)
            ]
        )
        db.session.rollback()
        truth = sql[0]
        noise = _timed(lambda: dp.noisy_vectors(truth, grid, 1.0, k, m))
        if operations.get_budget(start.year) is None:
            operations.set_budget(start.year, 100)
        db.session.commit()
        whole = []
        for _ in range(args.repeat):
            release, wall, cpu = _timed(
                lambda: operations.make_release(start, end, "benchmark", epsilon=1.0)
            )
            db.session.rollback()  # spend nothing
            whole.append((release.id, wall, cpu))
        whole = _best(whole)
        print(
            f"{db.engine.dialect.name}: {count} visits {start}..{end}, "
            f"{len(grid.centres)} centres, k={k} m={m}"
        )
        print(f"  bound+count in SQL  {sql[1]:6.2f} s wall {sql[2]:6.2f} s CPU")
        print(f"  peak memory so far  {_rss_mb():6.0f} MB")
        if args.polars:
            frame, lw, lc = _timed(
                lambda: queries.release_frame(db.session, start, end)
            )
            old, bw, bc = _timed(lambda: dp.true_counts(frame, grid, k, m))
            db.session.rollback()
            print(f"  old: load visits    {lw:6.2f} s wall {lc:6.2f} s CPU")
            print(f"  old: bound+count    {bw:6.2f} s wall {bc:6.2f} s CPU")
            print(f"  same counts as SQL: {old == truth}")
            print(f"  peak memory now     {_rss_mb():6.0f} MB")
        print(f"  noise               {noise[1]:6.2f} s wall {noise[2]:6.2f} s CPU")
        print(
            f"  whole make_release  {whole[1]:6.2f} s wall {whole[2]:6.2f} s CPU "
            f"(best of {args.repeat}, rolled back)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="*", help="database URLs (default: the env's)")
    parser.add_argument("--from", dest="start", default=None)
    parser.add_argument("--to", dest="end", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--polars", action="store_true", help="also time the old per-visit path"
    )
    args = parser.parse_args()
    if not args.urls:
        measure(args)
        return
    for url in args.urls:
        child = [a for a in sys.argv[1:] if a not in args.urls]
        env = {**os.environ, "VAERESTED_DATABASE_URL": url}
        subprocess.run([sys.executable, __file__, *child], env=env, check=True)


if __name__ == "__main__":
    main()
