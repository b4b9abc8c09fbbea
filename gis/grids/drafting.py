"""Live edits of a draft in PostGIS: each in one transaction, checked, accepted or refused whole.

Every grid of a draft carries a version (its ETag); an edit names the version it saw of the grid
it edits and is refused (412, with the current version) when another planner got there first.
Edits of one draft are serialised by locking its grids, so no update is lost.
"""

from __future__ import annotations

import json

import shapely
import shapely.errors
from psycopg2.extensions import cursor as Cursor
from shapely.geometry import shape

from gis.errors import InvalidInput, NotFound, StaleVersion
from gis.etags import etag
from gis.geometry import reproject
from gis.grids import edits
from gis.grids.checks import assign, metrics
from gis.grids.layouts import State, draft_etag, draft_layout, load_state, valid_polygon
from gis.i18n import msg


def grid_etag(grid_id: int, version: int) -> str:
    return etag("layout_grid", grid_id, version)


def _lock(cur: Cursor, layout_id: int) -> dict[int, tuple[str, int]]:
    """Lock the draft and its grids; each grid's code and version by id."""
    draft_layout(cur, layout_id, lock=True)
    cur.execute("SELECT id, code, version FROM layout_grid WHERE layout_id = %s ORDER BY id FOR UPDATE",
                (layout_id,))
    return {gid: (code, version) for gid, code, version in cur.fetchall()}


def _expect(grids: dict[int, tuple[str, int]], grid_id: int, version: int | None) -> str:
    if grid_id not in grids:
        raise NotFound(msg("the draft has no grid {0}", grid_id))
    code, current = grids[grid_id]
    if version is not None and version != current:
        raise StaleVersion(msg("grid {0} was changed by someone else (version {1}, you sent {2})",
                               code, current, version),
                           current)
    return code


def _metric_geometry(geometry: dict, state: State, what: str):
    """A GeoJSON geometry (its form checked at the edge), valid and in longitude/latitude, in the
    jurisdiction's metric CRS."""
    try:
        g = shape(geometry)
    except (ValueError, shapely.errors.ShapelyError):  # positions of two and three numbers mixed
        raise InvalidInput(msg("send a GeoJSON {0} (a Feature or a geometry)", what)) from None
    if g.is_empty or not g.is_valid:
        raise InvalidInput(msg("the {0} is empty or invalid: {1}", what, shapely.is_valid_reason(g)))
    minx, miny, maxx, maxy = g.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise InvalidInput(msg("the {0} is not in longitude/latitude (WGS84)", what))
    return reproject(g, state.to_metric)


def _apply(cur: Cursor, layout_id: int, state: State, ids: dict[int, tuple[str, int]], edit: edits.Edit) -> dict:
    before = state.report()
    if not edit.touched:  # nothing moved (within drawing noise): nothing written, no version bumped
        return {"accepted": True, "changed": False, "layout": layout_id, "grids": [], "removed": [],
                "problems": [{"kind": p.kind, "grid": p.grid, "message": p.message} for p in before.problems]}
    after, new = edits.judge(state.boundary, before, edit, state.buildings, state.jurisdiction.admin_code,
                             state.target, state.tolerance)
    if new:
        raise InvalidInput(msg("the edit is refused: it would bring {0} problems", len(new)),
                           [msg("{0}: {1}", p.kind, p.message) for p in new])
    by_code = {code: gid for gid, (code, _) in ids.items()}
    now = {g.code: g for g in edit.grids}
    written = {}
    for code in sorted(edit.touched):
        gid = by_code.get(code)
        if code not in now:
            cur.execute("DELETE FROM layout_grid WHERE id = %s", (gid,))
            continue
        wkb = shapely.to_wkb(valid_polygon(reproject(now[code].geom, state.to_wgs84)))
        if gid is None:
            cur.execute("INSERT INTO layout_grid (layout_id, jurisdiction_id, code, geom) VALUES "
                        "(%s, %s, %s, ST_GeomFromWKB(%s, 4326)) RETURNING id, version",
                        (layout_id, state.jurisdiction.id, code, wkb))
        else:
            cur.execute("UPDATE layout_grid SET geom = ST_GeomFromWKB(%s, 4326) WHERE id = %s RETURNING id, version",
                        (wkb, gid))
        written[code] = cur.fetchone()
    m = metrics(edit.grids, state.buildings, after.assignment, state.target)
    return {"accepted": True, "changed": True, "layout": layout_id,
            "grids": [{**m[c], "id": gid, "version": ver, "etag": grid_etag(gid, ver)}
                      for c, (gid, ver) in written.items()],
            "removed": sorted(c for c in edit.touched if c not in now),
            "problems": [{"kind": p.kind, "grid": p.grid, "message": p.message} for p in after.problems]}


