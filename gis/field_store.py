"""The field app's day in PostGIS: who the signed-in worker is (their account linked to a
``worker`` record, so that schedule, routes, tracks and coverage name the same person), and
what their phone needs for today, offline too: their route from the patrol schedule with the
streets walked already, the buildings to visit, the buildings of their grid to check in at, their
open cases, the case categories, their grid and the jurisdiction's boundary.

Today's route is the schedule's (:func:`gis.patrol.schedule_store.planned_schedule`) for the
jurisdiction's patrol workers (its registered social and grid workers, in the order they were
registered; by grid where the jurisdiction patrols so), on the default calendar (Monday to
Friday). On a rest day the phone shows the route of the next working day, for a worker on duty
(值班), and no building visits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
from psycopg2.extensions import cursor as Cursor

from gis import access
from gis.access import Forbidden, Principal
from gis.cases import catalogue_store
from gis.cases import store as cases
from gis.cases.workflow import said_when_given
from gis.errors import Conflict, NotFound
from gis.etags import view_etag
from gis.i18n import msg
from gis.patrol.exports import legs
from gis.patrol.records import WALKED_SHARE
from gis.patrol.schedule import Calendar
from gis.patrol.schedule_store import planned_schedule
from gis.settings import Settings
from gis.store import find_jurisdiction

# The workers who walk the jurisdiction every day (走动式工作法), among whom the schedule shares it.
PATROL_ROLES = ("social_worker", "grid_worker")


@dataclass(frozen=True)
class FieldWorker:
    """The worker record a signed-in account is."""

    id: int
    name: str
    role: str
    grid: str | None
    jurisdiction_id: int
    jurisdiction: str


def worker_of(cur: Cursor, who: Principal, slug: str) -> FieldWorker:
    """The worker ``who`` is, working in ``slug``: :class:`Conflict` when the account is linked
    to no worker (the office links it), :class:`Forbidden` when the worker is another
    jurisdiction's."""
    cur.execute("""SELECT w.id, w.name, w.role, g.code, w.jurisdiction_id, j.slug
                   FROM app_user u JOIN worker w ON w.id = u.worker_id
                   JOIN jurisdiction j ON j.id = w.jurisdiction_id LEFT JOIN grid g ON g.id = w.grid_id
                   WHERE u.id = %s""", (who.user_id,))
    row = cur.fetchone()
    if row is None:
        raise Conflict(msg("{0} is not linked to a worker record yet: ask the office to link the account "
                           "(gridmap users link) before using the field app", who.username))
    worker = FieldWorker(*row)
    if worker.jurisdiction != slug:
        raise Forbidden(msg("{0} is worker {1} of {2}, not of {3}", who.username, worker.name,
                            worker.jurisdiction, slug))
    return worker


def link_worker(cur: Cursor, username: str, slug: str, worker: str | None) -> int | None:
    """Link account ``username`` to worker ``worker`` (a name) of ``slug``, or unlink it (None);
    the worker's id."""
    cur.execute("SELECT id FROM app_user WHERE username = %s", (username,))
    if cur.fetchone() is None:
        raise NotFound(msg("no user {0!r}", username))
    wid = None
    if worker is not None:
        cur.execute("SELECT w.id FROM worker w JOIN jurisdiction j ON j.id = w.jurisdiction_id"
                    " WHERE j.slug = %s AND w.name = %s", (slug, worker))
        row = cur.fetchone()
        if row is None:
            raise NotFound(msg("{0} has no worker {1!r} (gridmap worker add)", slug, worker))
        wid = int(row[0])
    cur.execute("UPDATE app_user SET worker_id = %s WHERE username = %s", (wid, username))
    return wid


def patrol_workers(cur: Cursor, jurisdiction_id: int) -> list[str]:
    """The names of the jurisdiction's daily walkers, in the order they were registered."""
    cur.execute("SELECT name FROM worker WHERE jurisdiction_id = %s AND role = ANY(%s) ORDER BY id",
                (jurisdiction_id, list(PATROL_ROLES)))
    return [r[0] for r in cur.fetchall()]


