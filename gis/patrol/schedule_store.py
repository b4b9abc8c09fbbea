"""The patrol calendar for a jurisdiction: its routes and commercial buildings from PostGIS (the
database side of :mod:`gis.patrol.schedule`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import shapely
from psycopg2.extensions import cursor as Cursor

from gis.db import read_sql
from gis.network import StreetNetwork
from gis.network_store import load_network
from gis.patrol.postman import Tour
from gis.patrol.routes import RoutePlan, plan_routes
from gis.patrol.schedule import Building, Calendar, Day, Route, check_plan, make_schedule
from gis.settings import Settings
from gis.store import Jurisdiction, find_jurisdiction


def commercial_buildings(cur: Cursor, jurisdiction_id: int, kinds: tuple[str, ...],
                         net: StreetNetwork | None = None) -> list[Building]:
    """The buildings that get yearly visits; with ``net``, each with the street its entrance
    is on."""
    cur.execute(read_sql("visit_buildings.sql"), {"jurisdiction_id": jurisdiction_id, "ids": None,
                                                  "kinds": list(kinds), "grid": None})
    rows = cur.fetchall()
    if net is None or not rows:
        return [Building(r[0], r[1], r[2]) for r in rows]
    snaps = net.snap_geoms([shapely.from_wkb(bytes(r[4])) for r in rows], float("inf"))
    return [Building(r[0], r[1], r[2], int(net.edge_ids[net.parent[s.edge]]) if s else None)
            for r, s in zip(rows, snaps, strict=True)]


@dataclass(frozen=True)
class TeamRoute:
    """One route of a schedule: a team's share (``number`` of ``of``) of the patrol of its area."""

    plan: RoutePlan  # the patrol of the team's area (the jurisdiction, or a grid)
    tour: Tour       # this route: one of ``plan.split.routes``
    number: int
    of: int


def plan_schedule(cur: Cursor, slug: str, settings: Settings, start: date, days: int,
                  workers: list[str], cal: Calendar, capacity: int | None = None) -> list[Day]:
    """Daily patrols (the jurisdiction, or each grid, shared among its walkers) and the building
    visits."""
    return planned_schedule(cur, slug, settings, start, days, workers, cal, capacity)[1]


def teams(cur: Cursor, jur: Jurisdiction, workers: list[str]) -> list[tuple[str | None, list[str]]]:
    """Who walks together, and where (a grid's code; ``None``: the whole jurisdiction). All
    together where the jurisdiction's walkers share its streets; by grid, the walkers registered
    to one grid as a team (in the order of the workers given), and those with none as the last."""
    if jur.patrol != "by_grid":
        return [(None, workers)]
    cur.execute("SELECT w.name, g.code FROM worker w JOIN grid g ON g.id = w.grid_id"
                " WHERE w.jurisdiction_id = %s AND w.name = ANY(%s)", (jur.id, workers))
    grid_of = dict(cur.fetchall())
    by_grid: dict[str | None, list[str]] = {}
    for w in sorted(workers, key=lambda w: grid_of.get(w) is None):
        by_grid.setdefault(grid_of.get(w), []).append(w)
    return list(by_grid.items())


def planned_schedule(cur: Cursor, slug: str, settings: Settings, start: date, days: int, workers: list[str],
                     cal: Calendar, capacity: int | None = None) -> tuple[list[TeamRoute], list[Day]]:
    """:func:`plan_schedule` with its routes (route ``k`` of a day's assignment is the ``k``-th):
    what the field app draws."""
    check_plan(start, days, workers)  # before the routes are planned for them
    jur = find_jurisdiction(cur, slug)
    crews = teams(cur, jur, workers)
    network = load_network(cur, jur)  # once, for every team's area
    planned = []
    for grid, names in crews:
        plan = plan_routes(cur, slug, settings, grid=grid, workers=len(names), network=network)
        planned += [TeamRoute(plan, r, k, len(names)) for k, r in enumerate(plan.split.routes, start=1)]
    routes = [Route(t.tour.length_m, t.plan.minutes(t.tour.length_m),
                    frozenset(int(t.plan.net.edge_ids[t.plan.net.parent[e]]) for e, _ in t.tour.steps))
              for t in planned]
    buildings = commercial_buildings(cur, jur.id, settings.commercial_kinds, planned[0].plan.net)
    return planned, make_schedule(start, days, [w for _, names in crews for w in names], routes, buildings, cal,
                                  capacity if capacity is not None else settings.visits_per_day,
                                  teams=[names for _, names in crews])
