"""The pages people open: the one map (一张图) and a grid's page. Leaflet comes from the service
itself (npm packages installed at set-up, under /static/vendor), never from an outside host."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import ConnDep, SettingsDep
from gis.db import transaction
from gis.errors import NotFound
from gis.grids.summary import grid_summary
from gis.printing import render

router = APIRouter(tags=["pages"])
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def page(name: str, **values: str) -> HTMLResponse:
    """A template with the shared head (``{{>head}}``: Leaflet, the labels) and its values,
    escaped."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    text = text.replace("{{>head}}", (TEMPLATES / "_head.html").read_text(encoding="utf-8").rstrip("\n"))
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
    return HTMLResponse(text)


@router.get("/", response_class=HTMLResponse, summary="One map of a jurisdiction (一张图)")
def one_map(jurisdiction: Annotated[str, Query(description="jurisdiction slug")] = "huamao") -> HTMLResponse:
    return page("one_map.html", jurisdiction=jurisdiction)


@router.get("/grids/{code}", response_class=HTMLResponse, summary="A grid's page: its map and numbers")
def grid_page(code: str, jurisdiction: str = "huamao") -> HTMLResponse:
    return page("grid.html", jurisdiction=jurisdiction, code=code)


@router.get("/planner", response_class=HTMLResponse, summary="Edit the grids of a draft on the map")
def planner_page(jurisdiction: str = "huamao") -> HTMLResponse:
    return page("planner.html", jurisdiction=jurisdiction)


@router.get("/patrol-today", response_class=HTMLResponse, summary="Today's patrol route of each worker, printable")
def patrol_page(jurisdiction: str = "huamao",
                workers: Annotated[str, Query(description="names, comma-separated")] = "社工1,社工2") -> HTMLResponse:
    return page("patrol.html", jurisdiction=jurisdiction, workers=workers)


@router.get("/grids/{code}/print", response_class=HTMLResponse, summary="The printable grid responsibility map")
def grid_print_page(code: str, jurisdiction: str = "huamao",
                    size: Literal["A4", "A3"] = "A4",
                    orientation: Literal["portrait", "landscape"] = "portrait") -> HTMLResponse:
    return page("grid_print.html", jurisdiction=jurisdiction, code=code, size=size, orientation=orientation)


@router.get("/grids/{code}/print.{fmt}", response_class=Response,
            summary="网格责任图 as PDF or PNG (headless Chromium)",
            responses={200: {"content": {"application/pdf": {}, "image/png": {}}}})
def grid_print(request: Request, code: str, fmt: Literal["pdf", "png"], settings: SettingsDep, conn: ConnDep,
               jurisdiction: str = "huamao", size: Literal["A4", "A3"] = "A4",
               orientation: Literal["portrait", "landscape"] = "portrait",
               lang: Literal["zh", "en"] = "zh") -> Response:
    with transaction(conn) as cur:  # 404 before starting a browser
        cur.execute("SELECT 1 FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id "
                    "WHERE j.slug = %s AND g.code = %s", (jurisdiction, code))
        if cur.fetchone() is None:
            raise NotFound(f"{jurisdiction} has no grid {code}")
    query = urlencode({"jurisdiction": jurisdiction, "size": size, "orientation": orientation, "lang": lang})
    url = f"{str(request.base_url).rstrip('/')}/grids/{quote(code)}/print?{query}"
    data = render(url, settings.chromium_path, size, orientation, fmt)
    media = "application/pdf" if fmt == "pdf" else "image/png"
    name = f"{jurisdiction}-{code}-{size}.{fmt}"
    return Response(data, media_type=media, headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.get("/config", summary="What the pages need to know: the basemaps on offer")
def config(settings: SettingsDep) -> dict:
    return {"basemaps": ["none", "osm", "gaode"] + (["tianditu"] if settings.tianditu_key else []),
            "tianditu_key": settings.tianditu_key, "tiles_above": settings.page_tiles_above}


@router.get("/jurisdictions/{slug}/grids/{code}/summary", summary="A grid's numbers", tags=["grids"])
def grid_numbers(slug: str, code: str, conn: ConnDep, days: Annotated[int, Query(ge=1, le=3650)] = 7) -> dict:
    with transaction(conn) as cur:
        return grid_summary(cur, slug, code, days)
