"""Data in and out: ``gridmap load``, ``gridmap import osm|file`` and ``gridmap export``."""

import json
from pathlib import Path
from typing import Annotated

import typer

from gis import datasets
from gis.cli.options import Actor, JsonOpt, Slug, err, layer_title, listed, parse_mapping, said, say
from gis.cli.session import session
from gis.errors import InvalidInput
from gis.i18n import msg

# What names a file, not the folder a jurisdiction is exported into as GeoJSON (a folder may be
# called out.v2 or 2024.05).
FILE_SUFFIXES = frozenset({".shp", ".zip", ".json", ".geojson", ".kml", ".kmz", ".csv", ".xlsx", ".gpx", ".dxf",
                           ".dwg", ".tab", ".mif", ".gdb", ".fgb", ".parquet", ".sqlite", ".db"})

import_app = typer.Typer(help="Import data.", no_args_is_help=True)


def _report(report, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"jurisdiction": report.jurisdiction, "counts": report.counts,
                               "notes": report.notes}, ensure_ascii=False))
        return
    for layer, n in report.counts.items():  # printed once the transaction has committed
        say(msg("{0}: {1} {2} written", report.jurisdiction, n, layer))
    for note in report.notes:
        say(msg("note: {0}", note))


def load(name: Annotated[str, typer.Argument(help="Dataset: " + ", ".join(datasets.available()))],
         replace: Annotated[bool, typer.Option(help="Replace it when loaded already.")] = False,
         actor: Actor = None) -> None:
    """Load an embedded dataset from data/ (skipped when it is loaded already)."""
    with session(actor) as cur:
        report = datasets.load(cur, name, replace=replace, progress=err)
    if report is None:
        say(msg("{0}: loaded already", name))
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
    from gis.settings import Settings

    if (boundary is None) == (bbox is None):
        raise InvalidInput(msg("give exactly one of --boundary FILE or --bbox W,S,E,N"))
    if bbox is not None:
        area = parse_bbox(bbox)
    else:
        import shapely
        from shapely.geometry import shape

        assert boundary is not None  # exactly one of the two, checked above
        src = read_source(boundary)
        geoms = [g if hasattr(g, "geom_type") else shape(g) for g in src.geometries if g]
        if not geoms:
            raise InvalidInput(msg("{0} holds no boundary geometry", boundary))
        area = shapely.union_all(geoms)
    settings = Settings()
    with session(actor, settings=settings) as cur:
        report = run(cur, file, jurisdiction, name, area, settings, admin_code=admin_code, progress=err)
    _report(report, as_json)


@import_app.command("file")
def import_file(
    path: Annotated[Path, typer.Argument(help="GeoJSON, GeoPackage, Shapefile (zipped or not), DXF, "
                                              "or a package folder.")],
    jurisdiction: Annotated[str, typer.Option(help="Slug of the jurisdiction.")],
    layer: Annotated[str | None, typer.Option(help="Target layer; leave out to import a whole "
                                                   "package (a new jurisdiction).")] = None,
    source_layer: Annotated[str | None, typer.Option(help="Layer to read inside the file.")] = None,
    crs: Annotated[str | None, typer.Option(help="The data's CRS when they declare none or declare it "
                                                 "wrongly (EPSG:4527, EPSG:3857, gcj02, ...); data that "
                                                 "declare theirs are transformed from it.")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="Rename a column: SRC=DST.")] = None,
    encoding: Annotated[str | None, typer.Option(help="The attribute table's encoding (GBK, GB18030, "
                                                      "UTF-8) when it is not recognised.")] = None,
    cad_layer: Annotated[list[str] | None, typer.Option("--cad-layer", help="A DXF layer (图层) to take "
                                                        "outlines or lines from (default: all).")] = None,
    clip: Annotated[bool, typer.Option(help="Cut features at the jurisdiction's boundary and leave "
                                            "out those wholly outside (a building: mostly outside), instead of "
                                            "refusing them.")] = False,
    replace: Annotated[bool, typer.Option(help="Delete the layer's features in the jurisdiction first (a file "
                                               "imported wrongly); refused when check-ins, cases, post stations "
                                               "or walks refer to them, and for grids (publish a layout). All or "
                                               "nothing: a refused import deletes nothing.")] = False,
    actor: Actor = None,
    as_json: JsonOpt = False,
) -> None:
    """Import one layer into a jurisdiction, or a whole package as a new jurisdiction."""
    from gis.crs import parse_crs
    from gis.importing import import_layer, import_package

    declared = parse_crs(crs) if crs else None
    if layer is None:
        if map_ or source_layer or cad_layer or clip or replace:
            raise InvalidInput(msg("--map, --source-layer, --cad-layer, --clip and --replace go with --layer"))
        with session(actor) as cur:
            report = import_package(cur, path, jurisdiction, declared_crs=declared, encoding=encoding,
                                    progress=err)
    else:
        mapping = parse_mapping(map_)
        with session(actor) as cur:
            report = import_layer(cur, path, jurisdiction, layer, declared_crs=declared,
                                  mapping=mapping, file_layer=source_layer, encoding=encoding,
                                  cad_layers=cad_layer or (), clip=clip, replace=replace, progress=err)
    _report(report, as_json)


