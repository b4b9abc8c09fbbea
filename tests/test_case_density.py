"""The kernel density of cases (热点, #17), pure: the quartic kernel and the surface on cells
checked against what can be computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gis.cases.density import grid_for, peaks, quartic, surface
from gis.errors import InvalidInput


def test_the_quartic_kernel_by_hand():
    h = 100.0
    assert quartic(0.0, h) == pytest.approx(3 / (math.pi * h * h))
    assert quartic(50.0, h) == pytest.approx(3 / (math.pi * h * h) * (1 - 0.25) ** 2)  # 9/16 of the centre
    assert quartic(100.0, h) == 0 and quartic(250.0, h) == 0
    # ∫ K dA = ∫₀ʰ K(r) 2πr dr = 1 (numerically, on rings)
    r = np.linspace(0, h, 100_001)
    assert np.trapezoid(quartic(r, h) * 2 * math.pi * r, r) == pytest.approx(1.0, rel=1e-6)


def test_one_point_spreads_one_case_symmetrically_over_its_disc():
    x0, y0, nx, ny = grid_for((0.0, 0.0, 0.0, 0.0), 5.0, 100.0)
    assert (x0, y0, nx, ny) == (-100.0, -100.0, 40, 40)
    s = surface(np.array([[0.0, 0.0]]), x0, y0, nx, ny, 5.0, 100.0)
    assert s.total() == pytest.approx(1.0, rel=2e-3)  # the integral, on 5 m cells
    v = s.values
    assert np.allclose(v, v[::-1, :]) and np.allclose(v, v[:, ::-1]) and np.allclose(v, v.T)  # symmetric
    # the four cells around the point are the highest; their value is K at their centres (2.5√2 m away)
    assert v.max() == pytest.approx(float(quartic(2.5 * math.sqrt(2), 100.0)))
    assert {(int(i), int(j)) for i, j in zip(*np.nonzero(v == v.max()), strict=True)} == {
        (19, 19), (19, 20), (20, 19), (20, 20)}
    # nothing beyond the bandwidth: the corner cells' centres are 137 m away
    assert v[0, 0] == 0 and v[-1, -1] == 0


def test_points_add_up_and_weights_count():
    x0, y0, nx, ny = grid_for((0.0, 0.0, 300.0, 0.0), 10.0, 50.0)
    a = surface(np.array([[0.0, 0.0]]), x0, y0, nx, ny, 10.0, 50.0)
    b = surface(np.array([[300.0, 0.0]]), x0, y0, nx, ny, 10.0, 50.0)
    both = surface(np.array([[0.0, 0.0], [300.0, 0.0]]), x0, y0, nx, ny, 10.0, 50.0)
    assert np.allclose(both.values, a.values + b.values)
    twice = surface(np.array([[0.0, 0.0]]), x0, y0, nx, ny, 10.0, 50.0, weights=np.array([2.0]))
    assert np.allclose(twice.values, 2 * a.values)
    assert both.total() == pytest.approx(2.0, rel=1e-2)
    # a cluster outweighs a lone point, and the two peaks are found apart, the cluster first
    cluster = surface(np.array([[300.0, 0.0]] * 3 + [[0.0, 0.0]]), x0, y0, nx, ny, 10.0, 50.0)
    (i1, j1, v1), (i2, j2, v2) = peaks(cluster, 5, separation=100.0)
    assert v1 == pytest.approx(3 * v2)
    assert cluster.centre(i1, j1)[0] == pytest.approx(300.0, abs=5.1)  # a cell beside the point
    assert cluster.centre(i2, j2)[0] == pytest.approx(0.0, abs=5.1)


def test_no_points_no_surface_and_too_many_cells_refused():
    x0, y0, nx, ny = grid_for((0.0, 0.0, 100.0, 100.0), 10.0, 50.0)
    empty = surface(np.empty((0, 2)), x0, y0, nx, ny, 10.0, 50.0)
    assert empty.total() == 0 and peaks(empty) == []
    with pytest.raises(InvalidInput, match="too many"):
        grid_for((0.0, 0.0, 100_000.0, 100_000.0), 1.0, 50.0)
    with pytest.raises(InvalidInput):
        grid_for((0.0, 0.0, 1.0, 1.0), 0.0, 50.0)
