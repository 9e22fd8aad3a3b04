"""Time a public release (load, bound, noise, store) over a filled database.

Fill the database first (1,000,000 visits over a year), as for
``benchmarks/exports.py``, then::

    VAERESTED_DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python benchmarks/releases.py

Sets a large budget for the year if there is none, makes one release over the
data's whole last calendar year (``--from``/``--to`` to choose) and rolls it
back (nothing is spent). Prints the time of each step. Target: under 10 s.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--from", dest="start", default=None)
    parser.add_argument("--to", dest="end", default=None)
    args = parser.parse_args()
    os.environ.setdefault("VAERESTED_INSTANCE_PATH", tempfile.mkdtemp())
    from sqlalchemy import func, select

    from vaerested import create_app
    from vaerested.extensions import db
    from vaerested.models import Visit
    from vaerested.releases import operations, queries
    from vaerested.services import dp

    app = create_app()
    with app.app_context():
        last = db.session.scalar(select(func.max(Visit.visit_date)))
        start = date.fromisoformat(args.start) if args.start else date(last.year, 1, 1)
        end = date.fromisoformat(args.end) if args.end else date(last.year, 12, 31)
        count = db.session.scalar(
            select(func.count()).where(Visit.visit_date.between(start, end))
        )
        t0 = time.perf_counter()
        frame = queries.release_frame(db.session, start, end)
        t1 = time.perf_counter()
        grid = queries.release_grid(db.session, start, end)
        truth = dp.true_counts(frame, grid, 10, 30)
        t2 = time.perf_counter()
        dp.noisy_vectors(truth, grid, 1.0, 10, 30)
        t3 = time.perf_counter()
        db.session.rollback()
        if operations.get_budget(start.year) is None:
            operations.set_budget(start.year, 100)
        db.session.commit()
        t4 = time.perf_counter()
        release = operations.make_release(start, end, "benchmark", epsilon=1.0)
        t5 = time.perf_counter()
        db.session.rollback()  # spend nothing
        print(
            f"{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: {count} visits "
            f"{start}..{end}, {len(grid.centres)} centres"
        )
        print(
            f"load {t1 - t0:.2f} s, bound+count {t2 - t1:.2f} s, "
            f"noise {t3 - t2:.2f} s; whole make_release {t5 - t4:.2f} s "
            f"(release {release.id}, rolled back)"
        )


if __name__ == "__main__":
    main()
