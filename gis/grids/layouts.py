"""Layouts in PostGIS: drafts, checking, comparing, publishing, reverting, history.

The live tables (grid, courier_zone, post_station) are the published layout. A draft is a full
copy planners edit (``layout_grid``, ``layout_courier_zone``, ``layout_post_station``). Publishing
writes a draft into the live tables in one transaction (grids matched by code, so people attached
to a grid stay attached) and keeps it as the published layout; the one before is archived, never
deleted, so any can be reverted to.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from psycopg2.extensions import cursor as Cursor
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from gis import etags
from gis.crs import transformers
from gis.db import read_sql
from gis.errors import Conflict, InvalidInput, NotFound, StaleVersion
from gis.geometry import largest_polygon, polygons, reproject
from gis.grids.checks import BLOCKING, Building, Grid, GridMetrics, Report, assign, check, metrics
from gis.grids.edits import CHANGED_M2
from gis.i18n import msg
from gis.store import Jurisdiction, find_jurisdiction, find_jurisdiction_by_id

# A post station put back within this of where it was (metres) has not moved: drawing noise, as
# a courier zone redrawn by less than CHANGED_M2.
STATION_MOVED_M = 0.5


@dataclass
class State:
    """A layout as checks need it, in the jurisdiction's metric CRS."""

    jurisdiction: Jurisdiction
    layout: dict | None        # None: the published (live) layout
    boundary: object
    grids: list[Grid]
    buildings: list[Building]
    to_metric: Transformer
    to_wgs84: Transformer

    @property
    def target(self) -> float | None:
        if self.layout and self.layout.get("target_households"):
            return float(self.layout["target_households"])
        total = sum(b.households for b in self.buildings)
        return total / len(self.grids) if self.grids else None

    @property
    def tolerance(self) -> float:
        return float(self.layout["tolerance"]) if self.layout else 0.15

    def report(self) -> Report:
        return check(self.boundary, self.grids, self.buildings, self.jurisdiction.admin_code, self.target,
                     self.tolerance)

    def metrics(self, assignment: dict[int, str | None] | None = None) -> dict[str, GridMetrics]:
        if assignment is None:
            assignment, _ = assign(self.grids, self.buildings)
        return metrics(self.grids, self.buildings, assignment, self.target)


LAYOUT_COLUMNS = ("id", "jurisdiction_id", "name", "status", "based_on", "target_households", "tolerance",
                  "created_by", "created_at", "published_by", "published_at", "version")


def layout_of(cur: Cursor, layout_id: int, jur: Jurisdiction) -> dict:
    """Layout ``layout_id`` of ``jur``; one of another jurisdiction is answered as one that does not
    exist (404, the same words): no caller learns which community another's layout belongs to."""
    try:
        lay = get_layout(cur, layout_id)
    except NotFound:
        lay = None
    if lay is None or lay["jurisdiction_id"] != jur.id:
        raise NotFound(msg("no layout {0} in {1}", layout_id, jur.slug))
    return lay


def get_layout(cur: Cursor, layout_id: int, lock: bool = False) -> dict:
    cur.execute(f"SELECT {', '.join(LAYOUT_COLUMNS)} FROM layout WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                (layout_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no layout {0}", layout_id))
    out = dict(zip(LAYOUT_COLUMNS, row, strict=True))
    for k in ("created_at", "published_at"):
        out[k] = out[k].isoformat() if out[k] else None
    return out


def draft_layout(cur: Cursor, layout_id: int, lock: bool = False) -> dict:
    lay = get_layout(cur, layout_id, lock)
    if lay["status"] != "draft":
        raise Conflict(msg("layout {0} is {1}; only drafts are edited or published", layout_id, lay["status"]))
    return lay


