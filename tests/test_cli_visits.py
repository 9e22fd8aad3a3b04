"""``flask visits import`` and ``visits retention``, ``kiosk …``, ``cards issue``."""

import csv
import io
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from tests.factories import create_card, create_centre, create_district, create_visit
from vaerested.api.tokens import hash_token
from vaerested.checkin import imports
from vaerested.checkin.codes import format_code, generate_code, normalise_code
from vaerested.checkin.operations import card_hasher
from vaerested.models import AccessToken, Card, TokenKind, Visit, VisitSource

CPH = ZoneInfo("Europe/Copenhagen")
HEADER = ["centre", "visited_at", "card", "home_district"]


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def snapshot(db):
    """Every visit as comparable values (no ids, which depend on history)."""
    db.session.expire_all()
    rows = db.session.execute(
        select(
            Card.code_hash,
            Card.home_district_id,
            Visit.centre_id,
            Visit.visit_date,
            Visit.visited_dt,
            Visit.source,
            Visit.idempotency_key,
            Visit.home_district_id,
        ).outerjoin(Card, Visit.card_id == Card.id)
    ).all()
    return Counter(tuple(r) for r in rows)


def test_import_folds_visits_and_creates_cards(app, db, runner, tmp_path):
    district = create_district(code="3")
    nabo, kontakten = create_centre(slug="nabo"), create_centre(slug="kontakten")
    known = create_card(nabo)
    db.session.commit()
    new_code = generate_code()
    rows = [
        ["nabo", "2026-11-20T10:00:00", format_code(known.code), ""],
        ["nabo", "2026-11-20T09:00:00", known.code.lower(), "3"],
        ["kontakten", "2026-11-20T12:00:00", format_code(known.code), ""],
        ["nabo", "2026-11-21T00:30:00+01:00", new_code, "3"],
        ["nabo", "2026-11-21T08:00:00", new_code, ""],
        ["kontakten", "2026-11-20T23:30:00", "", "3"],
        ["kontakten", "2026-11-20T23:30:00", "", "3"],
        ["kontakten", "2026-11-20T23:30:00", "", ""],
        ["", "", "", ""],
    ]
    result = runner.invoke(
        args=["visits", "import", write_csv(tmp_path / "v.csv", rows)]
    )
    assert result.exit_code == 0, result.output
    assert "8 row(s): 6 new visit(s), 1 new card(s)" in result.output
    new_card = db.session.scalars(
        select(Card).where(Card.code_hash == card_hasher()(new_code))
    ).one()
    assert new_card.home_district_id == district.id
    assert new_card.issued_dt == datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    visits = db.session.scalars(select(Visit).order_by(Visit.visited_dt)).all()
    got = [
        (v.centre_id, v.card_id, str(v.visit_date), v.visited_dt.isoformat(), v.source)
        for v in visits
    ]
    assert got == [
        (nabo.id, known.id, "2026-11-20", "2026-11-20T08:00:00+00:00", "import"),
        (kontakten.id, known.id, "2026-11-20", "2026-11-20T11:00:00+00:00", "import"),
        (kontakten.id, None, "2026-11-20", "2026-11-20T22:30:00+00:00", "import"),
        (kontakten.id, None, "2026-11-20", "2026-11-20T22:30:00+00:00", "import"),
        (kontakten.id, None, "2026-11-20", "2026-11-20T22:30:00+00:00", "import"),
        (nabo.id, new_card.id, "2026-11-21", "2026-11-20T23:30:00+00:00", "import"),
    ]
    assert len({v.idempotency_key for v in visits if v.card_id is None}) == 3
    before = snapshot(db)
    again = runner.invoke(
        args=["visits", "import", write_csv(tmp_path / "v.csv", rows)]
    )
    assert "0 new visit(s), 0 new card(s)" in again.output
    assert snapshot(db) == before


