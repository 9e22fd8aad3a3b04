"""Role x route matrix over EVERY rule in ``app.url_map``.

How to declare a new endpoint (one line): add ``"blueprint.endpoint": POLICY`` to
``ACCESS`` below. POLICY is one of

- ``"public"``: anyone, logged in or not;
- ``"login"``: any logged-in user;
- ``"admin"``: administration only;
- ``"leader"``: leaders of any centre and administration (the view itself
  limits a leader to their own centres); staff get 403;
- ``("centre", "staff")`` or ``("centre", "leader")``: users bound to the centre
  named by the URL's ``slug`` with at least that role (admin always passes);
  a user of centre B gets 403 on centre A, staff get 403 on leader pages;
- ``("api", ...)``: reserved for token-authenticated /api/ endpoints; define its
  rule in ``allowed()`` when the API lands.

``test_every_endpoint_is_declared`` fails while an endpoint is missing (or a
declared one no longer exists). If a URL needs an argument other than those in
``URL_ARGS``, add one line there (and the object to ``make_world`` if needed).
If a POST of a new endpoint changes state a later row relies on, undo it in
``restore_world``. Each role issues every method of every rule (POST with an
empty form): anonymous must be sent to the login page (401 for /api/),
forbidden users must get 403 before any validation, allowed users must get
neither 401/403/404 nor a 5xx.
"""

from types import SimpleNamespace

import pytest

from tests.factories import (
    DEFAULT_PASSWORD,
    create_centre,
    create_course_world,
    create_district,
    create_target_group,
    create_user,
)
from tests.views.test_schedules_pages import export_world

ACCESS = {
    # main, auth
    "main.index": "login",
    "main.set_language": "public",
    "main.healthz": "public",
    "auth.login": "public",
    "auth.logout": "public",
    # centres
    "centres.index": "admin",
    "centres.create": "admin",
    "centres.detail": ("centre", "staff"),
    "centres.edit": "admin",
    "centres.deactivate": "admin",
    "centres.reactivate": "admin",
    "centres.profile": ("centre", "leader"),
    "centres.hours": ("centre", "leader"),
    # city-wide opening hours: public offers, any logged-in staff
    "centres.city_hours": "login",
    # admin
    "admin.audit": "admin",
    "admin.districts": "admin",
    "admin.district_create": "admin",
    "admin.district_edit": "admin",
    "admin.district_delete": "admin",
    "admin.users": "admin",
    "admin.user_create": "admin",
    "admin.user_edit": "admin",
    "admin.user_password": "admin",
    "admin.user_deactivate": "admin",
    "admin.target_groups": "admin",
    "admin.target_group_create": "admin",
    "admin.target_group_edit": "admin",
    "admin.target_group_deactivate": "admin",
    # api (session callers; the centre of a POST is in its JSON body)
    "api.create_checkin": "login",
    "api.set_checkin_outreach": "login",
    "api.create_tally": "login",
    "api.undo_tally": "login",
    "api.get_today": ("centre", "staff"),
    "api.revoke_card": "login",
    "api.create_housing_statement": "login",
    "api.get_openapi": "public",
    # checkin
    "checkin.scanner": ("centre", "staff"),
    "checkin.kiosk": "public",
    "checkin.service_worker": "public",
    "checkin.kiosks": ("centre", "leader"),
    "checkin.revoke_kiosk": ("centre", "leader"),
    "checkin.create_cards": ("centre", "staff"),
    "checkin.revoke_card": ("centre", "staff"),
    # activities
    "activities.index": ("centre", "staff"),
    "activities.create": ("centre", "leader"),
    "activities.detail": ("centre", "staff"),
    "activities.edit": ("centre", "leader"),
    "activities.rule_create": ("centre", "leader"),
    "activities.rule_edit": ("centre", "leader"),
    "activities.session": ("centre", "staff"),
    "activities.attendance": ("centre", "staff"),
    "activities.scan": ("centre", "staff"),
    "activities.session_change": ("centre", "leader"),
    "activities.course": ("centre", "staff"),
    "activities.enrol": ("centre", "staff"),
    "activities.follow_up": ("centre", "staff"),
    "activities.landscape": "login",
    # public calendar
    "calendar.index": "public",
    "calendar.feed": "public",
    "calendar.centre_feed": "public",
    # reports: export schedules and runs
    "reports.schedules": "admin",
    "reports.schedule_create": "admin",
    "reports.schedule_edit": "admin",
    "reports.schedule_deactivate": "admin",
    "reports.runs": "admin",
    "reports.run_create": "admin",
    "reports.run_detail": "admin",
    "reports.run_status": "admin",
    "reports.run_file": "admin",
    # reports: pages and downloads (leaders see their own centres' visits)
    "reports.index": "leader",
    "reports.visits": "leader",
    "reports.coverage": "leader",
    "reports.mobility": "leader",
    "reports.dashboard": "leader",
    "reports.reach": "leader",
    "reports.courses": "leader",
    "reports.flow": "leader",
    "reports.volunteers": "leader",
    "reports.download": "leader",
    "reports.recompute": "leader",
    # public releases (differential privacy): administration only
    "releases.index": "admin",
    "releases.budget": "admin",
    "releases.create": "admin",
    "releases.detail": "admin",
    "releases.download": "admin",
    "releases.schedules": "admin",
    "releases.schedule_create": "admin",
    "releases.schedule_toggle": "admin",
    "releases.schedule_delete": "admin",
}

