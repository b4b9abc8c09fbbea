"""The pure cores on their own, without a database or a server: the patrol calendar, map matching
of GPS tracks, the partition of units into grids and the layout checks, whole and step by step.
Each checks a property computed here."""

from __future__ import annotations

from datetime import date, timedelta

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from gis.errors import InvalidInput
from gis.grids.checks import Building as CheckedBuilding
from gis.grids.checks import Grid, code_problems, gaps, household_problems, overlaps, shape_problems
from gis.grids.partition import Regions, adjacency, grow, join_islands, partition, rebalance
from gis.network import StreetNetwork
from gis.patrol.matching import Params, Walks, candidates, match_track, viterbi, walked_intervals
from gis.patrol.schedule import Building, Calendar, Route, make_schedule, year_visits

# --- the calendar ------------------------------------------------------------------------------------

OFFICES = [Building(i, f"写字楼{i}", "office", edge_id=i % 3) for i in range(1, 7)]
ROUTES = [Route(3000.0, 40.0, frozenset({0, 1})), Route(2500.0, 33.0, frozenset({2}))]


def test_workdays_are_weekdays_less_holidays_plus_make_up_days():
    cal = Calendar(holidays={date(2027, 10, 1), date(2027, 10, 4)}, workdays={date(2027, 10, 9)})
    assert not cal.is_workday(date(2027, 10, 1))      # a Friday, a holiday
    assert not cal.is_workday(date(2027, 10, 10))     # a Sunday
    assert cal.is_workday(date(2027, 10, 9))          # a Saturday worked in exchange (调休)
    assert cal.is_workday(date(2027, 10, 5))
    year = cal.year(2027)
    weekdays = sum(1 for k in range(365) if (date(2027, 1, 1) + timedelta(k)).weekday() < 5)
    assert len(year) == weekdays - 2 + 1


@pytest.mark.parametrize("y", [2027, 2028])
def test_every_building_a_small_visit_a_year_and_a_big_one_every_other_year(y):
    cal = Calendar()
    this, following = year_visits(OFFICES, y, cal, 4), year_visits(OFFICES, y + 1, cal, 4)
    assert sorted(v.building.id for v in this if v.kind == "small") == [b.id for b in OFFICES]
    big = {v.building.id for v in this if v.kind == "big"} | {v.building.id for v in following if v.kind == "big"}
    assert big == {b.id for b in OFFICES}  # within two years, each building once in depth
    assert all(cal.is_workday(v.day) and v.day.year == y for v in this)
    days = sorted(v.day for v in this)
    assert days[-1] - days[0] > timedelta(days=250)  # spread over the year, not bunched


def test_a_year_that_cannot_hold_its_visits_is_refused():
    many = [Building(i, None, "office") for i in range(2000)]
    with pytest.raises(InvalidInput, match="daily capacity"):
        year_visits(many, 2027, Calendar(), 1)


def test_each_worker_walks_a_route_every_workday_and_the_routes_rotate():
    start = date(2027, 3, 1)  # a Monday
    plan = make_schedule(start, 14, ["王芳", "李强"], ROUTES, OFFICES, Calendar(), 4)
    workdays = [d for d in plan if d.workday]
    assert len(workdays) == 10 and all(not d.assignments for d in plan if not d.workday)
    for d in workdays:
        patrols = [a for a in d.assignments if a.task == "patrol"]
        assert sorted(a.worker for a in patrols) == ["李强", "王芳"] and {a.route for a in patrols} == {1, 2}
    first = {a.worker: a.route for a in workdays[0].assignments if a.task == "patrol"}
    second = {a.worker: a.route for a in workdays[1].assignments if a.task == "patrol"}
    assert first != second  # today's route is yesterday's other one
    # a visit goes to the worker whose route passes the building, when one does
    for d in workdays:
        route_of = {a.worker: a.route for a in d.assignments if a.task == "patrol"}
        for a in d.assignments:
            if a.task != "patrol" and any(a.building.edge_id in r.edges for r in ROUTES):
                assert a.building.edge_id in ROUTES[route_of[a.worker] - 1].edges


