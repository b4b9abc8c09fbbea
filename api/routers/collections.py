"""OGC API – Features layers: ``/collections/{layer}/items[/{id}]``, GeoJSON in and out, in CRS84,
EPSG:4326 or EPSG:3857 (Part 2), filtered by their properties (``/collections/{layer}/queryables``).

Reading needs a sign-in: a grid worker gets the buildings of their own grid only, anyone bound
to a jurisdiction only its features. Writing needs a planner. Writes are optimistic: every
feature carries an ``ETag`` (its version) and a replace or delete must send it back in
``If-Match``; a stale one gets 412 with the current version.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, FastAPI, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from psycopg2.extensions import cursor as Cursor
from pyproj import CRS
from starlette.concurrency import run_in_threadpool

from api.auth import SIGNED_IN, ItemsViewer, Planner, SignedIn, Viewer, grid_filter, jurisdiction_of
from api.deps import ConnDep, FeaturesBodyDep, JSONBodyRoute, PlainParameters, SettingsDep, read
from api.errors import BadRequest
from api.headers import PRIVATE
from api.models.common import COMMON, GEOJSON, SCHEMA, WRITES, header, links, problems
from api.models.features import Collection, Collections, Created, Item, Items, as_geojson
from api.models.ogc import JSONSchema
from gis import editing, etags, ogc
from gis.access import Principal
from gis.crs import features_to_gcj02, parse_crs
from gis.db import transaction
from gis.errors import InvalidInput
from gis.etags import etag, none_match, view_etag
from gis.i18n import msg
from gis.layers import LAYERS, Layer, get_layer
from gis.limits import MAX_ID, MAX_OFFSET
from gis.ogc import (
    CRS84,
    OUTPUTS,
    QUERYABLES,
    SERVED,
    BboxCrsName,
    CrsName,
    OutputCrs,
    check_datetime,
    crs_uri,
    filter_parameters,
    filter_values,
    parse_bbox,
    queryables_schema,
)
from gis.store import feature_page, get_feature, layer_extent
from gis.tile_cache import PageKey, TileCache
from gis.tiles import layer_versions, version_text

router = APIRouter(prefix="/collections", tags=["collections"], dependencies=[PlainParameters],
                   route_class=JSONBodyRoute, responses=COMMON)


class GeoJSONResponse(JSONResponse):
    """GeoJSON encoded already (PostGIS built the features): sent as it is."""

    media_type = GEOJSON

    def render(self, content: Any) -> bytes:
        return content.encode() if isinstance(content, str) else content

FeatureId = Annotated[int, Path(ge=1, le=MAX_ID)]
# The first feature a create made (a link's parameters: schemathesis reads, replaces, deletes it).
FIRST = {"layer": "$request.path.layer", "feature_id": "$response.body#/ids/0"}
FIRST_TAGGED = {**FIRST, "header.If-Match": "$response.header.ETag"}


# The query parameters of the items route itself; any other names a property to filter on.
ITEMS_PARAMETERS = {"bbox", "bbox-crs", "datetime", "limit", "offset", "jurisdiction", "crs", "lang"}
JSON = "application/json"
# Pages of features: kept by the caller's browser only (what they hold depends on who asks), and
# asked again each time, with If-None-Match (304 while the layer has not changed).
# The schema link, as OGC writes it and as GDAL before 3.7 looks for it (its OAPIF driver compares
# "describedBy" case-sensitively; RFC 8288 says relation types are compared case-insensitively).
DESCRIBEDBY = ("describedby", "describedBy")


class SchemaResponse(JSONResponse):
    """A JSON Schema."""

    media_type = SCHEMA


def _collection(request: Request, layer: Layer, extent: tuple[float, float, float, float] | None) -> dict:
    base = str(request.url_for("items", layer=layer.name))
    schema = str(request.url_for("feature_schema", layer=layer.name))
    return {"id": layer.name, "title": layer.title, "title_zh": layer.title_zh,
            "description": layer.description, "itemType": "feature",
            "geometryTypes": list(layer.geometry_types), "writable": layer.writable,
            "properties": list(layer.properties), "crs": list(SERVED), "storageCrs": CRS84,
            **({"extent": {"spatial": {"bbox": [list(extent)], "crs": CRS84}}} if extent else {}),
            "links": [{"rel": "self", "type": JSON, "href": str(request.url_for("describe_collection",
                                                                               layer=layer.name))},
                      {"rel": "items", "type": GEOJSON, "href": base},
                      *({"rel": rel, "type": SCHEMA, "href": schema} for rel in DESCRIBEDBY),
                      {"rel": QUERYABLES, "type": SCHEMA,
                       "href": str(request.url_for("queryables", layer=layer.name))}]}


def _extents(request: Request, cur: Cursor, who: Principal, layers: list[Layer]
             ) -> list[tuple[float, float, float, float] | None]:
    """Where the features of each layer that ``who`` may see lie, in the jurisdiction the request
    names (``?jurisdiction=``, as GDAL adds to every request of a connection opened with it) or
    else their own (a grid worker: their buildings). Kept in the process's page cache under the
    layer's version: reading the versions is one round trip, an extent (ST_Extent over every
    feature: ~100 ms on 100,000 buildings) is computed again only after the layer changed."""
    jid = jurisdiction_of(request)
    versions = layer_versions(cur, jid)
    cache: TileCache = request.app.state.pages
    out = []
    for layer in layers:
        gid = grid_filter(who, layer)
        key = ("extent", layer.name, versions.get(layer.name, version_text(0, 0)), jid, gid)
        extent = cache.get(key)
        if extent is None:
            extent = (layer_extent(cur, layer, jurisdiction_id=jid, grid_id=gid),)
            cache.put(key, extent, 100)
        out.append(extent[0])
    return out


def _declared_crs(content_crs: str | None) -> CRS | str | None:
    if not content_crs:
        return None
    try:
        return parse_crs(content_crs.strip().strip("<>"))
    except InvalidInput as exc:
        raise BadRequest(msg("Content-Crs: {0}", exc.message)) from None


def _output(crs: str) -> tuple[OutputCrs | None, str]:
    """How to write features asked for in ``crs`` (None: as stored), and the Content-Crs header."""
    if crs == "gcj02":
        return None, "<gcj02>"
    uri = crs_uri(crs)
    return (None if uri == CRS84 else OUTPUTS[uri]), f"<{uri}>"


# Where the extents are of: a connection opened on .../?jurisdiction=huamao sends it everywhere.
ExtentsOf = Annotated[str | None, Query(description="jurisdiction slug: the extents are of its features "
                                                    "(default: the caller's own jurisdiction)")]


@router.get("", response_model=Collections, response_model_exclude_none=True)
def list_collections(request: Request, who: Viewer, conn: ConnDep, jurisdiction: ExtentsOf = None) -> dict:
    """The layers, with the extent of what the caller may see of each."""
    with transaction(conn) as cur:
        layers = list(LAYERS.values())
        collections = [_collection(request, layer, extent)
                       for layer, extent in zip(layers, _extents(request, cur, who, layers), strict=True)]
    return {"collections": collections, "crs": list(SERVED),
            "links": [{"rel": "self", "type": JSON, "href": str(request.url)}]}


@router.get("/{layer}", response_model=Collection, response_model_exclude_none=True)
def describe_collection(request: Request, who: Viewer, layer: str, conn: ConnDep,
                        jurisdiction: ExtentsOf = None) -> dict:
    """One layer, with the extent of what the caller may see of it."""
    lay = get_layer(layer)
    with transaction(conn) as cur:
        return _collection(request, lay, _extents(request, cur, who, [lay])[0])


@router.get("/{layer}/queryables", response_class=SchemaResponse, response_model=JSONSchema,
            response_model_exclude_none=True)
def queryables(request: Request, who: SignedIn, layer: str) -> dict:
    """The properties of a layer its items may be filtered on (?name=value), as a JSON Schema."""
    lay = get_layer(layer)
    return queryables_schema(lay, str(request.url_for("queryables", layer=lay.name)))


@router.get("/{layer}/schema", response_class=SchemaResponse, response_model=JSONSchema,
            response_model_exclude_none=True)
def feature_schema(request: Request, who: SignedIn, layer: str) -> dict:
    """The JSON Schema of a layer's features: each property with its type."""
    lay = get_layer(layer)
    return ogc.feature_schema(lay, str(request.url_for("feature_schema", layer=lay.name)))


