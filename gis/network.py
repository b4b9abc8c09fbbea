"""The walkable street graph as arrays: snapping points onto it, splitting edges, shortest paths.

Pure: no database here (``gis/network_store.py`` loads a network from PostGIS). Coordinates are
metric (the jurisdiction's UTM zone), lengths in metres. Nodes are numbered ``0..n-1``; edges are
numbered ``0..m-1`` and remember the street edge they come from (``parent``) and which stretch of
it they are (``frac0``..``frac1``), so a network split at snapped points still names real streets.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, overload

import numpy as np
import numpy.typing as npt
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from gis.errors import InvalidInput
from gis.i18n import msg

# What scipy's shortest paths give: metres to each node, and node numbers (predecessors, sources, labels).
Distances = npt.NDArray[np.float64]
Nodes = npt.NDArray[np.int32]


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for allocation-heavy work (a walk of a tuple per step,
    a geometry per street): on a big network, the collections those allocations trigger cost
    more than the work itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@dataclass(frozen=True)
class Snap:
    """Where a point meets the network: edge ``edge`` at fraction ``t`` from its ``u`` end."""

    edge: int
    t: float
    offset_m: float


@dataclass
class StreetNetwork:
    """An undirected multigraph of walkable streets."""

    u: npt.NDArray[np.int64]            # (m,) start node of each edge
    v: npt.NDArray[np.int64]            # (m,) end node
    length: npt.NDArray[np.float64]     # (m,) metres
    node_xy: npt.NDArray[np.float64]    # (n, 2) metric coordinates
    geoms: npt.NDArray[np.object_]      # (P,) shapely LineStrings of the parent edges, metric, u → v
    parent: npt.NDArray[np.int64]       # (m,) index into ``geoms`` / ``edge_ids``
    edge_ids: npt.NDArray[np.int64]     # (P,) database ids of the parent edges
    names: list[str | None]             # (P,) street names of the parent edges
    # (m,) where each edge starts and ends along its parent (empty: whole edges)
    frac0: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    frac1: npt.NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    _csr: csr_matrix | None = field(default=None, repr=False)
    _best: dict[tuple[int, int], int] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        m = len(self.u)
        if not len(self.frac0):  # not given: each edge is its parent, whole
            self.frac0 = np.zeros(m)
        if not len(self.frac1):
            self.frac1 = np.ones(m)

    @classmethod
    def from_lines(cls, lines: Iterable[BaseGeometry], edge_ids: npt.ArrayLike | None = None,
                   names: Iterable[str | None] | None = None, node_tolerance: float = 1e-6) -> StreetNetwork:
        """Build a network from metric LineStrings; end points closer than ``node_tolerance`` meet."""
        geoms = np.asarray(list(lines), dtype=object)
        if len(geoms) == 0:
            raise InvalidInput(msg("the street network is empty"))
        starts = shapely.get_coordinates(shapely.get_point(geoms, 0))
        ends = shapely.get_coordinates(shapely.get_point(geoms, -1))
        ends_xy = np.vstack([starts, ends])
        key = np.round(ends_xy / node_tolerance).astype(np.int64)
        uniq, inverse = np.unique(key, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        node_xy = np.zeros((len(uniq), 2))
        node_xy[inverse] = ends_xy
        m = len(geoms)
        ids = np.arange(m) if edge_ids is None else np.asarray(edge_ids)
        return cls(u=inverse[:m], v=inverse[m:], length=shapely.length(geoms), node_xy=node_xy,
                   geoms=geoms, parent=np.arange(m), edge_ids=ids,
                   names=list(names) if names is not None else [None] * m)

    @property
    def n_nodes(self) -> int:
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        return len(self.u)

    def graph(self) -> csr_matrix:
        """Symmetric sparse adjacency with the shortest of any parallel edges (no self-loops)."""
        if self._csr is None:
            keep = self.u != self.v
            u, v, w = self.u[keep], self.v[keep], self.length[keep]
            # coo → csr sums duplicates, so take the minimum per pair first.
            a, b = np.minimum(u, v), np.maximum(u, v)
            order = np.lexsort((w, b, a))
            a, b, w = a[order], b[order], w[order]
            first = np.ones(len(a), dtype=bool)
            first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
            a, b, w = a[first], b[first], w[first]
            n = self.n_nodes
            self._csr = coo_matrix((np.concatenate([w, w]), (np.concatenate([a, b]),
                                    np.concatenate([b, a]))), shape=(n, n)).tocsr()
        return self._csr

    def components(self) -> Nodes:
        """The connected piece each node belongs to (labels ``0..k-1``)."""
        labels: Nodes = connected_components(self.graph(), directed=False)[1]
        return labels

    @overload
    def distances(self, sources: npt.ArrayLike, limit: float = ..., predecessors: Literal[False] = ...,
                  min_only: bool = ...) -> Distances: ...

    @overload
    def distances(self, sources: npt.ArrayLike, limit: float = ..., *, predecessors: Literal[True],
                  min_only: Literal[False] = ...) -> tuple[Distances, Nodes]: ...

    @overload
    def distances(self, sources: npt.ArrayLike, limit: float = ..., *, predecessors: Literal[True],
                  min_only: Literal[True]) -> tuple[Distances, Nodes, Nodes]: ...

    def distances(self, sources: npt.ArrayLike, limit: float = np.inf, predecessors: bool = False,
                  min_only: bool = False) -> Distances | tuple[Distances, Nodes] | tuple[Distances, Nodes, Nodes]:
        """Walking distances from each of ``sources`` to every node (``inf`` when unreachable),
        with each node's predecessor on its shortest path (``predecessors``; -9999 for none); with
        ``min_only``, from the nearest of them (and, with ``predecessors``, which source that is)."""
        out: Distances | tuple[Distances, Nodes] | tuple[Distances, Nodes, Nodes] = dijkstra(
            self.graph(), directed=False, indices=sources, limit=limit, return_predecessors=predecessors,
            min_only=min_only)
        return out

    def edge_between(self, a: int, b: int) -> int:
        """The shortest edge joining nodes ``a`` and ``b``."""
        if self._best is None:
            best: dict[tuple[int, int], int] = {}
            for e in np.argsort(-self.length, kind="stable").tolist():  # shortest written last
                a_, b_ = int(self.u[e]), int(self.v[e])
                best[(min(a_, b_), max(a_, b_))] = e
            self._best = best
        try:
            return self._best[(min(a, b), max(a, b))]
        except KeyError:
            raise ValueError(msg("no edge between nodes {0} and {1}", a, b)) from None

    def path_edges(self, pred_row: np.ndarray, target: int) -> list[tuple[int, bool]]:
        """The edges of the shortest path ending at ``target`` (from a predecessor row), in order,
        each with ``True`` when walked from its ``u`` end."""
        out: list[tuple[int, bool]] = []
        node = target
        while pred_row[node] >= 0:
            prev = int(pred_row[node])
            e = self.edge_between(prev, node)
            out.append((e, int(self.u[e]) == prev))
            node = prev
        out.reverse()
        return out

    # --- snapping -------------------------------------------------------------------------

    def snap(self, points_xy: np.ndarray, max_distance: float) -> list[Snap | None]:
        """The nearest point of the network for each point; ``None`` beyond ``max_distance``."""
        pts = shapely.points(np.asarray(points_xy, dtype=float).reshape(-1, 2))
        return self.snap_geoms(pts, max_distance)

    def snap_geoms(self, geoms: Sequence[BaseGeometry] | npt.NDArray[np.object_],
                   max_distance: float) -> list[Snap | None]:
        """Where each geometry (a point, a footprint) comes nearest to the network; ``None``
        beyond ``max_distance``."""
        geoms = np.asarray(geoms, dtype=object)
        lines = self.edge_geoms()
        tree = shapely.STRtree(lines)
        idx_g, idx_lines = tree.query_nearest(geoms, max_distance=max_distance, all_matches=False)
        out: list[Snap | None] = [None] * len(geoms)
        if len(idx_g) == 0:
            return out
        link = shapely.shortest_line(geoms[idx_g], lines[idx_lines])
        on_line = shapely.get_point(link, 1)
        ts = shapely.line_locate_point(lines[idx_lines], on_line, normalized=True)
        gaps = shapely.length(link)
        for i, e, t, gap in zip(idx_g.tolist(), idx_lines.tolist(), ts.tolist(), gaps.tolist(),
                                strict=True):
            out[i] = Snap(edge=e, t=float(np.clip(t, 0.0, 1.0)), offset_m=float(gap))
        return out

    def edge_geoms(self) -> np.ndarray:
        """Metric LineStrings of the edges (pieces of their parents where split)."""
        whole = (self.frac0 == 0) & (self.frac1 == 1)
        out = self.geoms[self.parent].copy()
        for i in np.flatnonzero(~whole):
            out[i] = substring(self.geoms[self.parent[i]], self.frac0[i], self.frac1[i],
                                           normalized=True)
        return out

    def piece(self, edge: int, forward: bool = True) -> BaseGeometry:
        """The metric LineString of ``edge``, oriented in the walking direction."""
        line = self.geoms[self.parent[edge]]
        f0, f1 = float(self.frac0[edge]), float(self.frac1[edge])
        if (f0, f1) != (0.0, 1.0):
            line = substring(line, f0, f1, normalized=True)
        return line if forward else shapely.reverse(line)

    def split_at(self, snaps: list[Snap]) -> tuple[StreetNetwork, list[int]]:
        """A copy with a node at every snapped point (edges cut there); the node of each snap.

        A snap at an edge's end uses that end's node; snaps at the same place share a node.
        """
        by_edge: dict[int, list[tuple[float, int]]] = {}
        node_of = [-1] * len(snaps)
        eps = 1e-9
        for i, s in enumerate(snaps):
            if s.t <= eps:
                node_of[i] = int(self.u[s.edge])
            elif s.t >= 1 - eps:
                node_of[i] = int(self.v[s.edge])
            else:
                by_edge.setdefault(s.edge, []).append((s.t, i))
        u, v = self.u.tolist(), self.v.tolist()
        length, parent = self.length.tolist(), self.parent.tolist()
        f0, f1 = self.frac0.tolist(), self.frac1.tolist()
        new_xy = []
        n = self.n_nodes
        drop = set()
        for e, cuts in by_edge.items():
            drop.add(e)
            ts = sorted({round(t, 12) for t, _ in cuts})
            node_at = {}
            for t in ts:
                line = self.piece(e)
                pt = shapely.line_interpolate_point(line, t, normalized=True)
                node_at[t] = n
                new_xy.append(shapely.get_coordinates(pt)[0])
                n += 1
            for t, i in cuts:
                node_of[i] = node_at[round(t, 12)]
            bounds = [0.0, *ts, 1.0]
            ends = [int(self.u[e]), *[node_at[t] for t in ts], int(self.v[e])]
            span = f1[e] - f0[e]
            for k in range(len(bounds) - 1):
                u.append(ends[k])
                v.append(ends[k + 1])
                length.append(length[e] * (bounds[k + 1] - bounds[k]))
                parent.append(parent[e])
                f0.append(f0[e] + span * bounds[k])
                f1.append(f0[e] + span * bounds[k + 1])
        keep = [i for i in range(len(u)) if i not in drop]
        pick = np.asarray(keep, dtype=np.int64)
        net = StreetNetwork(
            u=np.asarray(u)[pick], v=np.asarray(v)[pick], length=np.asarray(length)[pick],
            node_xy=np.vstack([self.node_xy, *new_xy]) if new_xy else self.node_xy.copy(),
            geoms=self.geoms, parent=np.asarray(parent)[pick], edge_ids=self.edge_ids,
            names=self.names, frac0=np.asarray(f0)[pick], frac1=np.asarray(f1)[pick])
        return net, node_of

    def subset(self, keep: np.ndarray) -> StreetNetwork:
        """The same nodes with only the edges where ``keep`` is true."""
        return StreetNetwork(u=self.u[keep], v=self.v[keep], length=self.length[keep],
                             node_xy=self.node_xy, geoms=self.geoms, parent=self.parent[keep],
                             edge_ids=self.edge_ids, names=self.names, frac0=self.frac0[keep],
                             frac1=self.frac1[keep])