#: Endpoints outside the matrix.
SKIP = {"static"}

#: URL argument name -> value taken from the world built by ``make_world``.
URL_ARGS = {
    "slug": lambda w: w.centre_a.slug,
    "district_id": lambda w: w.centre_a.district_id,
    "user_id": lambda w: w.victim.id,
    "group_id": lambda w: w.group.id,
    "key": lambda w: "00000000-0000-4000-8000-000000000000",
    "token_id": lambda w: 999999,  # no such kiosk token: the view redirects
    "activity_id": lambda w: w.course.activity.id,
    "rule_id": lambda w: w.course.rule.id,
    "session_id": lambda w: w.course.session.id,
    "enrolment_id": lambda w: w.course.enrolment.id,
    "schedule_id": lambda w: export_world(w).export_schedule.id,
    "run_id": lambda w: export_world(w).export_run.id,
    "name": lambda w: export_world(w).export_file,
    "release_id": lambda w: release_world(w).id,
    "release_schedule_id": lambda w: release_schedule_world(w).id,
}


def release_schedule_world(w: SimpleNamespace):
    """Return a release schedule (made again after an admin row deleted it)."""
    from vaerested.extensions import db
    from vaerested.models import ReleaseSchedule

    known = getattr(w, "release_schedule_id", None)
    schedule = db.session.get(ReleaseSchedule, known) if known else None
    if schedule is None:
        schedule = ReleaseSchedule(
            name="permissions",
            cadence="monthly",
            day_of_month=5,
            epsilon=1.0,
            max_transitions=10,
            max_visits=30,
        )
        db.session.add(schedule)
        db.session.flush()
        w.release_schedule_id = schedule.id
    return schedule


def release_world(w: SimpleNamespace):
    """Return a stored public release (made once per world, spending nothing)."""
    if not hasattr(w, "release"):
        import json
        from datetime import date

        from vaerested.extensions import db
        from vaerested.models import PublicRelease
        from vaerested.services import dp

        grid = dp.Grid({"alpha": "A", "beta": "B"}, ["A", "B"], ["2026-03"])
        result = dp.release(dp.visits_frame([]), grid, 1.0, 5, 10)
        w.release = PublicRelease(
            year=2026,
            period_start=date(2026, 3, 1),
            period_end=date(2026, 3, 31),
            purpose="permissions",
            epsilon=result.epsilon,
            max_transitions=5,
            max_visits=10,
            tables_json=json.dumps(result.tables),
            accounting_json=json.dumps(result.accounting),
        )
        db.session.add(w.release)
        db.session.flush()
    return w.release


#: Role key -> (role, centre key) of the user who makes the requests.
ROLES = {
    "anonymous": None,
    "staff_a": ("staff", "a"),
    "leader_a": ("leader", "a"),
    "staff_b": ("staff", "b"),
    "leader_b": ("leader", "b"),
    "admin": ("admin", None),
}
RANK = {"staff": 1, "leader": 2, "admin": 3}


