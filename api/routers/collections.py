"""OGC API – Features style layers: ``/collections/{layer}/items[/{id}]``, GeoJSON in and out.

Reading needs a sign-in: a grid worker gets the buildings of their own grid only, anyone bound
to a jurisdiction only its features. Writing needs a planner. Writes are optimistic: every
feature carries an ``ETag`` (its version) and a replace or delete must send it back in
``If-Match``; a stale one gets 412 with the current version.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pyproj import CRS

from api.auth import Planner, SignedIn, Viewer, grid_filter, jurisdiction_of
from api.deps import ConnDep, FeaturesBodyDep, JSONBodyRoute, PlainParameters, SettingsDep
from api.errors import BadRequest
from api.models.common import COMMON, GEOJSON, WRITES, header, links, problems
from api.models.features import Collection, Collections, Created, Item, Items, as_geojson
from gis import editing, etags
from gis.crs import features_to_gcj02, parse_crs
from gis.db import transaction
from gis.errors import InvalidInput
from gis.etags import etag
from gis.i18n import msg
from gis.layers import LAYERS, Layer, get_layer
from gis.limits import MAX_ID, MAX_OFFSET
from gis.store import feature_page, get_feature

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


def _collection(request: Request, layer: Layer) -> dict:
    base = str(request.url_for("items", layer=layer.name))
    return {"id": layer.name, "title": layer.title, "title_zh": layer.title_zh,
            "description": layer.description, "itemType": "feature",
            "geometryTypes": list(layer.geometry_types), "writable": layer.writable,
            "properties": list(layer.properties),
            "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
            "links": [{"rel": "items", "type": GEOJSON, "href": base}]}


def _declared_crs(content_crs: str | None) -> CRS | str | None:
    if not content_crs:
        return None
    try:
        return parse_crs(content_crs.strip().strip("<>"))
    except InvalidInput as exc:
        raise BadRequest(msg("Content-Crs: {0}", exc.message)) from None


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise BadRequest(msg("bbox must be minlon,minlat,maxlon,maxlat; got {0!r}", text)) from None
    if not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise BadRequest(msg("bbox {0!r} is not minlon,minlat,maxlon,maxlat in WGS84", text))
    return w, s, e, n


@router.get("", response_model=Collections)
def list_collections(request: Request, who: SignedIn) -> dict:
    """The layers."""
    return {"collections": [_collection(request, layer) for layer in LAYERS.values()],
            "links": [{"rel": "self", "href": str(request.url)}]}


@router.get("/{layer}", response_model=Collection)
def describe_collection(request: Request, who: SignedIn, layer: str) -> dict:
    """One layer."""
    return _collection(request, get_layer(layer))


@router.get("/{layer}/items", name="items", response_class=GeoJSONResponse,
            responses={200: {"model": Items, "description": "A GeoJSON FeatureCollection, paged"}})
def items(request: Request, who: Viewer, layer: str, conn: ConnDep, settings: SettingsDep,
          bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
          limit: Annotated[int | None, Query(ge=1)] = None,
          offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
          jurisdiction: Annotated[str | None, Query(description="jurisdiction slug")] = None,
          crs: Annotated[Literal["CRS84", "gcj02"], Query(description="CRS84 (the data), or gcj02 to draw "
                                                                    "over Gaode / Tencent tiles")] = "CRS84",
          ) -> Response:
    """Features of a layer as a GeoJSON FeatureCollection, paged."""
    lay = get_layer(layer)
    limit = limit or settings.items_limit_default
    if limit > settings.items_limit_max:
        raise BadRequest(msg("limit must be at most {0}", settings.items_limit_max))
    box = _bbox(bbox)
    with transaction(conn) as cur:
        features, matched = feature_page(cur, lay, jurisdiction_id=jurisdiction_of(request), bbox=box, limit=limit,
                                         offset=offset, grid_id=grid_filter(who, lay))
    returned = min(limit, max(matched - offset, 0))
    links = [{"rel": "self", "type": GEOJSON, "href": str(request.url)}]
    if offset + returned < matched:
        nxt = request.url.include_query_params(offset=offset + returned, limit=limit)
        links.append({"rel": "next", "type": GEOJSON, "href": str(nxt)})
    headers = {}
    if crs == "gcj02":
        features = orjson.dumps(features_to_gcj02(orjson.loads(features))).decode()
        headers["Content-Crs"] = "<gcj02>"
    # The features stay the JSON text PostGIS built (embedded as it is, not parsed again); the
    # rest is encoded, the links' URLs included.
    body = orjson.dumps({"type": "FeatureCollection", "numberMatched": matched, "numberReturned": returned,
                         "links": links, "features": orjson.Fragment(features)})
    return GeoJSONResponse(body, headers=headers)


@router.get("/{layer}/items/{feature_id}", name="item_by_id", response_class=GeoJSONResponse,
            responses={200: {"model": Item, "description": "A GeoJSON Feature, with its ETag",
                             "headers": {"ETag": header("Its version: what If-Match sends back to edit it")}}})
def item(who: Viewer, layer: str, feature_id: FeatureId, conn: ConnDep) -> Response:
    """One feature, with its ETag."""
    lay = get_layer(layer)
    with transaction(conn) as cur:
        feature, version = get_feature(cur, lay, feature_id)
    return GeoJSONResponse(feature, headers={"ETag": etag(lay.name, feature_id, version)})


@router.post("/{layer}/items", status_code=201, response_model=Created,
             responses={201: {"headers": {"Location": header("The (first) feature created"),
                                          "ETag": header("Its version, when one feature was created", False)},
                              "links": links({"collections-item_by_id": FIRST, "collections-replace": FIRST_TAGGED,
                                              "collections-delete": FIRST_TAGGED})},
                        **WRITES})
def create(request: Request, response: Response, who: Planner, layer: str, body: FeaturesBodyDep, conn: ConnDep,
           jurisdiction: Annotated[str, Query(description="jurisdiction slug")],
           content_crs: Annotated[str | None, Header()] = None) -> dict:
    """Create a Feature, or every Feature of a FeatureCollection (all or none)."""
    lay = get_layer(layer)
    with transaction(conn) as cur:
        ids = editing.create_features(cur, lay, jurisdiction, as_geojson(body),
                                      declared_crs=_declared_crs(content_crs))
    response.headers["Location"] = str(request.url_for("item_by_id", layer=lay.name, feature_id=ids[0]))
    if len(ids) == 1:
        response.headers["ETag"] = etag(lay.name, ids[0], 1)
    return {"ids": ids}


@router.put("/{layer}/items/{feature_id}", status_code=204, response_class=Response,
            responses={204: {"description": "Replaced", "headers": {"ETag": header("Its new version")}},
                       **WRITES, **problems(412, 428)})
def replace(who: Planner, layer: str, feature_id: FeatureId, body: FeaturesBodyDep, conn: ConnDep,
            if_match: Annotated[str | None, Header()] = None,
            content_crs: Annotated[str | None, Header()] = None) -> Response:
    """Replace a feature; If-Match must carry its current ETag."""
    lay = get_layer(layer)
    with transaction(conn) as cur:
        version = editing.replace_feature(cur, lay, feature_id, as_geojson(body),
                                          etags.version(if_match, lay.name, feature_id),
                                          declared_crs=_declared_crs(content_crs))
    return Response(status_code=204, headers={"ETag": etag(lay.name, feature_id, version)})


@router.delete("/{layer}/items/{feature_id}", status_code=204, response_class=Response,
               responses=problems(409, 412, 428))
def delete(who: Planner, layer: str, feature_id: FeatureId, conn: ConnDep,
           if_match: Annotated[str | None, Header()] = None) -> Response:
    """Delete a feature; If-Match must carry its current ETag."""
    lay = get_layer(layer)
    with transaction(conn) as cur:
        editing.delete_feature(cur, lay, feature_id, etags.version(if_match, lay.name, feature_id))
    return Response(status_code=204)
