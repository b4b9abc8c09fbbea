"""Map matching: which streets a noisy GPS track walked (hidden Markov model, Newson & Krumm).

Each GPS point could lie on any street within ``radius_m``; the likeliest sequence of positions
weighs how far each point is from its street (Gaussian, ``sigma_m``) against how much the walk
along the streets between two positions differs from the straight line between the two points
(exponential, ``beta_m``). The Viterbi path is then walked along the network, and what counts is
the metres of each street covered. A track with GPS noise of 10–20 m still matches its streets;
a point with no street near it is left out, and a track mostly far from the streets is refused.

Steps (:func:`match_track` runs them): :func:`candidates` for each point, :func:`viterbi` over
them with :class:`Walks` (network distances between positions), :func:`walked_intervals` along
the path it finds, and the union of each street's intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

from gis.errors import InvalidInput
from gis.i18n import msg
from gis.network import StreetNetwork


@dataclass
class Match:
    walked_m: dict[int, float]  # edge index → metres walked (intervals merged)
    points: int
    matched_points: int


@dataclass(frozen=True)
class Params:
    sigma_m: float = 20.0      # GPS error (emission)
    beta_m: float = 25.0       # how much a walk may differ from the straight line (transition)
    radius_m: float = 60.0     # streets farther than this from a point are not candidates
    candidates: int = 6
    min_step_m: float = 20.0   # thin the track to points at least this far apart


def _thin(xy: npt.NDArray[np.float64], min_step: float) -> npt.NDArray[np.float64]:
    """The points at least ``min_step`` metres from the last one kept (the first always kept)."""
    keep = [0]
    for i in range(1, len(xy)):
        if np.hypot(*(xy[i] - xy[keep[-1]])) >= min_step:
            keep.append(i)
    return xy[keep]


def _union_length(intervals: list[tuple[float, float]]) -> float:
    """The length of the union of intervals (fractions of an edge)."""
    total, end = 0.0, -np.inf
    for a, b in sorted(intervals):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


Candidate = tuple[int, float, float]  # a position a point may be at: (edge, fraction along it, metres off)
Position = tuple[int, float]  # (edge, fraction along it)


def candidates(lines: npt.NDArray[np.object_], pts: npt.NDArray[np.float64],
               params: Params) -> list[list[Candidate]]:
    """For each point, the nearest ``params.candidates`` positions on the streets ``lines``
    within ``params.radius_m`` (nearest first; none for a point far from every street)."""
    tree = shapely.STRtree(lines)
    geoms = shapely.points(pts)
    pi, ei = tree.query(geoms, predicate="dwithin", distance=params.radius_m)
    dist = shapely.distance(geoms[pi], lines[ei])
    ts = shapely.line_locate_point(lines[ei], geoms[pi], normalized=True)
    cands: list[list[Candidate]] = [[] for _ in pts]
    for p, e, d, t in zip(pi.tolist(), ei.tolist(), dist.tolist(), ts.tolist(), strict=True):
        cands[p].append((e, t, d))
    return [sorted(c, key=lambda x: x[2])[: params.candidates] for c in cands]


def _refuse_far_track(lines: npt.NDArray[np.object_], pts: npt.NDArray[np.float64], matched: list[int],
                      params: Params) -> None:
    """A track with fewer than half its points (or two) near a street is not a walk of these streets."""
    if len(matched) < max(2, 0.5 * len(pts)):
        far = float(np.median(shapely.distance(shapely.points(pts), shapely.union_all(lines))))
        raise InvalidInput(msg("the track lies away from the streets: {0} of {1} points are more than {2:g} m from "
                               "any street (median distance {3:.0f} m)",
                               len(pts) - len(matched), len(pts), params.radius_m, far))


class Walks:
    """Walking distances along the network between positions on the candidate edges (shortest
    paths between all their end nodes, computed once)."""

    def __init__(self, net: StreetNetwork, cands: list[list[Candidate]]) -> None:
        self.net = net
        ends = sorted({int(x) for c in cands for e, _, _ in c for x in (net.u[e], net.v[e])})
        self.row = {node: k for k, node in enumerate(ends)}
        self.dmat, self.pred = net.distances(ends, predecessors=True)

    def between(self, e1: int, t1: float, e2: int, t2: float) -> tuple[float, int, int]:
        """Network distance between two positions, and the end nodes it leaves and enters by
        (-1, -1 along one edge; ``inf`` when there is no way)."""
        net, length = self.net, self.net.length
        if e1 == e2:
            return abs(t2 - t1) * length[e1], -1, -1
        best = (np.inf, -1, -1)
        for a, da in ((int(net.u[e1]), t1 * length[e1]), (int(net.v[e1]), (1 - t1) * length[e1])):
            for b, db in ((int(net.u[e2]), t2 * length[e2]), (int(net.v[e2]), (1 - t2) * length[e2])):
                total = da + self.dmat[self.row[a], b] + db
                if total < best[0]:
                    best = (total, a, b)
        return best

    def path_edges(self, a: int, b: int) -> list[tuple[int, bool]]:
        """The edges of the shortest path from end node ``a`` to node ``b``."""
        return self.net.path_edges(self.pred[self.row[a]], b)


def _emission(cands: list[Candidate], sigma_m: float) -> npt.NDArray[np.float64]:
    """Log-likelihood of each candidate from its distance to the point (Gaussian GPS error)."""
    return np.array([-0.5 * (d / sigma_m) ** 2 for _, _, d in cands])


def _transition(before: list[Candidate], after: list[Candidate], straight_m: float, walks: Walks,
                beta_m: float) -> npt.NDArray[np.float64]:
    """Log-likelihood of each step between candidates of consecutive points: how much the walk
    along the streets differs from the straight line between the points (``-inf``: no way)."""
    trans = np.full((len(before), len(after)), -np.inf)
    for a, (e1, t1, _) in enumerate(before):
        for b, (e2, t2, _) in enumerate(after):
            d, _, _ = walks.between(e1, t1, e2, t2)
            if np.isfinite(d):
                trans[a, b] = -abs(d - straight_m) / beta_m
    return trans


def _backtrack(seq: list[list[Candidate]], back: list[npt.NDArray[np.int64]], score: npt.NDArray[np.float64],
               start: int, stop: int) -> list[Position]:
    """The likeliest positions of points ``start..stop-1``, from the back pointers of Viterbi."""
    j = int(np.argmax(score))
    states = []
    for m in range(stop - 1, start - 1, -1):
        states.append((seq[m][j][0], seq[m][j][1]))
        j = int(back[m - start][j]) if m > start else j
    return states[::-1]


def viterbi(seq: list[list[Candidate]], xy: npt.NDArray[np.float64], walks: Walks,
            params: Params) -> list[list[Position]]:
    """The likeliest positions of the points (each with candidates), in segments: a break (no
    way along the streets between two points) starts a new segment."""
    segments: list[list[Position]] = []
    score = _emission(seq[0], params.sigma_m)
    back: list[npt.NDArray[np.int64]] = [np.full(len(seq[0]), -1)]
    start = 0
    for k in range(1, len(seq) + 1):
        if k < len(seq):
            gc = float(np.hypot(*(xy[k] - xy[k - 1])))
            total = score[:, None] + _transition(seq[k - 1], seq[k], gc, walks, params.beta_m)
            if np.isfinite(total).any():
                back.append(np.argmax(total, axis=0))
                score = total.max(axis=0) + _emission(seq[k], params.sigma_m)
                continue
        segments.append(_backtrack(seq, back, score, start, k))  # close the segment [start, k)
        if k < len(seq):
            start = k
            score = _emission(seq[k], params.sigma_m)
            back = [np.full(len(seq[k]), -1)]
    return segments


def walked_intervals(segments: list[list[Position]], walks: Walks) -> dict[int, list[tuple[float, float]]]:
    """The stretches of each edge walked between consecutive positions (fractions 0..1): along
    one edge, or out of the first, along the shortest path, into the second."""
    net = walks.net
    intervals: dict[int, list[tuple[float, float]]] = {}
    for states in segments:
        for (e1, t1), (e2, t2) in zip(states[:-1], states[1:], strict=True):
            d, a, b = walks.between(e1, t1, e2, t2)
            if not np.isfinite(d):
                continue
            if e1 == e2:
                intervals.setdefault(e1, []).append((min(t1, t2), max(t1, t2)))
                continue
            intervals.setdefault(e1, []).append((0.0, t1) if a == int(net.u[e1]) else (t1, 1.0))
            intervals.setdefault(e2, []).append((0.0, t2) if b == int(net.u[e2]) else (t2, 1.0))
            for e, _ in walks.path_edges(a, b):
                intervals.setdefault(e, []).append((0.0, 1.0))
    return intervals


def match_track(net: StreetNetwork, xy: npt.ArrayLike, params: Params = Params()) -> Match:
    """Match metric points (in walking order) to the streets of ``net``."""
    raw = np.asarray(xy, dtype=float).reshape(-1, 2)
    if len(raw) < 2:
        raise InvalidInput(msg("a track needs at least two points"))
    pts = _thin(raw, params.min_step_m)
    if len(pts) < 2:
        raise InvalidInput(msg("the track moves less than {0:g} m from its first point: too short to match to the "
                               "streets", params.min_step_m))
    lines = net.edge_geoms()
    cands = candidates(lines, pts, params)
    matched = [i for i, c in enumerate(cands) if c]
    _refuse_far_track(lines, pts, matched, params)
    seq = [cands[i] for i in matched]
    walks = Walks(net, seq)
    intervals = walked_intervals(viterbi(seq, pts[matched], walks, params), walks)
    walked = {e: _union_length(iv) * float(net.length[e]) for e, iv in intervals.items()}
    return Match({e: w for e, w in walked.items() if w > 0}, len(raw), len(matched))
