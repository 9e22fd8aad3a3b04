"""The printed reports' header: period, filters by name, protection.

Shown only in print (the browser test tests/browser/test_print.py checks that);
here the header's words for each report, scope and language.
"""

import re

import pytest

from tests.factories import create_centre, create_district

PERIOD = "start=2024-01-08&end=2024-01-10"


def header(html: str) -> dict[str, str]:
    """Return the print header's fields by test id (tags stripped)."""
    found = re.search(r'<section class="print-header".*?</section>', html, re.S)
    assert found, "no print header"
    return {
        key: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", value)).strip()
        for key, value in re.findall(
            r'<dd data-testid="print-(\w+)">(.*?)</dd>', found.group(0), re.S
        )
    }


@pytest.fixture
def world(db):
    north = create_district("1", name="Indre By")
    south = create_district("2", name="Amager Øst")
    centres = {
        "aeblehaven": create_centre("aeblehaven", north, name="Æblehaven"),
        "havnen": create_centre("havnen", south, name="Havnen"),
    }
    db.session.commit()
    return centres


@pytest.mark.parametrize("report", ["dashboard", "visits", "coverage", "mobility"])
def test_every_report_prints_its_period_and_protection(client, auth, world, report):
    auth.login_as("admin")
    html = client.get(f"/reports/{report}?{PERIOD}").get_data(as_text=True)
    got = header(html)
    assert got["period"] == "8. jan. 2024 – 10. jan. 2024"
    assert got["centres"] == "Alle væresteder"
    assert got["district"] == "Alle bydele"
    assert got["protection"].startswith("Mindste cellestørrelse 5;")
    assert "Totaler kan afvige lidt fra summen af deres dele." in got["protection"]


def test_filters_are_named_not_coded(client, auth, world):
    auth.login_as("admin")
    html = client.get(
        f"/reports/dashboard?{PERIOD}&centre=aeblehaven&district=1"
    ).get_data(as_text=True)
    got = header(html)
    assert got["report"] == "Overblik"
    assert got["centres"] == "Æblehaven"
    assert got["district"] == "Indre By (1)"


def test_a_leader_sees_their_own_centres_named(client, auth, world):
    auth.login_as("leader", centres=[world["havnen"]])
    client.post("/language", data={"lang": "en"})
    got = header(client.get(f"/reports/mobility?{PERIOD}").get_data(as_text=True))
    assert got["centres"] == "All my centres (Havnen)"
    assert got["period"] == "Jan 8, 2024 – Jan 10, 2024"
    assert got["protection"].startswith("Minimum cell size 5; cell-key perturbation.")


def test_an_invalid_period_has_no_header(client, auth, world):
    auth.login_as("admin")
    response = client.get("/reports/visits?start=2024-01-10&end=2024-01-08")
    assert response.status_code == 400
    assert 'class="print-header"' not in response.get_data(as_text=True)


def test_the_landscape_prints_its_period(client, auth, world):
    auth.login_as("admin")
    got = header(
        client.get("/activities/landscape?from=2024-01-08&to=2024-01-10").get_data(
            as_text=True
        )
    )
    assert got["report"] == "Tilbudslandskab"
    assert got["period"] == "8. jan. 2024 – 10. jan. 2024"
