"""The pure cores on their own, without a database or a server: the patrol calendar, map matching
of GPS tracks, and the partition of units into grids. Each checks a property computed here."""

from __future__ import annotations

from datetime import date, timedelta

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from gis.errors import InvalidInput
from gis.grids.partition import adjacency, partition
from gis.network import StreetNetwork
from gis.patrol.matching import Params, match_track
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
