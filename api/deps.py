"""Dependencies: the settings, a pooled connection per request, the request body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import orjson
import psycopg2
from fastapi import Depends, Request

from api.errors import BadRequest, PayloadTooLarge, UnsupportedMediaTypeError
from gis import limits
from gis.db import Connection, first_line
from gis.errors import DatabaseUnavailable, InvalidInput
from gis.i18n import msg
from gis.settings import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    return request.app.state.settings


def _checkout(pool) -> Connection:
    """A pooled connection that answers. One the server dropped (a restart, a failover) is
    discarded and another taken, so the service recovers by itself when the database is back.
    The same round trip clears the actor the last request signed in as (see ``principal.sql``)."""
    for _ in range(pool.maxconn + 1):
        try:
            conn = pool.getconn()
        except psycopg2.Error as exc:
            raise DatabaseUnavailable(msg("the database is unavailable: {0}", first_line(exc))) from exc
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT set_config('gridmap.actor', '', false)")
            conn.commit()
            return conn
        except psycopg2.Error:
            pool.putconn(conn, close=True)
    raise DatabaseUnavailable(msg("the database is unavailable: no connection answers"))


def get_conn(request: Request) -> Iterator[Connection]:
    """A connection from the pool, returned after the request (closed if it broke)."""
    pool, slots = request.app.state.pool, request.app.state.pool_slots
    if not slots.acquire(timeout=request.app.state.settings.pool_wait_s):
        raise DatabaseUnavailable(msg("the service is busy: no database connection came free in time"))
    try:
        conn = _checkout(pool)
        broken = False
        try:
            yield conn
        except DatabaseUnavailable:
            broken = True
            raise
        finally:
            pool.putconn(conn, close=broken or bool(conn.closed))
    finally:
        slots.release()


# The media types of bodies: JSON (and GeoJSON) for the JSON routes, GPX for tracks. A body in
# any other type is refused (415), so that a form posted from another site (text/plain or
# urlencoded, which a browser sends without asking this service) never reaches a route.
JSON_TYPES = ("application/json", "application/geo+json")
GPX_TYPES = ("application/gpx+xml", "application/xml", "text/xml")


def _media_type(request: Request, accepted: tuple[str, ...]) -> None:
    """Refuse a body not declared as one of ``accepted`` (415)."""
    declared = request.headers.get("content-type")
    media = (declared or "").split(";")[0].strip().lower()
    if media in accepted:
        return
    if not declared:
        raise UnsupportedMediaTypeError(msg("send the body with Content-Type {0}; it had none", " or ".join(accepted)))
    raise UnsupportedMediaTypeError(msg("send the body with Content-Type {0}, not {1!r}",
                                        " or ".join(accepted), declared[:100]))


def _over_limit(request: Request) -> int:
    """The body size limit; a declared Content-Length over it is refused (413) before reading."""
    limit = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(msg("request body of {0} bytes is over the limit of {1}", declared, limit))
    return limit


async def raw_body(request: Request) -> bytes:
    """The request body, refused above the size limit (413) before it is all read."""
    limit = _over_limit(request)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(msg("request body is over the limit of {0} bytes", limit))
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request) -> Any:
    """The request body parsed as JSON: refused above the size limit (413), sent as another media
    type than JSON or GeoJSON (415), malformed (400), or holding the NUL character anywhere (422,
    naming where: text in the database cannot hold it)."""
    _over_limit(request)
    _media_type(request, JSON_TYPES)
    body = await raw_body(request)
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(msg("malformed JSON: {0}", exc)) from None
    bad = limits.nul_paths(value)
    if bad:
        raise InvalidInput(msg("the body holds the NUL character (U+0000), which no text may contain"),
                           [msg("{0} cannot contain the NUL character (U+0000)", where) for where in bad[:50]])
    return value


async def gpx_body(request: Request) -> bytes:
    """A GPX file as the request body: size limit (413), and a GPX or XML media type (415)."""
    _over_limit(request)
    _media_type(request, GPX_TYPES)
    return await raw_body(request)


def plain_parameters(request: Request) -> None:
    """Refuse query and path parameters holding the NUL character (400 naming each, as other
    malformed parameters): no text in the database can hold it, and no name, slug or date has it."""
    bad = [f"query.{k.replace(limits.NUL, '?')}" for k, v in request.query_params.multi_items()
           if limits.NUL in k or limits.NUL in v]
    bad += [f"path.{k}" for k, v in request.path_params.items() if isinstance(v, str) and limits.NUL in v]
    if bad:
        raise BadRequest(msg("invalid request parameters"),
                         [msg("{0} cannot contain the NUL character (U+0000)", where) for where in bad])


def feature_body(most: int, what: str):
    """A dependency: the JSON body (see :func:`json_body`), refused when it is a FeatureCollection
    of more than ``most`` features (``what`` names them in the message)."""

    async def body(request: Request) -> Any:
        value = await json_body(request)
        features = value.get("features") if isinstance(value, dict) else None
        if isinstance(features, list) and len(features) > most:
            raise InvalidInput(msg("{0} {1} in one request, more than the limit of {2}", len(features), what, most))
        return value

    return body


SettingsDep = Annotated[Settings, Depends(get_settings)]
ConnDep = Annotated[Connection, Depends(get_conn)]
BodyDep = Annotated[Any, Depends(json_body)]
RawBodyDep = Annotated[bytes, Depends(raw_body)]
GpxBodyDep = Annotated[bytes, Depends(gpx_body)]
FeaturesBodyDep = Annotated[Any, Depends(feature_body(limits.MAX_FEATURES_PER_REQUEST, "features"))]
CandidatesBodyDep = Annotated[Any, Depends(feature_body(limits.MAX_CANDIDATE_SITES, "candidate sites"))]
PlainParameters = Depends(plain_parameters)
