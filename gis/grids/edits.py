"""Edits of a layout, as planners make them on the map; pure (metric geometries, no database).

Each edit returns the new grids and which it touched; whether it is accepted is for the checks
to say (:func:`judge`): an edit may not bring a rule-breaking problem the layout did not have.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
import shapely
import shapely.errors
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_by

from gis.errors import InvalidInput
from gis.geometry import longest_shared_boundary, polygons, without_spikes
from gis.grids.checks import EDIT_BLOCKING, Building, Grid, Problem, Report, check
from gis.i18n import msg
from gis.parsing import is_number

GRID_SIZE = 0.001  # metres: unions of neighbouring pieces, whose edges agree to this
NODE_M = 1e-6  # metres: overlays that must see a point this close to an edge as on it
CHANGED_M2 = 1.0  # a neighbour whose area moves less than this (m², drawing noise) is left as it is
# Edges shorter than this (metres) are drawing noise, dropped when a grid is cleaned: the page's
# GeoJSON is rounded to ~1 cm.
SNAP_M = 0.05
# A ring turning back by less than this angle (degrees) at a vertex has a spike there.
SPIKE_DEG = 1.0
# A vertex less than this off the straight line between its neighbours (metres) is no corner.
STRAIGHT_M = 1e-4
# Vertices a drawn polygon brings within this (metres) of the layout's vertices or edges are put
# back on them, and pieces of a drawn change thinner than this everywhere are drawing noise, left
# as the grid had them: a shared edge must stay shared, not become a sliver.
HAIR_M = 0.2
# Spacing (metres) of the points along neighbours' edges that share a given-up piece out by nearness.
STEP_M = 1.0
# How far (metres) the frame standing for the ground outside the layout reaches beyond it.
FRAME_M = 50.0


@dataclass
class Edit:
    grids: list[Grid]
    touched: set[str]   # codes of the grids changed, created or removed


def _index(grids: list[Grid], code: str) -> int:
    for i, g in enumerate(grids):
        if g.code == code:
            return i
    raise InvalidInput(msg("the layout has no grid {0}", code))


def _polygons(g: BaseGeometry) -> BaseGeometry:
    """The polygons of ``g``, made valid and unioned on this module's grid (``GRID_SIZE``)."""
    return polygons(g, grid_size=GRID_SIZE)


def _clean(g: BaseGeometry) -> BaseGeometry:
    """Polygons without spikes, sliver tips, edges shorter than ``SNAP_M``, repeated points, or
    vertices in the middle of a straight edge (sharing a piece out cuts its edges many times)."""
    return _polygons(without_spikes(_polygons(g), SNAP_M, SPIKE_DEG, STRAIGHT_M))


def snapped(new_geom: BaseGeometry, grids: list[Grid]) -> BaseGeometry:
    """A drawn polygon with its vertices within ``HAIR_M`` of the layout's vertices moved onto
    them, and then those within ``HAIR_M`` of the layout's edges moved onto the nearest point of
    the edge, so that what the planner did not move stays exactly where it was: an edge the page
    sends back a few centimetres off (rounded, or re-projected) leaves no strip along it."""
    reference = shapely.union_all([shapely.boundary(g.geom) for g in grids])
    g = shapely.snap(new_geom, reference, HAIR_M)
    xy = shapely.get_coordinates(g)
    points = shapely.points(xy)
    off = shapely.distance(points, reference)
    near = (off > 0) & (off <= HAIR_M)
    if near.any():
        xy[near] = shapely.get_coordinates(shapely.shortest_line(points[near], reference)).reshape(-1, 2, 2)[:, 1]
        g = shapely.set_coordinates(g, xy)
    return _polygons(g)


