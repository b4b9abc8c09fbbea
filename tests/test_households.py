"""Household estimates for imported buildings (pure)."""

import numpy as np
import pytest

from gis.households import estimate_households, kind_of, parse_levels


@pytest.mark.parametrize("tag, levels", [("3", 3), ("2;3", 2), ("4.6", 5), ("", 1), (None, 1),
                                          ("ground", 1), ("0", 1)])
def test_parse_levels(tag, levels):
    assert parse_levels(tag, default=1) == levels


def test_estimate_is_area_times_levels_over_floor_area_and_zero_for_non_housing():
    out = estimate_households(np.array([900.0, 40.0, 900.0]), np.array([5, 1, 5]),
                              np.array([True, True, False]), floor_area_m2=90.0)
    assert out.tolist() == [50, 1, 0]


def test_kinds():
    assert kind_of("apartments") == "residential"
    assert kind_of("retail") == "mall"
    assert kind_of("yes") == "other"
