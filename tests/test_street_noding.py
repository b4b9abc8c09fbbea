"""Imported streets joined to one another and to the streets stored already (gis.street_noding).
Pure: lines in degrees near Beijing, no database."""

from __future__ import annotations

import math

from shapely.geometry import LineString, Point

from gis.street_noding import METRES_PER_DEGREE, drawn_along, node_streets

M = 1 / METRES_PER_DEGREE  # a metre north, in degrees (a little less than a metre east)
X0, Y0 = 116.48, 39.91


def at(east_m: float, north_m: float) -> tuple[float, float]:
    return (X0 + east_m * M, Y0 + north_m * M)


STREET = LineString([at(0, 0), at(100, 0)])  # stored, west to east


def ends(pieces) -> set[tuple[float, float]]:
    return {c for p in pieces for c in (p.coords[0], p.coords[-1])}


def test_a_lane_ending_short_of_a_street_is_joined_to_it_and_the_street_split_there():
    lane = LineString([at(40, 30), at(40, 0.3)])  # drawn to end on the street, 30 cm short of it
    noded = node_streets([lane], [STREET], snap_m=1.0)
    assert noded.joined == 1
    [(k, piece)] = noded.new
    assert k == 0 and Point(piece.coords[-1]).distance(STREET) < 1e-12
    west, east = noded.stored[0]  # the street split where the lane meets it, in order along it
    assert west.coords[0] == STREET.coords[0] and east.coords[-1] == STREET.coords[-1]
    assert west.coords[-1] == east.coords[0] == piece.coords[-1]  # one node, shared exactly
    assert abs(west.length + east.length - STREET.length) < 1e-12


def test_a_lane_crossing_a_street_and_running_a_hair_past_one_meets_both():
    lane = LineString([at(60, -20), at(60, 20)])  # across the street
    spur = LineString([at(70, 20.4), at(70, 40)])  # 10 m beside the lane, 20 m above the street
    stub = LineString([at(59.6, 10), at(30, 10)])  # ends 40 cm short of the lane, in its middle
    noded = node_streets([lane, spur, stub], [STREET], snap_m=1.0)
    lane_pieces = [p for k, p in noded.new if k == 0]
    assert len(lane_pieces) == 3  # cut where it crosses the street and where the stub meets it
    crossing = ends(lane_pieces) & ends(noded.stored[0])
    assert len(crossing) == 1 and Point(crossing.pop()).distance(Point(at(60, 0))) < 1e-9
    stub_end = next(p for k, p in noded.new if k == 2).coords[0]
    assert stub_end in ends(lane_pieces)  # the stub's end near the lane is a node of it
    assert [p for k, p in noded.new if k == 1] == [spur]  # 20 m from everything: left as it is
    assert noded.joined == 1


def test_stored_streets_crossing_without_a_node_stay_apart():
    """A bridge over a road (OSM's ways cross there without a node): not joined because a new lane
    meets one of them elsewhere."""
    bridge = LineString([at(50, -50), at(50, 50)])
    lane = LineString([at(80, 30), at(80, 0.2)])
    noded = node_streets([lane], [STREET, bridge], snap_m=1.0)
    assert 1 not in noded.stored  # the bridge untouched
    west, east = noded.stored[0]  # the street cut at the lane only, not under the bridge
    assert Point(west.coords[-1]).distance(Point(at(80, 0))) < 1e-9
    assert len(west.coords) == 3  # the crossing point kept as a vertex: the same line, not a node


def test_lines_met_at_an_end_or_far_off_are_left_alone():
    from_end = LineString([STREET.coords[-1], at(100, 50)])  # starts on the street's end exactly
    far = LineString([at(20, 3), at(20, 40)])  # 3 m short: a path that does not reach the street
    noded = node_streets([from_end, far], [STREET], snap_m=1.0)
    assert noded.joined == 0 and noded.stored == {}
    assert [p for _, p in noded.new] == [from_end, far]


def test_new_lines_through_one_another_are_cut_at_the_crossing():
    a = LineString([at(0, 10), at(100, 10)])
    b = LineString([at(50, -10), at(50, 30)])
    noded = node_streets([a, b], [], snap_m=1.0)
    assert sorted(k for k, _ in noded.new) == [0, 0, 1, 1]
    shared = ends(p for k, p in noded.new if k == 0) & ends(p for k, p in noded.new if k == 1)
    assert len(shared) == 1


def test_an_end_near_a_street_s_end_goes_onto_that_end():
    lane = LineString([at(100.5, 0.4), at(100, 40)])  # 60 cm from the street's east end
    noded = node_streets([lane], [STREET], snap_m=1.0)
    assert noded.new[0][1].coords[0] == STREET.coords[-1] and noded.stored == {} and noded.joined == 1


def test_an_end_just_past_a_street_it_crosses_is_left_where_it_is():
    """A street cut at the boundary half a metre beyond the road along it: noded at the crossing,
    its end not pulled back onto the road (that changed the blocks grids are generated from)."""
    lane = LineString([at(40, 30), at(40, -0.5)])
    noded = node_streets([lane], [STREET], snap_m=1.0)
    assert noded.joined == 0
    pieces = [p for _, p in noded.new]
    assert len(pieces) == 2 and Point(at(40, -0.5)).equals(Point(pieces[-1].coords[-1]))


