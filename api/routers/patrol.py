"""Patrol: routes, building visits, schedules, tracks, check-ins, coverage and stewards.

A grid worker plans routes in their own grid; the rest needs a role that reads the jurisdiction,
and recording (workers, tracks, check-ins) a scheduler."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from api.auth import Reader, Scheduler, Viewer
from api.deps import GPX_TYPES, ConnDep, GpxBodyDep, JSONBodyRoute, PlainParameters, SettingsDep
from api.errors import language
from api.heavy import HeavyReader, HeavyScheduler, heavy_job, matching_turn, pooled
from api.models.common import COMMON, GEOJSON, problems, returns
from api.models.patrol import (
    NewWorker,
    PatrolCoverage,
    PatrolDay,
    Progress,
    Recorded,
    Registered,
    RoutePlan,
    Schedule,
    Stewards,
    Track,
    VisitPlan,
    Visits,
    WalkFeatures,
)
from api.webassets import folium_page
from gis.access import Forbidden
from gis.crs import features_to_gcj02
from gis.db import transaction
from gis.errors import InvalidInput
from gis.i18n import msg
from gis.limits import MAX_NAME_CHARS, MAX_WORKERS
from gis.network_store import load_network
from gis.parsing import parse_day, parse_lonlat
from gis.patrol import schedule as sched
from gis.patrol.day_store import day_of
from gis.patrol.maps import patrol_coverage_page
from gis.patrol.outputs import Outputs, route_outputs, schedule_outputs, visit_outputs
from gis.patrol.records import (
    keep_track,
    match_segments,
    patrol_coverage,
    read_upload,
    record_visits,
    stored_track,
    visit_progress,
)
from gis.patrol.routes import plan_routes
from gis.patrol.schedule_store import planned_schedule
from gis.patrol.stewards_store import add_worker, assign_stewards
from gis.patrol.visits import load_visits, parse_ids, solve_visits
from gis.store import find_jurisdiction

router = APIRouter(prefix="/patrol/{slug}", tags=["patrol"], dependencies=[PlainParameters],
                   route_class=JSONBodyRoute, responses=COMMON)
GPX = "application/gpx+xml"
BODY = problems(409, 413, 415)
# A walk's answer in each format: JSON (the model), GeoJSON, GPX, a street list, a map.
WALK_FORMATS: dict[int | str, dict[str, Any]] = {200: {
    "description": "JSON; with format=: GeoJSON, GPX, a street list (txt) or a map (html)",
    "content": {**returns(WalkFeatures), GPX: {}, "text/plain": {}, "text/html": {}}}}
RouteFormat = Literal["json", "gpx", "geojson", "txt", "html"]
StartQ = Annotated[str | None, Query(description="LON,LAT; default: the community office",
                                     pattern=r"^-?[0-9.]+,-?[0-9.]+$")]


def _dates(text: str | None, what: str) -> set[date]:
    return {parse_day(x.strip(), what) for x in (text or "").split(",") if x.strip()}


def _render(body: dict, out: Outputs, fmt: str, name: str, crs: str = "CRS84") -> Response | dict:
    if fmt == "gpx":
        return Response(out.gpx(), media_type=GPX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.gpx"'})
    if fmt == "geojson":
        fc = out.geojson()
        if crs == "gcj02":
            fc = {**fc, "features": features_to_gcj02(fc["features"])}
        return JSONResponse(fc, media_type=GEOJSON)
    if fmt == "txt":
        return PlainTextResponse(out.street_list())
    if fmt == "html":
        return folium_page(out.map_html())
    return body


@router.get("/route", summary="The shortest patrol over every street, shared among workers",
            response_model=RoutePlan, responses=WALK_FORMATS)
def route(request: Request, who: Viewer, slug: str, conn: ConnDep, settings: SettingsDep,
          grid: Annotated[str | None, Query(description="only this grid (code)")] = None,
          compound: Annotated[str | None, Query(description="only this compound (name)")] = None,
          workers: Annotated[int, Query(ge=1, le=MAX_WORKERS)] = 1, start: StartQ = None,
          format: RouteFormat = "json", crs: Literal["CRS84", "gcj02"] = "CRS84") -> Response | dict:
    if who.grid_bound:  # a grid worker's route is their grid's
        if compound:
            raise Forbidden(msg("{0} plans routes of grid {1}, not of a compound", who.username, who.grid_code))
        grid = who.grid_code
    with transaction(conn) as cur:
        plan = plan_routes(cur, slug, settings, grid=grid, compound=compound, workers=workers,
                           start=parse_lonlat(start) if start else None)
    return _render(plan.to_json(), route_outputs(plan, language(request)), format, f"{slug}-patrol", crs)


@router.get("/visits", summary="The shortest walk through a set of buildings",
            response_model=VisitPlan, responses={**WALK_FORMATS, **problems(429)})
def visits(request: Request, who: HeavyReader, slug: str, settings: SettingsDep,
           buildings: Annotated[str | None, Query(description="building ids: 1,2,3")] = None,
           kind: Annotated[str | None, Query(description="building kinds: office,mall")] = None,
           grid: str | None = None, start: StartQ = None,
           format: Literal["json", "gpx", "geojson", "html"] = "json") -> Response | dict:
    with heavy_job(request, who, "visits"):
        with pooled(request) as conn, transaction(conn) as cur:  # the inputs, then no connection held
            inputs = load_visits(cur, slug, building_ids=parse_ids(buildings),
                                 kinds=[k.strip() for k in kind.split(",")] if kind else None, grid=grid,
                                 start=parse_lonlat(start) if start else None)
        plan = solve_visits(inputs, settings)
        return _render(plan.to_json(), visit_outputs(plan, language(request)), format, f"{slug}-visits")


@router.get("/schedule", summary="Daily patrols and building visits for the workers", response_model=Schedule,
            responses={200: {"description": "JSON; with format=: CSV, iCalendar, or GeoJSON (the routes, each "
                                            "street's `worker` the route's number in the schedule)",
                             "content": {"text/csv": {}, "text/calendar": {}, **returns(WalkFeatures)}}})
def schedule(request: Request, who: Reader, slug: str, conn: ConnDep, settings: SettingsDep,
             from_: Annotated[str, Query(alias="from", description="first day, YYYY-MM-DD")],
             days: Annotated[int, Query(ge=1, le=731)],
             workers: Annotated[str, Query(description="names, comma-separated")],
             capacity: Annotated[int | None, Query(ge=1, le=1000)] = None,
             holidays: str | None = None, workdays: str | None = None,
             format: Literal["json", "csv", "ics", "geojson"] = "json",
             crs: Literal["CRS84", "gcj02"] = "CRS84") -> Response | dict:
    names = [w.strip() for w in workers.split(",") if w.strip()]
    cal = sched.Calendar(_dates(holidays, "holiday"), _dates(workdays, "workday"))
    with transaction(conn) as cur:
        routes, plan = planned_schedule(cur, slug, settings, parse_day(from_, "from"), days, names, cal, capacity)
    if format == "geojson":  # each route with who walks it on the first day (the one map's legend names them)
        return _render({}, schedule_outputs(routes, language(request), plan), format, f"{slug}-schedule", crs)
    if format == "csv":
        return Response(sched.to_csv(plan), media_type="text/csv; charset=utf-8")
    if format == "ics":
        return Response(sched.to_ical(plan, slug), media_type="text/calendar")
    return {"jurisdiction": slug, "workers": names, "days": sched.to_json(plan)}


@router.post("/tracks", status_code=201, summary="Upload a GPX track a worker walked on a day",
             response_model=Track, responses=BODY,
             openapi_extra={"requestBody": {"required": True, "description": "The GPX file", "content": {
                 t: {"schema": {"type": "string", "format": "binary"}} for t in GPX_TYPES}}})
def upload_track(request: Request, who: HeavyScheduler, slug: str, settings: SettingsDep, body: GpxBodyDep,
                 worker: Annotated[str, Query(min_length=1, max_length=MAX_NAME_CHARS)],
                 day: Annotated[str, Query(description="YYYY-MM-DD")],
                 client_id: Annotated[uuid.UUID | None, Query(
                     description="The phone's id for this track: sent again, it is kept once")] = None) -> dict:
    if not body:
        raise InvalidInput(msg("send the GPX file as the request body"))
    walked_on, walk = read_upload(worker, day, body)
    cid = str(client_id) if client_id else None
    # matched as a phone's walks are: in a turn, holding no connection (api/heavy.matching_turn)
    with matching_turn(who, settings.heavy_retry_after_s):
        with pooled(request) as conn, transaction(conn) as cur:
            stored = stored_track(cur, slug, cid) if cid else None
            if stored is not None:
                return stored
            jur = find_jurisdiction(cur, slug)
            loaded = load_network(cur, jur)
        track = match_segments(loaded, walk.segments)
    with pooled(request) as conn, transaction(conn, who.username) as cur:
        return keep_track(cur, jur, loaded, worker, walked_on, track, cid, walk.span)


@router.post("/checkins", status_code=201, summary="Record building visits (all or none)", response_model=Recorded,
             responses=BODY)
def checkins(who: Scheduler, slug: str, conn: ConnDep, body: Annotated[Visits, Body()]) -> dict:
    with transaction(conn) as cur:
        return {"ids": record_visits(cur, slug, [v.model_dump() for v in body])}


@router.get("/coverage", summary="Share of the streets walked in the last days; stale streets",
            response_model=PatrolCoverage,
            responses={200: {"description": "JSON; a map with format=html", "content": {"text/html": {}}}})
def coverage(request: Request, who: Reader, slug: str, conn: ConnDep, settings: SettingsDep,
             days: Annotated[int, Query(ge=1, le=3650)] = 7, as_of: str | None = None,
             format: Literal["json", "html"] = "json") -> Response | dict:
    with transaction(conn) as cur:
        report = patrol_coverage(cur, slug, days, parse_day(as_of, "as_of") if as_of else settings.today())
    if format == "html":
        return folium_page(patrol_coverage_page(report, language(request)))
    return report


@router.get("/day", summary="What each worker did on a day: walks (when, how far, how fast), check-ins with "
            "their notes, cases reported and handled", response_model=PatrolDay)
def day(who: Reader, slug: str, conn: ConnDep, settings: SettingsDep,
        day: Annotated[str | None, Query(description="YYYY-MM-DD (default: today, in GRIDMAP_TIME_ZONE)")] = None
        ) -> dict:
    with transaction(conn) as cur:
        return day_of(cur, slug, parse_day(day, "day") if day else settings.today(), settings)


@router.get("/progress", summary="Building visits done against planned this year", response_model=Progress)
def progress(who: Reader, slug: str, conn: ConnDep, settings: SettingsDep, as_of: str | None = None,
             holidays: str | None = None, workdays: str | None = None) -> dict:
    cal = sched.Calendar(_dates(holidays, "holiday"), _dates(workdays, "workday"))
    with transaction(conn) as cur:
        return visit_progress(cur, slug, settings.commercial_kinds, settings.visits_per_day, cal,
                              parse_day(as_of, "as_of") if as_of else settings.today())


@router.get("/stewards", summary="Lane stewards assigned to grids by proximity (1:5:10)", response_model=Stewards)
def stewards(who: Reader, slug: str, conn: ConnDep) -> dict:
    with transaction(conn) as cur:
        return assign_stewards(cur, slug)


@router.post("/workers", status_code=201, summary="Register a worker or lane steward", response_model=Registered,
             responses=BODY)
def workers(who: Scheduler, slug: str, conn: ConnDep, body: NewWorker) -> dict:
    with transaction(conn) as cur:
        return {"id": add_worker(cur, slug, body.name, body.role, body.home, body.grid)}