def load_state(cur: Cursor, slug: str | None = None, layout_id: int | None = None) -> State:
    """A draft (or any kept layout) by id, or the published layout of ``slug``."""
    if layout_id is None and slug is None:
        raise ValueError(msg("load_state needs a jurisdiction's slug or a layout's id"))
    if slug is not None:  # a layout named together with a jurisdiction is its own
        jur = find_jurisdiction(cur, slug)
        lay = layout_of(cur, layout_id, jur) if layout_id is not None else None
    else:
        lay = get_layout(cur, layout_id) if layout_id is not None else None
        jur = find_jurisdiction_by_id(cur, lay["jurisdiction_id"]) if lay else find_jurisdiction(cur, "")
    srid = jur.metric_srid
    cur.execute("SELECT ST_AsBinary(ST_Transform(geom, %s)) FROM jurisdiction WHERE id = %s", (srid, jur.id))
    boundary = shapely.from_wkb(bytes(cur.fetchone()[0]))
    if lay:
        cur.execute("SELECT id, code, name, ST_AsBinary(ST_Transform(geom, %s)) FROM layout_grid "
                    "WHERE layout_id = %s ORDER BY code", (srid, lay["id"]))
    else:
        cur.execute("SELECT id, code, name, ST_AsBinary(ST_Transform(geom, %s)) FROM grid "
                    "WHERE jurisdiction_id = %s ORDER BY code", (srid, jur.id))
    grids = [Grid(code, _metric_polygon(shapely.from_wkb(bytes(g))), name, gid)
             for gid, code, name, g in cur.fetchall()]
    cur.execute("SELECT id, ST_AsBinary(ST_Transform(geom, %s)), coalesce(households, 0), coalesce(residents, 0), "
                "name FROM building WHERE jurisdiction_id = %s ORDER BY id", (srid, jur.id))
    buildings = [Building(i, shapely.from_wkb(bytes(g)), h, r, n) for i, g, h, r, n in cur.fetchall()]
    to_metric, to_wgs84 = transformers(srid)
    return State(jur, lay, boundary, grids, buildings, to_metric, to_wgs84)


def _metric_polygon(g: BaseGeometry) -> BaseGeometry:
    """A polygon valid in lon/lat can touch itself once projected (rounding): repaired (left as
    it is when nothing of it is a polygon, for the checks to report)."""
    fixed = polygons(g)
    return g if fixed.is_empty else fixed


def check_json(state: State) -> dict:
    rep = state.report()
    return {"ok": rep.ok, "layout": state.layout["id"] if state.layout else None,
            "jurisdiction": state.jurisdiction.slug, "target_households": state.target,
            "tolerance": state.tolerance,
            "problems": [{"kind": p.kind, "grid": p.grid, "message": p.message,
                          "geometry": shapely.geometry.mapping(reproject(p.geometry, state.to_wgs84))
                          if p.geometry is not None else None} for p in rep.problems],
            "grids": list(state.metrics(rep.assignment).values())}


def create_draft(cur: Cursor, slug: str, name: str, *, from_layout: int | None = None,
                 grids: list[Grid] | None = None, target: float | None = None, tolerance: float = 0.15) -> int:
    """A new draft: a copy of the published layout (or of layout ``from_layout``), with ``grids``
    (metric) instead of its grids when given."""
    jur = find_jurisdiction(cur, slug)
    if not name or not name.strip():
        raise InvalidInput(msg("a draft needs a name"))
    source = layout_of(cur, from_layout, jur) if from_layout is not None else None
    cur.execute("SELECT id FROM layout WHERE jurisdiction_id = %s AND status = 'published'", (jur.id,))
    published = cur.fetchone()
    cur.execute("INSERT INTO layout (jurisdiction_id, name, status, based_on, target_households, tolerance) "
                "VALUES (%s, %s, 'draft', %s, %s, %s) RETURNING id",
                (jur.id, name.strip(), from_layout or (published[0] if published else None), target, tolerance))
    lid = cur.fetchone()[0]
    _copy_into_layout(cur, jur.id, lid, source["id"] if source else None, with_grids=grids is None)
    if grids is not None:
        _, to_wgs84 = transformers(jur.metric_srid)
        for g in grids:
            cur.execute("INSERT INTO layout_grid (layout_id, jurisdiction_id, code, name, target_households, geom) "
                        "VALUES (%s, %s, %s, %s, %s, ST_GeomFromWKB(%s, 4326))",
                        (lid, jur.id, g.code, g.name, int(round(target)) if target else None,
                         shapely.to_wkb(valid_polygon(reproject(g.geom, to_wgs84)))))
    return lid


def valid_polygon(g: BaseGeometry) -> BaseGeometry:
    """Grids are stored as valid Polygons. Reprojection can leave a ring touching itself: made
    valid; a grid in pieces keeps the largest (the check of the stored layout says so)."""
    kept = largest_polygon(g)
    if kept.is_empty:
        raise InvalidInput(msg("a grid has no area left to store"))
    return kept