def move_boundary(grids: list[Grid], code: str, new_geom: BaseGeometry) -> Edit:
    """Replace a grid's polygon: neighbours give up what it now covers, and take what it gave up
    (each piece to the neighbour sharing most edge with it). A polygon that differs from the
    grid's by less than ``CHANGED_M2`` changes nothing (no grid is touched)."""
    i = _index(grids, code)
    if new_geom.is_empty or new_geom.area <= 0:
        raise InvalidInput(msg("the new polygon of grid {0} is empty", code))
    out = [replace(g) for g in grids]
    old = out[i].geom
    new_geom = snapped(new_geom, grids)
    # Strips thinner than HAIR_M that the drawing gains or gives up are drawing noise (an edge
    # redrawn a few centimetres off), not the planner's intent: the grid keeps its own there.
    new_geom = _polygons(shapely.difference(shapely.union_all([new_geom, _hairline(shapely.difference(old, new_geom))]),
                                            _hairline(shapely.difference(new_geom, old))))
    if shapely.symmetric_difference(old, new_geom).area <= CHANGED_M2:
        return Edit(out, set())
    new_geom = _clean(new_geom)  # what the neighbours give and take is measured against the grid as it is kept
    out[i] = replace(out[i], geom=new_geom)
    touched = {code}
    for j, g in enumerate(out):
        if j != i and g.geom.intersects(new_geom):
            cut = _clean(shapely.difference(g.geom, new_geom))
            if abs(cut.area - g.geom.area) > CHANGED_M2:
                out[j] = replace(g, geom=cut)
                touched.add(g.code)
            elif shapely.intersection(g.geom, new_geom).area > 0:  # too little to change the neighbour:
                new_geom = _clean(shapely.difference(new_geom, g.geom))  # the grid keeps out of it
                out[i] = replace(out[i], geom=new_geom)
    for piece in shapely.get_parts(_clean(shapely.difference(old, new_geom))):
        if piece.area <= CHANGED_M2:
            continue
        for j, part in _share_out(piece, out, i):
            merged = _clean(shapely.union_all([out[j].geom, part]))
            if _pieces(merged) > _pieces(out[j].geom):  # a share that would not join its grid goes to
                j = longest_shared_boundary(part, [g.geom for g in out], {i})  # the neighbour sharing most edge
                if j < 0:
                    continue
                merged = _clean(shapely.union_all([out[j].geom, part]))
            out[j] = replace(out[j], geom=merged)
            touched.add(out[j].code)
    _settle_strays(out, touched)
    return _as_coverage(Edit(out, touched), grids)


def _settle_strays(grids: list[Grid], touched: set[str]) -> None:
    """Pieces of a touched grid too small to count (``CHANGED_M2``) beside a larger one go to the
    grid sharing most edge with them: the crumbs an edge drawn across a neighbour's corner, or a
    share of a thin wedge, cuts off (the check lets a piece that small pass as drawing noise; the
    planner would see a second piece of the grid or a 0° spike where it joins). A hole that small
    in no other grid (where a share met the grid along an edge they did not quite agree on) is
    filled."""
    for j, g in enumerate(grids):
        if g.code in touched:
            grids[j] = g = replace(g, geom=_without_pinholes(g.geom, [x.geom for k, x in enumerate(grids) if k != j]))
        parts = list(shapely.get_parts(g.geom))
        if g.code not in touched or len(parts) < 2 or max(p.area for p in parts) <= CHANGED_M2:
            continue
        kept = [p for p in parts if p.area > CHANGED_M2]
        for crumb in (p for p in parts if p.area <= CHANGED_M2):
            k = longest_shared_boundary(crumb, [x.geom for x in grids], {j})
            if k < 0:
                kept.append(crumb)
                continue
            grids[k] = replace(grids[k], geom=_clean(shapely.union_all([grids[k].geom, crumb])))
            touched.add(grids[k].code)
        grids[j] = replace(g, geom=_polygons(shapely.union_all(kept)))


def _without_pinholes(g: BaseGeometry, others: list[BaseGeometry]) -> BaseGeometry:
    """``g`` with its holes smaller than ``CHANGED_M2`` filled, unless another grid is in one."""
    pieces, filled = [], False
    for p in shapely.get_parts(g):
        holes = []
        for ring in p.interiors:
            hole = shapely.Polygon(ring)
            if hole.area > CHANGED_M2 or (shapely.area(shapely.intersection(hole, others)) > 0).any():
                holes.append(ring)
        filled |= len(holes) < len(p.interiors)
        pieces.append(shapely.Polygon(p.exterior, holes))
    return _clean(shapely.union_all(pieces)) if filled else g


def _hairline(g: BaseGeometry) -> BaseGeometry:
    """The pieces of ``g`` thinner than ``HAIR_M`` everywhere (no disc that wide fits in them).

    A piece is judged whole: the wedge a moved corner leaves tapers to nothing at its ends, and
    its thin tips are as much the planner's change as its middle. (Cutting the thin parts out of
    each piece by a mitred opening came back a few millimetres off a long acute wedge's edge: the
    sliver between ran the edge's whole length, and giving the thin parts back to the grid closed
    the rest of the wedge off as a hole in it.) An edge redrawn a little off along a piece that is
    thick elsewhere is not left to this: its vertices were put back on the edge (:func:`snapped`)."""
    return shapely.union_all([p for p in shapely.get_parts(_polygons(g))
                              if shapely.buffer(p, -HAIR_M / 2).is_empty])


