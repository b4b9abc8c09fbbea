"""Rules the database keeps by itself, tried with plain SQL as a QGIS user would write it."""

import psycopg2
import pytest

from gis import db
from tests.conftest import count, scalar


def raw(conn, query, *params):
    """Run SQL as a plain client would (no checks in Python), committing."""
    with conn.cursor() as cur:
        try:
            cur.execute(query, params)
            conn.commit()
        except Exception:
            conn.rollback()
            raise


def jid(conn, slug):
    return scalar(conn, "SELECT id FROM jurisdiction WHERE slug = %s", slug)


def test_migrations_are_idempotent(conn):
    """Every packaged migration is recorded as applied, once; running them again applies none and
    changes nothing."""
    packaged = db.migrations()
    with db.transaction(conn) as cur:
        cur.execute("SELECT version, name FROM schema_migration ORDER BY version")
        applied = cur.fetchall()
        cur.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
        relations = cur.fetchone()[0]
    assert len(packaged) >= 9 and applied == packaged
    with db.transaction(conn) as cur:
        assert db.migrate(cur) == []
    with db.transaction(conn) as cur:
        cur.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
        assert cur.fetchone()[0] == relations


def test_self_intersecting_polygon_is_refused(conn, copy_of):
    slug = copy_of()
    before = count(conn, "courier_zone", slug)
    with pytest.raises(psycopg2.errors.CheckViolation, match="courier_zone_geom_valid"):
        raw(conn, "INSERT INTO courier_zone (jurisdiction_id, name, geom) VALUES (%s, 'x',"
                  " ST_GeomFromText('POLYGON((116.476 39.909, 116.477 39.910, 116.477 39.909,"
                  " 116.476 39.910, 116.476 39.909))', 4326))", jid(conn, slug))
    assert count(conn, "courier_zone", slug) == before


def test_wrong_geometry_type_is_refused(conn, copy_of):
    slug = copy_of()
    with pytest.raises(psycopg2.errors.InvalidParameterValue):
        raw(conn, "INSERT INTO post_station (jurisdiction_id, name, kind, geom) VALUES"
                  " (%s, 'x', 'parcel_locker', ST_GeomFromText('LINESTRING(116.476 39.909,"
                  " 116.477 39.91)', 4326))", jid(conn, slug))


def test_feature_outside_jurisdiction_is_refused(conn, copy_of):
    slug = copy_of()
    with pytest.raises(psycopg2.errors.CheckViolation, match="outside its jurisdiction"):
        raw(conn, "INSERT INTO post_station (jurisdiction_id, name, kind, geom) VALUES"
                  " (%s, '远处', 'parcel_locker', ST_SetSRID(ST_MakePoint(116.6, 39.95), 4326))",
            jid(conn, slug))


