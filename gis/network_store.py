"""Load a jurisdiction's street network from PostGIS into a :class:`StreetNetwork`; find areas.

Thin: the topology (``source``/``target``) and lengths are the database's; geometry comes in the
jurisdiction's metric CRS for snapping and drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from psycopg2.extensions import cursor as Cursor
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gis.db import read_sql
from gis.errors import InvalidInput, NotFound
from gis.network import StreetNetwork
from gis.store import Jurisdiction

# Streets within this many metres outside an area still belong to it (boundary streets).
AREA_MARGIN_M = 20.0
# Two edges joining the same nodes whose shapes differ by less than this are one street twice.
DUPLICATE_TOLERANCE_M = 1.0


@dataclass
class LoadedNetwork:
    """A street network with what the loader noticed about it."""

    net: StreetNetwork
    in_area: np.ndarray                 # (m,) bool: the edge lies in the requested area
    duplicates: list[int] = field(default_factory=list)  # edge ids that repeat another street
    to_wgs84: Transformer | None = None
    to_metric: Transformer | None = None


@dataclass(frozen=True)
class Area:
    """Where to patrol: the whole jurisdiction, a grid or a compound."""

    kind: str
    label: str
    geom: BaseGeometry | None  # EPSG:4326; None for the whole jurisdiction


def find_area(cur: Cursor, jur: Jurisdiction, grid: str | None = None,
              compound: str | None = None) -> Area:
    """The jurisdiction, or one of its grids (by code) or compounds (by name)."""
    if grid and compound:
        raise InvalidInput("give a grid or a compound, not both")
    if grid:
        cur.execute("SELECT ST_AsBinary(geom) FROM grid WHERE jurisdiction_id = %s AND code = %s",
                    (jur.id, grid))
        kind, label = "grid", grid
    elif compound:
        cur.execute("SELECT ST_AsBinary(geom) FROM compound WHERE jurisdiction_id = %s AND name = %s",
                    (jur.id, compound))
        kind, label = "compound", compound
    else:
        cur.execute("SELECT ST_AsBinary(geom) FROM jurisdiction WHERE id = %s", (jur.id,))
        kind, label = "jurisdiction", jur.slug
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"{jur.slug} has no {kind} {label!r}")
    return Area(kind, label, shapely.from_wkb(bytes(row[0])))


def load_network(cur: Cursor, jur: Jurisdiction, area: Area | None = None,
                 margin_m: float = AREA_MARGIN_M) -> LoadedNetwork:
    """The jurisdiction's streets; ``in_area`` marks those in ``area`` (all when ``None``)."""
    cur.execute(read_sql("network_nodes.sql"), {"jurisdiction_id": jur.id})
    nodes = cur.fetchall()
    wkb = area.geom.wkb if area is not None and area.geom is not None else None
    cur.execute(read_sql("network.sql"), {"jurisdiction_id": jur.id, "area": wkb, "margin": margin_m})
    rows = cur.fetchall()
    if not rows:
        raise InvalidInput(f"{jur.slug} has no streets: import a street network first")
    index = {nid: i for i, (nid, _, _) in enumerate(nodes)}
    node_xy = np.asarray([(x, y) for _, x, y in nodes], dtype=float)
    ids = np.asarray([r[0] for r in rows], dtype=np.int64)
    u = np.asarray([index[r[1]] for r in rows], dtype=np.int64)
    v = np.asarray([index[r[2]] for r in rows], dtype=np.int64)
    geoms = shapely.from_wkb([bytes(r[5]) for r in rows])
    net = StreetNetwork(u=u, v=v, length=np.asarray([r[3] for r in rows], dtype=float),
                        node_xy=node_xy, geoms=np.asarray(geoms, dtype=object),
                        parent=np.arange(len(rows)), edge_ids=ids, names=[r[4] for r in rows])
    in_area = np.asarray([r[6] for r in rows], dtype=bool)
    dup = _duplicates(net)
    in_area[dup] = False
    return LoadedNetwork(net, in_area, ids[dup].tolist(),
                         Transformer.from_crs(jur.metric_srid, 4326, always_xy=True),
                         Transformer.from_crs(4326, jur.metric_srid, always_xy=True))


def _duplicates(net: StreetNetwork) -> list[int]:
    """Edges that repeat an earlier edge between the same nodes along the same line."""
    seen: dict[tuple[int, int], list[int]] = {}
    out = []
    for e in range(net.n_edges):
        key = (min(int(net.u[e]), int(net.v[e])), max(int(net.u[e]), int(net.v[e])))
        for other in seen.get(key, []):
            if shapely.hausdorff_distance(net.geoms[e], net.geoms[other]) < DUPLICATE_TOLERANCE_M:
                out.append(e)
                break
        else:
            seen.setdefault(key, []).append(e)
    return out


def office_of(cur: Cursor, jur: Jurisdiction) -> tuple[float, float] | None:
    """The community office (lon, lat), the default patrol start."""
    cur.execute("SELECT ST_X(office), ST_Y(office) FROM jurisdiction WHERE id = %s AND office IS NOT NULL",
                (jur.id,))
    row = cur.fetchone()
    return (row[0], row[1]) if row else None
