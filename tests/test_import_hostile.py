"""Hostile import files: each exits 2 with a clear message, or is repaired and said so.

The cases of the hardening review (issue #11): encodings, binary data, NUL and
control characters, out-of-range numbers and dates, deep nesting, too many rows,
self-intersecting and huge polygons. Limits: ``docs/imports.md``.
"""

import json
import math
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from tests.factories import create_centre, create_district
from vaerested.centres import importers, upserts
from vaerested.checkin import imports as visit_imports
from vaerested.models import Card, Centre, District, Visit
from vaerested.services import boundary_geometry as geo

HEADER = "code,name,municipality,target_population\n"
CENTRE_HEADER = "slug,name,district,address,lat,lon,categories,life_phases,operator\n"
LATIN1 = (
    "not UTF-8 text: this looks like Windows-1252/Latin-1 (Excel's plain CSV); "
    "save the file as CSV UTF-8"
)


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def write(tmp_path, name: str, data: str | bytes, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def refused(runner, db, *args) -> list[str]:
    """Run an import; assert exit 2, no traceback, nothing written; return stderr."""
    before = {m: count(db, m) for m in (District, Centre, Visit, Card)}
    result = runner.invoke(args=[str(a) for a in args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    db.session.rollback()
    assert {m: count(db, m) for m in before} == before
    return result.stderr.splitlines()


def square(lon: float, lat: float, size: float = 0.01) -> list:
    return [
        [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size]]
        + [[lon, lat]]
    ]


def collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def feature(code, name, coordinates, kind="Polygon", **props) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "municipality": "K", **props},
        "geometry": {"type": kind, "coordinates": coordinates},
    }


# --- Encodings, binary data, separators (the shared reader) ---------------------


@pytest.mark.parametrize("command", ["districts", "centres", "visits"])
def test_latin1_files_are_refused_naming_the_encoding(runner, db, tmp_path, command):
    text = {
        "districts": HEADER + "1,Indre By,København,1\n",
        "centres": CENTRE_HEADER + "a,Kærnehuset,1,,,,1,1,kommunal\n",
        "visits": "centre,visited_at,card,home_district\nnabo,2026-11-20T10:00,,Nørrebro\n",
    }[command]
    path = write(tmp_path, "file.csv", text, encoding="cp1252")
    lines = refused(runner, db, command, "import", path)
    assert lines[0] == f"line 2: {LATIN1}"


@pytest.mark.parametrize("command", ["districts", "centres", "visits"])
def test_binary_files_are_refused(runner, db, tmp_path, command):
    data = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb8\x9d\xc0\x1f\n\x00"
    lines = refused(runner, db, command, "import", write(tmp_path, "x.csv", data))
    assert lines[0] == "line 1: binary data (NUL bytes): not a text file"


@pytest.mark.parametrize("command", ["districts", "centres", "visits"])
def test_a_line_without_end_is_refused(runner, db, tmp_path, command):
    data = "x" * (200 * 1024)
    lines = refused(runner, db, command, "import", write(tmp_path, "x.csv", data))
    assert lines[0] == "line 1: a line is longer than 65536 bytes"


def test_the_three_importers_read_bom_and_semicolons_alike(runner, db, tmp_path):
    bom = "\ufeff"
    districts = write(tmp_path, "d.csv", bom + HEADER.replace(",", ";") + "1;A;K;3\n")
    assert runner.invoke(args=["districts", "import", str(districts)]).exit_code == 0
    centres = write(
        tmp_path,
        "c.csv",
        bom + CENTRE_HEADER.replace(",", ";") + "c;C;1;;;;1;1;frivillig\n",
    )
    result = runner.invoke(args=["centres", "import", str(centres)])
    assert result.exit_code == 0, result.output
    visits = write(
        tmp_path,
        "v.csv",
        bom + "centre;visited_at;card;home_district\r\nc;2026-11-20T10:00;;1\r\n",
    )
    result = runner.invoke(args=["visits", "import", str(visits)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Visit.home_district_id)) == db.session.scalar(
        select(District.id)
    )


# --- Names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "char"),
    [("A\x1bB", "U+001B"), ("Evil\u202egnp", "U+202E"), ("\x7f", "U+007F")],
)
def test_control_characters_in_names_are_refused(runner, db, tmp_path, name, char):
    path = write(tmp_path, "d.csv", HEADER + f"1,{name},K,1\n")
    lines = refused(runner, db, "districts", "import", path)
    assert lines[0] == f"line 2: name contains a control character ({char})"
    create_district("1")
    db.session.commit()
    path = write(tmp_path, "c.csv", CENTRE_HEADER + f"c,{name},1,,,,1,1,kommunal\n")
    lines = refused(runner, db, "centres", "import", path)
    assert lines[0] == f"line 2: name contains a control character ({char})"


