"""Streets joined where they meet: lines being imported noded with one another and with the streets
stored already, and an end that stops a hair short of another street it does not cross (or of its
end) moved onto it.

A walkable network needs a node wherever two streets meet. A drawing's road lines run through one
another without one; a lane drawn to end "on" a street ends a few centimetres off it in floating
point; a second file's lanes cross the first file's streets. Each was a piece of its own, not
reachable from the office, and left out of every route without a word (a user's DXF lane across
丹桂西街; a T-junction drawn on 桂花中路). OSM's ways are noded already and are not changed: a
stored street is split only where a new line meets it (two stored streets crossing with no node —
a bridge over a road — stay apart).

Distances are measured as metres on the ground near the lines (a degree of longitude is shorter
than one of latitude away from the equator). Nothing shorter than ``MIN_PIECE_M`` is made: the
database keeps coordinates to 1e-7°, and a piece of millimetres would be none there.

Pure: WGS84 LineStrings in, pieces out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point

# Metres in a degree of latitude.
METRES_PER_DEGREE = 111_320.0
# The shortest piece a street is cut into (metres): an end this near a street it crosses (a lane
# drawn a few millimetres past a road) is put on it, not left as a stub.
MIN_PIECE_M = 0.05
# How near a line runs to another to lie along it (metres): twice what the database's 1e-7° rounds
# a coordinate by.
ALONG_M = 0.02


def ground_length(line: LineString) -> float:
    """A lon/lat line's length in metres, near enough for sharing a street's length among its
    pieces (a degree of longitude taken at the line's own latitude)."""
    xy = shapely.get_coordinates(line)
    scale = math.cos(math.radians(float(xy[:, 1].mean())))
    return float(np.hypot(np.diff(xy[:, 0]) * scale, np.diff(xy[:, 1])).sum() * METRES_PER_DEGREE)


@dataclass
class Noded:
    """What :func:`node_streets` made of the lines."""

    new: list[tuple[int, LineString]]                       # (which new line, a piece of it)
    stored: dict[int, list[LineString]] = field(default_factory=dict)  # a stored line split: its pieces
    joined: int = 0                                         # ends moved onto a street they stopped short of


def node_streets(new: list[LineString], stored: list[LineString], snap_m: float) -> Noded:
    """``new`` split wherever they cross or touch one another or a ``stored`` line, ends within
    ``snap_m`` of a street they do not cross put on it (on its end, when one is that near), a new
    line bent through a stored street's end that near it; the stored lines met by a new one in
    their middle split there, in order along them."""
    everything = list(new) + list(stored)
    if not everything:
        return Noded([])
    lat = float(np.mean(shapely.get_coordinates(everything)[:, 1]))
    # degrees of longitude here: no direction is under snap_m (north–south it is a little more)
    per_degree = METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.1)
    tol, tiny = snap_m / per_degree, MIN_PIECE_M / per_degree
    n = len(new)
    lines = [list(line.coords) for line in new]
    tree = shapely.STRtree(everything)

    def now(k: int) -> LineString:  # a line as it is now (a new one's ends may have moved)
        return LineString(lines[k]) if k < n else stored[k - n]

    def meets(i: int, k: int, at: Point) -> bool:  # an end of line i is to be put on line k
        return k != i and (not everything[i].intersects(everything[k]) or everything[k].distance(at) <= tiny)

    onto: dict[int, list[Point]] = {}   # points on a line, to be made vertices of it
    through: dict[int, list[Point]] = {}  # stored ends a new line is bent through
    joined = 0
    for i in range(n):
        for end in (0, -1):
            at = Point(lines[i][end])
            near = [int(k) for k in tree.query(at, predicate="dwithin", distance=tol) if meets(i, int(k), at)]
            ends = [Point(now(k).coords[e]) for k in near for e in (0, -1)]
            if not near or any(at.equals(p) for p in ends):
                continue  # alone, or met at an end already
            nearest_end = min(ends, key=at.distance)
            if nearest_end.distance(at) <= tol:
                lines[i][end] = nearest_end.coords[0]
            else:
                k = min(near, key=lambda k: now(k).distance(at))
                on = shapely.line_interpolate_point(now(k), shapely.line_locate_point(now(k), at))
                if on.equals(at):
                    onto.setdefault(k, []).append(on)
                    continue  # on it already: noded there as it is
                lines[i][end] = on.coords[0]
                onto.setdefault(k, []).append(on)
            joined += 1
    for k, line in enumerate(stored, start=n):
        for e in (0, -1):
            at = Point(line.coords[e])
            for i in (int(i) for i in tree.query(at, predicate="dwithin", distance=tol)):
                if i < n and meets(k, i, at) and not any(at.equals(Point(lines[i][x])) for x in (0, -1)):
                    through.setdefault(i, []).append(at)
                    joined += 1
    moved = [LineString(c) for c in lines] + list(stored)
    for k, points in onto.items():  # ~0.1 mm: the points lie on the line but for rounding
        moved[k] = shapely.snap(moved[k], MultiPoint(points), tol * 1e-4)
    for i, points in through.items():
        moved[i] = shapely.snap(moved[i], MultiPoint(points), tol)
    return _split(moved, n, joined, tiny)


