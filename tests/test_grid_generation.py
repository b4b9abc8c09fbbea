"""Generated grids partition the jurisdiction when its edge roads are drawn a hair off its
boundary, as streets from another source always are (a CAD drawing, OpenStreetMap, a survey;
the database keeps them to 1e-7°): a street ending 2 cm short of the boundary road, or that road
2 cm outside the boundary, left hairline strips that grids took as tails and then dropped.

Pure: the own-data community's buildings, its streets jittered by up to 2 cm (no database).
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.geometry import LineString, box

from gis.grids.checks import Building
from gis.grids.generate import generate
from gis.grids.units import blocks
from tests import own_data as od

JITTER_M = 0.02


def _community(seed: int):
    """The own-data community in metres from its corner: boundary, streets ending on the boundary
    roads but each end moved by up to ``JITTER_M``, and its buildings at six households each."""
    footprints, cad = od._footprints()
    buildings = [Building(i, affinity.translate(g, -od.X0, -od.Y0), 6.0) for i, g in enumerate(footprints + cad)]
    rng = np.random.default_rng(seed)

    def off() -> float:
        return float(rng.uniform(-JITTER_M, JITTER_M))
    streets = [LineString([(x + off(), off()), (x + off(), od.HEIGHT + off())]) for x in od.STREET_XS]
    streets += [LineString([(off(), y + off()), (od.WIDTH + off(), y + off())]) for y in od.STREET_YS]
    return box(0, 0, od.WIDTH, od.HEIGHT), streets, buildings


@pytest.mark.parametrize("seed", range(12))
def test_streets_a_hair_off_the_boundary_still_bound_their_blocks(seed):
    """Six blocks between the streets however their ends were drawn: an end 1.5 cm short of the
    boundary left a dead end, and the blocks on either side of it were one."""
    boundary, streets, _ = _community(seed)
    faces = blocks(boundary, streets, [])
    assert sorted(round(f.area / 100) for f in faces) == [195] * 4 + [210] * 2  # 130 (140) m × 150 m


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("per_grid", [100, 150])
def test_roads_a_hair_off_the_boundary_leave_no_gap_tail_or_split_grid(seed, per_grid):
    boundary, streets, buildings = _community(seed)
    proposal = generate(boundary, streets, [], buildings, od.ADMIN_CODE, per_grid)
    assert [(p.kind, p.message) for p in proposal.report.problems] == []
    covered = shapely.union_all([g.geom for g in proposal.grids])
    missing = [p.area for p in shapely.get_parts(boundary.difference(covered))]
    assert max(missing, default=0.0) < 0.5, missing  # was a 2.5 m² strip along the boundary
    assert all(len(shapely.get_parts(g.geom)) == 1 for g in proposal.grids)
