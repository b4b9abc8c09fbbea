"""A jurisdiction's workers in a package (``worker.geojson`` beside the layers, or a ``worker`` layer
of a GeoPackage), so that a package
holds the people its cases were given to: a case dispatched to a worker replays only if the worker
is there.

A feature is a worker's home (a Point, or none) with ``name``, ``role`` (one of
:data:`gis.patrol.stewards.WORKER_ROLES`) and ``grid`` (its code, or none). Loaded before the
cases; checked whole first (a bad worker loads none).
"""

from __future__ import annotations

import json
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from gis import limits
from gis.errors import InvalidInput
from gis.i18n import Message, msg
from gis.patrol.stewards import WORKER_ROLES
from gis.store import Jurisdiction

LAYER = "worker"


def _home(geometry: Any, n: int, where: str) -> tuple[tuple[float, float] | None, list[Message]]:
    if geometry is None:
        return None, []
    xy = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (not isinstance(geometry, dict) or geometry.get("type") != "Point" or not isinstance(xy, list) or len(xy) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in xy[:2])
            or not (-180 <= xy[0] <= 180 and -90 <= xy[1] <= 90)):
        return None, [msg("worker {0} of {1}: a home is a point in longitude and latitude", n, where)]
    return (float(xy[0]), float(xy[1])), []


def _worker(f: Any, n: int, grids: dict[str, int], slug: str, where: str) -> tuple[tuple[Any, ...], list[Message]]:
    """One feature as a row (name, role, grid id, x, y), and what is wrong with it."""
    if not isinstance(f, dict) or not isinstance(f.get("properties") or {}, dict):
        return (), [msg("worker {0} of {1}: a feature with properties", n, where)]
    p = f.get("properties") or {}
    home, problems = _home(f.get("geometry"), n, where)
    name, role, grid = p.get("name"), p.get("role"), p.get("grid")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        problems.append(msg("worker {0} of {1}: a worker needs a name", n, where))
    try:
        limits.check_text(name, msg("the name of worker {0} of {1}", n, where))
        limits.check_name(name, msg("the name of worker {0} of {1}", n, where), listed=True)
    except InvalidInput as bad:
        problems.append(bad.message)
    if not isinstance(role, str) or role not in WORKER_ROLES:
        problems.append(msg("worker {0} of {1}: role must be one of {2}, got {3!r}", n, where,
                            ", ".join(WORKER_ROLES), role))
    if grid is not None and (not isinstance(grid, str) or grid not in grids):
        problems.append(msg("worker {0} of {1}: {2} has no grid {3!r}", n, where, slug, grid))
    grid_id = grids.get(grid) if isinstance(grid, str) else None
    return (name, role, grid_id, *(home or (None, None))), problems


def import_workers(cur: Cursor, j: Jurisdiction, features: Any, where: str) -> int:
    """The workers of a package (its ``worker`` features, :mod:`gis.package_features`, from
    ``where``) into jurisdiction ``j``; how many."""
    if not isinstance(features, list):
        raise InvalidInput(msg("{0} cannot be loaded", where), [msg("{0} is not a FeatureCollection", where)])
    cur.execute("SELECT code, id FROM grid WHERE jurisdiction_id = %s", (j.id,))
    grids = dict(cur.fetchall())
    rows, problems, seen = [], [], set()
    for n, f in enumerate(features, start=1):
        row, bad = _worker(f, n, grids, j.slug, where)
        problems += bad
        if row and row[0] in seen:
            problems.append(msg("worker {0} of {1}: {2!r} is named twice", n, where, row[0]))
        if row:
            seen.add(row[0])
            rows.append((j.id, *row))
    if problems:
        raise InvalidInput(msg("{0} cannot be loaded", where), problems)
    if rows:
        execute_values(cur, "INSERT INTO worker (jurisdiction_id, name, role, grid_id, geom) SELECT v.j, v.name,"
                            " v.role, v.grid, CASE WHEN v.x IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(v.x, v.y),"
                            " 4326) END FROM (VALUES %s) AS v (j, name, role, grid, x, y)", rows,
                       template="(%s, %s, %s, %s::integer, %s::float8, %s::float8)")
    return len(rows)


def worker_features(cur: Cursor, j: Jurisdiction) -> list[dict[str, Any]]:
    """The workers of ``j`` as a package's features."""
    cur.execute("SELECT w.name, w.role, g.code, ST_AsGeoJSON(w.geom, 7) FROM worker w"
                " LEFT JOIN grid g ON g.id = w.grid_id WHERE w.jurisdiction_id = %s ORDER BY w.id", (j.id,))
    return [
        {"type": "Feature", "geometry": json.loads(geom) if geom else None,
         "properties": {k: v for k, v in {"name": name, "role": role, "grid": grid}.items() if v is not None}}
        for name, role, grid, geom in cur.fetchall()]
