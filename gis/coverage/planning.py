"""Planning with coverage: compare a proposed facility layout with the stored one, and suggest
where new facilities cover the most households (exactly, see :mod:`gis.coverage.siting`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from psycopg2.extensions import cursor as Cursor
from shapely.geometry.base import BaseGeometry

from gis.coverage.analysis import (
    STATION_KINDS,
    Coverage,
    Facility,
    analyse,
    facility_label,
    load_buildings,
    load_facilities,
    measure,
)
from gis.coverage.distance import cost_matrix
from gis.coverage.siting import Siting, max_cover, p_median
from gis.crs import transformers
from gis.editing import checked_rows
from gis.errors import InvalidInput, ProblemTooLarge
from gis.geometry import reproject
from gis.i18n import msg
from gis.layers import get_layer
from gis.network import Snap, StreetNetwork
from gis.network_store import load_network
from gis.settings import Settings
from gis.store import find_jurisdiction

# The most walking distances (buildings × sites) siting computes: 80 MB of them. The models solved
# on them are capped lower (GRIDMAP_SITING_PAIRS_MAX); this bounds the matrix itself.
COST_MATRIX_MAX = 10_000_000
CANDIDATE_KINDS = {"courier_zone": ("parking",), "post_station": ("parcel_locker", "post_office"),
                   "service_centre": ("parcel_locker", "post_office"),
                   "any": ("parking", "parcel_locker", "post_office")}


def proposed_facilities(cur: Cursor, slug: str, facility: str, body: Any, settings: Settings) -> list[Facility]:
    """A proposed layout of one kind of facility (a GeoJSON FeatureCollection of courier zones,
    or of post stations), checked like any write, in the metric CRS."""
    if facility not in ("courier_zone", "post_station", "service_centre"):
        raise InvalidInput(msg("compare one kind of facility: courier_zone, post_station or service_centre"))
    jur = find_jurisdiction(cur, slug)
    layer = get_layer("courier_zone" if facility == "courier_zone" else "post_station")
    rows = checked_rows(layer, body, jur, None)
    to_metric, _ = transformers(jur.metric_srid)  # the CRS is the jurisdiction's: no network needed
    out = []
    for r in rows:
        p = r.properties
        if facility != "courier_zone" and p.get("kind") not in STATION_KINDS[facility]:
            raise InvalidInput(msg("a proposed {0} has kind {1!r}; expected {2}", facility, p.get("kind"),
                                   " or ".join(STATION_KINDS[facility])))
        cap = p.get("capacity")
        if facility == "courier_zone" and cap is not None:
            cap = cap * settings.households_per_bay
        pt = r.geometry.representative_point()
        out.append(Facility(layer.name, None, p.get("name"), cap, reproject(r.geometry, to_metric),
                            pt.x, pt.y, p.get("building_id")))
    return out


def compare(before: Coverage, after: Coverage) -> dict:
    """What a proposed layout improves and makes worse, per threshold, per grid, per building."""
    b, a = before.nearest.distance, after.nearest.distance
    bld = before.buildings

    def delta(x: dict, y: dict) -> dict:
        return {t: {"households": y["within"][t]["households"] - x["within"][t]["households"],
                    "buildings": y["within"][t]["buildings"] - x["within"][t]["buildings"]}
                for t in x["within"]}

    sb, sa = before.summary(), after.summary()
    grids = []
    for code in sorted({g for g in bld.grids if g}):
        mask = np.array([g == code for g in bld.grids])
        gb, ga = before.summary(mask), after.summary(mask)
        grids.append({"code": code, "before": gb["within"], "after": ga["within"], "change": delta(gb, ga)})

    def rows(sel):
        return [{"id": int(bld.ids[i]), "name": bld.names[i], "households": int(bld.households[i]),
                 "before_m": round(float(b[i]), 1) if np.isfinite(b[i]) else None,
                 "after_m": round(float(a[i]), 1) if np.isfinite(a[i]) else None}
                for i in np.flatnonzero(sel).tolist()]

    both = np.isfinite(b) & np.isfinite(a)
    better = (both & (a < b - 1.0)) | (~np.isfinite(b) & np.isfinite(a))
    worse = (both & (a > b + 1.0)) | (np.isfinite(b) & ~np.isfinite(a))
    return {"jurisdiction": before.jurisdiction.slug, "facility": before.facility,
            "thresholds": before.thresholds, "before": sb, "after": sa, "change": delta(sb, sa),
            "grids": grids, "better": rows(better), "worse": rows(worse),
            "facilities_after": after.load()}


def compare_draft(cur: Cursor, settings: Settings, draft: Coverage) -> dict:
    """A draft's coverage (from :func:`analyse` with ``draft=``) against the published layout's:
    what improves, what gets worse."""
    before = analyse(cur, draft.jurisdiction.slug, settings, draft.facility, draft.thresholds)
    return compare(before, draft)


def compare_layout(cur: Cursor, slug: str, settings: Settings, facility: str, body: Any,
                   thresholds: list[float] | None = None) -> dict:
    proposed = proposed_facilities(cur, slug, facility, body, settings)
    before = analyse(cur, slug, settings, facility, thresholds)
    after = measure(before.jurisdiction, before.loaded, proposed, before.buildings, facility,
                    before.thresholds, settings.snap_max_m, before.grid_names)
    return compare(before, after)


def _candidates(cur: Cursor, jur, loaded, facility: str, source: str | Any, settings: Settings):
    """Candidate sites: street nodes of the jurisdiction, its candidate_site features, or a
    planner's GeoJSON of points / polygons."""
    if source == "nodes":
        used = np.unique(np.concatenate([loaded.net.u[loaded.in_area], loaded.net.v[loaded.in_area]]))
        xy = loaded.net.node_xy[used]
        lon, lat = loaded.to_wgs84.transform(xy[:, 0], xy[:, 1])
        return [{"kind": "street_node", "lon": float(x), "lat": float(y)} for x, y in zip(lon, lat, strict=True)], \
            list(shapely.points(xy))
    if source == "sites":
        cur.execute("SELECT id, name, kind, ST_X(geom), ST_Y(geom), ST_AsBinary(ST_Transform(geom, %s)) "
                    "FROM candidate_site WHERE jurisdiction_id = %s AND kind = ANY (%s) ORDER BY id",
                    (jur.metric_srid, jur.id, list(CANDIDATE_KINDS[facility])))
        rows = cur.fetchall()
        return ([{"kind": "candidate_site", "id": r[0], "name": r[1], "site_kind": r[2], "lon": r[3], "lat": r[4]}
                 for r in rows], [shapely.from_wkb(bytes(r[5])) for r in rows])
    from gis.features import features_of

    feats = features_of(source)
    out, geoms = [], []
    for i, f in enumerate(feats):
        try:
            g = shapely.geometry.shape(f["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise InvalidInput(msg("candidate {0}: not a GeoJSON feature with a geometry", i)) from None
        if g.is_empty or not g.is_valid or not jur.envelope.covers(g):
            raise InvalidInput(msg("candidate {0}: empty, invalid or outside {1}", i, jur.slug))
        pt = g.representative_point()
        out.append({"kind": "proposed", "index": i, "name": (f.get("properties") or {}).get("name"),
                    "lon": pt.x, "lat": pt.y})
        geoms.append(reproject(g, loaded.to_metric))
    return out, geoms


@dataclass
class SitingInputs:
    """What siting reads from the database, so that it can be solved with no connection held."""

    slug: str
    facility: str
    candidates: str | Any
    existing: list[Facility]
    buildings: Any
    loaded: Any
    info: list[dict]
    geoms: list


def load_siting(cur: Cursor, slug: str, settings: Settings, *, facility: str,
                candidates: str | Any = "nodes") -> SitingInputs:
    """Read what :func:`solve_siting` needs, in one transaction: the facilities there, the
    buildings, the street network and the candidate sites (``nodes``, ``sites`` or GeoJSON)."""
    jur = find_jurisdiction(cur, slug)
    existing = load_facilities(cur, jur, facility, settings)
    buildings, _ = load_buildings(cur, jur)
    loaded = load_network(cur, jur)
    info, geoms = _candidates(cur, jur, loaded, facility, candidates, settings)
    return SitingInputs(slug, facility, candidates, existing, buildings, loaded, info, geoms)


def suggest(cur: Cursor, slug: str, settings: Settings, *, facility: str, add: int, within: float,
            objective: str = "cover", candidates: str | Any = "nodes", capacity: float | None = None) -> dict:
    """The ``add`` candidate sites that, with the facilities there, cover the most households
    within ``within`` metres (``cover``) or make the mean walking distance least (``median``)."""
    _check_siting(objective, within)
    inputs = load_siting(cur, slug, settings, facility=facility, candidates=candidates)
    return solve_siting(inputs, settings, add=add, within=within, objective=objective, capacity=capacity)


def _check_siting(objective: str, within: float) -> None:
    if objective not in ("cover", "median"):
        raise InvalidInput(msg("objective is cover or median"))
    if within <= 0:
        raise InvalidInput(msg("within must be a positive distance in metres"))


def solve_siting(inputs: SitingInputs, settings: Settings, *, add: int, within: float, objective: str = "cover",
                 capacity: float | None = None) -> dict:
    """:func:`suggest` on inputs already read (no database): the solver stops at
    ``settings.solver_time_limit_s`` with its best solution (``optimal`` false, and the bound and
    gap it proved), and a model over ``settings.siting_pairs_max`` pairs is refused."""
    _check_siting(objective, within)
    existing, buildings, candidates = inputs.existing, inputs.buildings, inputs.candidates
    if not inputs.info:
        raise InvalidInput(msg("no candidate sites ({0})", candidates if isinstance(candidates, str) else "given"))
    site_snaps, info, dropped = snap_sites(inputs.loaded.net, existing, inputs.geoms, inputs.info, settings.snap_max_m)
    _check_matrix_size(len(site_snaps), len(buildings.households))
    k = min(add, len(info))
    if k < add:
        raise InvalidInput(msg("only {0} candidate sites lie within {1:g} m of a street; cannot add {2}",
                               len(info), settings.snap_max_m, add))
    cost = site_costs(inputs.loaded.net, site_snaps, buildings.access, settings.snap_max_m)
    reach = np.isfinite(cost).any(axis=1)
    cost, hh = cost[reach], buildings.households[reach]
    weights = hh if hh.sum() > 0 else np.ones(len(hh))
    result = _solve(objective, cost, weights, within, k, existing, capacity, len(info), settings)
    base = cost[:, np.arange(len(existing))].min(axis=1) if len(existing) else np.full(len(hh), np.inf)
    after = cost[:, result.open].min(axis=1)
    limit = settings.solver_time_limit_s
    solver = ("HiGHS (scipy.optimize.milp), exact" if result.optimal else
              f"HiGHS (scipy.optimize.milp), stopped at its time limit of {limit:g} s")
    return {"jurisdiction": inputs.slug, "facility": inputs.facility, "objective": objective, "within": within,
            "add": add, "candidates": len(info), "candidates_too_far": dropped, "existing": len(existing),
            "solver": solver, "optimal": result.optimal, "objective_value": round(result.objective, 3),
            "bound": None if result.bound is None else round(result.bound, 3),
            "gap": None if result.gap is None else round(result.gap, 6),
            "chosen": _chosen(result, cost, hh, base, within, info, len(existing)),
            "before": coverage_stats(base, hh, weights, within), "after": coverage_stats(after, hh, weights, within)}


def snap_sites(net: StreetNetwork, existing: list[Facility], geoms: list[BaseGeometry], info: list[dict],
               snap_max_m: float) -> tuple[list[Snap], list[dict], int]:
    """Where the facilities there, then the candidates, meet the streets: refused when a facility
    is farther than ``snap_max_m`` from any street; a candidate that far is left out. Returns the
    snaps (facilities first), the candidates kept and how many were left out."""
    snaps = net.snap_geoms([f.metric for f in existing] + geoms, snap_max_m)
    far = [facility_label(f) for f, s in zip(existing, snaps, strict=False) if s is None]
    if far:
        raise InvalidInput(msg("{0} facilities lie more than {1:g} m from any street", len(far), snap_max_m), far)
    keep = [i for i, s in enumerate(snaps[len(existing):]) if s is not None]
    placed = [s for s in snaps[:len(existing)] + [snaps[len(existing) + i] for i in keep] if s is not None]
    return placed, [info[i] for i in keep], len(info) - len(keep)


def _check_matrix_size(sites: int, buildings: int) -> None:
    cells = sites * buildings
    if cells > COST_MATRIX_MAX:
        raise ProblemTooLarge(msg("the siting problem is too large: {0} buildings and {1} sites give {2} walking "
                                  "distances, more than the limit of {3}; give fewer candidate sites",
                                  buildings, sites, cells, COST_MATRIX_MAX))


def site_costs(net: StreetNetwork, site_snaps: list[Snap], access: list[BaseGeometry],
               snap_max_m: float) -> np.ndarray:
    """Walking distance from each building (its access: entrance or footprint) to each site, on
    the network cut at the sites (``inf``: no way)."""
    cut, nodes = net.split_at(site_snaps)
    bsnaps = cut.snap_geoms(access, snap_max_m)
    return cost_matrix(cut, nodes, np.array([s.offset_m for s in site_snaps]), bsnaps)


def _solve(objective: str, cost: np.ndarray, weights: np.ndarray, within: float, k: int,
           existing: list[Facility], capacity: float | None, candidates: int, settings: Settings) -> Siting:
    """The model ``objective`` names on the costs, the facilities there fixed open (the first columns)."""
    fixed = np.arange(len(existing))
    limit, pairs = settings.solver_time_limit_s, settings.siting_pairs_max
    if objective == "cover":
        return max_cover(cost, weights, within, k, fixed, time_limit_s=limit, max_pairs=pairs)
    caps = None
    if capacity is not None or any(f.capacity_households for f in existing):
        caps = np.array([f.capacity_households if f.capacity_households is not None else np.inf
                         for f in existing] + [capacity if capacity is not None else np.inf] * candidates)
        caps = np.where(np.isfinite(caps), caps, weights.sum())
    if not np.isfinite(cost).any(axis=1).all():
        raise InvalidInput(msg("some buildings reach no site"))
    return p_median(np.where(np.isfinite(cost), cost, np.inf), weights, k, fixed, caps,
                    time_limit_s=limit, max_pairs=pairs)


def coverage_stats(d: np.ndarray, households: np.ndarray, weights: np.ndarray, within: float) -> dict:
    """Households and buildings within ``within`` metres (distances ``d``), their share, and the
    mean distance weighted by ``weights`` (of those that reach a facility)."""
    ok = d <= within
    fin = np.isfinite(d)
    mean = (round(float(np.average(d[fin], weights=weights[fin])), 1)
            if fin.any() and weights[fin].sum() else None)
    return {"households_within": int(households[ok].sum()), "buildings_within": int(ok.sum()),
            "households_share": round(float(households[ok].sum() / households.sum()), 4) if households.sum() else 0.0,
            "mean_household_distance_m": mean}


def _chosen(result: Siting, cost: np.ndarray, households: np.ndarray, base: np.ndarray, within: float,
            info: list[dict], existing: int) -> list[dict]:
    """The candidate sites opened, each with the households it brings within ``within`` that no
    facility there had."""
    out = []
    for j in result.open.tolist():
        if j >= existing:
            alone = cost[:, j] <= within
            newly = int(households[alone & ~(base <= within)].sum())
            out.append({**info[j - existing], "households_newly_within": newly})
    return out
