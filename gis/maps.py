"""Folium maps of a jurisdiction (the overview the service shows at ``/``)."""

from __future__ import annotations

import json

import folium

from gis.db import Connection, transaction
from gis.layers import get_layer
from gis.store import feature_page, find_jurisdiction

# Layer, label, style: what the overview map draws, bottom to top.
OVERVIEW = (
    ("grid", "网格 Grids", {"color": "#d6604d", "weight": 2, "fillOpacity": 0.08}),
    ("compound", "小区 Compounds", {"color": "#4393c3", "weight": 1, "fillOpacity": 0.05,
                                   "dashArray": "4 4"}),
    ("street_edge", "道路 Streets", {"color": "#777777", "weight": 3}),
    ("building", "楼栋 Buildings", {"color": "#333333", "weight": 1, "fillColor": "#bbbbbb",
                                   "fillOpacity": 0.7}),
    ("courier_zone", "快递停车分拣区 Courier zones", {"color": "#1a9850", "weight": 2,
                                                    "fillOpacity": 0.5}),
)
TOOLTIPS = {"grid": ["code", "name", "leader"], "compound": ["name", "governance"],
            "street_edge": ["name"], "building": ["name", "kind", "households"],
            "courier_zone": ["name", "capacity"]}


def overview_map(conn: Connection, slug: str) -> folium.Map:
    """A map of a jurisdiction: boundary, grids, compounds, streets, buildings, facilities."""
    with transaction(conn) as cur:
        j = find_jurisdiction(cur, slug)
        layers = {}
        for name in [o[0] for o in OVERVIEW] + ["post_station", "jurisdiction"]:
            text, _ = feature_page(cur, get_layer(name), jurisdiction_id=j.id, limit=2**31 - 1)
            layers[name] = {"type": "FeatureCollection", "features": json.loads(text)}
    minx, miny, maxx, maxy = j.envelope.bounds
    m = folium.Map(tiles=None, control_scale=True)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    folium.GeoJson(layers["jurisdiction"], name=f"{j.name} 辖区",
                   style_function=lambda _: {"color": "#222", "weight": 3, "fill": False}).add_to(m)
    for name, label, style in OVERVIEW:
        if not layers[name]["features"]:
            continue
        folium.GeoJson(layers[name], name=label, style_function=lambda _, s=style: s,
                       tooltip=folium.GeoJsonTooltip(TOOLTIPS[name])).add_to(m)
    stations = folium.FeatureGroup(name="驿站 / 服务中心 Stations")
    for f in layers["post_station"]["features"]:
        lon, lat = f["geometry"]["coordinates"]
        folium.CircleMarker([lat, lon], radius=6, color="#762a83", fill=True,
                            tooltip=f"{f['properties']['name']} ({f['properties']['kind']})"
                            ).add_to(stations)
    stations.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m
