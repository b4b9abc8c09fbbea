"""Who is calling, and whether they may: the dependencies every route declares.

A request carries a token as ``Authorization: Bearer …`` (API clients, machine keys) or in the
``gridmap_token`` cookie the login sets for the pages (HttpOnly, SameSite=Strict, so other sites'
pages cannot send it). Each route names the action it needs (``Allow("read")`` …); the
jurisdiction and grid it concerns are read from the request itself: a ``slug`` or ``jurisdiction``,
a ``layout_id``, a feature (``layer`` + ``feature_id``), a grid ``code`` or ``grid``. The policy is
``gis.access``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer
from psycopg2.extensions import cursor as Cursor
from starlette.concurrency import run_in_threadpool

from api.auth_errors import LoginRequired, PageForbidden
from api.deps import ConnDep, read
from api.errors import BadRequest
from api.layer_access import layer_access, viewed_jurisdiction
from gis import access
from gis.access import Forbidden, Principal, Unauthorized
from gis.cases.store import case_jurisdiction
from gis.db import Connection, translate_errors
from gis.grids.layouts import get_layout
from gis.i18n import msg
from gis.jurisdictions import SLUG
from gis.layers import Layer, get_layer
from gis.store import feature_reach, grid_id_of, jurisdiction_id_of
from gis.users import principal_of

COOKIE = "gridmap_token"
# The scheme as OpenAPI documents it (so /docs can sign in); tokens are read by token_of.
bearer = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
# The same in a route's OpenAPI operation, for a route whose dependency does not declare it.
SIGNED_IN: dict[str, Any] = {"security": [{bearer.scheme_name: []}]}


def token_of(request: Request) -> str | None:
    """The bearer token of the request, or its login cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


def _required_token(request: Request) -> str:
    token = token_of(request)
    if not token:
        raise Unauthorized(msg("sign in first: send Authorization: Bearer <token> (POST /auth/token)"))
    return token


def authenticate(request: Request, conn: Connection) -> Principal:
    """Who sent the request (once per request); :class:`Unauthorized` when nobody valid did."""
    who = getattr(request.state, "principal", None)
    if who is None:
        token = _required_token(request)
        with translate_errors(), conn.cursor() as cur:
            who = principal_of(cur, token)
        if who.read_only and request.method not in ("GET", "HEAD"):
            raise Unauthorized(msg("a print token may only read"))
        request.state.principal = who
    return who


async def signed_in_before_body(request: Request) -> None:
    """Refuse (401) a request whose token is missing or not valid before its body is read: parsing
    a large JSON body costs the service up to a second, which must not be anyone's for the asking.
    (The route's own dependency signs the caller in again on the request's connection.)"""
    token = _required_token(request)
    who = await run_in_threadpool(read, request.app, lambda cur: principal_of(cur, token))
    if who.read_only and request.method not in ("GET", "HEAD"):
        raise Unauthorized(msg("a print token may only read"))


def _int(value: str, name: str) -> int:
    # ASCII digits only: str.isdigit() holds for '³' too, which int() refuses (a 500, found by
    # schemathesis once paths had schemas)
    if not re.fullmatch(r"-?[0-9]+", value):
        raise BadRequest(msg("{0} must be an integer, not {1!r}", name, value))
    return int(value)


def reach_of(cur: Cursor, request: Request, default: int | None) -> tuple[set[int | None], int | None, int | None]:
    """The jurisdictions a request concerns, the first of them, and the grid, from its path and
    query: every one it names (a slug and a layout of another jurisdiction are both checked),
    ``default`` (the caller's own) when it names none."""
    path, query = request.path_params, request.query_params
    named: list[int] = []
    gid = None
    slug = path.get("slug") or query.get("jurisdiction")
    if slug and not SLUG.match(slug):  # said without the text: words from a link are not the service's to show
        raise BadRequest(msg("the jurisdiction is named by its slug: lower-case letters, digits, - and _"))
    if slug:
        named.append(jurisdiction_id_of(cur, slug))
    if "layout_id" in path:
        named.append(get_layout(cur, _int(path["layout_id"], "layout_id"))["jurisdiction_id"])
    if "case_id" in path:
        named.append(case_jurisdiction(cur, _int(path["case_id"], "case_id"))[0])
    if "feature_id" in path and "layer" in path:
        jid, gid = feature_reach(cur, get_layer(path["layer"]), _int(path["feature_id"], "feature_id"))
        named.append(jid)
    home = named[0] if named else default
    code = path.get("code") or query.get("grid")
    if code and home is not None:
        gid = grid_id_of(cur, home, code) or 0  # 0: no grid has it; the route itself answers 404
    return set(named) or {default}, home, gid