def _copy_into_layout(cur: Cursor, jurisdiction_id: int, target_layout: int, source_layout: int | None,
                      with_grids: bool = True) -> None:
    """Copy grids, courier zones and post stations from the live tables or from another layout."""
    if source_layout is None:
        src = {"grid": "grid", "zone": "courier_zone", "station": "post_station"}
        where, arg, live = "jurisdiction_id = %s", jurisdiction_id, "id"
    else:
        src = {"grid": "layout_grid", "zone": "layout_courier_zone", "station": "layout_post_station"}
        where, arg, live = "layout_id = %s", source_layout, "live_id"
    if with_grids:
        cur.execute(f"INSERT INTO layout_grid (layout_id, jurisdiction_id, code, name, leader, target_households, "
                    f"geom) SELECT %s, jurisdiction_id, code, name, leader, target_households, geom FROM {src['grid']} "
                    f"WHERE {where}", (target_layout, arg))
    # Each copy of a zone or station remembers the live feature it is (publishing keeps its id).
    cur.execute(f"INSERT INTO layout_courier_zone (layout_id, jurisdiction_id, live_id, name, capacity, hours, "
                f"operator, geom) SELECT %s, jurisdiction_id, {live}, name, capacity, hours, operator, geom "
                f"FROM {src['zone']} WHERE {where}", (target_layout, arg))
    cur.execute(f"INSERT INTO layout_post_station (layout_id, jurisdiction_id, live_id, name, kind, building_id, "
                f"capacity, hours, geom) SELECT %s, jurisdiction_id, {live}, name, kind, building_id, capacity, "
                f"hours, geom FROM {src['station']} WHERE {where}", (target_layout, arg))


def list_layouts(cur: Cursor, slug: str) -> list[dict]:
    jur = find_jurisdiction(cur, slug)
    cur.execute(f"SELECT {', '.join(LAYOUT_COLUMNS)} FROM layout WHERE jurisdiction_id = %s ORDER BY id", (jur.id,))
    out = []
    for row in cur.fetchall():
        d = dict(zip(LAYOUT_COLUMNS, row, strict=True))
        for k in ("created_at", "published_at"):
            d[k] = d[k].isoformat() if d[k] else None
        out.append(d)
    return out


def compare(cur: Cursor, layout_id: int) -> dict:
    """A draft against the published layout: buildings that change grid; metrics per grid before
    and after, and whether it changed (its ground, as an edit counts it, or its households);
    courier zones and post stations added, removed or changed (by name)."""
    after = load_state(cur, layout_id=layout_id)
    before = load_state(cur, slug=after.jurisdiction.slug)
    a_after, _ = assign(after.grids, after.buildings)
    a_before, _ = assign(before.grids, before.buildings)
    moved = [{"building_id": bid, "from": a_before.get(bid), "to": code}
             for bid, code in a_after.items() if a_before.get(bid) != code]
    m_before, m_after = before.metrics(a_before), after.metrics(a_after)
    codes = sorted(set(m_before) | set(m_after))
    ground_before, ground_after = ({g.code: g.geom for g in s.grids} for s in (before, after))

    def changed(code: str) -> bool:  # its ground (beyond drawing noise) or its households
        if code not in ground_before or code not in ground_after:
            return True
        moved = shapely.symmetric_difference(ground_before[code], ground_after[code]).area > CHANGED_M2
        return moved or m_before[code]["households"] != m_after[code]["households"]
    cur.execute(read_sql("compare_facilities.sql"), {"layout_id": layout_id, "jurisdiction_id": after.jurisdiction.id,
                                                     "noise_m2": CHANGED_M2, "noise_m": STATION_MOVED_M})
    keys = ("layer", "name", "change", "area_before_m2", "area_after_m2", "capacity_before", "capacity_after", "moved")
    facilities = [dict(zip(keys, row, strict=True)) for row in cur.fetchall()]
    return {"layout": layout_id, "jurisdiction": after.jurisdiction.slug, "buildings_moved": moved,
            "grids": [{"code": c, "before": m_before.get(c), "after": m_after.get(c), "changed": changed(c)}
                      for c in codes],
            "facilities": facilities}


