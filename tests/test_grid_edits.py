"""Property tests of layout edits (pure): any sequence of accepted edits keeps the layout a
partition of the jurisdiction with every building in exactly one grid; refused edits change
nothing. The invariants are measured here directly, not by the checker that judges the edits."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import example, given, settings
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


def shape_problems(g, min_edge_m: float = 0.05, min_angle_deg: float = 2.0) -> list[str]:
    """What makes a grid's shape unclean, measured here directly: a spike (an interior angle near
    0° or 360°), an edge shorter than ``min_edge_m``, a repeated point, a second piece or a hole
    left by rounding."""
    found = []
    parts = [p for p in shapely.get_parts(g) if p.area > 0]
    if len(parts) != 1:
        found.append(f"{len(parts)} pieces")
    for p in parts:
        for ring in [p.exterior, *p.interiors]:
            xy = np.asarray(ring.coords)[:-1]
            n = len(xy)
            for k in range(n):
                a, b, c = xy[k - 1], xy[k], xy[(k + 1) % n]
                e = np.hypot(*(c - b))
                if e < min_edge_m:
                    found.append(f"edge of {e:.3f} m at {b.round(2).tolist()}")
                u, v = a - b, c - b
                if np.hypot(*u) and np.hypot(*v):
                    ang = np.degrees(np.arccos(np.clip(u @ v / np.hypot(*u) / np.hypot(*v), -1, 1)))
                    if ang < min_angle_deg:
                        found.append(f"spike of {ang:.2f}° at {b.round(2).tolist()}")
        if len(p.interiors):
            found.append(f"{len(p.interiors)} holes")
    return found


def compactness(g) -> float:
    return 4 * np.pi * g.area / g.length**2


def jittered(geom, rng, cm: float = 1.0):
    """The polygon as the page sends it back: every vertex off by up to ``cm`` centimetres (the
    service's GeoJSON is rounded to 7 decimals of a degree, ~1 cm, and the browser's projection
    round trip adds its own)."""
    xy = shapely.get_coordinates(geom)
    noise = rng.uniform(-cm / 100, cm / 100, xy.shape)
    noise[-1] = noise[0]
    return shapely.set_coordinates(geom, xy + noise)


def irregular_layout(seed: int):
    """Seven grids as the Voronoi cells of random points: edges at any angle, corners where three
    grids meet at any angles, and corners a few metres off the jurisdiction's edge."""
    rng = np.random.default_rng(seed)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.uniform([40, 40], [560, 360], (7, 2))),
                                                       extend_to=BOUNDARY.buffer(50)))
    grids = [Grid(f"{ADMIN}{i + 1:03d}", shapely.intersection(c, BOUNDARY)) for i, c in enumerate(cells)]
    inside = [shapely.point_on_surface(g.geom) for g in grids]
    buildings = [Building(i + 1, box(p.x - 5, p.y - 4, p.x + 5, p.y + 4), 30.0) for i, p in enumerate(inside)]
    return grids, buildings


def drag_corner(grids, buildings, which: int, corner: int, metres: float, direction: float, rng):
    """Drag one vertex of a grid, as on the planner page, with the page's rounding on every vertex:
    the edit, and whether it was refused (None when the drawing is no simple polygon)."""
    g = grids[which % len(grids)]
    ring = np.asarray(g.geom.exterior.coords)
    moved = ring.copy()
    k = corner % (len(ring) - 1)
    moved[k] += metres * np.array([np.cos(direction), np.sin(direction)])
    if k == 0:
        moved[-1] = moved[0]
    drawn = shapely.Polygon(moved)
    if not drawn.is_valid:
        return None
    sent = jittered(drawn, rng)
    if not sent.is_valid:  # a corner dragged to within a centimetre of an edge: the service refuses it
        return None
    new = shapely.intersection(sent, BOUNDARY)
    if not new.is_valid or new.geom_type != "Polygon":
        return None
    edit = edits.move_boundary(grids, g.code, new)
    _, refused = edits.judge(BOUNDARY, check(BOUNDARY, grids, buildings, ADMIN), edit, buildings, ADMIN, None, 0.15)
    return edit, bool(refused)


