"""A jurisdiction's workers in a package (``worker.geojson`` beside the layers), so that a package
holds the people its cases were given to: a case dispatched to a worker replays only if the worker
is there.

A feature is a worker's home (a Point, or none) with ``name``, ``role`` (one of
:data:`gis.patrol.stewards.WORKER_ROLES`) and ``grid`` (its code, or none). Loaded before the
cases; checked whole first (a bad worker loads none).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from gis import limits
from gis.errors import InvalidInput
from gis.filesio import layer_file, read_geojson, write_features
from gis.i18n import Message, msg
from gis.patrol.stewards import WORKER_ROLES
from gis.store import Jurisdiction

FILE = "worker.geojson"


def _home(geometry: Any, n: int) -> tuple[tuple[float, float] | None, list[Message]]:
    if geometry is None:
        return None, []
    xy = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if (not isinstance(geometry, dict) or geometry.get("type") != "Point" or not isinstance(xy, list) or len(xy) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in xy[:2])
            or not (-180 <= xy[0] <= 180 and -90 <= xy[1] <= 90)):
        return None, [msg("worker {0} of {1}: a home is a point in longitude and latitude", n, FILE)]
    return (float(xy[0]), float(xy[1])), []


def _worker(f: Any, n: int, grids: dict[str, int], slug: str) -> tuple[tuple[Any, ...], list[Message]]:
    """One feature as a row (name, role, grid id, x, y), and what is wrong with it."""
    if not isinstance(f, dict) or not isinstance(f.get("properties") or {}, dict):
        return (), [msg("worker {0} of {1}: a feature with properties", n, FILE)]
    p = f.get("properties") or {}
    home, problems = _home(f.get("geometry"), n)
    name, role, grid = p.get("name"), p.get("role"), p.get("grid")
    name = name.strip() if isinstance(name, str) else ""
    if not name:
        problems.append(msg("worker {0} of {1}: a worker needs a name", n, FILE))
    try:
        limits.check_text(name, msg("the name of worker {0} of {1}", n, FILE))
    except InvalidInput as too_long:
        problems.append(too_long.message)
    if not isinstance(role, str) or role not in WORKER_ROLES:
        problems.append(msg("worker {0} of {1}: role must be one of {2}, got {3!r}", n, FILE,
                            ", ".join(WORKER_ROLES), role))
    if grid is not None and (not isinstance(grid, str) or grid not in grids):
        problems.append(msg("worker {0} of {1}: {2} has no grid {3!r}", n, FILE, slug, grid))
    grid_id = grids.get(grid) if isinstance(grid, str) else None
    return (name, role, grid_id, *(home or (None, None))), problems


def import_workers(cur: Cursor, j: Jurisdiction, folder: Path) -> int:
    """The workers of a package folder into jurisdiction ``j``; how many."""
    features = read_geojson(layer_file(folder, "worker")).get("features") or []
    if not isinstance(features, list):
        raise InvalidInput(msg("{0} cannot be loaded", FILE), [msg("{0} is not a FeatureCollection", FILE)])
    cur.execute("SELECT code, id FROM grid WHERE jurisdiction_id = %s", (j.id,))
    grids = dict(cur.fetchall())
    rows, problems, seen = [], [], set()
    for n, f in enumerate(features, start=1):
        row, bad = _worker(f, n, grids, j.slug)
        problems += bad
        if row and row[0] in seen:
            problems.append(msg("worker {0} of {1}: {2!r} is named twice", n, FILE, row[0]))
        if row:
            seen.add(row[0])
            rows.append((j.id, *row))
    if problems:
        raise InvalidInput(msg("{0} cannot be loaded", FILE), problems)
    if rows:
        execute_values(cur, "INSERT INTO worker (jurisdiction_id, name, role, grid_id, geom) SELECT v.j, v.name,"
                            " v.role, v.grid, CASE WHEN v.x IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(v.x, v.y),"
                            " 4326) END FROM (VALUES %s) AS v (j, name, role, grid, x, y)", rows,
                       template="(%s, %s, %s, %s::integer, %s::float8, %s::float8)")
    return len(rows)


def export_workers(cur: Cursor, j: Jurisdiction, folder: Path) -> int:
    """The workers of ``j`` as ``worker.geojson`` in a package folder."""
    cur.execute("SELECT w.name, w.role, g.code, ST_AsGeoJSON(w.geom, 7) FROM worker w"
                " LEFT JOIN grid g ON g.id = w.grid_id WHERE w.jurisdiction_id = %s ORDER BY w.id", (j.id,))
    # written even with none: a folder exported into again must not keep the workers of before
    return write_features(folder / FILE, (
        {"type": "Feature", "geometry": json.loads(geom) if geom else None,
         "properties": {k: v for k, v in {"name": name, "role": role, "grid": grid}.items() if v is not None}}
        for name, role, grid, geom in cur.fetchall()))
