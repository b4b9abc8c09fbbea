"""Reading and writing vector files: GeoJSON, GeoPackage and zipped Shapefile.

A *package* is a whole jurisdiction: a GeoPackage with one layer per table, or a folder with one
``LAYER.geojson`` per table (the embedded datasets in ``data/`` are such folders).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
from pyproj import CRS

from gis.errors import UnreadableFile

GEOJSON_SUFFIXES = (".geojson", ".json")


def _gdal_path(path: Path) -> str:
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def file_layers(path: Path) -> list[str]:
    """The names of the layers in a vector file or package folder."""
    if path.is_dir():
        return sorted(p.stem for p in path.iterdir() if p.suffix.lower() in GEOJSON_SUFFIXES)
    if not path.exists():
        raise UnreadableFile(f"no such file: {path}")
    try:
        return [str(row[0]) for row in pyogrio.list_layers(_gdal_path(path))]
    except Exception as exc:
        raise UnreadableFile(f"cannot read {path.name}: {_short(exc)}") from exc


def _short(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def read_geojson(path: Path) -> dict[str, Any]:
    """A GeoJSON file, parsed; :class:`UnreadableFile` when it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile(f"cannot read {path.name} as GeoJSON: {_short(exc)}") from exc


def read_frame(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """One layer of a GeoPackage, Shapefile (zipped or not) or other OGR file."""
    if not path.exists():
        raise UnreadableFile(f"no such file: {path}")
    try:
        return pyogrio.read_dataframe(_gdal_path(path), layer=layer)
    except Exception as exc:
        raise UnreadableFile(f"cannot read {path.name}"
                             + (f" layer {layer}" if layer else "") + f": {_short(exc)}") from exc


def frame_crs(frame: gpd.GeoDataFrame) -> CRS | None:
    """The CRS a frame's file declared, if any."""
    return CRS.from_user_input(frame.crs) if frame.crs is not None else None


def write_gpkg_layer(frame: gpd.GeoDataFrame, path: Path, name: str, geometry_type: str) -> None:
    """Write (or replace) one layer of a GeoPackage."""
    pyogrio.write_dataframe(frame, str(path), layer=name, driver="GPKG",
                            geometry_type=geometry_type, promote_to_multi=False)
