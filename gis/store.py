"""The thin database adapter for features: read as GeoJSON built in SQL, write checked rows.

Identifiers come from the layer registry and go through ``psycopg2.sql.Identifier``; values are
always parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shapely
from psycopg2 import sql
from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values
from shapely.geometry.base import BaseGeometry

from gis.db import execute_prepared
from gis.errors import NotFound, StaleVersion
from gis.features import Row
from gis.i18n import msg
from gis.layers import Layer

if TYPE_CHECKING:
    from gis.ogc import OutputCrs

# Properties that are not plain columns: how to read them, how to write them.
_READ = {
    ("jurisdiction", "office_lon"): "ST_X(t.office)",
    ("jurisdiction", "office_lat"): "ST_Y(t.office)",
}
_PRECISION = 7  # decimal places of GeoJSON output (~1 cm)


# How a jurisdiction's daily walkers share its streets: all of them the whole jurisdiction, or each
# their own grid (gis/sql/024_patrol_by_grid.sql).
PATROL_MODES = ("shared", "by_grid")


@dataclass(frozen=True)
class Jurisdiction:
    """What the writers need to know of a jurisdiction."""

    id: int
    slug: str
    name: str
    admin_code: str | None
    metric_srid: int
    envelope: BaseGeometry
    patrol: str = "shared"  # how its walkers share the streets: shared | by_grid (024_patrol_by_grid.sql)


_JURISDICTION = ("SELECT id, slug, name, admin_code, metric_srid, ST_AsBinary(envelope), patrol"
                 " FROM jurisdiction WHERE ")


def _jurisdiction(cur: Cursor, where: str, key: object) -> Jurisdiction:
    cur.execute(_JURISDICTION + where, (key,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("unknown jurisdiction {0!r}", key))
    return Jurisdiction(row[0], row[1], row[2], row[3], row[4], shapely.from_wkb(bytes(row[5])), row[6])


def find_jurisdiction(cur: Cursor, slug: str) -> Jurisdiction:
    """The jurisdiction with ``slug``; :class:`NotFound` otherwise."""
    return _jurisdiction(cur, "slug = %s", slug)


def find_jurisdiction_by_id(cur: Cursor, jurisdiction_id: int) -> Jurisdiction:
    """The jurisdiction with ``id``; :class:`NotFound` otherwise."""
    return _jurisdiction(cur, "id = %s", jurisdiction_id)


def jurisdiction_id_of(cur: Cursor, slug: str) -> int:
    """The id of jurisdiction ``slug``; :class:`NotFound` otherwise."""
    cur.execute("SELECT id FROM jurisdiction WHERE slug = %s", (slug,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("unknown jurisdiction {0!r}", slug))
    return row[0]


def first_jurisdiction(cur: Cursor) -> str:
    """The slug of the first jurisdiction made (what a page shows when nothing else says which)."""
    cur.execute("SELECT slug FROM jurisdiction ORDER BY id LIMIT 1")
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no jurisdiction yet: load or import one first (gridmap load huamao, gridmap import …)"))
    return row[0]


def grid_id_of(cur: Cursor, jurisdiction_id: int, code: str) -> int | None:
    """The id of the published grid ``code`` of a jurisdiction, or None."""
    cur.execute("SELECT id FROM grid WHERE jurisdiction_id = %s AND code = %s", (jurisdiction_id, code))
    row = cur.fetchone()
    return row[0] if row else None


def grid_bounds(cur: Cursor, jurisdiction_id: int, code: str) -> tuple[float, float, float, float] | None:
    """The published grid ``code``'s bounds (west, south, east, north), or None."""
    cur.execute("SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM (SELECT geom::box2d b FROM grid"
                " WHERE jurisdiction_id = %s AND code = %s) g", (jurisdiction_id, code))
    row = cur.fetchone()
    return (row[0], row[1], row[2], row[3]) if row else None


def _property_expr(layer: Layer, name: str) -> sql.Composable:
    special = _READ.get((layer.name, name))
    if special:
        return sql.SQL(special)
    kinds = {f.name: f.kind for f in layer.fields}
    if kinds.get(name) == "wkt":
        return sql.SQL("ST_AsText(t.{})").format(sql.Identifier(name))
    return sql.SQL("t.{}").format(sql.Identifier(name))


