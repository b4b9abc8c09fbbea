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

Pure: WGS84 LineStrings in, pieces out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point

# Metres in a degree of latitude: an end within ``snap_m`` of a street is a few per cent nearer than
# that in longitude away from the equator, which is what a snapping distance needs to be.
METRES_PER_DEGREE = 111_320.0


@dataclass
class Noded:
    """What :func:`node_streets` made of the lines."""

    new: list[tuple[int, LineString]]                       # (which new line, a piece of it)
    stored: dict[int, list[LineString]] = field(default_factory=dict)  # a stored line split: its pieces
    joined: int = 0                                         # ends moved onto a street they stopped short of


def node_streets(new: list[LineString], stored: list[LineString], snap_m: float) -> Noded:
    """``new`` split wherever they cross or touch one another or a ``stored`` line, ends within
    ``snap_m`` of a street put on it (on its end, when one is that near); the stored lines met by
    a new one in their middle split there, in order along them."""
    tol = snap_m / METRES_PER_DEGREE
    lines = [list(line.coords) for line in new]
    everything = [LineString(c) for c in lines] + list(stored)
    tree = shapely.STRtree(everything)
    onto: dict[int, list[Point]] = {}   # points to be made vertices of a line (new or stored)
    joined = 0
    for i, coords in enumerate(lines):
        for end in (0, -1):
            at = Point(coords[end])
            # a street it crosses already is noded where it crosses: an end just past it (a street
            # cut at the boundary half a metre beyond the road along it) is left as it is
            near = [int(k) for k in tree.query(at, predicate="dwithin", distance=tol)
                    if k != i and not everything[i].intersects(everything[k])]
            if not near or any(at.equals(Point(everything[k].coords[e])) for k in near for e in (0, -1)):
                continue  # alone, or met at an end already
            ends = [Point(everything[k].coords[e]) for k in near for e in (0, -1)]
            nearest_end = min(ends, key=at.distance)
            if nearest_end.distance(at) <= tol:
                coords[end] = nearest_end.coords[0]
            else:
                k = min(near, key=lambda k: everything[k].distance(at))
                on = shapely.line_interpolate_point(everything[k], shapely.line_locate_point(everything[k], at))
                coords[end] = on.coords[0]
                onto.setdefault(k, []).append(on)
                if on.equals(at):
                    continue  # on a vertex of it already: noded there as it is
            joined += 1
    # a stored street ending in a new line's middle: its end made a vertex of the new line
    for line in stored:
        for e in (0, -1):
            at = Point(line.coords[e])
            for i in tree.query(at, predicate="dwithin", distance=tol):
                if i < len(lines) and not any(at.equals(Point(lines[i][x])) for x in (0, -1)):
                    onto.setdefault(int(i), []).append(at)
    moved = [LineString(c) for c in lines] + list(stored)
    for k, points in onto.items():  # tolerance ~0.1 mm: the points lie on the line but for rounding
        moved[k] = shapely.snap(moved[k], MultiPoint(points), tol * 1e-4)
    return _split(moved, len(lines), joined)


def _split(lines: list[LineString], n_new: int, joined: int) -> Noded:
    pieces = shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
    tree = shapely.STRtree(np.asarray(lines, dtype=object))
    owner = [int(tree.query_nearest(shapely.line_interpolate_point(p, 0.5, normalized=True))[0]) for p in pieces]
    new = [(k, p) for k, p in zip(owner, pieces, strict=True) if k < n_new]
    new_ends = {c for _, p in new for c in (p.coords[0], p.coords[-1])}
    stored: dict[int, list[LineString]] = {}
    for k in range(n_new, len(lines)):
        along = lambda c, k=k: shapely.line_locate_point(lines[k], Point(c))  # noqa: E731
        mine = sorted((p if along(p.coords[0]) <= along(p.coords[-1]) else p.reverse()
                       for o, p in zip(owner, pieces, strict=True) if o == k), key=lambda p: along(p.coords[0]))
        kept = _joined_back(mine, new_ends)
        if len(kept) > 1:
            stored[k - n_new] = kept
    return Noded(new, stored, joined)


def _joined_back(pieces: list[LineString], new_ends: set[tuple[float, ...]]) -> list[LineString]:
    """A stored line's pieces in order, joined again where no new line meets it."""
    out: list[list[tuple[float, ...]]] = []
    for p in pieces:
        if out and p.coords[0] not in new_ends:
            out[-1] += list(p.coords)[1:]
        else:
            out.append(list(p.coords))
    return [LineString(c) for c in out]
