"""The coverage map: buildings by walking distance, facilities by load, service areas, gaps."""

from __future__ import annotations

import json

import folium
import numpy as np
import shapely

from gis.coverage.analysis import Coverage
from gis.coverage.areas import service_areas
from gis.map_text import as_text

CLASS_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
UNREACHABLE = "#7b3294"
AREA_COLOURS = ("#1a9850", "#fee08b", "#fc8d59", "#d73027")


def _lonlat(geom, cov: Coverage):
    t = cov.loaded.to_wgs84
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def classes(thresholds: list[float]) -> list[tuple[str, str]]:
    """Legend classes: (label, colour) for ≤ t1, t1–t2, …, > tn."""
    labels = [f"≤ {thresholds[0]:g} m"] + [f"{a:g}–{b:g} m" for a, b in zip(thresholds, thresholds[1:], strict=False)]
    labels.append(f"> {thresholds[-1]:g} m")
    colours = list(CLASS_COLOURS[: len(labels) - 1]) + [CLASS_COLOURS[-1]]
    return list(zip(labels, colours, strict=True))


def coverage_map(cov: Coverage, footprints: dict[int, dict], buffer_m: float) -> folium.Map:
    """``footprints``: GeoJSON geometry of each building by id."""
    m = folium.Map(tiles=None, control_scale=True)
    legend = classes(cov.thresholds)
    areas = service_areas(cov.net, cov.nearest.node_distance, cov.thresholds, buffer_m)
    for k, limit in reversed(list(enumerate(cov.thresholds))):
        geom = areas[limit]
        if geom.is_empty:
            continue
        colour = AREA_COLOURS[min(k, len(AREA_COLOURS) - 1)]
        folium.GeoJson(shapely.geometry.mapping(_lonlat(geom, cov)), name=f"服务范围 Service area ≤ {limit:g} m",
                       style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillColor": c,
                                                           "fillOpacity": 0.15}).add_to(m)
    edges = folium.FeatureGroup(name="道路 Streets")
    for g in cov.loaded.net.geoms:
        xy = shapely.get_coordinates(_lonlat(g, cov))
        folium.PolyLine([(y, x) for x, y in xy], color="#888", weight=2).add_to(edges)
    edges.add_to(m)
    b = cov.buildings
    feats = []
    for i, bid in enumerate(b.ids.tolist()):
        d = cov.nearest.distance[i]
        if np.isfinite(d):
            k = int(np.searchsorted(cov.thresholds, d, side="left"))
            label, colour = legend[min(k, len(legend) - 1)]
            dist = f"{d:.0f} m"
        else:
            label, colour, dist = "无法到达 unreachable", UNREACHABLE, "unreachable"
        if bid in footprints:
            feats.append({"type": "Feature", "geometry": footprints[bid],
                          "properties": {"name": as_text(b.names[i]), "households": int(b.households[i]),
                                         "distance": dist, "class": label, "colour": colour,
                                         "gap": bool(not np.isfinite(d) or d > cov.thresholds[0])}})
    folium.GeoJson({"type": "FeatureCollection", "features": feats}, name="楼栋 Buildings by distance",
                   style_function=lambda f: {"color": "#000" if f["properties"]["gap"] else "#555",
                                             "weight": 3 if f["properties"]["gap"] else 1,
                                             "fillColor": f["properties"]["colour"], "fillOpacity": 0.8},
                   tooltip=folium.GeoJsonTooltip(["name", "households", "distance"])).add_to(m)
    group = folium.FeatureGroup(name="设施 Facilities (load)")
    for f, load in zip(cov.facilities, cov.load(), strict=True):
        over = load["overloaded"]
        share = f"{load['load']:.0%}" if load["load"] is not None else "n/a"
        folium.CircleMarker([f.lat, f.lon], radius=7 + min(12, (load["load"] or 0) * 8),
                            color="#b2182b" if over else "#2166ac", fill=True, fill_opacity=0.9,
                            tooltip=f"{as_text(f.name or f.layer)}: {load['households']} households, load {share}"
                                    + (" — 超负荷 overloaded" if over else "")).add_to(group)
    group.add_to(m)
    minx, miny, maxx, maxy = cov.jurisdiction.envelope.bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    rows = "".join(f"<div><span style='background:{c};display:inline-block;width:14px;height:10px'></span> {lab}</div>"
                   for lab, c in legend)
    s = cov.summary()
    first = s["within"][f"{cov.thresholds[0]:g}"]
    html = ("<div style='position:fixed;bottom:20px;left:20px;z-index:999;background:#fff;padding:6px 10px;"
            "font:12px sans-serif;border:1px solid #999'>"
            f"<b>步行距离 Walking distance to {as_text(cov.facility)}</b>{rows}"
            f"<div><span style='background:{UNREACHABLE};display:inline-block;width:14px;height:10px'></span>"
            " 无法到达 unreachable</div>"
            f"<div>{first['households_share']:.0%} of households within {cov.thresholds[0]:g} m</div></div>")
    m.get_root().html.add_child(folium.Element(html))
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def footprints_of(cur, jurisdiction_id: int) -> dict[int, dict]:
    cur.execute("SELECT id, ST_AsGeoJSON(geom, 7) FROM building WHERE jurisdiction_id = %s", (jurisdiction_id,))
    return {bid: json.loads(g) for bid, g in cur.fetchall()}
