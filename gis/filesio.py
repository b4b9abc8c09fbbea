"""Reading and writing vector files: GeoJSON, GeoPackage, Shapefile (zipped or not), DXF.

A *package* is a whole jurisdiction: a GeoPackage with one layer per table, or a folder with one
``LAYER.geojson`` per table (the embedded datasets in ``data/`` are such folders).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS
from shapely.geometry import shape

from gis.errors import UnreadableFile
from gis.i18n import msg

GEOJSON_SUFFIXES = (".geojson", ".json")


def _gdal_path(path: Path) -> str:
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def write_features(path: Path, features: Iterable[dict[str, Any]]) -> int:
    """``features`` as a GeoJSON FeatureCollection at ``path``, one feature a line (readable diffs
    for the packages kept in git); how many."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    path.write_text('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
    return len(lines)


def write_package_layer(path: Path, layer: str, features: list[dict[str, Any]], geometry_type: str) -> int:
    """GeoJSON ``features`` as a layer of the GeoPackage ``path``, a property holding a list or an
    object as JSON text (a GeoPackage's columns hold no lists); how many. None: no layer."""
    if not features:
        return 0
    rows = [{k: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
             for k, v in f["properties"].items()} for f in features]
    geoms = gpd.GeoSeries([shape(f["geometry"]) if f.get("geometry") else None for f in features], crs=4326)
    # typed columns (a yes/no, a whole number) though some are empty, not text or real numbers
    write_gpkg_layer(gpd.GeoDataFrame(pd.DataFrame(rows).convert_dtypes(), geometry=geoms), path, layer, geometry_type)
    return len(features)


def layer_file(folder: Path, layer: str) -> Path:
    """The file of ``layer`` in a package folder (``LAYER.geojson`` or ``LAYER.json``)."""
    found = [folder / f"{layer}{s}" for s in GEOJSON_SUFFIXES if (folder / f"{layer}{s}").exists()]
    if not found:
        raise UnreadableFile(msg("no {0}.geojson in {1}", layer, folder))
    return found[0]


def file_layers(path: Path, spatial: bool = False) -> list[str]:
    """The names of the layers in a vector file or package folder; ``spatial``: only those with
    geometries (not QGIS's ``layer_styles`` table and the like)."""
    if path.is_dir():
        return sorted(p.stem for p in path.iterdir() if p.suffix.lower() in GEOJSON_SUFFIXES)
    if not path.exists():
        raise UnreadableFile(msg("no such file: {0}", path))
    try:
        return [str(name) for name, kind in pyogrio.list_layers(_gdal_path(path)) if kind is not None or not spatial]
    except Exception as exc:
        raise UnreadableFile(msg("cannot read {0}: {1}", path.name, _short(exc))) from exc


