"""Importing a jurisdiction from an OpenStreetMap PBF extract (read offline with pyrosm).

What is taken: the walkable street network (pyrosm's "walking" network, split at junctions),
buildings with their levels where tagged, and parking, parcel lockers and post offices as
candidate facility sites. Buildings whose households are unknown get an estimate
(:mod:`gis.households`), marked as estimated.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyrosm
import shapely
from psycopg2.extensions import cursor as Cursor
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from gis.crs import utm_srid
from gis.errors import InvalidInput, UnreadableFile
from gis.features import check_rows
from gis.geometry import polygons
from gis.households import estimate_households, kind_of, parse_levels
from gis.i18n import msg
from gis.importing import ImportReport, Progress, _quiet, analyze_written
from gis.jurisdictions import check_boundary, create_jurisdiction
from gis.layers import get_layer
from gis.settings import Settings
from gis.store import insert_rows

CANDIDATE_AMENITIES = ("parking", "parcel_locker", "post_office")


def parse_bbox(text: str) -> BaseGeometry:
    """A ``W,S,E,N`` bounding box in degrees as a polygon; a clear error otherwise."""
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise InvalidInput(msg("--bbox must be W,S,E,N in degrees, got {0!r}", text)) from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise InvalidInput(msg("--bbox {0!r} is not W,S,E,N with W<E and S<N in degrees", text))
    return box(w, s, e, n)


def read_osm(path: Path, area: BaseGeometry) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame,
                                                      gpd.GeoDataFrame]:
    """Walkable edges, buildings and candidate sites of a PBF within ``area``."""
    if not path.exists():
        raise UnreadableFile(msg("no such file: {0}", path))
    try:
        osm = pyrosm.OSM(str(path), bounding_box=area)
        _, edges = osm.get_network("walking", nodes=True)
        buildings = osm.get_buildings()
        pois = osm.get_pois(custom_filter={"amenity": list(CANDIDATE_AMENITIES)})
    except Exception as exc:
        raise UnreadableFile(msg("cannot read {0} as an OSM PBF extract: {1}",
                                 path.name, (str(exc).splitlines() or [type(exc).__name__])[0][:300])) from exc
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=4326))
    return (edges if edges is not None else empty, buildings if buildings is not None else empty,
            pois if pois is not None else empty)


def building_rows(buildings: gpd.GeoDataFrame, boundary: BaseGeometry,
                  settings: Settings) -> tuple[list[tuple[dict, BaseGeometry]], int]:
    """Building properties and footprints inside the boundary; how many were left out."""
    if buildings.empty:
        return [], 0
    geoms = [polygons(g) for g in buildings.geometry.values]  # footprints made valid, polygons only
    inside = [not g.is_empty and boundary.covers(g) for g in geoms]
    b = buildings[inside].copy()
    b["geometry"] = [g for g, keep in zip(geoms, inside, strict=True) if keep]
    if b.empty:
        return [], len(buildings)
    c = boundary.centroid
    area = b.set_crs(4326, allow_override=True).to_crs(utm_srid(c.x, c.y)).area.to_numpy()
    tags = b["building"].tolist() if "building" in b else [None] * len(b)
    lv_raw = b["building:levels"].tolist() if "building:levels" in b else [None] * len(b)
    levels = np.array([parse_levels(v, settings.default_levels) for v in lv_raw])
    kinds = [kind_of(t) for t in tags]
    households = estimate_households(area, levels, np.array([k == "residential" for k in kinds]),
                                     settings.household_floor_area_m2)
    names = b["name"].tolist() if "name" in b else [None] * len(b)
    rows = []
    for i, g in enumerate(b.geometry.values):
        rows.append(({
            "name": names[i] if isinstance(names[i], str) else None,
            "kind": kinds[i],
            "floors": int(levels[i]),
            "households": int(households[i]),
            "residents": int(round(households[i] * settings.residents_per_household)),
            "households_estimated": True,
            "osm_id": int(b["id"].iloc[i]) if "id" in b else None,
        }, g))
    return rows, len(buildings) - len(b)


def edge_rows(edges: gpd.GeoDataFrame, area: BaseGeometry) -> tuple[list[tuple[dict, BaseGeometry]], int]:
    """Street edges touching ``area``, without zero-length and duplicate edges (counted)."""
    rows, seen, dropped = [], set(), 0
    for rec, g in zip(edges.drop(columns=edges.geometry.name).to_dict("records"),
                      edges.geometry.values, strict=True):
        if g is None or g.is_empty or not g.intersects(area):
            continue
        parts = list(g.geoms) if g.geom_type == "MultiLineString" else [g]
        for part in parts:
            key = shapely.normalize(part).wkb
            if part.length == 0 or key in seen:
                dropped += 1
                continue
            seen.add(key)
            rows.append(({"name": rec.get("name") if isinstance(rec.get("name"), str) else None,
                          "highway": rec.get("highway") if isinstance(rec.get("highway"), str) else None,
                          "osm_id": int(rec["id"]) if rec.get("id") is not None else None}, part))
    return rows, dropped


def candidate_rows(pois: gpd.GeoDataFrame, boundary: BaseGeometry) -> list[tuple[dict, BaseGeometry]]:
    """Parking, parcel lockers and post offices inside the boundary, as points."""
    rows = []
    for rec, g in zip(pois.drop(columns=pois.geometry.name).to_dict("records"),
                      pois.geometry.values, strict=True):
        if g is None or g.is_empty or rec.get("amenity") not in CANDIDATE_AMENITIES:
            continue
        pt = g if g.geom_type == "Point" else g.representative_point()
        if boundary.covers(pt):
            rows.append(({"kind": rec["amenity"],
                          "name": rec.get("name") if isinstance(rec.get("name"), str) else None,
                          "osm_id": int(rec["id"]) if rec.get("id") is not None else None}, pt))
    return rows


def import_osm(cur: Cursor, path: Path, slug: str, name: str, boundary: BaseGeometry,
               settings: Settings, *, admin_code: str | None = None,
               progress: Progress = _quiet) -> ImportReport:
    """Create jurisdiction ``slug`` from an OSM extract clipped to ``boundary``, in the caller's
    transaction (so all or nothing)."""
    boundary = check_boundary(boundary)
    c = boundary.centroid
    area = (gpd.GeoSeries([boundary], crs=4326).to_crs(utm_srid(c.x, c.y))
            .buffer(settings.street_margin_m).to_crs(4326).iloc[0])
    progress(msg("reading {0}", path.name))
    edges, buildings, pois = read_osm(path, area)
    progress(msg("read {0} walkable ways, {1} buildings, {2} sites", len(edges), len(buildings), len(pois)))
    b_rows, b_out = building_rows(buildings, boundary, settings)
    e_rows, e_dropped = edge_rows(edges, area)
    s_rows = candidate_rows(pois, boundary)
    report = ImportReport(slug)
    if b_out:
        report.notes.append(msg("{0} buildings not wholly inside the boundary left out", b_out))
    if e_dropped:
        report.notes.append(msg("{0} zero-length or duplicate street edges left out", e_dropped))
    j = create_jurisdiction(cur, slug, name, boundary, admin_code=admin_code)
    for layer_name, items in (("building", b_rows), ("street_edge", e_rows),
                              ("candidate_site", s_rows)):
        layer = get_layer(layer_name)
        envelope = None if layer_name == "street_edge" else j.envelope
        rows = check_rows(layer, items, envelope, j.name)
        insert_rows(cur, layer, j.id, rows)
        report.counts[layer_name] = len(rows)
        progress(msg("{0}: {1} written", layer_name, len(rows)))
    analyze_written(cur, report.counts, jurisdiction=True)
    return report
