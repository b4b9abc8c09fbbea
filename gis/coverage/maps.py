"""The coverage map: buildings by walking distance, facilities by load, service areas, gaps."""

from __future__ import annotations

import json

import folium
import numpy as np
import shapely
from branca.colormap import LinearColormap

from gis.coverage.analysis import Coverage
from gis.coverage.areas import service_areas
from gis.geometry import reproject
from gis.map_controls import add_legend, base_map
from gis.map_labels import label
from gis.map_text import as_text

CLASS_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
UNREACHABLE = "#7b3294"
AREA_COLOURS = ("#1a9850", "#fee08b", "#fc8d59", "#d73027")
LABELLED_FACILITIES = ("courier_zone", "post_station", "service_centre", "any")


def _lonlat(geom, cov: Coverage):
    return reproject(geom, cov.loaded.to_wgs84)


def classes(thresholds: list[float], lang: str = "en") -> list[tuple[str, str]]:
    """Legend classes: (label, colour) for ≤ t1, t1–t2, …, > tn."""
    labels = [label("le", lang, m=thresholds[0])] + [label("between", lang, a=a, b=b)
                                                     for a, b in zip(thresholds, thresholds[1:], strict=False)]
    labels.append(label("gt", lang, m=thresholds[-1]))
    ramp = LinearColormap(list(CLASS_COLOURS), vmin=0, vmax=1)  # green (near) to red (far), any count
    colours = [ramp.rgb_hex_str(k / max(len(labels) - 1, 1)) for k in range(len(labels))]
    return list(zip(labels, colours, strict=True))


def courier_coverage_map(cov: Coverage, footprints: dict[int, dict], buffer_m: float, lang: str = "en") -> folium.Map:
    """``footprints``: GeoJSON geometry of each building by id. Labels in ``lang``."""
    m = base_map()
    legend = classes(cov.thresholds, lang)
    areas = service_areas(cov.net, cov.nearest.node_distance, cov.thresholds, buffer_m)
    for k, limit in reversed(list(enumerate(cov.thresholds))):
        geom = areas[limit]
        if geom.is_empty:
            continue
        colour = AREA_COLOURS[min(k, len(AREA_COLOURS) - 1)]
        folium.GeoJson(shapely.geometry.mapping(_lonlat(geom, cov)), name=label("service_area", lang, m=limit),
                       style_function=lambda _, c=colour: {"color": c, "weight": 1, "fillColor": c,
                                                           "fillOpacity": 0.15}).add_to(m)
    edges = folium.FeatureGroup(name=label("streets", lang))
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
            name, colour = legend[min(k, len(legend) - 1)]
            dist = label("m", lang, m=d)
        else:
            name, colour, dist = label("unreachable", lang), UNREACHABLE, label("unreachable", lang)
        if bid in footprints:
            feats.append({"type": "Feature", "geometry": footprints[bid],
                          "properties": {"name": as_text(b.names[i]), "households": int(b.households[i]),
                                         "distance": dist, "class": name, "colour": colour,
                                         "gap": bool(not np.isfinite(d) or d > cov.thresholds[0])}})
    fields = ["name", "households", "distance"]
    folium.GeoJson({"type": "FeatureCollection", "features": feats}, name=label("buildings_by_distance", lang),
                   style_function=lambda f: {"color": "#000" if f["properties"]["gap"] else "#555",
                                             "weight": 3 if f["properties"]["gap"] else 1,
                                             "fillColor": f["properties"]["colour"], "fillOpacity": 0.8},
                   tooltip=folium.GeoJsonTooltip(fields, aliases=[label(f, lang) for f in fields])).add_to(m)
    group = folium.FeatureGroup(name=label("facilities", lang))
    for f, load in zip(cov.facilities, cov.load(), strict=True):
        over = load["overloaded"]
        share = f"{load['load']:.0%}" if load["load"] is not None else "—"
        tip = label("facility_tip", lang, name=as_text(f.name or f.layer), households=load["households"], load=share)
        folium.CircleMarker([f.lat, f.lon], radius=7 + min(12, (load["load"] or 0) * 8),
                            color="#b2182b" if over else "#2166ac", fill=True, fill_opacity=0.9,
                            tooltip=tip + (f" — {label('overloaded', lang)}" if over else "")).add_to(group)
    group.add_to(m)
    minx, miny, maxx, maxy = cov.jurisdiction.envelope.bounds
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    swatch = "display:inline-block;width:14px;height:10px"
    rows = "".join(f"<div><span style='background:{c};{swatch}'></span> {lab}</div>" for lab, c in legend)
    s = cov.summary()
    first = s["within"][f"{cov.thresholds[0]:g}"]
    facility = label(cov.facility, lang) if cov.facility in LABELLED_FACILITIES else as_text(cov.facility)
    add_legend(m, f"<b>{label('walking_distance', lang, facility=facility)}</b>{rows}"
                  f"<div><span style='background:{UNREACHABLE};{swatch}'></span> {label('unreachable', lang)}</div>"
                  f"<div>{label('within', lang, share=first['households_share'], m=cov.thresholds[0])}</div>")
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def footprints_of(cur, jurisdiction_id: int) -> dict[int, dict]:
    cur.execute("SELECT id, ST_AsGeoJSON(geom, 7) FROM building WHERE jurisdiction_id = %s", (jurisdiction_id,))
    return {bid: json.loads(g) for bid, g in cur.fetchall()}
