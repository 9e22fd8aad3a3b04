"""``flask districts import`` of files shaped like the official Danish layers."""

import json
import sys
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from tests.factories import create_district
from vaerested.models import District

DATA = Path(__file__).parent / "data"
sys.path.insert(0, str(DATA))
import make_official_layers  # noqa: E402

BYDEL = DATA / "official_kbh_bydel.geojson"
BYDEL_UTM = DATA / "official_kbh_bydel_25832.geojson"
KOMMUNER = DATA / "official_dagi_kommuner.geojson"
NAMES = make_official_layers.NAMES


def run(runner, *args):
    return runner.invoke(args=["districts", "import", *map(str, args)])


def districts(db) -> dict[str, District]:
    db.session.rollback()
    return {d.code: d for d in db.session.scalars(select(District))}


def test_committed_layers_are_what_the_script_writes():
    for name, text in make_official_layers.layers().items():
        assert (DATA / name).read_text("utf-8") == text, name


def test_copenhagen_layer_unchanged(runner, db):
    create_district("6", name="Old name", municipality="X", target_population=999)
    db.session.commit()
    published = json.loads(BYDEL.read_text("utf-8"))["features"]

    result = run(runner, BYDEL)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == "9 created, 1 updated"
    assert lines[-2] == "Matched by code, updated: 6 (Vanløse)"
    got = districts(db)
    assert {c: d.name for c, d in got.items()} == NAMES
    assert {d.municipality for d in got.values()} == {"København"}
    assert got["6"].target_population == 999  # the file has none: kept
    for feature in published:
        code = str(feature["properties"]["bydel_nr"])
        district = got[code]
        stored = shape(json.loads(district.boundary_geojson))
        original = shape(feature["geometry"])
        # Longitude first, as in the file: not swapped despite the EPSG URN.
        assert 12.4 < stored.centroid.x < 12.7 and 55.6 < stored.centroid.y < 55.8
        assert stored.geom_type == "MultiPolygon"
        assert len(stored.geoms) == len(original.geoms)
        assert stored.hausdorff_distance(original) < 2e-5
        # Densified straight edges are simplified away.
        assert shapely.get_num_coordinates(stored) < shapely.get_num_coordinates(
            original
        )
        assert district.area_km2 == round(feature["properties"]["areal_m2"] / 1e6, 4)
        assert original.contains(shapely.Point(district.ref_lon, district.ref_lat))
        assert district.is_boundary_schematic is False
    assert len(got["1"].boundary_geojson) < 20_000


def test_copenhagen_layer_in_utm_gives_the_same_districts(runner, db):
    assert run(runner, BYDEL).exit_code == 0
    wgs84 = {c: shape(json.loads(d.boundary_geojson)) for c, d in districts(db).items()}
    areas = {c: d.area_km2 for c, d in districts(db).items()}

    result = run(runner, BYDEL_UTM)

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "0 created, 10 updated"
    got = districts(db)
    assert {c: d.name for c, d in got.items()} == NAMES
    for code, district in got.items():
        stored = shape(json.loads(district.boundary_geojson))
        assert stored.hausdorff_distance(wgs84[code]) < 2e-5  # about 2 m
        assert district.area_km2 == areas[code]  # areal_m2 from the file


def utm_without_crs(tmp_path) -> Path:
    doc = json.loads(BYDEL_UTM.read_text("utf-8"))
    del doc["crs"]
    path = tmp_path / "bydel.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_utm_without_crs_is_refused_naming_the_crs(runner, db, tmp_path):
    path = utm_without_crs(tmp_path)

    result = run(runner, path)

    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 11 and lines[-1] == "Nothing imported: 10 problem(s)."
    assert lines[2].startswith("feature 3 (Nørrebro): coordinates such as (7")
    for number, line in enumerate(lines[:-1], 1):
        assert line.startswith(f"feature {number} (")
        assert line.endswith(
            "are not Danish longitudes/latitudes; they look like ETRS89 / UTM "
            "zone 32N: give --crs EPSG:25832"
        )
    assert db.session.scalar(select(func.count(District.id))) == 0

    result = run(runner, path, "--crs", "EPSG:25832")
    assert result.exit_code == 0, result.output
    assert {c: d.name for c, d in districts(db).items()} == NAMES


