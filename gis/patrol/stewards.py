"""Lane stewards (小巷管家) to grids by proximity, at the staff : retired : working ratio 1:5:10.

Each grid takes, per staff member working it (at least one), five retired and ten working party
members. Volunteers go to grid places so that the total distance from their homes to their grids
is least (an exact assignment, Hungarian method); a home inside a grid is at distance 0 from it.
No database here: :mod:`gis.patrol.stewards_store` reads the grids and the workers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from scipy.optimize import linear_sum_assignment

RATIO = {"steward_retired": 5, "steward_working": 10}
STAFF_ROLES = ("social_worker", "grid_worker")
# What a registered worker is: staff, a lane steward (retired or working party member), a volunteer.
WORKER_ROLES = (*STAFF_ROLES, "steward_retired", "steward_working", "volunteer")


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
