"""``gridmap stats`` and ``gridmap jurisdiction list|create|update|delete``."""

import json
from pathlib import Path
from typing import Annotated

import typer

from gis.cli.options import Actor, JsonOpt, Slug, err, layer_title, listed, said, say
from gis.cli.session import session
from gis.i18n import msg

jurisdiction_app = typer.Typer(help="Jurisdictions (社区).", no_args_is_help=True)


def stats(jurisdiction: Slug, as_json: JsonOpt = False) -> None:
    """Area, households, residents and feature counts of a jurisdiction."""
    from gis.stats import jurisdiction_stats

    with session() as cur:
        s = jurisdiction_stats(cur, jurisdiction)
    if as_json:
        typer.echo(json.dumps(s, ensure_ascii=False))
        return
    say(msg("{0} ({1}): {2} km², {3} households, {4} residents", s["name"], s["jurisdiction"], s["area_km2"],
            s["households"], s["residents"]))
    typer.echo("  " + listed(f"{n} {layer_title(k)}" for k, n in s["counts"].items()))


@jurisdiction_app.command("list")
def jurisdiction_list(as_json: JsonOpt = False) -> None:
    """List the jurisdictions."""
    from gis.jurisdiction_records import list_jurisdictions

    with session() as cur:
        rows = list_jurisdictions(cur)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['slug']}\t{r['name']}\t{r['admin_code'] or ''}")


Boundary = Annotated[Path | None, typer.Option(help="A file holding the boundary polygon (Shapefile, "
                                                   "GeoPackage, GeoJSON, DXF), in the CRS it declares.")]
Crs = Annotated[str | None, typer.Option(help="The boundary file's CRS, when it declares none.")]
Office = Annotated[str | None, typer.Option(help="The community office as LON,LAT: where routes start.")]
Patrol = Annotated[str | None, typer.Option(
    help="How its daily walkers share the streets: shared (the whole jurisdiction, routes rotating day by day) or "
         "by_grid (each walks their own grid).")]
AdminCode = Annotated[str | None, typer.Option(help="The 12-digit community code (统计用区划代码) that "
                                                    "grid codes begin with.")]


def _boundary(path: Path, crs: str | None):
    """The one polygon of a boundary file, in WGS84."""
    import shapely

    from gis.crs import parse_crs
    from gis.importing import boundary_of

    declared = parse_crs(crs) if crs else None
    return shapely.union_all(boundary_of(path, declared))


@jurisdiction_app.command("create")
def jurisdiction_create(slug: str,
                        name: Annotated[str, typer.Option(help="Its name (华贸中心社区).")],
                        boundary: Boundary = None, crs: Crs = None, admin_code: AdminCode = None,
                        office: Office = None, patrol: Patrol = None, actor: Actor = None,
                        as_json: JsonOpt = False) -> None:
    """Create a jurisdiction from its boundary; import its buildings and streets next."""
    from gis.errors import InvalidInput
    from gis.jurisdictions import create_jurisdiction
    from gis.parsing import parse_lonlat

    if boundary is None:
        raise InvalidInput(msg("give the boundary: --boundary FILE"))
    area = _boundary(boundary, crs)
    with session(actor) as cur:
        j = create_jurisdiction(cur, slug, name, area, admin_code=admin_code, patrol=patrol or "shared",
                                office=parse_lonlat(office) if office else None)
        _shared_with_others(cur, j.id)
    _print(j, as_json)


@jurisdiction_app.command("update")
def jurisdiction_update(slug: str,
                        name: Annotated[str | None, typer.Option(help="A new name.")] = None,
                        boundary: Boundary = None, crs: Crs = None, admin_code: AdminCode = None,
                        office: Office = None, patrol: Patrol = None, actor: Actor = None,
                        as_json: JsonOpt = False) -> None:
    """Change a jurisdiction's name, code, office, boundary or how its walkers patrol (recorded in
    the history)."""
    from gis.jurisdictions import update_jurisdiction
    from gis.parsing import parse_lonlat

    area = _boundary(boundary, crs) if boundary is not None else None
    with session(actor) as cur:
        j = update_jurisdiction(cur, slug, name=name, admin_code=admin_code, boundary=area, patrol=patrol,
                                office=parse_lonlat(office) if office else None)
        if office:
            _office_off_the_streets(cur, j.id, parse_lonlat(office))
        if admin_code or area is not None:
            _shared_with_others(cur, j.id)
    _print(j, as_json)


def _shared_with_others(cur, jurisdiction_id: int) -> None:
    """Say so when another jurisdiction has the same community code (their grid codes would be the
    same: 110105015001001 in both) or the same ground (its buildings and cases would count in
    both, for the street office above them). Said, not refused: boundaries are redrawn in steps."""
    from gis.db import read_sql

    cur.execute(read_sql("jurisdictions_sharing.sql"), {"jurisdiction_id": jurisdiction_id})
    for slug, name, same_code, overlap_m2 in cur.fetchall():
        if same_code:
            err(msg("note: {0} ({1}) has the same community code: the grid codes of the two would be the same",
                    slug, name))
        if overlap_m2 > 1:
            err(msg("note: the boundary overlaps {0} ({1}) by {2:.0f} m²: what lies there would count in both",
                    slug, name, overlap_m2))


def _office_off_the_streets(cur, jurisdiction_id: int, office: tuple[float, float]) -> None:
    """Say so when the office is farther from every street than a route's start may be (it was
    taken without a word, and every route then failed: "the start … is more than 100 m from any
    street"). Said, not refused: the streets may not be imported yet, or come next."""
    from gis.db import read_sql
    from gis.settings import Settings

    settings = Settings()
    lon, lat = office
    cur.execute(read_sql("nearest_street_m.sql"), {"lon": lon, "lat": lat, "jurisdiction_id": jurisdiction_id})
    nearest = cur.fetchone()[0]
    if nearest is not None and nearest > settings.snap_max_m:
        err(msg("note: the office is {0:.0f} m from the nearest street, more than a route's start may be "
                "({1:g} m, GRIDMAP_SNAP_MAX_M): routes from it will be refused until it is moved nearer "
                "a street", nearest, settings.snap_max_m))


def _print(j, as_json: bool) -> None:
    out = {"slug": j.slug, "name": j.name, "admin_code": j.admin_code, "patrol": j.patrol}
    typer.echo(json.dumps(out, ensure_ascii=False) if as_json
               else f"{j.slug}\t{j.name}\t{j.admin_code or ''}\t{j.patrol}")


@jurisdiction_app.command("delete")
def jurisdiction_delete(slug: str, actor: Actor = None,
                        yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False) -> None:
    """Delete a jurisdiction and everything in it."""
    from gis.jurisdictions import delete_jurisdiction

    if not yes and not typer.confirm(said(msg("delete {0} and all its features?", slug))):
        raise typer.Exit(1)
    with session(actor) as cur:
        delete_jurisdiction(cur, slug)
    say(msg("{0}: deleted", slug))
