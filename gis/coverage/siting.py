"""Where new facilities help most, solved exactly as mixed-integer programs (HiGHS, through
``scipy.optimize.milp``).

- Maximal covering (MCLP, Church & ReVelle): open ``k`` sites so that the most demand (households)
  lies within ``radius`` of an open facility.
- p-median (Hakimi): open ``k`` sites so that the demand-weighted walking distance to the nearest
  open facility is least; with capacities, no facility serves more than it can.

Facilities already there are columns fixed open. ``cost`` is demand × site walking distance
(``inf`` where unreachable).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, hstack, identity, vstack

from gis.errors import InvalidInput


@dataclass
class Siting:
    open: np.ndarray          # indices of the sites open (fixed ones included)
    objective: float          # covered demand (MCLP) or weighted distance (p-median)
    assignment: np.ndarray | None = None  # p-median: the site serving each demand


def _check(cost: np.ndarray, weights: np.ndarray, k: int, fixed: np.ndarray) -> None:
    if cost.ndim != 2 or cost.shape[0] != len(weights):
        raise ValueError("cost is demand × sites, weights one per demand")
    if k < 0:
        raise InvalidInput("the number of sites to add must be at least 0")
    if k + len(fixed) > cost.shape[1]:
        raise InvalidInput(f"cannot open {k} new sites: only {cost.shape[1] - len(fixed)} candidates")


def max_cover(cost: np.ndarray, weights: np.ndarray, radius: float, k: int,
              fixed: np.ndarray | None = None) -> Siting:
    """Open ``k`` sites (plus ``fixed``) covering the most weight within ``radius``."""
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    _check(cost, weights, k, fixed)
    n, m = cost.shape
    a = csr_matrix(cost <= radius, dtype=float)
    # variables: x (m sites, binary) then y (n demands, 0..1: integral at the optimum)
    c = np.concatenate([np.zeros(m), -np.asarray(weights, dtype=float)])
    cover = LinearConstraint(hstack([-a, identity(n)]), -np.inf, 0)          # y_i <= sum_j a_ij x_j
    count = LinearConstraint(csr_matrix(np.concatenate([np.ones(m), np.zeros(n)])), k + len(fixed),
                             k + len(fixed))
    lower = np.zeros(m + n)
    lower[fixed] = 1
    res = milp(c, constraints=[cover, count], integrality=np.concatenate([np.ones(m), np.zeros(n)]),
               bounds=Bounds(lower, np.ones(m + n)))
    if not res.success:
        raise InvalidInput(f"the covering problem has no solution: {res.message}")
    x = np.round(res.x[:m]).astype(bool)
    return Siting(np.flatnonzero(x), float(-res.fun))


def p_median(cost: np.ndarray, weights: np.ndarray, k: int, fixed: np.ndarray | None = None,
             capacities: np.ndarray | None = None) -> Siting:
    """Open ``k`` sites (plus ``fixed``) minimising the weighted distance to the serving site."""
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    _check(cost, weights, k, fixed)
    n, m = cost.shape
    w = np.asarray(weights, dtype=float)
    finite = np.isfinite(cost)
    if not finite.any(axis=1).all():
        raise InvalidInput("some demand cannot reach any site; leave it out first")
    pairs_i, pairs_j = np.nonzero(finite)           # z variables only where reachable
    p = len(pairs_i)
    c = np.concatenate([np.zeros(m), w[pairs_i] * cost[pairs_i, pairs_j]])
    assign = coo_matrix((np.ones(p), (pairs_i, m + np.arange(p))), shape=(n, m + p))
    one_each = LinearConstraint(assign, 1, 1)       # each demand served once
    link = coo_matrix((np.concatenate([np.ones(p), -np.ones(p)]),
                       (np.concatenate([np.arange(p), np.arange(p)]),
                        np.concatenate([m + np.arange(p), pairs_j]))), shape=(p, m + p))
    cons = [one_each, LinearConstraint(link, -np.inf, 0),                # z_ij <= x_j
            LinearConstraint(csr_matrix(np.concatenate([np.ones(m), np.zeros(p)])), k + len(fixed),
                             k + len(fixed))]
    if capacities is not None:
        cap = np.asarray(capacities, dtype=float)
        load = coo_matrix((w[pairs_i], (pairs_j, m + np.arange(p))), shape=(m, m + p))
        cons.append(LinearConstraint(vstack([load.tocsr() - coo_matrix((cap, (np.arange(m), np.arange(m))),
                                                                        shape=(m, m + p)).tocsr()]),
                                     -np.inf, 0))    # sum_i w_i z_ij <= C_j x_j
    lower = np.zeros(m + p)
    lower[fixed] = 1
    integrality = np.concatenate([np.ones(m), np.zeros(p) if capacities is None else np.ones(p)])
    res = milp(c, constraints=cons, integrality=integrality, bounds=Bounds(lower, np.ones(m + p)))
    if not res.success:
        raise InvalidInput(f"the p-median problem has no solution: {res.message}")
    z = res.x[m:] > 0.5
    served_by = np.full(n, -1, dtype=np.int64)
    served_by[pairs_i[z]] = pairs_j[z]
    return Siting(np.flatnonzero(np.round(res.x[:m]).astype(bool)), float(res.fun), served_by)
