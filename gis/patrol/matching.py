"""Map matching: which streets a noisy GPS track walked (hidden Markov model, Newson & Krumm).

Each GPS point could lie on any street within ``radius_m``; the likeliest sequence of positions
weighs how far each point is from its street (Gaussian, ``sigma_m``) against how much the walk
along the streets between two positions differs from the straight line between the two points
(exponential, ``beta_m``). The Viterbi path is then walked along the network, and what counts is
the metres of each street covered. A track with GPS noise of 10–20 m still matches its streets;
a point with no street near it is left out, and a track mostly far from the streets is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from gis.errors import InvalidInput
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


def _thin(xy: np.ndarray, min_step: float) -> np.ndarray:
    keep = [0]
    for i in range(1, len(xy)):
        if np.hypot(*(xy[i] - xy[keep[-1]])) >= min_step:
            keep.append(i)
    return xy[keep]


def _union_length(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, -np.inf
    for a, b in sorted(intervals):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def match_track(net: StreetNetwork, xy: np.ndarray, params: Params = Params()) -> Match:
    """Match metric points (in walking order) to the streets of ``net``."""
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    n_raw = len(xy)
    if n_raw < 2:
        raise InvalidInput("a track needs at least two points")
    pts = _thin(xy, params.min_step_m)
    lines = net.edge_geoms()
    tree = shapely.STRtree(lines)
    geoms = shapely.points(pts)
    pi, ei = tree.query(geoms, predicate="dwithin", distance=params.radius_m)
    dist = shapely.distance(geoms[pi], lines[ei])
    cands: list[list[tuple[int, float, float]]] = [[] for _ in pts]  # (edge, t, distance)
    ts = shapely.line_locate_point(lines[ei], geoms[pi], normalized=True)
    for p, e, d, t in zip(pi.tolist(), ei.tolist(), dist.tolist(), ts.tolist(), strict=True):
        cands[p].append((e, t, d))
    for i, c in enumerate(cands):
        cands[i] = sorted(c, key=lambda x: x[2])[: params.candidates]
    matched = [i for i, c in enumerate(cands) if c]
    if len(matched) < max(2, 0.5 * len(pts)):
        far = float(np.median(shapely.distance(geoms, shapely.union_all(lines))))
        raise InvalidInput(f"the track lies away from the streets: {len(pts) - len(matched)} of "
                           f"{len(pts)} points are more than {params.radius_m:g} m from any street "
                           f"(median distance {far:.0f} m)")
    # Shortest distances between the end nodes of all candidate edges.
    ends = sorted({int(x) for i in matched for e, _, _ in cands[i] for x in (net.u[e], net.v[e])})
    row = {node: k for k, node in enumerate(ends)}
    dmat, pred = net.distances(ends, predecessors=True)
    length = net.length

    def along(e1, t1, e2, t2) -> tuple[float, int, int]:
        """Network distance between two positions, and the end nodes it leaves and enters by."""
        if e1 == e2:
            return abs(t2 - t1) * length[e1], -1, -1
        best = (np.inf, -1, -1)
        for a, da in ((int(net.u[e1]), t1 * length[e1]), (int(net.v[e1]), (1 - t1) * length[e1])):
            for b, db in ((int(net.u[e2]), t2 * length[e2]), (int(net.v[e2]), (1 - t2) * length[e2])):
                total = da + dmat[row[a], b] + db
                if total < best[0]:
                    best = (total, a, b)
        return best

    # Viterbi, in segments: a break (no way between two points) starts a new segment.
    seq = [cands[i] for i in matched]
    seq_xy = pts[matched]
    segments: list[list[tuple[int, float]]] = []
    score = np.array([-0.5 * (d / params.sigma_m) ** 2 for _, _, d in seq[0]])
    back: list[np.ndarray] = [np.full(len(seq[0]), -1)]
    start = 0
    for k in range(1, len(seq) + 1):
        if k < len(seq):
            gc = float(np.hypot(*(seq_xy[k] - seq_xy[k - 1])))
            trans = np.full((len(seq[k - 1]), len(seq[k])), -np.inf)
            for a, (e1, t1, _) in enumerate(seq[k - 1]):
                for b, (e2, t2, _) in enumerate(seq[k]):
                    d, _, _ = along(e1, t1, e2, t2)
                    if np.isfinite(d):
                        trans[a, b] = -abs(d - gc) / params.beta_m
            emit = np.array([-0.5 * (d / params.sigma_m) ** 2 for _, _, d in seq[k]])
            total = score[:, None] + trans
            if np.isfinite(total).any():
                back.append(np.argmax(total, axis=0))
                score = total.max(axis=0) + emit
                continue
        # close the segment [start, k)
        j = int(np.argmax(score))
        states = []
        for m in range(k - 1, start - 1, -1):
            states.append((seq[m][j][0], seq[m][j][1]))
            j = int(back[m - start][j]) if m > start else j
        segments.append(states[::-1])
        if k < len(seq):
            start = k
            score = np.array([-0.5 * (d / params.sigma_m) ** 2 for _, _, d in seq[k]])
            back = [np.full(len(seq[k]), -1)]

    intervals: dict[int, list[tuple[float, float]]] = {}
    for states in segments:
        for (e1, t1), (e2, t2) in zip(states[:-1], states[1:], strict=True):
            d, a, b = along(e1, t1, e2, t2)
            if not np.isfinite(d):
                continue
            if e1 == e2:
                intervals.setdefault(e1, []).append((min(t1, t2), max(t1, t2)))
                continue
            intervals.setdefault(e1, []).append((0.0, t1) if a == int(net.u[e1]) else (t1, 1.0))
            intervals.setdefault(e2, []).append((0.0, t2) if b == int(net.u[e2]) else (t2, 1.0))
            for e, _ in net.path_edges(pred[row[a]], b):
                intervals.setdefault(e, []).append((0.0, 1.0))
    walked = {e: _union_length(iv) * float(length[e]) for e, iv in intervals.items()}
    return Match({e: w for e, w in walked.items() if w > 0}, n_raw, len(matched))