def _route(cur: Cursor, slug: str, worker: FieldWorker, settings: Settings, day: date) -> dict[str, Any]:
    """The worker's patrol and visits of ``day`` from the schedule."""
    names = patrol_workers(cur, worker.jurisdiction_id)
    cal = Calendar()
    out: dict[str, Any] = {"workday": cal.is_workday(day), "route": None, "legs": [], "visits": []}
    if worker.name not in names:
        return out
    # On a rest day, a worker on duty (值班) walks the route of the next working day; no visits.
    route_day = day
    while not cal.is_workday(route_day):
        route_day += timedelta(days=1)
    routes, days = planned_schedule(cur, slug, settings, route_day, 1, names, cal)
    mine = [a for a in days[0].assignments if a.worker == worker.name and (a.task == "patrol" or out["workday"])]
    for a in mine:
        if a.task == "patrol" and a.route is not None:
            r = routes[a.route - 1]
            out["route"] = {"number": r.number, "of": r.of, "length_m": round(a.length_m, 1),
                            "minutes": round(a.minutes, 1), "day": route_day.isoformat(),
                            "grid": r.plan.area.label if r.plan.area.kind == "grid" else None}
            out["legs"] = [{"seq": leg.seq, "edge_id": leg.edge_id, "name": leg.name,
                            "length_m": round(leg.length_m, 1), "coordinates": np.round(leg.coords, 6).tolist()}
                           for leg in legs(r.plan.net, r.tour.steps, r.plan.loaded.to_wgs84)]
        elif a.building is not None:
            out["visits"].append({"building_id": a.building.id, "name": a.building.name, "kind": a.task})
    return out


def _walked(cur: Cursor, worker: FieldWorker, day: date) -> list[int]:
    """The streets the worker's tracks of ``day`` walked (at least half of each)."""
    cur.execute("""SELECT w.edge_id FROM patrol_walked w JOIN patrol_track t ON t.id = w.track_id
                   JOIN street_edge e ON e.id = w.edge_id
                   WHERE t.jurisdiction_id = %s AND t.worker = %s AND t.day = %s
                   GROUP BY w.edge_id HAVING sum(w.walked_m) >= %s * max(e.length_m) ORDER BY 1""",
                (worker.jurisdiction_id, worker.name, day, WALKED_SHARE))
    return [r[0] for r in cur.fetchall()]


# Buildings this near today's route (metres) are on the phone whatever their grid: a route shared
# over the community runs through other grids, where the map showed no building to walk by or to
# check in at.
ALONG_ROUTE_M = 25.0


def _buildings(cur: Cursor, worker: FieldWorker, grid: str | None, ids: list[int], day: date,
               reach: int | None, legs: list[dict]) -> list[dict]:
    """The buildings to check in at: of the worker's grid (all of the jurisdiction's when they
    have none), those to visit today and those along today's route (``legs``, within
    :data:`ALONG_ROUTE_M`), with their outlines (the phone has no base map: the buildings are what
    a worker finds their way by), the kinds of visit made there today, and whether a case may be
    reported at it (``own``: of the grid ``reach`` the account reads, as
    :func:`gis.access.building_reach` says; elsewhere a case is reported at a point; a building in
    no grid is no grid's), her grid's first (then the others of the day, which change as the route
    turns day by day). Names and outlines only: no household counts."""
    route = json.dumps({"type": "MultiLineString", "coordinates": [leg["coordinates"] for leg in legs]})
    cur.execute("""SELECT b.id, b.name, b.kind, ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom)),
                          ST_AsGeoJSON(b.geom, 6),
                          (SELECT array_agg(DISTINCT v.kind ORDER BY v.kind) FROM visit v WHERE v.building_id = b.id
                             AND v.day = %(day)s AND v.worker = %(worker)s),
                          coalesce(%(reach)s::int IS NULL OR b.grid_id = %(reach)s, false)
                   FROM building b LEFT JOIN grid g ON g.id = b.grid_id
                   WHERE b.jurisdiction_id = %(jid)s AND (%(grid)s::text IS NULL OR g.code = %(grid)s
                         OR b.id = ANY(%(ids)s::integer[])
                         OR (%(legs)s AND ST_DWithin(b.geom::geography,
                                                     ST_SetSRID(ST_GeomFromGeoJSON(%(route)s), 4326)::geography,
                                                     %(along)s)))
                   ORDER BY (g.code = %(grid)s) IS TRUE DESC, b.id""",
                {"day": day, "worker": worker.name, "jid": worker.jurisdiction_id, "grid": grid, "ids": ids,
                 "reach": reach, "legs": bool(legs), "route": route, "along": ALONG_ROUTE_M})
    return [{"id": i, "name": n, "kind": k, "lon": round(x, 7), "lat": round(y, 7), "outline": json.loads(o),
             "visited": v or [], "own": own} for i, n, k, x, y, o, v, own in cur.fetchall()]


