"""``flask centres …``: import and list centres."""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from vaerested.centres.importers import Parsed, Problem, parse_centres
from vaerested.centres.upserts import upsert_centres
from vaerested.commands.districts import FILE, read_file, run_import
from vaerested.extensions import db
from vaerested.models import Centre, District

cli = AppGroup("centres", help="Manage centres.")


@cli.command("import")
@click.argument("file", type=FILE)
def import_centres(file: Path) -> None:
    """Import centres from CSV, all or nothing (upsert by slug)."""
    if file.suffix.lower() != ".csv":
        problem = Problem(1, f"unsupported file type {file.name!r}: use .csv")
        run_import(Parsed(problems=[problem]), upsert_centres)
    data = read_file(file)
    if isinstance(data, Parsed):
        run_import(data, upsert_centres)
    codes = set(db.session.scalars(select(District.code)))
    run_import(parse_centres(data, codes), upsert_centres, "centre", "slug")


@cli.command("list")
def list_centres() -> None:
    """List centres with district, offer profile and operator."""
    centres = db.session.scalars(select(Centre).join(District).order_by(Centre.slug))
    for centre in centres:
        categories = "+".join(map(str, centre.categories)) or "-"
        click.echo(
            f"{centre.slug}\t{centre.name}\t{centre.district.code}\t"
            f"categories {categories}\t"
            f"phases {centre.life_phase_min}-{centre.life_phase_max}\t"
            f"{centre.operator_type.value}" + ("" if centre.is_active else "\tinactive")
        )