def _pieces(g: BaseGeometry) -> int:
    return sum(1 for p in shapely.get_parts(g) if p.area > CHANGED_M2)


def _share_out(piece: BaseGeometry, grids: list[Grid], skip: int) -> list[tuple[int, BaseGeometry]]:
    """A piece a grid gave up, shared among the grids along its edge: each point to the nearest
    of them (a wedge given up along one neighbour goes to that neighbour, not to the one that
    happens to share the longest edge). Cells of a Voronoi diagram of points every metre along
    each neighbour's stretch of the piece's edge, merged by neighbour."""
    grown = piece.buffer(0.05)
    along = {j: shapely.intersection(shapely.boundary(g.geom), grown) for j, g in enumerate(grids)
             if j != skip and g.geom.intersects(grown)}
    along = {j: a for j, a in along.items() if a.length > STEP_M}  # not a grid meeting it at a corner only
    if len(along) <= 1:
        j = next(iter(along), longest_shared_boundary(piece, [g.geom for g in grids], {skip}))
        return [(j, piece)] if j >= 0 else []
    owners, points = [], []
    for j, a in along.items():
        pts = shapely.get_coordinates(shapely.segmentize(a, STEP_M))
        owners += [j] * len(pts)
        points.append(pts)
    xy, first = np.unique(np.round(np.vstack(points), 3), axis=0, return_index=True)  # shared corners once
    owner = np.asarray([owners[k] for k in first])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(xy),
                                                       extend_to=piece.envelope.buffer(10), ordered=True))
    bits = shapely.intersection(shapely.make_valid(cells), piece)
    parts = {j: shapely.union_all(bits[owner == j]) for j in along}
    # A share too small to count (the sliver a corner point's cell cuts off the tip of a wedge) is
    # not lost, which would leave a gap: it joins the share it borders most, so that it stays
    # joined to the ground it lies in (given to the largest share, it became a stray second piece
    # of a grid across the wedge).
    while len(parts) > 1 and min(p.area for p in parts.values()) <= CHANGED_M2:  # smallest first, each time
        small = parts.pop(min(parts, key=lambda j: parts[j].area))
        keys = list(parts)
        k = longest_shared_boundary(small, [parts[k] for k in keys])
        k = keys[k] if k >= 0 else max(keys, key=lambda j: parts[j].area)  # touching none: the largest
        parts[k] = shapely.union_all([parts[k], small])
    # The lines between shares run through the Voronoi cells' corners, a zigzag of a vertex every
    # metre (what the planner sees as a jagged edge, and drags vertex by vertex): straightened as a
    # coverage, the piece's outline (what its neighbours share) kept exactly.
    keys = list(parts)
    shares = [_polygons(parts[k]) for k in keys]
    if len(shares) > 1 and shapely.coverage_is_valid(shares):
        shares = list(shapely.coverage_simplify(shares, STEP_M, simplify_boundary=False))
    # cleaned once joined to its grid: cleaned alone, a thin share lost its tips, and then the rest
    return list(zip(keys, shares, strict=True))


