"""Grids: generate, check, drafts and their live edits, compare, publish, revert, history.
Reading needs a role that reads the whole jurisdiction; every change needs a planner."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel

from api.auth import Planner, Reader
from api.deps import ConnDep, JSONBodyRoute, PlainParameters
from api.errors import language
from api.heavy import HeavyPlanner, heavy_job, pooled
from api.models.common import COMMON, links, problems
from api.models.features import FeatureIn, as_geojson
from api.models.grids import (
    Check,
    Draft,
    EditResult,
    FacilityVersion,
    Generated,
    HistoryEntry,
    Layout,
    LayoutComparison,
    LineFeature,
    MovedBuildings,
    NewBoundary,
    NewDraft,
    PolygonFeature,
    PublishedLayout,
    SplitLine,
)
from gis import etags
from gis.db import transaction
from gis.errors import InvalidInput
from gis.grids import drafting, layouts
from gis.grids.generate_store import load_generation, propose, save_draft
from gis.i18n import msg
from gis.limits import MAX_ID
from gis.messages import translate

router = APIRouter(tags=["grids"], dependencies=[PlainParameters], route_class=JSONBodyRoute, responses=COMMON)
# A write to a draft: a body, its state (409), and If-Match (412, 428) where it edits something.
BODY, EDIT = problems(409, 413, 415), problems(409, 412, 413, 415, 428)
IfMatch = Annotated[str | None, Header(alias="If-Match")]
# A layout, grid or facility id (a database integer).
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def _geometry(body: BaseModel) -> dict:
    """The geometry of a body that is a geometry or a Feature of one, as GeoJSON."""
    return as_geojson(body.geometry if isinstance(body, PolygonFeature | LineFeature) else body)


def _facility_version(if_match: str | None, layer: str, fid: int) -> int:
    """The version an If-Match names for a courier zone or post station of a draft."""
    return etags.version(if_match, drafting.facility_table(layer), fid)


@router.post("/jurisdictions/{slug}/grids/generate", status_code=201,
             summary="Propose a layout balanced on households (a new draft)", response_model=Generated,
             responses=problems(429))
def generate(request: Request, who: HeavyPlanner, slug: str,
             households_per_grid: Annotated[float, Query(ge=1, le=1_000_000)],
             tolerance: Annotated[float, Query(ge=0, lt=1)] = 0.15, name: str | None = None) -> dict:
    with heavy_job(request, who, "generate"):
        with pooled(request) as conn, transaction(conn) as cur:  # read, compute with no connection held, write
            inputs = load_generation(cur, slug)
        proposal = propose(inputs, households_per_grid, tolerance)
        with pooled(request) as conn, transaction(conn, actor=who.username) as cur:
            return save_draft(cur, inputs, proposal, households_per_grid, tolerance, name)


@router.get("/jurisdictions/{slug}/grids/check", summary="Every problem of the published layout or a draft",
            response_model=Check)
def check(who: Reader, slug: str, conn: ConnDep, draft: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> dict:
    with transaction(conn) as cur:
        return layouts.check_json(layouts.load_state(cur, slug=slug, layout_id=draft))


@router.get("/jurisdictions/{slug}/layouts", summary="Drafts, the published layout and those before it",
            response_model=list[Layout])
def list_layouts(who: Reader, slug: str, conn: ConnDep) -> list[dict]:
    with transaction(conn) as cur:
        return layouts.list_layouts(cur, slug)


@router.post("/jurisdictions/{slug}/layouts", status_code=201, summary="A new draft (a copy of a layout)",
             response_model=Layout, responses={201: {"links": links({
                 op: {"layout_id": "$response.body#/id"} for op in (
                     "grids-get_draft", "grids-compare", "grids-publish", "grids-add_facility")})}, **BODY})
def new_draft(who: Planner, slug: str, conn: ConnDep, body: NewDraft) -> dict:
    with transaction(conn) as cur:
        lid = layouts.create_draft(cur, slug, body.name, from_layout=body.from_layout)
        return layouts.get_layout(cur, lid)


@router.get("/jurisdictions/{slug}/history", summary="Who changed grids, zones, stations and layouts",
            response_model=list[HistoryEntry])
def history(who: Reader, slug: str, conn: ConnDep, limit: Annotated[int, Query(ge=1, le=10_000)] = 200) -> list[dict]:
    with transaction(conn) as cur:
        return layouts.history(cur, slug, limit)


@router.post("/jurisdictions/{slug}/layouts/{layout_id}/revert", summary="Publish again a layout published before",
             response_model=PublishedLayout, responses=problems(409))
def revert(who: Planner, slug: str, layout_id: Id, request: Request, conn: ConnDep) -> dict:
    with transaction(conn) as cur:
        return _published(layouts.revert(cur, slug, layout_id), request)


def _published(done: dict, request: Request) -> dict:
    """A layout just published, its warnings in the request's language."""
    lang = language(request)
    return {**done, "warnings": [translate(w, lang) for w in done["warnings"]]}


