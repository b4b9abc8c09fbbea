"""Feature checks (pure): every problem is named, and one bad feature stops the whole write."""

import pytest
from shapely.geometry import box

from gis.errors import InvalidInput
from gis.features import check_features
from gis.layers import get_layer

AREA = box(116.0, 39.0, 117.0, 40.0)
SQUARE = {"type": "Polygon", "coordinates": [[[116.1, 39.1], [116.2, 39.1], [116.2, 39.2],
                                              [116.1, 39.2], [116.1, 39.1]]]}


def feature(geometry, **props):
    return {"type": "Feature", "geometry": geometry, "properties": props}


def problems_of(layer, feats):
    with pytest.raises(InvalidInput) as info:
        check_features(get_layer(layer), feats, AREA, "测试社区")
    return " | ".join(info.value.problems)


def test_a_good_building_passes_and_is_promoted_to_multipolygon():
    rows = check_features(get_layer("building"), [feature(SQUARE, households=10)], AREA)
    assert rows[0].geometry.geom_type == "MultiPolygon"
    assert rows[0].properties["households"] == 10 and rows[0].properties["kind"] == "other"


@pytest.mark.parametrize("geometry, expected", [
    ({"type": "Point", "coordinates": [116.1, 39.1]}, "wrong geometry type Point"),
    ({"type": "Polygon", "coordinates": []}, "empty geometry"),
    ({"type": "Polygon", "coordinates": [[[116.1, 39.1], [116.2, 39.2], [116.2, 39.1],
                                          [116.1, 39.2], [116.1, 39.1]]]}, "Self-intersection"),
    ({"type": "Polygon", "coordinates": [[[39.1, 116.1], [39.2, 116.1], [39.2, 116.2],
                                          [39.1, 116.2], [39.1, 116.1]]]}, "look swapped"),
    ({"type": "Polygon", "coordinates": [[[1e6, 4e6], [1.1e6, 4e6], [1.1e6, 4.1e6],
                                          [1e6, 4e6]]]}, "out of range"),
    ({"type": "Polygon", "coordinates": [[[118.1, 39.1], [118.2, 39.1], [118.2, 39.2],
                                          [118.1, 39.1]]]}, "outside jurisdiction 测试社区"),
    ({"type": "Polygon", "coordinates": "nonsense"}, "malformed geometry"),
    (None, "has no geometry"),
])
def test_bad_geometry_is_named(geometry, expected):
    assert expected in problems_of("courier_zone", [feature(geometry, name="z")])


def test_bad_properties_are_all_listed():
    text = problems_of("post_station", [feature({"type": "Point", "coordinates": [116.1, 39.1]},
                                                kind="castle", capacity="many")])
    assert "'name' is required" in text
    assert "'kind' must be one of" in text
    assert "'capacity' must be an integer" in text


def test_one_bad_feature_among_good_ones_fails_the_lot_and_names_it():
    good = feature(SQUARE, name="a")
    bad = feature({"type": "Point", "coordinates": [116.1, 39.1]}, name="b")
    text = problems_of("courier_zone", [good, good, bad])
    assert text.startswith("feature 3 (b): wrong geometry type")


def test_grid_code_must_have_15_digits():
    text = problems_of("grid", [feature(SQUARE, code="11010501500100")])
    assert "'code' has the wrong form" in text
