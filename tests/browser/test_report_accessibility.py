"""axe-core on every report page, every admin page and the public calendar.

Each page is opened at phone (390 px) and desktop width with data on it (a
district map, visits at several centres, an export run, a public release) and
must show no serious or critical axe-core violation.
"""

from datetime import date, timedelta

import pytest

from tests.browser.test_activities import _login
from tests.browser.test_coverage_map import small_world
from tests.browser.test_phone_layout import DESKTOP, PHONE, axe_serious
from tests.factories import (
    create_activity,
    create_card,
    create_session,
    create_target_group,
    create_user,
    create_visit,
)
from vaerested.exports.jobs import enqueue_run, run_queued
from vaerested.models import Centre, District, ExportSchedule, StaffUser
from vaerested.models.base import utcnow
from vaerested.models.releases import ReleaseSchedule
from vaerested.releases.operations import make_release, set_budget
from vaerested.services.periods import Period


def report_world(app, db) -> dict:
    """Districts, centres, visits at several centres, a run and a release."""
    small_world()
    centres = {c.slug: c for c in db.session.query(Centre)}
    now = utcnow() - timedelta(hours=2)
    homes = {d.code: d.id for d in db.session.query(District)}
    for n in range(24):  # cards that went nord -> syd (mobility, flows)
        home = homes["1"] if n < 18 else homes["2"]  # darkest and lighter shades
        card = create_card(
            centres["nord"],
            home_district_id=home,
            age_band=["under_25", "25_39", "40_59", "60_plus", None][n % 5],
            gender=["woman", "man", None][n % 3],
        )  # age bands and genders for the reach page
        create_visit(centres["nord"], card, now - timedelta(days=3 + n % 6))
        create_visit(centres["syd"], card, now - timedelta(days=1 + n % 6))
    admin = create_user(role="admin", email="admin@example.org")
    group = create_target_group(name_da="Borgere med psykiske vanskeligheder")
    activity = create_activity(centres["nord"], title="Fællesspisning")
    create_session(activity, utcnow() + timedelta(days=1))
    schedule = ExportSchedule(
        name="Månedlig besøgsstatistik",
        report="visits",
        format="xlsx",
        cadence="monthly",
        day_of_month=1,
        min_cell=5,
    )
    db.session.add(schedule)
    release_schedule = ReleaseSchedule(
        name="Månedlig offentlig statistik",
        cadence="monthly",
        day_of_month=2,
        epsilon=0.5,
        max_transitions=5,
        max_visits=20,
    )
    db.session.add(release_schedule)
    db.session.commit()
    today = date.today()
    set_budget(today.year, 5.0, admin)
    db.session.commit()
    release = make_release(
        today - timedelta(days=20), today, "Test", epsilon=1.0, actor=admin
    )
    db.session.commit()
    run = enqueue_run(
        "visits", "csv", Period(today - timedelta(days=9), today), 5, admin.id
    )
    db.session.commit()
    run_queued(app, run.id)
    db.session.expire_all()
    return {
        "admin": admin.id,
        "user": db.session.query(StaffUser).first().id,
        "district": db.session.query(District).first().id,
        "group": group.id,
        "schedule": schedule.id,
        "release_schedule": release_schedule.id,
        "release": release.id,
        "run": run.id,
    }


def pages(ids: dict) -> list[str]:
    """Return every report and admin page of the world ``ids``."""
    return [
        # report pages
        "/reports/",
        "/reports/dashboard",
        "/reports/dashboard?by=day",
        "/reports/visits",
        "/reports/coverage",
        "/reports/mobility",
        "/reports/reach",
        "/activities/landscape",
        "/centres/hours/city",
        # export schedules and runs
        "/reports/schedules",
        "/reports/schedules/new",
        f"/reports/schedules/{ids['schedule']}/edit",
        f"/reports/schedules/{ids['schedule']}/deactivate",
        "/reports/runs",
        "/reports/runs/new",
        f"/reports/runs/{ids['run']}",
        # public releases
        "/releases/",
        f"/releases/{ids['release']}",
        "/releases/schedules",
        f"/releases/schedules/{ids['release_schedule']}/delete",
        # administration
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{ids['user']}/edit",
        f"/admin/users/{ids['user']}/password",
        f"/admin/users/{ids['user']}/deactivate",
        "/admin/districts",
        "/admin/districts/new",
        f"/admin/districts/{ids['district']}/edit",
        f"/admin/districts/{ids['district']}/delete",
        "/admin/target-groups",
        "/admin/target-groups/new",
        f"/admin/target-groups/{ids['group']}/edit",
        f"/admin/target-groups/{ids['group']}/deactivate",
        "/admin/audit",
    ]


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_report_and_admin_pages_pass_axe(app, launch_browser, live_server, db, size):
    ids = report_world(app, db)
    page = launch_browser().pages[0]
    page.set_default_timeout(15_000)
    page.set_viewport_size(size)
    found = {}
    page.goto(f"{live_server}/calendar/")
    found["/calendar/ (public)"] = axe_serious(page)
    _login(page, live_server, "admin@example.org")
    for path in pages(ids):
        response = page.goto(live_server + path)
        assert response.status == 200, path
        if path == "/reports/coverage":
            page.wait_for_selector("#coverage-map[data-ready='1']")
        # Folded long tables are checked open, as the print view shows them.
        page.evaluate(
            "document.querySelectorAll('details').forEach(d => d.open = true)"
        )
        found[path] = axe_serious(page)
    page.goto(f"{live_server}/calendar/")
    found["/calendar/ (staff)"] = axe_serious(page)
    assert {path: v for path, v in found.items() if v} == {}
