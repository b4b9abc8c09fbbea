"""Where new facilities help most, solved exactly as mixed-integer programs (HiGHS, through
``scipy.optimize.milp``).

- Maximal covering (MCLP, Church & ReVelle): open ``k`` sites so that the most demand (households)
  lies within ``radius`` of an open facility.
- p-median (Hakimi): open ``k`` sites so that the demand-weighted walking distance to the nearest
  open facility is least; with capacities, no facility serves more than it can.

Facilities already there are columns fixed open. ``cost`` is demand × site walking distance
(``inf`` where unreachable).

Both take a ``time_limit_s``: HiGHS stops there and the best solution it found is returned with
``optimal`` false, the bound it proved and the gap between them; when it found none, or when the
model would hold more than ``max_pairs`` (demand, site) pairs, :class:`ProblemTooLarge` says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse import coo_matrix, csr_matrix, hstack, identity, vstack

from gis.errors import InvalidInput, ProblemTooLarge
from gis.i18n import msg


@dataclass
class Siting:
    open: np.ndarray          # indices of the sites open (fixed ones included)
    objective: float          # covered demand (MCLP) or weighted distance (p-median)
    assignment: np.ndarray | None = None  # p-median: the site serving each demand
    optimal: bool = True      # False: stopped at the time limit with the best solution found
    bound: float | None = None  # the best objective possible, as far as the solver proved it
    gap: float | None = None    # |objective - bound| / |objective|: how far from optimal at most


def _check(cost: np.ndarray, weights: np.ndarray, k: int, fixed: np.ndarray) -> None:
    if cost.ndim != 2 or cost.shape[0] != len(weights):
        raise ValueError(msg("cost is demand × sites, weights one per demand"))
    if k < 0:
        raise InvalidInput(msg("the number of sites to add must be at least 0"))
    if k + len(fixed) > cost.shape[1]:
        raise InvalidInput(msg("cannot open {0} new sites: only {1} candidates", k, cost.shape[1] - len(fixed)))


def _check_size(pairs: int, cost: np.ndarray, max_pairs: int | None, model: str, advice: str) -> None:
    """Refuse a model over ``max_pairs`` (demand, site) pairs before building it."""
    if max_pairs is not None and pairs > max_pairs:
        n, m = cost.shape
        raise ProblemTooLarge(msg("the {0} problem is too large: {1} buildings and {2} sites give {3} pairs to "
                                  "weigh, more than the limit of {4} (GRIDMAP_SITING_PAIRS_MAX); {5}",
                                  model, n, m, pairs, max_pairs, advice))


def _solve(c: npt.NDArray[np.float64], constraints: list[LinearConstraint], integrality: npt.NDArray[np.float64],
           bounds: Bounds, time_limit_s: float | None, model: str) -> OptimizeResult:
    """HiGHS on the model; None when it stopped at the time limit before any solution."""
    options = {"time_limit": float(time_limit_s)} if time_limit_s else {}
    res = milp(c, constraints=constraints, integrality=integrality, bounds=bounds, options=options)
    if res.status == 1 and res.x is None and time_limit_s:
        raise ProblemTooLarge(msg("no {0} solution was found within the time limit of {1:g} s "
                                  "(GRIDMAP_SOLVER_TIME_LIMIT_S); give fewer candidate sites, or add fewer",
                                  model, time_limit_s))
    if res.x is None or res.status not in (0, 1):
        raise InvalidInput(msg("the {0} problem has no solution: {1}", model, res.message))
    return res


def _stopped(siting: Siting, res: OptimizeResult, maximise: bool) -> Siting:
    """Mark a solution found by a search stopped at its limit, with the bound HiGHS proved."""
    if res.status == 0:
        return siting
    bound = getattr(res, "mip_dual_bound", None)
    bound = None if bound is None or not np.isfinite(bound) else (-bound if maximise else bound)
    if bound is not None and maximise:
        bound = max(bound, siting.objective)
    gap = abs(siting.objective - bound) / abs(siting.objective) if bound is not None and siting.objective else None
    siting.optimal, siting.bound, siting.gap = False, bound, gap
    return siting


def max_cover(cost: np.ndarray, weights: np.ndarray, radius: float, k: int,
              fixed: np.ndarray | None = None, *, time_limit_s: float | None = None,
              max_pairs: int | None = None) -> Siting:
    """Open ``k`` sites (plus ``fixed``) covering the most weight within ``radius``."""
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    _check(cost, weights, k, fixed)
    n, m = cost.shape
    within = cost <= radius
    _check_size(int(within.sum()), cost, max_pairs, "covering",
                "give fewer candidate sites or a shorter distance")
    a = csr_matrix(within, dtype=float)
    # variables: x (m sites, binary) then y (n demands, 0..1: integral at the optimum)
    c = np.concatenate([np.zeros(m), -np.asarray(weights, dtype=float)])
    cover = LinearConstraint(hstack([-a, identity(n)]), -np.inf, 0)          # y_i <= sum_j a_ij x_j
    count = LinearConstraint(csr_matrix(np.concatenate([np.ones(m), np.zeros(n)])), k + len(fixed),
                             k + len(fixed))
    lower = np.zeros(m + n)
    lower[fixed] = 1
    res = _solve(c, [cover, count], np.concatenate([np.ones(m), np.zeros(n)]), Bounds(lower, np.ones(m + n)),
                 time_limit_s, "covering")
    x = np.round(res.x[:m]).astype(bool)
    if res.status == 0:
        return Siting(np.flatnonzero(x), float(-res.fun))
    # stopped early: what the open sites cover (the solver's y may fall short of it)
    covered = within[:, x].any(axis=1)
    return _stopped(Siting(np.flatnonzero(x), float(np.asarray(weights, dtype=float)[covered].sum())), res, True)


def p_median(cost: np.ndarray, weights: np.ndarray, k: int, fixed: np.ndarray | None = None,
             capacities: np.ndarray | None = None, *, time_limit_s: float | None = None,
             max_pairs: int | None = None) -> Siting:
    """Open ``k`` sites (plus ``fixed``) minimising the weighted distance to the serving site."""
    fixed = np.asarray(fixed if fixed is not None else [], dtype=np.int64)
    _check(cost, weights, k, fixed)
    n, m = cost.shape
    w = np.asarray(weights, dtype=float)
    finite = np.isfinite(cost)
    if not finite.any(axis=1).all():
        raise InvalidInput(msg("some demand cannot reach any site; leave it out first"))
    _check_size(int(finite.sum()), cost, max_pairs, "p-median",
                "give fewer candidate sites, or use objective=cover (it weighs only the pairs within the distance)")
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
    res = _solve(c, cons, integrality, Bounds(lower, np.ones(m + p)), time_limit_s, "p-median")
    open_ = np.flatnonzero(np.round(res.x[:m]).astype(bool))
    if res.status != 0 and capacities is None:
        # stopped early: each demand to its nearest open site (the solver's split may be worse)
        served_by = open_[np.argmin(cost[:, open_], axis=1)]
        return _stopped(Siting(open_, float((w * cost[np.arange(n), served_by]).sum()), served_by), res, False)
    z = res.x[m:] > 0.5
    served_by = np.full(n, -1, dtype=np.int64)
    served_by[pairs_i[z]] = pairs_j[z]
    return _stopped(Siting(open_, float(res.fun), served_by), res, False)