def test_import_keeps_an_earlier_scan_and_moves_a_later_one(app, db, runner, tmp_path):
    centre = create_centre(slug="nabo")
    early, late = create_card(centre), create_card(centre)
    create_visit(centre, early, datetime(2026, 11, 20, 7, tzinfo=UTC))
    create_visit(centre, late, datetime(2026, 11, 20, 12, tzinfo=UTC))
    db.session.commit()
    rows = [
        ["nabo", "2026-11-20T10:00:00", early.code, ""],
        ["nabo", "2026-11-20T10:00:00", late.code, ""],
    ]
    result = runner.invoke(
        args=["visits", "import", write_csv(tmp_path / "v.csv", rows)]
    )
    assert "0 new visit(s)" in result.output
    db.session.expire_all()
    times = dict(db.session.execute(select(Visit.card_id, Visit.visited_dt)).all())
    assert times == {
        early.id: datetime(2026, 11, 20, 7, tzinfo=UTC),
        late.id: datetime(2026, 11, 20, 9, tzinfo=UTC),
    }


def test_import_errors_write_nothing(app, db, runner, tmp_path):
    create_district(code="3")
    centre = create_centre(slug="nabo")
    card = create_card(centre)
    db.session.commit()
    bad_code = card.code[:-1] + ("0" if card.code[-1] != "0" else "1")
    rows = [
        ["nabo", "2026-11-20T10:00:00", generate_code(), "3"],
        ["nowhere", "2026-11-20T10:00:00", "", ""],
        ["nabo", "20/11/2026 10:00", "", ""],
        ["nabo", "2026-11-20T10:00:00", bad_code, "99"],
        ["nabo", (datetime.now(UTC) + timedelta(hours=1)).isoformat(), "", ""],
    ]
    result = runner.invoke(
        args=["visits", "import", write_csv(tmp_path / "v.csv", rows)]
    )
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        "line 3: unknown centre 'nowhere'",
        "line 4: visited_at is not an ISO 8601 date and time",
        "line 5: invalid card code; unknown home district '99'",
        "line 6: visited_at is in the future",
        "Nothing was imported.",
    ]
    assert bad_code not in result.output
    assert db.session.scalar(select(Visit.id)) is None
    assert db.session.scalars(select(Card.id)).all() == [card.id]
    missing = write_csv(tmp_path / "m.csv", [["nabo"]], header=["centre"])
    result = runner.invoke(args=["visits", "import", missing])
    assert result.exit_code == 2
    assert "line 1: missing column(s): visited_at" in result.output


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.randoms(use_true_random=False), st.sampled_from([2, 7, imports.BATCH]))
def test_import_result_does_not_depend_on_row_order(
    app, db, runner, tmp_path, rnd, batch
):
    """Nor on the batches the streaming import writes (``batch`` rows each)."""
    if not db.session.scalar(select(Card.id)):  # first example: build the world
        for code in ("1", "2"):
            create_district(code=code)
        for slug in ("nabo", "kontakten"):
            create_centre(slug=slug)
        for _ in range(3):
            create_card()
        db.session.commit()
    db.session.execute(delete(Visit))
    known = set(db.session.scalars(select(Card.id).order_by(Card.id).limit(3)))
    db.session.execute(delete(Card).where(Card.id.not_in(known)))
    db.session.commit()
    data = random.Random(7)
    codes = [generate_code() for _ in range(6)]
    start = datetime(2026, 10, 23, 20, 0, tzinfo=UTC)  # spans the DST change
    rows = []
    for _ in range(40):
        when = start + timedelta(minutes=data.randrange(0, 3 * 1440, 30))
        rows.append(
            [
                data.choice(["nabo", "kontakten"]),
                when.astimezone(CPH).replace(tzinfo=None).isoformat(),
                data.choice([*codes, "", ""]),
                data.choice(["1", "2", ""]),
            ]
        )
    rows += rows[:5]  # exact duplicates: two identical anonymous rows are two visits
    db.session.execute(delete(Visit))
    db.session.commit()
    runner.invoke(args=["visits", "import", write_csv(tmp_path / "a.csv", rows)])
    reference = snapshot(db)
    db.session.execute(delete(Visit))
    db.session.execute(delete(Card).where(Card.id.not_in(known)))
    db.session.commit()
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    with mock.patch.object(imports, "BATCH", batch):
        result = runner.invoke(
            args=["visits", "import", write_csv(tmp_path / "b.csv", shuffled)]
        )
    assert result.exit_code == 0, result.output
    assert snapshot(db) == reference
    # Independent check of the card visits: earliest per card, centre, local day.
    hasher = card_hasher()
    earliest = {}
    for slug, text, code, _d in rows:
        if code:
            when = datetime.fromisoformat(text).replace(tzinfo=CPH).astimezone(UTC)
            k = (hasher(normalise_code(code)), slug, when.astimezone(CPH).date())
            earliest[k] = min(earliest.get(k, when), when)
    card_rows = [k for k in reference.elements() if k[0] is not None]
    assert len(card_rows) == len(earliest)
    assert sorted(r[4] for r in card_rows) == sorted(earliest.values())
    tallies = sum(1 for r in rows if not r[2])
    assert sum(1 for k in reference.elements() if k[0] is None) == tallies


