"""Vector tiles: ``/tiles/{layer}/{z}/{x}/{y}.mvt`` and a TileJSON naming the current version.
A grid worker's building tiles hold the buildings of their grid only.

A tile already made at the layer's current version, for what the caller may see, is sent from
the process's tile cache (``gis.tile_cache``): the sign-in check and the version cost one round
trip together, the tile none."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.auth import SIGNED_IN, TileViewer, Viewer, grid_filter, jurisdiction_of
from api.deps import ConnDep, pooled
from api.models.common import COMMON, header
from api.models.service import TileJSON
from gis.db import transaction
from gis.etags import none_match, view_etag
from gis.layers import Layer, get_layer
from gis.tile_cache import TileCache, TileKey
from gis.tiles import MAX_ZOOM, check_tile, layer_version, tile

router = APIRouter(prefix="/tiles", tags=["tiles"], responses=COMMON)
MVT = "application/vnd.mapbox-vector-tile"


class MVTResponse(Response):
    """A Mapbox vector tile (protobuf)."""

    media_type = MVT


@router.get("/{layer}.json", summary="TileJSON: the tile URL with the layer's current version", response_model=TileJSON)
def tilejson(request: Request, who: Viewer, layer: str, conn: ConnDep,
             jurisdiction: Annotated[str | None, Query()] = None) -> dict:
    lay = get_layer(layer)
    with transaction(conn) as cur:
        version = layer_version(cur, lay, jurisdiction_of(request))
    base = str(request.base_url).rstrip("/")
    query = f"v={version}" + (f"&jurisdiction={jurisdiction}" if jurisdiction else "")
    return {"tilejson": "3.0.0", "name": lay.name, "version": version, "minzoom": 0, "maxzoom": MAX_ZOOM,
            "tiles": [f"{base}/tiles/{lay.name}/{{z}}/{{x}}/{{y}}.mvt?{query}"],
            "vector_layers": [{"id": lay.name, "fields": {f.name: f.kind for f in lay.fields}}]}


@router.get("/{layer}/{z}/{x}/{y}.mvt", response_class=MVTResponse, summary="One vector tile of a layer",
            openapi_extra=SIGNED_IN,
            responses={200: {"description": "The tile (empty where the layer has nothing)",
                             "content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
                             "headers": {"ETag": header("Of the layer's version and what the caller may see of "
                                                        "it: sent back in If-None-Match, it gets 304 while "
                                                        "nothing changed"),
                                         "Cache-Control": header("Kept long when v names the current version")}},
                       304: {"description": "Not modified: If-None-Match names the current ETag"}})
async def vector_tile(request: Request, who: TileViewer, layer: str, z: int, x: int, y: int,
                      jurisdiction: Annotated[str | None, Query()] = None,
                      v: Annotated[str | None, Query(description="the layer version from the TileJSON")] = None,
                      if_none_match: Annotated[str | None, Header()] = None) -> Response:
    # async: a tile from the cache is sent without leaving the event loop; one to make is made
    # in a worker thread, on a connection of its own.
    lay = get_layer(layer)
    check_tile(z, x, y)
    jid, gid = jurisdiction_of(request), grid_filter(who, lay)
    version = request.state.layer_version  # read with the token (AllowLayer): no round trip more
    headers = tile_headers(lay, version, jid, gid, v)
    if none_match(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    cache: TileCache = request.app.state.tiles
    key = TileKey(lay.name, version, jid, gid, z, x, y)
    data = cache.get(key)
    if data is None:
        data = await run_in_threadpool(_make_tile, request, lay, z, x, y, jid, gid)
        cache.put(key, data)
    return MVTResponse(data, headers=headers)


def tile_headers(lay: Layer, version: str, jid: int | None, gid: int | None, v: str | None) -> dict[str, str]:
    """A tile's headers. A URL with the current version may be kept a long time; any other must
    be asked again. Never in a shared cache: what a tile holds depends on who asks (a grid worker
    sees one grid), and so does its tag."""
    return {"ETag": view_etag(lay.name, version, jid, gid), "Vary": "Authorization, Cookie",
            "Cache-Control": "private, max-age=31536000, immutable" if v == version else "private, no-cache"}


def _make_tile(request: Request, lay: Layer, z: int, x: int, y: int, jid: int | None, gid: int | None) -> bytes:
    # Made after the version was read: a write committed meanwhile makes the tile newer than its
    # key, never older (the next request reads the new version and makes it again). Reads only.
    with pooled(request.app, clear_actor=False) as conn, transaction(conn) as cur:
        return tile(cur, lay, z, x, y, jid, gid)
