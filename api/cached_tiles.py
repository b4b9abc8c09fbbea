"""A vector tile already made, sent before the app's routing and its dependencies (which cost a
tile from the cache most of its time: FastAPI reads and validates each parameter anew).

It is sent only when everything the tile route would check is known in memory and passes: the
token's holder, the jurisdiction named and the layer's version remembered (``api.layer_access``,
exact while the database's change notices are heard), ``view`` allowed there, the tile in the
tile cache under the same key the route uses (the layer, its version, the jurisdiction, a grid
worker's grid, z/x/y), with the route's own headers (``api.routers.tiles.tile_headers``). Anything
else — a token not remembered or no token, a refusal, a bad tile address, a tile not made yet —
goes on to the route, which answers it (and makes the tile). So it never answers what the route
would not. Plain ASGI middleware, inside the security headers, the host check and gzip.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth import grid_filter, token_of
from api.layer_access import memo_key, remembered, viewed_jurisdiction
from api.routers.tiles import MVTResponse, tile_headers
from gis.errors import GridmapError
from gis.etags import none_match
from gis.layers import LAYERS
from gis.tile_cache import TileKey
from gis.tiles import check_tile

TILE = re.compile(r"/tiles/(?P<layer>[a-z_]+)/(?P<z>[0-9]{1,2})/(?P<x>[0-9]{1,9})/(?P<y>[0-9]{1,9})\.mvt")


def cached_tile(state: Any, scope: Scope) -> Response | None:
    """The tile route's answer to this request, if it is a tile already made and every check
    passes in memory; None otherwise (the route answers)."""
    found = TILE.fullmatch(scope["path"])
    lay = LAYERS.get(found["layer"]) if found else None
    if found is None or lay is None:
        return None
    request = Request(scope)
    token, query = token_of(request), request.query_params
    slug, v = query.get("jurisdiction"), query.get("v")
    z, x, y = int(found["z"]), int(found["x"]), int(found["y"])
    try:
        check_tile(z, x, y)
        # the key AllowLayer remembers a tile's answer under (the layer alone)
        seen = remembered(state, memo_key(token, slug, (lay.name,)), v) if token else None
        if seen is None:
            return None
        home = viewed_jurisdiction(seen, slug)
    except GridmapError:  # refused, or not a tile: the route says why
        return None
    gid = grid_filter(seen.who, lay)
    headers = tile_headers(lay, seen.version, home, gid, v)
    if none_match(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    data = state.tiles.get(TileKey(lay.name, seen.version, home, gid, z, x, y))
    if data is None:
        return None
    return MVTResponse(data, headers=headers)


class CachedTiles:
    """ASGI middleware: :func:`cached_tile` for each GET of a tile, the app for the rest."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"].startswith("/tiles/"):
            answer = cached_tile(self.state, scope)
            if answer is not None:
                self.state.tiles_sent_early += 1
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