def _cases(cur: Cursor, slug: str, who: Principal, worker: FieldWorker) -> list[dict]:
    """The open cases the worker handles (dispatched to them or to their account) or reported,
    with their photos and what the office said when it gave it to the worker (the note of the
    latest accepting or dispatching step: "清运后拍照"; not the service's own "automatic: …"), one
    query each for all of them."""
    mine = {worker.name, who.username}
    theirs = [c for c in cases.list_cases(cur, slug, open_only=True, scope=access.case_scope(who), limit=500)
              if c["assignee"] in mine or c["reporter"] == who.username]
    cur.execute("SELECT case_id, id, stage FROM case_photo WHERE case_id = ANY(%s) ORDER BY id",
                ([c["id"] for c in theirs],))
    photos: dict[int, list[dict]] = {}
    for case_id, photo_id, stage in cur.fetchall():
        photos.setdefault(case_id, []).append({"id": photo_id, "stage": stage})
    # what was said when it was last given (dispatched: with the accepting step just before, made
    # in the same stroke), for a case given to the worker: not an older note, nor a department's
    cur.execute("""SELECT case_id, to_state, at, note FROM case_event
                    WHERE case_id = ANY(%s) AND to_state IN ('accepted', 'dispatched') ORDER BY case_id, at, id""",
                ([c["id"] for c in theirs if c["assignee"] in mine],))
    said = {case_id: said_when_given([s[1:] for s in steps])
            for case_id, steps in groupby(cur.fetchall(), key=itemgetter(0))}
    return [{"id": c["id"], "version": c["version"], "etag": c["etag"], "state": c["state"],
             "category": c["category"], "category_zh": c["category_zh"],
             "category_en": c["category_en"], "urgency": c["urgency"],
             "description": c["description"], "building": c["building"], "address": c["address"],
             "lon": c["lon"], "lat": c["lat"],
             "reported_at": c["reported_at"], "due_at": c["due_at"], "overdue": c["overdue"],
             "client_id": c["client_id"], "assigned": c["assignee"] in mine,
             "may_handle": "handled" in access.case_steps(who, c, tuple(c["next"])),
             "photos": photos.get(c["id"], []), "instructions": said.get(c["id"])} for c in theirs]


def today(cur: Cursor, slug: str, who: Principal, worker: FieldWorker, settings: Settings,
          day: date) -> dict[str, Any]:
    """Everything the phone shows for ``day``, with its version (an ETag made of all of it: any
    edit in the office that changes what the phone shows changes it)."""
    jur = find_jurisdiction(cur, slug)
    grid = worker.grid or who.grid_code
    plan = _route(cur, slug, worker, settings, day)
    walked = _walked(cur, worker, day)
    visit_ids = [v["building_id"] for v in plan["visits"]]
    buildings = _buildings(cur, worker, grid, visit_ids, day, access.building_reach(who), plan["legs"])
    where = {b["id"]: b for b in buildings}
    for v in plan["visits"]:
        b = where.get(v["building_id"])
        v.update({"lon": b["lon"] if b else None, "lat": b["lat"] if b else None,
                  "done": bool(b and v["kind"] in b["visited"])})
    cur.execute("SELECT code, name, ST_AsGeoJSON(geom, 7) FROM grid WHERE jurisdiction_id = %s AND code = %s",
                (jur.id, grid))
    row = cur.fetchone()
    cur.execute("SELECT ST_AsGeoJSON(geom, 7), ST_X(office), ST_Y(office), gridmap_boundary_tolerance_m()"
                " FROM jurisdiction WHERE id = %s", (jur.id,))
    boundary, ox, oy, tolerance = cur.fetchone()
    # the compounds, named: 8号楼 on the map is of one of them (four compounds each have a 1–8号楼)
    cur.execute("SELECT name, ST_AsGeoJSON(geom, 6) FROM compound WHERE jurisdiction_id = %s AND name IS NOT NULL"
                " ORDER BY id", (jur.id,))
    compounds = [{"name": n, "geometry": json.loads(g)} for n, g in cur.fetchall()]
    catalogue = catalogue_store.catalogue(cur, slug)
    answer = {
        "jurisdiction": slug, "jurisdiction_name": jur.name, "day": day.isoformat(),
        "worker": {"id": worker.id, "name": worker.name, "role": worker.role, "grid": grid},
        "workday": plan["workday"], "route": plan["route"], "legs": plan["legs"], "walked": walked,
        "visits": plan["visits"], "buildings": buildings,
        "grid": {"code": row[0], "name": row[1], "geometry": json.loads(row[2])} if row else None,
        "compounds": compounds,
        "boundary": json.loads(boundary), "boundary_tolerance_m": tolerance,
        "office": [ox, oy] if ox is not None else None,
        "cases": _cases(cur, slug, who, worker),
        "categories": [{"code": c["code"], "name_zh": c["name_zh"], "name_en": c["name_en"]}
                       for c in catalogue["categories"]],
    }
    answer["version"] = view_etag(json.dumps(answer, sort_keys=True, default=str))
    return answer
