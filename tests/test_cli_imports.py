"""``flask districts import`` and ``flask centres import``: all or nothing."""

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.factories import create_centre, create_district
from vaerested.centres.importers import parse_categories, parse_life_phases
from vaerested.models import Centre, District, OperatorType

DATA = Path(__file__).parent / "data"
CENTRE_HEADER = "slug,name,district,address,lat,lon,categories,life_phases,operator"


def count(db, model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def run(runner, *args):
    return runner.invoke(args=[str(a) for a in args])


def assert_rejected(result, db, before: dict, lines: list[str]) -> None:
    """Exit 2, exactly ``lines`` on stderr, and no row added, flushed or committed."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    problems = result.stderr.splitlines()
    assert problems[:-1] == lines
    assert problems[-1] == f"Nothing imported: {len(lines)} problem(s)."
    for model, n in before.items():
        assert count(db, model) == n  # nothing pending in the shared session
    db.session.rollback()
    for model, n in before.items():
        assert count(db, model) == n  # nothing committed


def write(tmp_path, name: str, text: str, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- Districts -----------------------------------------------------------------


def test_district_csv_creates_and_updates(runner, db):
    old = create_district(code="3", name="Old", target_population=5, ref_lat=1.0)
    old.ref_lon = 2.0
    db.session.commit()

    result = run(runner, "districts", "import", DATA / "import_districts.csv")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Created district(s): 1 (Indre By), FRB (Frederiksberg, Kommune)",
        "Matched by code, updated: 3 (Nørrebro)",
        "2 created, 1 updated",
    ]
    db.session.rollback()
    got = {
        d.code: (d.name, d.municipality, d.target_population, d.ref_lat, d.ref_lon)
        for d in db.session.scalars(select(District))
    }
    assert got == {
        "1": ("Indre By", "København", 1100, None, None),
        # Updated in place; no target population and no ref columns in the
        # file, so the district keeps its own.
        "3": ("Nørrebro", "København", 5, 1.0, 2.0),
        "FRB": ("Frederiksberg, Kommune", "Frederiksberg", 2100, None, None),
    }
    assert db.session.get(District, old.id).code == "3"


def test_district_csv_from_excel_with_bom_semicolons_and_decimal_commas(runner, db):
    result = run(runner, "districts", "import", DATA / "import_districts_excel.csv")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "2 created, 0 updated"
    got = {
        d.code: (d.name, d.target_population, d.ref_lat, d.ref_lon)
        for d in db.session.scalars(select(District))
    }
    assert got == {
        "9": ("Amager Øst", 1900, 55.658, 12.615),
        "10": ("Amager Vest", 2300, 55.642, 12.572),
    }


def test_district_csv_bad_rows_after_good_ones_write_nothing(runner, db):
    create_district(code="1", name="Kept")
    db.session.commit()
    before = {District: 1}

    result = run(runner, "districts", "import", DATA / "import_districts_bad.csv")

    assert_rejected(
        result,
        db,
        before,
        [
            "line 3: target_population: 'many' is not a whole number >= 0",
            "line 4: code is empty",
            "line 5: duplicate code '1' (first on line 2)",
            "line 6: expected 4 fields, found 3",
            "line 8: municipality is empty",
            "line 9: target_population: '-3' is not a whole number >= 0",
            "line 10: name contains a line break",
            # Line 10's quoted field spans two lines: the next row is line 12.
            "line 12: target_population: '2700.5' is not a whole number >= 0",
        ],
    )
    assert db.session.scalar(select(District.name)) == "Kept"


EXPECTED = (
    "(expected code,name,municipality and optionally "
    "target_population,ref_lat,ref_lon,area_km2,areal_m2)"
)
HEADER_CASES = {
    "empty": ("", ["line 1: the file is empty"]),
    "blank": ("\n \n", ["line 1: the file is empty"]),
    "missing": (
        "code,name,target_population\n1,A,3\n",
        [f"line 1: missing column(s) municipality {EXPECTED}"],
    ),
    "misnamed": (
        "code,nam,municipality,target_population\n1,A,B,3\n",
        [
            f"line 1: missing column(s) name {EXPECTED}",
            f"line 1: unknown column(s) nam {EXPECTED}",
        ],
    ),
    "extra": (
        "code,name,municipality,target_population,colour\n1,A,B,3,red\n",
        [f"line 1: unknown column(s) colour {EXPECTED}"],
    ),
    "repeated": (
        "code,name,municipality,target_population,name\n1,A,B,3,C\n",
        ["line 1: repeated column(s) name"],
    ),
    "only one of ref_lat/ref_lon": (
        "code,name,municipality,target_population,ref_lat\n1,A,B,3,55.6\n",
        ["line 2: give both ref_lat and ref_lon, or neither"],
    ),
    "unterminated quote": (
        'code,name,municipality,target_population\n1,A,B,3\n2,"B,C,4\n',
        ["line 3: malformed CSV: unexpected end of data"],
    ),
    "too long": (
        "code,name,municipality,target_population\n" + "x" * 21 + ",A,B,\n",
        ["line 2: code is longer than 20 characters"],
    ),
}


@pytest.mark.parametrize("case", HEADER_CASES)
def test_district_csv_structural_problems(runner, db, tmp_path, case):
    text, lines = HEADER_CASES[case]
    path = write(tmp_path, "districts.csv", text)

    result = run(runner, "districts", "import", path)

    assert_rejected(result, db, {District: 0}, lines)


def test_district_csv_header_only_imports_nothing(runner, db, tmp_path):
    path = write(tmp_path, "d.csv", "Code ; Name ; Municipality ; Target_Population\n")
    result = run(runner, "districts", "import", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == "0 created, 0 updated\n"


def test_district_file_not_utf8(runner, db, tmp_path):
    text = (
        "code;name;municipality;target_population\n1;Indre By;Kbh;1\n2;Østerbro;Kbh;2\n"
    )
    path = write(tmp_path, "districts.csv", text, encoding="cp1252")
    result = run(runner, "districts", "import", path)
    assert_rejected(
        result,
        db,
        {District: 0},
        [
            "line 3: not UTF-8 text: this looks like Windows-1252/Latin-1 "
            "(Excel's plain CSV); save the file as CSV UTF-8"
        ],
    )


def test_district_file_type_by_extension(runner, db, tmp_path):
    path = write(
        tmp_path, "districts.xlsx", "code,name,municipality,target_population\n"
    )
    result = run(runner, "districts", "import", path)
    assert_rejected(
        result,
        db,
        {District: 0},
        ["line 1: unsupported file type 'districts.xlsx': use .csv or .geojson"],
    )


def test_district_geojson(runner, db):
    create_district(code="9", name="Old", target_population=7)
    db.session.commit()
    path = DATA / "import_districts.geojson"
    features = json.loads(path.read_text("utf-8"))["features"]

    result = run(runner, "districts", "import", path)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Created district(s): 3 (Nørrebro), FRB (Frederiksberg), 10 (Amager Vest)",
        "Matched by code, updated: 9 (Amager Øst)",
        "3 created, 1 updated",
    ]
    db.session.rollback()
    got = {d.code: d for d in db.session.scalars(select(District))}
    assert sorted(got) == ["10", "3", "9", "FRB"]
    expected = {
        # code: name, municipality, target, (lat, lon) and its geometry
        "3": ("Nørrebro", "København", 2600, (55.695, 12.545), features[0]),
        # MultiPolygon: the larger polygon's centroid, not the tiny triangle's.
        # No target population in the file: the district keeps its own.
        "9": ("Amager Øst", "København", 7, (55.66, 12.62), features[1]),
        # Given reference point and area win; extra properties are ignored.
        "FRB": ("Frederiksberg", "Frederiksberg", 2100, (55.679, 12.532), features[2]),
        # L-shape: 2x1 and 1x1 rectangles (units of 0.01 degrees), centroid 2.5/3.
        "10": (
            "Amager Vest",
            "København",
            None,
            (55.60 + 0.025 / 3, 12.50 + 0.025 / 3),
            features[3],
        ),
    }
    for code, (name, municipality, target, (lat, lon), feature) in expected.items():
        district = got[code]
        assert (district.name, district.municipality) == (name, municipality)
        assert district.target_population == target
        assert district.ref_lat == pytest.approx(lat, abs=1e-6)
        assert district.ref_lon == pytest.approx(lon, abs=1e-6)
        assert json.loads(district.boundary_geojson) == feature["geometry"]
        assert district.is_boundary_schematic is False
    assert got["FRB"].area_km2 == 8.7
    # Nørrebro: 0.03° x 0.01° at 55.695°N on a sphere of radius 6371 km.
    km_per_degree = math.pi / 180 * 6371
    expected_area = (0.03 * km_per_degree * math.cos(math.radians(55.695))) * (
        0.01 * km_per_degree
    )
    assert got["3"].area_km2 == pytest.approx(expected_area, rel=0.01)


def test_district_geojson_bad_features_write_nothing(runner, db):
    result = run(runner, "districts", "import", DATA / "import_districts_bad.geojson")
    assert_rejected(
        result,
        db,
        {District: 0},
        [
            "feature 2 (Østerbro): geometry must be a Polygon or MultiPolygon",
            "feature 3 (Nørrebro): geometry: a ring is not closed",
            "feature 4: name is empty: no name property; name it with --name-field",
            "feature 5 (Valby): position (12.49, 95) is outside Denmark "
            "(longitude 7.5–15.7, latitude 54.4–58.0)",
            "feature 6 (Again): duplicate code '1' (first in feature 1)",
            "feature 7 (Vanløse): geometry: a ring needs at least 4 positions",
            "feature 8 (Brønshøj-Husum): ref_lat: 'north' is not a number",
            "feature 9 (Bispebjerg): geometry: [12.52, '55.71'] is not a position",
            "feature 10: not a GeoJSON Feature",
        ],
    )


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{"type": "FeatureCollection",\n "features": [\n  {"type": }\n]}', 3),
        ("", 1),
        ('{"type": "Feature", "features": []}', 1),
        ('[{"type": "FeatureCollection"}]', 1),
    ],
)
def test_district_geojson_broken(runner, db, tmp_path, text, line):
    path = write(tmp_path, "d.json", text)
    result = run(runner, "districts", "import", path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].startswith(f"line {line}: ")
    assert count(db, District) == 0


# --- Centres -------------------------------------------------------------------


def test_centre_csv_creates_and_updates(runner, db):
    norrebro = create_district(code="3")
    create_district(code="FRB")
    other = create_district(code="X")
    create_centre(
        slug="vaerket",
        district=other,
        is_cat1=True,
        typical_daily_users=20,
        hours=[(0, "09:00", "15:00")],
    )
    db.session.commit()

    result = run(runner, "centres", "import", DATA / "import_centres.csv")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Created centre(s): lysningen (Lysningen), nyt-sted (Nyt Sted)",
        "Matched by slug, updated: vaerket (Værket)",
        "2 created, 1 updated",
    ]
    db.session.rollback()
    got = {
        c.slug: (
            c.name,
            c.district.code,
            c.address,
            c.lat,
            c.lon,
            c.categories,
            (c.life_phase_min, c.life_phase_max),
            c.operator_type,
        )
        for c in db.session.scalars(select(Centre))
    }
    assert got == {
        "lysningen": (
            "Lysningen",
            "3",
            "Lysgade 1, 2200 København N",
            55.693,
            12.552,
            [1, 2],
            (1, 3),
            OperatorType.MUNICIPAL,
        ),
        "nyt-sted": (
            "Nyt Sted",
            "FRB",
            "",
            None,
            None,
            [],
            (2, 2),
            OperatorType.VOLUNTARY,
        ),
        "vaerket": (
            "Værket",
            "3",
            "Værkvej 2",
            55.69,
            12.54,
            [2, 3],
            (3, 4),
            OperatorType.SELF_GOVERNING,
        ),
    }
    vaerket = db.session.scalar(select(Centre).where(Centre.slug == "vaerket"))
    # Columns the file does not carry are left alone.
    assert vaerket.typical_daily_users == 20
    assert len(vaerket.opening_intervals) == 1
    assert vaerket.district_id == norrebro.id


def test_centre_csv_semicolons(runner, db, tmp_path):
    create_district(code="3")
    db.session.commit()
    text = (
        "\ufeff" + CENTRE_HEADER.replace(",", ";") + "\r\n"
        'semi;Semi;3;Gade 1, 2200 København N;55,69;12,54;"1;2;3";1-4;kommunal\r\n'
    )
    result = run(runner, "centres", "import", write(tmp_path, "c.csv", text))

    assert result.exit_code == 0, result.output
    centre = db.session.scalar(select(Centre))
    assert (centre.slug, centre.address, centre.lat, centre.lon) == (
        "semi",
        "Gade 1, 2200 København N",
        55.69,
        12.54,
    )
    assert centre.categories == [1, 2, 3]
    assert (centre.life_phase_min, centre.life_phase_max) == (1, 4)


def test_centre_csv_bad_rows_write_nothing(runner, db):
    create_district(code="3")
    create_centre(slug="good", name="Before")
    db.session.commit()
    before = {Centre: 1, District: 2}

    result = run(runner, "centres", "import", DATA / "import_centres_bad.csv")

    assert_rejected(
        result,
        db,
        before,
        [
            "line 3: slug: 'Bad Slug' may hold only a-z, 0-9 and single hyphens",
            "line 4: district: unknown district code '99'",
            "line 5: lat: 'abc' is not a number",
            "line 6: lat: 95 is outside -90 to 90",
            "line 7: give both lat and lon, or neither",
            "line 8: categories: '4' is not 1, 2 or 3",
            "line 9: life_phases: 3-1 starts above its end",
            "line 10: life_phases: 0 is outside 1-4",
            "line 11: operator: 'county' is not municipal, self_governing or voluntary",
            "line 12: duplicate slug 'good' (first on line 2)",
            "line 13: name is empty",
            "line 14: expected 9 fields, found 8",
        ],
    )
    assert db.session.scalar(select(Centre.name)) == "Before"


def test_centre_csv_wrong_header_and_type(runner, db, tmp_path):
    path = write(tmp_path, "c.csv", CENTRE_HEADER.replace("operator", "owner") + "\n")
    result = run(runner, "centres", "import", path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:2] == [
        f"line 1: missing column(s) operator (expected {CENTRE_HEADER})",
        f"line 1: unknown column(s) owner (expected {CENTRE_HEADER})",
    ]
    result = run(runner, "centres", "import", write(tmp_path, "c.json", "[]"))
    assert result.exit_code == 2
    assert "line 1: unsupported file type 'c.json': use .csv" in result.stderr


def test_missing_file_is_a_usage_error(runner, db, tmp_path):
    result = run(runner, "centres", "import", tmp_path / "nope.csv")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


# --- Field parsers (no database) -------------------------------------------------


SEPARATORS = st.sampled_from([";", ",", " ", "+", "; ", " , ", "/"])


@given(st.permutations([1, 2, 3]), st.integers(0, 3), SEPARATORS)
def test_parse_categories_any_order_and_separator(order, size, separator):
    chosen = order[:size]
    text = separator.join(str(n) for n in chosen)
    assert parse_categories(text) == tuple(sorted(chosen))


@given(st.text(max_size=12))
def test_parse_categories_total(text):
    try:
        result = parse_categories(text)
    except ValueError as exc:
        assert str(exc).startswith("categories: ")
    else:
        assert list(result) == sorted(set(result))
        assert set(result) <= {1, 2, 3}


@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.sampled_from(["-", "–", " - "]),
    st.sampled_from(["", " "]),
)
def test_parse_life_phases_ranges(low, high, dash, pad):
    text = f"{pad}{low}{dash}{high}{pad}"
    if low <= high:
        assert parse_life_phases(text) == (low, high)
    else:
        with pytest.raises(ValueError, match="starts above its end"):
            parse_life_phases(text)
    assert parse_life_phases(f"{pad}{low}") == (low, low)


@given(st.integers(-5, 50).filter(lambda n: not 1 <= n <= 4), st.integers(1, 4))
def test_parse_life_phases_out_of_range(bad, good):
    for text in (str(bad), f"{bad}-{good}", f"{good}-{bad}"):
        with pytest.raises(ValueError):
            parse_life_phases(text)


@given(st.text(max_size=8))
def test_parse_life_phases_total(text):
    try:
        low, high = parse_life_phases(text)
    except ValueError as exc:
        assert str(exc).startswith("life_phases: ")
    else:
        assert 1 <= low <= high <= 4
