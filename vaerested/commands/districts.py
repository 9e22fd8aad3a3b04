"""``flask districts …``: import and list districts, draw schematic boundaries."""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from vaerested.centres.district_import import DistrictOptions, parse_districts
from vaerested.centres.importers import (
    MAX_FILE_BYTES,
    Parsed,
    Problem,
    Written,
)
from vaerested.centres.upserts import upsert_districts
from vaerested.extensions import db
from vaerested.models import Centre, District
from vaerested.services.boundaries import assign_schematic

cli = AppGroup("districts", help="Manage districts.")

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


#: Keys listed by name in an import's summary; more are counted.
LISTED = 30


def _listing(keys: list[str]) -> str:
    shown = ", ".join(keys[:LISTED])
    return shown + (f" and {len(keys) - LISTED:,} more" if len(keys) > LISTED else "")


def read_file(file: Path) -> bytes | Parsed:
    """Return the file's bytes, or a refusal if it is above the size limit."""
    if file.stat().st_size > MAX_FILE_BYTES:
        reason = f"the file is larger than {MAX_FILE_BYTES >> 20} MB"
        return Parsed(problems=[Problem(1, reason)])
    return file.read_bytes()


def run_import(parsed: Parsed, write, kind: str = "district", key: str = "code"):
    """Report every problem and exit 2, or write all rows and commit once."""
    if parsed.problems:
        for problem in sorted(parsed.problems, key=lambda p: p.line):
            click.echo(str(problem), err=True)
        count = len(parsed.problems)
        click.echo(f"Nothing imported: {count} problem(s).", err=True)
        raise click.exceptions.Exit(2)
    try:
        written: Written = write(db.session, parsed.rows)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for note in parsed.notes:
        click.echo(note)
    if written.created:
        click.echo(f"Created {kind}(s): {_listing(written.created)}")
    if written.matched:
        click.echo(f"Matched by {key}, updated: {_listing(written.matched)}")
    click.echo(f"{len(written.created)} created, {len(written.matched)} updated")


@cli.command("import")
@click.argument("file", type=FILE)
@click.option("--code-field", help="Property (column) holding the district code.")
@click.option("--name-field", help="Property (column) holding the district name.")
@click.option("--municipality", metavar="NAME", help="Every district's municipality.")
@click.option("--crs", help="The coordinates' CRS, e.g. EPSG:25832 (GeoJSON).")
def import_districts(file: Path, code_field, name_field, municipality, crs) -> None:
    """Import districts from CSV or GeoJSON, all or nothing (upsert by code)."""
    options = DistrictOptions(code_field, name_field, municipality, crs)
    data = read_file(file)
    if isinstance(data, Parsed):
        run_import(data, upsert_districts)
    run_import(parse_districts(file.name, data, options), upsert_districts)


@cli.command("list")
def list_districts() -> None:
    """List districts with their target population and number of centres."""
    rows = db.session.execute(
        select(District, func.count(Centre.id)).outerjoin(Centre).group_by(District.id)
    ).all()
    rows.sort(key=lambda r: (r[0].municipality, len(r[0].code), r[0].code))
    for district, centres in rows:
        population = district.target_population
        click.echo(
            f"{district.code}\t{district.name}\t{district.municipality}\t"
            f"target {population if population is not None else '-'}\t"
            f"centres {centres}"
            + (f"\tarea {district.area_km2:g} km²" if district.area_km2 else "")
        )


@cli.command("schematic-boundaries")
def schematic_boundaries() -> None:
    """(Re)generate schematic boundaries from the districts' reference points.

    Districts without a boundary, or with a schematic one, get the Voronoi cell
    of their reference point; a surveyed (imported) boundary is never touched.
    """
    districts = db.session.scalars(select(District)).all()
    try:
        changed = assign_schematic(districts, regenerate=True)
    except ValueError as error:
        db.session.rollback()
        click.echo(f"Nothing written: {error}.", err=True)
        raise click.exceptions.Exit(2) from error
    db.session.commit()
    surveyed = sorted(
        d.code for d in districts if d.boundary_geojson and not d.is_boundary_schematic
    )
    unplaced = sorted(
        d.code for d in districts if d.ref_lat is None or d.ref_lon is None
    )
    for count, one, many, codes in [
        (len(changed), "schematic boundary written", "schematic boundaries written", changed),
        (len(surveyed), "surveyed boundary kept", "surveyed boundaries kept", surveyed),
        (len(unplaced), "district without a reference point",
         "districts without a reference point", unplaced),
    ]:  # fmt: skip
        if count or codes is changed:
            label = one if count == 1 else many
            click.echo(f"{count} {label}" + (f": {', '.join(codes)}" if codes else ""))
