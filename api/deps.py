"""Dependencies: the settings, a pooled connection per request, the request body."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import orjson
import psycopg2
from fastapi import Depends, Request

from api.errors import BadRequest, PayloadTooLarge
from gis.db import Connection, first_line
from gis.errors import DatabaseUnavailable
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
            raise DatabaseUnavailable(f"the database is unavailable: {first_line(exc)}") from exc
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT set_config('gridmap.actor', '', false)")
            conn.commit()
            return conn
        except psycopg2.Error:
            pool.putconn(conn, close=True)
    raise DatabaseUnavailable("the database is unavailable: no connection answers")


def get_conn(request: Request) -> Iterator[Connection]:
    """A connection from the pool, returned after the request (closed if it broke)."""
    pool, slots = request.app.state.pool, request.app.state.pool_slots
    if not slots.acquire(timeout=request.app.state.settings.pool_wait_s):
        raise DatabaseUnavailable("the service is busy: no database connection came free in time")
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


async def raw_body(request: Request) -> bytes:
    """The request body, refused above the size limit (413) before it is all read."""
    limit = request.app.state.settings.max_body_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"request body of {declared} bytes is over the limit of {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"request body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_body(request: Request) -> Any:
    """The request body parsed as JSON, refused above the size limit (413)."""
    body = await raw_body(request)
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"malformed JSON: {exc}") from None


SettingsDep = Annotated[Settings, Depends(get_settings)]
ConnDep = Annotated[Connection, Depends(get_conn)]
BodyDep = Annotated[Any, Depends(json_body)]
RawBodyDep = Annotated[bytes, Depends(raw_body)]
