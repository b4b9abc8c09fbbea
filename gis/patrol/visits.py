"""Building visits: the shortest walk from the start through a chosen set of buildings and back."""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely
from psycopg2.extensions import cursor as Cursor

from gis.db import read_sql
from gis.errors import InvalidInput, NotFound
from gis.i18n import msg
from gis.network import StreetNetwork
from gis.network_store import LoadedNetwork, default_start, load_network
from gis.patrol.exports import Waypoint, street_ids
from gis.patrol.postman import Step
from gis.patrol.routes import Start
from gis.patrol.tsp import held_karp_bound, solve_tour, tour_length
from gis.settings import Settings
from gis.store import find_jurisdiction

KINDS = ("residential", "office", "apartment", "hotel", "mall", "public", "other")


@dataclass
class Stop:
    building_id: int
    name: str | None
    kind: str
    lon: float
    lat: float
    to_street_m: float


@dataclass
class VisitPlan:
    """The order of the visits, the walk, and the proof of how good it is."""

    jurisdiction: str
    loaded: LoadedNetwork
    net: StreetNetwork
    start: Start
    stops: list[Stop]            # in visiting order
    steps: list[Step]
    street_m: float
    lower_bound_m: float
    speed_kmh: float
    unreachable: list[dict] = field(default_factory=list)

    @property
    def access_m(self) -> float:
        """From the street to each entrance and back."""
        return 2 * sum(s.to_street_m for s in self.stops)

    def waypoints(self) -> list[Waypoint]:
        start = Waypoint(self.start.lon, self.start.lat, "start", None, "start")
        return [start] + [Waypoint(s.lon, s.lat, s.name or f"building {s.building_id}", i, "visit")
                          for i, s in enumerate(self.stops, start=1)]

    def to_json(self) -> dict:
        gap = (self.street_m - self.lower_bound_m) / self.lower_bound_m if self.lower_bound_m else 0.0
        total = self.street_m + self.access_m
        return {
            "jurisdiction": self.jurisdiction,
            "start": {"lon": self.start.lon, "lat": self.start.lat, "note": self.start.note},
            "length_m": round(total, 2),
            "street_m": round(self.street_m, 2),
            "access_m": round(self.access_m, 2),
            "lower_bound_m": round(self.lower_bound_m, 2),
            "gap": round(gap, 6),
            "minutes": round(total / (self.speed_kmh * 1000 / 60), 1),
            "stops": [{"seq": i, "building_id": s.building_id, "name": s.name, "kind": s.kind,
                       "to_street_m": round(s.to_street_m, 2)} for i, s in enumerate(self.stops, start=1)],
            "unreachable": self.unreachable,
            "edges": street_ids(self.net, self.steps),
        }


def parse_ids(text: str | None) -> list[int] | None:
    """``"1,2,3"`` → ``[1, 2, 3]``."""
    if not text:
        return None
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InvalidInput(msg("building ids are whole numbers separated by commas, got {0!r}", text)) from None


@dataclass
class VisitInputs:
    """What a visit plan reads: the chosen buildings, the street network and the start."""

    slug: str
    rows: list[tuple]
    loaded: LoadedNetwork
    start: tuple[float, float]
    start_note: str | None = None  # why it starts there, when nobody chose it (no office)


def plan_visits(cur: Cursor, slug: str, settings: Settings, *, building_ids: list[int] | None = None,
                kinds: list[str] | None = None, grid: str | None = None,
                start: tuple[float, float] | None = None) -> VisitPlan:
    """The shortest walk through the chosen buildings (by id, kind or grid) from the start."""
    return solve_visits(load_visits(cur, slug, building_ids=building_ids, kinds=kinds, grid=grid, start=start),
                        settings)


def load_visits(cur: Cursor, slug: str, *, building_ids: list[int] | None = None, kinds: list[str] | None = None,
                grid: str | None = None, start: tuple[float, float] | None = None) -> VisitInputs:
    """Read what :func:`solve_visits` needs, in one transaction."""
    for k in kinds or []:
        if k not in KINDS:
            raise InvalidInput(msg("unknown building kind {0!r}; one of {1}", k, ", ".join(KINDS)))
    jur = find_jurisdiction(cur, slug)
    cur.execute(read_sql("visit_buildings.sql"), {"jurisdiction_id": jur.id, "ids": building_ids,
                                                  "kinds": kinds, "grid": grid})
    rows = cur.fetchall()
    if building_ids:
        missing = sorted(set(building_ids) - {r[0] for r in rows})
        if missing:
            raise NotFound(msg("{0} has no building {1}", slug, ", ".join(map(str, missing))))
    if not rows:
        raise InvalidInput(msg("no buildings to visit: the selection is empty"))
    loaded = load_network(cur, jur)
    note = None
    if start is None:
        start, note = default_start(cur, jur)
    return VisitInputs(slug, rows, loaded, start, note)


def solve_visits(inputs: VisitInputs, settings: Settings) -> VisitPlan:
    """:func:`plan_visits` on inputs already read (no database); the tour and its bound stop at
    ``settings.solver_time_limit_s`` with the best found (the plan's gap says how good)."""
    slug, rows, loaded, start = inputs.slug, inputs.rows, inputs.loaded, inputs.start
    sx, sy = loaded.to_metric.transform(*start)
    geoms = [shapely.points(sx, sy)] + [shapely.from_wkb(bytes(r[4])) for r in rows]
    snaps = loaded.net.snap_geoms(geoms, settings.snap_max_m)
    if snaps[0] is None:
        raise InvalidInput(msg("the start ({0:.6f}, {1:.6f}) is more than {2:g} m from any street "
                               "(GRIDMAP_SNAP_MAX_M)", start[0], start[1], settings.snap_max_m))
    unreachable = [{"building_id": r[0], "name": r[1], "reason": f"more than {settings.snap_max_m:g} m "
                    "from any street"} for r, s in zip(rows, snaps[1:], strict=True) if s is None]
    kept = [(r, s) for r, s in zip(rows, snaps[1:], strict=True) if s is not None]
    net, nodes = loaded.net.split_at([snaps[0]] + [s for _, s in kept])
    label = net.components()
    on_piece = [label[n] == label[nodes[0]] for n in nodes[1:]]
    unreachable += [{"building_id": r[0], "name": r[1], "reason": "its street is not connected to the start"}
                    for (r, _), ok in zip(kept, on_piece, strict=True) if not ok]
    kept = [k for k, ok in zip(kept, on_piece, strict=True) if ok]
    nodes = [nodes[0]] + [n for n, ok in zip(nodes[1:], on_piece, strict=True) if ok]
    if not kept:
        raise InvalidInput(msg("none of the chosen buildings can be reached on the streets from the start"))
    dist_all, pred = net.distances(nodes, predecessors=True)
    dist = dist_all[:, nodes]
    order = solve_tour(dist, time_limit_s=settings.solver_time_limit_s)
    street = tour_length(dist, order)
    steps: list[Step] = []
    for a, b in zip(order, [*order[1:], order[0]], strict=True):
        steps += net.path_edges(pred[a], nodes[b])
    stops = []
    for i in order[1:]:
        r, s = kept[i - 1]
        stops.append(Stop(r[0], r[1], r[2], r[5], r[6], s.offset_m))
    where = Start(start[0], start[1], nodes[0], snaps[0].offset_m, inputs.start_note)
    return VisitPlan(slug, loaded, net, where, stops,
                     steps, street, held_karp_bound(dist, street, time_limit_s=settings.solver_time_limit_s),
                     settings.walking_speed_kmh, unreachable)