@router.get("/layouts/{layout_id}", summary="A layout: its grids with ETags and metrics, zones", response_model=Draft)
def get_draft(who: Reader, layout_id: Id, conn: ConnDep) -> dict:
    with transaction(conn) as cur:
        return drafting.draft_json(cur, layout_id)


@router.get("/layouts/{layout_id}/compare", summary="A draft against the published layout",
            response_model=LayoutComparison)
def compare(who: Reader, layout_id: Id, conn: ConnDep) -> dict:
    with transaction(conn) as cur:
        return layouts.compare(cur, layout_id)


@router.post("/layouts/{layout_id}/publish", summary="Publish a draft, atomically", response_model=PublishedLayout,
             responses=problems(409))
def publish(who: Planner, layout_id: Id, request: Request, conn: ConnDep) -> dict:
    with transaction(conn) as cur:
        return _published(layouts.publish(cur, layout_id), request)


@router.delete("/layouts/{layout_id}", status_code=204, summary="Discard a draft (If-Match: the draft's etag)",
               response_class=Response, responses=problems(409, 412, 428))
def discard(who: Planner, layout_id: Id, conn: ConnDep, if_match: IfMatch = None) -> Response:
    with transaction(conn) as cur:
        layouts.discard(cur, layout_id, if_match)
    return Response(status_code=204)


@router.put("/layouts/{layout_id}/grids/{grid_id}", summary="Move a grid's boundary (neighbours adjust)",
            response_model=EditResult, responses=EDIT)
def reshape(who: Planner, layout_id: Id, grid_id: Id, conn: ConnDep, body: NewBoundary,
            if_match: IfMatch = None) -> dict:
    with transaction(conn) as cur:
        return drafting.reshape_grid(cur, layout_id, grid_id, _geometry(body),
                                     etags.version(if_match, "layout_grid", grid_id))


@router.post("/layouts/{layout_id}/grids/{grid_id}/buildings", summary="Move buildings into a grid",
             response_model=EditResult, responses=EDIT)
def move_buildings(who: Planner, layout_id: Id, grid_id: Id, conn: ConnDep, body: MovedBuildings,
                   if_match: IfMatch = None) -> dict:
    with transaction(conn) as cur:
        return drafting.move_buildings(cur, layout_id, grid_id, body.buildings,
                                       etags.version(if_match, "layout_grid", grid_id))


@router.post("/layouts/{layout_id}/grids/{grid_id}/split", summary="Split a grid along a line",
             response_model=EditResult, responses=EDIT)
def split(who: Planner, layout_id: Id, grid_id: Id, conn: ConnDep, body: SplitLine, if_match: IfMatch = None) -> dict:
    with transaction(conn) as cur:
        return drafting.split_grid(cur, layout_id, grid_id, _geometry(body),
                                   etags.version(if_match, "layout_grid", grid_id))


@router.post("/layouts/{layout_id}/grids/{grid_id}/merge/{other_id}", summary="Merge a neighbouring grid into this",
             response_model=EditResult, responses=problems(409, 412, 428))
def merge(who: Planner, layout_id: Id, grid_id: Id, other_id: Id, conn: ConnDep, if_match: IfMatch = None) -> dict:
    versions = etags.versions(if_match, "layout_grid")
    if grid_id not in versions or other_id not in versions:
        raise InvalidInput(msg("If-Match must carry the ETags of both grids"))
    with transaction(conn) as cur:
        return drafting.merge_grids(cur, layout_id, grid_id, other_id, versions)


@router.post("/layouts/{layout_id}/{layer}", status_code=201, summary="Add a courier zone or post station",
             response_model=FacilityVersion, responses={201: {"links": links({
                 op: {"layout_id": "$request.path.layout_id", "layer": "$request.path.layer",
                      "fid": "$response.body#/id", "header.If-Match": "$response.body#/etag"}
                 for op in ("grids-replace_facility", "grids-remove_facility")})}, **BODY})
def add_facility(who: Planner, layout_id: Id, layer: str, conn: ConnDep, body: FeatureIn) -> dict:
    with transaction(conn) as cur:
        return drafting.add_facility(cur, layout_id, layer, as_geojson(body))


@router.put("/layouts/{layout_id}/{layer}/{fid}", summary="Replace a courier zone or post station of a draft",
            response_model=FacilityVersion, responses=EDIT)
def replace_facility(who: Planner, layout_id: Id, layer: str, fid: Id, conn: ConnDep, body: FeatureIn,
                     if_match: IfMatch = None) -> dict:
    with transaction(conn) as cur:
        return drafting.replace_facility(cur, layout_id, layer, fid, as_geojson(body),
                                         _facility_version(if_match, layer, fid))


@router.delete("/layouts/{layout_id}/{layer}/{fid}", status_code=204, summary="Remove a facility from a draft",
               response_class=Response, responses=problems(409, 412, 428))
def remove_facility(who: Planner, layout_id: Id, layer: str, fid: Id, conn: ConnDep,
                    if_match: IfMatch = None) -> Response:
    with transaction(conn) as cur:
        drafting.remove_facility(cur, layout_id, layer, fid, _facility_version(if_match, layer, fid))
    return Response(status_code=204)