def test_retention_command(app, db, runner):
    app.config["VISIT_CARD_RETENTION_DAYS"] = 30
    centre = create_centre()
    card = create_card(centre)
    create_visit(centre, card, datetime.now(UTC) - timedelta(days=40))
    create_visit(centre, card, datetime.now(UTC))
    db.session.commit()
    result = runner.invoke(args=["visits", "retention"])
    assert result.output.strip() == "Unlinked 1 visit(s) from their cards."
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Visit.card_id)), key=str) == [card.id, None]


def test_kiosk_create_prints_the_token_last(app, db, runner, client):
    centre = create_centre(slug="nabo")
    db.session.commit()
    result = runner.invoke(
        args=["kiosk", "create", "--centre", "nabo", "--label", "Door"]
    )
    assert result.exit_code == 0, result.output
    plaintext = result.output.strip().splitlines()[-1]
    token = db.session.scalars(select(AccessToken)).one()
    assert token.token_hash == hash_token(plaintext)
    assert (token.kind, token.centre_id, token.label) == (
        TokenKind.KIOSK,
        centre.id,
        "Door",
    )
    response = client.get(
        "/api/v1/centres/nabo/today", headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert response.status_code == 200
    listing = runner.invoke(args=["kiosk", "list"]).output
    assert "nabo" in listing and plaintext not in listing
    assert runner.invoke(args=["kiosk", "revoke", str(token.id)]).exit_code == 0
    assert runner.invoke(args=["kiosk", "create", "--centre", "x"]).exit_code == 2


def test_kiosk_create_prints_the_full_link_from_base_url(app, db, runner):
    create_centre(slug="nabo")
    db.session.commit()
    app.config["BASE_URL"] = "https://vaerested.example.dk/app"
    result = runner.invoke(args=["kiosk", "create", "--centre", "nabo"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    plaintext = lines[-1]
    assert (
        f"https://vaerested.example.dk/app/checkin/kiosk#token={plaintext}&centre=nabo"
        in lines
    )
    assert "BASE_URL" not in result.output


def test_kiosk_create_without_base_url_prints_the_path(app, db, runner):
    create_centre(slug="nabo")
    db.session.commit()
    result = runner.invoke(args=["kiosk", "create", "--centre", "nabo"])
    lines = result.output.strip().splitlines()
    assert f"/checkin/kiosk#token={lines[-1]}&centre=nabo" in lines
    assert "BASE_URL is not set" in result.output


def test_cards_issue_prints_only_codes(app, db, runner):
    centre = create_centre(slug="nabo")
    db.session.commit()
    result = runner.invoke(args=["cards", "issue", "--centre", "nabo", "-n", "5"])
    assert result.exit_code == 0, result.output
    printed = result.output.splitlines()
    assert len(printed) == 5
    assert all(format_code(code) == code for code in printed)
    hashes = set(db.session.scalars(select(Card.code_hash)))
    assert hashes == {card_hasher()(normalise_code(code)) for code in printed}
    assert set(db.session.scalars(select(Card.issued_centre_id))) == {centre.id}


def test_import_reads_a_bom_and_extra_spaces(app, db, runner, tmp_path):
    create_centre(slug="nabo")
    db.session.commit()
    path = tmp_path / "bom.csv"
    text = io.StringIO()
    text.write("\ufeffcentre, visited_at ,card,home_district\r\n")
    text.write("nabo, 2026-11-20T10:00 ,,\r\n")
    path.write_text(text.getvalue(), encoding="utf-8")
    result = runner.invoke(args=["visits", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Visit.source)) == VisitSource.IMPORT