class Allow:
    """A route dependency: the caller must be signed in and may do ``action`` where the request
    points. A request naming no jurisdiction concerns the caller's own one (lists are filtered to
    it), or every one for a caller bound to none."""

    def __init__(self, action: str, *, page: bool = False) -> None:
        if action not in access.ACTIONS:
            raise ValueError(msg("unknown action {0!r}", action))
        self.action, self.page = action, page

    def __call__(self, request: Request, conn: ConnDep,
                 _documented: Annotated[str | None, Security(bearer)] = None) -> Principal:
        try:
            who = authenticate(request, conn)
        except Unauthorized:
            if self.page:
                query = f"?{request.url.query}" if request.url.query else ""
                raise LoginRequired(request.url.path + query) from None
            raise
        with translate_errors(), conn.cursor() as cur:
            jids, home, gid = reach_of(cur, request, who.jurisdiction_id)
        try:
            for jid in jids:
                access.check(who, self.action, jid, gid)
        except Forbidden as exc:
            if self.page:
                raise PageForbidden(exc.message, who.jurisdiction_slug, who.grid_code) from None
            raise
        request.state.jurisdiction_id = home
        return who

    def __repr__(self) -> str:
        return f"Allow({self.action!r})"


class AllowLayer(Allow):
    """``Allow("view")`` for a vector tile or a page of a layer's items, in one round trip or none:
    the token, the jurisdiction the request names (``?jurisdiction=``, else the caller's own) and
    the layer's version there are read by one query, on its own (no transaction opened), on a
    connection held for that query only, or remembered from an earlier request while no change
    can have made them wrong (``api.layer_access``). The version is left in
    ``request.state.layer_version``: with it, a tile already made is sent from the tile cache
    without asking the database anything else. The sign-in is documented on the route
    (``openapi_extra=SIGNED_IN``), not by a dependency: each one costs a warm tile 7 % of its
    time. ``with_jurisdictions``: the version of the jurisdiction layer counts too (items name
    their jurisdiction's slug, so a page changes with it)."""

    def __init__(self, *, with_jurisdictions: bool = False) -> None:
        super().__init__("view")
        self.with_jurisdictions = with_jurisdictions

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        token = _required_token(request)
        slug = request.query_params.get("jurisdiction")
        layer = get_layer(request.path_params["layer"])
        # No actor to clear: the query sets it (to whoever holds the token), and reads only.
        layers = (layer.name, "jurisdiction") if self.with_jurisdictions else (layer.name,)
        seen = await layer_access(request, token, slug, layers)
        home = viewed_jurisdiction(seen, slug)
        request.state.principal, request.state.jurisdiction_id = seen.who, home
        request.state.layer_version = seen.version
        return seen.who


def signed_in(request: Request, conn: ConnDep,
              _documented: Annotated[str | None, Security(bearer)] = None) -> Principal:
    """Anyone signed in (the layer list, the pages' settings, who am I)."""
    return authenticate(request, conn)


SignedIn = Annotated[Principal, Depends(signed_in)]
Viewer = Annotated[Principal, Depends(Allow("view"))]
TileViewer = Annotated[Principal, Depends(AllowLayer())]
ItemsViewer = Annotated[Principal, Depends(AllowLayer(with_jurisdictions=True))]
Reader = Annotated[Principal, Depends(Allow("read"))]
Planner = Annotated[Principal, Depends(Allow("plan"))]
Scheduler = Annotated[Principal, Depends(Allow("schedule"))]
Administrator = Annotated[Principal, Depends(Allow("admin"))]
Reporter = Annotated[Principal, Depends(Allow("report"))]
Handler = Annotated[Principal, Depends(Allow("handle"))]
Triager = Annotated[Principal, Depends(Allow("triage"))]
PageViewer = Annotated[Principal, Depends(Allow("view", page=True))]
PageReader = Annotated[Principal, Depends(Allow("read", page=True))]
PagePlanner = Annotated[Principal, Depends(Allow("plan", page=True))]


def jurisdiction_of(request: Request) -> int | None:
    """The jurisdiction the access check found the request to concern (the one it names, else the
    caller's own; None: every one), so that the route need not look it up again."""
    return request.state.jurisdiction_id


def grid_filter(who: Principal, layer: Layer) -> int | None:
    """The grid whose buildings of ``layer`` are all ``who`` may read (a worker's), or None for all."""
    return access.building_reach(who) if layer.name == "building" else None
