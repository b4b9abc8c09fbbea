"""Importing files: one layer into a jurisdiction, or a whole jurisdiction from a package.

Every import checks all its input first and writes in one transaction: it lands whole or not at
all. Before it commits, it ANALYZEs the tables it made stale (:func:`analyze_written`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from psycopg2 import sql
from psycopg2.extensions import cursor as Cursor
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from gis.cad import shapes
from gis.crs import GCJ02, crs_name, source_crs, to_wgs84, transformers
from gis.db import read_sql
from gis.errors import InvalidInput
from gis.features import MAX_LISTED, check_rows, crs_of_geojson, features_of
from gis.filesio import GEOJSON_SUFFIXES, file_encoding, file_layers, frame_crs, layer_file, read_frame, read_geojson
from gis.geometry import polygons, reproject
from gis.households import estimate_households, parse_levels
from gis.i18n import msg
from gis.jurisdictions import create_jurisdiction
from gis.layers import IMPORT_ORDER, Layer, get_layer
from gis.package_features import read_features
from gis.replacing import clear_layer, drafts_holding
from gis.settings import Settings
from gis.store import find_jurisdiction, insert_rows
from gis.street_joining import join_streets

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# What the database's triggers write besides the tables an import names: every change is
# recorded in history and bumps layer_version; street edges add their end nodes; grids reassign
# the buildings they cover; buildings keep their GeoJSON (020_building_feature_text.sql).
_ALSO_WRITTEN = {"street_edge": ("street_node",), "grid": ("building", "building_feature"),
                 "building": ("building_feature",)}


def analyze_written(cur: Cursor, layers: Iterable[str], *, jurisdiction: bool = False) -> list[str]:
    """Refresh the planner's statistics of the tables a bulk write has made stale; their names.

    gridmap keeps its own statistics instead of waiting for autovacuum, which may be off (it
    is on bulk-load servers) or may come minutes later: until then the planner takes a freshly
    filled table for the empty one it last saw and picks plans that scan it. A table is analysed
    when autovacuum would have done it (rows changed since its last ANALYZE, this transaction's
    included, past 50 + 10 % of those it counted: ``stale_statistics.sql``), so a small import
    into a big street office's tables costs nothing. ``ANALYZE`` runs in the import's
    transaction, counts the rows that transaction wrote, and is rolled back with it.
    """
    tables = {"history", "layer_version"} | ({"jurisdiction"} if jurisdiction else set())
    for name in layers:
        tables |= {name, *_ALSO_WRITTEN.get(name, ())}
    cur.execute(read_sql("stale_statistics.sql"), {"tables": sorted(tables)})
    stale = [name for (name,) in cur.fetchall()]
    if stale:
        cur.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(sql.Identifier(t) for t in stale)))
    return stale


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
    notes: list[str] = field(default_factory=list)


def read_source(path: Path, layer: str | None = None, *, encoding: str | None = None,
                target: str | None = None, cad_layers: Sequence[str] = ()) -> Source:
    """Read one layer (GeoJSON file, a package folder's ``LAYER.geojson``, an OGR layer, or the
    outlines or lines of a DXF drawing for the ``target`` layer, from its ``cad_layers``).

    Text attributes are read in ``encoding`` when given, else as the file declares, else (a
    Shapefile without .cpg) in the encoding its bytes fit (GBK/GB18030 or UTF-8)."""
    if path.is_dir():
        if layer is None:
            raise InvalidInput(msg("{0} is a folder: name the layer", path))
        path = layer_file(path, layer)
    if path.suffix.lower() in GEOJSON_SUFFIXES:
        obj = read_geojson(path)
        feats = features_of(obj)
        props = [dict(f.get("properties") or {}) if isinstance(f, Mapping) else {} for f in feats]
        geoms = [f.get("geometry") if isinstance(f, Mapping) else None for f in feats]
        ids = [f.get("id") if isinstance(f, Mapping) else None for f in feats]
        columns = sorted({k for p in props for k in p})
        return Source(props, geoms, ids, crs_of_geojson(obj), columns)
    if layer is None and path.suffix.lower() == ".gpkg":
        layer = _only_layer(path, target)
    frame = read_frame(path, layer, encoding=file_encoding(path, encoding))
    if path.suffix.lower() == ".dxf":
        if target is None:
            raise InvalidInput(msg("{0} is a drawing: import it with --layer (building, street_edge, …)", path.name))
        drawing = shapes(frame, target, cad_layers)
        notes: list[str] = [msg("from CAD layer {0}", ", ".join(drawing.cad_layers))]
        notes += [msg("{0} left out ({1})", n, why) for why, n in drawing.skipped.items()]
        return Source([{} for _ in drawing.geometries], list(drawing.geometries),
                      [None] * len(drawing.geometries), None, [], notes)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    records = frame[columns].to_dict("records")
    ids = [r.get("id") for r in records]
    geoms = list(frame.geometry.values)
    return Source(records, geoms, ids, frame_crs(frame), columns)


def _check_crs(shapes_: list[Any], beyond: list[int], src: Source, declared: CRS | str | None,
               envelope: BaseGeometry, name: str) -> None:
    """Refuse features outside the jurisdiction whose coordinates say why, with the --crs that
    would place them: metres read as degrees (no CRS declared), or GCJ-02 (Gaode, Tencent) read as
    WGS84 — both were refused as "outside: give --clip", and --clip then kept the wrong few, ~500 m
    off, or none."""
    found = [shapes_[i] for i in beyond if shapes_[i] is not None and not shapes_[i].is_empty]
    if not found:
        return
    x0, y0, x1, y1 = shapely.total_bounds(found)
    degrees = -180 <= x0 and x1 <= 180 and -90 <= y0 and y1 <= 90
    if source_crs(src.crs, declared) is None and not degrees:
        raise InvalidInput(msg("{0} declares no CRS and its coordinates are not longitudes and latitudes (up to "
                               "{1:.0f}, {2:.0f}): they are metres of a projected CRS; give it with --crs (e.g. "
                               "--crs EPSG:4527 for CGCS2000 / 3-degree Gauss-Kruger zone 39)", name, x1, y1))
    if declared is None and len(found) * 2 >= len([g for g in shapes_ if g is not None]):
        shifted = to_wgs84(found, GCJ02)
        if sum(envelope.covers(g) for g in shifted) * 2 > len(found):
            raise InvalidInput(msg("{0}: {1} features lie outside the community as they are, and inside it read as "
                                   "GCJ-02 (Gaode or Tencent map coordinates): give --crs gcj02", name, len(found)))


# Features this near one stored already (degrees, ~10 cm: the database keeps 1e-7°) are the same one.
SAME_FEATURE_DEG = 1e-6


def _refuse_stored_again(cur: Cursor, layer: Layer, jurisdiction_id: int, geoms: list[BaseGeometry],
                         name: str) -> None:
    """Refuse a layer's features that are stored already (the same shape, to ~10 cm): a file
    imported twice doubled the layer (48 streets from a file of 21), and nothing could take them
    back but deleting the community."""
    extent = shapely.box(*shapely.total_bounds(geoms)).buffer(SAME_FEATURE_DEG)
    cur.execute(sql.SQL("SELECT id, ST_AsBinary(geom) FROM {t} WHERE jurisdiction_id = %s"
                        " AND geom && ST_GeomFromWKB(%s, 4326)").format(t=sql.Identifier(layer.name)),
                (jurisdiction_id, shapely.to_wkb(extent)))
    stored = cur.fetchall()
    if not stored:
        return
    shapes_ = np.asarray([shapely.from_wkb(bytes(w)) for _, w in stored], dtype=object)
    tree = shapely.STRtree(shapes_)
    again = []
    for i, g in enumerate(geoms):
        for k in tree.query(g, predicate="dwithin", distance=SAME_FEATURE_DEG):
            if shapely.hausdorff_distance(g, shapes_[k]) <= SAME_FEATURE_DEG:
                again.append((i, stored[int(k)][0]))
                break
    if again:
        raise InvalidInput(msg("{0} of the {1} features of {2} are stored already ({3} of the same shape): was it "
                               "imported before? Nothing was written", len(again), len(geoms), name, layer.name),
                           [msg("feature {0}: the same as {1} {2}", i + 1, layer.name, fid)
                            for i, fid in again[:MAX_LISTED]])


def _only_layer(path: Path, target: str | None) -> str | None:
    """The layer of a GeoPackage to read when none is named: its only one, or the one named as the
    layer imported into; else refused, naming them (the first was taken, with a library's warning)."""
    names = file_layers(path, spatial=True)  # QGIS keeps its styles in a table beside the layers
    if len(names) == 1:
        return names[0]
    if not names:
        return None
    if target in names:
        return target
    raise InvalidInput(msg("{0} holds {1} layers ({2}): name the one to import with --source-layer", path.name,
                           len(names), ", ".join(names)))


def _clipped(geoms: list[Any], area: BaseGeometry, lines: bool, whole: bool
             ) -> tuple[list[Any], list[int], int, list[int]]:
    """Features cut to ``area``: the pieces inside (polygons of an area, lines of a street), the
    index of the feature each came from, how many were cut, and the indexes of those left out:
    wholly outside, or for ``whole`` things (a building, which belongs to the one community holding
    most of it) with less than half inside."""
    out: list[Any] = []
    origin: list[int] = []
    cut = 0
    left_out: list[int] = []
    for i, g in enumerate(geoms):
        if g is None or area.covers(g):
            out.append(g)
            origin.append(i)
            continue
        inside = shapely.intersection(g, area)
        parts = ([p for p in shapely.get_parts(inside) if p.geom_type in ("LineString", "MultiLineString")
                  and p.length > 0] if lines else [polygons(inside)])
        parts = [p for p in parts if not p.is_empty]
        if not parts or (whole and g.area > 0 and parts[0].area < g.area / 2):
            left_out.append(i)
            continue
        cut += 1
        out.extend(parts)
        origin.extend([i] * len(parts))
    return out, origin, cut, left_out


def _noded(cur: Cursor, jurisdiction_id: int, geoms: list[Any], props: list[dict[str, Any]], join_m: float,
           origin: list[int], report: ImportReport) -> tuple[list[Any], list[dict[str, Any]]]:
    """Streets joined to one another and to the stored ones (gis.street_joining), noted; ``origin``:
    the file's feature each of ``geoms`` came from (a street cut by --clip may be pieces)."""
    joined = join_streets(cur, jurisdiction_id, geoms, props, join_m)
    if joined.note:
        report.notes.append(joined.note)
    if along := sorted({origin[i] + 1 for i in joined.along}):
        report.notes.append(msg("{0} lines run along a stored street or another line of the file for more than "
                                "{1:g} m (drawn twice?): features {2}", len(along), join_m,
                                ", ".join(map(str, along[:MAX_LISTED])) + (" …" if len(along) > MAX_LISTED else "")))
    return joined.geoms, joined.props


def _estimated(props: list[dict[str, Any]], geoms: list[Any], srid: int, settings: Settings,
               report: ImportReport) -> list[dict[str, Any]]:
    """Buildings with floors and no household count get households estimated as the OSM import
    does (footprint × floors ÷ floor area per household), marked ``households_estimated``; a
    building whose kind is not given is taken as housing (a community's buildings mostly are)."""
    todo = [i for i, p in enumerate(props)
            if p.get("households") in (None, "") and geoms[i] is not None and _clean(p.get("floors")) is not None
            and p.get("kind") in (None, "", "residential", "apartment")]
    if not todo:
        return props
    metric = reproject(np.asarray([geoms[i] for i in todo], dtype=object), transformers(srid)[0])
    floors = np.array([parse_levels(props[i].get("floors"), settings.default_levels) for i in todo])
    counted = estimate_households(shapely.area(metric), floors,
                                  np.ones(len(todo), dtype=bool), settings.household_floor_area_m2)
    out = [dict(p) for p in props]
    for i, n in zip(todo, counted, strict=True):
        out[i].update(households=int(n), residents=int(round(n * settings.residents_per_household)),
                      households_estimated=True)
    report.notes.append(msg("households estimated from footprint × floors for {0} buildings (import the household "
                            "ledger to replace them: gridmap import ledger)", len(todo)))
    return out


def _in_wgs84(src: Source, declared: CRS | str | None) -> list[Any]:
    """The geometries in WGS84, transformed from the CRS the data declare or the user does (noted)."""
    source = source_crs(src.crs, declared)
    if source is None:
        return src.geometries
    note = msg("transformed from {0} to WGS84", crs_name(source))
    if note not in src.notes:
        src.notes.append(note)
    return to_wgs84([g if isinstance(g, BaseGeometry) or g is None else shapely.geometry.shape(g)
                     for g in src.geometries], source)


def _renamed(src: Source, layer: Layer, mapping: Mapping[str, str]) -> tuple[list[dict], list[str]]:
    unknown_targets = sorted(set(mapping.values()) - set(layer.properties))
    if unknown_targets:
        raise InvalidInput(msg("--map names properties layer {0} does not have: {1}; it has {2}",
                               layer.name, ", ".join(unknown_targets), ", ".join(layer.properties)))
    missing = sorted(set(mapping) - set(src.columns))
    if missing and src.columns:
        raise InvalidInput(msg("--map names columns the file does not have: {0}", ", ".join(missing)))
    props = [{mapping.get(k, k): v for k, v in p.items()} for p in src.properties]
    ignored = sorted(c for c in src.columns if mapping.get(c, c) not in layer.properties
                     and c not in ("id", "jurisdiction"))
    return props, ignored


def import_layer(cur: Cursor, path: Path, slug: str, layer_name: str, *,
                 declared_crs: CRS | str | None = None, mapping: Mapping[str, str] | None = None,
                 file_layer: str | None = None, encoding: str | None = None,
                 cad_layers: Sequence[str] = (), clip: bool = False, replace: bool = False,
                 settings: Settings | None = None, progress: Progress = _quiet) -> ImportReport:
    """Import one layer of a file into the existing jurisdiction ``slug``, in the caller's
    transaction (so all or nothing).

    Columns named as the layer's properties are taken as they are; ``mapping`` renames others
    (``{"户数": "households"}``); the rest are reported as ignored. Features reaching past the
    jurisdiction are refused, or with ``clip`` cut to it (those wholly outside left out).
    Buildings with floors and no households get an estimate (see :func:`_estimated`). With
    ``replace`` the layer's features in the jurisdiction are deleted first (see
    :func:`gis.replacing.clear_layer`).
    """
    layer = get_layer(layer_name)
    if not layer.writable:
        raise InvalidInput(msg("layer {0} is derived and cannot be imported", layer.name))
    src = read_source(path, file_layer, encoding=encoding, target=layer.name, cad_layers=cad_layers)
    progress(msg("{0}: {1} features read", path.name, len(src.geometries)))
    props, ignored = _renamed(src, layer, mapping or {})
    geoms = _in_wgs84(src, declared_crs)
    report = ImportReport(slug, notes=list(src.notes))
    if ignored:
        report.notes.append(msg("columns ignored (no such property): {0}", ", ".join(ignored)))
    j = find_jurisdiction(cur, slug)
    shapes_ = [g if isinstance(g, BaseGeometry) or g is None else shapely.geometry.shape(g) for g in geoms]
    beyond = [i for i, g in enumerate(shapes_) if g is not None and not j.envelope.covers(g)]
    outside = len(beyond)
    if outside:
        _check_crs(shapes_, beyond, src, declared_crs, j.envelope, path.name)
    if outside and not clip:
        raise InvalidInput(msg("{0} of {1} features of {2} reach outside {3}: give --clip to cut them at its "
                               "boundary and leave out those wholly outside", outside, len(shapes_), path.name, j.name),
                           [msg("feature {0}: lies outside jurisdiction {1}",
                                i + 1, j.name) for i in beyond[:MAX_LISTED]])
    origin = list(range(len(shapes_)))  # the file's feature each one came from
    if outside:
        # a hair inside the envelope, so that the cut ends are covered by it despite rounding
        inner = j.envelope.buffer(-1e-7)
        shapes_, origin, cut, left_out = _clipped(shapes_, inner, lines=layer.name == "street_edge",
                                                  whole=layer.name == "building")
        names = [str(props[i].get("name") or f"#{i + 1}") for i in left_out]
        props = [props[i] for i in origin]
        if layer.name == "building":
            report.notes.append(msg("clipped to {0}: {1} cut at the boundary, {2} left out (most of each lies "
                                    "outside: the neighbour's)", j.name, cut, len(left_out)))
            if names:
                report.notes.append(msg("left out as the neighbour's: {0}", ", ".join(names[:MAX_LISTED])))
        else:
            report.notes.append(msg("clipped to {0}: {1} cut at the boundary, {2} left out (wholly outside)",
                                    j.name, cut, len(left_out)))
    if replace:
        report.notes.append(msg("replaced: {0} {1} deleted first", clear_layer(cur, layer, j.id, j.name), layer.name))
    if drafts := drafts_holding(cur, layer, j.id):
        report.notes.append(msg("drafts {0} hold the {1} as they were before this import: publishing one puts those "
                                "back; draft again from the published layout", ", ".join(map(str, drafts)), layer.name))
    if layer.name == "street_edge":
        shapes_, props = _noded(cur, j.id, shapes_, props, (settings or Settings()).street_join_m, origin, report)
    if layer.name == "building":
        props = _estimated(props, shapes_, j.metric_srid, settings or Settings(), report)
    rows = check_rows(layer, list(zip(props, shapes_, strict=True)), j.envelope, j.name)
    if not rows:
        raise InvalidInput(msg("{0} holds no features", path.name))
    _refuse_stored_again(cur, layer, j.id, [r.geometry for r in rows], path.name)
    insert_rows(cur, layer, j.id, rows)
    analyze_written(cur, [layer.name])
    report.counts[layer.name] = len(rows)
    progress(msg("{0}: {1} checked", layer.name, len(rows)))
    return report


def boundary_of(path: Path, declared_crs: CRS | str | None = None, encoding: str | None = None) -> list[Any]:
    """The polygons of a boundary file (in WGS84), for a jurisdiction's boundary."""
    src = read_source(path, None if not path.is_dir() else "jurisdiction", encoding=encoding,
                      target="jurisdiction_boundary")
    shapes_ = [g if isinstance(g, BaseGeometry) else shapely.geometry.shape(g)
               for g in _in_wgs84(src, declared_crs) if g is not None]
    found = [p for p in (polygons(g) for g in shapes_) if not p.is_empty]
    if not found:
        raise InvalidInput(msg("{0} holds no boundary polygon", path.name))
    return found


def _jurisdiction_feature(path: Path, declared_crs: CRS | str | None = None,
                          encoding: str | None = None) -> tuple[dict[str, Any], BaseGeometry]:
    src = read_source(path, "jurisdiction", encoding=encoding)
    if len(src.geometries) != 1:
        raise InvalidInput(msg("the jurisdiction layer of {0} must hold exactly one feature, not {1}",
                               path.name, len(src.geometries)))
    geom = _in_wgs84(src, declared_crs)[0]
    if geom is None:
        raise InvalidInput(msg("the jurisdiction feature has no geometry"))
    if not isinstance(geom, BaseGeometry):
        try:
            geom = shapely.geometry.shape(geom)
        except Exception as exc:
            raise InvalidInput(msg("malformed jurisdiction geometry: {0}", exc)) from exc
    props = dict(src.properties[0])
    source = source_crs(src.crs, declared_crs)
    x, y = _clean(props.get("office_lon")), _clean(props.get("office_lat"))
    # office_lon/lat are a longitude and a latitude: in the data's datum where those are longitudes
    # and latitudes too (GCJ-02, another geographic CRS), as they are beside data in metres
    geographic = source == GCJ02 or (isinstance(source, CRS) and source.is_geographic)
    if source is not None and geographic and x is not None and y is not None:
        office = to_wgs84([shapely.Point(float(x), float(y))], source)[0]
        props["office_lon"], props["office_lat"] = office.x, office.y
    return props, geom


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN from a file's empty cell
        return None
    return value


def import_package(cur: Cursor, path: Path, slug: str | None = None, *,
                   replace: bool = False, declared_crs: CRS | str | None = None,
                   encoding: str | None = None, progress: Progress = _quiet) -> ImportReport:
    """Create a whole jurisdiction from a package (GeoPackage or folder of GeoJSON), in the
    caller's transaction (so all or nothing).

    The package holds a ``jurisdiction`` layer (one feature: the boundary, with slug, name,
    admin_code, households, population, office_lon/lat, patrol) and any of the feature layers, named as
    the tables. Ids in the package are replaced by new ones; a post station's ``building_id``
    follows its building. ``slug`` overrides the package's own slug. With ``replace``, a
    jurisdiction of that slug is deleted in the same transaction (so a failed import keeps it).
    Each layer is read in the CRS it declares, or ``declared_crs`` for data that declares none
    (or declares it wrongly).
    """
    present = set(file_layers(path))
    if "jurisdiction" not in present:
        raise InvalidInput(msg("{0} has no 'jurisdiction' layer; layers found: {1}",
                               path.name, ", ".join(sorted(present)) or "none"))
    props, boundary = _jurisdiction_feature(path, declared_crs, encoding)
    props = {k: _clean(v) for k, v in props.items()}
    target = slug or props.get("slug") or props.get("jurisdiction")
    if not target:
        raise InvalidInput(msg("no slug: the package's jurisdiction has none and none was given"))
    office = None
    if props.get("office_lon") is not None and props.get("office_lat") is not None:
        office = (float(props["office_lon"]), float(props["office_lat"]))
    unknown = sorted(present - set(IMPORT_ORDER) - {"jurisdiction", "street_node", "case_record", "worker"})
    report = ImportReport(target)
    if unknown:
        report.notes.append(msg("layers ignored: {0}", ", ".join(unknown)))
    sources = {name: read_source(path, name, encoding=encoding) for name in IMPORT_ORDER if name in present}
    if replace:
        cur.execute("DELETE FROM jurisdiction WHERE slug = %s", (target,))
    j = create_jurisdiction(
        cur, target, props.get("name") or target, boundary,
        admin_code=props.get("admin_code"),
        households=None if props.get("households") is None else int(props["households"]),
        population=None if props.get("population") is None else int(props["population"]),
        office=office, patrol=props.get("patrol") or "shared")
    new_building_id: dict[Any, int] = {}
    for name, src in sources.items():
        layer = get_layer(name)
        geoms = _in_wgs84(src, declared_crs)
        report.notes += [n for n in src.notes if n not in report.notes]
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
        progress(msg("{0}: {1} checked", name, len(ids)))
    if "worker" in present:  # the people cases are given to, before the cases
        from gis.patrol.workers_package import import_workers

        report.counts["worker"] = import_workers(cur, j, *read_features(path, "worker", declared_crs, encoding))
        progress(msg("{0}: {1} checked", "worker", report.counts["worker"]))
    if "case_record" in present:  # cases, with their steps (gis.cases.package)
        from gis.cases.package import import_cases

        report.counts["case_record"] = import_cases(cur, j, *read_features(path, "case_record", declared_crs,
                                                                            encoding))
        progress(msg("{0}: {1} replayed", "case_record", report.counts["case_record"]))
    analyze_written(cur, [*sources, *(["worker"] if "worker" in report.counts else []),
                          *(["case_record", "case_event"] if "case_record" in report.counts else [])],
                    jurisdiction=True)
    return report