@import_app.command("ledger")
def import_ledger(
    jurisdiction: Slug,
    path: Annotated[Path, typer.Argument(help="The household ledger (台账): .xlsx, .ods or .csv.")],
    key: Annotated[str, typer.Option(help="The column naming the building (楼栋名称, 门牌, 3号楼 …).")],
    households: Annotated[str | None, typer.Option(help="The column of households (户数).")] = None,
    residents: Annotated[str | None, typer.Option(help="The column of residents (人数).")] = None,
    sheet: Annotated[str | None, typer.Option(help="The sheet to read (default: the first).")] = None,
    actor: Actor = None,
    as_json: JsonOpt = False,
) -> None:
    """Counted households and residents from a ledger, matched to buildings by name, address or
    number; they replace estimates. Rows naming no building are reported, and so are the named
    buildings the ledger leaves out."""
    from gis.ledger import read_table, rows_of
    from gis.ledger_store import apply_ledger

    problems: list = []  # a row's bad count, listed with what matching the rows finds
    rows = rows_of(read_table(path, sheet), key, households, residents, problems)
    with session(actor) as cur:
        result = apply_ledger(cur, jurisdiction, rows, problems)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    say(msg("{0}: {1} buildings updated from {2}", jurisdiction, result["updated"], path.name))
    if result["unmatched"]:
        unmatched = [said(msg("row {0} {1}", r["row"], r["key"])) for r in result["unmatched"]]
        say(msg("rows naming no building: {0}", listed(unmatched)))
    if result["missing"]:
        say(msg("{0} named buildings are not in the ledger: {1}", len(result["missing"]),
                listed((b["name"] for b in result["missing"]), limit=20)))


def export(
    jurisdiction: Slug,
    output: Annotated[Path, typer.Option("-o", "--output", help="FILE.gpkg, or a folder for "
                                                                 "GeoJSON.")],
    fmt: Annotated[str | None, typer.Option("--format", help="gpkg or geojson (default: from "
                                                             "the output's suffix).")] = None,
) -> None:
    """Export every layer of a jurisdiction (one layer per table)."""
    from gis.exporting import export_geojson, export_gpkg

    suffix = output.suffix.lower()
    fmt = fmt or ("gpkg" if suffix == ".gpkg" else "geojson")
    if fmt not in ("gpkg", "geojson"):
        raise InvalidInput(msg("--format must be gpkg or geojson, got {0!r}", fmt))
    if fmt == "geojson" and suffix in FILE_SUFFIXES and not output.is_dir():  # x.shp became a folder of GeoJSON
        raise InvalidInput(msg("{0}: a jurisdiction is exported as a GeoPackage (FILE.gpkg) or as GeoJSON into a "
                               "folder (a name without a suffix); {1} is neither", output.name, suffix))
    if not output.absolute().parent.is_dir():
        raise InvalidInput(msg("{0} does not exist: make the folder first, or export elsewhere",
                               output.absolute().parent))
    with session(snapshot=True) as cur:
        counts = (export_gpkg if fmt == "gpkg" else export_geojson)(cur, jurisdiction, output)
    say(msg("{0}: exported {1}", output, listed(f"{n} {layer_title(k)}" for k, n in counts.items())))