def assert_clean(before, edit, compact: bool = True) -> None:
    """Every grid comes back clean (no spikes, slivers, short edges, repeated points, holes or
    second pieces), with no row of vertices along a straight edge, and (``compact``) no
    neighbour's compactness collapsed."""
    was = {x.code: compactness(x.geom) for x in before}
    for x in edit.grids:
        assert not shape_problems(x.geom), (x.code, shape_problems(x.geom)[:5])
        # no row of vertices along a straight edge (each one a handle the planner must drag past)
        for ring in (p.exterior for p in shapely.get_parts(x.geom)):
            xy = np.asarray(ring.coords)[:-1]
            a, b, c = np.roll(xy, 1, axis=0), xy, np.roll(xy, -1, axis=0)
            off = np.abs((c - a)[:, 0] * (b - a)[:, 1] - (c - a)[:, 1] * (b - a)[:, 0]) / np.hypot(*(c - a).T)
            assert (off > 1e-5).all(), (x.code, xy[off <= 1e-5][:3])
        if compact and x.code in was:
            assert compactness(x.geom) > 0.7 * was[x.code], (x.code, was[x.code], compactness(x.geom))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 50), st.integers(0, 5), st.integers(0, 3), st.floats(3.0, 15.0), st.floats(0, 6.28))
def test_a_small_boundary_move_leaves_clean_shapes(seed, which, corner, metres, direction):
    """Drag one vertex of a grid a few metres: when the edit is accepted, the grid and every
    neighbour come back clean."""
    grids, buildings = start_layout(seed)
    done = drag_corner(grids, buildings, which, corner, metres, direction, np.random.default_rng(seed))
    if done and not done[1]:
        assert_clean(grids, done[0])


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 200), st.integers(0, 6), st.integers(0, 7), st.sampled_from([5.0, 15.0, 25.0]),
       st.integers(0, 7))
@example(1, 5, 0, 25.0, 5)  # a hairline given back to a grid left two corners a millimetre apart
@example(6, 5, 2, 25.0, 7)
def test_moving_a_corner_where_three_grids_meet_at_any_angle_keeps_a_clean_partition(seed, which, corner, metres,
                                                                                   eighth):
    """On a layout of irregular grids, drag a corner (where three grids meet, or on the
    jurisdiction's edge) 5 to 25 m: the edit never fails, and when accepted every grid is clean
    and the layout still a partition. (A long acute wedge given up by the grid once came back as
    a hole in it; a crumb of a neighbour's corner stayed a second piece of it; a thin share was
    eaten from its tip, leaving a gap that refused a fair edit.) Compactness is not asked for: a
    corner pulled off the jurisdiction's edge frees a strip along it that only one grid touches."""
    grids, buildings = irregular_layout(seed)
    assert check(BOUNDARY, grids, buildings, ADMIN).ok
    done = drag_corner(grids, buildings, which, corner, metres, eighth * np.pi / 4,
                       np.random.default_rng([seed, which, corner, eighth]))
    if done and not done[1]:
        assert_clean(grids, done[0], compact=False)
        invariants(done[0].grids, buildings)


def test_an_edit_that_changes_nothing_says_so():
    grids, buildings = start_layout(2)
    same = jittered(grids[1].geom, np.random.default_rng(1))
    edit = edits.move_boundary(grids, grids[1].code, same)
    assert edit.touched == set()


def test_problems_name_buildings_as_planners_know_them():
    grids, _ = start_layout(4)
    cut = Building(99, box(190, 250, 210, 262), 30.0, 0.0, "电厂小区3号楼")
    report = check(BOUNDARY, grids, [cut], ADMIN)
    split = [p.message for p in report.problems if p.kind == "building_split"]
    assert split and "电厂小区3号楼 (#99)" in split[0]