def test_nul_in_a_geojson_name_is_refused(runner, db, tmp_path):
    doc = collection(feature("1", "A\u0000B", square(12.5, 55.6)))
    lines = refused(runner, db, "districts", "import", write(tmp_path, "d.json", doc))
    assert lines[0] == "feature 1: name contains a control character (U+0000)"


# --- Numbers and sizes --------------------------------------------------------------


@pytest.mark.parametrize("value", ["100000000000000000000000", "1e23", "2147483648"])
def test_huge_population_in_csv(runner, db, tmp_path, value):
    path = write(tmp_path, "d.csv", HEADER + f"1,A,K,{value}\n")
    lines = refused(runner, db, "districts", "import", path)
    expected = "is not a whole number >= 0" if "e" in value else "is above 10,000,000"
    assert lines[0].startswith("line 2: target_population: ")
    assert lines[0].endswith(expected)


@pytest.mark.parametrize("value", ["1e23", "100000000000000000000000", "1e400"])
def test_huge_population_in_geojson(runner, db, tmp_path, value):
    text = collection(feature("1", "A", square(12.5, 55.6))).replace(
        '"municipality": "K"', f'"municipality": "K", "target_population": {value}'
    )
    lines = refused(runner, db, "districts", "import", write(tmp_path, "d.json", text))
    assert lines[0].startswith("feature 1 (A): target_population: ")


def test_deeply_nested_geojson(runner, db, tmp_path):
    depth = 200_000
    text = '{"type": "FeatureCollection", "features": [' + "[" * depth + "]" * depth
    text += "]}"
    lines = refused(runner, db, "districts", "import", write(tmp_path, "d.json", text))
    assert lines[0] == "line 1: invalid GeoJSON: nested too deeply"


def test_half_a_million_district_rows_are_refused(runner, db, tmp_path):
    rows = "".join(f"{n},District {n},K,{n}\n" for n in range(500_000))
    lines = refused(
        runner, db, "districts", "import", write(tmp_path, "d.csv", HEADER + rows)
    )
    assert lines == [
        "line 10002: more than 10,000 rows: split the file",
        "Nothing imported: 1 problem(s).",
    ]


def test_the_largest_allowed_file_imports_twice(runner, db, tmp_path, monkeypatch):
    # More codes than one IN (…) may hold (CHUNK) and than SQLite's old limit of
    # 999 variables: created, then all matched by code.
    monkeypatch.setattr(upserts, "CHUNK", 100)
    rows = "".join(f"{n},District {n},K,{n}\n" for n in range(1_500))
    path = write(tmp_path, "d.csv", HEADER + rows)
    for created, updated in ((1500, 0), (0, 1500)):
        result = runner.invoke(args=["districts", "import", str(path)])
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-1] == f"{created} created, {updated} updated"
        assert " and 1,470 more" in result.stdout
    assert count(db, District) == 1500


def test_file_size_limit(runner, db, tmp_path, monkeypatch):
    monkeypatch.setattr(importers, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr("vaerested.commands.districts.MAX_FILE_BYTES", 100)
    path = write(tmp_path, "d.csv", HEADER + "1,A,K,1\n" * 20)
    assert refused(runner, db, "districts", "import", path)[0] == (
        "line 1: the file is larger than 0 MB"
    )


# --- Geometry -----------------------------------------------------------------------


def test_self_intersecting_polygon_is_repaired_and_said(runner, db, tmp_path):
    bowtie = [[[12.50, 55.60], [12.52, 55.62], [12.52, 55.60], [12.50, 55.62]]]
    bowtie[0].append(bowtie[0][0])
    path = write(tmp_path, "d.json", collection(feature("1", "Sløjfe", bowtie)))

    result = runner.invoke(args=["districts", "import", str(path)])

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "feature 1 (Sløjfe): invalid boundary repaired "
        "(Self-intersection[12.51 55.61]) with shapely make_valid"
    )
    stored = shape(json.loads(db.session.scalar(select(District.boundary_geojson))))
    assert stored.is_valid and stored.geom_type == "MultiPolygon"
    assert len(stored.geoms) == 2
    assert stored.area == pytest.approx(2 * (0.02 * 0.01 / 2))  # two triangles


