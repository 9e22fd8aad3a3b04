"""Report pages (visits, coverage, mobility, dashboard, reach, courses, flow,
volunteers) and downloads.

The pages show exactly the numbers of the files: the same tables with the
same protection (cell-key perturbation and suppression at config
``EXPORT_MIN_CELL``, never below ``EXPORT_MIN_CELL_FLOOR``). Administration sees every
centre; leaders see the part of each report about their own centres; staff
none. Each report's pictures (map, charts) come from a context hook of its own
module, fed the same tables.
"""

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField
from wtforms.validators import ValidationError

from vaerested.audit import record_audit
from vaerested.auth.decorators import role_required
from vaerested.checkin.operations import local_tz
from vaerested.exports.formats import render
from vaerested.exports.human import About
from vaerested.extensions import db
from vaerested.forms import BaseForm
from vaerested.models import Centre, District, Role
from vaerested.parsing import BoundedDateField as DateField
from vaerested.print_header import PrintHeader, print_header
from vaerested.reports.pages import (
    bp,
    dashboard_charts,
    flow_trend,
    maps,
    pictures,
    reach_charts,
    warm,
)
from vaerested.reports.pages.charts import bar_chart
from vaerested.reports.tables import cache, present, queries
from vaerested.reports.tables.build import (
    REPORTS,
    ReportError,
    Table,
    build_report,
    protect_tables,
    resolve_scope,
)
from vaerested.reports.tables.table import PAGE_ROWS
from vaerested.services.protection import cell, protect

#: Days in the default period (ending today); the warm-up job computes it ahead.
DEFAULT_DAYS = warm.DEFAULT_DAYS
#: Longest period a page or a download may cover.
MAX_DAYS = 3 * 366
DOWNLOAD_FORMATS = ("csv", "csv_da", "json", "xlsx", "geojson")
TITLES = {
    "dashboard": _l("Dashboard"),
    "visits": _l("Visits"),
    "coverage": _l("Geographic coverage"),
    "mobility": _l("Mobility between centres"),
    "reach": _l("Reach: age and gender of the visitors"),
    "courses": _l("Course outcomes"),
    "flow": _l("FLOW: moves to an own home"),
    "volunteers": _l("Outreach and volunteering"),
}

#: Reports whose page shows its tables and nothing made from their protected
#: rows: the page protects only the rows it lists (each row is protected on its
#: own, so these are the same figures as the downloads'), and the visits
#: report reads only those rows. A national year's visits table has 146,000
#: rows; the page lists 500.
PAGE_LISTED_ONLY = frozenset({"visits", "reach", "courses", "volunteers"})

# The coverage page's flows matrix (reports/_flows.html) is laid out here.
bp.add_app_template_global(pictures.flows_matrix, "flows_matrix")
# How report tables read (labels, names, locale formats), for every page with a
# report table (the reports' and the activities' landscape): ``value|fmt(kind)``
# writes a number or date ("int", "decimal", "percent", "date", "day", "month").
bp.add_app_template_filter(present.format_value, "fmt")
bp.add_app_template_global(present.display, "cell_text")
bp.add_app_template_global(present.header, "column_label")
bp.add_app_template_global(present.table_label, "table_label")
bp.add_app_template_global(present.column_kind, "column_kind")
bp.add_app_template_global(PAGE_ROWS, "PAGE_ROWS")


class PeriodForm(BaseForm):
    """The period picker (a GET form: it changes nothing, so no CSRF token)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"))
    end = DateField(_l("To"))
    centre = SelectField(_l("Centre"), choices=[], default="")
    district = SelectField(_l("District"), choices=[], default="")

    def validate_end(self, field) -> None:
        if self.start.data and field.data:
            if self.start.data > field.data:
                raise ValidationError(_("The period must not end before it starts."))
            if (field.data - self.start.data).days >= MAX_DAYS:
                raise ValidationError(_("Choose a period of at most three years."))


class AllowedCentre(NamedTuple):
    """What the pages need of a centre the user may report on."""

    id: int
    slug: str
    name: str


def _allowed_centres() -> list[AllowedCentre]:
    """Return the centres the user may report on (admin: all), by slug.

    Read once per request (a page asks five times; a national list has 400
    centres), as plain values: the page's cache write commits the session,
    which would expire ORM objects and reload each one on its next use.
    """
    # Kept in the request's environ, not ``g``: an app context (and its ``g``)
    # can outlive a request, a request's user cannot.
    found = request.environ.get(_ALLOWED_KEY)
    if found is None:
        if current_user.is_admin:
            centres = db.session.scalars(select(Centre).order_by(Centre.slug))
        else:
            centres = sorted(current_user.centres, key=lambda c: c.slug)
        found = [AllowedCentre(c.id, c.slug, c.name) for c in centres]
        request.environ[_ALLOWED_KEY] = found
    return found


_ALLOWED_KEY = "vaerested.reports.allowed_centres"


@dataclass(frozen=True)
class PageRequest:
    """What a page's context hook may need besides the tables."""

    start: date
    end: date
    #: The centres counted (None: all, for administration).
    centre_ids: list[int] | None
    district_code: str | None
    min_cell: int
    #: The page's query arguments (``?by=``, ``?measure=``): hooks read these,
    #: never ``flask.request``.
    args: Mapping[str, str] = field(default_factory=dict)
    #: The names of the centres and districts (pictures show names, not codes;
    #: centre names are public).
    names: present.Names = field(default_factory=present.Names)
    #: The slugs of the centres the filter resolves to (None: no filter).
    shown: frozenset[str] | None = None