@router.get("/{layer}/items", name="items", openapi_extra=SIGNED_IN, response_class=GeoJSONResponse,
            responses={200: {"model": Items, "description": "A GeoJSON FeatureCollection, paged",
                             "headers": {"Content-Crs": header("The CRS of the coordinates, <URI>"),
                                         "ETag": header("Of what the caller sees of the layer now: sent back in "
                                                        "If-None-Match, it gets 304 while nothing changed")}},
                       304: {"description": "Not modified: If-None-Match names the current ETag"}})
async def items(request: Request, who: ItemsViewer, layer: str,
          bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat in bbox-crs (minlat,minlon,"
                                                         "maxlat,maxlon in EPSG:4326)")] = None,
          bbox_crs: Annotated[BboxCrsName, Query(alias="bbox-crs", description="the CRS of bbox")] = "CRS84",
          limit: Annotated[int | None, Query(ge=1)] = None,
          offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
          jurisdiction: Annotated[str | None, Query(description="jurisdiction slug")] = None,
          crs: Annotated[CrsName, Query(description="the CRS of the answer's coordinates: CRS84 (the data), "
                                                    "EPSG:4326 (latitude first), EPSG:3857, or gcj02 to draw over "
                                                    "Gaode / Tencent tiles")] = "CRS84",
          datetime: Annotated[str | None, Query(description="a date-time or interval (RFC 3339); no layer has a "
                                                            "time property, so it filters nothing")] = None,
          if_none_match: Annotated[str | None, Header()] = None,
          ) -> Response:
    """Features of a layer as a GeoJSON FeatureCollection, paged; any other parameter filters on a
    property (?kind=residential: GET /collections/{layer}/queryables names them)."""
    # async: a page from the cache is sent without leaving the event loop; one to read is read
    # in a worker thread.
    lay = get_layer(layer)
    settings = request.app.state.settings  # not a dependency: each costs a page's every request
    limit = limit or settings.items_limit_default
    if limit > settings.items_limit_max:
        raise BadRequest(msg("limit must be at most {0}", settings.items_limit_max))
    filters = filter_values(lay, [(k, v) for k, v in request.query_params.multi_items() if k not in ITEMS_PARAMETERS])
    box = None if bbox is None else parse_bbox(bbox, crs_uri(bbox_crs))
    if datetime is not None:
        check_datetime(datetime)
    out, content_crs = _output(crs)
    jid, gid = jurisdiction_of(request), grid_filter(who, lay)
    # The version was read with the token (AllowLayer), before the page: a write committed
    # meanwhile makes the tag older than the page, never newer.
    tag = view_etag(request.state.layer_version, jid, gid)
    if none_match(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag, **PRIVATE})
    # One statement, one round trip (no BEGIN and COMMIT); reads only, so no actor to clear.
    # A page already read at this version, for what the caller may see, comes from the cache.
    pages: TileCache = request.app.state.pages
    key = PageKey(lay.name, request.state.layer_version, jid, gid, box, tuple(sorted(filters.items())), content_crs,
                  limit, offset)
    page = pages.get(key)
    if page is None:
        page = await run_in_threadpool(read, request.app, lambda cur: feature_page(
            cur, lay, jurisdiction_id=jid, bbox=box, limit=limit, offset=offset, grid_id=gid, filters=filters,
            crs=out))
        pages.put(key, page, len(page[0]))
    features, matched = page
    returned = min(limit, max(matched - offset, 0))
    # the collection's URL as url_for("describe_collection") makes it, without its search
    # through every route (a tenth of a page's time in Python)
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)},
             {"rel": "collection", "type": JSON, "href": f"{request.base_url}collections/{lay.name}"}]
    if offset + returned < matched:
        nxt = request.url.include_query_params(offset=offset + returned, limit=limit)
        links.append({"rel": "next", "type": GEOJSON, "href": str(nxt)})
    if offset > 0:
        prev = request.url.include_query_params(offset=max(offset - limit, 0), limit=limit)
        links.append({"rel": "prev", "type": GEOJSON, "href": str(prev)})
    if crs == "gcj02":
        features = orjson.dumps(features_to_gcj02(orjson.loads(features))).decode()
    # The features stay the JSON text PostGIS built (embedded as it is, not parsed again); the
    # rest is encoded, the links' URLs included.
    body = orjson.dumps({"type": "FeatureCollection", "numberMatched": matched, "numberReturned": returned,
                         "links": links, "features": orjson.Fragment(features)})
    return GeoJSONResponse(body, headers={"Content-Crs": content_crs, "ETag": tag, **PRIVATE})


