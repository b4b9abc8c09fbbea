"""Propose a grid layout: units cut by streets and compound edges, grouped into grids balanced
on households, coded west→east, north→south. Pure: metric geometries in, grids and report out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.errors import InvalidInput
from gis.geometry import longest_shared_boundary, polygons, without_spikes
from gis.grids.checks import Building, Grid, Report, check, code_order
from gis.grids.partition import partition
from gis.grids.units import hold_whole, units
from gis.i18n import msg

GRID_SIZE = 0.01  # metres


@dataclass
class Proposal:
    grids: list[Grid]
    report: Report
    units: int
    target: float


def generate(boundary: BaseGeometry, streets: list, compounds: list, buildings: list[Building],
             admin_code: str, per_grid: float, tolerance: float = 0.15) -> Proposal:
    """Grids of about ``per_grid`` households each (the number of grids: total ÷ per_grid)."""
    if per_grid <= 0:
        raise InvalidInput(msg("households per grid must be positive"))
    if not 0 <= tolerance < 1:
        raise InvalidInput(msg("tolerance is a share between 0 and 1, e.g. 0.15"))
    if not admin_code or len(admin_code) != 12 or not admin_code.isdigit():
        raise InvalidInput(msg("the jurisdiction needs its 12-digit admin code to number grids"))
    hh = np.asarray([b.households for b in buildings], dtype=float)
    total = float(hh.sum())
    if total <= 0:
        raise InvalidInput(msg("the buildings have no households to balance grids on: import the household ledger "
                               "(gridmap import ledger), or buildings with their floors (households are then "
                               "estimated)"))
    if total / per_grid > 999.5:
        raise InvalidInput(msg("{0:.0f} households at {1:g} a grid need more grids than a 3-digit sequence can "
                               "number (999)", total, per_grid))
    k = max(1, int(round(total / per_grid)))
    us = units(boundary, streets, compounds, [b.geom for b in buildings], hh, max_households=per_grid / 2)
    k = min(k, len(us))  # no more grids than units to make them of
    region = partition([u.geom for u in us], np.asarray([u.households for u in us]), k)
    # Streets' end points are stored to 1e-7°, so neighbouring units can miss each other by a
    # fraction of a millimetre: union them on a 1 cm grid.
    geoms = [shapely.union_all([us[i].geom for i in np.flatnonzero(region == r).tolist()], grid_size=GRID_SIZE)
             for r in range(k)]
    geoms = tidy(geoms, boundary)
    geoms = [without_spikes(g) for g in geoms]  # the zero-width debris of overlaying street-cut units
    # Tidying moves slivers and stray pieces, which may hold part of a building: last, every grid
    # gets back its buildings whole (each to the grid holding most of it) and gives up the others'.
    geoms = hold_whole(geoms, _members(geoms, buildings), [b.geom for b in buildings], boundary)
    order = code_order(geoms)
    grids = [Grid(f"{admin_code}{n:03d}", geoms[i]) for n, i in enumerate(order, start=1)]
    target = total / k
    return Proposal(grids, check(boundary, grids, buildings, admin_code, target, tolerance), len(us), target)


def tidy(geoms: list, boundary: BaseGeometry) -> list:
    """Clip to the boundary, give every uncovered sliver and every stray piece of a grid to the
    neighbour it shares most edge with, and take overlaps from the later grid, so that the grids
    partition the jurisdiction exactly."""
    geoms = [polygons(shapely.intersection(g, boundary)) for g in geoms]
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            if geoms[i].intersects(geoms[j]) and shapely.intersection(geoms[i], geoms[j]).area > 0:
                geoms[j] = polygons(shapely.difference(geoms[j], geoms[i]))
    for gap in shapely.get_parts(polygons(shapely.difference(boundary, shapely.union_all(geoms)))):
        j = longest_shared_boundary(gap, geoms)
        if j >= 0:
            geoms[j] = polygons(shapely.union_all([geoms[j], gap]))
    for i in range(len(geoms)):
        parts = sorted(shapely.get_parts(geoms[i]), key=lambda p: -p.area)
        for stray in parts[1:]:
            j = longest_shared_boundary(stray, geoms, skip={i})
            if j >= 0:
                geoms[j] = polygons(shapely.union_all([geoms[j], stray]))
                geoms[i] = polygons(shapely.difference(geoms[i], stray))
    return geoms


def _members(geoms: list, buildings: list[Building]) -> list[list[int]]:
    """The buildings of each grid: each to the one holding most of it."""
    tree = shapely.STRtree(geoms)
    out: list[list[int]] = [[] for _ in geoms]
    for k, b in enumerate(buildings):
        hits = tree.query(b.geom, predicate="intersects").tolist()
        if hits:
            out[max(hits, key=lambda i: shapely.intersection(b.geom, geoms[i]).area)].append(k)
    return out
