"""K workers: closed walks from one start that together cover every street, the longest short.

Route first, cluster second (Frederickson, Hecht and Kim): the optimal single tour is cut into K
consecutive stretches, each closed by shortest paths to and from the start. The cut points come
from a binary search on the longest route with a greedy farthest reach, which is optimal for a
given tour: by the triangle inequality a later cut never makes the rest harder. Each worker's
walk is then re-solved exactly over the streets it covers, which can only shorten it.

Lower bound on the longest route: the single optimum shared by K, and the farthest street (walk
out to it, along it, back).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gis.network import StreetNetwork
from gis.patrol.postman import Step, Tour, route_inspection


@dataclass
class Split:
    """K closed walks and what bounds them."""

    routes: list[Tour]
    longest_lower_bound_m: float

    @property
    def longest_m(self) -> float:
        return max(r.length_m for r in self.routes)

    @property
    def balance(self) -> float:
        """Shortest route over longest (1 is perfectly even)."""
        return min(r.length_m for r in self.routes) / self.longest_m if self.longest_m else 1.0


def _cuts(cum: np.ndarray, home: np.ndarray, k: int, limit: float) -> list[int] | None:
    """Cut points (step indices) so that no stretch with its way out and back exceeds ``limit``."""
    n = len(cum) - 1
    cuts, i = [0], 0
    while i < n:
        if len(cuts) > k:
            return None
        cost = home[i] + (cum[i + 1:] - cum[i]) + home[i + 1:]
        ok = np.flatnonzero(cost <= limit + 1e-9)
        if len(ok) == 0:
            return None
        i = i + 1 + int(ok[-1])
        cuts.append(i)
    return cuts if len(cuts) - 1 <= k else None


def split_tour(net: StreetNetwork, tour: Tour, k: int) -> Split:
    """Share ``tour`` (from :func:`route_inspection`) among ``k`` workers."""
    d = np.asarray(net.distances(tour.start), dtype=float)
    steps = tour.steps
    if k <= 1 or not steps:
        return Split([tour], tour.length_m)
    lengths = net.length[[e for e, _ in steps]]
    cum = np.concatenate([[0.0], np.cumsum(lengths)])
    nodes = np.asarray([tour.start, *tour.nodes(net)])
    home = d[nodes]
    lo = max(tour.lower_bound_m / k, float((home[:-1] + lengths + home[1:]).max()))
    hi = tour.length_m
    best = _cuts(cum, home, k, hi)
    for _ in range(60):
        if hi - lo < 0.01:
            break
        mid = (lo + hi) / 2
        cuts = _cuts(cum, home, k, mid)
        if cuts is None:
            lo = mid
        else:
            hi, best = mid, cuts
    assert best is not None
    _, pred = net.distances(tour.start, predecessors=True)
    routes = []
    for a, b in zip(best[:-1], best[1:], strict=True):
        way_out = net.path_edges(pred, int(nodes[a]))
        way_back = [(e, not fwd) for e, fwd in reversed(net.path_edges(pred, int(nodes[b])))]
        walk: list[Step] = way_out + steps[a:b] + way_back
        covered = np.unique([e for e, _ in steps[a:b]])
        mask = np.zeros(net.n_edges, dtype=bool)
        mask[covered] = True
        mask[[e for e, _ in way_out + way_back]] = True
        own = route_inspection(net, mask, tour.start)
        walk_len = float(net.length[[e for e, _ in walk]].sum())
        if own.length_m <= walk_len:
            own.required_m = float(net.length[covered].sum())
            routes.append(own)
        else:  # cannot happen for an exact re-solve, but never make a route longer
            routes.append(Tour(tour.start, walk, walk_len, float(net.length[covered].sum()),
                               own.lower_bound_m, False, required=covered.tolist()))
    while len(routes) < k:  # more workers than the streets need
        routes.append(Tour(tour.start, [], 0.0, 0.0, 0.0, True))
    req = np.asarray(tour.required, dtype=np.int64)
    du, dv = d[net.u[req]], d[net.v[req]]
    far = float((du + net.length[req] + dv).max(initial=0))
    return Split(routes, max(tour.lower_bound_m / k, far))
