"""The visit tour against brute force on small instances; the bound never above the optimum."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gis.patrol.tsp import held_karp_bound, solve_tour, tour_length


def brute_force(dist: np.ndarray) -> float:
    n = len(dist)
    return min(tour_length(dist, [0, *p]) for p in itertools.permutations(range(1, n)))


@pytest.mark.parametrize("seed", range(12))
def test_tour_is_optimal_on_small_instances_and_bound_holds(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(4, 9))
    pts = rng.uniform(0, 1000, (n, 2))
    # a street metric: Manhattan distances (walking along a grid of streets)
    dist = np.abs(pts[:, None, :] - pts[None, :, :]).sum(axis=2)
    order = solve_tour(dist)
    assert order[0] == 0 and sorted(order) == list(range(n))
    best = brute_force(dist)
    assert tour_length(dist, order) == pytest.approx(best, abs=0.05)
    bound = held_karp_bound(dist, tour_length(dist, order))
    assert 0.85 * best <= bound <= best + 1e-6


def test_tiny_tours():
    dist = np.array([[0.0, 5.0], [5.0, 0.0]])
    assert solve_tour(dist) == [0, 1]
    assert held_karp_bound(dist, 10.0) == pytest.approx(10.0)
