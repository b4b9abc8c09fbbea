"""Coordinate reference systems: the metric CRS of a jurisdiction, and WGS84 ⇄ GCJ-02.

Data are stored in WGS84 (EPSG:4326; CGCS2000, EPSG:4490, agrees to within metres). Lengths and
areas are computed in the UTM zone of the jurisdiction. AMap/Gaode and Tencent tiles are drawn in
GCJ-02, an obfuscated datum offset by some 500 m in Beijing, so our data must be shifted before
it is drawn over them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError
from shapely.geometry.base import BaseGeometry

from gis.errors import InvalidInput
from gis.geometry import reproject
from gis.i18n import msg

# Datums treated as WGS84 without transformation (they agree to within metres).
WGS84_EQUIVALENT = {4326, 4490, 4979}

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as GCJ-02 uses
_EE = 0.00669342162296594323


def utm_srid(lon: float, lat: float) -> int:
    """EPSG code of the WGS84 UTM zone holding ``(lon, lat)``."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(msg("not a longitude/latitude: {0}, {1}", lon, lat))
    zone = min(int((lon + 180) // 6) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


def transformers(metric_srid: int) -> tuple[Transformer, Transformer]:
    """WGS84 lon/lat → the metric CRS ``metric_srid`` (a jurisdiction's), and back (x, y order)."""
    return (Transformer.from_crs(4326, metric_srid, always_xy=True),
            Transformer.from_crs(metric_srid, 4326, always_xy=True))


def is_wgs84(crs: CRS | str | int | None) -> bool:
    """Whether ``crs`` can be stored as is (WGS84 lon/lat or an equivalent datum)."""
    if crs is None:
        return False
    c = CRS.from_user_input(crs)
    epsg = c.to_epsg(min_confidence=70)
    if epsg in WGS84_EQUIVALENT:
        return True
    return c.equals(CRS.from_user_input("OGC:CRS84"), ignore_axis_order=True)


def _outside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 105.0, lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * np.sqrt(np.abs(x)))
    dlat += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * math.pi) + 320 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlon += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlon += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon, lat):
    """Shift WGS84 coordinates to GCJ-02 (arrays or scalars); points outside China are unchanged."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon_a, lat_a)
    out = _outside_china(lon_a, lat_a)
    glon = np.where(out, lon_a, lon_a + dlon)
    glat = np.where(out, lat_a, lat_a + dlat)
    if np.ndim(lon) == 0:
        return float(glon), float(glat)
    return glon, glat


def gcj02_to_wgs84(lon, lat, tolerance: float = 1e-9, max_iter: int = 30):
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration (to ``tolerance`` degrees)."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        tlon, tlat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = np.asarray(tlon) - glon, np.asarray(tlat) - glat
        wlon, wlat = wlon - elon, wlat - elat
        if max(np.max(np.abs(elon)), np.max(np.abs(elat))) < tolerance:
            break
    if np.ndim(lon) == 0:
        return float(wlon), float(wlat)
    return wlon, wlat


GCJ02 = "gcj02"


def parse_crs(text: str) -> CRS | str:
    """A CRS a user names (``EPSG:3857``, a WKT, ...), or ``"gcj02"`` for Gaode/Tencent data."""
    if text.strip().lower() in ("gcj02", "gcj-02"):
        return GCJ02
    try:
        return CRS.from_user_input(text)
    except Exception as exc:
        raise InvalidInput(msg("unknown CRS {0!r}", text)) from exc


MaybeGeometry = TypeVar("MaybeGeometry", bound=BaseGeometry | None)


def to_wgs84(geoms: Sequence[MaybeGeometry], source: CRS | str) -> list[MaybeGeometry]:
    """Geometries transformed from ``source`` (a CRS or ``"gcj02"``) to WGS84 lon/lat (a missing
    one stays missing)."""
    arr = np.asarray(geoms, dtype=object)
    if not len(arr):  # an empty layer
        return []
    if source == GCJ02:
        return list(shapely.transform(arr, gcj02_to_wgs84, interleaved=False))
    assert isinstance(source, CRS)
    if is_wgs84(source):
        return list(geoms)
    return list(reproject(arr, Transformer.from_crs(source, "OGC:CRS84", always_xy=True)))


def crs_name(crs: CRS | str | None) -> str:
    """A short name for messages: ``EPSG:3857``, ``gcj02`` or the CRS's name (WGS84 for none:
    GeoJSON's own)."""
    if crs is None:
        return "WGS84"
    if isinstance(crs, str):
        return crs
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name


def source_crs(file_crs: CRS | None, declared: CRS | str | None) -> CRS | str | None:
    """The CRS to transform from, or None when the data are WGS84 already.

    ``file_crs`` is what the data declare (None: nothing, which GeoJSON reads as WGS84);
    ``declared`` is what the user declares (CLI ``--crs``, API ``Content-Crs``). Data that
    declare their CRS (a GeoPackage, a Shapefile's .prj, CGCS2000 Gauss–Krüger) are transformed
    from it with no flag; a declaration is for data that declare none, or declare it wrongly,
    and then it wins. GCJ-02 data carry no CRS of their own (or claim WGS84), so only the
    declaration can name it. CGCS2000 (EPSG:4490) is taken as WGS84: they differ by centimetres.
    """
    if declared is not None:
        if declared == GCJ02:
            return GCJ02
        crs = declared if isinstance(declared, CRS) else CRS.from_user_input(declared)
        return None if is_wgs84(crs) else transformable(crs)
    if file_crs is None or is_wgs84(file_crs):
        return None
    return transformable(file_crs)


def transformable(crs: CRS) -> CRS:
    """``crs`` when map coordinates can be transformed from it to WGS84: a geographic or
    projected CRS on the Earth (a compound one by its horizontal part). A vertical, geocentric or
    engineering CRS, or one of another body, is refused with a message that says so (PROJ's own
    text is not for users), rather than transformed wrongly or not at all."""
    name = crs_name(crs)
    flat = crs.sub_crs_list[0] if crs.is_compound and crs.sub_crs_list else crs
    if not (flat.is_geographic or flat.is_projected) or flat.is_geocentric:
        raise InvalidInput(msg("{0} is not a map CRS (geographic or projected): map coordinates cannot be "
                               "transformed from it", name))
    try:
        Transformer.from_crs(crs, "OGC:CRS84", always_xy=True)
    except ProjError as exc:
        raise InvalidInput(msg("there is no transformation from {0} to WGS84 (is it a CRS of the Earth?)",
                               name)) from exc
    return crs


def features_to_gcj02(features: list[dict]) -> list[dict]:
    """GeoJSON features with their coordinates shifted to GCJ-02, for drawing over Gaode or
    Tencent tiles (the data themselves stay WGS84)."""
    import shapely
    from shapely.geometry import mapping, shape

    out = []
    for f in features:
        g = f.get("geometry")
        if g:
            f = {**f, "geometry": mapping(shapely.transform(shape(g), wgs84_to_gcj02, interleaved=False))}
        out.append(f)
    return out
