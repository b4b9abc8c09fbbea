"""Compactness of a grid, Polsby–Popper: 4πA / P² (1 for a circle, near 0 for a strip).

A module of its own, free of the graph library partitioning needs, so that checking a layout
(``gridmap grids check``) does not import networkx.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


def compactness(area: float, perimeter: float) -> float:
    """4πA / P² of an area and its perimeter (0 without a perimeter)."""
    return 4 * math.pi * area / (perimeter * perimeter) if perimeter > 0 else 0.0


def polsby_popper(geom: BaseGeometry) -> float:
    """Compactness: 4πA / P² (1 for a circle)."""
    return compactness(float(geom.area), float(geom.length))
