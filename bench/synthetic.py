"""A synthetic city for the benchmarks: a jittered street lattice with some streets missing (dead
ends, T-junctions), in memory, and the same stored in PostGIS as a jurisdiction of its own."""

from __future__ import annotations

import numpy as np
import shapely
from psycopg2.extras import execute_values
from pyproj import Transformer
from shapely import box, to_wkb
from shapely.geometry import LineString

from gis.jurisdictions import create_jurisdiction
from gis.network import StreetNetwork

# Where a stored city lies: in Beijing's UTM zone (EPSG:32650), its lattice from this corner.
ORIGIN = np.array([455000.0, 4415000.0])


def synthetic_city(side: int, block_m: float, drop: float, seed: int) -> StreetNetwork:
    """A ``side`` × ``side`` lattice of ``block_m`` blocks, nodes jittered, a share ``drop`` of
    the streets missing: its biggest connected piece (~2·side² edges)."""
    rng = np.random.default_rng(seed)
    xy = np.stack(np.meshgrid(np.arange(side), np.arange(side)), axis=-1).reshape(-1, 2) * block_m
    xy = xy + rng.uniform(-0.15, 0.15, xy.shape) * block_m
    idx = np.arange(side * side).reshape(side, side)
    pairs = np.concatenate([np.stack([idx[:, :-1].ravel(), idx[:, 1:].ravel()], 1),
                            np.stack([idx[:-1, :].ravel(), idx[1:, :].ravel()], 1)])
    pairs = pairs[rng.random(len(pairs)) > drop]
    net = StreetNetwork.from_lines([LineString([xy[a], xy[b]]) for a, b in pairs])
    label = net.components()
    return net.subset(label[net.u] == np.bincount(label[net.u]).argmax())


def store_city(cur, net: StreetNetwork, slug: str, name: str) -> int:
    """``net`` as jurisdiction ``slug`` in PostGIS: its boundary the lattice's box (10 m around),
    its office at the middle node, its streets inserted for the database's rules to join them
    into nodes and measure them. Nothing is committed here (the caller's transaction). Returns
    the jurisdiction's id."""
    to_wgs84 = Transformer.from_crs(32650, 4326, always_xy=True)

    def lonlat(g):
        return shapely.transform(g, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0] + ORIGIN[0],
                                                                                  xy[:, 1] + ORIGIN[1])))

    minx, miny = net.node_xy.min(axis=0) - 10
    maxx, maxy = net.node_xy.max(axis=0) + 10
    office = to_wgs84.transform(*(net.node_xy[net.n_nodes // 2] + ORIGIN))
    jur = create_jurisdiction(cur, slug, name, lonlat(box(minx, miny, maxx, maxy)), office=office)
    execute_values(cur, "INSERT INTO street_edge (jurisdiction_id, geom) VALUES %s",
                   [(jur.id, to_wkb(lonlat(g))) for g in net.geoms], template="(%s, ST_GeomFromWKB(%s, 4326))",
                   page_size=5000)
    return jur.id
