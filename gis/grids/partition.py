"""Group contiguous units into k grids balanced on households, preferring compact grids.

Seeds far apart (households-weighted farthest points), regions grown from them always feeding
the lightest region a neighbouring unit, then local search in the manner of redistricting tools:
a unit on a region's edge moves to the neighbouring region when that lowers the squared
deviations from the target (compactness breaks ties) and leaves both regions contiguous.
Pure: unit polygons and households in, a region index per unit out.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import shapely


def adjacency(polygons: list, min_shared_m: float = 1.0) -> nx.Graph:
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


def polsby_popper(geom) -> float:
    """Compactness: 4πA / P² (1 for a circle)."""
    per = geom.length
    return 4 * math.pi * geom.area / (per * per) if per else 0.0


def _seeds(centres: np.ndarray, weights: np.ndarray, k: int) -> list[int]:
    first = int(np.argmax(weights)) if weights.any() else 0
    seeds = [first]
    d = np.linalg.norm(centres - centres[first], axis=1)
    for _ in range(k - 1):
        nxt = int(np.argmax(d))
        seeds.append(nxt)
        d = np.minimum(d, np.linalg.norm(centres - centres[nxt], axis=1))
    return seeds


def partition(polygons: list, households: np.ndarray, k: int, graph: nx.Graph | None = None,
              rounds: int = 200) -> np.ndarray:
    """A region (0..k-1) for each unit; every region contiguous."""
    n = len(polygons)
    g = graph if graph is not None else adjacency(polygons)
    comps = list(nx.connected_components(g))
    if len(comps) > 1:  # islands (e.g. split by a river with no shared edge): join to the nearest
        for c in comps[1:]:
            a = min(c)
            b = min(comps[0], key=lambda j: polygons[a].distance(polygons[j]))
            g.add_edge(a, b, weight=0.0)
    k = max(1, min(k, n))
    centres = shapely.get_coordinates(shapely.centroid(np.asarray(polygons, dtype=object)))
    hh = np.asarray(households, dtype=float)
    region = np.full(n, -1, dtype=np.int64)
    load = np.zeros(k)
    for r, s in enumerate(_seeds(centres, hh, k)):
        region[s] = r
        load[r] += hh[s]
    while (region < 0).any():
        grew = False
        for r in np.argsort(load).tolist():
            frontier = {j for i in np.flatnonzero(region == r).tolist() for j in g[i] if region[j] < 0}
            if frontier:
                pick = min(frontier, key=lambda j: np.linalg.norm(centres[j] - centres[region == r].mean(axis=0)))
                region[pick] = r
                load[r] += hh[pick]
                grew = True
                break
        if not grew:
            break
    target = hh.sum() / k
    area = np.asarray([p.area for p in polygons])
    perim = np.asarray([p.length for p in polygons])
    r_area = np.bincount(region, weights=area, minlength=k)
    r_perim = np.bincount(region, weights=perim, minlength=k)
    for i, j, w in g.edges(data="weight"):
        if region[i] == region[j]:
            r_perim[region[i]] -= 2 * w

    def shared(i: int, r: int) -> float:
        return sum(w for j, w in ((j, g[i][j]["weight"]) for j in g[i]) if region[j] == r and j != i)

    def pp(a_: float, p_: float) -> float:
        return 4 * math.pi * a_ / (p_ * p_) if p_ > 0 else 0.0

    rng = np.random.default_rng(0)
    for _ in range(rounds):
        improved = False
        for i in rng.permutation(n).tolist():
            a = int(region[i])
            for b in {int(region[j]) for j in g[i]} - {a}:
                before = (load[a] - target) ** 2 + (load[b] - target) ** 2
                after = (load[a] - hh[i] - target) ** 2 + (load[b] + hh[i] - target) ** 2
                sa, sb = shared(i, a), shared(i, b)
                pa, pb = r_perim[a] - perim[i] + 2 * sa, r_perim[b] + perim[i] - 2 * sb
                if after > before + 1e-9:
                    continue
                if after > before - 1e-9:  # a tie on households: move only to be more compact
                    now = min(pp(r_area[a], r_perim[a]), pp(r_area[b], r_perim[b]))
                    then = min(pp(r_area[a] - area[i], pa), pp(r_area[b] + area[i], pb))
                    if then <= now + 1e-6:
                        continue
                rest = [j for j in np.flatnonzero(region == a).tolist() if j != i]
                if not rest or not nx.is_connected(g.subgraph(rest)):
                    continue
                region[i] = b
                load[a] -= hh[i]
                load[b] += hh[i]
                r_area[a] -= area[i]
                r_area[b] += area[i]
                r_perim[a], r_perim[b] = pa, pb
                improved = True
                break
        if not improved:
            break
    return region