def _geometry_json(crs: OutputCrs | None) -> sql.Composable:
    """SQL writing ``t.geom`` as GeoJSON in ``crs`` (None: as stored, longitude/latitude)."""
    if crs is None or (crs.srid == 4326 and not crs.lat_first):
        return sql.SQL("ST_AsGeoJSON(t.geom, {})").format(sql.Literal(_PRECISION))
    geom = sql.SQL("ST_FlipCoordinates(t.geom)") if crs.lat_first else sql.SQL("ST_Transform(t.geom, {})").format(
        sql.Literal(crs.srid))
    # options 0: no "crs" member in the geometry (the answer's Content-Crs header names it)
    return sql.SQL("ST_AsGeoJSON({}, {}, 0)").format(geom, sql.Literal(crs.decimals))


def _properties_json(layer: Layer) -> sql.Composable:
    """SQL building a feature's properties (a JSON object) from row ``t`` and its jurisdiction ``j``."""
    props: list[sql.Composable] = [sql.SQL("'jurisdiction', j.slug")]
    for name in layer.properties:
        if layer.name == "jurisdiction" and name == "slug":
            continue
        props.append(sql.SQL("{}, {}").format(sql.Literal(name), _property_expr(layer, name)))
    return sql.SQL("json_build_object({})").format(sql.SQL(", ").join(props))


def _feature_json(layer: Layer, crs: OutputCrs | None = None) -> sql.Composable:
    """SQL building one GeoJSON Feature from row ``t`` (and its jurisdiction ``j``), its geometry
    in ``crs`` (None: as stored)."""
    return sql.SQL(
        "json_build_object('type', 'Feature', 'id', t.id, 'geometry', {geometry}::json, 'properties', {props})"
    ).format(geometry=_geometry_json(crs), props=_properties_json(layer))


def _feature_text(layer: Layer, crs: OutputCrs | None = None) -> sql.Composable:
    """The same Feature as :func:`_feature_json`, as JSON text joined from its parts: the geometry's
    GeoJSON is not parsed again into a json value (for a page of 100 buildings, a quarter of the
    database's time per page)."""
    return sql.SQL(
        """'{{"type": "Feature", "id": ' || t.id || ', "geometry": ' || coalesce({geometry}, 'null')"""
        """ || ', "properties": ' || {props}::text || '}}'"""
    ).format(geometry=_geometry_json(crs), props=_properties_json(layer))


def _from(layer: Layer) -> sql.Composable:
    join = ("t.id" if layer.name == "jurisdiction" else "t.jurisdiction_id")
    return sql.SQL("{} t JOIN jurisdiction j ON j.id = {}").format(
        sql.Identifier(layer.name), sql.SQL(join))


# How far inside a bbox a feature's box must lie for the feature to be taken without the exact
# test: more than PostGIS's single-precision boxes can be off by (they are rounded outwards, by
# at most one float32 step: 1.5e-5 degrees at longitude 180), so that a box inside the shrunk
# bbox is a feature inside the bbox. tests/test_store_bbox.py checks the pages equal the exact test's.
_INSIDE = 1e-4


def inner_box(bbox: tuple[float, float, float, float]) -> tuple[float | None, ...]:
    """The bbox shrunk by :data:`_INSIDE` on every side; NULLs (no feature is taken by its box
    alone) when the bbox is too small to shrink, or crosses the antimeridian."""
    w, s, e, n = bbox
    if e - w <= 2 * _INSIDE or n - s <= 2 * _INSIDE:
        return (None, None, None, None)
    return (w + _INSIDE, s + _INSIDE, e - _INSIDE, n - _INSIDE)


