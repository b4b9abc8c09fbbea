"""Coverage: walking distance to courier zones and stations, comparing layouts, siting. Every
answer lists buildings and households, so each needs a role that reads the whole jurisdiction."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from api.auth import Reader
from api.deps import CandidatesBodyDep, ConnDep, FeaturesBodyDep, JSONBodyRoute, PlainParameters, SettingsDep
from api.errors import language
from api.heavy import HeavyReader, heavy_job, pooled
from api.models.common import COMMON, GEOJSON, problems, returns
from api.models.coverage import Comparison, Coverage, CoverageFeatures, Siting
from api.models.features import as_geojson
from api.webassets import folium_page
from gis.coverage.analysis import analyse, parse_thresholds
from gis.coverage.outputs import map_html, to_geojson
from gis.coverage.planning import compare_draft, compare_layout, load_siting, solve_siting
from gis.crs import features_to_gcj02
from gis.db import transaction
from gis.limits import MAX_CAPACITY, MAX_ID

router = APIRouter(prefix="/coverage/{slug}", tags=["coverage"], dependencies=[PlainParameters],
                   route_class=JSONBodyRoute, responses=COMMON)
# A body of candidate sites or a proposed layout, and the siting routes (heavy jobs).
BODY, HEAVY = problems(413, 415), problems(429)
Facility = Literal["courier_zone", "post_station", "service_centre", "any"]
Thresholds = Annotated[str | None, Query(description="metres, comma-separated (default 100,200,300)")]


@router.get("", summary="Walking distance from every building to its nearest facility",
            response_model=Coverage, response_model_exclude_unset=True,
            responses={200: {"content": {**returns(CoverageFeatures), "text/html": {}},
                             "description": "JSON; GeoJSON with format=geojson; a map with format=html"}})
def coverage(request: Request, who: Reader, slug: str, conn: ConnDep, settings: SettingsDep, facility: Facility = "any",
             thresholds: Thresholds = None, paths: bool = False,
             draft: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                                description="a draft layout's facilities and grids")] = None,
             format: Literal["json", "geojson", "html"] = "json",
             crs: Literal["CRS84", "gcj02"] = "CRS84") -> Response | dict:
    limits = parse_thresholds(thresholds, settings.coverage_thresholds_m)
    with transaction(conn) as cur:
        cov = analyse(cur, slug, settings, facility, limits, draft)
        if format == "geojson":
            fc = to_geojson(cur, cov, settings.service_area_buffer_m)
            if crs == "gcj02":
                fc = {**fc, "features": features_to_gcj02(fc["features"])}
            return JSONResponse(fc, media_type=GEOJSON)
        if format == "html":
            return folium_page(map_html(cur, cov, settings.service_area_buffer_m, language(request)))
        body = cov.to_json(paths)
        if draft is not None:  # a draft's figures come with what changes against the published
            body["draft"] = draft
            body["compared_with_published"] = compare_draft(cur, settings, cov)
    return body


@router.post("/compare", summary="Compare a proposed layout of one kind of facility with the stored one",
             response_model=Comparison, responses=BODY)
def compare(who: Reader, slug: str, conn: ConnDep, settings: SettingsDep, body: FeaturesBodyDep,
            facility: Literal["courier_zone", "post_station", "service_centre"] = "courier_zone",
            thresholds: Thresholds = None) -> dict:
    limits = parse_thresholds(thresholds, settings.coverage_thresholds_m)
    with transaction(conn) as cur:
        return compare_layout(cur, slug, settings, facility, as_geojson(body), limits)


@router.get("/suggest", summary="Where K new facilities cover the most households (exact MILP)",
            response_model=Siting, responses=HEAVY)
def suggest_sites(request: Request, who: HeavyReader, slug: str, settings: SettingsDep,
                  facility: Facility = "courier_zone",
                  add: Annotated[int, Query(ge=1, le=100)] = 1,
                  within: Annotated[float, Query(gt=0, le=10_000)] = 100.0,
                  objective: Literal["cover", "median"] = "cover",
                  candidates: Literal["nodes", "sites"] = "nodes",
                  capacity: Annotated[float | None, Query(gt=0, le=MAX_CAPACITY)] = None) -> dict:
    with heavy_job(request, who, "suggest"):
        with pooled(request) as conn, transaction(conn) as cur:  # the inputs, then no connection held
            inputs = load_siting(cur, slug, settings, facility=facility, candidates=candidates)
        return solve_siting(inputs, settings, add=add, within=within, objective=objective, capacity=capacity)


@router.post("/suggest", summary="Where K new facilities help most, among candidate sites given as GeoJSON",
             response_model=Siting, responses={**BODY, **HEAVY})
def suggest_given(request: Request, who: HeavyReader, slug: str, settings: SettingsDep, body: CandidatesBodyDep,
                  facility: Facility = "courier_zone", add: Annotated[int, Query(ge=1, le=100)] = 1,
                  within: Annotated[float, Query(gt=0, le=10_000)] = 100.0,
                  objective: Literal["cover", "median"] = "cover",
                  capacity: Annotated[float | None, Query(gt=0, le=MAX_CAPACITY)] = None) -> dict:
    with heavy_job(request, who, "suggest"):
        with pooled(request) as conn, transaction(conn) as cur:
            inputs = load_siting(cur, slug, settings, facility=facility, candidates=as_geojson(body))
        return solve_siting(inputs, settings, add=add, within=within, objective=objective, capacity=capacity)
