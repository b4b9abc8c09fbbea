"""CAD drawings (DXF, as 规划 and 物业 offices export them from AutoCAD): building outlines and
road lines picked by their CAD layer (图层).

GDAL reads a DXF as one table of entities, each with the ``Layer`` it was drawn on. A building is
drawn as a closed polyline (or a hatch); a road as a polyline. A DXF declares no CRS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import shapely
from shapely.geometry import LineString, MultiLineString, Polygon
from shapely.geometry.base import BaseGeometry

from gis.errors import InvalidInput
from gis.i18n import msg

# What a gridmap layer takes from a drawing: outlines (areas) or lines.
AREAS = frozenset({"building", "compound", "courier_zone", "grid", "jurisdiction_boundary"})
LINES = frozenset({"street_edge"})
_CLOSED_TOLERANCE_M = 0.01  # a polyline whose ends are this close is drawn closed


# Why a drawing's entity was left out (said in the import's notes).
EMPTY = msg("empty")
NOT_CLOSED = msg("not a closed outline")
NOT_LINE = msg("not a line")


@dataclass(frozen=True)
class Drawing:
    """The shapes taken from a drawing, and what was left out (by reason)."""

    geometries: list[BaseGeometry]
    cad_layers: list[str]  # the CAD layers they came from
    skipped: dict[str, int]


def _as_area(geom: BaseGeometry) -> BaseGeometry | None:
    if isinstance(geom, Polygon):
        return geom
    if isinstance(geom, LineString) and len(geom.coords) >= 4:
        start, end = shapely.Point(geom.coords[0]), shapely.Point(geom.coords[-1])
        if start.distance(end) <= _CLOSED_TOLERANCE_M:
            ring = list(geom.coords)[:-1] + [geom.coords[0]]
            area = Polygon(ring)
            return area if area.area > 0 else None
    return None


def _as_line(geom: BaseGeometry) -> list[BaseGeometry]:
    if isinstance(geom, LineString):
        return [geom]
    if isinstance(geom, MultiLineString):
        return list(geom.geoms)
    return []


def shapes(frame: gpd.GeoDataFrame, layer: str, cad_layers: Sequence[str] = ()) -> Drawing:
    """The shapes of ``frame`` (a DXF's entities) for gridmap layer ``layer``: closed outlines
    for areas, polylines for streets, from the CAD layers named (when none are: the drawing's only
    one; a drawing of several is refused, naming them — but a boundary takes all)."""
    if layer not in AREAS | LINES:
        raise InvalidInput(msg("a drawing holds outlines and lines: import it as building, compound, courier_zone, "
                               "grid or street_edge, not {0}", layer))
    present = sorted({str(v) for v in frame.get("Layer", [])})
    if not cad_layers and len(present) > 1 and layer != "jurisdiction_boundary":
        # all of them took the buildings' outlines as streets (and the roads' as buildings)
        raise InvalidInput(msg("the drawing has {0} CAD layers ({1}): name the one to import as {2} with --cad-layer",
                               len(present), ", ".join(present), layer))
    wanted = list(cad_layers) or present
    unknown = [c for c in wanted if c not in present]
    if unknown:
        raise InvalidInput(msg("the drawing has no CAD layer {0}; its layers: {1}",
                               ", ".join(unknown), ", ".join(present) or "none"))
    picked = frame[frame["Layer"].astype(str).isin(wanted)] if "Layer" in frame else frame
    out: list[BaseGeometry] = []
    used: set[str] = set()
    skipped: dict[str, int] = {}
    for cad_layer, geom in zip(picked["Layer"].astype(str), picked.geometry, strict=True):
        if geom is None or geom.is_empty:
            skipped[EMPTY] = skipped.get(EMPTY, 0) + 1
            continue
        if layer in AREAS:
            area = _as_area(geom)
            if area is None:
                skipped[NOT_CLOSED] = skipped.get(NOT_CLOSED, 0) + 1
                continue
            out.append(area)
        else:
            lines = _as_line(geom)
            if not lines:
                skipped[NOT_LINE] = skipped.get(NOT_LINE, 0) + 1
                continue
            out.extend(lines)
        used.add(cad_layer)
    if not out:
        raise InvalidInput(msg("the drawing has no {0} on CAD layer {1}: name the layer with --cad-layer (its "
                               "layers: {2})", "closed outlines" if layer in AREAS else "lines",
                               ", ".join(wanted) or "any", ", ".join(present) or "none"))
    return Drawing(out, sorted(used), skipped)
