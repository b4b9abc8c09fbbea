"""The app factory: ``create_app(settings)`` builds the service; nothing happens at import."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from api import errors, layer_access, openapi30, security, webassets
from api.cached_tiles import CachedTiles
from api.models import common as contracts
from api.routers import (
    auth,
    cases,
    collections,
    coverage,
    docs,
    field,
    grids,
    health,
    jurisdictions,
    ogc,
    pages,
    patrol,
    tiles,
)
from gis import __version__
from gis.db import make_pool
from gis.settings import Settings
from gis.tile_cache import TileCache

# Answers smaller than this go as they are (compressing them gains less than it costs).
GZIP_ABOVE_BYTES = 4096
# Compressed already: starlette's list (images, fonts, archives) and the prints.
GZIP_SKIPPED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf")
# Every router of the app, in the order they are matched (the access audit test reads them all):
# the most asked first (tiles and items: each router passed costs a tile a tenth of its time);
# the OGC landing page (``/`` asked for as JSON) before the map page (``/`` to a browser).
ROUTERS = (tiles, collections, health, auth, docs, ogc, pages, patrol, coverage, grids, jurisdictions, cases,
           field)


def operation_id(route: APIRoute) -> str:
    """A route's operationId: its router's tag and its name (``collections-create``), as clients
    generated from /openapi.json name their methods and as the document's links name operations."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (read from the environment when not given)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = make_pool(settings.database_url, 0, settings.pool_max, settings.statement_timeout_s,
                                   settings.lock_timeout_s)
        # Requests wait for a free connection (up to GRIDMAP_POOL_WAIT_S) rather than fail at once.
        app.state.pool_slots = threading.BoundedSemaphore(settings.pool_max)
        listener = layer_access.start(app, settings.database_url)
        try:
            yield
        finally:
            listener.stop()
            app.state.pool.closeall()

    # No redirect of a path with a trailing slash to the one without: /collections/grid/items/ is
    # no feature, not the layer's items (a client following the redirect got another route's answer).
    app = FastAPI(title="gridmap", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None,
                  redirect_slashes=False, generate_unique_id_function=operation_id,
                  description="Community grid management (网格化管理): jurisdictions, grids, "
                              "courier zones, post stations, streets. GeoJSON in and out.")
    app.state.settings = settings
    app.state.tiles = TileCache(settings.tile_cache_bytes)
    app.state.pages = TileCache(settings.items_cache_bytes)
    errors.install(app)
    layer_access.install(app)
    # A tile already made is sent before routing (inside the security headers, host check, gzip).
    app.state.tiles_sent_early = 0
    app.add_middleware(CachedTiles, state=app.state)
    security.install(app, settings)
    for module in ROUTERS:
        app.include_router(module.router)
    webassets.mount(app, settings)
    contracts.install(app)
    collections.document_layers(app)
    openapi30.install(app)
    # Large answers (pages of GeoJSON, vector tiles, scripts) compressed for a client that accepts
    # gzip: GeoJSON shrinks about 5×, tiles about 2×. Level 5: most of level 9's gain for a
    # fraction of its time; above 128 KiB starlette compresses in a worker thread.
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_ABOVE_BYTES, compresslevel=5,
                       exclude_content_types=GZIP_SKIPPED)
    return app
