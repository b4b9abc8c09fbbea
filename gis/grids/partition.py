"""Group contiguous units into k grids balanced on households, preferring compact grids.

Seeds far apart (households-weighted farthest points), regions grown from them always feeding
the lightest region a neighbouring unit, then local search in the manner of redistricting tools:
a unit on a region's edge moves to the neighbouring region when that lowers the squared
deviations from the target (compactness breaks ties) and leaves both regions contiguous.
Pure: unit polygons and households in, a region index per unit out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from gis.grids.compactness import compactness


def adjacency(polygons: Sequence[BaseGeometry], min_shared_m: float = 1.0) -> nx.Graph:
    """Units sharing at least ``min_shared_m`` of boundary are neighbours (weight: that length)."""
    g = nx.Graph()
    g.add_nodes_from(range(len(polygons)))
    tree = shapely.STRtree(polygons)
    grown = [p.buffer(0.05) for p in polygons]
    for i, p in enumerate(polygons):
        for j in tree.query(grown[i], predicate="intersects").tolist():
            if j <= i:
                continue
            shared = shapely.length(shapely.intersection(p.boundary, grown[j]))
            if shared >= min_shared_m:
                g.add_edge(i, j, weight=shared)
    return g


def _seeds(centres: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], k: int) -> list[int]:
    """``k`` units far apart: the heaviest first, then each the farthest from those chosen."""
    first = int(np.argmax(weights)) if weights.any() else 0
    seeds = [first]
    d = np.linalg.norm(centres - centres[first], axis=1)
    for _ in range(k - 1):
        nxt = int(np.argmax(d))
        seeds.append(nxt)
        d = np.minimum(d, np.linalg.norm(centres - centres[nxt], axis=1))
    return seeds


def join_islands(g: nx.Graph, polygons: Sequence[BaseGeometry]) -> None:
    """Join each piece of ``g`` apart from the first (e.g. units across a river with no shared
    edge) to the first by an edge of weight 0 to its nearest unit, so that regions can grow."""
    comps = list(nx.connected_components(g))
    for c in comps[1:]:
        a = min(c)
        b = min(comps[0], key=lambda j: polygons[a].distance(polygons[j]))
        g.add_edge(a, b, weight=0.0)


def grow(g: nx.Graph, centres: npt.NDArray[np.float64], households: npt.NDArray[np.float64],
         k: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Regions grown from ``k`` seeds far apart, always feeding the lightest region that can grow
    the neighbouring unit nearest its centre: the region of each unit (-1: one no region reached)
    and each region's households."""
    region = np.full(len(centres), -1, dtype=np.int64)
    load = np.zeros(k)
    for r, s in enumerate(_seeds(centres, households, k)):
        region[s] = r
        load[r] += households[s]
    while (region < 0).any():
        grew = False
        for r in np.argsort(load).tolist():
            frontier = {j for i in np.flatnonzero(region == r).tolist() for j in g[i] if region[j] < 0}
            if frontier:
                pick = min(frontier, key=lambda j: np.linalg.norm(centres[j] - centres[region == r].mean(axis=0)))
                region[pick] = r
                load[r] += households[pick]
                grew = True
                break
        if not grew:
            break
    return region, load


