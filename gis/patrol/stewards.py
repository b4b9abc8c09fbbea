"""Lane stewards (小巷管家) to grids by proximity, at the staff : retired : working ratio 1:5:10.

Each grid takes, per staff member working it (at least one), five retired and ten working party
members. Volunteers go to grid places so that the total distance from their homes to their grids
is least (an exact assignment, Hungarian method); a home inside a grid is at distance 0 from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from psycopg2.extensions import cursor as Cursor
from scipy.optimize import linear_sum_assignment

from gis.errors import Conflict, InvalidInput
from gis.store import find_jurisdiction

RATIO = {"steward_retired": 5, "steward_working": 10}
STAFF_ROLES = ("social_worker", "grid_worker")


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    role: str
    xy: tuple[float, float] | None
    grid: int | None = None  # index of the grid a staff member works


def assign(grids: list, people: list[Person]) -> dict:
    """``grids``: metric polygons. Returns per grid the staff and stewards, and who is left."""
    staff = [sum(1 for p in people if p.role in STAFF_ROLES and p.grid == g) for g in range(len(grids))]
    places = [max(1, s) for s in staff]
    out: dict[str, Any] = {"grids": [{"staff": [p.name for p in people if p.role in STAFF_ROLES and p.grid == g],
                      "steward_retired": [], "steward_working": [], "short": {}}
                     for g in range(len(grids))], "unassigned": [], "no_home": []}
    for role, per in RATIO.items():
        vols = [p for p in people if p.role == role]
        out["no_home"] += [p.name for p in vols if p.xy is None]
        vols = [p for p in vols if p.xy is not None]
        slots = [g for g in range(len(grids)) for _ in range(per * places[g])]
        if vols and slots:
            homes = shapely.points([p.xy for p in vols])
            cost = np.stack([shapely.distance(homes, grids[g]) for g in slots], axis=1)
            rows, cols = linear_sum_assignment(cost)
            taken = set(rows.tolist())
            for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
                out["grids"][slots[c]][role].append(vols[r].name)
            out["unassigned"] += [p.name for i, p in enumerate(vols) if i not in taken]
        for g in range(len(grids)):
            missing = per * places[g] - len(out["grids"][g][role])
            if missing:
                out["grids"][g]["short"][role] = missing
    return out


def assign_stewards(cur: Cursor, slug: str) -> dict:
    """The registered stewards of a jurisdiction assigned to its grids."""
    jur = find_jurisdiction(cur, slug)
    cur.execute("SELECT g.id, g.code, g.name, ST_AsBinary(ST_Transform(g.geom, %s)) FROM grid g "
                "WHERE g.jurisdiction_id = %s ORDER BY g.code", (jur.metric_srid, jur.id))
    grid_rows = cur.fetchall()
    if not grid_rows:
        raise InvalidInput(f"{slug} has no grids to assign stewards to")
    index = {r[0]: i for i, r in enumerate(grid_rows)}
    cur.execute("SELECT id, name, role, ST_X(ST_Transform(geom, %s)), ST_Y(ST_Transform(geom, %s)), grid_id "
                "FROM worker WHERE jurisdiction_id = %s ORDER BY id", (jur.metric_srid, jur.metric_srid, jur.id))
    people = [Person(i, n, r, (x, y) if x is not None else None, index.get(g))
              for i, n, r, x, y, g in cur.fetchall()]
    result = assign([shapely.from_wkb(bytes(r[3])) for r in grid_rows], people)
    for g, r in zip(result["grids"], grid_rows, strict=True):
        g["code"], g["name"] = r[1], r[2]
    return {"jurisdiction": slug, "ratio": "1:5:10", **result}


ROLES = ("social_worker", "grid_worker", "steward_retired", "steward_working", "volunteer")


def add_worker(cur: Cursor, slug: str, name: str, role: str, home: tuple[float, float] | None = None,
               grid: str | None = None) -> int:
    """Register a worker or volunteer; ``home`` (lon, lat) places a steward near a grid."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if not name or not name.strip():
        raise InvalidInput("a worker needs a name")
    jur = find_jurisdiction(cur, slug)
    grid_id = None
    if grid:
        cur.execute("SELECT id FROM grid WHERE jurisdiction_id = %s AND code = %s", (jur.id, grid))
        row = cur.fetchone()
        if row is None:
            raise InvalidInput(f"{slug} has no grid {grid!r}")
        grid_id = row[0]
    cur.execute("SELECT 1 FROM worker WHERE jurisdiction_id = %s AND name = %s", (jur.id, name.strip()))
    if cur.fetchone():
        raise Conflict(f"{slug} has a worker named {name.strip()!r} already")
    cur.execute("INSERT INTO worker (jurisdiction_id, name, role, grid_id, geom) VALUES (%s, %s, %s, %s, "
                "CASE WHEN %s::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(%s, %s), 4326) END) "
                "RETURNING id",
                (jur.id, name.strip(), role, grid_id, *((home[0],) if home else (None,)),
                 *(home if home else (None, None))))
    return cur.fetchone()[0]
