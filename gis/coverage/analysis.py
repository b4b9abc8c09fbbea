"""Coverage of a jurisdiction by one kind of facility: load from PostGIS, measure, summarise.

Facilities: ``courier_zone`` (快递停车分拣区, polygons), ``post_station`` (楼宇驿站 and parcel
lockers), ``service_centre`` (公寓服务中心) or ``any`` of them. A facility meets the streets
where it comes nearest to them, within ``GRIDMAP_SNAP_MAX_M``; farther is refused, named. A
station housed in a building serves that building at distance 0.

Load: the households of the buildings nearest to each facility, against what it can serve: a
post station's ``capacity`` is in households; a courier zone's is in parking bays, each serving
``GRIDMAP_HOUSEHOLDS_PER_BAY`` households.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from psycopg2.extensions import cursor as Cursor
from shapely.geometry.base import BaseGeometry

from gis import limits
from gis.coverage.distance import Nearest, nearest_facilities, path_to_facility
from gis.db import read_sql
from gis.errors import InvalidInput
from gis.i18n import Message, msg
from gis.network import StreetNetwork, no_gc
from gis.network_store import LoadedNetwork, load_network
from gis.settings import Settings
from gis.store import Jurisdiction, find_jurisdiction

FACILITIES = ("courier_zone", "post_station", "service_centre", "any")
STATION_KINDS = {"post_station": ("building_station", "parcel_locker"),
                 "service_centre": ("service_centre",)}


@dataclass
class Facility:
    layer: str
    id: int | None          # None for a proposed facility not stored yet
    name: str | None
    capacity_households: float | None
    metric: BaseGeometry     # in the jurisdiction's metric CRS
    lon: float
    lat: float
    building_id: int | None = None


def facility_label(f: Facility) -> Message:
    """How a refusal names a facility: its layer, id (or that it is proposed) and name."""
    which = msg("(proposed)") if f.id is None else f.id
    return msg("{0} {1} {2}", f.layer, which, f.name) if f.name else msg("{0} {1}", f.layer, which)


@dataclass
class Buildings:
    ids: np.ndarray
    names: list[str | None]
    kinds: list[str]
    households: np.ndarray
    grids: list[str | None]
    access: np.ndarray       # metric geometries: entrances, else footprints
    lonlat: np.ndarray       # a point inside each


@dataclass
class Coverage:
    """The answer for one facility set."""

    jurisdiction: Jurisdiction
    facility: str
    thresholds: list[float]
    facilities: list[Facility]
    buildings: Buildings
    nearest: Nearest
    net: StreetNetwork
    loaded: LoadedNetwork
    unsnapped: np.ndarray    # buildings with no street within reach
    grid_names: dict[str, str | None] = field(default_factory=dict)
    facility_nodes: list[int] = field(default_factory=list)  # where each facility meets the streets

    def summary(self, mask: np.ndarray | None = None) -> dict:
        b = self.buildings
        mask = np.ones(len(b.ids), dtype=bool) if mask is None else mask
        d, h = self.nearest.distance[mask], b.households[mask]
        total_h = float(h.sum())
        within = {}
        for t in self.thresholds:
            ok = d <= t
            within[f"{t:g}"] = {"buildings": int(ok.sum()),
                                "buildings_share": round(float(ok.mean()), 4) if len(d) else 0.0,
                                "households": int(h[ok].sum()),
                                "households_share": round(float(h[ok].sum()) / total_h, 4) if total_h else 0.0}
        reach = np.isfinite(d)
        return {"buildings": int(mask.sum()), "households": int(total_h), "within": within,
                "unreachable": int((~reach).sum()),
                "mean_distance_m": round(float(d[reach].mean()), 1) if reach.any() else None}

    def load(self) -> list[dict]:
        fac = self.nearest.facility
        out = []
        for i, f in enumerate(self.facilities):
            mine = fac == i
            households = int(self.buildings.households[mine].sum())
            cap = f.capacity_households
            out.append({"layer": f.layer, "id": f.id, "name": f.name, "buildings": int(mine.sum()),
                        "households": households, "capacity_households": cap,
                        "load": round(households / cap, 3) if cap else None,
                        "overloaded": bool(cap is not None and households > cap)})
        return out

    def building_rows(self, paths: bool = False) -> list[dict]:
        b, near = self.buildings, self.nearest
        rows = []
        with no_gc():
            for i in range(len(b.ids)):
                d = near.distance[i]
                row: dict[str, Any] = {"id": int(b.ids[i]), "name": b.names[i], "kind": b.kinds[i],
                       "households": int(b.households[i]), "grid": b.grids[i],
                       "distance_m": round(float(d), 1) if np.isfinite(d) else None,
                       "facility": None}
                if np.isfinite(d):
                    f = self.facilities[int(near.facility[i])]
                    row["facility"] = {"layer": f.layer, "id": f.id, "name": f.name}
                    if paths:
                        steps = path_to_facility(self.net, near, i)
                        row["path"] = [int(self.net.edge_ids[self.net.parent[e]]) for e, _ in steps]
                rows.append(row)
        return rows

    def unreachable(self) -> list[dict]:
        b = self.buildings
        out = []
        for i in np.flatnonzero(~np.isfinite(self.nearest.distance)).tolist():
            reason = ("no street within reach of the building" if self.unsnapped[i]
                      else "no facility on its piece of the street network")
            out.append({"id": int(b.ids[i]), "name": b.names[i], "reason": reason})
        return out

    def to_json(self, paths: bool = False) -> dict:
        grids = []
        for code in sorted({g for g in self.buildings.grids if g}):
            mask = np.array([g == code for g in self.buildings.grids])
            grids.append({"code": code, "name": self.grid_names.get(code), **self.summary(mask)})
        return {"jurisdiction": self.jurisdiction.slug, "facility": self.facility,
                "thresholds": self.thresholds, "summary": self.summary(), "grids": grids,
                "facilities": self.load(), "unreachable": self.unreachable(),
                "buildings": self.building_rows(paths),
                "duplicate_edges_ignored": self.loaded.duplicates}


def parse_thresholds(text: str | None, default: tuple[float, ...]) -> list[float]:
    if not text:
        return list(default)
    try:
        values = sorted({float(x) for x in text.split(",") if x.strip()})
    except ValueError:
        raise InvalidInput(msg("thresholds are metres separated by commas, got {0!r}", text)) from None
    if len(values) > limits.MAX_THRESHOLDS or not all(v <= limits.MAX_DISTANCE_M for v in values):  # NaN too
        raise InvalidInput(msg("give at most {0} thresholds of at most {1} m",
                               limits.MAX_THRESHOLDS, limits.MAX_DISTANCE_M))
    if not values or values[0] <= 0:
        raise InvalidInput(msg("thresholds must be positive metres"))
    return values


def load_facilities(cur: Cursor, jur: Jurisdiction, facility: str, settings: Settings,
                    layout_id: int | None = None) -> list[Facility]:
    """The facilities of a kind (``any``: all of them): published, or those of draft ``layout_id``."""
    if facility not in FACILITIES:
        raise InvalidInput(msg("facility must be one of {0}, got {1!r}", ", ".join(FACILITIES), facility))
    out: list[Facility] = []
    prefix = "coverage_layout_" if layout_id is not None else "coverage_"
    key = {"jurisdiction_id": jur.id, "layout_id": layout_id, "srid": jur.metric_srid}
    if facility in ("courier_zone", "any"):
        cur.execute(read_sql(prefix + "courier_zones.sql"), key)
        for fid, name, bays, wkb, lon, lat in cur.fetchall():
            out.append(Facility("courier_zone", fid, name, bays * settings.households_per_bay if bays is not None
                                else None, shapely.from_wkb(bytes(wkb)), lon, lat))
    kinds = [k for f, ks in STATION_KINDS.items() if facility in (f, "any") for k in ks]
    if kinds:
        cur.execute(read_sql(prefix + "stations.sql"), {**key, "kinds": kinds})
        for fid, name, cap, wkb, lon, lat, building_id in cur.fetchall():
            out.append(Facility("post_station", fid, name, cap, shapely.from_wkb(bytes(wkb)), lon, lat,
                                building_id))
    return out


def load_buildings(cur: Cursor, jur: Jurisdiction) -> tuple[Buildings, dict[str, str | None]]:
    cur.execute(read_sql("coverage_buildings.sql"), {"jurisdiction_id": jur.id, "srid": jur.metric_srid})
    ids, names, kinds, households, grids, wkb, lons, lats = cur.fetchone()
    cur.execute("SELECT code, name FROM grid WHERE jurisdiction_id = %s", (jur.id,))
    grid_names = dict(cur.fetchall())
    if not ids:
        return Buildings(np.zeros(0, dtype=np.int64), [], [], np.zeros(0), [], np.zeros(0, dtype=object),
                         np.zeros((0, 2))), grid_names
    by_id = np.argsort(np.asarray(ids, dtype=np.int64))
    with no_gc():
        access = shapely.get_parts(shapely.from_wkb(bytes(wkb)))[by_id]
    pick = by_id.tolist()
    return Buildings(np.asarray(ids, dtype=np.int64)[by_id], [names[i] for i in pick], [kinds[i] for i in pick],
                     np.asarray([households[i] or 0 for i in pick], dtype=float), [grids[i] for i in pick],
                     access, np.column_stack([lons, lats])[by_id]), grid_names


def measure(jur: Jurisdiction, loaded: LoadedNetwork, facilities: list[Facility], buildings: Buildings,
            facility: str, thresholds: list[float], snap_max_m: float,
            grid_names: dict[str, str | None] | None = None) -> Coverage:
    """Walking distances from every building to its nearest facility of the set."""
    if not facilities:
        raise InvalidInput(msg("{0} has no {1} facilities to measure coverage against", jur.slug, facility))
    snaps = loaded.net.snap_geoms([f.metric for f in facilities], snap_max_m)
    far = [f for f, s in zip(facilities, snaps, strict=True) if s is None]
    if far:
        raise InvalidInput(msg("{0} facilities lie more than {1:g} m from any street (GRIDMAP_SNAP_MAX_M)",
                               len(far), snap_max_m),
                           [facility_label(f) for f in far])
    snapped = [s for s in snaps if s is not None]  # every one: the far ones were refused above
    net, nodes = loaded.net.split_at(snapped)
    bsnaps = net.snap_geoms(buildings.access, snap_max_m) if len(buildings.ids) else []
    unsnapped = np.array([s is None for s in bsnaps], dtype=bool)
    index = {int(bid): i for i, bid in enumerate(buildings.ids)}
    inside = np.full(len(buildings.ids), -1, dtype=np.int64)
    for k, f in enumerate(facilities):
        if f.building_id is not None and f.building_id in index:
            inside[index[f.building_id]] = k
    nearest = nearest_facilities(net, nodes, np.array([s.offset_m for s in snapped]), bsnaps, inside)
    return Coverage(jur, facility, thresholds, facilities, buildings, nearest, net, loaded, unsnapped,
                    grid_names or {}, list(nodes))


def analyse(cur: Cursor, slug: str, settings: Settings, facility: str = "any",
            thresholds: list[float] | None = None, draft: int | None = None) -> Coverage:
    """Coverage of jurisdiction ``slug`` by its facilities of a kind: the published ones, or those
    of a draft layout (whose grids then group the buildings)."""
    jur = find_jurisdiction(cur, slug)
    if draft is not None:
        cur.execute("SELECT jurisdiction_id FROM layout WHERE id = %s", (draft,))
        row = cur.fetchone()
        if row is None or row[0] != jur.id:
            raise InvalidInput(msg("{0} has no layout {1}", slug, draft))
    facilities = load_facilities(cur, jur, facility, settings, draft)
    buildings, grid_names = load_buildings(cur, jur)
    if draft is not None:
        from gis.grids.checks import assign
        from gis.grids.layouts import load_state

        state = load_state(cur, layout_id=draft)
        codes, _ = assign(state.grids, state.buildings)
        buildings.grids = [codes.get(int(b)) for b in buildings.ids]
        grid_names = {g.code: g.name for g in state.grids}
    loaded = load_network(cur, jur)
    return measure(jur, loaded, facilities, buildings, facility,
                   thresholds or list(settings.coverage_thresholds_m), settings.snap_max_m, grid_names)