@router.get("/{layer}/items/{feature_id}", name="item_by_id", response_class=GeoJSONResponse,
            responses={200: {"model": Item, "description": "A GeoJSON Feature, with its ETag",
                             "headers": {"ETag": header("Its version: what If-Match sends back to edit it"),
                                         "Content-Crs": header("The CRS of the coordinates, <URI>")}}})
def item(request: Request, who: Viewer, layer: str, feature_id: FeatureId, conn: ConnDep,
         crs: Annotated[CrsName, Query(description="the CRS of the answer's coordinates (as for the items)")] = "CRS84",
         ) -> Response:
    """One feature, with its ETag."""
    lay = get_layer(layer)
    out, content_crs = _output(crs)
    with transaction(conn) as cur:
        feature, version = get_feature(cur, lay, feature_id, out)
    answer = orjson.loads(feature)
    if crs == "gcj02":
        answer = features_to_gcj02([answer])[0]
    answer["links"] = [{"rel": "self", "type": GEOJSON, "href": str(request.url)},
                       {"rel": "collection", "type": JSON,
                        "href": str(request.url_for("describe_collection", layer=lay.name))}]
    return GeoJSONResponse(orjson.dumps(answer), headers={"ETag": etag(lay.name, feature_id, version),
                                                          "Content-Crs": content_crs})


