"""Building blocks of grids: the pieces the streets and compound edges cut a jurisdiction into,
very large ones split between their buildings; each building belongs to one unit.

Pure: metric shapely geometries in, units out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.geometry import longest_shared_boundary, polygons

# Pieces smaller than this (m²) are slivers of the cutting, merged into a neighbour.
SLIVER_M2 = 50.0
# Outlines are sampled this often (m) to find what lies nearer to one building than to others.
SAMPLE_M = 1.0
# Walls closer than this (m) to another building's outline are party walls.
PARTY_WALL_M = 0.05
# Empty pieces narrower than this (m, twice area over perimeter) are setback strips.
STRIP_WIDTH_M = 15.0
# A street or compound edge this close (m) to the jurisdiction's boundary is drawn on it.
BOUNDARY_SNAP_M = 0.5


@dataclass
class Unit:
    geom: BaseGeometry          # a Polygon
    buildings: list[int]        # indices into the buildings given
    households: float


def blocks(boundary: BaseGeometry, streets: list[BaseGeometry], compounds: list[BaseGeometry]) -> list:
    """The faces the streets and compound edges cut the boundary into (metric Polygons).

    The roads along a community's edge are its boundary, drawn by another hand: a street end or a
    road a few centimetres off the boundary would leave hairline strips between them, which grids
    took as tails (spikes, a grid in two pieces) and then dropped (gaps). Lines within
    ``BOUNDARY_SNAP_M`` of the boundary are put onto it first."""
    ring = shapely.boundary(boundary)
    lines = [s for s in streets if not s.is_empty] + [shapely.boundary(c) for c in compounds]
    cuts = [ring] + [onto_boundary(line, ring, BOUNDARY_SNAP_M) for line in lines]
    # noded on a millimetre grid: an end put onto the boundary lies on it to the last bit only so
    noded = shapely.union_all(shapely.intersection(np.asarray(cuts, dtype=object), boundary.buffer(0.01)),
                              grid_size=0.001)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inside = [f for f in faces if f.area > 0 and boundary.buffer(0.5).covers(f)]
    # what polygonize misses (slivers along dangles) is given to the biggest neighbour
    covered = shapely.union_all(inside) if inside else shapely.Polygon()
    rest = [p for p in shapely.get_parts(boundary.difference(covered)) if p.area > 1e-6]
    return _absorb(inside, rest)


def onto_boundary(line: BaseGeometry, ring: BaseGeometry, within_m: float) -> BaseGeometry:
    """``line`` with each of its vertices within ``within_m`` of ``ring`` (and not on it) moved to
    the nearest point of the ring: a street's end a hair short of the boundary reaches it, a road
    drawn along the boundary lies on it."""
    coords = shapely.get_coordinates(line)
    if not len(coords):
        return line
    points = shapely.points(coords)
    gap = shapely.distance(points, ring)
    near = (gap > 0) & (gap <= within_m)
    if not near.any():
        return line
    coords[near] = shapely.get_coordinates(shapely.shortest_line(points[near], ring))[1::2]
    return shapely.set_coordinates(line, coords)  # a new geometry: ``line`` is left as it was


def _absorb(pieces: list, extra: list) -> list:
    """Merge each of ``extra`` (and slivers of ``pieces``) into the piece it shares most edge with."""
    keep = [p for p in pieces if p.area >= SLIVER_M2]
    small = [p for p in pieces if p.area < SLIVER_M2] + list(extra)
    if not keep:
        return [shapely.union_all(pieces + list(extra))] if pieces or extra else []
    for s in sorted(small, key=lambda g: -g.area):
        i = longest_shared_boundary(s, keep, grow_m=0.01)
        if i < 0:  # touching none: the nearest
            i = int(np.argmin([k.distance(s) for k in keep]))
        keep[i] = polygons(shapely.union_all([keep[i], s.buffer(0.001)]))
    return keep


def _merge_strips(faces: list, footprints: list) -> list:
    """Empty strips (a compound's setback between its wall and the street, narrower than
    ``STRIP_WIDTH_M``) join the face they share most edge with, so compounds reach their streets
    instead of being enclosed by a ring no grid can cross."""
    fps = shapely.union_all(footprints) if footprints else shapely.Polygon()
    faces = list(faces)
    changed = True
    while changed:
        changed = False
        for i, f in enumerate(faces):
            width = 2 * f.area / f.length if f.length else 0.0
            if width >= STRIP_WIDTH_M or f.intersects(fps) or len(faces) == 1:
                continue
            j = longest_shared_boundary(f, faces, skip={i})
            if j < 0:
                continue
            faces[j] = polygons(shapely.union_all([faces[j], f], grid_size=0.01))
            del faces[i]
            changed = True
            break
    return faces


def units(boundary: BaseGeometry, streets: list, compounds: list, footprints: list,
          households: np.ndarray, max_households: float) -> list[Unit]:
    """Blocks with their buildings; a block whose buildings hold more than ``max_households`` is
    split between its buildings (what lies nearer to each, clipped to the block). A building
    that straddles a cut belongs to the unit holding most of it; every unit holds its buildings
    whole (see :func:`_whole_buildings`)."""
    faces = _merge_strips(blocks(boundary, streets, compounds), footprints)
    centres = shapely.point_on_surface(np.asarray(footprints, dtype=object)) if footprints else np.empty(0, object)
    tree = shapely.STRtree(faces)
    owner = np.full(len(footprints), -1, dtype=np.int64)
    for i, fp in enumerate(footprints):
        hits = tree.query(fp, predicate="intersects")
        if len(hits):
            owner[i] = int(hits[np.argmax([shapely.area(shapely.intersection(fp, faces[h])) for h in hits])])
        else:
            owner[i] = int(tree.query_nearest(centres[i])[0])
    out: list[Unit] = []
    for f, face in enumerate(faces):
        mine = np.flatnonzero(owner == f).tolist()
        hh = float(households[mine].sum()) if mine else 0.0
        if hh > max_households and len(mine) > 1:
            for b, cell in zip(mine, _nearest_cells(face, [footprints[b] for b in mine]), strict=True):
                if not cell.is_empty:
                    out.append(Unit(polygons(cell), [b], float(households[b])))
        else:
            out.append(Unit(face, mine, hh))
    return _whole_buildings([u for u in out if not u.geom.is_empty], footprints, boundary)


def _nearest_cells(face: BaseGeometry, fps: list) -> list:
    """The part of ``face`` nearer to each footprint than to any other (a Voronoi diagram of the
    footprints, not of their centres: its lines run midway between walls, so they never pass
    a few centimetres off one). Points along each outline every metre stand for the outline;
    points on a party wall (on two outlines) are left out: they face no open ground, and
    taken for one side they would send thin cells out along the wall's line."""
    xy, owner = [], []
    for k, fp in enumerate(fps):
        points = shapely.get_coordinates(shapely.segmentize(shapely.boundary(fp), SAMPLE_M))
        xy.append(points)
        owner.append(np.full(len(points), k))
    points, owners = np.vstack(xy), np.concatenate(owner)
    near, _ = shapely.STRtree(fps).query(shapely.points(points), predicate="dwithin", distance=PARTY_WALL_M)
    shared = np.bincount(near, minlength=len(points)) > 1
    points, owners = points[~shared], owners[~shared]
    _, first = np.unique(np.round(points, 3), axis=0, return_index=True)  # a ring's closing point once
    points, owners = points[first], owners[first]
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points), extend_to=face, ordered=True))
    # GEOS can return a self-touching cell for points on a lattice (a terrace's walls): repaired
    cells = np.asarray(shapely.make_valid(cells, method="structure", keep_collapsed=False), dtype=object)
    return [polygons(shapely.intersection(shapely.union_all(cells[owners == k]), face))
            for k in range(len(fps))]


