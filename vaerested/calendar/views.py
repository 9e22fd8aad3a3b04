"""The public city-wide calendar and iCalendar feeds: no login, no personal data.

Only activities of active centres appear, with what a visitor needs: title,
description, category, place, time, target group and whether the centre is
open now. No attendance, no staff, no cards.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import (
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from icalendar import Calendar, Event
from sqlalchemy import select

from vaerested.activities import queries as q
from vaerested.activities.forms import LED_BY_LABELS, WEEKDAYS
from vaerested.calendar import bp
from vaerested.extensions import db
from vaerested.labels import CATEGORY_LABELS
from vaerested.models import Centre, District, TargetGroup
from vaerested.models.base import utcnow
from vaerested.parsing import arg_date, arg_int
from vaerested.services.opening_hours import group_by_weekday, open_state_at

#: Days before today that a feed still lists (so a calendar app keeps them).
FEED_PAST_DAYS = 14


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def _int_arg(name: str, allowed=None) -> int | None:
    value = request.args.get(name, "")
    if not (value.isascii() and value.isdigit()):  # "²" is a digit to Python
        return None
    number = arg_int(name)
    return number if allowed is None or number in allowed else None


@bp.context_processor
def calendar_helpers() -> dict:
    tz = _tz()
    return {
        "weekday_names": WEEKDAYS,
        "category_label": lambda n: CATEGORY_LABELS.get(n, n),
        "led_by_label": lambda v: LED_BY_LABELS.get(v, v),
        "local": lambda dt: dt.astimezone(tz),
    }


@bp.route("/")
def index():
    """Show what is on today and this week at every active centre."""
    tz = _tz()
    now = utcnow()
    today = now.astimezone(tz).date()
    day = arg_date("week", today)
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=n) for n in range(7)]
    district_id = _int_arg("district")
    category = _int_arg("category", {1, 2, 3})
    target = request.args.get("target", "")
    if target != "everyone":
        target = str(_int_arg("target") or "")
    first = min(today, days[0])
    start, end = q.day_bounds(first, max(today, days[-1]), tz)
    sessions = q.public_sessions(start, end, district_id, category, target)
    by_day = {d: [] for d in sorted({today, *days})}
    for s in sessions:
        local_day = s.start_dt.astimezone(tz).date()
        if local_day in by_day:
            by_day[local_day].append(s)
    centres = [
        c
        for c in q.active_centres()
        if district_id is None or c.district_id == district_id
    ]
    local_now = now.astimezone(tz)
    hours = {
        c.id: [
            (i.weekday, i.opens_at, i.closes_at, i.is_user_run)
            for i in c.opening_intervals
        ]
        for c in centres
    }
    locale = str(get_locale() or "da")
    return render_template(
        "calendar/index.html",
        today=today,
        days=days,
        by_day=by_day,
        centres=centres,
        open_now={c.id: open_state_at(hours[c.id], local_now) for c in centres},
        today_hours={
            c.id: group_by_weekday(hours[c.id])[today.weekday()].intervals
            for c in centres
        },
        districts=db.session.scalars(
            select(District)
            .where(District.centres.any(Centre.is_active.is_(True)))
            .order_by(District.name)
        ).all(),
        groups=db.session.scalars(
            select(TargetGroup)
            .where(TargetGroup.is_active.is_(True))
            .order_by(TargetGroup.code)
        ).all(),
        locale=locale,
        district_id=district_id,
        category=category,
        target=target,
        prev_week=monday - timedelta(days=7),
        next_week=monday + timedelta(days=7),
    )


def _calendar(name: str, sessions) -> Response:
    cal = Calendar()
    cal.add("prodid", "-//Vaerested//Activity calendar//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", current_app.config["TIMEZONE"])
    host = request.host.split(":")[0] or "vaerested"
    stamp = utcnow().replace(microsecond=0)
    for s in sessions:
        activity = s.activity
        centre = activity.centre
        event = Event()
        event.add("uid", f"session-{s.id}@{host}")
        event.add("dtstamp", stamp)
        event.add("dtstart", s.start_dt)
        event.add("dtend", s.end_dt)
        event.add("summary", activity.title)
        where = ", ".join(p for p in (activity.place, centre.name, centre.address) if p)
        event.add("location", where)
        if activity.description:
            event.add("description", activity.description)
        event.add("categories", [str(CATEGORY_LABELS[activity.category])])
        event.add("status", "CANCELLED" if s.is_cancelled else "CONFIRMED")
        event.add(
            "url",
            url_for("calendar.index", _external=True)
            + f"?week={s.start_dt.astimezone(_tz()).date().isoformat()}",
        )
        cal.add_component(event)
    return Response(
        cal.to_ical(),
        mimetype="text/calendar",
        headers={"Content-Disposition": "inline; filename=calendar.ics"},
    )


def _feed_window():
    now = utcnow()
    tz = _tz()
    today = now.astimezone(tz).date()
    return q.day_bounds(
        today - timedelta(days=FEED_PAST_DAYS),
        today + timedelta(days=current_app.config["SESSION_HORIZON_DAYS"]),
        tz,
    )


@bp.route("/city.ics")
def feed():
    """Serve every active centre's sessions as one iCalendar feed."""
    start, end = _feed_window()
    return _calendar("Værested", q.public_sessions(start, end))


@bp.route("/<slug>.ics")
def centre_feed(slug: str):
    """Serve one active centre's sessions as an iCalendar feed."""
    centre = db.session.scalar(
        select(Centre).where(Centre.slug == slug, Centre.is_active.is_(True))
    )
    if centre is None:
        abort(404)
    start, end = _feed_window()
    return _calendar(centre.name, q.public_sessions(start, end, centre_id=centre.id))
