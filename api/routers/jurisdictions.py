"""``/jurisdictions``: create a jurisdiction from its boundary, read it, change its name, code,
office or boundary (administrators; every change in the history)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from api.auth import Administrator, Reader, Viewer
from api.deps import ConnDep, JSONBodyRoute, PlainParameters, SettingsDep
from api.models.cases import Comparison
from api.models.common import COMMON, WRITES, header, problems
from api.models.features import as_geojson
from api.models.jurisdictions import Jurisdiction, JurisdictionChange, NewJurisdiction
from gis import etags
from gis.db import transaction
from gis.jurisdiction_records import jurisdiction_record
from gis.jurisdictions import boundary_from_geojson, create_jurisdiction, update_jurisdiction

router = APIRouter(prefix="/jurisdictions", tags=["jurisdictions"], dependencies=[PlainParameters],
                   route_class=JSONBodyRoute, responses=COMMON)
ETAG = {"ETag": header("Its version, for If-Match")}


def _answer(response: Response, record: dict) -> dict:
    response.headers["ETag"] = etags.etag("jurisdiction", record["id"], record["version"])
    return record


@router.post("", status_code=201, response_model=Jurisdiction, summary="Create a jurisdiction from its boundary",
             responses={201: {"description": "Created", "headers": ETAG}, **WRITES})
def create(who: Administrator, body: NewJurisdiction, conn: ConnDep, response: Response) -> dict:
    with transaction(conn, who.username) as cur:
        create_jurisdiction(cur, body.slug, body.name, boundary_from_geojson(as_geojson(body.boundary)),
                            admin_code=body.admin_code, patrol=body.patrol,
                            office=(body.office[0], body.office[1]) if body.office else None)
        return _answer(response, jurisdiction_record(cur, body.slug))


@router.get("/kpi", response_model=Comparison, summary="The communities' 接诉即办 numbers of a period side by side "
            "(the street office's comparison; one bound to a jurisdiction gets its own)")
def compare_kpi(who: Reader, conn: ConnDep, settings: SettingsDep,
                from_: Annotated[date, Query(alias="from", description="First day (YYYY-MM-DD)")],
                to: Annotated[date, Query(description="Last day, included")],
                basic_weight: Annotated[float, Query(ge=0, le=1, description="What 基本满意 counts for")] = 1.0,
                ) -> dict:
    from gis.cases.kpi_store import kpi_by_jurisdiction

    with transaction(conn) as cur:
        return kpi_by_jurisdiction(cur, from_, to, settings.time_zone, basic_weight=basic_weight,
                                   slugs=[who.jurisdiction_slug] if who.jurisdiction_slug else None)


@router.get("/{slug}", response_model=Jurisdiction, summary="A jurisdiction",
            responses={200: {"description": "The jurisdiction", "headers": ETAG}})
def read(who: Viewer, slug: str, conn: ConnDep, response: Response) -> dict:
    with transaction(conn) as cur:
        return _answer(response, jurisdiction_record(cur, slug))


@router.patch("/{slug}", response_model=Jurisdiction, summary="Change a jurisdiction's name, code, office, boundary "
              "or how its walkers patrol",
              responses={200: {"description": "Changed", "headers": ETAG}, **WRITES, **problems(412, 428)})
def change(who: Administrator, slug: str, body: JurisdictionChange, conn: ConnDep, response: Response,
           if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> dict:
    with transaction(conn, who.username) as cur:
        stored = jurisdiction_record(cur, slug)
        update_jurisdiction(cur, slug, name=body.name, admin_code=body.admin_code,
                            office=(body.office[0], body.office[1]) if body.office else None,
                            boundary=boundary_from_geojson(as_geojson(body.boundary)) if body.boundary else None,
                            patrol=body.patrol,
                            version=etags.version(if_match, "jurisdiction", stored["id"]))
        return _answer(response, jurisdiction_record(cur, slug))