@dataclass
class Regions:
    """Regions as local search changes them: the region of each unit, and each region's
    households, area and perimeter (its units' perimeters less twice their shared edges)."""

    g: nx.Graph
    region: npt.NDArray[np.int64]
    load: npt.NDArray[np.float64]           # per region
    households: npt.NDArray[np.float64]     # per unit
    area: npt.NDArray[np.float64]           # per unit
    perimeter: npt.NDArray[np.float64]      # per unit
    r_area: npt.NDArray[np.float64] = field(init=False)     # per region
    r_perim: npt.NDArray[np.float64] = field(init=False)

    def __post_init__(self) -> None:
        k = len(self.load)
        # np.bincount with weights sums them as floats (its stubs say integers)
        self.r_area = np.asarray(np.bincount(self.region, weights=self.area, minlength=k), dtype=np.float64)
        self.r_perim = np.asarray(np.bincount(self.region, weights=self.perimeter, minlength=k), dtype=np.float64)
        for i, j, w in self.g.edges(data="weight"):
            if self.region[i] == self.region[j]:
                self.r_perim[self.region[i]] -= 2 * w

    def shared(self, i: int, r: int) -> float:
        """Metres of unit ``i``'s edge shared with units of region ``r``."""
        g = self.g
        return float(sum(w for j, w in ((j, g[i][j]["weight"]) for j in g[i]) if self.region[j] == r and j != i))

    def move_perimeters(self, i: int, a: int, b: int) -> tuple[float, float]:
        """The perimeters of regions ``a`` and ``b`` once unit ``i`` moves from ``a`` to ``b``."""
        sa, sb = self.shared(i, a), self.shared(i, b)
        return (self.r_perim[a] - self.perimeter[i] + 2 * sa, self.r_perim[b] + self.perimeter[i] - 2 * sb)

    def helps(self, i: int, a: int, b: int, target: float, pa: float, pb: float) -> bool:
        """Does moving unit ``i`` from ``a`` to ``b`` lower the squared deviations of the two
        regions' households from ``target``, or (a tie) make the less compact of them more so?"""
        load, hh = self.load, self.households
        before = (load[a] - target) ** 2 + (load[b] - target) ** 2
        after = (load[a] - hh[i] - target) ** 2 + (load[b] + hh[i] - target) ** 2
        if after > before + 1e-9:
            return False
        if after > before - 1e-9:  # a tie on households: move only to be more compact
            ra, rp = self.r_area, self.r_perim
            now = min(compactness(ra[a], rp[a]), compactness(ra[b], rp[b]))
            then = min(compactness(ra[a] - self.area[i], pa), compactness(ra[b] + self.area[i], pb))
            if then <= now + 1e-6:
                return False
        return True

    def leaves_contiguous(self, i: int, a: int) -> bool:
        """Is region ``a`` without unit ``i`` still one piece (and not empty)?"""
        rest = [j for j in np.flatnonzero(self.region == a).tolist() if j != i]
        return bool(rest) and nx.is_connected(self.g.subgraph(rest))

    def move(self, i: int, a: int, b: int, pa: float, pb: float) -> None:
        """Unit ``i`` to region ``b`` from ``a``; ``pa``, ``pb``: the regions' new perimeters."""
        self.region[i] = b
        self.load[a] -= self.households[i]
        self.load[b] += self.households[i]
        self.r_area[a] -= self.area[i]
        self.r_area[b] += self.area[i]
        self.r_perim[a], self.r_perim[b] = pa, pb


def rebalance(regions: Regions, target: float, rounds: int) -> npt.NDArray[np.int64]:
    """Local search: in rounds over the units in a fixed random order, a unit on a region's edge
    moves to a neighbouring region when that helps (:meth:`Regions.helps`) and leaves its region
    contiguous; until a round moves none, or ``rounds``."""
    g, region = regions.g, regions.region
    rng = np.random.default_rng(0)
    for _ in range(rounds):
        improved = False
        for i in rng.permutation(len(region)).tolist():
            a = int(region[i])
            for b in {int(region[j]) for j in g[i]} - {a}:
                pa, pb = regions.move_perimeters(i, a, b)
                if not regions.helps(i, a, b, target, pa, pb) or not regions.leaves_contiguous(i, a):
                    continue
                regions.move(i, a, b, pa, pb)
                improved = True
                break
        if not improved:
            break
    return region


def partition(polygons: Sequence[BaseGeometry], households: npt.ArrayLike, k: int, graph: nx.Graph | None = None,
              rounds: int = 200) -> npt.NDArray[np.int64]:
    """A region (0..k-1) for each unit; every region contiguous."""
    n = len(polygons)
    g = graph if graph is not None else adjacency(polygons)
    join_islands(g, polygons)
    k = max(1, min(k, n))
    centres = shapely.get_coordinates(shapely.centroid(np.asarray(polygons, dtype=object)))
    hh = np.asarray(households, dtype=float)
    region, load = grow(g, centres, hh, k)
    area = np.asarray([p.area for p in polygons])
    perim = np.asarray([p.length for p in polygons])
    return rebalance(Regions(g, region, load, hh, area, perim), float(hh.sum() / k), rounds)
