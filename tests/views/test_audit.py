"""One audit log: downloads, raw exports, revocations, accounts, kiosk tokens."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import create_card, create_centre, create_user
from tests.test_reports import golden_world
from vaerested.api.tokens import create_access_token, revoke_access_token
from vaerested.audit import record_audit
from vaerested.checkin.codes import format_code
from vaerested.models import AuditEvent, Centre
from vaerested.models.base import utcnow

PERIOD = "start=2024-01-08&end=2024-01-10"


def events(db, action=None):
    db.session.expire_all()
    query = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query).all()


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_on_demand_downloads_are_audited(client, auth, db, fmt):
    golden_world()
    alpha = db.session.scalar(select(Centre).where(Centre.slug == "alpha"))
    leader = auth.login_as("leader", centres=[alpha])
    response = client.get(f"/reports/download?report=visits&format={fmt}&{PERIOD}")
    assert response.status_code == 200
    [event] = events(db, "report.download")
    assert (event.actor_id, event.actor_label) == (leader.id, leader.email)
    assert (event.report, event.period_start, event.period_end) == (
        "visits",
        date(2024, 1, 8),
        date(2024, 1, 10),
    )
    assert event.centre_id == alpha.id  # a leader of one centre sees only it
    assert event.remote_addr == "127.0.0.1"
    assert fmt in event.detail


def test_a_refused_download_is_not_audited(client, auth, db):
    auth.login_as("admin")
    assert client.get("/reports/download?report=nope").status_code == 404
    assert client.get("/reports/download?start=x").status_code == 400
    assert events(db, "report.download") == []


def test_card_revocations_record_the_user(client, app, auth, db):
    centre = create_centre(slug="nabo")
    card, other = create_card(centre), create_card(centre)
    staff = auth.login_as("staff", centres=[centre])
    response = client.post(
        "/checkin/nabo/cards/revoke",
        data={"code": format_code(card.code), "confirm": "yes"},
    )
    assert response.status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False
    from tests.views.test_api_checkins import csrf_headers

    response = client.post(
        "/api/v1/cards/revoke",
        json={"code": format_code(other.code)},
        headers=csrf_headers(client, app),
    )
    assert response.status_code == 200, response.data
    revoked = events(db, "card.revoke")
    assert [e.detail for e in revoked] == [f"card {card.id}", f"card {other.id}"]
    assert {(e.actor_id, e.centre_id) for e in revoked} == {(staff.id, centre.id)}
    for e in revoked:
        assert card.code not in e.detail and other.code not in e.detail


def test_account_changes_are_audited(client, auth, db):
    admin = auth.login_as("admin")
    centre = create_centre(slug="nabo")
    db.session.commit()
    data = {
        "email": "new@example.org",
        "display_name": "New",
        "role": "staff",
        "centres": str(centre.id),
        "password": "a-long-password-1",
        "confirm": "a-long-password-1",
    }
    assert client.post("/admin/users/new", data=data).status_code == 302
    created = events(db, "user.create")
    assert len(created) == 1 and "new@example.org" in created[0].detail
    assert created[0].actor_id == admin.id
    user_id = int(created[0].detail.split()[1])
    response = client.post(
        f"/admin/users/{user_id}/edit",
        data={
            "display_name": "New",
            "role": "leader",
            "centres": str(centre.id),
            "is_active": "y",
        },
    )
    assert response.status_code == 302, response.data[:1000]
    assert "role=leader" in events(db, "user.update")[0].detail
    client.post(f"/admin/users/{user_id}/deactivate")
    assert events(db, "user.deactivate")[0].actor_id == admin.id


def test_kiosk_tokens_are_audited_from_the_cli(runner, db):
    create_centre(slug="nabo")
    db.session.commit()
    result = runner.invoke(
        args=["kiosk", "create", "--centre", "nabo", "--label", "Door"]
    )
    assert result.exit_code == 0, result.output
    [created] = events(db, "kiosk_token.create")
    assert created.actor_label == "cli" and "Door" in created.detail
    token_id = created.detail.split()[1]
    result = runner.invoke(args=["kiosk", "revoke", token_id])
    assert result.exit_code == 0, result.output
    [revoked] = events(db, "kiosk_token.revoke")
    assert revoked.centre_id == created.centre_id


def test_staff_token_revocation_is_audited_once(db):
    user = create_user(role="staff")
    token, _plain = create_access_token("staff", user=user, created_by=user)
    revoke_access_token(token)
    revoke_access_token(token)
    db.session.commit()
    assert [e.action for e in events(db)] == [
        "user.create",
        "staff_token.create",
        "staff_token.revoke",
    ] or [e.action for e in events(db)] == ["staff_token.create", "staff_token.revoke"]


def test_raw_cli_exports_below_the_floor_are_audited(app, db, runner, tmp_path):
    golden_world()
    db.session.commit()
    args = ["export", "visits", "--from", "2024-01-08", "--to", "2024-01-10"]
    result = runner.invoke(args=[*args, "--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert events(db, "export.raw") == []  # the default min-cell is the floor
    result = runner.invoke(
        args=[*args, "--out", str(tmp_path / "b"), "--min-cell", "1"]
    )
    assert result.exit_code == 0, result.output
    [event] = events(db, "export.raw")
    assert event.actor_label == "cli" and "min_cell=1" in event.detail
    assert (event.report, event.period_start) == ("visits", date(2024, 1, 8))


def test_audit_page_filters_and_pages(client, auth, db):
    auth.login_as("admin")
    for n in range(51):
        record_audit("report.download", actor_label="x@example.org", detail=f"n{n}")
    record_audit("card.revoke", actor_label="y@example.org", detail="card 1")
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert page.count('data-action="') == 50
    assert "card 1" in page and "page=2" in page
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert second.count('data-action="') == 2  # 52 in all
    only = client.get("/admin/audit?action=card.revoke").get_data(as_text=True)
    assert only.count('data-action="') == 1
    who = client.get("/admin/audit?actor=x@example.org").get_data(as_text=True)
    assert who.count('data-action="') == 50
    assert client.get("/admin/audit?page=0").status_code == 400
    assert client.get("/admin/audit?from=9999-12-31").status_code == 400


def test_audit_page_is_for_administration_only(client, auth, db):
    auth.login_as("leader", centres=[create_centre()])
    assert client.get("/admin/audit").status_code == 403


def test_housekeeping_prunes_old_entries(app, db, runner):
    old = record_audit("card.revoke", actor_label="cli", detail="card 1")
    old.occurred_dt = utcnow() - timedelta(days=app.config["AUDIT_RETENTION_DAYS"] + 1)
    record_audit("card.revoke", actor_label="cli", detail="card 2")
    db.session.commit()
    result = runner.invoke(args=["scheduler", "run-job", "prune-login-attempts"])
    assert result.exit_code == 0, result.output
    assert [e.detail for e in events(db)] == ["card 2"]
