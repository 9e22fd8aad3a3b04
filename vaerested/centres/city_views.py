"""City-wide opening hours: the week as a grid per municipality and district."""

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from vaerested.auth.decorators import role_required
from vaerested.centres import bp, queries
from vaerested.centres.forms import CityHoursScopeForm
from vaerested.exports.formats import MIMETYPES, csv_text, xlsx_bytes
from vaerested.exports.human import About
from vaerested.i18n import WEEKDAYS
from vaerested.reports.tables.table import Table
from vaerested.services import hours_grid

#: Column headers of the grid: short day names (the full name is the abbr title).
WEEKDAYS_SHORT = (
    _l("Mon"),
    _l("Tue"),
    _l("Wed"),
    _l("Thu"),
    _l("Fri"),
    _l("Sat"),
    _l("Sun"),
)
BAND_LABELS = {
    "day": _l("Weekday daytime (06-18)"),
    "evening": _l("Weekday evenings (18-24)"),
    "night": _l("Weekday nights (00-06)"),
    "weekend": _l("Weekend (Saturday and Sunday)"),
}
#: The files hold counts of centres, not of persons: no protection applies.
EXPORT_NOTE = (
    "Counts of centres open in each hour of the week (open at any time in the "
    "hour; staffed when staff are present at any time in it, else user-run). "
    "These are counts of centres (public offers), not of persons: no "
    "protection applies."
)
FILE_STEM = "opening_hours_city"


def _export_table(scopes: list[hours_grid.Scope]) -> Table:
    return Table(FILE_STEM, hours_grid.COLUMNS, hours_grid.export_rows(scopes))


def _download(scopes: list[hours_grid.Scope], fmt: str) -> Response:
    table = _export_table(scopes)
    if fmt == "csv":
        content = (csv_text(table) + f"# {EXPORT_NOTE}\n").encode("utf-8")
    else:
        notes = Table("notes", ["note"], [{"note": EXPORT_NOTE}])
        content = xlsx_bytes([table, notes], about=About(report=FILE_STEM))
    return Response(
        content,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{FILE_STEM}.{fmt}"'},
    )


def _scope_label(scope: hours_grid.Scope) -> str:
    if scope.kind == "municipality":
        return _("%(name)s (all centres)", name=scope.name)
    return f"{scope.name} ({scope.municipality})"


@bp.route("/hours/city")
@role_required("staff")
def city_hours():
    """Show how many centres are open in each hour of the week, with the gaps."""
    scopes = hours_grid.scopes(queries.city_hours())
    fmt = request.args.get("format")
    if fmt is not None:
        if fmt not in ("csv", "xlsx"):
            abort(404)
        return _download(scopes, fmt)
    by_key = {s.key: s for s in scopes}
    form = CityHoursScopeForm(request.args, meta={"csrf": False})
    form.scope.choices = [(s.key, _scope_label(s)) for s in scopes]
    chosen = by_key.get(form.scope.data or "")
    if chosen is None and scopes:
        chosen = scopes[0]
    if chosen is not None:
        form.scope.data = chosen.key
    districts = [
        (s, hours_grid.summarise(s))
        for s in scopes
        if chosen is not None
        and s.kind == "district"
        and s.municipality == chosen.municipality
    ]
    return render_template(
        "centres/city_hours.html",
        form=form,
        scopes=scopes,
        chosen=chosen,
        summary=hours_grid.summarise(chosen) if chosen else None,
        districts=districts,
        city=next(
            (
                s
                for s in scopes
                if chosen
                and s.kind == "municipality"
                and s.municipality == chosen.municipality
            ),
            None,
        ),
        band=hours_grid.band,
        bands=BAND_LABELS,
        weekdays=WEEKDAYS,
        weekdays_short=WEEKDAYS_SHORT,
    )