def test_a_building_entrance_outside_the_jurisdiction_is_refused_in_sql_and_the_api(conn, copy_of, client):
    """An entrance typed far away (MULTIPOINT(…, 200 200), once kept, broke every walking distance
    of the jurisdiction for everyone) is refused by the database itself, and by the API with the
    property named, nothing written; coverage answers as before."""
    slug = copy_of()
    bid = scalar(conn, "SELECT id FROM building WHERE jurisdiction_id = %s ORDER BY id LIMIT 1", jid(conn, slug))
    before = scalar(conn, "SELECT ST_AsText(entrances) FROM building WHERE id = %s", bid)
    for far in ("MULTIPOINT((116.48 39.91), (200 200))", "MULTIPOINT((116.6 39.95))"):
        with pytest.raises(psycopg2.errors.CheckViolation, match="has an entrance outside its jurisdiction"):
            raw(conn, "UPDATE building SET entrances = ST_GeomFromText(%s, 4326) WHERE id = %s", far, bid)
    assert scalar(conn, "SELECT ST_AsText(entrances) FROM building WHERE id = %s", bid) == before
    url = f"/collections/building/items/{bid}"
    feature = client.get(url, params={"jurisdiction": slug})
    props = feature.json()["properties"]
    writable = {k: v for k, v in props.items() if k not in ("id", "grid_id", "version")}
    for wkt, words in (("MULTIPOINT((116.48 39.91), (200 200))", "out of range"),
                       ("MULTIPOINT((116.6 39.95))", "lies outside"),
                       ("LINESTRING(116.48 39.91, 116.481 39.911)", "must be Point or MultiPoint")):
        body = {"type": "Feature", "geometry": feature.json()["geometry"], "properties": {**writable, "entrances": wkt}}
        r = client.put(url, params={"jurisdiction": slug}, json=body, headers={"If-Match": feature.headers["ETag"],
                                                                             "Accept-Language": "en"})
        assert r.status_code == 422 and "entrances" in r.text and words in r.text, (wkt, r.text)
    assert scalar(conn, "SELECT ST_AsText(entrances) FROM building WHERE id = %s", bid) == before
    assert client.get(f"/coverage/{slug}").status_code == 200
    # nor may the boundary shrink away from an entrance (its building pulled in, the entrance not)
    with pytest.raises(psycopg2.errors.CheckViolation, match="building entrance"):
        raw(conn, "UPDATE jurisdiction SET geom = ST_Multi(ST_Difference(geom, ST_Buffer((SELECT ST_GeometryN("
                  "entrances, 1) FROM building WHERE id = %s), 0.00005))) WHERE slug = %s", bid, slug)


def test_overlapping_grids_are_refused_at_commit(conn, copy_of):
    slug = copy_of()
    with pytest.raises(psycopg2.errors.CheckViolation, match="overlaps grid"):
        raw(conn, "INSERT INTO grid (jurisdiction_id, code, geom) SELECT g.jurisdiction_id,"
                  " '110105015001099', ST_Buffer(ST_Centroid(g.geom), 0.0005)"
                  " FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id"
                  " WHERE j.slug = %s ORDER BY g.code LIMIT 1", slug)
    assert count(conn, "grid", slug) == 4


def test_moving_a_shared_boundary_in_one_transaction_is_accepted(conn, copy_of):
    """Grid 002 takes a strip from its neighbour 001: two updates, one transaction."""
    slug = copy_of()
    j = jid(conn, slug)
    with db.transaction(conn) as cur:
        cur.execute("SELECT id FROM grid WHERE jurisdiction_id = %s ORDER BY code", (j,))
        g1, g2 = [r[0] for r in cur.fetchall()[:2]]
        cur.execute("CREATE TEMP TABLE strip ON COMMIT DROP AS SELECT ST_Intersection(a.geom,"
                    " ST_Buffer(b.geom, 0.0002, 'join=mitre')) AS s"
                    " FROM grid a, grid b WHERE a.id = %s AND b.id = %s", (g1, g2))
        # First 002 grows (overlapping 001 for a moment), then 001 shrinks.
        cur.execute("UPDATE grid SET geom = ST_GeometryN(ST_Union(geom, (SELECT s FROM strip)), 1)"
                    " WHERE id = %s", (g2,))
        cur.execute("UPDATE grid SET geom = ST_GeometryN(ST_Difference(geom, (SELECT s FROM strip)), 1)"
                    " WHERE id = %s", (g1,))
    assert scalar(conn, "SELECT count(*) FROM grid WHERE id IN (%s, %s) AND version = 2",
                  g1, g2) == 2
    area = scalar(conn, "SELECT ST_Area(geom::geography) FROM grid WHERE id = %s", g2)
    assert area > 280 * 300 + 15 * 300  # grew by a strip some 17 m wide