def test_a_building_taken_along_a_nearly_straight_edge_leaves_a_notch_not_a_hole():
    """Two grids whose shared edge leans a few millimetres over 300 m (as stored edges do, from
    degrees), in projected coordinates of Beijing's size: the building nearest the edge is given
    to the neighbour. Its ground leaves the grid as a notch in its edge; it used to come out as a
    hole touching the edge, one case in thirty, which storing at 1e-7° turned into a 0° spike."""
    for seed in range(300):
        rng = np.random.default_rng(seed)
        x0, y0 = 455_000 + rng.uniform(0, 1000), 4_417_000 + rng.uniform(0, 1000)
        lean = rng.uniform(-0.01, 0.01)
        west = shapely.Polygon([(x0, y0), (x0 + 300 + lean, y0), (x0 + 300, y0 + 300), (x0, y0 + 300)])
        east = shapely.Polygon([(x0 + 300 + lean, y0), (x0 + 600, y0), (x0 + 600, y0 + 300), (x0 + 300, y0 + 300)])
        grids = [Grid(f"{ADMIN}001", west), Grid(f"{ADMIN}002", east)]
        centres = rng.uniform(20, 280, (6, 2)) + (x0, y0)
        buildings = [Building(k + 1, box(x - 5, y - 4, x + 5, y + 4), 30.0) for k, (x, y) in enumerate(centres)]
        buildings.append(Building(99, box(x0 + 580, y0 + 100, x0 + 590, y0 + 110), 30.0))
        nearest = buildings[int(np.argmax(centres[:, 0]))]
        edit = edits.move_buildings(grids, f"{ADMIN}002", buildings, [nearest.id])
        for g in edit.grids:
            for p in shapely.get_parts(g.geom):
                assert not any(shapely.distance(shapely.LinearRing(r), p.exterior) < 1e-3 for r in p.interiors), seed
        assert abs(sum(g.geom.area for g in edit.grids) - 180_000) < 0.01, seed


def test_a_neighbour_touched_too_little_to_change_is_not_overlapped():
    """Grid 002 grown 1 m all round: the diagonal neighbours 004 and 006 would each lose a 1 m²
    corner, too little to change them; the grown grid keeps out of those corners instead of
    overlapping them (it overlapped them by 2 m², which the checks let pass as noise)."""
    grids, buildings = start_layout(0)
    grown = shapely.intersection(grids[1].geom.buffer(1, join_style="mitre"), BOUNDARY)
    edit = edits.move_boundary(grids, grids[1].code, grown)
    assert abs(sum(g.geom.area for g in edit.grids) - BOUNDARY.area) < 1e-6
    invariants(edit.grids, buildings)


def enclave_holes_left_out(problems: list[str], g, grids) -> list[str]:
    """``problems`` without "holes" when each hole of ``g`` is another grid's ground (an enclave:
    a grid may lie wholly inside another)."""
    holes = [shapely.Polygon(r) for p in shapely.get_parts(g.geom) for r in p.interiors]
    others = shapely.union_all([x.geom for x in grids if x is not g])
    enclaves = all(shapely.difference(h, others).area < 1e-3 for h in holes)
    return [p for p in problems if not (enclaves and p.endswith("holes"))]


def random_session(seed: int, skip_first: bool = False) -> int:
    """25 random edits of every kind on an irregular layout, each accepted one taken as the next
    edit's layout, every grid checked clean and the layout a partition after each; how many were
    accepted. ``skip_first``: an edit of a kind the layout cannot take (a merge of fewer than four
    grids, a split of more than ten) is skipped before its numbers are drawn, not after."""
    rng = np.random.default_rng(seed)
    grids, buildings = irregular_layout(seed)
    report = check(BOUNDARY, grids, buildings, ADMIN)
    accepted = 0
    for _ in range(25):
        kind = str(rng.choice(["reshape", "move", "split", "merge"]))
        skip = kind == "merge" and len(grids) < 4 or kind == "split" and len(grids) > 10
        if skip and skip_first:
            continue
        args = int(rng.integers(0, 1000)), float(rng.integers(-300, 300)) / 10, float(rng.uniform(0.2, 0.8))
        if skip:
            continue
        try:
            edit = attempt(kind, *args, grids, buildings)
        except InvalidInput:
            continue
        after, new = edits.judge(BOUNDARY, report, edit, buildings, ADMIN, None, 0.15)
        if new:
            continue
        for g in edit.grids:
            found = enclave_holes_left_out(shape_problems(g.geom), g, edit.grids)
            assert not found, (kind, g.code, found)
        grids, report = edit.grids, after
        invariants(grids, buildings)
        accepted += 1
    return accepted


