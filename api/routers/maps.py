"""The map pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from api.deps import ConnDep
from gis.maps import overview_map

router = APIRouter(tags=["maps"])


@router.get("/", response_class=HTMLResponse)
def overview(conn: ConnDep,
             jurisdiction: Annotated[str, Query(description="jurisdiction slug")] = "huamao",
             ) -> HTMLResponse:
    """One map of a jurisdiction (一张图)."""
    return HTMLResponse(overview_map(conn, jurisdiction).get_root().render())