def test_building_grid_follows_location_and_grid_edits(conn, copy_of):
    slug = copy_of()
    j = jid(conn, slug)
    office = scalar(conn, "SELECT g.code FROM building b JOIN grid g ON g.id = b.grid_id"
                          " WHERE b.jurisdiction_id = %s AND b.kind = 'public'", j)
    assert office.endswith("002")
    # Delete grid 002: its buildings lose their grid; nothing else does.
    with db.transaction(conn) as cur:
        cur.execute("DELETE FROM grid WHERE jurisdiction_id = %s AND code LIKE '%%002'", (j,))
    assert scalar(conn, "SELECT count(*) FROM building WHERE jurisdiction_id = %s AND grid_id"
                        " IS NULL", j) == scalar(
        conn, "SELECT count(*) FROM building b JOIN compound c ON ST_Intersects(c.geom, b.geom)"
              " WHERE b.jurisdiction_id = %s AND c.jurisdiction_id = %s AND c.name = '柴家湾小区'",
        j, j)
    # A grid drawn over the gap gives them one again.
    with db.transaction(conn) as cur:
        cur.execute("INSERT INTO grid (jurisdiction_id, code, geom) SELECT %s, '110105015001002',"
                    " d.geom FROM jurisdiction j, ST_Dump(ST_Difference(j.geom, (SELECT"
                    " ST_Union(geom) FROM grid WHERE jurisdiction_id = %s))) d WHERE j.id = %s"
                    " ORDER BY ST_Area(d.geom) DESC LIMIT 1", (j, j, j))
    assert scalar(conn, "SELECT count(*) FROM building WHERE jurisdiction_id = %s"
                        " AND grid_id IS NULL", j) == 0


def test_history_records_actor_before_and_after(conn, copy_of):
    slug = copy_of()
    j = jid(conn, slug)
    with db.transaction(conn, actor="planner-li") as cur:
        cur.execute("UPDATE courier_zone SET capacity = capacity + 5 WHERE jurisdiction_id = %s"
                    " AND name LIKE '华贸西街%%' RETURNING id", (j,))
        zid = cur.fetchone()[0]
    with db.transaction(conn) as cur:
        cur.execute("SELECT actor, op, before ->> 'capacity', after ->> 'capacity',"
                    " after -> 'geom' ->> 'type' FROM history WHERE table_name = 'courier_zone'"
                    " AND feature_id = %s ORDER BY id DESC LIMIT 1", (zid,))
        actor, op, before, after, gtype = cur.fetchone()
    assert (actor, op, int(after) - int(before), gtype) == ("planner-li", "update", 5, "Polygon")


def test_street_topology_is_derived_and_shared(conn):
    j = jid(conn, "huamao")
    edges = count(conn, "street_edge", "huamao")
    nodes = count(conn, "street_node", "huamao")
    assert (edges, nodes) == (29, 20)  # the modelled network: 29 segments between 20 junctions
    assert scalar(conn, "SELECT count(*) FROM street_edge WHERE jurisdiction_id = %s AND"
                        " (source IS NULL OR target IS NULL OR cost <= 0)", j) == 0


def test_zero_length_street_edge_is_refused(conn, copy_of):
    slug = copy_of()
    with pytest.raises(psycopg2.errors.CheckViolation, match="zero length"):
        raw(conn, "INSERT INTO street_edge (jurisdiction_id, geom) VALUES (%s,"
                  " ST_GeomFromText('LINESTRING(116.4760 39.9090, 116.4760 39.9090)', 4326))",
            jid(conn, slug))


def test_pgrouting_runs_on_the_network(conn):
    """The network is routable by pgRouting as stored (id, source, target, cost)."""
    j = jid(conn, "huamao")
    reached = scalar(
        conn, "SELECT count(*) FROM pgr_drivingDistance('SELECT id, source, target, cost,"
              " reverse_cost FROM street_edge WHERE jurisdiction_id = %s',"
              " (SELECT min(source) FROM street_edge WHERE jurisdiction_id = %s), 1e9)", j, j)
    assert reached == count(conn, "street_node", "huamao")