def _period_form() -> PeriodForm:
    today = _today()
    form = PeriodForm(request.args, meta={"csrf": False})
    if not request.args.get("start"):
        form.start.data = today - timedelta(days=DEFAULT_DAYS - 1)
    if not request.args.get("end"):
        form.end.data = today
    form.centre.choices = [
        ("", _("All centres") if current_user.is_admin else _("All my centres"))
    ] + [(c.slug, f"{c.name} ({c.slug})") for c in _allowed_centres()]
    districts = db.session.scalars(select(District).order_by(District.code)).all()
    form.district.choices = [("", _("All districts"))] + [
        (d.code, f"{d.name} ({d.code})") for d in districts
    ]
    return form


def _scope(form: PeriodForm) -> tuple[list[int] | None, str | None]:
    """Return ``(centre_ids, district_code)`` for the form, within the user's rights."""
    allowed = {c.slug: c.id for c in _allowed_centres()}
    if form.centre.data:
        if form.centre.data not in allowed:
            abort(403)
        centre_ids = [allowed[form.centre.data]]
    else:
        centre_ids = None if current_user.is_admin else sorted(allowed.values())
    district = form.district.data or None
    return centre_ids, district


def _chosen_slugs(centre_ids: list[int] | None) -> tuple[str, ...]:
    """Return the slugs of the centres a download is restricted to (none: all)."""
    if centre_ids is None:
        return ()
    wanted = set(centre_ids)
    return tuple(c.slug for c in _allowed_centres() if c.id in wanted)


def _shown(centre_ids: list[int] | None, district: str | None) -> frozenset | None:
    """Return the slugs of the centres a filter resolves to (None: no filter).

    :raises ReportError: on an unknown district.
    """
    scope = resolve_scope(db.session, _today(), _today(), centre_ids, district)
    if scope.centre_ids is None:
        return None
    return frozenset(
        db.session.scalars(select(Centre.slug).where(Centre.id.in_(scope.centre_ids)))
    )


def _min_cell() -> int:
    """Return the pages' min-cell: config ``EXPORT_MIN_CELL``, never below the
    floor (``EXPORT_MIN_CELL_FLOOR``): a page always shows protected figures."""
    floor = max(2, int(current_app.config["EXPORT_MIN_CELL_FLOOR"]))
    return max(int(current_app.config["EXPORT_MIN_CELL"]), floor)


def _today() -> date:
    return datetime.now(local_tz()).date()


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a report is built.

    A national year's report makes hundreds of thousands of small objects
    (a :class:`~vaerested.services.protection.Cell` per centre and day), none
    of them in a reference cycle; the collector would scan the growing heap
    again and again (4/5 of the time of making them). Reference counting still
    frees everything; the collector resumes after the page or file is made,
    when its tables are gone (if it ran before: a concurrent request that
    paused it first turns it back on).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build(
    report: str, form: PeriodForm, *, pictures: bool = True
) -> tuple[list[Table], list[Table], dict, cache.CacheState] | None:
    """Return ``(raw, suppressed, page context, cache state)``, or None when invalid.

    The aggregates come from the report cache (see :mod:`vaerested.reports.tables.cache`),
    so the page and its downloads show the same figures.
    """
    slug = form.centre.data
    if slug and slug not in {c.slug for c in _allowed_centres()}:
        exists = db.session.scalar(select(Centre.id).where(Centre.slug == slug))
        if exists is not None:
            abort(403)  # another centre's numbers: refused, not just invalid
    if not form.validate():
        return None
    centre_ids, district = _scope(form)
    page = PageRequest(
        form.start.data,
        form.end.data,
        centre_ids,
        district,
        _min_cell(),
        request.args,
        present.load_names(db.session) if pictures else present.Names(),
    )
    listed_only = pictures and report in PAGE_LISTED_ONLY
    with cache.caching(db.session, _today()) as state:
        try:
            page = replace(page, shown=_shown(centre_ids, district))
            raw = build_report(
                report,
                form.start.data,
                form.end.data,
                min_cell=_min_cell(),
                centre_ids=centre_ids,
                district_code=district,
                suppress=False,
                page_rows=PAGE_ROWS if listed_only else None,
            )
            listed = raw
            if listed_only:
                listed = [_listed(table) for table in raw]
            shown = protect_tables(listed, _min_cell())
            extras = _HOOKS[report](raw, shown, page) if pictures else {}
            extras = {"names": page.names, **extras}
        except ReportError as error:
            form.district.errors = [*form.district.errors, str(error)]
            return None
    return raw, shown, extras, state