@pytest.mark.parametrize("seed", range(8))
def test_a_random_session_on_irregular_layouts_keeps_every_grid_clean(seed):
    """After every accepted edit of a random session each grid is clean (no two vertices a few
    millimetres apart, no pinhole) and the layout a partition. Grids cleaned one by one came to
    disagree with their neighbours by millimetres along shared edges; the next building moved or
    grids merged through such a corner left a grid with an edge of a millimetre (seven of these
    eight sessions met one)."""
    assert random_session(seed) >= 8


def test_a_session_the_coverage_cleaner_throws_in_still_gets_every_answer():
    """GEOS 3.14.1's coverage cleaner throws ("CoverageUnion cannot process overlapping inputs")
    on the layout this session reaches after nine edits: the merge then crashed (a 500 for the
    planner). The edit is kept as the steps before the cleaner left it."""
    assert random_session(251, skip_first=True) >= 8


def test_ground_an_edit_leaves_to_no_grid_is_not_given_back():
    """What a grid gives up where no neighbour can take it stays given up, for the checks to judge:
    a notch drawn into the jurisdiction's edge is refused as a gap (it was once filled back
    silently, and the edit reported as accepted with the drawing thrown away), and a draft grid
    shrunk beside ground no grid covers yet keeps its new edge."""
    grids, buildings = start_layout(1)
    report = check(BOUNDARY, grids, buildings, ADMIN)
    notched = shapely.Polygon([(0, 200), (200, 200), (200, 400), (120, 400), (120, 360), (80, 360), (80, 400),
                               (0, 400)])
    edit = edits.move_boundary(grids, grids[0].code, notched)
    assert edit.grids[0].geom.area == pytest.approx(notched.area)
    _, new = edits.judge(BOUNDARY, report, edit, buildings, ADMIN, None, 0.15)
    assert [p.kind for p in new] == ["gap"]

    draft = [Grid(f"{ADMIN}001", box(0, 0, 200, 400)), Grid(f"{ADMIN}002", box(200, 0, 400, 400))]  # east: none yet
    edit = edits.move_boundary(draft, draft[1].code, box(200, 0, 350, 400))
    assert edit.touched == {draft[1].code} and edit.grids[1].geom.area == pytest.approx(150 * 400)



def test_a_corner_given_up_to_two_neighbours_is_parted_along_a_straight_line():
    """A grid cutting off its corner shares the wedge between the two neighbours along it: the line
    between their shares runs straight (it came in a zigzag of a vertex every metre, the Voronoi
    cells' corners, which a planner saw as a jagged edge to drag vertex by vertex)."""
    a, b, c = (Grid(f"{ADMIN}00{k}", g) for k, g in enumerate([box(0, 0, 100, 100), box(100, 0, 200, 200),
                                                               box(0, 100, 100, 200)], start=1))
    cut = shapely.Polygon([(0, 0), (100, 0), (100, 40), (40, 100), (0, 100)])
    out = {g.code: g.geom for g in edits.move_boundary([a, b, c], a.code, cut).grids}
    wedge = shapely.difference(a.geom, cut).buffer(0.01)
    line = shapely.line_merge(shapely.intersection(shapely.intersection(out[b.code], out[c.code]), wedge))
    assert line.geom_type == "LineString" and line.length > 40 and len(shapely.get_coordinates(line)) <= 4, line.wkt
    # each took its own side of the wedge: the line runs near the corner's bisector
    assert shapely.hausdorff_distance(line, LineString([(70, 70), (100, 100)])) < 1.0
    assert abs(out[b.code].area - (20000 + 900)) < 5 and abs(out[c.code].area - (10000 + 900)) < 5
