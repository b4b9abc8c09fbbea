"""Route inspection (the Chinese postman problem) on an undirected street network, exactly.

A closed walk that covers every required edge is shortest when the edges walked twice form a
minimum-weight T-join of the nodes of odd degree: the union of the shortest paths of a
minimum-weight perfect matching of those nodes. ``pymatching`` finds that T-join directly on the
sparse street graph (sparse blossom), so no complete graph of shortest paths is ever built.
Lengths go to ``pymatching`` as whole millimetres, where it works in exact integer arithmetic: the
route is optimal for the lengths rounded to the millimetre.

When the required edges (a grid's streets) fall apart into pieces that are joined only through
other streets, joining them is the rural postman problem, NP-hard; the pieces are then joined
along a minimum spanning tree of shortest paths (Frederickson's heuristic), the result says it is
not proven optimal and ``lower_bound_m`` still bounds it from below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pymatching
from scipy.sparse import coo_matrix, csc_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

from gis.errors import InvalidInput
from gis.i18n import msg
from gis.network import StreetNetwork, no_gc

# pymatching refuses integer edge weights above this.
_MAX_WEIGHT = 16_777_215

Step = tuple[int, bool]  # (edge index, walked from its u end)


@dataclass
class Tour:
    """A closed walk from ``start`` over the network."""

    start: int
    steps: list[Step]
    length_m: float
    required_m: float
    lower_bound_m: float
    exact: bool
    unreachable: list[int] = field(default_factory=list)  # required edges off the start's piece
    required: list[int] = field(default_factory=list)     # the edges it had to cover

    def nodes(self, net: StreetNetwork) -> list[int]:
        """The node reached after each step."""
        return [int(net.v[e]) if fwd else int(net.u[e]) for e, fwd in self.steps]


def odd_nodes(net: StreetNetwork, edges: np.ndarray) -> np.ndarray:
    """Nodes of odd degree in the multigraph of ``edges`` (a self-loop adds two)."""
    deg = np.bincount(np.concatenate([net.u[edges], net.v[edges]]), minlength=net.n_nodes)
    return np.flatnonzero(deg % 2)


def min_t_join(net: StreetNetwork, terminals: np.ndarray) -> np.ndarray:
    """Edges of a minimum-weight T-join of ``terminals`` in ``net`` (each edge at most once).

    Every connected piece of the network must hold an even number of terminals.
    """
    if len(terminals) == 0:
        return np.zeros(0, dtype=np.int64)
    keep = np.flatnonzero(net.u != net.v)
    a = np.minimum(net.u[keep], net.v[keep])
    b = np.maximum(net.u[keep], net.v[keep])
    order = np.lexsort((net.length[keep], b, a))  # the shortest of parallel edges first
    first = np.ones(len(order), dtype=bool)
    first[1:] = (a[order][1:] != a[order][:-1]) | (b[order][1:] != b[order][:-1])
    chosen = keep[order[first]]
    unit = 1000.0  # millimetres; coarser only for streets longer than pymatching can weigh
    while net.length[chosen].max(initial=0) * unit > _MAX_WEIGHT:
        unit /= 10
    weights = np.maximum(np.rint(net.length[chosen] * unit), 1)
    k = len(chosen)
    incidence = csc_matrix((np.ones(2 * k, dtype=np.uint8),
                            (np.concatenate([net.u[chosen], net.v[chosen]]), np.tile(np.arange(k), 2))),
                           shape=(net.n_nodes, k))
    # No fault ids are tracked: the edges of the answer come back as node pairs.
    matching = pymatching.Matching.from_check_matrix(
        incidence, weights=weights, faults_matrix=csc_matrix((1, k), dtype=np.uint8))
    syndrome = np.zeros(net.n_nodes, dtype=np.uint8)
    syndrome[terminals] = 1
    pairs = np.asarray(matching.decode_to_edges_array(syndrome), dtype=np.int64)  # (k, 2) node pairs
    if len(pairs) == 0:
        return np.zeros(0, dtype=np.int64)
    # ``chosen`` is sorted by (a, b): find each answered pair in it.
    n = np.int64(net.n_nodes)
    keys = a[order[first]].astype(np.int64) * n + b[order[first]]
    lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    return chosen[np.searchsorted(keys, lo.astype(np.int64) * n + hi)]


def euler_circuit(net: StreetNetwork, edges: np.ndarray, start: int) -> list[Step]:
    """Hierholzer's algorithm: a closed walk from ``start`` using each of ``edges`` once.

    ``edges`` (indices, repeats allowed) must form a connected multigraph with even degrees.
    """
    with no_gc():
        return _euler(net, edges, start)


def _euler(net: StreetNetwork, edges: np.ndarray, start: int) -> list[Step]:
    m = len(edges)
    if m == 0:
        return []
    eu, ev = net.u[edges], net.v[edges]
    ends = np.concatenate([eu, ev])
    other = np.concatenate([ev, eu])
    slot = np.concatenate([np.arange(m), np.arange(m)])
    order = np.argsort(ends, kind="stable")
    ptr = np.searchsorted(ends[order], np.arange(net.n_nodes + 1)).tolist()
    adj_slot = slot[order].tolist()
    adj_other = other[order].tolist()
    eu_l = eu.tolist()
    pos = ptr[:-1]
    used = bytearray(m)
    stack: list[tuple[int, int, bool]] = [(start, -1, True)]
    out: list[tuple[int, int, bool]] = []
    while stack:
        node = stack[-1][0]
        p, end = pos[node], ptr[node + 1]
        while p < end and used[adj_slot[p]]:
            p += 1
        pos[node] = p
        if p == end:
            out.append(stack.pop())
        else:
            s = adj_slot[p]
            used[s] = 1
            stack.append((adj_other[p], s, eu_l[s] == node))
    if len(out) != m + 1:
        raise ValueError(msg("the edges do not form one connected piece with the start"))
    out.reverse()
    ids = np.asarray(edges).tolist()
    return [(ids[s], fwd) for _, s, fwd in out[1:]]


def _join_pieces(net: StreetNetwork, required: np.ndarray, start: int) -> np.ndarray:
    """Edges of shortest paths that join the pieces of ``required`` and the start (MST)."""
    sub = coo_matrix((np.ones(len(required)), (net.u[required], net.v[required])),
                     shape=(net.n_nodes, net.n_nodes))
    _, label = connected_components(sub, directed=False)
    touched = np.unique(np.concatenate([net.u[required], net.v[required], [start]]))
    pieces = np.unique(label[touched])
    if len(pieces) == 1:
        return np.zeros(0, dtype=np.int64)
    members = [touched[label[touched] == p] for p in pieces]
    k = len(pieces)
    dist = np.full((k, k), np.inf)
    reach: list[tuple[np.ndarray, np.ndarray]] = []
    for i, nodes in enumerate(members):
        d, pred, _ = net.distances(nodes, predecessors=True, min_only=True)
        reach.append((pred, d))
        for j, other in enumerate(members):
            if j != i:
                dist[i, j] = d[other].min()
    tree = minimum_spanning_tree(np.where(np.isfinite(dist), dist, 0)).tocoo()
    out: list[int] = []
    for i, j in zip(tree.row.tolist(), tree.col.tolist(), strict=True):
        pred, d = reach[i]
        target = members[j][np.argmin(d[members[j]])]
        out.extend(e for e, _ in net.path_edges(pred, int(target)))
    return np.asarray(out, dtype=np.int64)


def route_inspection(net: StreetNetwork, required: np.ndarray, start: int) -> Tour:
    """The shortest closed walk from ``start`` over every edge where ``required`` is true."""
    required = np.flatnonzero(required) if required.dtype == bool else np.asarray(required)
    if len(required) == 0:
        raise InvalidInput(msg("the area holds no walkable streets"))
    label = net.components()
    on_piece = label[net.u[required]] == label[start]
    unreachable = required[~on_piece]
    required = required[on_piece]
    if len(required) == 0:
        raise InvalidInput(msg("none of the area's streets can be reached from the start: they lie on another piece "
                               "of the street network"))
    join = min_t_join(net, odd_nodes(net, required))
    lower = float(net.length[required].sum() + net.length[join].sum())
    joins = _join_pieces(net, required, start)
    walked = np.concatenate([required, joins])
    if len(joins):
        join = min_t_join(net, odd_nodes(net, walked))
    every = np.concatenate([walked, join])
    steps = euler_circuit(net, every, start)
    length = float(net.length[every].sum())  # the circuit walks each of them once
    return Tour(start=start, steps=steps, length_m=length,
                required_m=float(net.length[required].sum()), lower_bound_m=lower,
                exact=len(joins) == 0, unreachable=unreachable.tolist(), required=required.tolist())
