"""A density surface of points (where cases cluster, 热点), by kernel density estimation on a
grid of square cells, in metres. Pure: numpy only; the caller projects the points to a metric
CRS and back.

The kernel is the quartic (biweight) one, as GIS kernel-density tools use:

    K(d) = 3 / (π h²) · (1 − (d/h)²)²   for d < h, else 0

with ``h`` the bandwidth (metres). It integrates to 1 over the plane, so the surface of n points
integrates to n: a cell's value is the number of points per square metre there (× 10⁶: per km²),
each point spread over the disc of radius h around it, most at its centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gis.errors import InvalidInput
from gis.i18n import msg

# The most cells a surface may have (a 0.5 km² community at 10 m is ~5,000; a street at 25 m ~100,000).
MAX_CELLS = 250_000


def quartic(d: NDArray[np.float64] | float, h: float) -> NDArray[np.float64]:
    """The quartic kernel's value at distance ``d`` (metres) for bandwidth ``h``: per m²."""
    u = np.asarray(d, dtype=float) / h
    return np.where(u < 1.0, 3.0 / (math.pi * h * h) * (1.0 - u * u) ** 2, 0.0)


@dataclass(frozen=True)
class Surface:
    """Density on a grid of cells: ``values[i, j]`` (points per m²) is the cell whose south-west
    corner is (``x0 + j·cell``, ``y0 + i·cell``)."""

    x0: float
    y0: float
    cell: float
    values: NDArray[np.float64]

    def centre(self, i: int, j: int) -> tuple[float, float]:
        """The centre of cell (row ``i``, column ``j``)."""
        return self.x0 + (j + 0.5) * self.cell, self.y0 + (i + 0.5) * self.cell

    def total(self) -> float:
        """The surface's integral: about the number of points whose discs lie inside it."""
        return float(self.values.sum() * self.cell * self.cell)


def grid_for(bounds: tuple[float, float, float, float], cell: float, bandwidth: float) -> tuple[float, float, int, int]:
    """The cells covering ``bounds`` (minx, miny, maxx, maxy, metres) grown by the bandwidth:
    the south-west corner, and the number of columns and rows. Too many cells: refused."""
    if not cell > 0 or not bandwidth > 0:
        raise InvalidInput(msg("the cell size and the bandwidth must be more than 0 metres"))
    minx, miny, maxx, maxy = bounds
    x0 = math.floor((minx - bandwidth) / cell) * cell
    y0 = math.floor((miny - bandwidth) / cell) * cell
    nx = max(1, math.ceil((maxx + bandwidth - x0) / cell))
    ny = max(1, math.ceil((maxy + bandwidth - y0) / cell))
    if nx * ny > MAX_CELLS:
        raise InvalidInput(msg("{0} × {1} cells of {2} m are too many (at most {3}): choose larger cells",
                               nx, ny, cell, MAX_CELLS))
    return x0, y0, nx, ny


def surface(points: NDArray[np.float64], x0: float, y0: float, nx: int, ny: int, cell: float,
            bandwidth: float, weights: NDArray[np.float64] | None = None) -> Surface:
    """The kernel density of ``points`` (n × 2, metres) at the centres of ``ny`` × ``nx`` cells
    of ``cell`` metres from (``x0``, ``y0``). Each point adds its kernel to the cells within the
    bandwidth of it only (a window of the grid), so the work is n · (2h / cell)²."""
    values = np.zeros((ny, nx), dtype=float)
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    w = np.ones(len(pts)) if weights is None else np.asarray(weights, dtype=float)
    reach = int(math.ceil(bandwidth / cell)) + 1
    for (px, py), weight in zip(pts, w, strict=True):
        cj, ci = int((px - x0) // cell), int((py - y0) // cell)
        j0, j1 = max(0, cj - reach), min(nx, cj + reach + 1)
        i0, i1 = max(0, ci - reach), min(ny, ci + reach + 1)
        if j0 >= j1 or i0 >= i1:
            continue
        xs = x0 + (np.arange(j0, j1) + 0.5) * cell - px
        ys = y0 + (np.arange(i0, i1) + 0.5) * cell - py
        d = np.hypot(xs[np.newaxis, :], ys[:, np.newaxis])
        values[i0:i1, j0:j1] += weight * quartic(d, bandwidth)
    return Surface(x0, y0, cell, values)


def peaks(s: Surface, count: int = 3, separation: float | None = None) -> list[tuple[int, int, float]]:
    """The ``count`` highest cells (row, column, value), each at least ``separation`` metres
    (default: 4 cells) from a higher one already chosen, highest first; none where the surface is 0."""
    apart = separation if separation is not None else 4 * s.cell
    order = np.argsort(s.values, axis=None)[::-1]
    out: list[tuple[int, int, float]] = []
    for flat in order:
        i, j = divmod(int(flat), s.values.shape[1])
        v = float(s.values[i, j])
        if v <= 0 or len(out) >= count:
            break
        if all(math.hypot((i - a) * s.cell, (j - b) * s.cell) >= apart for a, b, _ in out):
            out.append((i, j, v))
    return out
