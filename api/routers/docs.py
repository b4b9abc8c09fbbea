"""The API's interactive docs (Swagger UI), served with the swagger-ui-dist npm package from this
service like the pages' Leaflet, so they open in a closed network too; started by a static script,
so the content security policy forbids inline script here as everywhere. Public, as /openapi.json:
they describe the API, not its data (docs/security.md)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.rendering import page

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    return page("docs.html")


@router.get("/docs/oauth2-redirect", response_class=HTMLResponse)
def oauth2_redirect() -> HTMLResponse:
    return page("oauth2_redirect.html")
