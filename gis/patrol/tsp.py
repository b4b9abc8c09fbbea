"""A shortest closed tour through points of a symmetric distance matrix, and how far from optimal.

The tour comes from LKH-3 (the ``elkai`` package: Lin–Kernighan–Helsgaun, the strongest
heuristic there is); the lower bound is Held and Karp's 1-tree bound, raised by subgradient
optimisation, so every answer carries a proven gap.
"""

from __future__ import annotations

import itertools

import elkai
import numpy as np


def tour_length(dist: np.ndarray, order: list[int]) -> float:
    """Length of the closed tour visiting ``order`` and returning to its first point."""
    return float(sum(dist[a, b] for a, b in itertools.pairwise([*order, order[0]])))


def solve_tour(dist: np.ndarray, runs: int = 10) -> list[int]:
    """Visiting order starting at point 0 (the start), without the return to it."""
    n = len(dist)
    if n <= 3:
        return list(range(n))
    # LKH reads whole numbers: centimetres.
    cm = np.rint(np.asarray(dist) * 100).astype(np.int64).tolist()
    order = elkai.DistanceMatrix(cm).solve_tsp(runs=runs)[:-1]
    k = order.index(0)
    return order[k:] + order[:k]


def _prim(w: np.ndarray) -> tuple[float, np.ndarray]:
    """Minimum spanning tree of a dense symmetric matrix: its weight and each node's degree."""
    n = len(w)
    deg = np.zeros(n, dtype=np.int64)
    if n == 1:
        return 0.0, deg
    in_tree = np.zeros(n, dtype=bool)
    in_tree[0] = True
    best = w[0].copy()
    link = np.zeros(n, dtype=np.int64)
    total = 0.0
    for _ in range(n - 1):
        cand = np.where(in_tree, np.inf, best)
        j = int(np.argmin(cand))
        total += cand[j]
        deg[j] += 1
        deg[link[j]] += 1
        in_tree[j] = True
        closer = w[j] < best
        best = np.where(closer, w[j], best)
        link = np.where(closer, j, link)
    return total, deg


def held_karp_bound(dist: np.ndarray, upper: float, iterations: int = 300) -> float:
    """Held–Karp lower bound on the shortest closed tour (1-trees with node penalties)."""
    d = np.asarray(dist, dtype=float)
    n = len(d)
    if n <= 3:
        return tour_length(d, list(range(n))) if n > 1 else 0.0
    pi = np.zeros(n)
    best = 0.0
    scale = 2.0
    for it in range(iterations):
        w = d + pi[:, None] + pi[None, :]
        tree, deg = _prim(w[1:, 1:])
        first = np.sort(w[0, 1:])[:2]
        bound = tree + first.sum() - 2 * pi.sum()
        full_deg = np.concatenate([[2], deg + 0])
        near = np.argsort(w[0, 1:])[:2] + 1
        full_deg[near] += 1
        best = max(best, bound)
        g = full_deg - 2
        if not g.any() or best >= upper - 1e-9:
            break
        step = scale * (upper - bound) / float((g * g).sum())
        pi += step * g
        if it % 30 == 29:
            scale /= 2
    return min(best, upper)
