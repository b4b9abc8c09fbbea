"""The shared geometry helpers (gis/geometry.py) on their own, no database: keeping the polygons
of a geometry made valid, the largest of them, reprojection, and the neighbour sharing the longest
boundary. Expected values are worked out here by hand (areas, a meridian arc)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import CRS
from scipy.integrate import quad
from shapely.geometry import GeometryCollection, LineString, MultiPolygon, Point, Polygon, box

from gis.crs import transformers
from gis.geometry import (
    largest_polygon,
    longest_shared_boundary,
    polygons,
    reproject,
    shared_boundary,
    without_spikes,
)

BOW_TIE = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])  # crosses itself at (1, 1): two triangles of 1 m²
# A square with a zero-width spike up from its top edge: GEOS's default repair keeps the spike as a line.
SPIKED = Polygon([(0, 0), (4, 0), (4, 4), (2, 4), (2, 6), (2, 4), (0, 4)])


def _polygonal_and_valid(g) -> bool:
    return g.is_valid and g.geom_type in ("Polygon", "MultiPolygon")


# --- polygons ----------------------------------------------------------------------------------------

def test_a_bow_tie_becomes_its_two_triangles():
    assert not BOW_TIE.is_valid
    fixed = polygons(BOW_TIE)
    assert _polygonal_and_valid(fixed) and fixed.geom_type == "MultiPolygon"
    assert sorted(p.area for p in fixed.geoms) == [1.0, 1.0]
    assert fixed.equals(MultiPolygon([Polygon([(0, 0), (1, 1), (0, 2)]), Polygon([(2, 0), (2, 2), (1, 1)])]))


def test_a_spike_that_make_valid_turns_into_a_line_is_dropped():
    default = shapely.make_valid(SPIKED)  # what the copies used to get: a collection with the spike as a line
    assert default.geom_type == "GeometryCollection"
    assert {p.geom_type for p in default.geoms} == {"Polygon", "LineString"}
    fixed = polygons(SPIKED)
    assert fixed.geom_type == "Polygon" and fixed.is_valid
    assert fixed.equals(box(0, 0, 4, 4))
    # the collection itself, valid as it is, gives the same polygon
    assert polygons(default).equals(box(0, 0, 4, 4))


def test_a_hole_crossing_its_shell_takes_area_away_and_adds_none():
    crossing = Polygon(box(0, 0, 4, 4).exterior.coords, [[(3, 1), (5, 1), (5, 3), (3, 3)]])
    assert not crossing.is_valid
    fixed = polygons(crossing)
    assert fixed.is_valid and fixed.area == pytest.approx(16 - 2)
    assert fixed.equals(box(0, 0, 4, 4).difference(box(3, 1, 5, 3)))


def test_overlapping_polygons_of_a_collection_are_unioned_and_lines_and_points_dropped():
    gc = GeometryCollection([box(0, 0, 2, 2), box(1, 1, 3, 3), LineString([(5, 5), (6, 6)]), Point(9, 9),
                             MultiPolygon([box(10, 0, 11, 1)])])
    assert gc.is_valid  # a collection is valid even though its polygons overlap
    fixed = polygons(gc)
    assert _polygonal_and_valid(fixed)
    assert fixed.area == pytest.approx(4 + 4 - 1 + 1)


def test_nothing_polygonal_is_an_empty_polygon():
    for g in (None, Polygon(), LineString([(0, 0), (1, 1)]), Point(1, 1),
              Polygon([(0, 0), (1, 0), (2, 0), (0, 0)]),  # collapses to a line
              GeometryCollection([LineString([(0, 0), (1, 0)])])):
        out = polygons(g)
        assert out.geom_type == "Polygon" and out.is_empty


def test_a_valid_polygon_is_returned_as_it_is_unless_a_grid_is_asked_for():
    square = box(0, 0, 1, 1)
    assert polygons(square) is square
    two = MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    assert polygons(two) is two
    # 0.4 mm apart: one polygon on a 1 mm grid
    near = MultiPolygon([box(0, 0, 1, 1), box(1.0004, 0, 2, 1)])
    snapped = polygons(near, grid_size=0.001)
    assert snapped.geom_type == "Polygon" and snapped.area == pytest.approx(2.0, abs=1e-3)
    # a repair on a grid is put on it: two parts sharing an edge (invalid) become one polygon on the grid
    touching = MultiPolygon([box(0.00004, 0, 1.00001, 1), box(1.00001, 0, 2.00007, 1.00003)])
    assert not touching.is_valid
    on_grid = polygons(touching, grid_size=0.001)
    assert on_grid.geom_type == "Polygon" and on_grid.is_valid
    assert on_grid.equals(box(0, 0, 2, 1))


# --- largest_polygon ---------------------------------------------------------------------------------

def test_largest_polygon_of_an_uneven_bow_tie():
    uneven = Polygon([(0, 0), (4, 4), (4, 0), (0, 1)])  # crosses itself: a big and a small triangle
    assert not uneven.is_valid
    pieces = shapely.get_parts(polygons(uneven))
    kept = largest_polygon(uneven)
    assert kept.geom_type == "Polygon" and kept.is_valid
    assert kept.area == pytest.approx(max(p.area for p in pieces)) and len(pieces) == 2
    assert kept.area > sum(p.area for p in pieces) / 2
    assert largest_polygon(LineString([(0, 0), (1, 1)])).is_empty


# --- reproject ---------------------------------------------------------------------------------------

CGCS2000_A, CGCS2000_F = 6378137.0, 1 / 298.257222101


def _meridian_arc(lat_deg: float) -> float:
    """Metres along the CGCS2000 meridian from the equator to ``lat_deg``."""
    e2 = CGCS2000_F * (2 - CGCS2000_F)
    return quad(lambda p: CGCS2000_A * (1 - e2) / (1 - e2 * math.sin(p) ** 2) ** 1.5, 0, math.radians(lat_deg))[0]


def test_reproject_to_gauss_kruger_zone_39_and_back():
    """EPSG:4527 (CGCS2000 / 3-degree Gauss-Kruger zone 39): central meridian 117°E, easting with
    the zone number in front (39 500 000 m on the meridian), northing the meridian arc there."""
    assert "zone 39" in CRS(4527).name
    to_metric, to_wgs84 = transformers(4527)
    on_meridian = reproject(Point(117.0, 39.9), to_metric)
    assert on_meridian.x == pytest.approx(39_500_000.0, abs=1e-3)  # x is the easting: always_xy
    assert on_meridian.y == pytest.approx(_meridian_arc(39.9), abs=1e-3)
    # a community-sized polygon with a hole, near Beijing: the shape and area survive, the round trip is exact
    outer = box(116.40, 39.90, 116.41, 39.91)
    ring = Polygon(outer.exterior.coords, [box(116.403, 39.903, 116.404, 39.904).exterior.coords])
    metric = reproject(ring, to_metric)
    assert metric.is_valid and len(metric.interiors) == 1
    lat = math.radians(39.905)
    e2 = CGCS2000_F * (2 - CGCS2000_F)
    n = CGCS2000_A / math.sqrt(1 - e2 * math.sin(lat) ** 2)   # radius of curvature along the parallel
    m = CGCS2000_A * (1 - e2) / (1 - e2 * math.sin(lat) ** 2) ** 1.5  # along the meridian
    cell = math.radians(0.01) ** 2 * n * math.cos(lat) * m
    assert metric.area == pytest.approx(cell * 0.99, rel=2e-3)  # 0.6° off the meridian: scale ≈ 1.00005
    back = reproject(metric, to_wgs84)
    assert back.geom_type == "Polygon"
    np.testing.assert_allclose(shapely.get_coordinates(back), shapely.get_coordinates(ring), atol=1e-9)


def test_reproject_arrays_and_empty_geometries():
    to_metric, _ = transformers(4527)
    arr = np.asarray([Point(117.0, 40.0), LineString([(116.5, 39.5), (117.5, 40.5)]), Polygon()], dtype=object)
    out = reproject(arr, to_metric)
    assert isinstance(out, np.ndarray) and len(out) == 3
    assert out[0].x == pytest.approx(39_500_000.0, abs=1e-3)
    assert out[1].geom_type == "LineString" and out[2].is_empty
    x, y = to_metric.transform(116.5, 39.5)
    assert shapely.get_coordinates(out[1])[0] == pytest.approx([x, y])


# --- the neighbour sharing the longest boundary -----------------------------------------------------

# A 1 × 3 piece with neighbours: west shares 3 m, north shares 1 m, east shares 2 m, one far off.
PIECE = box(0, 0, 1, 3)
NEIGHBOURS = [box(-2, 0, 0, 3), box(0, 3, 1, 4), box(1, 0, 3, 2), box(10, 10, 11, 11)]


def test_shared_boundary_in_metres():
    np.testing.assert_allclose(shared_boundary(PIECE, NEIGHBOURS, grow_m=0.01), [3, 1, 2, 0], atol=0.05)


def test_longest_shared_boundary_picks_skips_and_gives_up():
    assert longest_shared_boundary(PIECE, NEIGHBOURS) == 0
    assert longest_shared_boundary(PIECE, NEIGHBOURS, skip={0}) == 2
    assert longest_shared_boundary(PIECE, NEIGHBOURS, skip={0, 2}) == 1
    assert longest_shared_boundary(PIECE, NEIGHBOURS, skip={0, 1, 2}) == -1  # only the far one left
    assert longest_shared_boundary(PIECE, []) == -1
    apart = [box(1.1, 0, 2, 3)]  # 10 cm off: farther than grow_m, no boundary shared
    assert longest_shared_boundary(PIECE, apart) == -1 and longest_shared_boundary(PIECE, apart, grow_m=0.2) == 0


def test_longest_shared_boundary_ties_and_odd_neighbours():
    twins = [box(-1, 0, 0, 3), box(1, 0, 2, 3)]
    assert longest_shared_boundary(PIECE, twins) == 0  # a tie goes to the first
    odd = [Polygon(), GeometryCollection([box(-1, 0, 0, 3)]), box(1, 0, 2, 1)]
    assert longest_shared_boundary(PIECE, odd) == 2  # an empty one or a collection (no boundary) is no neighbour


# --- without_spikes ----------------------------------------------------------------------------------

def test_without_spikes_leaves_the_square():
    debris = Polygon([(0, 0), (5, 0), (5, 1e-5), (5, 0), (10, 0), (10, 10), (5, 10.00001), (0, 10), (0, 5),
                      (0.01, 5.001), (0, 5.002)])  # a zero-width spike, a vertex on an edge, a 1 cm dent
    assert not debris.is_valid
    clean = without_spikes(debris)
    assert clean.geom_type == "Polygon" and clean.is_valid
    assert clean.equals(box(0, 0, 10, 10)) and len(clean.exterior.coords) == 5
    assert without_spikes(LineString([(0, 0), (1, 1)])).is_empty
