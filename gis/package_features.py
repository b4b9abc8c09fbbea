"""The layers of a package that are replayed rather than inserted — its workers and its cases
(:mod:`gis.patrol.workers_package`, :mod:`gis.cases.package`) — read as GeoJSON features in
WGS84, from a folder's ``LAYER.geojson`` or a GeoPackage's layer.

A folder's file is taken as written, each feature checked later and named when it is wrong. A
GeoPackage's layer is read as any other layer is (its text in ``encoding``); a value in it is
plain JSON: no NaN for an empty cell (the property is absent), numbers and times as JSON has
them, a list or an object kept as the JSON text its column holds. Points are moved to WGS84 from
the CRS the data declare, or ``declared`` (``--crs``) as for the other layers.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import shapely
from pyproj import CRS

from gis.crs import source_crs, to_wgs84
from gis.features import crs_of_geojson
from gis.filesio import file_encoding, frame_crs, layer_file, read_frame, read_geojson


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _point(g: Any) -> shapely.Point | None:
    """A GeoJSON point of two numbers (anything else is left for the checks to name)."""
    xy = g.get("coordinates") if isinstance(g, dict) and g.get("type") == "Point" else None
    return shapely.Point(xy[:2]) if isinstance(xy, list) and len(xy) >= 2 and all(map(_number, xy[:2])) else None


def _geojson(g: Any) -> dict[str, Any] | None:
    return None if g is None or g.is_empty else json.loads(shapely.to_geojson(g))


def _plain(v: Any, kind: str) -> Any:
    """A GeoPackage cell of a column of type ``kind`` (pyogrio's) as JSON has it; None for an
    empty one. (A yes/no or whole-number column with empty cells is read as real numbers.)"""
    if hasattr(v, "item") and not isinstance(v, str | bytes):  # a numpy number or boolean
        v = v.item()
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if kind == "bool":
        return bool(v)
    if kind.startswith("int") and isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, datetime | date):  # pandas' Timestamp is a datetime
        return v.isoformat()
    return v


def read_features(path: Path, layer: str, declared: CRS | str | None = None,
                  encoding: str | None = None) -> tuple[Any, str]:
    """The features of ``layer`` in the package ``path`` (None where a folder's file holds no
    feature collection), and the name the checks' messages call the layer by."""
    if path.is_dir():
        file = layer_file(path, layer)
        data = read_geojson(file)
        features = data.get("features") if isinstance(data, dict) else None
        source = source_crs(crs_of_geojson(data), declared) if isinstance(data, dict) else None
        if source is not None and isinstance(features, list):
            points = {k: p for k, f in enumerate(features) if isinstance(f, dict) and (p := _point(f.get("geometry")))}
            for k, moved in zip(points, to_wgs84(list(points.values()), source), strict=True):
                features[k]["geometry"] = _geojson(moved)
        return features, file.name
    frame = read_frame(path, layer, encoding=file_encoding(path, encoding))
    info = pyogrio.read_info(str(path), layer=layer)
    kinds = dict(zip(info["fields"], info["dtypes"], strict=True))
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None  # none: a table
    columns = [c for c in frame.columns if c != geometry]
    shapes = list(frame.geometry.values) if geometry else [None] * len(frame)
    source = source_crs(frame_crs(frame), declared) if geometry else None
    if source is not None:
        shapes = to_wgs84(shapes, source)
    features = [{"type": "Feature", "geometry": _geojson(g),
                 "properties": {k: v for k, v in ((c, _plain(row[c], kinds.get(c, ""))) for c in columns)
                                if v is not None}}
                for g, row in zip(shapes, frame.to_dict("records"), strict=True)]
    return features, f"{layer} ({path.name})"
