"""Vector tiles (ST_AsMVT) of any layer, and the layer's version, so that tile URLs change the
moment a feature does (clients never draw a stale cached tile)."""

from __future__ import annotations

import functools

import morecantile
from psycopg2 import sql
from psycopg2.extensions import cursor as Cursor

from gis.db import execute_prepared, read_sql
from gis.errors import InvalidInput
from gis.i18n import msg
from gis.layers import Layer

MAX_ZOOM = 22


# The tile matrix set of the tiles (OGC's WebMercatorQuad, as ST_TileEnvelope and Leaflet use).
TMS = morecantile.tms.get("WebMercatorQuad")


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The x, y of the zoom-``z`` Web Mercator tile holding a point."""
    t = TMS.tile(lon, lat, z)
    return t.x, t.y


@functools.cache
def _matrix_size(z: int) -> tuple[int, int]:
    """Tiles across and down at zoom ``z`` (morecantile builds its matrix anew at each call)."""
    matrix = TMS.matrix(z)
    return matrix.matrixWidth, matrix.matrixHeight


def check_tile(z: int, x: int, y: int) -> None:
    """Refuse a tile that is not in the tile matrix set (or beyond the zoom served)."""
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidInput(msg("no tile {0}/{1}/{2}: zoom 0–{3}, x and y 0–2^z−1", z, x, y, MAX_ZOOM))
    width, height = _matrix_size(z)
    if not (0 <= x < width and 0 <= y < height):
        raise InvalidInput(msg("no tile {0}/{1}/{2}: zoom 0–{3}, x and y 0–2^z−1", z, x, y, MAX_ZOOM))


def _key(layer: Layer) -> sql.Identifier:
    """The column holding a feature's jurisdiction (a jurisdiction is its own)."""
    return sql.Identifier("id" if layer.name == "jurisdiction" else "jurisdiction_id")


def version_text(version: float, changed: float) -> str:
    """A layer's version as tags and URLs carry it: the sum of the versions, and when the last
    change was (ms since the epoch), so that a sum that falls and rises again differs."""
    return f"{int(version)}-{int(changed * 1000)}"


def layer_version(cur: Cursor, layer: Layer, jurisdiction_id: int | None) -> str:
    """Changes whenever a feature of the layer is added, changed or removed (kept by triggers in
    ``layer_version``, so reading it costs one index lookup)."""
    execute_prepared(cur, "SELECT coalesce(sum(version), 0), coalesce(extract(epoch FROM max(changed_at)), 0) "
                     "FROM layer_version WHERE layer = %s AND (%s::integer IS NULL OR jurisdiction_id = %s::integer)",
                     (layer.name, jurisdiction_id, jurisdiction_id))
    return version_text(*cur.fetchone())


def layer_versions(cur: Cursor, jurisdiction_id: int | None) -> dict[str, str]:
    """:func:`layer_version` of every layer at once (one round trip); a layer never changed there
    is missing (its version is ``version_text(0, 0)``)."""
    execute_prepared(cur, "SELECT layer, coalesce(sum(version), 0), coalesce(extract(epoch FROM max(changed_at)), 0) "
                          "FROM layer_version WHERE %s::integer IS NULL OR jurisdiction_id = %s::integer "
                          "GROUP BY layer", (jurisdiction_id, jurisdiction_id))
    return {layer: version_text(version, changed) for layer, version, changed in cur.fetchall()}


def tile(cur: Cursor, layer: Layer, z: int, x: int, y: int, jurisdiction_id: int | None,
         grid_id: int | None = None) -> bytes:
    """One MVT tile of a layer; ``grid_id``: only that grid's buildings (building layer only)."""
    check_tile(z, x, y)
    if grid_id is not None and layer.name != "building":
        raise ValueError(msg("only buildings are filtered by grid, not {0}", layer.name))
    columns = sql.SQL("").join(sql.SQL(", t.{}").format(sql.Identifier(f.name)) for f in layer.fields
                               if f.kind in ("text", "int", "float", "bool"))
    grid_filter = sql.SQL(" AND t.grid_id = %(grid_id)s" if grid_id is not None else "")
    query = sql.SQL(read_sql("tile.sql")).format(columns=columns, table=sql.Identifier(layer.name), key=_key(layer),
                                                 grid_filter=grid_filter)
    # A tile's few hundred features come from the spatial index in a few milliseconds; weighing
    # ST_AsMVTGeom per row, the planner would rather start a parallel sequential scan (18 ms
    # against 2.8 ms on 100,000 buildings). For this transaction only.
    cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    execute_prepared(cur, query, {"z": z, "x": x, "y": y, "jurisdiction_id": jurisdiction_id, "layer": layer.name,
                                  "grid_id": grid_id})
    return bytes(cur.fetchone()[0] or b"")