def publish(cur: Cursor, layout_id: int) -> dict:
    """Make a draft the published layout, atomically; refused (nothing changes) while it has
    problems that break the rules (:data:`gis.grids.checks.BLOCKING`). The layout, with the other
    problems it was published with (``warnings``: households out of tolerance, compactness …)."""
    lay = draft_layout(cur, layout_id, lock=True)
    cur.execute("SELECT id FROM jurisdiction WHERE id = %s FOR UPDATE", (lay["jurisdiction_id"],))
    state = load_state(cur, layout_id=layout_id)
    rep = state.report()
    blocking = [p for p in rep.problems if p.kind in BLOCKING]
    if blocking:
        raise InvalidInput(msg("layout {0} cannot be published: {1} problems", layout_id, len(blocking)),
                           [msg("{0}: {1}", p.kind, p.message) for p in blocking])
    jid = lay["jurisdiction_id"]
    cur.execute("SELECT id FROM layout WHERE jurisdiction_id = %s AND status = 'published'", (jid,))
    current = cur.fetchone()
    if current is None:  # keep what was there before any layout was published, to revert to
        cur.execute("INSERT INTO layout (jurisdiction_id, name, status) VALUES (%s, 'before the first publish', "
                    "'archived') RETURNING id", (jid,))
        _copy_into_layout(cur, jid, cur.fetchone()[0], None)
    else:
        cur.execute("UPDATE layout SET status = 'archived' WHERE id = %s", (current[0],))
    cur.execute(read_sql("publish_layout.sql"), {"layout_id": layout_id, "jurisdiction_id": jid})
    cur.execute("UPDATE layout SET status = 'published', published_by = gridmap_actor(), published_at = now() "
                "WHERE id = %s", (layout_id,))
    # what the rules allow but a planner should still see (a grid 38 % over its households was
    # published with a bare "published")
    return {**get_layout(cur, layout_id),
            "warnings": [msg("{0}: {1}", p.kind, p.message) for p in rep.problems if p.kind not in BLOCKING]}


def draft_etag(cur: Cursor, layout_id: int) -> str:
    """The ETag of all a draft holds (draft_state.sql): any edit of it changes it."""
    cur.execute(read_sql("draft_state.sql"), {"layout_id": layout_id})
    return etags.state_etag("layout", layout_id, cur.fetchone()[0])


def discard(cur: Cursor, layout_id: int, if_match: str | None) -> None:
    """Throw a draft away, its grids, zones and stations with it (the history keeps that it was),
    as the one discarding last read it (``if_match``: its :func:`draft_etag`; an edit made since,
    perhaps by another planner, is not thrown away unseen); a published or archived layout is the
    record of what was, and stays."""
    if get_layout(cur, layout_id, lock=True)["status"] != "draft":  # locked: edits wait, as they lock it
        raise Conflict(msg("layout {0} is not a draft: only drafts are discarded (what was published stays on "
                           "record)", layout_id))
    if not etags.matches(if_match, draft_etag(cur, layout_id), msg("draft")):
        raise StaleVersion(msg("draft {0} was changed since you read it: look at it again before discarding it",
                               layout_id), None)
    cur.execute("DELETE FROM layout WHERE id = %s", (layout_id,))


def revert(cur: Cursor, slug: str, layout_id: int) -> dict:
    """Publish again a layout published before (as a new copy, so history stays linear)."""
    old = get_layout(cur, layout_id)
    if old["status"] == "draft":
        raise Conflict(msg("layout {0} is a draft: publish it instead", layout_id))
    draft = create_draft(cur, slug, f"revert to {old['name']} ({layout_id})", from_layout=layout_id,
                         target=old["target_households"], tolerance=old["tolerance"])
    return publish(cur, draft)


def history(cur: Cursor, slug: str, limit: int = 200) -> list[dict]:
    """Who did what, when, to the grids, zones, stations and layouts of a jurisdiction."""
    jur = find_jurisdiction(cur, slug)
    cur.execute("SELECT at, actor, table_name, op, feature_id FROM history WHERE jurisdiction_id = %s "
                "AND table_name IN ('grid', 'courier_zone', 'post_station', 'layout', 'layout_grid', "
                "'layout_courier_zone', 'layout_post_station') ORDER BY id DESC LIMIT %s", (jur.id, limit))
    return [{"at": at.isoformat(), "actor": actor, "table": t, "op": op, "id": fid}
            for at, actor, t, op, fid in cur.fetchall()]