def _listed(table: Table) -> Table:
    """Return ``table`` with only the rows a page lists (and their total)."""
    if len(table.rows) <= PAGE_ROWS:
        return table
    return replace(table, rows=table.rows[:PAGE_ROWS], total_rows=len(table.rows))


@_gc_paused()
def _page(report: str, **context) -> tuple[str, int]:
    form = _period_form()
    built = _build(report, form)
    tables = {}
    if built is not None:
        _, shown, extras, state = built
        tables = {t.name: t for t in shown}
        computed = (state.computed_dt or datetime.now(local_tz())).astimezone(
            local_tz()
        )
        context.update(
            extras,
            computed_at=f"{format_date(computed.date(), 'medium')} "
            f"{computed.strftime('%H:%M')}",
            print_header=_print_header(report, form),
        )
    # An invalid period shows the page with its errors, answered as a 400.
    status = 400 if built is None and form.errors else 200
    return render_template(
        f"reports/{report}.html",
        report=report,
        title=TITLES[report],
        form=form,
        tables=tables,
        min_cell=_min_cell(),
        download_args={k: v for k, v in request.args.items() if v},
        **{"names": present.Names(), **context},
    ), status


def _print_header(report: str, form: PeriodForm) -> PrintHeader:
    """Return the printed report's header: its period and filters by name."""
    centre_ids, district = _scope(form)
    names = ", ".join(
        c.name for c in _allowed_centres() if c.id in set(centre_ids or ())
    )
    if form.centre.data:
        centres = names
    elif centre_ids is None:
        centres = _("All centres")
    else:  # a leader: their own centres
        centres = f"{_('All my centres')} ({names})"
    name = district and db.session.scalar(
        select(District.name).where(District.code == district)
    )
    return print_header(
        TITLES[report],
        form.start.data,
        form.end.data,
        centres=centres,
        district=f"{name} ({district})" if district else _("All districts"),
        min_cell=_min_cell(),
    )


def _visits_context(raw: list[Table], shown: list[Table], page: PageRequest) -> dict:
    """Return the visits page's chart: visits per day, every day of the span."""
    scope = resolve_scope(
        db.session, page.start, page.end, page.centre_ids, page.district_code
    )
    # From the rows of the page's table (the same cache entry), summed as
    # plain numbers: a national year has 146,000 of them.
    sums: dict = {}
    for day, _centre, n, n_k, _c, _c_k in queries.daily_visit_rows(db.session, scope):
        total = sums.get(day)
        if total is None:
            total = sums[day] = [0, 0]
        total[0] += n
        total[1] += n_k
    per_day = {
        (day.isoformat() if isinstance(day, date) else str(day)): cell(n, k)
        for day, (n, k) in sums.items()
    }
    days = []
    if per_day:  # every day from the first to the last visit, gaps as 0
        first, last = (date.fromisoformat(d) for d in (min(per_day), max(per_day)))
        days = [
            (first + timedelta(days=n)).isoformat()
            for n in range((last - first).days + 1)
        ]
    daily = [(day, protect(per_day.get(day, 0), page.min_cell)) for day in days]
    return {"daily": daily, "chart": bar_chart(daily)}