def test_a_polygon_without_area_is_refused(runner, db, tmp_path):
    line = [[[12.50, 55.60], [12.51, 55.61], [12.52, 55.62], [12.50, 55.60]]]
    path = write(tmp_path, "d.json", collection(feature("1", "Streg", line)))
    lines = refused(runner, db, "districts", "import", path)
    assert lines[0] == (
        "feature 1 (Streg): invalid polygon that cannot be repaired: "
        "Self-intersection[12.51 55.61]"
    )


def circle(n: int, radius=0.01, lon=12.55, lat=55.68, zigzag=0.0) -> list:
    """A ring of ``n`` positions; ``zigzag`` alternates the radius (a saw edge)."""
    ring = [
        [
            lon + (radius + zigzag * (i % 2)) * math.cos(2 * math.pi * i / n),
            lat + (radius + zigzag * (i % 2)) * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    return [ring + [ring[0]]]


def test_heavy_polygon_is_simplified_and_said(runner, db, tmp_path):
    # A saw edge 0.00002° (2 m) deep survives the base tolerance (1 m), so
    # simplification must double its tolerance to get under the vertex limit.
    ring = circle(30_000, zigzag=0.00002)
    path = write(tmp_path, "d.json", collection(feature("1", "Rund", ring)))

    result = runner.invoke(args=["districts", "import", str(path)])

    assert result.exit_code == 0, result.output
    note = result.stdout.splitlines()[0]
    assert note.startswith("feature 1 (Rund): boundary simplified from 30,001 to ")
    stored = json.loads(db.session.scalar(select(District.boundary_geojson)))
    vertices = len(stored["coordinates"][0])
    assert vertices <= geo.MAX_STORED_VERTICES
    assert f" to {vertices:,} vertices " in note
    tolerance = float(note.split("(tolerance ")[1].split("°")[0])
    assert tolerance in (geo.TOLERANCE * 2, geo.TOLERANCE * 4)
    assert shape(stored).area == pytest.approx(math.pi * 0.01**2, rel=0.01)


def test_a_million_and_a_half_vertices_are_simplified():
    coordinates = circle(1_500_000, radius=0.02)
    boundary = geo.prepare_boundary({"type": "Polygon", "coordinates": coordinates})
    stored = shape(boundary.geometry)
    assert shapely.get_num_coordinates(stored) <= geo.MAX_STORED_VERTICES
    assert stored.area == pytest.approx(math.pi * 0.02**2, rel=0.001)
    assert boundary.notes[0].startswith("boundary simplified from 1,500,001 to ")
    assert len(json.dumps(boundary.geometry)) < 100_000


def test_more_positions_than_the_limit_are_refused(runner, db, tmp_path, monkeypatch):
    monkeypatch.setattr(geo, "MAX_INPUT_VERTICES", 1_000)
    path = write(tmp_path, "d.json", collection(feature("1", "Rund", circle(1_500))))
    assert refused(runner, db, "districts", "import", path)[0] == (
        "line 1: 1,501 positions; the limit is 1,000 (simplify the file first)"
    )


# --- Visits ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0001-01-01T00:00:00", "visited_at is out of range"),
        ("9999-12-31T23:59:59-12:00", "visited_at is out of range"),
        ("1999-12-31T12:00:00+00:00", "visited_at is before 2000"),
        ("9999-12-31T10:00:00", "visited_at is in the future"),
    ],
)
def test_visit_times_out_of_range(runner, db, tmp_path, text, reason):
    create_centre(slug="nabo")
    db.session.commit()
    path = write(tmp_path, "v.csv", f"centre,visited_at\nnabo,{text}\n")
    lines = refused(runner, db, "visits", "import", path)
    assert lines == [f"line 2: {reason}", "Nothing was imported."]


def test_visit_errors_after_a_written_batch_leave_nothing(
    runner, db, tmp_path, monkeypatch
):
    monkeypatch.setattr(visit_imports, "BATCH", 2)
    create_centre(slug="nabo")
    db.session.commit()
    rows = "".join(f"nabo,2026-11-{d:02d}T10:00,,\n" for d in range(1, 8))
    path = write(tmp_path, "v.csv", "centre,visited_at,card,home_district\n" + rows)
    path.write_bytes(path.read_bytes() + b"nabo,2026-11-20T10:00,,\xf8\n")
    lines = refused(runner, db, "visits", "import", path)
    assert lines == [f"line 9: {LATIN1}", "Nothing was imported."]
