"""Dependencies: the settings, a pooled connection per request, the request body.

A JSON body is declared on a route as a Pydantic model (``api.models``), and the route's router
uses :class:`JSONBodyRoute`: before FastAPI validates the body against the model, the caller is
signed in (401: nobody's body is parsed for free), and the body is read
within the size limit (413), refused in another media type than JSON or GeoJSON (415), parsed by
orjson (400 when malformed) and refused when it holds the NUL character anywhere (422, naming
where). A model's own refusals are 422 too (``api.errors``)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any, TypeVar

import orjson
import psycopg2
from fastapi import Body, Depends, Request, Response, params
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from api.errors import BadRequest, PayloadTooLarge, UnsupportedMediaTypeError
from api.models.coverage import Candidates
from api.models.features import GeoJSONIn
from gis import limits
from gis.db import Connection, Cursor, autocommit, first_line, translate_errors
from gis.errors import DatabaseUnavailable, InvalidInput
from gis.i18n import msg
from gis.parsing import is_number
from gis.settings import Settings

T = TypeVar("T")


async def get_settings(request: Request) -> Settings:
    """The app's settings (async: FastAPI runs a plain function dependency in a worker thread)."""
    return request.app.state.settings


def _checkout(pool, clear_actor: bool = True) -> Connection:
    """A pooled connection that answers. One the server dropped (a restart, a failover) is
    discarded and another taken, so the service recovers by itself when the database is back.
    The same round trip clears the actor the last request signed in as (see ``principal.sql``);
    ``clear_actor`` False: a connection that will only read, with no round trip at all."""
    for _ in range(pool.maxconn + 1):
        try:
            conn = pool.getconn()
        except psycopg2.Error as exc:
            raise DatabaseUnavailable(msg("the database is unavailable: {0}", first_line(exc))) from exc
        if not clear_actor and not conn.closed:
            return conn  # a dropped one fails its first query: DatabaseUnavailable, and it is discarded
        try:
            with autocommit(conn), conn.cursor() as cur:  # one round trip, not BEGIN, SELECT, COMMIT
                cur.execute("SELECT set_config('gridmap.actor', '', false)")
            return conn
        except psycopg2.Error:
            pool.putconn(conn, close=True)
    raise DatabaseUnavailable(msg("the database is unavailable: no connection answers"))


@contextlib.contextmanager
def pooled(app: Any, *, clear_actor: bool = True) -> Iterator[Connection]:
    """A connection from the app's pool for the block, returned after it (closed if it broke);
    503 when none comes free in time. ``clear_actor`` False: for reads only (see :func:`_checkout`)."""
    pool, slots = app.state.pool, app.state.pool_slots
    if not slots.acquire(timeout=app.state.settings.pool_wait_s):
        raise DatabaseUnavailable(msg("the service is busy: no database connection came free in time"))
    try:
        conn = _checkout(pool, clear_actor)
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


def read(app: Any, query: Callable[[Cursor], T]) -> T:
    """``query(cur)``: reads on a pooled connection, each statement on its own (no BEGIN and
    COMMIT: one round trip for one statement), without clearing the actor (nothing is written).
    A connection the server dropped (a restart) fails its first statement: it is discarded, and
    the read asked again on a connection :func:`_checkout` has found answering."""
    try:
        with pooled(app, clear_actor=False) as conn, translate_errors(), autocommit(conn), conn.cursor() as cur:
            return query(cur)
    except DatabaseUnavailable as exc:
        if not isinstance(exc.__cause__, psycopg2.Error):  # busy: no connection came free in time
            raise
    with pooled(app) as conn, translate_errors(), autocommit(conn), conn.cursor() as cur:
        return query(cur)


def get_conn(request: Request) -> Iterator[Connection]:
    """A connection from the pool, returned after the request (closed if it broke)."""
    with pooled(request.app) as conn:
        yield conn


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
    if declared and is_number(declared) and int(declared) > limit:
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


