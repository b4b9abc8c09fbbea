"""Service areas: what is reachable within a walking distance along the streets (not circles).

Every street is walked from both ends as far as the distance left allows; the reached stretches,
widened by ``buffer_m`` (the few metres from a street to a door), are the service area.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from gis.network import StreetNetwork


def reached_lines(net: StreetNetwork, node_distance: np.ndarray, limit: float) -> list:
    """The stretches of street within ``limit`` metres of the nearest facility (metric lines)."""
    da, db = node_distance[net.u], node_distance[net.v]
    length = net.length
    left_a = np.clip(limit - da, 0, None)   # metres one can go in from the u end
    left_b = np.clip(limit - db, 0, None)
    whole = left_a + left_b >= length
    geoms = net.edge_geoms()
    out = list(geoms[whole & ((left_a > 0) | (left_b > 0))])
    for e in np.flatnonzero(~whole & ((left_a > 0) | (left_b > 0))).tolist():
        if left_a[e] > 0:
            out.append(substring(geoms[e], 0, left_a[e] / length[e], normalized=True))
        if left_b[e] > 0:
            out.append(substring(geoms[e], 1 - left_b[e] / length[e], 1, normalized=True))
    return out


def service_areas(net: StreetNetwork, node_distance: np.ndarray, limits: list[float],
                  buffer_m: float) -> dict[float, BaseGeometry]:
    """One (multi)polygon per limit, metric."""
    out = {}
    for limit in limits:
        lines = reached_lines(net, node_distance, limit)
        out[limit] = (shapely.union_all(shapely.buffer(np.asarray(lines, dtype=object), buffer_m))
                      if lines else shapely.Polygon())
    return out