def _where(layer: Layer, jurisdiction_id: int | None, grid_id: int | None,
           bbox: tuple[float, float, float, float] | None = None,
           filters: dict[str, Any] | None = None) -> tuple[sql.Composable, list[Any]]:
    """The WHERE clause (empty when nothing filters) and its parameters."""
    where: list[sql.Composable] = []
    params: list[Any] = []
    if jurisdiction_id is not None:  # on the row itself: no join needed to filter
        where.append(sql.SQL("t.id = %s" if layer.name == "jurisdiction" else "t.jurisdiction_id = %s"))
        params.append(jurisdiction_id)
    if grid_id is not None:
        if layer.name != "building":
            raise ValueError(msg("only buildings are filtered by grid, not {0}", layer.name))
        where.append(sql.SQL("t.grid_id = %s"))
        params.append(grid_id)
    if bbox is not None:
        # Intersects, as OGC defines bbox (&& alone compares single-precision boxes: it took in
        # buildings within a metre outside). The exact test is skipped for a feature whose box
        # lies inside the bbox shrunk by _INSIDE (see inner_box): it lies inside the bbox. A CASE,
        # not an OR: evaluated in this order, and not split by the planner into two index scans.
        # The envelopes made once, in sub-selects: in a prepared statement's generic plan, a
        # function of the parameters is evaluated again for every row (a page 1.4x as fast).
        where.append(sql.SQL(
            "t.geom && (SELECT ST_MakeEnvelope(%s, %s, %s, %s, 4326))"
            " AND CASE WHEN t.geom @ (SELECT ST_MakeEnvelope(%s, %s, %s, %s, 4326)) THEN true"
            "          ELSE ST_Intersects(t.geom, (SELECT ST_MakeEnvelope(%s, %s, %s, %s, 4326))) END"))
        params.extend([*bbox, *inner_box(bbox), *bbox])
    for name, value in (filters or {}).items():
        where.append(sql.SQL("t.{} = %s").format(sql.Identifier(name)))
        params.append(value)
    cond = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(where) if where else sql.SQL("")
    return cond, params


# Layers whose features' GeoJSON text (as stored, CRS84) the database keeps, and where: a page
# joins the texts instead of writing them (020_building_feature_text.sql).
_KEPT_FEATURES = {"building": ("building_feature", "gridmap_building_feature")}
_PAGE_SQL: dict[tuple, str] = {}  # feature_page's statements, by the shape of their filters


def feature_page(cur: Cursor, layer: Layer, *, jurisdiction_id: int | None = None,
                 bbox: tuple[float, float, float, float] | None = None,
                 limit: int = 100, offset: int = 0, grid_id: int | None = None,
                 filters: dict[str, Any] | None = None, crs: OutputCrs | None = None) -> tuple[str, int]:
    """A page of features as a JSON array text, and how many features match in all.

    ``grid_id``: only the buildings of that grid (what a grid worker may read); only for the
    building layer. ``filters``: property = value for each (names checked by the caller, see
    :func:`gis.ogc.filter_values`). ``crs``: the geometries' CRS (None: as stored)."""
    # One scan finds the page's ids and counts every match (a window over the filtered rows,
    # before LIMIT); only the page's rows are then read whole and made GeoJSON. Counting in a
    # second scan cost the database 1.7 times as much per page (bench/serving_bench.py).
    cond, params = _where(layer, jurisdiction_id, grid_id, bbox, filters)
    # The statement's text depends only on which filters are given, not on their values: made
    # once for each such shape (composing it cost a third of the page's time in Python).
    shape = (layer.name, crs, jurisdiction_id is None, grid_id is None, bbox is None, tuple(filters or ()))
    text = _PAGE_SQL.get(shape)
    if text is None:
        kept = _KEPT_FEATURES.get(layer.name) if crs is None else None
        if kept:  # the features as kept (020_building_feature_text.sql); one missing (written with
            # the triggers off, as a bulk load may) is written now, by the function that keeps them
            table, function = kept
            feature = sql.SQL("coalesce(f.feature, (SELECT {}(t, j.slug) FROM {} WHERE t.id = p.id))").format(
                sql.Identifier(function), _from(layer))
            src = sql.SQL("LEFT JOIN {} f ON f.id = p.id").format(sql.Identifier(table))
        else:
            feature, src = _feature_text(layer, crs), sql.SQL("JOIN {} ON t.id = p.id").format(_from(layer))
        text = _PAGE_SQL[shape] = sql.SQL(
            "SELECT coalesce('[' || string_agg({feature}, ', ' ORDER BY p.id) || ']', '[]'), max(p.matched)"
            " FROM (SELECT t.id, count(*) OVER () AS matched FROM {table} t{cond}"
            "       ORDER BY t.id LIMIT %s OFFSET %s) p"
            " {src}"
        ).format(table=sql.Identifier(layer.name), src=src, cond=cond, feature=feature).as_string(cur)
    execute_prepared(cur, text, [*params, limit, offset])
    features, matched = cur.fetchone()
    if matched is None and offset > 0:  # past the last page: no row carries the count
        cur.execute(sql.SQL("SELECT count(*) FROM {table} t{cond}").format(
            table=sql.Identifier(layer.name), cond=cond), params)
        matched = cur.fetchone()[0]
    return features, matched or 0


