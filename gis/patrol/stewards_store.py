"""Workers and lane stewards in PostGIS: register a worker, and assign a jurisdiction's stewards to
its grids (the database side of :mod:`gis.patrol.stewards`)."""

from __future__ import annotations

import shapely
from psycopg2.extensions import cursor as Cursor

from gis import limits
from gis.errors import Conflict, InvalidInput
from gis.i18n import msg
from gis.patrol.stewards import WORKER_ROLES, Person, assign
from gis.store import find_jurisdiction


def assign_stewards(cur: Cursor, slug: str) -> dict:
    """The registered stewards of a jurisdiction assigned to its grids."""
    jur = find_jurisdiction(cur, slug)
    cur.execute("SELECT g.id, g.code, g.name, ST_AsBinary(ST_Transform(g.geom, %s)) FROM grid g "
                "WHERE g.jurisdiction_id = %s ORDER BY g.code", (jur.metric_srid, jur.id))
    grid_rows = cur.fetchall()
    if not grid_rows:
        raise InvalidInput(msg("{0} has no grids to assign stewards to", slug))
    index = {r[0]: i for i, r in enumerate(grid_rows)}
    cur.execute("SELECT id, name, role, ST_X(ST_Transform(geom, %s)), ST_Y(ST_Transform(geom, %s)), grid_id "
                "FROM worker WHERE jurisdiction_id = %s ORDER BY id", (jur.metric_srid, jur.metric_srid, jur.id))
    people = [Person(i, n, r, (x, y) if x is not None else None, index.get(g))
              for i, n, r, x, y, g in cur.fetchall()]
    result = assign([shapely.from_wkb(bytes(r[3])) for r in grid_rows], people)
    for g, r in zip(result["grids"], grid_rows, strict=True):
        g["code"], g["name"] = r[1], r[2]
    return {"jurisdiction": slug, "ratio": "1:5:10", **result}


def add_worker(cur: Cursor, slug: str, name: str, role: str, home: tuple[float, float] | None = None,
               grid: str | None = None) -> int:
    """Register a worker or volunteer; ``home`` (lon, lat) places a steward near a grid."""
    if role not in WORKER_ROLES:
        raise InvalidInput(msg("role must be one of {0}, got {1!r}", ", ".join(WORKER_ROLES), role))
    if not name or not name.strip():
        raise InvalidInput(msg("a worker needs a name"))
    limits.check_name(name, msg("the worker's name {0!r}", name.strip()), listed=True)
    jur = find_jurisdiction(cur, slug)
    grid_id = None
    if grid:
        cur.execute("SELECT id FROM grid WHERE jurisdiction_id = %s AND code = %s", (jur.id, grid))
        row = cur.fetchone()
        if row is None:
            raise InvalidInput(msg("{0} has no grid {1!r}", slug, grid))
        grid_id = row[0]
    cur.execute("SELECT 1 FROM worker WHERE jurisdiction_id = %s AND name = %s", (jur.id, name.strip()))
    if cur.fetchone():
        raise Conflict(msg("{0} has a worker named {1!r} already", slug, name.strip()))
    cur.execute("INSERT INTO worker (jurisdiction_id, name, role, grid_id, geom) VALUES (%s, %s, %s, %s, "
                "CASE WHEN %s::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(%s, %s), 4326) END) "
                "RETURNING id",
                (jur.id, name.strip(), role, grid_id, *((home[0],) if home else (None,)),
                 *(home if home else (None, None))))
    return cur.fetchone()[0]