def test_wrong_crs_option_is_refused(runner, db):
    result = run(runner, BYDEL, "--crs", "EPSG:25832")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0].endswith(
        "they look like WGS 84 longitude/latitude (EPSG:4326)"
    )
    assert "in ETRS89 / UTM zone 32N (EPSG:25832)" in result.stderr
    result = run(runner, BYDEL, "--crs", "EPSG:999999")
    assert result.exit_code == 2
    assert "unknown coordinate reference system 'EPSG:999999'" in result.stderr


def test_dagi_municipalities(runner, db):
    result = run(runner, KOMMUNER)

    assert result.exit_code == 0, result.output
    got = districts(db)
    assert {c: (d.name, d.municipality) for c, d in got.items()} == {
        "0101": ("København", "København"),
        "0147": ("Frederiksberg", "Frederiksberg"),
    }
    kbh = shape(json.loads(got["0101"].boundary_geojson))
    assert kbh.geom_type == "Polygon" and len(kbh.interiors) == 1  # Frederiksberg
    frb = shape(json.loads(got["0147"].boundary_geojson))
    assert frb.within(shapely.Polygon(kbh.interiors[0]).buffer(1e-6))


def test_other_property_names_need_the_options(runner, db, tmp_path):
    doc = json.loads(KOMMUNER.read_text("utf-8"))
    for feature in doc["features"]:
        props = feature["properties"]
        feature["properties"] = {"nr": props["kode"], "titel": props["navn"]}
    path = tmp_path / "other.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")

    result = run(runner, path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:2] == [
        "feature 1: code is empty: no code property; name it with --code-field",
        "feature 2: code is empty: no code property; name it with --code-field",
    ]
    result = run(runner, path, "--code-field", "nr", "--name-field", "titel")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        "feature 1 (København): no municipality in the file: give --municipality NAME"
    )
    result = run(
        runner,
        path,
        *("--code-field", "NR", "--name-field", "titel", "--municipality", "Region"),
    )
    assert result.exit_code == 0, result.output
    assert {c: (d.name, d.municipality) for c, d in districts(db).items()} == {
        "0101": ("København", "Region"),
        "0147": ("Frederiksberg", "Region"),
    }


def test_csv_with_published_column_names(runner, db, tmp_path):
    path = tmp_path / "bydele.csv"
    path.write_text("bydel_nr;navn;areal_m2\n6;Vanløse;6700000\n", encoding="utf-8")
    result = run(runner, path)
    assert result.exit_code == 0, result.output
    got = districts(db)["6"]
    assert (got.name, got.municipality, got.area_km2) == ("Vanløse", "København", 6.7)


@pytest.mark.parametrize("name", ["official_kbh_bydel.geojson"])
def test_problems_name_every_feature_and_write_nothing(runner, db, tmp_path, name):
    doc = json.loads((DATA / name).read_text("utf-8"))
    doc["features"][2]["properties"]["navn"] = "Nørre\x00bro"
    doc["features"][5]["geometry"]["coordinates"][0][0][1][0] += 90
    moved = doc["features"][5]["geometry"]["coordinates"][0][0][1]
    doc["features"][6]["properties"]["bydel_nr"] = 1
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")

    result = run(runner, path)

    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "feature 3: navn contains a control character (U+0000)",
        f"feature 6 (Vanløse): position ({moved[0]:.10g}, {moved[1]:.10g}) is outside "
        "Denmark (longitude 7.5–15.7, latitude 54.4–58.0)",
        "feature 7 (Brønshøj-Husum): duplicate code '1' (first in feature 1)",
        "Nothing imported: 3 problem(s).",
    ]
    assert db.session.scalar(select(func.count(District.id))) == 0
