"""Route inspection against an independent exact computation, on random small street graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

from gis.errors import InvalidInput
from gis.network import StreetNetwork
from gis.patrol.postman import route_inspection


def check_walk(net: StreetNetwork, tour, required) -> None:
    """The walk is closed at the start, every step follows on, every required edge is walked."""
    node = tour.start
    for e, fwd in tour.steps:
        a, b = (int(net.u[e]), int(net.v[e])) if fwd else (int(net.v[e]), int(net.u[e]))
        assert a == node
        node = b
    assert node == tour.start
    walked = {e for e, _ in tour.steps}
    assert set(np.flatnonzero(required).tolist()) - set(tour.unreachable) <= walked
    assert tour.length_m == pytest.approx(sum(net.length[e] for e, _ in tour.steps))


def exact_postman(net: StreetNetwork, required: np.ndarray) -> float:
    """Required length + a minimum-weight perfect matching of the odd nodes on the complete
    graph of shortest-path distances (networkx's blossom), the textbook formulation."""
    g = nx.MultiGraph()
    for e in range(net.n_edges):
        g.add_edge(int(net.u[e]), int(net.v[e]), weight=float(net.length[e]))
    req = np.flatnonzero(required)
    deg = np.bincount(np.concatenate([net.u[req], net.v[req]]), minlength=net.n_nodes)
    odd = np.flatnonzero(deg % 2).tolist()
    simple = nx.Graph()
    for a, b, d in g.edges(data=True):
        if a != b and (not simple.has_edge(a, b) or simple[a][b]["weight"] > d["weight"]):
            simple.add_edge(a, b, weight=d["weight"])
    dist = dict(nx.all_pairs_dijkstra_path_length(simple))
    k = nx.Graph()
    for i, a in enumerate(odd):
        for b in odd[i + 1:]:
            k.add_edge(a, b, weight=dist[a][b])
    match = nx.min_weight_matching(k)
    return float(net.length[req].sum() + sum(dist[a][b] for a, b in match))


@st.composite
def street_graphs(draw):
    """A connected planar-ish graph: a jittered lattice with random streets removed and a few
    parallel edges and loops, lengths from the geometry."""
    rows = draw(st.integers(2, 5))
    cols = draw(st.integers(2, 5))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    xy = {(i, j): (j * 100 + rng.uniform(-20, 20), i * 100 + rng.uniform(-20, 20))
          for i in range(rows) for j in range(cols)}
    lines = []
    for (i, j), p in xy.items():
        for q in ((i, j + 1), (i + 1, j)):
            if q in xy and rng.random() > 0.25:
                lines.append(LineString([p, xy[q]]))
    for _ in range(draw(st.integers(0, 2))):  # a parallel street bending away
        a, b = (0, 0), (0, 1)
        mid = ((xy[a][0] + xy[b][0]) / 2, xy[a][1] - rng.uniform(10, 40))
        lines.append(LineString([xy[a], mid, xy[b]]))
    if not lines:
        lines.append(LineString([xy[(0, 0)], xy[(0, 1)]]))
    net = StreetNetwork.from_lines(lines)
    label = net.components()
    main = np.bincount(label).argmax()
    keep = label[net.u] == main
    return net.subset(keep)


@settings(max_examples=60, deadline=None)
@given(street_graphs(), st.data())
def test_route_is_optimal_and_covers_every_street(net, data):
    required = np.ones(net.n_edges, dtype=bool)
    start = int(data.draw(st.sampled_from(sorted(set(net.u.tolist())))))
    tour = route_inspection(net, required, start)
    check_walk(net, tour, required)
    assert tour.exact
    assert tour.length_m == pytest.approx(exact_postman(net, required), abs=0.01)
    assert tour.lower_bound_m == pytest.approx(tour.length_m, abs=0.01)


@settings(max_examples=40, deadline=None)
@given(street_graphs(), st.data())
def test_part_of_the_streets(net, data):
    """A subset of streets: always covered and closed; exact when the subset is connected with
    the start, and never below the lower bound."""
    mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=net.n_edges, max_size=net.n_edges)))
    if not mask.any():
        mask[0] = True
    start = int(net.u[np.flatnonzero(mask)[0]])
    tour = route_inspection(net, mask, start)
    check_walk(net, tour, mask)
    assert tour.length_m >= tour.lower_bound_m - 0.01
    if tour.exact:
        assert tour.length_m == pytest.approx(exact_postman(net, mask), abs=0.01)


def test_pieces_out_of_reach_are_listed():
    a = LineString([(0, 0), (100, 0)])
    b = LineString([(100, 0), (100, 100)])
    far = LineString([(500, 500), (600, 500)])
    net = StreetNetwork.from_lines([a, b, far], edge_ids=[11, 12, 13])
    tour = route_inspection(net, np.ones(3, dtype=bool), int(net.u[0]))
    assert tour.unreachable == [2]
    assert tour.length_m == pytest.approx(400)
    with pytest.raises(InvalidInput, match="another piece"):
        route_inspection(net, np.array([False, False, True]), int(net.u[0]))
    with pytest.raises(InvalidInput, match="no walkable streets"):
        route_inspection(net, np.zeros(3, dtype=bool), int(net.u[0]))


@settings(max_examples=40, deadline=None)
@given(street_graphs(), st.integers(2, 4))
def test_workers_share_every_street(net, k):
    """K closed walks from the start that together cover every street; the longest is never
    below its lower bound and never longer than the single tour."""
    from gis.patrol.split import split_tour

    required = np.ones(net.n_edges, dtype=bool)
    start = int(net.u[0])
    single = route_inspection(net, required, start)
    split = split_tour(net, single, k)
    assert len(split.routes) == k
    covered = set()
    for route in split.routes:
        check_walk(net, route, np.zeros(net.n_edges, dtype=bool))
        assert route.start == start
        covered |= {e for e, _ in route.steps}
    assert covered == set(range(net.n_edges))
    assert split.longest_lower_bound_m - 0.01 <= split.longest_m <= single.length_m + 0.01
    assert sum(r.length_m for r in split.routes) >= single.length_m - 0.01