def drawn_along(new: list[LineString], stored: list[LineString], min_m: float) -> list[int]:
    """The new lines that run along a stored line, or an earlier new one, for more than ``min_m``
    (within ``ALONG_M`` of it): a street drawn twice, which noding would keep twice (a route walking
    both) or cut one away. A line crossing another at 3° or more, or ending on it at 2° or more,
    stays that near it for less than a metre."""
    n = len(new)
    if not n:
        return []
    everything = np.asarray(list(new) + list(stored), dtype=object)
    lat = float(np.mean(shapely.get_coordinates(everything)[:, 1]))
    near = ALONG_M / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.1))
    found = set()
    tree = shapely.STRtree(everything)
    for i, k in zip(*tree.query(everything[:n], predicate="dwithin", distance=near), strict=True):
        if k == i or i in found or i < k < n:
            continue  # itself, known already, or a pair of new lines (told once, for the later one)
        shared = shapely.get_parts(shapely.intersection(everything[i], shapely.buffer(everything[k], near)))
        if sum(ground_length(p) for p in shared if p.geom_type == "LineString") > min_m:
            found.add(int(i))
    return sorted(found)


def _split(lines: list[LineString], n_new: int, joined: int, tiny: float) -> Noded:
    pieces = shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
    tree = shapely.STRtree(np.asarray(lines, dtype=object))
    owner = [int(tree.query_nearest(shapely.line_interpolate_point(p, 0.5, normalized=True))[0]) for p in pieces]
    new = [(k, p) for k, p in zip(owner, pieces, strict=True) if k < n_new and p.length > tiny]
    new_ends = {c for _, p in new for c in (p.coords[0], p.coords[-1])}
    stored: dict[int, list[LineString]] = {}
    for k in range(n_new, len(lines)):
        mine = [p for o, p in zip(owner, pieces, strict=True) if o == k]
        kept = _joined_back(lines[k], mine, new_ends, tiny) if len(mine) > 1 else []
        if len(kept) > 1:
            stored[k - n_new] = kept
    return Noded(new, stored, joined)


def _joined_back(line: LineString, pieces: list[LineString], new_ends: set[tuple[float, ...]],
                 tiny: float) -> list[LineString]:
    """A stored line's pieces in order along it, joined again where no new line meets it or where a
    piece would be shorter than the database keeps (a closed line's last piece to its first too,
    when no new line meets it where it closes and more than two pieces are left)."""
    def along(c: tuple[float, ...]) -> float:
        return float(shapely.line_locate_point(line, Point(c)))

    def forward(p: LineString) -> LineString:  # as the line runs (its direction told by the middle:
        mid = shapely.line_interpolate_point(p, 0.5, normalized=True)  # a loop's last piece ends at 0)
        return p if along(p.coords[0]) <= float(shapely.line_locate_point(line, mid)) else p.reverse()

    ordered = sorted((forward(p) for p in pieces), key=lambda p: along(p.coords[0]))
    out: list[list[tuple[float, ...]]] = []
    for p in ordered:
        if out and (p.coords[0] not in new_ends or p.length <= tiny or LineString(out[-1]).length <= tiny):
            out[-1] += list(p.coords)[1:]
        else:
            out.append(list(p.coords))
    if line.is_closed and len(out) > 2 and out[0][0] not in new_ends:  # (two pieces stay two: no loop
        out[0] = out.pop() + out[0][1:]                                  # of one edge from a node to itself)
    return [LineString(c) for c in out]