def move_buildings(grids: list[Grid], code: str, buildings: list[Building], moving: list[int]) -> Edit:
    """Give buildings to grid ``code``: each takes its share of its grid's area with it (its cell
    among that grid's buildings), so the boundary moves around it."""
    i = _index(grids, code)
    out = [replace(g) for g in grids]
    by_id = {b.id: b for b in buildings}
    unknown = [m for m in moving if m not in by_id]
    if unknown:
        raise InvalidInput(msg("no building {0} in this jurisdiction", ", ".join(map(str, unknown))))
    touched = {code}
    inner = {b.id: shapely.point_on_surface(b.geom) for b in buildings}
    for bid in moving:
        src = next((j for j, g in enumerate(out) if g.geom.intersects(inner[bid])), -1)
        if src < 0:
            raise InvalidInput(msg("building {0} is in no grid", bid))
        if src == i:
            continue
        mates = [b for b in buildings if out[src].geom.intersects(inner[b.id])]
        if len(mates) == 1:
            piece = out[src].geom
        else:
            cells = shapely.get_parts(shapely.voronoi_polygons(
                shapely.multipoints([inner[b.id] for b in mates]), extend_to=out[src].geom.envelope.buffer(10)))
            cell = next(c for c in cells if c.covers(inner[bid]))
            piece = _polygons(shapely.union_all([shapely.intersection(cell, out[src].geom),
                                                 shapely.intersection(by_id[bid].geom, out[src].geom)]))
        # A Voronoi cell's edge meeting the grid's own along a line leaves a zero-width spike there,
        # which the checks rightly refuse as a 0° corner: the source loses its spikes only (no edge
        # shortened, no vertex dropped, so its other edges still match its neighbours'), and the
        # grid taking the piece gets exactly the ground the source gave up: the two stay a partition.
        # Both overlays are snap-rounded to a micrometre (``NODE_M``): a cell corner a fraction of a
        # micrometre off the grid's edge otherwise made a piece along that edge come out as a hole
        # in the grid touching its edge (a zero-width spike once stored at 1e-7°).
        both = shapely.union_all([out[src].geom, out[i].geom])
        kept = _polygons(without_spikes(_polygons(shapely.difference(out[src].geom, piece, grid_size=NODE_M)),
                                        0.0, SPIKE_DEG, 0.0))
        taken = _polygons(without_spikes(_polygons(shapely.difference(both, kept, grid_size=NODE_M)),
                                         0.0, SPIKE_DEG, 0.0))
        out[src] = replace(out[src], geom=kept)
        out[i] = replace(out[i], geom=taken)
        touched.add(out[src].code)
    return _as_coverage(Edit([g for g in out if not g.geom.is_empty], touched), grids)


def split(grids: list[Grid], code: str, line: BaseGeometry, new_code: str) -> Edit:
    """Cut a grid in two along a line; the larger part keeps the code, the other gets ``new_code``."""
    i = _index(grids, code)
    if line.geom_type not in ("LineString", "MultiLineString"):
        raise InvalidInput(msg("a grid is split by a line"))
    parts = [p for p in shapely.get_parts(split_by(grids[i].geom, line)) if p.area > 1.0]
    if len(parts) != 2:
        raise InvalidInput(msg("the line must cut grid {0} into exactly two parts, not {1}", code, len(parts)))
    parts.sort(key=lambda p: -p.area)
    out = [replace(g) for g in grids]
    out[i] = replace(out[i], geom=parts[0])
    out.append(Grid(new_code, parts[1], None))
    return _as_coverage(Edit(out, {code, new_code}), grids)


def merge(grids: list[Grid], keep: str, absorb: str) -> Edit:
    """Two neighbouring grids become one (with ``keep``'s code)."""
    i, j = _index(grids, keep), _index(grids, absorb)
    if i == j:
        raise InvalidInput(msg("merge two different grids"))
    out = [replace(g) for g in grids]
    out[i] = replace(out[i], geom=_polygons(shapely.union_all([out[i].geom, out[j].geom], grid_size=GRID_SIZE)))
    del out[j]
    return _as_coverage(Edit(out, {keep, absorb}), grids)


