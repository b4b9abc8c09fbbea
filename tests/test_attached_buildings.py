"""Grids never cut a building, also where buildings share walls (terraces, courtyards, 平房 and
底商 rows): where attached buildings are divided between grids, the boundary follows their walls.

Pure: random blocks of touching buildings, cut by streets, grouped by ``generate`` (no database).
"""

from __future__ import annotations

import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box

from gis.grids.checks import BLOCKING, Building
from gis.grids.generate import generate
from tests.own_data import courtyard, terrace

CODE = "110105011222"


def _community(rows: list[tuple]):
    """Blocks side by side west to east, each 120 m wide and 90 m deep between streets, holding
    two terraces (houses of random widths and depths) or a courtyard; households as drawn."""
    buildings, streets = [], []
    for n, (kind, *shape) in enumerate(rows):
        x, y = n * 120.0 + 8, 8.0
        if kind == "terrace":
            (south, south_depths), (north, north_depths) = shape
            buildings += terrace(x, y, south, south_depths) + terrace(x, y + 62, north, north_depths)
        else:
            buildings += courtyard(x, y, *shape)
    total_w = 120.0 * len(rows)
    streets += [LineString([(x, -20), (x, 110)]) for x in range(0, int(total_w) + 1, 120)]
    streets += [LineString([(-20, y), (total_w + 20, y)]) for y in (0.0, 90.0)]
    boundary = box(0, 0, total_w, 90.0)
    return boundary, streets, [Building(i, g, households=float(4 + i % 7)) for i, g in enumerate(buildings)]


METRES = st.floats(5.0, 14.0).map(lambda w: round(w, 2))  # walls on the 1 cm grid
ROW = st.integers(3, 10).flatmap(lambda n: st.tuples(
    st.lists(METRES, min_size=n, max_size=n), st.lists(st.floats(8.0, 18.0).map(lambda d: round(d, 2)),
                                                       min_size=n, max_size=n)))
BLOCK = st.one_of(st.tuples(st.just("terrace"), ROW, ROW),
                  st.tuples(st.just("courtyard"), st.integers(3, 10), st.integers(1, 5)))


def _cut(proposal, buildings) -> list[int]:
    """The buildings no single grid holds whole."""
    out = []
    for b in buildings:
        best = max(shapely.intersection(b.geom, g.geom).area for g in proposal.grids)
        if best < b.geom.area - 0.01:
            out.append(b.id)
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(BLOCK, min_size=1, max_size=3), per_grid=st.sampled_from([15.0, 30.0, 60.0]))
def test_no_grid_cuts_an_attached_building(rows, per_grid):
    boundary, streets, buildings = _community(rows)
    proposal = generate(boundary, streets, [], buildings, CODE, per_grid)
    blocking = [p for p in proposal.report.problems if p.kind in BLOCKING]  # building_split among them
    assert not blocking, [p.message for p in blocking]
    assert not _cut(proposal, buildings)


def test_a_terrace_divided_between_grids_is_divided_along_a_party_wall():
    row = ([9.0, 7.5, 12.0, 6.0, 10.0, 8.0, 9.0, 11.0, 7.0, 9.0, 10.5], [12.0] * 11)
    boundary, streets, buildings = _community([("terrace", row, row)])
    proposal = generate(boundary, streets, [], buildings, CODE, 40.0)
    assert len(proposal.grids) >= 3
    assert not _cut(proposal, buildings)
    assert not [p for p in proposal.report.problems if p.kind in BLOCKING]


def test_buildings_without_households_are_refused_with_what_to_do():
    """Not a database constraint's name (layout_target_households_check): what is wrong, and how
    to put it right."""
    import pytest

    from gis.errors import InvalidInput
    from gis.messages import translate

    boundary, streets, buildings = _community([("courtyard", 4, 2)])
    empty = [Building(b.id, b.geom) for b in buildings]
    with pytest.raises(InvalidInput) as caught:
        generate(boundary, streets, [], empty, CODE, 100.0)
    assert "gridmap import ledger" in caught.value.message and "_check" not in caught.value.message
    assert "台账" in translate(caught.value.message, "zh")