def layer_extent(cur: Cursor, layer: Layer, *, jurisdiction_id: int | None = None,
                 grid_id: int | None = None) -> tuple[float, float, float, float] | None:
    """West, south, east, north of the features of ``layer`` one may see (of a jurisdiction, a
    grid's buildings), or None when there are none."""
    cond, params = _where(layer, jurisdiction_id, grid_id)
    cur.execute(sql.SQL("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
                        " FROM (SELECT ST_Extent(t.geom) AS e FROM {src}{cond}) x").format(src=_from(layer), cond=cond),
                params)
    row = cur.fetchone()
    return None if row is None or row[0] is None else (row[0], row[1], row[2], row[3])


def get_feature(cur: Cursor, layer: Layer, feature_id: int, crs: OutputCrs | None = None) -> tuple[str, int]:
    """One feature as GeoJSON text (its geometry in ``crs``; None: as stored) and its version;
    :class:`NotFound` otherwise."""
    cur.execute(sql.SQL("SELECT {feature}::text, t.version FROM {src} WHERE t.id = %s").format(
        feature=_feature_json(layer, crs), src=_from(layer)), (feature_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no {0} with id {1}", layer.name, feature_id))
    return row[0], row[1]


def _value_sql(layer: Layer, name: str) -> sql.Composable:
    f = layer.field(name)
    if f.kind == "wkt":
        return sql.SQL("ST_Multi(ST_GeomFromText(%s, 4326))")
    return sql.SQL("%s::{}").format(sql.SQL(f.sql_type))


def _writable_columns(layer: Layer) -> list[str]:
    return [f.name for f in layer.fields]


def insert_rows(cur: Cursor, layer: Layer, jurisdiction_id: int, rows: list[Row],
                page_size: int = 1000) -> list[int]:
    """Insert checked rows; return their new ids in order.

    The rows are written in the order of a Hilbert curve through their geometries, so that
    features near one another share the table's pages: a bbox then reads few pages. (The
    synthetic city's buildings, written grid after grid as they came, had an items page's 312
    buildings on 241 pages, and the page took twice the district's time per building.)"""
    if not rows:
        return []
    order = spatial_order([r.geometry for r in rows])
    ids = _insert_in_order(cur, layer, jurisdiction_id, [rows[i] for i in order], page_size)
    found = [0] * len(rows)
    for i, new_id in zip(order, ids, strict=True):
        found[i] = new_id
    return found


def spatial_order(geometries: list[BaseGeometry]) -> list[int]:
    """Indexes of ``geometries`` along a Hilbert curve through their extent (ties in their order)."""
    if len(geometries) < 2:
        return list(range(len(geometries)))
    import geopandas  # only where rows are written in bulk: the command line's reads stay light

    distance = geopandas.GeoSeries(geometries).hilbert_distance()
    return [int(i) for i in distance.argsort(kind="stable")]


def _insert_in_order(cur: Cursor, layer: Layer, jurisdiction_id: int, rows: list[Row], page_size: int) -> list[int]:
    cols = _writable_columns(layer)
    template = sql.SQL("(%s, {vals}, ST_GeomFromWKB(%s, 4326))").format(
        vals=sql.SQL(", ").join(_value_sql(layer, c) for c in cols))
    query = sql.SQL("INSERT INTO {t} (jurisdiction_id, {cols}, geom) VALUES %s RETURNING id").format(
        t=sql.Identifier(layer.name), cols=sql.SQL(", ").join(map(sql.Identifier, cols)))
    values = [
        (jurisdiction_id, *[r.properties.get(c) for c in cols], shapely.to_wkb(r.geometry))
        for r in rows
    ]
    ids = execute_values(cur, query.as_string(cur), values,
                         template=template.as_string(cur), page_size=page_size, fetch=True)
    return [i[0] for i in ids]


def _current_version(cur: Cursor, layer: Layer, feature_id: int) -> int:
    cur.execute(sql.SQL("SELECT version FROM {} WHERE id = %s").format(
        sql.Identifier(layer.name)), (feature_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no {0} with id {1}", layer.name, feature_id))
    return row[0]


# What the database keeps of a coordinate (degrees): geometries are stored to 1e-7°.
STORED_DEGREES = 1e-7


def held_geometry(cur: Cursor, layer: Layer, feature_id: int, version: int) -> BaseGeometry:
    """A feature's geometry as stored, the row locked for the caller's transaction if it is still
    at ``version`` (:class:`StaleVersion` otherwise): one read for a write that changes other rows
    first (a street joined to those it meets) and is refused before it begins."""
    cur.execute(sql.SQL("SELECT version, ST_AsBinary(geom) FROM {} WHERE id = %s FOR UPDATE").format(
        sql.Identifier(layer.name)), (feature_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no {0} with id {1}", layer.name, feature_id))
    if row[0] != version:
        raise StaleVersion(msg("{0} {1} is at version {2}, not {3}", layer.name, feature_id, row[0], version),
                           row[0])
    return shapely.from_wkb(bytes(row[1]))


def replace_row(cur: Cursor, layer: Layer, feature_id: int, row: Row, version: int) -> int:
    """Replace a feature's properties and geometry if it is still at ``version``; new version."""
    cols = _writable_columns(layer)
    sets = [sql.SQL("{} = {}").format(sql.Identifier(c), _value_sql(layer, c)) for c in cols]
    sets.append(sql.SQL("geom = ST_GeomFromWKB(%s, 4326)"))
    cur.execute(
        sql.SQL("UPDATE {} SET {} WHERE id = %s AND version = %s RETURNING version").format(
            sql.Identifier(layer.name), sql.SQL(", ").join(sets)),
        [row.properties.get(c) for c in cols] + [shapely.to_wkb(row.geometry), feature_id, version])
    out = cur.fetchone()
    if out is None:
        current = _current_version(cur, layer, feature_id)
        raise StaleVersion(msg("{0} {1} is at version {2}, not {3}", layer.name, feature_id, current, version),
                           current)
    return out[0]


def delete_row(cur: Cursor, layer: Layer, feature_id: int, version: int) -> None:
    """Delete a feature if it is still at ``version``."""
    cur.execute(sql.SQL("DELETE FROM {} WHERE id = %s AND version = %s RETURNING id").format(
        sql.Identifier(layer.name)), (feature_id, version))
    if cur.fetchone() is None:
        current = _current_version(cur, layer, feature_id)
        raise StaleVersion(msg("{0} {1} is at version {2}, not {3}", layer.name, feature_id, current, version),
                           current)


def jurisdiction_of_feature(cur: Cursor, layer: Layer, feature_id: int) -> int:
    """The jurisdiction id a feature belongs to; :class:`NotFound` otherwise."""
    return feature_reach(cur, layer, feature_id)[0]


def feature_reach(cur: Cursor, layer: Layer, feature_id: int) -> tuple[int, int | None]:
    """The jurisdiction a feature belongs to and, for a building, its grid (0 when it lies in
    none, an id no grid has); :class:`NotFound` otherwise."""
    col = "id" if layer.name == "jurisdiction" else "jurisdiction_id"
    grid = "coalesce(grid_id, 0)" if layer.name == "building" else "NULL::integer"
    cur.execute(sql.SQL("SELECT {}, {} FROM {} WHERE id = %s").format(
        sql.Identifier(col), sql.SQL(grid), sql.Identifier(layer.name)), (feature_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(msg("no {0} with id {1}", layer.name, feature_id))
    return row[0], row[1]


def layer_records(cur: Cursor, layer: Layer, jurisdiction_id: int) -> tuple[list[str], list[tuple]]:
    """All features of a layer in a jurisdiction: column names and rows (id, properties, WKB)."""
    exprs = [_property_expr(layer, name) for name in layer.properties
             if not (layer.name == "jurisdiction" and name == "slug")]
    names = ["id"] + [n for n in layer.properties if not (layer.name == "jurisdiction" and n == "slug")]
    if layer.name == "jurisdiction":
        exprs.insert(0, sql.SQL("t.slug"))
        names.insert(1, "slug")
    col = "t.id" if layer.name == "jurisdiction" else "t.jurisdiction_id"
    cur.execute(sql.SQL("SELECT t.id, {exprs}, ST_AsBinary(t.geom) FROM {t} t WHERE {col} = %s"
                        " ORDER BY t.id").format(exprs=sql.SQL(", ").join(exprs),
                                                 t=sql.Identifier(layer.name), col=sql.SQL(col)),
                (jurisdiction_id,))
    return names, cur.fetchall()
