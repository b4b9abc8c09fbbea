"""Load a jurisdiction's street network from PostGIS into a :class:`StreetNetwork`; find areas.

Thin: the topology (``source``/``target``) and lengths are the database's; geometry comes in the
jurisdiction's metric CRS for snapping and drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import shapely
from psycopg2.extensions import cursor as Cursor
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gis.crs import transformers
from gis.db import read_sql
from gis.errors import InvalidInput, NotFound
from gis.geometry import reproject
from gis.i18n import msg
from gis.network import StreetNetwork, no_gc
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
    duplicates: list[int]               # edge ids that repeat another street
    to_wgs84: Transformer
    to_metric: Transformer
    # the network's version when it was read (:func:`streets_version`): what is kept of a walk
    # matched on it checks it is still the network there (a re-import meanwhile changes the ids)
    version: int


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
        raise InvalidInput(msg("give a grid or a compound, not both"))
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
        raise NotFound(msg("{0} has no {1} {2!r}", jur.slug, kind, label))
    return Area(kind, label, shapely.from_wkb(bytes(row[0])))


def streets_version(cur: Cursor, jurisdiction_id: int, *, hold: bool = False) -> int:
    """The version of a jurisdiction's street network: its edges' and nodes' layer versions
    together, moved by every statement that changes either (005_layer_versions.sql). ``hold``:
    the versions are held (FOR SHARE) to the end of the transaction, so that no change of the
    streets commits meanwhile (one under way is waited for, and read)."""
    cur.execute("SELECT coalesce(sum(version), 0) FROM (SELECT version FROM layer_version"
                " WHERE jurisdiction_id = %s AND layer IN ('street_edge', 'street_node')"
                f"{' FOR SHARE' if hold else ''}) v", (jurisdiction_id,))
    return int(cur.fetchone()[0])


def load_network(cur: Cursor, jur: Jurisdiction, area: Area | None = None,
                 margin_m: float = AREA_MARGIN_M) -> LoadedNetwork:
    """The jurisdiction's streets; ``in_area`` marks those in ``area`` (all when ``None``)."""
    version = streets_version(cur, jur.id)  # read first: a change after it reads as a change, never the reverse
    cur.execute(read_sql("network_nodes.sql"), {"jurisdiction_id": jur.id})
    node_ids, lons, lats = cur.fetchone()
    cur.execute(read_sql("network.sql"), {"jurisdiction_id": jur.id})
    ids, sources, targets, lengths, names, wkb = cur.fetchone()
    if not ids:
        raise InvalidInput(msg("{0} has no streets: import a street network first", jur.slug))
    to_metric, to_wgs84 = transformers(jur.metric_srid)
    node_ids = np.asarray(node_ids, dtype=np.int64)
    by_node = np.argsort(node_ids)
    node_ids = node_ids[by_node]
    ids = np.asarray(ids, dtype=np.int64)
    by_id = np.argsort(ids)  # a stable order, so the same network gives the same walk
    with no_gc():
        geoms = shapely.get_parts(reproject(shapely.from_wkb(bytes(wkb)), to_metric))[by_id]
    net = StreetNetwork(u=np.searchsorted(node_ids, np.asarray(sources, dtype=np.int64)[by_id]),
                        v=np.searchsorted(node_ids, np.asarray(targets, dtype=np.int64)[by_id]),
                        length=np.asarray(lengths, dtype=float)[by_id],
                        node_xy=np.column_stack(to_metric.transform(np.asarray(lons, dtype=float)[by_node],
                                                                    np.asarray(lats, dtype=float)[by_node])),
                        geoms=np.asarray(geoms, dtype=object), parent=np.arange(len(ids)), edge_ids=ids[by_id],
                        names=[names[i] for i in by_id.tolist()])
    dup = _duplicates(net)
    whole = np.ones(len(ids), dtype=bool)
    whole[dup] = False
    return for_area(LoadedNetwork(net, whole, net.edge_ids[dup].tolist(), to_wgs84, to_metric, version), area, margin_m)


def for_area(whole: LoadedNetwork, area: Area | None, margin_m: float = AREA_MARGIN_M) -> LoadedNetwork:
    """The jurisdiction's network (``whole``, as :func:`load_network` gives it for no area) with
    ``in_area`` marking the streets of ``area``: one load serves every grid of a schedule."""
    if area is None or area.geom is None:
        return whole
    grown = shapely.buffer(reproject(area.geom, whole.to_metric), margin_m)
    shapely.prepare(grown)
    return replace(whole, in_area=whole.in_area & shapely.covered_by(whole.net.geoms, grown))


def _duplicates(net: StreetNetwork) -> list[int]:
    """Edges that repeat an earlier edge between the same nodes along the same line."""
    a, b = np.minimum(net.u, net.v), np.maximum(net.u, net.v)
    order = np.lexsort((np.arange(net.n_edges), b, a))
    same = (a[order][1:] == a[order][:-1]) & (b[order][1:] == b[order][:-1])
    out = set()
    for k in np.flatnonzero(same).tolist():  # only edges sharing both ends are compared
        e = int(order[k + 1])
        group_start = k
        while group_start > 0 and same[group_start - 1]:
            group_start -= 1
        for other in order[group_start:k + 1].tolist():
            if other not in out and shapely.hausdorff_distance(net.geoms[e], net.geoms[other]) < DUPLICATE_TOLERANCE_M:
                out.add(e)
                break
    return sorted(out)


def office_of(cur: Cursor, jur: Jurisdiction) -> tuple[float, float] | None:
    """The community office (lon, lat), the default patrol start."""
    cur.execute("SELECT ST_X(office), ST_Y(office) FROM jurisdiction WHERE id = %s AND office IS NOT NULL",
                (jur.id,))
    row = cur.fetchone()
    return (row[0], row[1]) if row else None


def default_start(cur: Cursor, jur: Jurisdiction) -> tuple[tuple[float, float], str | None]:
    """Where a patrol starts when none is given: the community office; with no office, the
    street point nearest the jurisdiction's centre, and a note saying so (and how to set one)."""
    office = office_of(cur, jur)
    if office is not None:
        return office, None
    cur.execute(read_sql("central_street_point.sql"), {"jurisdiction_id": jur.id})
    row = cur.fetchone()
    if row is None or row[0] is None:
        raise InvalidInput(msg("{0} has no streets to walk: import them first (gridmap import file … --layer "
                               "street_edge)", jur.slug))
    return (row[0], row[1]), (f"{jur.slug} has no community office: the route starts at the street point "
                              f"nearest its centre ({row[0]:.6f}, {row[1]:.6f}); set the office with "
                              f"gridmap jurisdiction update {jur.slug} --office LON,LAT")
