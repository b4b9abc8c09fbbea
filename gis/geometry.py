"""Geometry helpers shared by the grid tools: pure, metric geometries in and out."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


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
        xy = np.delete(xy, bad[0], axis=0)  # one at a time: each removal changes its neighbours' angles
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
        if len(rings[0]) >= 3:
            pieces.append(shapely.Polygon(rings[0], [r for r in rings[1:] if len(r) >= 3]))
    if not pieces:
        return shapely.Polygon()
    fixed = shapely.make_valid(shapely.union_all(pieces))
    kept = [p for p in shapely.get_parts(fixed) if p.geom_type == "Polygon" and p.area > 0]
    return shapely.union_all(kept) if kept else shapely.Polygon()