def make_world() -> SimpleNamespace:
    """Create the objects URLs point at: centre A (used in URLs) and centre B."""
    group = create_target_group(code="young")
    centre_a = create_centre(
        slug="alpha", district=create_district(code="A"), hours=[(0, "10:00", "16:00")]
    )
    centre_b = create_centre(slug="beta", district=create_district(code="B"))
    centre_a.target_groups = [group]
    victim = create_user(role="staff", centres=[centre_b], email="victim@example.org")
    course = create_course_world(centre_a)
    return SimpleNamespace(
        group=group, centre_a=centre_a, centre_b=centre_b, victim=victim, course=course
    )


def restore_world(w: SimpleNamespace) -> None:
    """Undo state changes of earlier POSTs that later rows rely on."""
    w.centre_a.is_active = True
    w.centre_b.is_active = True
    w.victim.is_active_account = True
    w.group.is_active = True


def allowed(policy, role_key: str) -> bool:
    """Return whether ``role_key`` may use an endpoint with ``policy``."""
    if policy == "public":
        return True
    if role_key == "anonymous":
        return False
    role, centre = ROLES[role_key]
    if policy == "login":
        return True
    if policy == "admin":
        return role == "admin"
    if policy == "leader":
        return role in ("leader", "admin")
    kind, min_role = policy
    if kind == "centre":
        return role == "admin" or (centre == "a" and RANK[role] >= RANK[min_role])
    # Hook: ("api", ...) policies get their rule here when the API lands.
    raise NotImplementedError(f"policy {policy!r} has no rule yet")


def build_url(app, rule, world) -> str:
    missing = [a for a in rule.arguments if a not in URL_ARGS]
    assert not missing, f"{rule.endpoint}: add {missing} to URL_ARGS"
    args = {name: URL_ARGS[name](world) for name in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


def test_every_endpoint_is_declared(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - SKIP
    missing = sorted(endpoints - ACCESS.keys())
    stale = sorted(ACCESS.keys() - endpoints)
    assert not missing, f"declare these endpoints in ACCESS: {missing}"
    assert not stale, f"these ACCESS entries match no endpoint: {stale}"


def _logged_in(client) -> bool:
    with client.session_transaction() as session:
        return "_user_id" in session


@pytest.mark.parametrize("role_key", list(ROLES))
def test_role_route_matrix(app, client, auth, db, role_key):
    world = make_world()
    email = None
    if ROLES[role_key] is not None:
        role, centre = ROLES[role_key]
        centres = {"a": [world.centre_a], "b": [world.centre_b], None: []}[centre]
        email = auth.login_as(role, centres=centres).email

    failures = []
    rules = sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint not in SKIP),
        key=lambda r: (r.endpoint, r.rule),
    )
    # All GETs first, then the POSTs, so a state change cannot hide a GET problem.
    for wanted in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        for rule in rules:
            if wanted not in rule.methods:
                continue
            policy = ACCESS.get(rule.endpoint)
            if policy is None:
                continue  # reported by test_every_endpoint_is_declared
            url = build_url(app, rule, world)
            response = client.open(url, method=wanted, data={})
            status = response.status_code
            where = f"{wanted} {url} ({rule.endpoint}, {policy!r})"
            is_api = rule.rule.startswith("/api/")
            if allowed(policy, role_key):
                if status in (401, 403, 404) or status >= 500:
                    failures.append(f"{where}: allowed, got {status}")
            elif role_key == "anonymous":
                location = response.headers.get("Location", "")
                if is_api and status != 401:
                    failures.append(f"{where}: anonymous API, got {status}")
                elif not is_api and not (
                    status == 302 and location.startswith("/auth/login")
                ):
                    failures.append(f"{where}: anonymous, got {status} {location}")
            elif status != 403:
                failures.append(f"{where}: forbidden, got {status}")

            restore_world(world)
            db.session.commit()
            if email and not _logged_in(client):  # e.g. after auth.logout
                assert auth.login(email, DEFAULT_PASSWORD).status_code == 302
    assert not failures, f"{role_key}:\n" + "\n".join(failures)