def test_teams_walk_only_their_own_routes_each_rotating_among_its_walkers():
    """By grid: 王芳 and 李强 share grid 1's two routes, 张伟 walks grid 2's alone every day."""
    start = date(2027, 3, 1)
    routes = [*ROUTES, Route(900.0, 12.0, frozenset({9}))]
    workers = ["王芳", "李强", "张伟"]
    plan = make_schedule(start, 14, workers, routes, OFFICES, Calendar(), 4, teams=[["王芳", "李强"], ["张伟"]])
    days = [{a.worker: a.route for a in d.assignments if a.task == "patrol"} for d in plan if d.workday]
    assert all(d["张伟"] == 3 and {d["王芳"], d["李强"]} == {1, 2} for d in days)
    assert days[0]["王芳"] != days[1]["王芳"]  # grid 1's routes still rotate
    assert [d["王芳"] for d in days] == [
        {a.worker: a.route for a in d.assignments if a.task == "patrol"}["王芳"]
        for d in make_schedule(start, 14, ["王芳", "李强"], ROUTES, OFFICES, Calendar(), 4) if d.workday]
    with pytest.raises(ValueError, match="split the workers"):
        make_schedule(start, 1, workers, routes, OFFICES, Calendar(), 4, teams=[["王芳"], ["张伟"]])


# --- map matching ------------------------------------------------------------------------------------

def _grid_network() -> StreetNetwork:
    """Streets of a 3 × 3 block lattice, 100 m apart (metric)."""
    lines = [LineString([(x, y), (x + 100, y)]) for x in range(0, 300, 100) for y in range(0, 400, 100)]
    lines += [LineString([(x, y), (x, y + 100)]) for x in range(0, 400, 100) for y in range(0, 300, 100)]
    return StreetNetwork.from_lines(lines, edge_ids=np.arange(len(lines)))


def test_a_noisy_walk_is_matched_to_the_streets_it_went_along():
    net = _grid_network()
    walk = LineString([(0, 0), (200, 0), (200, 100)])  # east along y=0 for 200 m, then north 100 m
    rng = np.random.default_rng(3)
    xy = shapely.get_coordinates(shapely.line_interpolate_point(walk, np.arange(0, walk.length, 8.0)))
    xy = xy + rng.normal(0, 8.0, xy.shape)  # 8 m of GPS error on each axis
    m = match_track(net, xy, Params())
    walked = {e for e, metres in m.walked_m.items() if metres > 30}
    geoms = net.geoms[net.parent[sorted(walked)]] if walked else []
    on_walk = [g for g in geoms if walk.buffer(1.0).covers(g)]
    assert len(on_walk) == len(walked) >= 3  # every street matched is one walked, and there are 3
    assert sum(m.walked_m[e] for e in walked) == pytest.approx(300, abs=40)
    assert 10 < m.matched_points <= m.points  # the points kept after thinning to 20 m steps, matched


def test_a_track_that_hardly_moves_is_refused_as_too_short_not_as_astray():
    """Fixes within 20 m of the first (a worker standing at a door, a walk split just before its
    end) thin to one point: the refusal says the track is too short, not that it is off the streets."""
    net = _grid_network()
    with pytest.raises(InvalidInput) as refused:
        match_track(net, np.array([[50.0, 1.0], [55.0, 1.0], [58.0, 2.0]]), Params())
    assert "too short" in str(refused.value.message) and "away from the streets" not in str(refused.value.message)


