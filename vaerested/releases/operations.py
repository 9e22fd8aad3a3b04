"""Making a public release: compute it, then spend the year's budget atomically.

The computation only reads. The spending is one conditional UPDATE
(``spent = spent + ε WHERE spent + ε <= epsilon``) as the transaction's first
write, so two releases at once cannot both pass the check on either database;
the release row and its audit entry follow in the same transaction. Operations
flush; the caller commits once.
"""

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from flask import current_app, has_request_context
from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from vaerested.audit import record_audit
from vaerested.extensions import db
from vaerested.models.releases import PrivacyBudget, PublicRelease
from vaerested.models.users import StaffUser
from vaerested.releases.queries import release_counts, release_grid
from vaerested.services import dp

logger = logging.getLogger(__name__)

#: Slack for float sums of ε.
EPS_TOLERANCE = 1e-9


#: Set by :func:`in_default_locale`: translate without a request (the scheduler).
_translating: ContextVar[bool] = ContextVar(
    "release_messages_translated", default=False
)


def _(message: str, **values) -> str:
    """Translate for a page; plain English in the CLI (no request, no locale)."""
    if has_request_context() or _translating.get():
        return gettext(message, **values)
    return message % values if values else message


@contextmanager
def in_default_locale() -> Iterator[None]:
    """Write the messages in the app's default language (``BABEL_DEFAULT_LOCALE``)
    outside a request: a scheduled run's refusal is shown on the page later."""
    token = _translating.set(True)
    try:
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            yield
    finally:
        _translating.reset(token)


class ReleaseError(Exception):
    """A release that may not be made (bad input, no budget, budget spent)."""


def get_budget(year: int) -> PrivacyBudget | None:
    """Return the budget of ``year``, or None when none is configured."""
    return db.session.scalar(select(PrivacyBudget).where(PrivacyBudget.year == year))


def set_budget(
    year: int, epsilon: float, actor: StaffUser | None = None
) -> PrivacyBudget:
    """Set the yearly ε (never below what is already spent); flushes."""
    if not 0 < epsilon <= 100:
        raise ReleaseError(_("The yearly ε must be above 0 and at most 100."))
    budget = get_budget(year)
    if budget is not None and epsilon + EPS_TOLERANCE < budget.spent:
        raise ReleaseError(
            _(
                "ε %(spent)s of %(year)d is already spent: the budget cannot be lower.",
                spent=f"{budget.spent:.3f}",
                year=year,
            )
        )
    if budget is None:
        budget = PrivacyBudget(year=year, epsilon=epsilon, spent=0.0)
        db.session.add(budget)
    budget.epsilon = epsilon
    budget.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    record_audit(
        "release.budget",
        actor=actor,
        report="public",
        detail=f"year={year} epsilon={epsilon}",
    )
    return budget


def check_input(start: date, end: date, epsilon: float, k: int, m: int) -> None:
    """Raise :class:`ReleaseError` for a period or bound that cannot be released."""
    if end < start:
        raise ReleaseError(_("The period ends before it starts."))
    if start.year != end.year:
        raise ReleaseError(
            _(
                "A public release covers one calendar year at most (the budget is yearly)."
            )
        )
    if not 0 < epsilon <= 10:
        raise ReleaseError(_("The release's ε must be above 0 and at most 10."))
    if not (1 <= k <= 1000 and 1 <= m <= 1000):
        raise ReleaseError(_("The bounds must be from 1 to 1000."))


def _refusal(year: int, epsilon: float, budget: PrivacyBudget | None) -> str:
    if budget is None:
        return _(
            "No privacy budget is configured for %(year)d: administration sets it first.",
            year=year,
        )
    return _(
        "Refused: this release needs ε %(need)s but only ε %(left)s of %(total)s "
        "is left for %(year)d.",
        need=f"{epsilon:.3f}",
        left=f"{budget.remaining:.3f}",
        total=f"{budget.epsilon:.3f}",
        year=year,
    )


def make_release(
    start: date,
    end: date,
    purpose: str,
    *,
    epsilon: float | None = None,
    max_transitions: int | None = None,
    max_visits: int | None = None,
    actor: StaffUser | None = None,
    actor_label: str | None = None,
) -> PublicRelease:
    """Compute a release, spend its ε from the year's budget and record it.

    :raises ReleaseError: for bad input, or when the year's budget is missing
        or would be exceeded (nothing is spent then).
    """
    config = current_app.config
    epsilon = epsilon if epsilon is not None else config["RELEASE_EPSILON"]
    k = max_transitions or config["RELEASE_MAX_TRANSITIONS"]
    m = max_visits or config["RELEASE_MAX_VISITS"]
    check_input(start, end, epsilon, k, m)
    year = start.year
    budget = get_budget(year)
    if budget is None or budget.spent + epsilon > budget.epsilon + EPS_TOLERANCE:
        raise ReleaseError(_refusal(year, epsilon, budget))
    grid = release_grid(db.session, start, end)
    truth = release_counts(db.session, start, end, grid, k, m)
    result = dp.release_truth(truth, grid, epsilon, k, m)
    # End the reading transaction: the spend must be a fresh transaction's first
    # statement (SQLite refuses a read-then-write upgrade under concurrency).
    db.session.rollback()
    spent = db.session.execute(
        update(PrivacyBudget)
        .where(
            PrivacyBudget.year == year,
            PrivacyBudget.spent + result.epsilon
            <= PrivacyBudget.epsilon + EPS_TOLERANCE,
        )
        .values(spent=PrivacyBudget.spent + result.epsilon)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        db.session.rollback()
        raise ReleaseError(_refusal(year, result.epsilon, get_budget(year)))
    release = PublicRelease(
        year=year,
        period_start=start,
        period_end=end,
        purpose=purpose[:200],
        epsilon=result.epsilon,
        max_transitions=k,
        max_visits=m,
        created_by_id=actor.id if actor is not None else None,
        actor_label=(actor.email if actor is not None else actor_label or "cli"),
        tables_json=json.dumps(result.tables, ensure_ascii=False),
        accounting_json=json.dumps(result.accounting),
    )
    db.session.add(release)
    db.session.flush()
    record_audit(
        "release.create",
        actor=actor,
        actor_label=None if actor is not None else release.actor_label,
        report="public",
        period=(start, end),
        detail=f"release={release.id} epsilon={result.epsilon:.4f} k={k} m={m} "
        f"purpose={purpose[:100]}",
    )
    logger.info(
        "Public release %s spent ε %.4f of %s", release.id, result.epsilon, year
    )
    return release
