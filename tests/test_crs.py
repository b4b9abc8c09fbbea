"""CRS helpers: UTM zones, GCJ-02 and the rule that nothing is reprojected undeclared."""

import math

import pytest
from pyproj import CRS
from shapely.geometry import Point

from gis.crs import gcj02_to_wgs84, parse_crs, source_crs, to_wgs84, utm_srid, wgs84_to_gcj02
from gis.errors import InvalidInput


def test_gcj02_matches_the_published_offset():
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-6)
    assert lat == pytest.approx(39.91640428150164, abs=1e-6)


def test_gcj02_inverse_round_trips_to_a_centimetre():
    lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(116.48, 39.91))
    assert lon == pytest.approx(116.48, abs=1e-7) and lat == pytest.approx(39.91, abs=1e-7)


def test_outside_china_is_not_shifted():
    assert wgs84_to_gcj02(26.95, 60.53) == (26.95, 60.53)


def test_utm_zone_of_beijing_and_kouvola():
    assert utm_srid(116.48, 39.91) == 32650
    assert utm_srid(26.95, 60.53) == 32635
    assert utm_srid(-70.6, -33.4) == 32719


def test_source_crs_rules():
    assert source_crs(None, None) is None
    assert source_crs(CRS(4490), None) is None
    assert source_crs(CRS(3857), CRS(3857)) == CRS(3857)
    assert source_crs(None, "gcj02") == "gcj02"
    assert source_crs(CRS(3857), None) == CRS(3857)  # declared by the file: no flag needed
    assert source_crs(CRS(4527), None) == CRS(4527)
    assert source_crs(CRS(3857), CRS(32650)) == CRS(32650)  # declared wrongly: the user's wins
    assert source_crs(CRS(3857), CRS(4326)) is None


def test_to_wgs84_from_web_mercator():
    x, y, r = 12966000.0, 4852000.0, 6378137.0
    g = to_wgs84([Point(x, y)], CRS(3857))[0]
    # The spherical Mercator inverse, computed independently.
    assert g.x == pytest.approx(math.degrees(x / r), abs=1e-9)
    assert g.y == pytest.approx(math.degrees(math.atan(math.sinh(y / r))), abs=1e-9)


ENGINEERING = ('ENGCRS["site grid",EDATUM["site"],CS[Cartesian,2],AXIS["x",east,LENGTHUNIT["metre",1]],'
               'AXIS["y",north,LENGTHUNIT["metre",1]]]')


@pytest.mark.parametrize("crs, says", [
    ("EPSG:5714", "EPSG:5714 is not a map CRS"),  # a vertical CRS: heights, no map position
    ("EPSG:4978", "EPSG:4978 is not a map CRS"),  # geocentric x, y, z
    (ENGINEERING, "site grid is not a map CRS"),  # a site's own grid, tied to nothing
    ("IAU_2015:30100", "no transformation from Moon"),  # the Moon's
], ids=["vertical", "geocentric", "engineering", "moon"])
def test_a_crs_maps_cannot_come_from_is_refused_in_words(crs, says):
    with pytest.raises(InvalidInput) as e:
        source_crs(None, parse_crs(crs))
    assert says in str(e.value)
    assert "proj_create" not in str(e.value) and "Internal Proj Error" not in str(e.value)
    with pytest.raises(InvalidInput):  # the same when the file declares it
        source_crs(CRS.from_user_input(crs), None)


def test_a_compound_crs_is_taken_by_its_horizontal_part():
    assert source_crs(None, CRS("EPSG:4547+5773")) == CRS("EPSG:4547+5773")
