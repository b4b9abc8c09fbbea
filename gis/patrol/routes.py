"""Patrol routes for a jurisdiction, a grid or a compound: load, snap the start, solve, report."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from psycopg2.extensions import cursor as Cursor

from gis.db import read_sql
from gis.errors import InvalidInput
from gis.i18n import msg
from gis.network import StreetNetwork
from gis.network_store import Area, LoadedNetwork, default_start, find_area, for_area, load_network
from gis.patrol.exports import Waypoint, street_ids
from gis.patrol.postman import Tour, route_inspection
from gis.patrol.split import Split, split_tour
from gis.settings import Settings
from gis.store import Jurisdiction, find_jurisdiction


@dataclass
class Start:
    """Where the patrol starts and where that meets the streets."""

    lon: float
    lat: float
    node: int
    offset_m: float
    note: str | None = None  # why it starts here, when nobody chose it (no office)


@dataclass
class RoutePlan:
    """Everything a patrol route answer and its exports need."""

    jurisdiction: Jurisdiction
    area: Area
    loaded: LoadedNetwork
    net: StreetNetwork  # the loaded network cut at the start
    start: Start
    tour: Tour          # the single optimal tour
    split: Split        # its share among the workers
    speed_kmh: float
    buildings: list[Waypoint] = field(default_factory=list)  # to show along the route

    def minutes(self, metres: float) -> float:
        return metres / (self.speed_kmh * 1000 / 60)

    def unreachable(self) -> list[tuple[int, str | None]]:
        """The streets of the area no walk from the start reaches (not joined to its network), by
        id, with their names: left out of the route."""
        net = self.net
        return sorted({(int(net.edge_ids[net.parent[e]]), net.names[net.parent[e]]) for e in self.tour.unreachable})

    def to_json(self) -> dict:
        net = self.net
        routes = []
        for i, r in enumerate(self.split.routes, start=1):
            routes.append({"worker": i, "length_m": round(r.length_m, 2),
                           "minutes": round(self.minutes(r.length_m), 1),
                           "deadhead_m": round(r.length_m - r.required_m, 2) if r.steps else 0.0,
                           "edges": street_ids(net, r.steps)})
        unreachable = [edge for edge, _ in self.unreachable()]
        return {
            "jurisdiction": self.jurisdiction.slug,
            "area": {"kind": self.area.kind, "name": self.area.label},
            "start": {"lon": self.start.lon, "lat": self.start.lat,
                      "to_street_m": round(self.start.offset_m, 2), "note": self.start.note},
            "workers": len(self.split.routes),
            "walking_speed_kmh": self.speed_kmh,
            "length_m": round(sum(r.length_m for r in self.split.routes), 2),
            "lower_bound_m": round(self.tour.lower_bound_m, 2),
            "deadhead_m": round(sum(r.length_m for r in self.split.routes) - self.tour.required_m, 2),
            "required_m": round(self.tour.required_m, 2),
            "optimal": self.tour.exact,
            "single_length_m": round(self.tour.length_m, 2),
            "longest_m": round(self.split.longest_m, 2),
            "longest_lower_bound_m": round(self.split.longest_lower_bound_m, 2),
            "balance": round(self.split.balance, 4),
            "unreachable_edges": unreachable,
            "duplicate_edges_ignored": self.loaded.duplicates,
            "routes": routes,
        }


def snap_start(loaded: LoadedNetwork, lonlat: tuple[float, float], max_m: float):
    """Cut the network at the start; refuse a start too far from any street."""
    x, y = loaded.to_metric.transform(*lonlat)
    snap = loaded.net.snap(np.array([[x, y]]), max_m)[0]
    if snap is None:
        raise InvalidInput(msg("the start ({0:.6f}, {1:.6f}) is more than {2:g} m from any street "
                               "(GRIDMAP_SNAP_MAX_M)", lonlat[0], lonlat[1], max_m))
    net, (node,) = loaded.net.split_at([snap])
    return net, Start(lonlat[0], lonlat[1], node, snap.offset_m)


def plan_routes(cur: Cursor, slug: str, settings: Settings, *, grid: str | None = None,
                compound: str | None = None, workers: int = 1,
                start: tuple[float, float] | None = None, network: LoadedNetwork | None = None) -> RoutePlan:
    """The optimal patrol of an area, shared among ``workers``; ``network``: the jurisdiction's
    streets loaded already (:func:`load_network` for no area), for plans of several areas."""
    if workers < 1:
        raise InvalidInput(msg("workers must be at least 1"))
    jur = find_jurisdiction(cur, slug)
    area = find_area(cur, jur, grid, compound)
    loaded = for_area(network, area) if network is not None else load_network(cur, jur, area)
    note = None
    if start is None:
        start, note = default_start(cur, jur)
    net, where = snap_start(loaded, start, settings.snap_max_m)
    where.note = note
    required = loaded.in_area[net.parent]
    tour = route_inspection(net, required, where.node)
    split = split_tour(net, tour, workers)
    cur.execute(read_sql("area_buildings.sql"), {"jurisdiction_id": jur.id, "kinds": list(settings.commercial_kinds),
                                                 "area": area.geom.wkb if area.geom is not None else None})
    buildings = [Waypoint(lon, lat, name, None, kind) for _, name, kind, lon, lat in cur.fetchall()]
    return RoutePlan(jur, area, loaded, net, where, tour, split, settings.walking_speed_kmh, buildings)
