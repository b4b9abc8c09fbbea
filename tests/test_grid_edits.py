"""Property tests of layout edits (pure): any sequence of accepted edits keeps the layout a
partition of the jurisdiction with every building in exactly one grid; refused edits change
nothing. The invariants are measured here directly, not by the checker that judges the edits."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box

from gis.errors import InvalidInput
from gis.grids import edits
from gis.grids.checks import Building, Grid, check

ADMIN = "110105015001"
BOUNDARY = box(0, 0, 600, 400)


def start_layout(seed: int):
    """Six grids in a 3×2 pattern; buildings well inside them, a few households each."""
    rng = np.random.default_rng(seed)
    grids = [Grid(f"{ADMIN}{i * 3 + j + 1:03d}", box(j * 200, (1 - i) * 200, (j + 1) * 200, (2 - i) * 200))
             for i in range(2) for j in range(3)]
    buildings = []
    for g in grids:
        x0, y0, _, _ = g.geom.bounds
        for _ in range(5):
            x, y = x0 + rng.uniform(20, 160), y0 + rng.uniform(20, 160)
            buildings.append(Building(len(buildings) + 1, box(x, y, x + 15, y + 12), float(rng.integers(20, 90))))
    return grids, buildings


def invariants(grids: list[Grid], buildings: list[Building]) -> None:
    union = shapely.union_all([g.geom for g in grids])
    assert abs(union.area - BOUNDARY.area) < 2.0, "the grids no longer cover the jurisdiction"
    assert sum(g.geom.area for g in grids) - BOUNDARY.area < 2.0, "grids overlap"
    assert shapely.difference(union, BOUNDARY).area < 1.0, "a grid reaches outside"
    for b in buildings:
        holders = [g for g in grids if shapely.intersection(g.geom, b.geom).area > 1.0]
        assert len(holders) == 1, f"building {b.id} lies in {len(holders)} grids"
    for g in grids:
        assert len([p for p in shapely.get_parts(g.geom) if p.area > 1.0]) == 1, f"grid {g.code} is in pieces"


def snapshot(grids):
    return [(g.code, g.geom.wkb) for g in grids]


@st.composite
def edit_steps(draw):
    return draw(st.lists(st.tuples(st.sampled_from(["reshape", "move", "split", "merge"]),
                                   st.integers(0, 10_000), st.integers(-600, 600).map(lambda x: x / 10),
                                   st.floats(0.1, 0.9)),
                         min_size=1, max_size=8))


def attempt(kind, k, d, f, grids, buildings):
    g = grids[k % len(grids)]
    if kind == "reshape":
        grown = shapely.intersection(g.geom.buffer(d, join_style="mitre"), BOUNDARY)
        return edits.move_boundary(grids, g.code, grown)
    if kind == "move":
        b = buildings[k % len(buildings)]
        return edits.move_buildings(grids, g.code, buildings, [b.id])
    if kind == "split":
        x0, y0, x1, y1 = g.geom.bounds
        x = x0 + f * (x1 - x0)
        line = LineString([(x, y0 - 1), (x + d, y1 + 1)])
        return edits.split(grids, g.code, line, edits.next_code(grids, ADMIN))
    other = grids[(k + 1) % len(grids)]
    return edits.merge(grids, g.code, other.code)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 50), edit_steps())
def test_accepted_edits_keep_a_partition(seed, steps):
    grids, buildings = start_layout(seed)
    report = check(BOUNDARY, grids, buildings, ADMIN)
    assert report.ok
    accepted = 0
    for kind, k, d, f in steps:
        before = snapshot(grids)
        try:
            edit = attempt(kind, k, d, f, grids, buildings)
        except InvalidInput:
            assert snapshot(grids) == before  # refused outright: nothing changed
            continue
        assert snapshot(grids) == before  # an edit never touches the layout it is given
        after, new = edits.judge(BOUNDARY, report, edit, buildings, ADMIN, None, 0.15)
        if new:
            continue  # refused: the layout stays as it was
        grids, report = edit.grids, after
        accepted += 1
        invariants(grids, buildings)
    invariants(grids, buildings)


def test_each_kind_of_edit_can_be_accepted_and_refused():
    grids, buildings = start_layout(1)
    report = check(BOUNDARY, grids, buildings, ADMIN)
    # move a boundary 30 m into the neighbour to the east: accepted when no building is cut
    a = grids[0]
    wider = box(0, 200, 230, 400)
    edit = edits.move_boundary(grids, a.code, wider)
    after, new = edits.judge(BOUNDARY, report, edit, buildings, ADMIN, None, 0.15)
    cut = [b for b in buildings if 225 < b.geom.bounds[0] < 230 or b.geom.bounds[0] < 230 < b.geom.bounds[2]]
    assert bool(new) == bool([b for b in cut if b.geom.intersects(box(229.9, 200, 230.1, 400))])
    # reaching outside the jurisdiction is refused
    edit = edits.move_boundary(grids, a.code, box(-50, 200, 200, 400))
    _, new = edits.judge(BOUNDARY, report, edit, buildings, ADMIN, None, 0.15)
    assert {p.kind for p in new} == {"outside_boundary"}
    # merging two grids that only meet at a corner is refused: the result is in two pieces
    edit = edits.merge(grids, grids[0].code, grids[4].code)
    _, new = edits.judge(BOUNDARY, report, edit, buildings, ADMIN, None, 0.15)
    assert "not_contiguous" in {p.kind for p in new}
    # a split line that misses the grid is refused outright
    try:
        edits.split(grids, grids[0].code, LineString([(500, 0), (500, 10)]), edits.next_code(grids, ADMIN))
        raise AssertionError("expected a refusal")
    except InvalidInput as exc:
        assert "exactly two parts" in str(exc)


def test_a_long_random_session_accepts_every_kind_of_edit():
    """200 random edits: every kind gets accepted many times, and the layout stays a partition."""
    rng = np.random.default_rng(11)
    grids, buildings = start_layout(3)
    report = check(BOUNDARY, grids, buildings, ADMIN)
    accepted = {"reshape": 0, "move": 0, "split": 0, "merge": 0}
    for _ in range(200):
        kind = str(rng.choice(list(accepted)))
        if kind == "merge" and len(grids) < 4 or kind == "split" and len(grids) > 10:
            continue
        try:
            edit = attempt(kind, int(rng.integers(0, 1000)), float(rng.integers(-300, 300)) / 10,
                           float(rng.uniform(0.2, 0.8)), grids, buildings)
        except InvalidInput:
            continue
        after, new = edits.judge(BOUNDARY, report, edit, buildings, ADMIN, None, 0.15)
        if not new:
            grids, report = edit.grids, after
            accepted[kind] += 1
            invariants(grids, buildings)
    assert all(n >= 3 for n in accepted.values()), accepted