def pieces_of(noded, stored) -> list[LineString]:
    """The network after noding: the new pieces and the stored lines as they now are."""
    return [p for _, p in noded.new] + [q for k, line in enumerate(stored) for q in noded.stored.get(k, [line])]


def connected(lines: list[LineString]) -> int:
    """How many connected pieces the lines make, joined at shared end points."""
    parent: dict = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x
    for line in lines:
        parent[root(line.coords[0])] = root(line.coords[-1])
    return len({root(c) for line in lines for c in (line.coords[0], line.coords[-1])})


def test_two_ends_drawn_near_each_other_meet():
    """Lane a ends 30 cm from where lane b begins, both short of the street: they meet at one point
    (each was moved onto the other's old end, and they still missed)."""
    a = LineString([at(40, 30), at(40, 0.5)])
    b = LineString([at(10, 0.5), at(39.7, 0.5)])
    noded = node_streets([a, b], [STREET], snap_m=1.0)
    assert connected(pieces_of(noded, [STREET])) == 1


def test_a_few_millimetres_past_a_street_makes_no_piece_the_database_would_not_keep():
    """A new lane 3 mm past a stored street, and a stored lane 3 mm past a new street: the end is put
    on the street (a 3 mm piece is none at 1e-7°, and the import failed on it)."""
    from gis.street_noding import MIN_PIECE_M

    lane = LineString([at(40, 30), at(40, -0.003)])
    noded = node_streets([lane], [STREET], snap_m=1.0)
    made = pieces_of(noded, [STREET])
    assert min(p.length for p in made) * METRES_PER_DEGREE > MIN_PIECE_M and connected(made) == 1
    stored_lane = LineString([at(40, 30), at(40, -0.003)])
    noded = node_streets([STREET], [stored_lane], snap_m=1.0)
    made = pieces_of(noded, [stored_lane])
    assert min(p.length for p in made) * METRES_PER_DEGREE > MIN_PIECE_M and connected(made) == 1


def test_a_stored_street_ending_short_of_a_new_one_is_joined_to_it():
    """Imported in the other order (the lane first, the street after): the same network."""
    stored_lane = LineString([at(40, 30), at(40, 0.5)])
    noded = node_streets([STREET], [stored_lane], snap_m=1.0)
    assert noded.joined == 1 and connected(pieces_of(noded, [stored_lane])) == 1


def test_a_stored_loop_is_split_where_a_lane_meets_it():
    """A compound's ring road (a closed line): split where a lane ends on it or crosses it (its
    pieces were glued back into one, and the lane's end sat in the middle of an edge)."""
    ring = LineString([at(0, 0), at(100, 0), at(100, 100), at(0, 100), at(0, 0)])
    for lane in (LineString([at(50, 50), at(50, 0.3)]), LineString([at(50, 50), at(50, -20)])):
        noded = node_streets([lane], [ring], snap_m=1.0)
        made = pieces_of(noded, [ring])
        assert len(noded.stored[0]) == 2 and connected(made) == 1, lane
        assert abs(sum(p.length for p in noded.stored[0]) - ring.length) < 1e-9


def test_an_end_0_8_m_short_east_west_is_joined_too():
    """The join is a metre on the ground in every direction (in degrees of latitude it was 0.77 m
    east–west at Beijing)."""
    north_south = LineString([at(0, 0), at(0, 100)])
    lane = LineString([at(-30, 50), at(-0.8 / math.cos(math.radians(Y0)), 50)])  # 0.8 m west of it
    noded = node_streets([lane], [north_south], snap_m=1.0)
    assert noded.joined == 1 and connected(pieces_of(noded, [north_south])) == 1


def test_a_street_drawn_along_another_is_told_and_one_meeting_it_is_not():
    """A line along a stored street for a stretch, or along an earlier line of the same file, is
    a street drawn twice (noding kept both, a route walking the stretch twice, or cut one away,
    whichever came first); one crossing it, or ending on its end, is not."""
    street = LineString([at(0, 0), at(30, 0)])
    assert drawn_along([LineString([at(5, 0), at(10, 0)])], [street], 1.0) == [0]  # on it throughout
    assert drawn_along([LineString([at(20, 0), at(60, 0)])], [street], 1.0) == [0]  # along it, then on
    assert drawn_along([LineString([at(10, -5), at(10, 5)]), LineString([at(30, 0), at(40, 0)]),
                        LineString([at(0, 0), at(30, 5)])], [street], 1.0) == []  # across, end to end, askew
    twice = LineString([at(0, 9), at(30, 9)])
    assert drawn_along([twice, twice], [], 1.0) == [1]  # the later of two
    assert drawn_along([LineString([at(29.5, 0), at(40, 0)])], [street], 1.0) == []  # half a metre: a hair
    # a slip road ending on the street at 2.5°, a lane crossing it at 4°: meetings, not a street drawn twice
    assert drawn_along([LineString([at(50, 0), at(10, 1.34)]), LineString([at(0, -0.535), at(20, 0.535)])],
                       [LineString([at(0, 0), at(100, 0)])], 1.0) == []
    # as stored, to 1e-7°: a centimetre off the line and along it still
    assert drawn_along([LineString([at(5, 0.01), at(15, -0.01)])], [street], 1.0) == [0]