def test_matching_steps_on_their_own():
    """The steps of match_track: candidates nearest first, a break where no street joins two
    points starts a new Viterbi segment, and the stretches walked between positions."""
    net = _grid_network()
    lines = net.edge_geoms()
    pts = np.array([[50.0, 3.0], [150.0, -4.0], [500.0, 500.0]])
    cands = candidates(lines, pts, Params(radius_m=30.0, candidates=2))
    assert [len(c) for c in cands] == [1, 1, 0]  # the third point is far from every street
    (e0, t0, d0), (e1, t1, d1) = cands[0][0], cands[1][0]
    assert d0 == pytest.approx(3.0) and d1 == pytest.approx(4.0)
    assert t0 == pytest.approx(0.5) and t1 == pytest.approx(0.5)
    walks = Walks(net, cands[:2])
    assert walks.between(e0, t0, e1, t1)[0] == pytest.approx(100.0)  # half an edge, then half the next
    segments = viterbi(cands[:2], pts[:2], walks, Params())
    assert segments == [[(e0, t0), (e1, t1)]]
    walked = walked_intervals(segments, walks)
    assert sorted(walked) == sorted({e0, e1})
    assert all(sum(b - a for a, b in walked[e]) == pytest.approx(0.5) for e in (e0, e1))  # each half walked
    # two streets with no way between them: two segments, nothing walked across the gap
    apart = StreetNetwork.from_lines([LineString([(0, 0), (100, 0)]), LineString([(0, 500), (100, 500)])])
    two = candidates(apart.edge_geoms(), np.array([[20.0, 1.0], [80.0, 1.0], [50.0, 499.0]]), Params())
    w2 = Walks(apart, two)
    segs = viterbi(two, np.array([[20.0, 1.0], [80.0, 1.0], [50.0, 499.0]]), w2, Params())
    assert [len(s) for s in segs] == [2, 1]
    assert set(walked_intervals(segs, w2)) == {0}


def test_partition_steps_on_their_own():
    units = [box(x * 100, 0, (x + 1) * 100, 100) for x in range(4)] + [box(1000, 0, 1100, 100)]
    g = adjacency(units)
    assert nx.number_connected_components(g) == 2
    join_islands(g, units)  # the island joins its nearest unit
    assert nx.is_connected(g) and g.has_edge(3, 4)
    hh = np.array([10.0, 10.0, 10.0, 10.0, 40.0])
    centres = shapely.get_coordinates(shapely.centroid(np.asarray(units, dtype=object)))
    region, load = grow(g, centres, hh, 2)
    assert (region >= 0).all() and load.sum() == hh.sum()
    regions = Regions(g, region.copy(), load, hh, np.full(5, 1e4), np.full(5, 400.0))
    # a region's perimeter: its units' less twice the edges they share
    r = int(region[0])
    members = np.flatnonzero(region == r)
    inner = sum(w for i, j, w in g.edges(data="weight") if region[i] == r and region[j] == r)
    assert regions.r_perim[r] == pytest.approx(400.0 * len(members) - 2 * inner)
    final = rebalance(regions, hh.sum() / 2, 50)
    assert sorted(np.bincount(final, weights=hh).tolist()) == [40.0, 40.0]


def test_check_steps_on_their_own():
    boundary = box(0, 0, 200, 100)
    grids = [Grid("110105015001001", box(0, 0, 100, 100)), Grid("110105015001001", box(90, 0, 190, 100)),
             Grid("11010501500", box(0, 0, 1, 1))]
    assert [p.kind for p in gaps(boundary, grids)] == ["gap"]  # 10 m × 100 m on the east
    assert [p.message for p in code_problems(grids, "110105015001")] == [
        "grid code '11010501500' is not 15 digits", "grid code 110105015001001 is used by 2 grids"]
    tree = shapely.STRtree([g.geom for g in grids])
    assert [p.kind for p in overlaps(0, grids, tree)] == ["overlap"] and not overlaps(1, grids, tree)
    spike = Grid("110105015001002", shapely.Polygon([(0, 0), (100, 0), (100, 100), (55, 100), (50, 300),
                                                     (45, 100), (0, 100)]))  # a spike 10 m wide, 200 m out
    assert [p.kind for p in shape_problems(boundary, spike)] == ["outside_boundary", "thin_part"]
    assert household_problems(grids[:1], [CheckedBuilding(1, box(10, 10, 20, 20), 30.0)], {1: grids[0].code},
                              target=20.0, tolerance=0.15)[0].kind == "households_out_of_tolerance"


# --- partition ---------------------------------------------------------------------------------------

def test_units_are_grouped_into_contiguous_balanced_regions():
    units = [box(x * 100, y * 100, (x + 1) * 100, (y + 1) * 100) for y in range(3) for x in range(4)]
    households = np.array([50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50])
    region = partition(units, households, 3)
    g = adjacency(units)
    for r in range(3):
        members = [i for i in range(len(units)) if region[i] == r]
        assert members and nx.is_connected(g.subgraph(members))
        assert households[members].sum() == 200  # 600 households, three regions of 200: exact here
