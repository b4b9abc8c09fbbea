"""Geometry helpers shared by the grid, coverage and patrol tools: pure, geometries in and out.

- :func:`polygons`: the polygonal part of a geometry, made valid (set operations, reprojection
  and OSM footprints leave invalid rings, stray lines and points).
- :func:`largest_polygon`: the biggest piece of that, where one Polygon must be stored.
- :func:`reproject`: a geometry (or an array of them) through a pyproj transformer.
- :func:`shared_boundary` and :func:`longest_shared_boundary`: which neighbour a piece shares
  most edge with, the one it is given to when it must join a neighbour.
- :func:`without_spikes`: polygons without the debris of overlaying nearly equal edges.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

# Geometry type ids of shapely (GEOS) with parts: MultiPoint, MultiLineString, MultiPolygon, GeometryCollection.
_MULTI = (4, 5, 6, 7)
_POLYGON = 3

G = TypeVar("G", BaseGeometry, npt.NDArray[np.object_])


def polygons(g: BaseGeometry | None, grid_size: float | None = None, method: str = "structure") -> BaseGeometry:
    """The polygonal part of ``g``, valid: a Polygon or MultiPolygon (an empty Polygon when there
    is none).

    An invalid ``g`` is repaired by GEOS's ``structure`` method (rings bound area, holes take it
    away; what collapses to a line or a point is dropped); lines, points and pieces of no area
    are left out, also of a valid collection, whose polygons are unioned (they may overlap). A
    valid Polygon or MultiPolygon comes back as it is, unless ``grid_size`` is given: then the
    polygons are unioned on that grid (metres), which snaps nearly shared edges together, and a
    repaired geometry is put on that grid too (the repair adds vertices where edges cross). A
    single valid polygon stays off the grid even then (GEOS hands a one-polygon union back as it
    was), so two grids, one unioned from pieces and one not, can disagree along a shared edge by
    under ``grid_size`` (a layout edit makes its grids a clean coverage at the end for that).

    ``method="linework"`` repairs as GEOS's default does (every area the rings enclose, a
    bow-tie's two halves kept): what a drawn edit needs, where a vertex dragged across an edge
    means the area it now encloses.
    """
    if g is None or g.is_empty:
        return shapely.Polygon()
    if not g.is_valid:
        g = (shapely.make_valid(g, method="structure", keep_collapsed=False) if method == "structure"
             else shapely.make_valid(g))
        if grid_size is not None:
            g = shapely.set_precision(g, grid_size)
    if g.geom_type == "Polygon" and grid_size is None:
        return g if g.area > 0 else shapely.Polygon()
    parts = shapely.get_parts(g)
    while len(parts) and np.isin(shapely.get_type_id(parts), _MULTI).any():
        parts = shapely.get_parts(parts)  # a collection can hold a multi-part geometry
    kept = parts[(shapely.get_type_id(parts) == _POLYGON) & (shapely.area(parts) > 0)]
    if not len(kept):
        return shapely.Polygon()
    if g.geom_type == "MultiPolygon" and grid_size is None:  # valid: its parts overlap nowhere
        if len(kept) == len(parts):
            return g
        return kept[0] if len(kept) == 1 else shapely.multipolygons(kept)
    return shapely.union_all(kept, grid_size=grid_size)


def largest_polygon(g: BaseGeometry | None) -> BaseGeometry:
    """The largest Polygon of :func:`polygons` of ``g`` (an empty Polygon when there is none)."""
    parts = shapely.get_parts(polygons(g))
    return max(parts, key=lambda p: p.area) if len(parts) else shapely.Polygon()


def reproject(geom: G, transformer: Transformer) -> G:
    """``geom`` (a geometry, or an array of them) with its coordinates put through
    ``transformer`` (made with ``always_xy=True``); x and y only."""
    # shapely (untyped) gives back what it was given: a geometry for a geometry, an array for an array
    return cast(G, shapely.transform(geom, transformer.transform, interleaved=False))


def shared_boundary(piece: BaseGeometry, geoms: Sequence[BaseGeometry] | npt.NDArray[np.object_],
                    grow_m: float = 0.05) -> npt.NDArray[np.float64]:
    """Metres of each of ``geoms``' boundary within ``grow_m`` of ``piece`` (0 for an empty one, or
    one without a boundary)."""
    arr = np.asarray(geoms, dtype=object)
    out = np.zeros(len(arr))
    if not len(arr):
        return out
    grown = shapely.buffer(piece, grow_m)
    near = np.flatnonzero(shapely.intersects(arr, grown))
    if len(near):
        length = shapely.length(shapely.intersection(shapely.boundary(arr[near]), grown))
        out[near] = np.nan_to_num(length, nan=0.0)  # a collection has no boundary: None, NaN length
    return out


def longest_shared_boundary(piece: BaseGeometry, geoms: Sequence[BaseGeometry] | npt.NDArray[np.object_],
                            skip: Collection[int] = (), grow_m: float = 0.05) -> int:
    """The index of the geometry in ``geoms`` sharing the most boundary with ``piece`` (within
    ``grow_m``; the first on a tie), leaving out the indices in ``skip``; -1 when none shares any."""
    shared = shared_boundary(piece, geoms, grow_m)
    if skip:
        shared[np.fromiter(skip, dtype=np.int64)] = 0.0
    best = int(np.argmax(shared)) if len(shared) else -1
    return best if best >= 0 and shared[best] > 0 else -1


def _ring(xy: np.ndarray, min_edge_m: float, spike_deg: float, straight_m: float) -> np.ndarray:
    """A ring's vertices (open: the closing point left off) without short edges, spikes and
    vertices on a straight edge: a vertex closer than ``min_edge_m`` to the one before it goes,
    so does one where the ring turns back on itself (an angle under ``spike_deg``: a zero-width
    spike or sliver tip), and one less than ``straight_m`` off the line through its neighbours
    (where the ring goes straight on)."""
    limit = np.cos(np.radians(spike_deg))
    while len(xy) > 3:
        nxt, prv = np.roll(xy, -1, axis=0), np.roll(xy, 1, axis=0)
        short = np.hypot(*(xy - prv).T) < min_edge_m
        u, v = prv - xy, nxt - xy
        cos = np.einsum("ij,ij->i", u, v) / np.maximum(np.hypot(*u.T) * np.hypot(*v.T), 1e-12)
        chord = nxt - prv
        off = np.abs(chord[:, 0] * u[:, 1] - chord[:, 1] * u[:, 0]) / np.maximum(np.hypot(*chord.T), 1e-12)
        straight = (off < straight_m) & (cos < 0)  # on the line and between its neighbours
        bad = np.flatnonzero(short | (cos > limit) | straight)
        if not len(bad):
            break
        if not (short | (cos > limit)).any():
            # only vertices on a straight edge (a shared edge cut every metre leaves hundreds): every
            # other one of each run at once, so that none goes with a neighbour whose angle it changes
            idx = np.arange(len(xy))
            start = straight & ~np.roll(straight, 1)
            run_start = np.maximum.accumulate(np.where(start, idx, 0))
            take = straight & ((idx - run_start) % 2 == 0)
            if take[0] and take[-1]:  # neighbours across the ring's seam
                take[-1] = False
            if len(xy) - take.sum() >= 3:
                xy = xy[~take]
                continue
        k = bad[0]
        if short[k] and not (cos[k] > limit or straight[k]):
            # of a short edge's two ends, the one whose going moves the ring least goes: a corner
            # stays, and the vertex a few centimetres along its edge goes
            turn = np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])  # twice the triangle each vertex spans
            k = (k - 1) % len(xy) if turn[k - 1] < turn[k] else k
        xy = np.delete(xy, k, axis=0)  # one at a time: each removal changes its neighbours' angles
    return xy


def without_spikes(g: BaseGeometry, min_edge_m: float = 0.05, spike_deg: float = 1.0,
                   straight_m: float = 1e-4) -> BaseGeometry:
    """Polygons without the debris that overlaying nearly equal edges leaves: spikes, sliver tips,
    edges shorter than ``min_edge_m``, repeated points and vertices on a straight edge; made valid
    again (polygons only)."""
    pieces = []
    for p in shapely.get_parts(g):
        if p.geom_type != "Polygon" or p.is_empty:
            continue
        rings = [_ring(np.asarray(r.coords)[:-1], min_edge_m, spike_deg, straight_m)
                 for r in (p.exterior, *p.interiors)]
        if len(rings[0]) >= 3:  # each made valid alone: a dropped vertex can make its ring cross itself
            pieces.append(polygons(shapely.Polygon(rings[0], [r for r in rings[1:] if len(r) >= 3]),
                                   method="linework"))
    if not pieces:
        return shapely.Polygon()
    return polygons(shapely.union_all(pieces), method="linework")