def reshape_grid(cur: Cursor, layout_id: int, grid_id: int, geometry: dict, version: int | None) -> dict:
    """Move a boundary: the grid's new polygon (GeoJSON); neighbours give or take the difference."""
    ids = _lock(cur, layout_id)
    code = _expect(ids, grid_id, version)
    state = load_state(cur, layout_id=layout_id)
    return _apply(cur, layout_id, state, ids,
                  edits.move_boundary(state.grids, code, _metric_geometry(geometry, state, "polygon")))


def move_buildings(cur: Cursor, layout_id: int, grid_id: int, moving: list[int], version: int | None) -> dict:
    """Give buildings (their ids) to a grid, with the ground around them."""
    ids = _lock(cur, layout_id)
    code = _expect(ids, grid_id, version)
    state = load_state(cur, layout_id=layout_id)
    return _apply(cur, layout_id, state, ids, edits.move_buildings(state.grids, code, state.buildings, moving))


def split_grid(cur: Cursor, layout_id: int, grid_id: int, line: dict, version: int | None) -> dict:
    """Cut a grid in two along a line (GeoJSON); the smaller part becomes a new grid with the next code."""
    ids = _lock(cur, layout_id)
    code = _expect(ids, grid_id, version)
    state = load_state(cur, layout_id=layout_id)
    new_code = edits.next_code(state.grids, state.jurisdiction.admin_code or code[:12])
    return _apply(cur, layout_id, state, ids,
                  edits.split(state.grids, code, _metric_geometry(line, state, "line"), new_code))


def merge_grids(cur: Cursor, layout_id: int, keep_id: int, absorb_id: int, versions: dict[int, int]) -> dict:
    """Two neighbouring grids become one."""
    ids = _lock(cur, layout_id)
    keep = _expect(ids, keep_id, versions.get(keep_id))
    absorb = _expect(ids, absorb_id, versions.get(absorb_id))
    state = load_state(cur, layout_id=layout_id)
    return _apply(cur, layout_id, state, ids, edits.merge(state.grids, keep, absorb))


def draft_json(cur: Cursor, layout_id: int) -> dict:
    """A draft's grids as GeoJSON (each with its ETag and metrics), zones and stations."""
    state = load_state(cur, layout_id=layout_id)
    cur.execute("SELECT id, version, ST_AsGeoJSON(geom, 7), name, leader FROM layout_grid WHERE layout_id = %s "
                "ORDER BY code", (layout_id,))
    rows = {r[0]: r for r in cur.fetchall()}
    assignment, _ = assign(state.grids, state.buildings)
    m = metrics(state.grids, state.buildings, assignment, state.target)
    feats = []
    for g in state.grids:
        gid, ver, gj, name, leader = rows[g.id]
        feats.append({"type": "Feature", "id": gid, "geometry": json.loads(gj),
                      "properties": {**m[g.code], "leader": leader, "version": ver, "etag": grid_etag(gid, ver)}})
    cur.execute("SELECT id, version, name, capacity, ST_AsGeoJSON(geom, 7) FROM layout_courier_zone "
                "WHERE layout_id = %s ORDER BY id", (layout_id,))
    zones = [{"type": "Feature", "id": i, "geometry": json.loads(g),
              "properties": {"name": n, "capacity": c, "version": v}} for i, v, n, c, g in cur.fetchall()]
    cur.execute("SELECT id, version, name, kind, ST_AsGeoJSON(geom, 7) FROM layout_post_station "
                "WHERE layout_id = %s ORDER BY id", (layout_id,))
    stations = [{"type": "Feature", "id": i, "geometry": json.loads(g),
                 "properties": {"name": n, "kind": k, "version": v}} for i, v, n, k, g in cur.fetchall()]
    return {"layout": state.layout, "etag": draft_etag(cur, layout_id),
            "grids": {"type": "FeatureCollection", "features": feats},
            "courier_zones": {"type": "FeatureCollection", "features": zones},
            "post_stations": {"type": "FeatureCollection", "features": stations}}


