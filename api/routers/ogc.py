"""The OGC API – Features entry points beside ``/collections``: the landing page and the
conformance classes.

The landing page is ``/``, the API's root, where GDAL, QGIS and other OGC clients look for it
(``OAPIF:http://host/`` reads ``/collections`` under it): a request that asks for JSON (an Accept
naming JSON and not HTML, or ``?f=json``) gets it, a browser's request for ``/`` goes on to the map
page (api/routers/pages.py), which documents both answers.

Both are public, as ``/openapi.json`` is: they describe the API (its links, the standards it
follows), never its data; the collections and their features need a sign-in.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

from api.models.common import problems
from api.models.ogc import Conformance, LandingPage
from gis.ogc import CONFORMANCE

router = APIRouter(tags=["ogc"], responses=problems(400, 405, 503))
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
OPENAPI_31 = "application/vnd.oai.openapi+json;version=3.1"


def wants_json(scope: Scope) -> bool:
    """Whether a request asks for JSON rather than a page: ``?f=json``, or an Accept header that
    names JSON and not HTML (GDAL sends ``application/json``; a browser ``text/html,…``)."""
    query = scope.get("query_string", b"").decode("latin-1")
    formats = [p[2:] for p in query.split("&") if p.startswith("f=")]
    if formats:
        return formats[-1] == "json"
    accept = next((v.decode("latin-1").lower() for k, v in scope.get("headers", []) if k == b"accept"), "")
    return "json" in accept and "text/html" not in accept


class JSONClientRoute(APIRoute):
    """A route that only requests asking for JSON reach; the others go on to the next route of
    the same path (the page)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """Match as a route does, but never a request that does not ask for JSON."""
        match, child = super().matches(scope)
        if match is not Match.NONE and not wants_json(scope):
            return Match.NONE, {}
        return match, child


def landing(request: Request) -> dict[str, Any]:
    """The landing page: links to the API's description, its conformance classes and the layers."""
    base = str(request.base_url).rstrip("/")
    return {"title": request.app.title, "description": request.app.description,
            "links": [{"rel": "self", "type": JSON, "href": f"{base}/"},
                      # OGC Core's "OpenAPI 3.0" class: the same document as /openapi.json (3.1)
                      {"rel": "service-desc", "type": OPENAPI, "href": f"{base}/openapi-3.0.json"},
                      {"rel": "service-desc", "type": OPENAPI_31, "href": f"{base}/openapi.json"},
                      {"rel": "service-doc", "type": "text/html", "href": f"{base}/docs"},
                      {"rel": "conformance", "type": JSON, "href": f"{base}/conformance"},
                      {"rel": "data", "type": JSON, "href": f"{base}/collections"}]}


router.add_api_route("/", landing, methods=["GET"], response_model=LandingPage, name="landing",
                     route_class_override=JSONClientRoute,
                     summary="The landing page (OGC API – Features) to a JSON client; the map to a browser")


@router.get("/conformance", response_model=Conformance)
def conformance() -> dict[str, list[str]]:
    """The OGC conformance classes the service implements."""
    return {"conformsTo": list(CONFORMANCE)}
