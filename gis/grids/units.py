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
# Empty pieces narrower than this (m, twice area over perimeter) are setback strips.
STRIP_WIDTH_M = 15.0


@dataclass
class Unit:
    geom: BaseGeometry          # a Polygon
    buildings: list[int]        # indices into the buildings given
    households: float


def blocks(boundary: BaseGeometry, streets: list[BaseGeometry], compounds: list[BaseGeometry]) -> list:
    """The faces the streets and compound edges cut the boundary into (metric Polygons)."""
    cuts = [shapely.boundary(boundary)] + [s for s in streets if not s.is_empty]
    cuts += [shapely.boundary(c) for c in compounds]
    noded = shapely.union_all(shapely.intersection(np.asarray(cuts, dtype=object), boundary.buffer(0.01)))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inside = [f for f in faces if f.area > 0 and boundary.buffer(0.5).covers(f)]
    # what polygonize misses (slivers along dangles) is given to the biggest neighbour
    covered = shapely.union_all(inside) if inside else shapely.Polygon()
    rest = [p for p in shapely.get_parts(boundary.difference(covered)) if p.area > 1e-6]
    return _absorb(inside, rest)


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
    split between its buildings (Voronoi cells around them, clipped to the block). A building
    that straddles a cut belongs to the unit holding most of it."""
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
            cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(
                shapely.get_coordinates(centres[mine])), extend_to=face))
            cells = [shapely.intersection(c, face) for c in cells]
            by_point = [int(np.argmax([c.covers(centres[b]) for c in cells])) for b in mine]
            for k, cell in enumerate(cells):
                bs = [b for b, c in zip(mine, by_point, strict=True) if c == k]
                if cell.is_empty:
                    continue
                out.append(Unit(polygons(cell), bs, float(households[bs].sum()) if bs else 0.0))
        else:
            out.append(Unit(face, mine, hh))
    return [u for u in out if not u.geom.is_empty]
