"""Exporting a jurisdiction: a GeoPackage with one layer per table, or a folder of GeoJSON.

Both are *packages* that :func:`gis.importing.import_package` reads back. Run them in a snapshot
transaction (``transaction(conn, snapshot=True)``) so that the layers agree with one another.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely
from psycopg2.extensions import cursor as Cursor

from gis.filesio import write_features, write_gpkg_layer
from gis.layers import LAYERS
from gis.store import feature_page, find_jurisdiction, layer_records


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
    return counts


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
    from gis.cases.package import export_cases  # cases and their steps, which gridmap load replays
    from gis.patrol.workers_package import export_workers  # the people cases are given to

    counts["worker"] = export_workers(cur, j, out)
    counts["case_record"] = export_cases(cur, j, out)
    return counts