# Facilities in drafts: the draft table and the columns its features carry.
FACILITY_TABLES = {"courier_zone": ("layout_courier_zone", ("name", "capacity", "hours", "operator")),
                   "post_station": ("layout_post_station", ("name", "kind", "building_id", "capacity", "hours"))}


def facility_table(layer_name: str) -> str:
    """The draft table of a facility layer (the name its ETags carry)."""
    return _facility(layer_name)[1]


def _facility(layer_name: str):
    if layer_name not in FACILITY_TABLES:
        raise NotFound(msg("drafts hold courier_zone and post_station, not {0!r}", layer_name))
    from gis.layers import get_layer

    return get_layer(layer_name), *FACILITY_TABLES[layer_name]


def _one_row(cur: Cursor, layout_id: int, layer_name: str, body):
    from gis.editing import checked_rows
    from gis.store import find_jurisdiction_by_id

    lay = draft_layout(cur, layout_id, lock=True)
    layer, _, _ = _facility(layer_name)
    rows = checked_rows(layer, body, find_jurisdiction_by_id(cur, lay["jurisdiction_id"]), None)
    if len(rows) != 1:
        raise InvalidInput(msg("send one {0} feature", layer_name))
    return lay, rows[0]


def add_facility(cur: Cursor, layout_id: int, layer_name: str, body) -> dict:
    """A courier zone or post station added to a draft (inside the jurisdiction, a zone off every
    building: the database refuses otherwise)."""
    lay, row = _one_row(cur, layout_id, layer_name, body)
    _, table, cols = _facility(layer_name)
    cur.execute(f"INSERT INTO {table} (layout_id, jurisdiction_id, {', '.join(cols)}, geom) VALUES "
                f"(%s, %s, {', '.join(['%s'] * len(cols))}, ST_GeomFromWKB(%s, 4326)) RETURNING id, version",
                (layout_id, lay["jurisdiction_id"], *[row.properties.get(c) for c in cols],
                 shapely.to_wkb(row.geometry)))
    fid, ver = cur.fetchone()
    return {"id": fid, "version": ver, "etag": etag(table, fid, ver)}


def _expect_facility(cur: Cursor, layout_id: int, layer_name: str, table: str, fid: int, version: int) -> None:
    cur.execute(f"SELECT version FROM {table} WHERE id = %s AND layout_id = %s FOR UPDATE", (fid, layout_id))
    found = cur.fetchone()
    if found is None:
        raise NotFound(msg("the draft has no {0} {1}", layer_name, fid))
    if found[0] != version:
        raise StaleVersion(msg("{0} {1} was changed by someone else", layer_name, fid), found[0])


def replace_facility(cur: Cursor, layout_id: int, layer_name: str, fid: int, body, version: int) -> dict:
    _, row = _one_row(cur, layout_id, layer_name, body)
    _, table, cols = _facility(layer_name)
    _expect_facility(cur, layout_id, layer_name, table, fid, version)
    cur.execute(f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in cols)}, geom = ST_GeomFromWKB(%s, 4326) "
                f"WHERE id = %s RETURNING version",
                (*[row.properties.get(c) for c in cols], shapely.to_wkb(row.geometry), fid))
    ver = cur.fetchone()[0]
    return {"id": fid, "version": ver, "etag": etag(table, fid, ver)}


def remove_facility(cur: Cursor, layout_id: int, layer_name: str, fid: int, version: int) -> None:
    draft_layout(cur, layout_id, lock=True)
    _, table, _ = _facility(layer_name)
    _expect_facility(cur, layout_id, layer_name, table, fid, version)
    cur.execute(f"DELETE FROM {table} WHERE id = %s", (fid,))
