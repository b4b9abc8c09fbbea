"""The ``gridmap`` command line: database, datasets, imports, exports, stats and the server."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from gis import datasets, db
from gis.coverage.commands import coverage_app
from gis.crs import parse_crs
from gis.errors import GridmapError, InvalidInput
from gis.grids.commands import grids_app
from gis.messages import negotiate, translate
from gis.patrol.commands import patrol_app, worker_app
from gis.settings import Settings
from gis.user_commands import users_app

app = typer.Typer(help="gridmap: community grid management (网格化管理) on PostGIS.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
import_app = typer.Typer(help="Import data.", no_args_is_help=True)
jur_app = typer.Typer(help="Jurisdictions (社区).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(import_app, name="import")
app.add_typer(jur_app, name="jurisdiction")
app.add_typer(patrol_app, name="patrol")
app.add_typer(worker_app, name="worker")
app.add_typer(coverage_app, name="coverage")
app.add_typer(grids_app, name="grids")
app.add_typer(users_app, name="users")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Actor = Annotated[str | None, typer.Option(help="Who is writing (recorded in the history).")]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _connect(settings: Settings) -> db.Connection:
    return db.connect(settings.database_url)


def _report(report, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"jurisdiction": report.jurisdiction, "counts": report.counts,
                               "notes": report.notes}, ensure_ascii=False))
        return
    for layer, n in report.counts.items():
        typer.echo(f"{report.jurisdiction}: {n} {layer}")
    for note in report.notes:
        typer.echo(f"note: {note}")


@db_app.command("migrate")
def migrate() -> None:
    """Apply the schema migrations not applied yet."""
    with db.transaction(_connect(Settings())) as cur:
        applied = db.migrate(cur)
    typer.echo("applied: " + ", ".join(applied) if applied else "schema is up to date")


@app.command("load")
def load(name: Annotated[str, typer.Argument(help="Dataset: " + ", ".join(datasets.available()))],
         replace: Annotated[bool, typer.Option(help="Replace it when loaded already.")] = False,
         actor: Actor = None) -> None:
    """Load an embedded dataset from data/ (skipped when it is loaded already)."""
    with db.transaction(_connect(Settings()), actor) as cur:
        report = datasets.load(cur, name, replace=replace, progress=_err)
    if report is None:
        typer.echo(f"{name}: loaded already")
    else:
        _report(report, False)


@import_app.command("osm")
def import_osm(
    file: Annotated[Path, typer.Argument(help="An OSM .pbf extract.")],
    jurisdiction: Annotated[str, typer.Option(help="Slug of the new jurisdiction.")],
    name: Annotated[str, typer.Option(help="Its name.")],
    boundary: Annotated[Path | None, typer.Option(help="A file holding the boundary polygon.")] = None,
    bbox: Annotated[str | None, typer.Option(help="Or a box: W,S,E,N in degrees.")] = None,
    admin_code: Annotated[str | None, typer.Option(help="12-digit community code.")] = None,
    actor: Actor = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a jurisdiction from an OSM extract: streets, buildings, candidate sites."""
    from gis.importing import read_source
    from gis.osm import import_osm as run
    from gis.osm import parse_bbox

    if (boundary is None) == (bbox is None):
        raise InvalidInput("give exactly one of --boundary FILE or --bbox W,S,E,N")
    if bbox is not None:
        area = parse_bbox(bbox)
    else:
        import shapely
        from shapely.geometry import shape

        assert boundary is not None  # exactly one of the two, checked above
        src = read_source(boundary)
        geoms = [g if hasattr(g, "geom_type") else shape(g) for g in src.geometries if g]
        if not geoms:
            raise InvalidInput(f"{boundary} holds no boundary geometry")
        area = shapely.union_all(geoms)
    settings = Settings()
    with db.transaction(_connect(settings), actor) as cur:
        report = run(cur, file, jurisdiction, name, area, settings, admin_code=admin_code, progress=_err)
    _report(report, as_json)


