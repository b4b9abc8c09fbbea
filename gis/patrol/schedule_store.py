"""The patrol calendar for a jurisdiction: its routes and commercial buildings from PostGIS (the
database side of :mod:`gis.patrol.schedule`)."""

from __future__ import annotations

from datetime import date

import shapely
from psycopg2.extensions import cursor as Cursor

from gis.db import read_sql
from gis.network import StreetNetwork
from gis.patrol.routes import RoutePlan, plan_routes
from gis.patrol.schedule import Building, Calendar, Day, Route, check_plan, make_schedule
from gis.settings import Settings


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


def plan_schedule(cur: Cursor, slug: str, settings: Settings, start: date, days: int,
                  workers: list[str], cal: Calendar, capacity: int | None = None) -> list[Day]:
    """Daily patrols (the jurisdiction shared among the workers) and the building visits."""
    return planned_schedule(cur, slug, settings, start, days, workers, cal, capacity)[1]


def planned_schedule(cur: Cursor, slug: str, settings: Settings, start: date, days: int, workers: list[str],
                     cal: Calendar, capacity: int | None = None) -> tuple[RoutePlan, list[Day]]:
    """:func:`plan_schedule` with the route plan it shares among the workers (route ``k`` of a
    day's assignment is ``plan.split.routes[k - 1]``): what the field app draws."""
    check_plan(start, days, workers)  # before the routes are planned for them
    plan = plan_routes(cur, slug, settings, workers=max(1, len(workers)))
    routes = [Route(r.length_m, plan.minutes(r.length_m),
                    frozenset(int(plan.net.edge_ids[plan.net.parent[e]]) for e, _ in r.steps))
              for r in plan.split.routes]
    buildings = commercial_buildings(cur, plan.jurisdiction.id, settings.commercial_kinds, plan.net)
    return plan, make_schedule(start, days, workers, routes, buildings, cal,
                               capacity if capacity is not None else settings.visits_per_day)