def _whole_buildings(units: list[Unit], footprints: list, boundary: BaseGeometry) -> list[Unit]:
    """Each unit holds its own buildings whole and no part of another's (see :func:`hold_whole`)."""
    geoms = hold_whole([u.geom for u in units], [u.buildings for u in units], footprints, boundary)
    return [Unit(g, u.buildings, u.households) for g, u in zip(geoms, units, strict=True) if not g.is_empty]


def hold_whole(geoms: list, members: list[list[int]], footprints: list, boundary: BaseGeometry) -> list:
    """Each area holds the footprints it is given whole and no part of another's: where attached
    buildings (terraces, courtyards) fall to different areas, the areas meet along their shared
    walls, not along a Voronoi line or a street drawn through them."""
    if not footprints:
        return list(geoms)
    fps = np.asarray(footprints, dtype=object)
    tree = shapely.STRtree(fps)
    out = []
    for geom, mine in zip(geoms, members, strict=True):
        own = shapely.union_all(fps[mine], grid_size=0.01) if mine else shapely.Polygon()
        # Only the footprints that reach into this area can take anything from it: the others of
        # the whole community, unioned once, made each area's difference cost as much as all of them.
        near = np.setdiff1d(tree.query(geom, predicate="intersects"), mine)
        others = shapely.difference(shapely.union_all(fps[near], grid_size=0.01), own, grid_size=0.01)
        out.append(polygons(shapely.union(polygons(shapely.difference(geom, others, grid_size=0.01)),
                                          polygons(shapely.intersection(own, boundary, grid_size=0.01)),
                                          grid_size=0.01)))
    return out
