"""Public releases: the budget ledger, refusals, concurrency, pages, files, CLI."""

import io
import json
import threading
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import create_card, create_centre, create_district, create_visit
from vaerested.extensions import db as _db
from vaerested.models import AuditEvent, PrivacyBudget, PublicRelease
from vaerested.releases.operations import ReleaseError, make_release, set_budget

START, END = date(2026, 3, 1), date(2026, 4, 30)


def _world():
    d1, d2 = create_district("D1"), create_district("D2")
    a = create_centre("a", district=d1)
    b = create_centre("b", district=d2)
    for i in range(6):
        card = create_card(a, home_district_id=d1.id)
        for day in range(3):
            when = datetime(2026, 3, 2 + day, 10, tzinfo=UTC)
            create_visit(a if (day + i) % 2 else b, card, when)
    create_visit(a, None, datetime(2026, 3, 5, 10, tzinfo=UTC))
    return a, b


def test_release_spends_budget_and_is_refused_when_spent(app, db):
    _world()
    with pytest.raises(ReleaseError, match="No privacy budget"):
        make_release(START, END, "test", epsilon=1.0)
    set_budget(2026, 2.5)
    db.session.commit()
    first = make_release(START, END, "first", epsilon=1.0, actor_label="cli")
    db.session.commit()
    make_release(START, END, "second", epsilon=1.0)
    db.session.commit()
    with pytest.raises(ReleaseError, match="only ε 0.500 of 2.500 is left for 2026"):
        make_release(START, END, "third", epsilon=1.0)
    db.session.rollback()
    budget = db.session.scalar(select(PrivacyBudget))
    assert budget.spent == pytest.approx(2.0)
    assert db.session.query(PublicRelease).count() == 2
    assert first.epsilon == pytest.approx(1.0)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("release.create") == 2 and "release.budget" in actions
    # Cannot lower the budget below what is spent.
    with pytest.raises(ReleaseError):
        set_budget(2026, 1.5)


def test_a_release_spanning_two_years_is_refused(app, db):
    set_budget(2026, 5)
    with pytest.raises(ReleaseError, match="one calendar year"):
        make_release(date(2025, 12, 1), date(2026, 1, 31), "x", epsilon=1.0)


def test_concurrent_releases_cannot_overspend(app, db):
    _world()
    set_budget(2026, 3.0)
    db.session.commit()
    threads, errors, made = 6, [], []
    barrier = threading.Barrier(threads)

    def worker():
        with app.app_context():
            try:
                barrier.wait()
                made.append(make_release(START, END, "race", epsilon=1.0).id)
                _db.session.commit()
            except ReleaseError as error:
                errors.append(str(error))
                _db.session.rollback()
            except Exception as error:  # asserted on below
                errors.append("UNEXPECTED " + repr(error))
            finally:
                _db.session.remove()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=120)
    assert not [e for e in errors if e.startswith("UNEXPECTED")], errors
    db.session.expire_all()
    assert len(made) == 3 and len(errors) == 3
    assert db.session.scalar(select(PrivacyBudget.spent)) == pytest.approx(3.0)
    assert db.session.query(PublicRelease).count() == 3


@pytest.mark.parametrize("role", ["staff", "leader"])
@pytest.mark.parametrize(
    "method,url",
    [("get", "/releases/"), ("post", "/releases/new"), ("post", "/releases/budget")],
)
def test_only_administration(client, auth, role, method, url):
    auth.login_as(role)
    assert getattr(client, method)(url).status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get("/releases/").status_code == 302


def test_pages_budget_release_and_files(client, auth, db):
    _world()
    db.session.commit()
    auth.login_as("admin")
    page = client.get("/releases/")
    assert page.status_code == 200
    response = client.post(
        "/releases/new",
        data={
            "release-start": "2026-03-01",
            "release-end": "2026-04-30",
            "release-purpose": "Committee",
            "release-epsilon": "1",
            "release-max_transitions": "5",
            "release-max_visits": "10",
        },
    )
    assert response.status_code == 409
    assert "2026" in response.get_data(as_text=True)
    response = client.post(
        "/releases/budget", data={"budget-year": "2026", "budget-epsilon": "1.5"}
    )
    assert response.status_code == 302
    response = client.post(
        "/releases/new",
        data={
            "release-start": "2026-03-01",
            "release-end": "2026-04-30",
            "release-purpose": "Committee",
            "release-epsilon": "1",
            "release-max_transitions": "5",
            "release-max_visits": "10",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    release = db.session.scalar(select(PublicRelease))
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "95" in detail and "±" in detail
    acc = release.accounting["matrix_transitions"]["accuracy"]
    assert f"±{acc}" in detail
    ledger = client.get("/releases/").get_data(as_text=True)
    assert "Committee" in ledger
    csv_file = client.get(
        f"/releases/{release.id}/download?format=csv&table=mobility_matrix"
    )
    text = csv_file.get_data(as_text=True)
    lines = text.splitlines()
    assert lines[0] == "from_centre,to_centre,cards,transitions"
    assert len(lines) == 1 + 2 + 1  # a->b, b->a, the note
    assert lines[-1].lstrip('"').startswith("# PUBLIC RELEASE")
    js = json.loads(
        client.get(
            f"/releases/{release.id}/download?format=json&table=district_flows"
        ).data
    )
    assert js["public_release"]["epsilon"] == pytest.approx(1.0)
    assert len(js["rows"]) == 3 * 2  # D1, D2, unknown × D1, D2
    book = load_workbook(
        io.BytesIO(client.get(f"/releases/{release.id}/download?format=xlsx").data)
    )
    assert "notes" in book.sheetnames and "mobility_matrix" in book.sheetnames
    notes = " ".join(str(r[0].value) for r in book["notes"].iter_rows())
    assert "95 % confidence" in notes and f"±{acc}" in notes
    # Refused once the budget is out: 0.5 left.
    again = client.post(
        "/releases/new",
        data={
            "release-start": "2026-03-01",
            "release-end": "2026-04-30",
            "release-purpose": "Again",
            "release-epsilon": "1",
            "release-max_transitions": "5",
            "release-max_visits": "10",
        },
    )
    assert again.status_code == 409
    assert db.session.query(PublicRelease).count() == 1
    downloads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "release.download")
    ).all()
    assert len(downloads) == 3


def test_cli_budget_make_and_refuse(runner, app, db, tmp_path):
    _world()
    db.session.commit()
    assert runner.invoke(args=["release", "budget", "2026", "1.2"]).exit_code == 0
    args = [
        "release",
        "make",
        "--from",
        "2026-03-01",
        "--to",
        "2026-04-30",
        "--purpose",
        "open data",
        "--epsilon",
        "1",
        "--format",
        "csv",
        "--out",
        str(tmp_path),
    ]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "public_release_1_mobility_matrix.csv").exists()
    refused = runner.invoke(args=args)
    assert refused.exit_code == 2
    assert "only ε 0.200" in refused.output
    ledger = runner.invoke(args=["release", "ledger"])
    assert "2026: ε 1.200, spent 1.000, left 0.200" in ledger.output
