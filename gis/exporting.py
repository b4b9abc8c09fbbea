"""Exporting a jurisdiction: a GeoPackage with one layer per table, or a folder of GeoJSON; both
with the jurisdiction's workers and its cases (their steps with them).

Both are *packages* that :func:`gis.importing.import_package` reads back. Run them in a snapshot
transaction (``transaction(conn, snapshot=True)``) so that the layers agree with one another.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely
from psycopg2.extensions import cursor as Cursor

from gis.filesio import write_features, write_gpkg_layer, write_package_layer
from gis.layers import LAYERS
from gis.store import Jurisdiction, feature_page, find_jurisdiction, layer_records


def export_gpkg(cur: Cursor, slug: str, out: Path) -> dict[str, int]:
    """Write every layer of ``slug`` to the GeoPackage ``out`` (replaced if it exists)."""
    if out.exists():
        out.unlink()
    counts = {}
    j = find_jurisdiction(cur, slug)
    for layer in LAYERS.values():
        names, rows = layer_records(cur, layer, j.id)
        data = {n: [r[i] for r in rows] for i, n in enumerate(names)}
        geoms = [shapely.from_wkb(bytes(r[-1])) for r in rows]
        frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=4326))
        write_gpkg_layer(frame, out, layer.name, layer.stored_type)
        counts[layer.name] = len(rows)
    for name, features in _people_and_cases(cur, j).items():  # no layer when there are none
        counts[name] = write_package_layer(out, name, features, "Point")
    return counts


def _people_and_cases(cur: Cursor, j: Jurisdiction) -> dict[str, list[dict]]:
    """The workers (the people cases are given to) and the cases with their steps, which gridmap
    load replays: a package's features by layer, workers first."""
    from gis.cases.package import case_features
    from gis.patrol.workers_package import worker_features

    return {"worker": worker_features(cur, j), "case_record": case_features(cur, j)}


def export_geojson(cur: Cursor, slug: str, out: Path) -> dict[str, int]:
    """Write every layer of ``slug`` to ``out/LAYER.geojson`` (RFC 7946, WGS84)."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    j = find_jurisdiction(cur, slug)
    for layer in LAYERS.values():
        features, matched = feature_page(cur, layer, jurisdiction_id=j.id,
                                         limit=2**31 - 1)
        write_features(out / f"{layer.name}.geojson", json.loads(features))
        counts[layer.name] = matched
    # written even with none: a folder exported into again must not keep the workers of before
    for name, kept in _people_and_cases(cur, j).items():
        counts[name] = write_features(out / f"{name}.geojson", kept)
    return counts
