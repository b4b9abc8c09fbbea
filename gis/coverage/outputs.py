"""Coverage answers in the formats people open: GeoJSON and the map page."""

from __future__ import annotations

import shapely

from gis.coverage.analysis import Coverage
from gis.coverage.areas import service_areas
from gis.coverage.maps import LABELLED_FACILITIES, courier_coverage_map, footprints_of
from gis.geometry import reproject
from gis.map_controls import page_html
from gis.map_labels import label


def to_geojson(cur, cov: Coverage, buffer_m: float) -> dict:
    """Buildings (footprints) with their distance and facility, facilities with their load, and
    the service area of every threshold."""
    shapes = footprints_of(cur, cov.jurisdiction.id)
    feats = []
    for row in cov.building_rows():
        feats.append({"type": "Feature", "geometry": shapes.get(row["id"]),
                      "properties": {"layer": "building", **{k: v for k, v in row.items() if k != "facility"},
                                     "facility_id": row["facility"]["id"] if row["facility"] else None}})
    for f, load in zip(cov.facilities, cov.load(), strict=True):
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [f.lon, f.lat]},
                      "properties": {**load, "layer": f.layer}})
    t = cov.loaded.to_wgs84
    for limit, geom in service_areas(cov.net, cov.nearest.node_distance, cov.thresholds, buffer_m).items():
        ll = reproject(geom, t)
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(ll) if not ll.is_empty else None,
                      "properties": {"layer": "service_area", "within_m": limit}})
    return {"type": "FeatureCollection", "features": feats}


def map_html(cur, cov: Coverage, buffer_m: float, lang: str = "en") -> str:
    """The coverage map as an HTML page, labelled in ``lang``."""
    m = courier_coverage_map(cov, footprints_of(cur, cov.jurisdiction.id), buffer_m, lang)
    facility = label(cov.facility, lang) if cov.facility in LABELLED_FACILITIES else cov.facility
    return page_html(m, lang, label("walking_distance", lang, facility=facility))
