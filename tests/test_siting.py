"""Siting solved exactly: the objective equals spopt's (PuLP/CBC) on the same cost matrix."""

from __future__ import annotations

import numpy as np
import pulp
import pytest
from spopt.locate import MCLP, PMedian

from gis.coverage.siting import max_cover, p_median


def instance(seed: int, n: int = 40, m: int = 12):
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 1000, (n, 2))
    sites = rng.uniform(0, 1000, (m, 2))
    cost = np.abs(demand[:, None, :] - sites[None, :, :]).sum(axis=2)  # street (Manhattan) metric
    weights = rng.integers(0, 200, n).astype(float)
    return cost, weights


@pytest.mark.parametrize("seed", range(6))
def test_max_cover_matches_spopt(seed):
    cost, weights = instance(seed)
    ours = max_cover(cost, weights, radius=300, k=3)
    peer = MCLP.from_cost_matrix(cost, weights, service_radius=300, p_facilities=3)
    peer = peer.solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.objective == pytest.approx(peer.problem.objective.value(), abs=1e-6)
    assert len(ours.open) == 3
    covered = (cost[:, ours.open] <= 300).any(axis=1)
    assert ours.objective == pytest.approx(weights[covered].sum())


@pytest.mark.parametrize("seed", range(6))
def test_p_median_matches_spopt(seed):
    cost, weights = instance(seed)
    ours = p_median(cost, weights, k=3)
    peer = PMedian.from_cost_matrix(cost, weights, p_facilities=3).solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.objective == pytest.approx(peer.problem.objective.value(), rel=1e-9, abs=1e-6)
    assert ours.objective == pytest.approx((weights * cost[:, ours.open].min(axis=1)).sum(), rel=1e-9)


def test_fixed_sites_and_capacities():
    cost, weights = instance(7)
    fixed = np.array([0])
    cover = max_cover(cost, weights, 300, 2, fixed=fixed)
    assert 0 in cover.open and len(cover.open) == 3
    free = p_median(cost, weights, 2)
    tight = p_median(cost, weights, 2, capacities=np.full(cost.shape[1], weights.sum() * 0.6))
    assert tight.objective >= free.objective - 1e-6
    served = np.bincount(tight.assignment, weights=weights, minlength=cost.shape[1])
    assert (served <= weights.sum() * 0.6 + 1e-6).all()
