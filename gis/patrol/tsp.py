"""A shortest closed tour through points of a symmetric distance matrix, and how far from optimal.

The tour comes from LKH-3 (the ``elkai`` package: Lin–Kernighan–Helsgaun, the strongest
heuristic there is); the lower bound is Held and Karp's 1-tree bound, raised by subgradient
optimisation, so every answer carries a proven gap.

With a time limit, LKH runs in a process of its own (:mod:`gis.patrol.lkh`: elkai holds Python's
GIL while it searches) and stops at the limit with the best tour found; the bound stops raising
there too. The gap says how good the tour is either way.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import time

import elkai
import numpy as np

from gis.errors import ProblemTooLarge
from gis.i18n import msg

# Tours of up to this many points take LKH milliseconds: solved in this process.
IN_PROCESS_MAX = 50


def tour_length(dist: np.ndarray, order: list[int]) -> float:
    """Length of the closed tour visiting ``order`` and returning to its first point."""
    return float(sum(dist[a, b] for a, b in itertools.pairwise([*order, order[0]])))


def solve_tour(dist: np.ndarray, runs: int = 10, time_limit_s: float | None = None) -> list[int]:
    """Visiting order starting at point 0 (the start), without the return to it; with
    ``time_limit_s``, the best found by then (in a child process above :data:`IN_PROCESS_MAX`)."""
    n = len(dist)
    if n <= 3:
        return list(range(n))
    # LKH reads whole numbers: centimetres.
    cm = np.rint(np.asarray(dist) * 100).astype(np.int64).tolist()
    order: list[int]  # elkai is untyped: a list of the points' indices
    if time_limit_s is None or n <= IN_PROCESS_MAX:
        order = elkai.DistanceMatrix(cm).solve_tsp(runs=runs)[:-1]
    else:
        order = _solve_in_child(cm, runs, time_limit_s)
    k = order.index(0)
    return order[k:] + order[:k]


def _solve_in_child(cm: list[list[int]], runs: int, time_limit_s: float) -> list[int]:
    """LKH in a process of its own, stopped by its own time limit (killed well past it)."""
    n = len(cm)
    problem = (f"TYPE : TSP\nDIMENSION : {n}\nEDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : FULL_MATRIX\n"
               "EDGE_WEIGHT_SECTION\n" + "\n".join(" ".join(map(str, row)) for row in cm) + "\nEOF\n")
    try:
        done = subprocess.run([sys.executable, "-m", "gis.patrol.lkh", str(runs), f"{time_limit_s:g}"],
                              input=problem, capture_output=True, text=True, check=True,
                              timeout=2 * time_limit_s + 10)
    except subprocess.TimeoutExpired:
        raise ProblemTooLarge(msg("no tour through {0} buildings was found within the time limit of {1:g} s "
                                  "(GRIDMAP_SOLVER_TIME_LIMIT_S); choose fewer buildings",
                                  n - 1, time_limit_s)) from None
    order = [int(x) for x in done.stdout.split()]
    if sorted(order) != list(range(n)):
        raise RuntimeError(msg("LKH gave no tour of {0} points: {1}", n, done.stderr[-500:]))
    return order


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


def held_karp_bound(dist: np.ndarray, upper: float, iterations: int = 300, time_limit_s: float | None = None) -> float:
    """Held–Karp lower bound on the shortest closed tour (1-trees with node penalties); every
    iteration's is a bound, so stopping at ``time_limit_s`` gives a weaker one, never a wrong one."""
    deadline = time.monotonic() + time_limit_s if time_limit_s is not None else None
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
        if not g.any() or best >= upper - 1e-9 or (deadline is not None and time.monotonic() > deadline):
            break
        step = scale * (upper - bound) / float((g * g).sum())
        pi += step * g
        if it % 30 == 29:
            scale /= 2
    return min(best, upper)