def parse_json(body: bytes) -> Any:
    """A JSON body parsed: refused when malformed (400) or holding the NUL character anywhere
    (422, naming where: text in the database cannot hold it)."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(msg("malformed JSON: {0}", exc)) from None
    bad = limits.nul_paths(value)
    if bad:
        raise InvalidInput(msg("the body holds the NUL character (U+0000), which no text may contain"),
                           [msg("{0} cannot contain the NUL character (U+0000)", where) for where in bad[:50]])
    return value


# Bodies at least this large are parsed in a worker thread (orjson and the NUL search take about
# 40 ms a megabyte of small objects).
OFF_LOOP_BYTES = 256 * 1024


class JSONBodyRequest(Request):
    """A request whose body is read within the size limit and parsed as JSON once, by orjson
    (FastAPI reads the body through these two methods)."""

    async def body(self) -> bytes:
        if not hasattr(self, "_body"):
            self._body = await raw_body(self)
        return self._body

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            # a large body parsed and searched for NUL off the event loop, which serves everyone
            self._json = parse_json(body) if len(body) < OFF_LOOP_BYTES else await run_in_threadpool(parse_json, body)
        return self._json


class JSONBodyRoute(APIRoute):
    """A route whose JSON body is checked (size, media type, syntax, NUL) before FastAPI
    validates it against the route's model; routes without a JSON body are left as they are."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None or isinstance(self.body_field.field_info, params.Form):
            return handler

        # A body model may bound what it holds before it is validated (``precheck(raw)``: cheap
        # counts on the parsed JSON): pydantic validates in the event loop, and a body of a
        # hundred thousand objects held every other request for a second or more.
        precheck = getattr(self.body_field.field_info.annotation, "precheck", None)
        from api.auth import signed_in_before_body  # (api.auth depends on this module)

        async def checked(request: Request) -> Response:
            request = JSONBodyRequest(request.scope, request.receive)
            await signed_in_before_body(request)
            _over_limit(request)
            _media_type(request, JSON_TYPES)
            raw = await request.json()
            if precheck is not None:
                precheck(raw)
            return await handler(request)

        return checked


async def gpx_body(request: Request) -> bytes:
    """A GPX file as the request body: size limit (413), and a GPX or XML media type (415)."""
    _over_limit(request)
    _media_type(request, GPX_TYPES)
    return await raw_body(request)


async def plain_parameters(request: Request) -> None:
    """Refuse query and path parameters holding the NUL character (400 naming each, as other
    malformed parameters): no text in the database can hold it, and no name, slug or date has it."""
    bad = [f"query.{k.replace(limits.NUL, '?')}" for k, v in request.query_params.multi_items()
           if limits.NUL in k or limits.NUL in v]
    bad += [f"path.{k}" for k, v in request.path_params.items() if isinstance(v, str) and limits.NUL in v]
    if bad:
        raise BadRequest(msg("invalid request parameters"),
                         [msg("{0} cannot contain the NUL character (U+0000)", where) for where in bad])


def _at_most(body: Any, most: int, what: str) -> Any:
    """``body``, refused (422) when it is a FeatureCollection of more than ``most`` features."""
    features = getattr(body, "features", None)
    if features is not None and len(features) > most:
        raise InvalidInput(msg("{0} {1} in one request, more than the limit of {2}", len(features), what, most))
    return body


def features_body(body: GeoJSONIn = Body(  # noqa: B008 (FastAPI's way)
        description=f"A Feature, or a FeatureCollection of at most {limits.MAX_FEATURES_PER_REQUEST} (written all "
                    f"or none); sent as application/json or application/geo+json",
        discriminator="type")) -> GeoJSONIn:
    """A dependency: a GeoJSON Feature or FeatureCollection as the body."""
    return _at_most(body, limits.MAX_FEATURES_PER_REQUEST, "features")


def candidates_body(body: Candidates = Body(  # noqa: B008 (FastAPI's way)
        description=f"Candidate sites: points or polygons, at most {limits.MAX_CANDIDATE_SITES}",
        discriminator="type")) -> Candidates:
    """A dependency: candidate sites as a GeoJSON Feature or FeatureCollection."""
    return _at_most(body, limits.MAX_CANDIDATE_SITES, "candidate sites")


SettingsDep = Annotated[Settings, Depends(get_settings)]
ConnDep = Annotated[Connection, Depends(get_conn)]
RawBodyDep = Annotated[bytes, Depends(raw_body)]
GpxBodyDep = Annotated[bytes, Depends(gpx_body)]
FeaturesBodyDep = Annotated[GeoJSONIn, Depends(features_body)]
CandidatesBodyDep = Annotated[Candidates, Depends(candidates_body)]
PlainParameters = Depends(plain_parameters)