def _as_coverage(edit: Edit, before: list[Grid]) -> Edit:
    """The edit's grids made a clean coverage (GEOS's coverage cleaner): vertices closer than
    ``SNAP_M`` made one, edges along a neighbour identical to its, and overlaps and gaps thinner
    than ``HAIR_M`` between them given to one of them; a vertex in the middle of a straight edge is
    left out. A grid this changes counts as touched.

    Each grid is cleaned alone (spikes, short edges) where an edit changes it, which drops
    vertices its neighbours keep: over a few edits neighbours came to disagree by millimetres to
    centimetres along an edge, and the next edit through such a corner left a grid with two
    vertices a millimetre apart, or a pinhole (4.5 % of the accepted edits of a random session on
    irregular layouts). The ground outside the layout takes part as a frame, first, so that its
    vertices win a snap and the outer edges keep to the layout's; a strip the cleaning leaves to
    no grid goes to the grid sharing most edge with it, and so does a strip thinner than
    ``HAIR_M`` the edit left (ground the edit itself left to no grid — a notch in the
    jurisdiction's edge, a grid shrunk beside a gap — stays so, for the checks to judge). Only
    the grids the edit changed and their neighbours are cleaned (on a layout of 80 grids,
    cleaning all took ten times as long as the edit). An edit reaching beyond the layout's
    ground (outside the jurisdiction, or into a gap of a draft) is left uncleaned: the frame would
    cut it back. Where GEOS cannot clean (:func:`_coverage_cleaned`), nothing is cleaned."""
    # only the grids the edit changed and their neighbours: the others cannot have moved
    changed = shapely.buffer(shapely.union_all([g.geom for g in edit.grids if g.code in edit.touched]), SNAP_M)
    local = [k for k, g in enumerate(edit.grids) if g.code in edit.touched or g.geom.intersects(changed)]
    codes = {edit.grids[k].code for k in local} | edit.touched
    ground = shapely.union_all([g.geom for g in before if g.code in codes])
    if shapely.difference(shapely.union_all([edit.grids[k].geom for k in local]), ground).area > CHANGED_M2:
        return edit  # reaching beyond the layout's ground: left as it is, for the checks to judge
    frame = shapely.difference(ground.envelope.buffer(FRAME_M), ground)
    # the ground outside first, then the grids the edit left alone, then those it changed: of
    # vertices snapped together, the first's place is kept
    local.sort(key=lambda k: edit.grids[k].code in edit.touched)
    cleaned = [g.geom for g in edit.grids]
    first = _coverage_cleaned([frame, *(cleaned[k] for k in local)], snapping_distance=SNAP_M, gap_width=HAIR_M)
    if first is None:
        return edit
    for k, geom in zip(local, first[1:], strict=True):
        cleaned[k] = geom
    # what the edit left to a grid, and of the rest only hairlines (drawing noise), not a notch or a gap
    held = shapely.union_all([edit.grids[k].geom for k in local])
    now = shapely.union_all([cleaned[k] for k in local])
    strips = shapely.get_parts(shapely.union_all([shapely.difference(held, now),
                                                  _hairline(shapely.difference(ground, now))]))
    for strip in strips:
        k = longest_shared_boundary(strip, [cleaned[k] for k in local])
        if k >= 0:
            cleaned[local[k]] = shapely.union_all([cleaned[local[k]], strip])
    # Cleaned again where strips were given: a strip's corners stand a millimetre off its grid's own.
    # Snapped within a centimetre only: within SNAP_M, a strip along the jurisdiction's edge opened again.
    again = _coverage_cleaned([frame, *(cleaned[k] for k in local)], snapping_distance=10 * GRID_SIZE) if len(
        strips) else None
    if again is not None:
        for k, geom in zip(local, again[1:], strict=True):
            cleaned[k] = geom
    grids, touched = list(edit.grids), set(edit.touched)
    for k in local:
        g, geom = grids[k], cleaned[k]
        # without the vertices the cleaner puts where a neighbour's corner meets a straight edge (a
        # handle the planner would have to drag past; the edge passes through the corner all the same)
        geom = without_spikes(geom, 0.0, SPIKE_DEG, STRAIGHT_M)
        # a grid the edit left alone keeps its own unless the cleaning moved more than drawing noise
        # (a neighbour's corner put on its edge moves it by a millimetre: less than it is stored to)
        if g.code in touched or shapely.symmetric_difference(g.geom, geom).area > CHANGED_M2:
            grids[k] = replace(g, geom=geom)
            touched.add(g.code)
    return Edit(grids, touched)


def _coverage_cleaned(geoms: list[BaseGeometry], **how: float) -> list[BaseGeometry] | None:
    """``geoms`` through GEOS's coverage cleaner; None where there is none (a shapely built
    against GEOS before 3.14) or it fails (GEOS 3.14.1 throws "CoverageUnion cannot process
    overlapping inputs" on some layouts: a random session of 25 edits on one of 280 irregular
    layouts met it): the edit is then kept as the steps before left it."""
    try:
        return list(shapely.coverage_clean(geoms, **how))
    except shapely.errors.ShapelyError:  # GEOSException, UnsupportedGEOSVersionError
        return None


def next_code(grids: list[Grid], admin_code: str) -> str:
    used = {int(g.code[-3:]) for g in grids if g.code.startswith(admin_code) and is_number(g.code[-3:])}
    free = next(n for n in range(1, 1000) if n not in used)
    return f"{admin_code}{free:03d}"


def judge(boundary: BaseGeometry, before: Report, edit: Edit, buildings: list[Building], admin_code: str | None,
          target: float | None, tolerance: float) -> tuple[Report, list[Problem]]:
    """The layout after the edit, and the rule-breaking problems it brings (none: accepted)."""
    after = check(boundary, edit.grids, buildings, admin_code, target, tolerance)
    had = Counter((p.kind, p.grid) for p in before.problems)
    new = []
    for p in after.problems:
        key = (p.kind, p.grid)
        if p.kind in EDIT_BLOCKING:
            if had[key] > 0:
                had[key] -= 1
            else:
                new.append(p)
    return after, new

