"""Estimating households where nobody counted them: footprint area × levels ÷ floor area each.

Only residential buildings get households; the estimate is marked as such in the database
(``building.households_estimated``) so that a planner can tell counted from guessed.
"""

from __future__ import annotations

import math
import re

import numpy as np

from gis.i18n import msg

# OSM building=* values that house households, and the gridmap kind of the others.
RESIDENTIAL_TAGS = frozenset({
    "residential", "apartments", "house", "detached", "terrace", "semidetached_house",
    "dormitory", "bungalow", "farm", "cabin", "static_caravan",
})
KIND_OF_TAG = {
    "office": "office", "commercial": "office",
    "hotel": "hotel",
    "retail": "mall", "supermarket": "mall", "mall": "mall", "kiosk": "mall",
    "public": "public", "school": "public", "kindergarten": "public", "hospital": "public",
    "civic": "public", "government": "public", "university": "public", "college": "public",
    "church": "public", "fire_station": "public", "library": "public",
}

_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def kind_of(tag: str | None) -> str:
    """The gridmap building kind for an OSM ``building=*`` value."""
    if tag in RESIDENTIAL_TAGS:
        return "residential"
    return KIND_OF_TAG.get(tag or "", "other")


def parse_levels(value: object, default: int) -> int:
    """Levels from a ``building:levels`` tag ('3', '2;3', '4.5'); ``default`` if unreadable."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    m = _NUMBER.search(str(value))
    if not m:
        return default
    levels = int(round(float(m.group())))
    return levels if levels > 0 else default


def estimate_households(footprint_m2: np.ndarray, levels: np.ndarray, residential: np.ndarray,
                        floor_area_m2: float) -> np.ndarray:
    """Households per building: ``round(area × levels / floor_area_m2)``, at least 1 for housing.

    Parameters
    ----------
    footprint_m2
        Footprint areas in square metres.
    levels
        Storeys above ground.
    residential
        Whether each building houses households at all (others get 0).
    floor_area_m2
        Gross floor area per household (a setting, ``GRIDMAP_HOUSEHOLD_FLOOR_AREA_M2``).
    """
    if floor_area_m2 <= 0:
        raise ValueError(msg("floor area per household must be positive"))
    raw = np.rint(np.asarray(footprint_m2) * np.asarray(levels) / floor_area_m2)
    return np.where(np.asarray(residential), np.maximum(raw, 1), 0).astype(int)