def _short(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def read_geojson(path: Path) -> dict[str, Any]:
    """A GeoJSON file, parsed; :class:`UnreadableFile` when it is not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFile(msg("cannot read {0} as GeoJSON: {1}", path.name, _short(exc))) from exc


def sniff_encoding(data: bytes) -> str | None:
    """The encoding of text that does not say: None for plain ASCII, UTF-8 when it decodes as
    such, else GB18030 (GBK's superset: what Chinese Windows, Excel and ArcGIS write) when it
    decodes as that; None when neither fits."""
    if data.isascii():
        return None
    for encoding in ("UTF-8", "GB18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def _dbf_text(path: Path) -> bytes | None:
    """The field names and records of a Shapefile's attribute table (its .dbf), for sniffing
    their encoding; None when the file is no Shapefile or says its encoding (a .cpg beside it)."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if any(n.lower().endswith(".cpg") for n in names):
                return None
            dbf = next((n for n in names if n.lower().endswith(".dbf")), None)
            data = z.read(dbf) if dbf else None
    elif path.suffix.lower() in (".shp", ".dbf"):
        if path.with_suffix(".cpg").exists() or path.with_suffix(".CPG").exists():
            return None
        dbf_path = path.with_suffix(".dbf")
        data = dbf_path.read_bytes() if dbf_path.exists() else None
    else:
        return None
    if not data or len(data) < 32 or data[29] != 0:  # byte 29: the code page ("language driver")
        return None
    header = int.from_bytes(data[8:10], "little")
    fields = b"".join(data[i:i + 11].split(b"\0")[0] for i in range(32, header - 1, 32))
    return fields + b" " + data[header:]


def file_encoding(path: Path, declared: str | None = None) -> str | None:
    """The encoding to read a file's text attributes in: ``declared`` (--encoding) if given, else
    for a Shapefile that does not declare its own (no .cpg, no code page), the one its bytes fit."""
    if declared:
        try:  # str.encode refuses what codecs knows but is no encoding of text (hex, base64, zlib, rot13)
            "".encode(declared)
        except LookupError:
            raise UnreadableFile(msg("unknown encoding {0}: give one such as GBK, GB18030 or UTF-8",
                                     declared)) from None
        return declared
    try:
        text = _dbf_text(path)
    except (OSError, zipfile.BadZipFile):
        return None
    return sniff_encoding(text) if text else None


# The first AutoCAD release (2007) whose drawings keep their text in UTF-8, whatever code page
# ($DWGCODEPAGE) their header still names.
DXF_UTF8_FROM = "AC1021"


def dxf_in_utf8(path: Path) -> bool:
    """Whether a DXF drawing's text is UTF-8: saved by AutoCAD 2007 or later ($ACADVER AC1021+).
    GDAL decodes it by $DWGCODEPAGE regardless (道路 came out as 閬撹矾 from ANSI_936)."""
    if path.suffix.lower() != ".dxf" or not path.is_file():
        return False
    with path.open("rb") as f:
        lines = [line.strip() for line in f.read(4096).split(b"\n")]
    try:
        version = lines[lines.index(b"$ACADVER") + 2].decode("ascii")
    except (ValueError, IndexError, UnicodeDecodeError):
        return False
    # AC1021 and on; the oldest drawings say AC2.10 (AutoCAD 2.1), not a number to compare as text
    return version[2:].isdigit() and int(version[2:]) >= int(DXF_UTF8_FROM[2:])


def read_frame(path: Path, layer: str | None = None, encoding: str | None = None) -> gpd.GeoDataFrame:
    """One layer of a GeoPackage, Shapefile (zipped or not), DXF or other OGR file; text read in
    ``encoding`` when given (see :func:`file_encoding`)."""
    if not path.exists():
        raise UnreadableFile(msg("no such file: {0}", path))
    # GDAL's DXF encoding is a process-wide setting: drawings are read by the command line only,
    # one at a time, and it is put back at once.
    utf8 = dxf_in_utf8(path) and not encoding
    try:
        if utf8:
            pyogrio.set_gdal_config_options({"DXF_ENCODING": "UTF-8"})
        return pyogrio.read_dataframe(_gdal_path(path), layer=layer,
                                      **({"encoding": encoding} if encoding else {}))
    except Exception as exc:
        raise UnreadableFile(msg("cannot read {0} layer {1}: {2}", path.name, layer, _short(exc)) if layer
                             else msg("cannot read {0}: {1}", path.name, _short(exc))) from exc
    finally:
        if utf8:
            pyogrio.set_gdal_config_options({"DXF_ENCODING": None})


def frame_crs(frame: gpd.GeoDataFrame) -> CRS | None:
    """The CRS a frame's file declared, if any."""
    return CRS.from_user_input(frame.crs) if frame.crs is not None else None


def write_gpkg_layer(frame: gpd.GeoDataFrame, path: Path, name: str, geometry_type: str) -> None:
    """Write (or replace) one layer of a GeoPackage."""
    pyogrio.write_dataframe(frame, str(path), layer=name, driver="GPKG",
                            geometry_type=geometry_type, promote_to_multi=False)