@router.post("/{layer}/items", status_code=201, response_model=Created,
             responses={201: {"headers": {"Location": header("The (first) feature created"),
                                          "ETag": header("Its version, when one feature was created", False)},
                              "links": links({"collections-item_by_id": FIRST, "collections-replace": FIRST_TAGGED,
                                              "collections-delete": FIRST_TAGGED})},
                        **WRITES})
def create(request: Request, response: Response, who: Planner, layer: str, body: FeaturesBodyDep, conn: ConnDep,
           settings: SettingsDep, jurisdiction: Annotated[str, Query(description="jurisdiction slug")],
           content_crs: Annotated[str | None, Header()] = None) -> dict:
    """Create a Feature, or every Feature of a FeatureCollection (all or none). A street is joined
    where it crosses or ends on another (within `GRIDMAP_STREET_JOIN_M`), as imported ones are: it
    may be written as several pieces, and the street it meets split there; every new id is
    returned."""
    lay = get_layer(layer)
    with transaction(conn) as cur:
        ids = editing.create_features(cur, lay, jurisdiction, as_geojson(body),
                                      declared_crs=_declared_crs(content_crs), street_join_m=settings.street_join_m)
    response.headers["Location"] = str(request.url_for("item_by_id", layer=lay.name, feature_id=ids[0]))
    if len(ids) == 1:
        response.headers["ETag"] = etag(lay.name, ids[0], 1)
    return {"ids": ids}


@router.put("/{layer}/items/{feature_id}", status_code=204, response_class=Response,
            responses={204: {"description": "Replaced", "headers": {"ETag": header("Its new version")}},
                       200: {"description": "Replaced, a street cut into pieces where it now meets others: every "
                                            "piece's id, its own first", "model": Created,
                             "headers": {"ETag": header("Its new version")}},
                       **WRITES, **problems(412, 428)})
def replace(who: Planner, layer: str, feature_id: FeatureId, body: FeaturesBodyDep, conn: ConnDep,
            settings: SettingsDep, if_match: Annotated[str | None, Header()] = None,
            content_crs: Annotated[str | None, Header()] = None) -> Response:
    """Replace a feature; If-Match must carry its current ETag. A street is joined where it now
    crosses or ends on another, as a created one is: when that cuts it into pieces it keeps its id
    for the first, and the answer (200, not 204) lists every piece's id."""
    lay = get_layer(layer)
    with transaction(conn) as cur:
        version, ids = editing.replace_feature(cur, lay, feature_id, as_geojson(body),
                                               etags.version(if_match, lay.name, feature_id),
                                               declared_crs=_declared_crs(content_crs),
                                               street_join_m=settings.street_join_m)
    headers = {"ETag": etag(lay.name, feature_id, version)}
    if len(ids) > 1:
        return JSONResponse({"ids": ids}, headers=headers)
    return Response(status_code=204, headers=headers)


@router.delete("/{layer}/items/{feature_id}", status_code=204, response_class=Response,
               responses=problems(409, 412, 428))
def delete(who: Planner, layer: str, feature_id: FeatureId, conn: ConnDep,
           if_match: Annotated[str | None, Header()] = None) -> Response:
    """Delete a feature; If-Match must carry its current ETag."""
    lay = get_layer(layer)
    with transaction(conn) as cur:
        editing.delete_feature(cur, lay, feature_id, etags.version(if_match, lay.name, feature_id))
    return Response(status_code=204)


def document_layers(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe each layer's items too (``/collections/building/items``),
    with the query parameters that filter on its properties: OGC's recommendation that the API
    definition name each collection's filters, and how GDAL's OAPIF driver learns which of a
    ``-where`` it may send to the service rather than evaluate itself on every feature. ``limit``
    says its default and maximum, the settings' (as Core defines the parameter)."""
    generate = app.openapi
    settings = app.state.settings

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            generic = spec["paths"]["/collections/{layer}/items"]["get"]
            for param in generic["parameters"]:
                if param["name"] == "limit":
                    param["schema"] = {"type": "integer", "minimum": 1, "maximum": settings.items_limit_max,
                                       "default": settings.items_limit_default, "title": "Limit"}
            for lay in LAYERS.values():
                op = copy.deepcopy(generic)
                op["operationId"] = f"{generic['operationId']}-{lay.name}"
                op["summary"] = f"{lay.title}: features"
                op["parameters"] = [p for p in op["parameters"] if p["name"] != "layer"] + filter_parameters(lay)
                spec["paths"][f"/collections/{lay.name}/items"] = {"get": op}
        return app.openapi_schema or spec

    app.openapi = openapi  # type: ignore[method-assign]