#: Report -> the hook giving its page's pictures from ``(raw, shown, page)``.
_HOOKS = {
    "visits": _visits_context,
    "coverage": maps.coverage_context,
    "mobility": pictures.mobility_context,
    "dashboard": lambda raw, shown, page: {
        **dashboard_charts.dashboard_context(raw, shown, page),
        **flow_trend.flow_trend_context(page),
    },
    "reach": reach_charts.reach_context,
    # The course table is the whole page (no pictures).
    "courses": lambda raw, shown, page: {},
    "flow": flow_trend.flow_context,
    # Two tables, no pictures.
    "volunteers": lambda raw, shown, page: {},
}


@bp.route("/")
@role_required(Role.LEADER)
def index():
    """List the reports the user may see."""
    reports = [
        "dashboard",
        "visits",
        "coverage",
        "mobility",
        "reach",
        "courses",
        "flow",
        "volunteers",
    ]
    return render_template(
        "reports/index.html", reports=reports, titles=TITLES, min_cell=_min_cell()
    )


@bp.route("/visits")
@role_required(Role.LEADER)
def visits():
    """Show visits per centre and day, with a chart of visits over time."""
    return _page("visits")


@bp.route("/dashboard", endpoint="dashboard")
@role_required(Role.LEADER)
def dashboard_page():
    """Show visits against typical daily users, new cards, housing and activities."""
    return _page("dashboard")


@bp.route("/coverage")
@role_required(Role.LEADER)
def coverage():
    """Show centres, visits and cards per district, and the home-to-centre flows."""
    return _page("coverage")


@bp.route("/mobility")
@role_required(Role.LEADER)
def mobility():
    """Show the mobility matrix (as a heat map), per centre and overall."""
    return _page("mobility")


@bp.route("/reach")
@role_required(Role.LEADER)
def reach():
    """Show visits and cards by age band and by gender per centre, district, month."""
    return _page("reach")


@bp.route("/courses")
@role_required(Role.LEADER)
def courses():
    """Show the course outcomes per centre, course and quarter (the job centre's
    file: protected counts of cards, no referral references)."""
    return _page("courses")


@bp.route("/flow")
@role_required(Role.LEADER)
def flow():
    """Show the FLOW report: moves to an own home, out of a residential centre,
    and the visits of those who moved out, per centre and month."""
    return _page("flow")


@bp.route("/volunteers")
@role_required(Role.LEADER)
def volunteers():
    """Show the volunteers per centre (also away from their home centre) and
    the visits by who accompanied the person (outreach)."""
    return _page("volunteers")


@bp.post("/recompute")
@role_required(Role.LEADER)
def recompute():
    """Drop the cached figures of recent periods, then show the page again."""
    dropped = cache.expire_live(db.session, _today())
    db.session.commit()
    current_app.logger.info("report cache: %d recent entries dropped", dropped)
    target = request.form.get("next", "")
    if not target.startswith("/reports/") or "//" in target or "\\" in target:
        target = url_for("reports.index")
    return redirect(target)


@bp.route("/download")
@role_required(Role.LEADER)
@_gc_paused()
def download():
    """Send one report file for the chosen period, suppressed, in the chosen format."""
    report = request.args.get("report", "visits")
    if report not in REPORTS:
        abort(404)
    fmt = request.args.get("format", "csv")
    table = request.args.get("table") or None
    if fmt not in DOWNLOAD_FORMATS:
        abort(
            400,
            description=_(
                "Unknown file format %(format)s: choose one of %(formats)s.",
                format=fmt[:20],
                formats=", ".join(DOWNLOAD_FORMATS),
            ),
        )
    if table and table not in REPORTS[report]:
        abort(404)
    form = _period_form()
    built = _build(report, form, pictures=False)
    if built is None:
        errors = [e for field in form.errors.values() for e in field]
        abort(400, description=" ".join(map(str, errors)))
    centre_ids, district = _scope(form)
    about = About(
        report=report,
        start=form.start.data,
        end=form.end.data,
        min_cell=_min_cell(),
        centres=_chosen_slugs(centre_ids),
        district=district,
        generated_dt=datetime.now(UTC),
        user=current_user.display_name,
    )
    try:
        content, mimetype, filename = render(built[1], fmt, report, table, about=about)
    except ValueError:
        abort(404)
    stem = f"{form.start.data.isoformat()}_{form.end.data.isoformat()}_"
    record_audit(
        "report.download",
        centre_id=centre_ids[0] if centre_ids and len(centre_ids) == 1 else None,
        report=report,
        period=(form.start.data, form.end.data),
        detail=f"{stem}{filename}"
        + (f" district={district}" if district else "")
        + (f" centres={','.join(map(str, centre_ids))}" if centre_ids else ""),
    )
    db.session.commit()
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{stem}{filename}"'},
    )
