"""Patrol routes out: GPX for phones, GeoJSON with sequence numbers, a printable street list."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

from gis.map_labels import label
from gis.network import StreetNetwork
from gis.patrol.postman import Step


@dataclass(frozen=True)
class Waypoint:
    """A point to show along a route (the start, a building to visit)."""

    lon: float
    lat: float
    name: str
    seq: int | None = None
    kind: str = "visit"


@dataclass(frozen=True)
class Leg:
    """One street walked: what a printed list and a GeoJSON feature say about a step."""

    seq: int
    edge_id: int
    name: str | None
    length_m: float
    coords: np.ndarray  # lon/lat along the walking direction


def street_ids(net: StreetNetwork, steps: list[Step]) -> list[int]:
    """Street edge ids in walking order; two pieces of one street cut at a point (the start, a
    building) count once when walked straight through."""
    out: list[int] = []
    last = -1
    for e, _ in steps:
        eid = int(net.edge_ids[net.parent[e]])
        if not (out and out[-1] == eid and e != last):
            out.append(eid)
        last = e
    return out


def legs(net: StreetNetwork, steps: list[Step], to_wgs84: Transformer) -> list[Leg]:
    """The steps of a walk as lon/lat pieces, in order."""
    out = []
    for i, (e, fwd) in enumerate(steps, start=1):
        xy = shapely.get_coordinates(net.piece(e, fwd))
        lon, lat = to_wgs84.transform(xy[:, 0], xy[:, 1])
        p = int(net.parent[e])
        out.append(Leg(i, int(net.edge_ids[p]), net.names[p], float(net.length[e]),
                       np.column_stack([lon, lat])))
    return out


def track_coords(route_legs: list[Leg]) -> np.ndarray:
    """One continuous lon/lat line through the legs (shared ends written once)."""
    if not route_legs:
        return np.zeros((0, 2))
    parts = [route_legs[0].coords] + [leg.coords[1:] for leg in route_legs[1:]]
    return np.vstack(parts)


def to_gpx(routes: list[list[Leg]], waypoints: list[Waypoint], name: str, lang: str = "en") -> str:
    """A GPX 1.1 document: one track per worker, waypoints for the start and the visits."""
    import gpxpy.gpx  # only when GPX is asked for

    doc = gpxpy.gpx.GPX()
    doc.name = name
    doc.creator = "gridmap"
    for w in waypoints:
        text = f"{w.seq}. {w.name}" if w.seq is not None else w.name
        doc.waypoints.append(gpxpy.gpx.GPXWaypoint(latitude=round(w.lat, 7), longitude=round(w.lon, 7),
                                                   name=text, type=w.kind))
    for i, route in enumerate(routes, start=1):
        track = gpxpy.gpx.GPXTrack(name=label("worker_track", lang, title=name, n=i) if len(routes) > 1 else name)
        track.number = i
        segment = gpxpy.gpx.GPXTrackSegment()
        for lon, lat in track_coords(route):
            segment.points.append(gpxpy.gpx.GPXTrackPoint(latitude=round(float(lat), 7),
                                                          longitude=round(float(lon), 7)))
        track.segments.append(segment)
        doc.tracks.append(track)
    return doc.to_xml(version="1.1")


def to_geojson(routes: list[list[Leg]], waypoints: list[Waypoint], speed_kmh: float,
               walkers: list[str | None] | None = None) -> dict:
    """A FeatureCollection: every street walked with its worker and sequence number, the minute
    of the walk it starts at (``minute``) and the minutes it takes (``minutes``), at
    ``speed_kmh``, and (``walkers``, a schedule's) who walks its route; the start and the visits as points."""
    features = []
    per_min = speed_kmh * 1000 / 60
    for worker, route in enumerate(routes, start=1):
        walked = 0.0
        walker = walkers[worker - 1] if walkers else None
        for leg in route:
            features.append({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": np.round(leg.coords, 7).tolist()},
                "properties": {"worker": worker, "seq": leg.seq, "edge_id": leg.edge_id,
                               "name": leg.name, "length_m": round(leg.length_m, 2),
                               "minute": round(walked / per_min, 1),
                               "minutes": round(leg.length_m / per_min, 2),
                               **({"walker": walker} if walker else {})},
            })
            walked += leg.length_m
    for w in waypoints:
        features.append({"type": "Feature",
                         "geometry": {"type": "Point", "coordinates": [round(w.lon, 7), round(w.lat, 7)]},
                         "properties": {"kind": w.kind, "name": w.name, "seq": w.seq}})
    return {"type": "FeatureCollection", "features": features}


def street_list(routes: list[list[Leg]], title: str, speed_kmh: float, lang: str = "en") -> str:
    """A printable list of the streets in walking order, a block per worker (consecutive legs of
    one street are one line), labelled in ``lang``."""
    per_min = speed_kmh * 1000 / 60
    lines = [title, ""]
    for worker, route in enumerate(routes, start=1):
        total = sum(leg.length_m for leg in route)
        lines.append(label("route_line", lang, n=worker, km=total / 1000, minutes=total / per_min))
        rows: list[list] = []
        for leg in route:
            name = leg.name or label("unnamed", lang)
            if rows and rows[-1][0] == name:
                rows[-1][1] += leg.length_m
            else:
                rows.append([name, leg.length_m])
        for i, (name, metres) in enumerate(rows, start=1):
            lines.append(f"{i:>4}. {name}  {label('metres', lang, m=metres)}")
        lines.append("")
    return "\n".join(lines)
