"""Job: recompute the report pages' default figures ahead of the users.

Every report page opens on the last 30 days for all centres (administration's
view). This job computes those aggregates anew through the report cache, so a
page request finds them ready even at millions of visits; other periods and
scopes are computed on their first request and then reused.
"""

import logging
import time
from datetime import timedelta

from flask import Flask

from vaerested.exports.jobs import local_today
from vaerested.extensions import db
from vaerested.reports.tables import cache
from vaerested.reports.tables.build import REPORTS, build_report

logger = logging.getLogger(__name__)

#: Days of the pages' default period (ending today); see ``views.DEFAULT_DAYS``.
DEFAULT_DAYS = 30


def warm_cache(days: int = DEFAULT_DAYS) -> int:
    """Recompute every report's aggregates for the last ``days`` days; return
    how many cache entries were written."""
    today = local_today()
    start = today - timedelta(days=days - 1)
    with cache.caching(db.session, today, refresh=True) as state:
        for report in REPORTS:
            build_report(report, start, today, min_cell=1, suppress=False)
    return len(state.pending)


def run_warm_cache(app: Flask) -> int:
    """Job body: :func:`warm_cache` in an app context, logged with its time."""
    with app.app_context():
        began = time.perf_counter()
        written = warm_cache()
        logger.info(
            "Report cache: %d entries recomputed in %.1f s",
            written,
            time.perf_counter() - began,
        )
        return written
