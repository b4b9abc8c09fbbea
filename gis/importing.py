"""Importing files: one layer into a jurisdiction, or a whole jurisdiction from a package.

Every import checks all its input first and writes in one transaction: it lands whole or not at
all. Before it commits, it ANALYZEs the tables it wrote (:func:`analyze_written`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from psycopg2 import sql
from psycopg2.extensions import cursor as Cursor
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from gis.crs import source_crs, to_wgs84
from gis.errors import InvalidInput, UnreadableFile
from gis.features import check_rows, crs_of_geojson, features_of
from gis.filesio import GEOJSON_SUFFIXES, file_layers, frame_crs, read_frame, read_geojson
from gis.jurisdictions import create_jurisdiction
from gis.layers import IMPORT_ORDER, Layer, get_layer
from gis.store import find_jurisdiction, insert_rows

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# What the database's triggers write besides the tables an import names: every change is
# recorded in history and bumps layer_version; street edges add their end nodes; grids reassign
# the buildings they cover.
_ALSO_WRITTEN = {"street_edge": ("street_node",), "grid": ("building",)}


def analyze_written(cur: Cursor, layers: Iterable[str], *, jurisdiction: bool = False) -> None:
    """Refresh the planner's statistics of the tables a bulk write has just filled.

    gridmap keeps its own statistics instead of waiting for autovacuum, which may be off (it
    is on bulk-load servers) or may come minutes later: until then the planner takes a freshly
    filled table for the empty one it last saw and picks plans that scan it. ``ANALYZE`` runs
    in the import's transaction, counts the rows that transaction wrote, and is rolled back with
    it.
    """
    tables = {"history", "layer_version"} | ({"jurisdiction"} if jurisdiction else set())
    for name in layers:
        tables |= {name, *_ALSO_WRITTEN.get(name, ())}
    cur.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(sql.Identifier(t) for t in sorted(tables))))


@dataclass
class ImportReport:
    """What an import wrote."""

    jurisdiction: str
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Source:
    """The features of one layer read from a file: properties, geometries, ids in the file."""

    properties: list[dict[str, Any]]
    geometries: list[Any]
    ids: list[Any]
    crs: CRS | None
    columns: list[str]


def read_source(path: Path, layer: str | None = None) -> Source:
    """Read one layer (GeoJSON file, a package folder's ``LAYER.geojson``, or an OGR layer)."""
    if path.is_dir():
        if layer is None:
            raise InvalidInput(f"{path} is a folder: name the layer")
        candidates = [path / f"{layer}{s}" for s in GEOJSON_SUFFIXES]
        found = [p for p in candidates if p.exists()]
        if not found:
            raise UnreadableFile(f"no {layer}.geojson in {path}")
        path = found[0]
    if path.suffix.lower() in GEOJSON_SUFFIXES:
        obj = read_geojson(path)
        feats = features_of(obj)
        props = [dict(f.get("properties") or {}) if isinstance(f, Mapping) else {} for f in feats]
        geoms = [f.get("geometry") if isinstance(f, Mapping) else None for f in feats]
        ids = [f.get("id") if isinstance(f, Mapping) else None for f in feats]
        columns = sorted({k for p in props for k in p})
        return Source(props, geoms, ids, crs_of_geojson(obj), columns)
    frame = read_frame(path, layer)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    records = frame[columns].to_dict("records")
    ids = [r.get("id") for r in records]
    geoms = list(frame.geometry.values)
    return Source(records, geoms, ids, frame_crs(frame), columns)


def _in_wgs84(src: Source, declared: CRS | str | None) -> list[Any]:
    try:
        source = source_crs(src.crs, declared)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if source is None:
        return src.geometries
    shapes = [g if isinstance(g, BaseGeometry) or g is None else shapely.geometry.shape(g)
              for g in src.geometries]
    present = [g for g in shapes if g is not None]
    moved = iter(to_wgs84(present, source))
    return [None if g is None else next(moved) for g in shapes]


def _renamed(src: Source, layer: Layer, mapping: Mapping[str, str]) -> tuple[list[dict], list[str]]:
    unknown_targets = sorted(set(mapping.values()) - set(layer.properties))
    if unknown_targets:
        raise InvalidInput(f"--map names properties layer {layer.name} does not have: "
                           f"{', '.join(unknown_targets)}; it has {', '.join(layer.properties)}")
    missing = sorted(set(mapping) - set(src.columns))
    if missing and src.columns:
        raise InvalidInput(f"--map names columns the file does not have: {', '.join(missing)}")
    props = [{mapping.get(k, k): v for k, v in p.items()} for p in src.properties]
    ignored = sorted(c for c in src.columns if mapping.get(c, c) not in layer.properties
                     and c not in ("id", "jurisdiction"))
    return props, ignored


def import_layer(cur: Cursor, path: Path, slug: str, layer_name: str, *,
                 declared_crs: CRS | str | None = None, mapping: Mapping[str, str] | None = None,
                 file_layer: str | None = None, progress: Progress = _quiet) -> ImportReport:
    """Import one layer of a file into the existing jurisdiction ``slug``, in the caller's
    transaction (so all or nothing).

    Columns named as the layer's properties are taken as they are; ``mapping`` renames others
    (``{"户数": "households"}``); the rest are reported as ignored.
    """
    layer = get_layer(layer_name)
    if not layer.writable:
        raise InvalidInput(f"layer {layer.name} is derived and cannot be imported")
    src = read_source(path, file_layer)
    progress(f"{path.name}: {len(src.geometries)} features read")
    props, ignored = _renamed(src, layer, mapping or {})
    geoms = _in_wgs84(src, declared_crs)
    report = ImportReport(slug)
    if ignored:
        report.notes.append(f"columns ignored (no such property): {', '.join(ignored)}")
    j = find_jurisdiction(cur, slug)
    rows = check_rows(layer, list(zip(props, geoms, strict=True)), j.envelope, j.name)
    if not rows:
        raise InvalidInput(f"{path.name} holds no features")
    insert_rows(cur, layer, j.id, rows)
    analyze_written(cur, [layer.name])
    report.counts[layer.name] = len(rows)
    progress(f"{layer.name}: {len(rows)} written")
    return report


def _jurisdiction_feature(path: Path) -> tuple[dict[str, Any], BaseGeometry]:
    src = read_source(path, "jurisdiction")
    if len(src.geometries) != 1:
        raise InvalidInput(f"the jurisdiction layer of {path.name} must hold exactly one "
                           f"feature, not {len(src.geometries)}")
    geom = _in_wgs84(src, None)[0]
    if geom is None:
        raise InvalidInput("the jurisdiction feature has no geometry")
    if not isinstance(geom, BaseGeometry):
        try:
            geom = shapely.geometry.shape(geom)
        except Exception as exc:
            raise InvalidInput(f"malformed jurisdiction geometry: {exc}") from exc
    return src.properties[0], geom


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN from a file's empty cell
        return None
    return value


def import_package(cur: Cursor, path: Path, slug: str | None = None, *,
                   replace: bool = False, progress: Progress = _quiet) -> ImportReport:
    """Create a whole jurisdiction from a package (GeoPackage or folder of GeoJSON), in the
    caller's transaction (so all or nothing).

    The package holds a ``jurisdiction`` layer (one feature: the boundary, with slug, name,
    admin_code, households, population, office_lon/lat) and any of the feature layers, named as
    the tables. Ids in the package are replaced by new ones; a post station's ``building_id``
    follows its building. ``slug`` overrides the package's own slug. With ``replace``, a
    jurisdiction of that slug is deleted in the same transaction (so a failed import keeps it).
    """
    present = set(file_layers(path))
    if "jurisdiction" not in present:
        raise InvalidInput(f"{path.name} has no 'jurisdiction' layer; layers found: "
                           f"{', '.join(sorted(present)) or 'none'}")
    props, boundary = _jurisdiction_feature(path)
    props = {k: _clean(v) for k, v in props.items()}
    target = slug or props.get("slug") or props.get("jurisdiction")
    if not target:
        raise InvalidInput("no slug: the package's jurisdiction has none and none was given")
    office = None
    if props.get("office_lon") is not None and props.get("office_lat") is not None:
        office = (float(props["office_lon"]), float(props["office_lat"]))
    unknown = sorted(present - set(IMPORT_ORDER) - {"jurisdiction", "street_node"})
    report = ImportReport(target)
    if unknown:
        report.notes.append(f"layers ignored: {', '.join(unknown)}")
    sources = {name: read_source(path, name) for name in IMPORT_ORDER if name in present}
    if replace:
        cur.execute("DELETE FROM jurisdiction WHERE slug = %s", (target,))
    j = create_jurisdiction(
        cur, target, props.get("name") or target, boundary,
        admin_code=props.get("admin_code"),
        households=None if props.get("households") is None else int(props["households"]),
        population=None if props.get("population") is None else int(props["population"]),
        office=office)
    new_building_id: dict[Any, int] = {}
    for name, src in sources.items():
        layer = get_layer(name)
        geoms = _in_wgs84(src, None)
        feature_props = src.properties
        if name == "post_station":
            feature_props = [{**p, "building_id": new_building_id.get(_clean(p.get("building_id")))}
                             for p in feature_props]
        rows = check_rows(layer, list(zip(feature_props, geoms, strict=True)),
                          j.envelope, j.name)
        ids = insert_rows(cur, layer, j.id, rows)
        if name == "building":
            new_building_id = {old: new for old, new in zip(src.ids, ids, strict=True)
                               if old is not None}
        report.counts[name] = len(ids)
        progress(f"{name}: {len(ids)} written")
    analyze_written(cur, sources, jurisdiction=True)
    return report