@import_app.command("file")
def import_file(
    path: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, zipped Shapefile, or a "
                                              "package folder.")],
    jurisdiction: Annotated[str, typer.Option(help="Slug of the jurisdiction.")],
    layer: Annotated[str | None, typer.Option(help="Target layer; leave out to import a whole "
                                                   "package (a new jurisdiction).")] = None,
    source_layer: Annotated[str | None, typer.Option(help="Layer to read inside the file.")] = None,
    crs: Annotated[str | None, typer.Option(help="Declare the data's CRS to transform it to "
                                                 "WGS84 (EPSG:3857, gcj02, ...).")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="Rename a column: SRC=DST.")] = None,
    actor: Actor = None,
    as_json: JsonOpt = False,
) -> None:
    """Import one layer into a jurisdiction, or a whole package as a new jurisdiction."""
    from gis.importing import import_layer, import_package

    conn = _connect(Settings())
    if layer is None:
        if crs or map_ or source_layer:
            raise InvalidInput("--crs, --map and --source-layer go with --layer")
        with db.transaction(conn, actor) as cur:
            report = import_package(cur, path, jurisdiction, progress=_err)
    else:
        mapping = {}
        for item in map_ or []:
            src, sep, dst = item.partition("=")
            if not sep or not src or not dst:
                raise InvalidInput(f"--map takes SRC=DST, got {item!r}")
            mapping[src] = dst
        try:
            declared = parse_crs(crs) if crs else None
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
        with db.transaction(conn, actor) as cur:
            report = import_layer(cur, path, jurisdiction, layer, declared_crs=declared,
                                  mapping=mapping, file_layer=source_layer, progress=_err)
    _report(report, as_json)


@app.command("export")
def export(
    jurisdiction: Annotated[str, typer.Argument(help="Slug of the jurisdiction.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="FILE.gpkg, or a folder for "
                                                                 "GeoJSON.")],
    fmt: Annotated[str | None, typer.Option("--format", help="gpkg or geojson (default: from "
                                                             "the output's suffix).")] = None,
) -> None:
    """Export every layer of a jurisdiction (one layer per table)."""
    from gis.exporting import export_geojson, export_gpkg

    fmt = fmt or ("gpkg" if output.suffix.lower() == ".gpkg" else "geojson")
    if fmt not in ("gpkg", "geojson"):
        raise InvalidInput(f"--format must be gpkg or geojson, got {fmt!r}")
    with db.transaction(_connect(Settings()), snapshot=True) as cur:
        counts = (export_gpkg if fmt == "gpkg" else export_geojson)(cur, jurisdiction, output)
    typer.echo(f"{output}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@app.command("stats")
def stats(jurisdiction: Annotated[str, typer.Argument(help="Slug of the jurisdiction.")],
          as_json: JsonOpt = False) -> None:
    """Area, households, residents and feature counts of a jurisdiction."""
    from gis.stats import jurisdiction_stats

    with db.transaction(_connect(Settings())) as cur:
        s = jurisdiction_stats(cur, jurisdiction)
    if as_json:
        typer.echo(json.dumps(s, ensure_ascii=False))
        return
    typer.echo(f"{s['name']} ({s['jurisdiction']}): {s['area_km2']} km², "
               f"{s['households']} households, {s['residents']} residents")
    typer.echo("  " + ", ".join(f"{n} {k}" for k, n in s["counts"].items()))


@jur_app.command("list")
def jurisdiction_list(as_json: JsonOpt = False) -> None:
    """List the jurisdictions."""
    from gis.jurisdictions import list_jurisdictions

    with db.transaction(_connect(Settings())) as cur:
        rows = list_jurisdictions(cur)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(f"{r['slug']}\t{r['name']}\t{r['admin_code'] or ''}")


@jur_app.command("delete")
def jurisdiction_delete(slug: str, actor: Actor = None,
                        yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False) -> None:
    """Delete a jurisdiction and everything in it."""
    from gis.jurisdictions import delete_jurisdiction

    if not yes and not typer.confirm(f"delete {slug} and all its features?"):
        raise typer.Exit(1)
    with db.transaction(_connect(Settings()), actor) as cur:
        delete_jurisdiction(cur, slug)
    typer.echo(f"{slug}: deleted")


@app.command("serve")
def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the API and the map."""
    import uvicorn

    from api.main import create_app

    settings = Settings()
    if not settings.print_base_url:  # the print browser opens the pages here, on this machine
        local = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        settings = settings.model_copy(update={"print_base_url": f"http://{local}:{port}"})
    uvicorn.run(create_app(settings), host=host, port=port)


def main() -> None:
    """Entry point: run the CLI, printing domain errors as one clear message (exit 2)."""
    try:
        app()
    except GridmapError as exc:
        lang = negotiate(Settings().lang, None)
        _err(f"{translate('error', lang)}: {translate(exc.message, lang)}")
        for p in exc.problems:
            _err(f"  - {translate(p, lang)}")
        sys.exit(2)


if __name__ == "__main__":
    main()
