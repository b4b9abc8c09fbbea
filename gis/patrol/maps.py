"""Folium maps of patrols: the routes of the workers, and the streets walked or gone stale."""

from __future__ import annotations

import folium
from folium.plugins import PolyLineTextPath

from gis.map_controls import add_legend, base_map, page_html
from gis.map_labels import label
from gis.map_text import as_text
from gis.patrol.exports import Leg, Waypoint, track_coords

COLOURS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999")
# Label every n-th street of a long route with its sequence number, so labels stay legible.
MAX_LABELS = 60


def _fit(m: folium.Map, coords) -> None:
    lons = [c[0] for c in coords]
    lats = [c[1] for c in coords]
    if lons:
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]])


def route_map(routes: list[list[Leg]], waypoints: list[Waypoint], title: str, lang: str = "en") -> folium.Map:
    """Each worker's route in its own colour with arrows in the walking direction and sequence
    numbers, the start, and the buildings to visit; labels in ``lang``."""
    m = base_map()
    every = []
    keys = []
    for worker, route in enumerate(routes, start=1):
        colour = COLOURS[(worker - 1) % len(COLOURS)]
        name = label("route", lang, n=worker)
        keys.append(f"<div><span style='color:{colour};font-weight:bold'>━►</span> {name}</div>")
        group = folium.FeatureGroup(name=name)
        coords = track_coords(route)
        every += coords.tolist()
        if len(coords) >= 2:
            line = folium.PolyLine([(lat, lon) for lon, lat in coords], color=colour, weight=4,
                                   opacity=0.8, tooltip=label("route_of", lang, title=as_text(title), n=worker))
            line.add_to(group)
            PolyLineTextPath(line, "  ►  ", repeat=True, offset=5,
                             attributes={"fill": colour, "font-size": "14"}).add_to(group)
        step = max(1, len(route) // MAX_LABELS)
        for leg in route[::step]:
            lon, lat = leg.coords[len(leg.coords) // 2]
            folium.Marker([lat, lon], icon=folium.DivIcon(
                html=f'<div style="font:11px sans-serif;color:{colour};font-weight:bold">{leg.seq}</div>'),
                tooltip=f"{worker}-{leg.seq} {as_text(leg.name or label('unnamed', lang))}",
                keyboard=False).add_to(group)
        group.add_to(m)
    stops = folium.FeatureGroup(name=label("stops", lang))
    for w in waypoints:
        if w.kind == "start":
            folium.Marker([w.lat, w.lon], tooltip=as_text(w.name), keyboard=False,
                          icon=folium.Icon(color="black", icon="home", prefix="fa")).add_to(stops)
        elif w.seq is None:  # a building along the route
            folium.CircleMarker([w.lat, w.lon], radius=5, color="#333", fill=True, fill_color="#ffd92f",
                                fill_opacity=1, tooltip=f"{as_text(w.name)} ({as_text(w.kind)})").add_to(stops)
        else:
            folium.Marker([w.lat, w.lon], tooltip=f"{w.seq}. {as_text(w.name)}", keyboard=False, icon=folium.DivIcon(
                html=f'<div style="background:#fff;border:2px solid #333;border-radius:9px;'
                     f'font:11px sans-serif;padding:0 4px">{w.seq}</div>')).add_to(stops)
    stops.add_to(m)
    _fit(m, every or [(w.lon, w.lat) for w in waypoints])
    if len(routes) > 1:
        add_legend(m, "".join(keys))
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def patrol_coverage_map(report: dict, lang: str = "en") -> folium.Map:
    """Streets by the share walked in the window: walked in green, stale in red (with the days
    since last walked); labels in ``lang``."""
    m = base_map()
    walked = folium.FeatureGroup(name=label("walked", lang, days=report["days"]))
    stale = folium.FeatureGroup(name=label("stale", lang))
    every = []
    for s in report["streets"]:
        coords = s["geometry"]["coordinates"]
        every += coords
        since = label("days_ago", lang, days=s["days_since"]) if s["days_since"] is not None else label("never", lang)
        tip = label("walked_tip", lang, name=as_text(s["name"] or label("unnamed", lang)), share=s["share"],
                    since=since)
        ok = s["share"] >= 0.5
        folium.PolyLine([(lat, lon) for lon, lat in coords], color="#1a9850" if ok else "#d73027",
                        weight=5 if ok else 6, opacity=0.85, tooltip=tip,
                        dash_array=None if ok else "6 4").add_to(walked if ok else stale)
    walked.add_to(m)
    stale.add_to(m)
    _fit(m, every)
    add_legend(m, label("patrol_coverage", lang, share=report["share"], days=report["days"]) + "<br>"
               f"<span style='color:#1a9850'>━</span> {label('walked_key', lang)} &nbsp; "
               f"<span style='color:#d73027'>╍</span> {label('stale_key', lang)}<br>"
               + "<br>".join(f"{as_text(g['code'])}: {g['share']:.0%}" for g in report["grids"]))
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def patrol_coverage_page(report: dict, lang: str = "en") -> str:
    """The patrol coverage map as a whole page, titled with the share walked."""
    return page_html(patrol_coverage_map(report, lang), lang,
                     label("patrol_coverage", lang, share=report["share"], days=report["days"]))
