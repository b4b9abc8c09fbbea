"""Walking distance from every building to its nearest facility, along the streets.

One multi-source Dijkstra from all facilities at once (each facility a node where it meets the
street, the network cut there) gives every node its distance to the nearest facility and which
facility that is. A building meets the street at some point of an edge (a, b) at fraction t;
its distance is min(d[a] + t·L, d[b] + (1 − t)·L) plus the few metres from the street to its
entrance and from the street to the facility — vectorised over all buildings, no per-building
search. A building with no facility on its piece of the network is unreachable (distance inf).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from gis.network import Distances, Nodes, Snap, StreetNetwork


@dataclass
class Nearest:
    """For each building: distance (m, inf when unreachable), facility index (-1), and the node
    of its street it leaves by (for the path)."""

    distance: np.ndarray
    facility: np.ndarray
    via: np.ndarray
    node_distance: np.ndarray   # nearest-facility distance of every node (for service areas)
    node_facility: np.ndarray
    predecessors: np.ndarray


def nearest_facilities(net: StreetNetwork, facility_nodes: list[int], facility_offset: np.ndarray,
                       building_snaps: list[Snap | None], inside: np.ndarray | None = None) -> Nearest:
    """Distances from the buildings (snapped on ``net``) to the nearest of the facilities.

    ``facility_offset``: metres from each facility to its street. ``inside``: per building, the
    index of a facility housed in it (distance 0), or -1.
    """
    nodes = np.asarray(facility_nodes, dtype=np.int64)
    # Several facilities may meet the streets at one node: Dijkstra starts from each node once,
    # from the facility nearest to its street.
    order = np.lexsort((np.asarray(facility_offset), nodes))
    first = np.ones(len(order), dtype=bool)
    first[1:] = nodes[order][1:] != nodes[order][:-1]
    src = order[first]
    # A facility's own metres to the street are added by seeding Dijkstra with them: a virtual
    # source joined to each facility node by an edge of that length.
    n = net.n_nodes
    dist, pred, source = _seeded_dijkstra(net, nodes[src], np.asarray(facility_offset)[src])
    fac_of_node = np.full(n, -1, dtype=np.int64)
    fac_of_node[nodes[src]] = src
    node_fac = np.where(source >= 0, fac_of_node[np.maximum(source, 0)], -1)

    m = len(building_snaps)
    ok = np.array([s is not None for s in building_snaps], dtype=bool)
    e = np.array([s.edge if s else 0 for s in building_snaps], dtype=np.int64)
    t = np.array([s.t if s else 0.0 for s in building_snaps])
    off = np.array([s.offset_m if s else 0.0 for s in building_snaps])
    a, b, length = net.u[e], net.v[e], net.length[e]
    via_a = dist[a] + t * length
    via_b = dist[b] + (1 - t) * length
    use_a = via_a <= via_b
    d = np.where(use_a, via_a, via_b) + off
    via = np.where(use_a, a, b)
    fac = node_fac[via]
    d = np.where(ok & np.isfinite(d), d, np.inf)
    fac = np.where(np.isfinite(d), fac, -1)
    if inside is not None:
        housed = np.asarray(inside) >= 0
        d = np.where(housed, 0.0, d)
        fac = np.where(housed, inside, fac)
        via = np.where(housed, -1, via)
    via = np.where(np.isfinite(d) & (via >= 0), via, -1) if m else via
    return Nearest(d, fac, via, dist, node_fac, pred)


def _seeded_dijkstra(net: StreetNetwork, sources: npt.NDArray[np.int64], seed: npt.NDArray[np.float64]
                     ) -> tuple[Distances, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Multi-source Dijkstra where source i starts at distance ``seed[i]``: a virtual node joined
    to each source by an edge of its seed length (a tiny positive length for zero)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    g = net.graph().tocoo()
    n = net.n_nodes
    w = np.maximum(seed, 1e-9)
    rows = np.concatenate([g.row, np.full(len(sources), n), sources])
    cols = np.concatenate([g.col, sources, np.full(len(sources), n)])
    data = np.concatenate([g.data, w, w])
    full = coo_matrix((data, (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    dist: Distances
    pred: Nodes
    dist, pred = dijkstra(full, directed=False, indices=n, return_predecessors=True)
    parent = pred[:n].astype(np.int64)  # -9999 where unreachable, n where a source
    # Each node's source is the node where its shortest path leaves the virtual node: follow
    # parents up by pointer jumping (each round doubles the distance climbed).
    own = np.arange(n)
    up = np.where((parent == n) | (parent < 0), own, parent)
    while True:
        nxt = up[up]
        if np.array_equal(nxt, up):
            break
        up = nxt
    label = np.where(np.isfinite(dist[:n]), up, -1)
    return dist[:n], parent, label


def path_to_facility(net: StreetNetwork, nearest: Nearest, building: int) -> list[tuple[int, bool]]:
    """The edges from a building's street node to its facility (in walking order)."""
    node = int(nearest.via[building])
    steps = []
    pred = nearest.predecessors
    n = net.n_nodes
    while node >= 0 and 0 <= pred[node] < n:
        prev = int(pred[node])
        e = net.edge_between(prev, node)
        steps.append((e, int(net.u[e]) == node))
        node = prev
    return steps


def cost_matrix(net: StreetNetwork, site_nodes: list[int], site_offset: npt.ArrayLike,
                building_snaps: list[Snap | None]) -> npt.NDArray[np.float64]:
    """Walking distance from every building (rows) to every site (columns); ``inf`` where there
    is no way. One Dijkstra per site."""
    d = np.atleast_2d(net.distances(np.asarray(site_nodes, dtype=np.int64)))
    ok = np.array([s is not None for s in building_snaps], dtype=bool)
    e = np.array([s.edge if s else 0 for s in building_snaps], dtype=np.int64)
    t = np.array([s.t if s else 0.0 for s in building_snaps])
    off = np.array([s.offset_m if s else 0.0 for s in building_snaps])
    length = net.length[e]
    via_a = d[:, net.u[e]] + t * length
    via_b = d[:, net.v[e]] + (1 - t) * length
    cost: npt.NDArray[np.float64] = (np.minimum(via_a, via_b) + off).T + np.asarray(site_offset)[None, :]
    cost[~ok] = np.inf
    return cost
