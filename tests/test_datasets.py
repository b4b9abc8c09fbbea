"""The embedded datasets hold the facts of the seeds (MISSION.md)."""

import json

import networkx as nx

from tests.conftest import scalar


def stats(cli, slug):
    return json.loads(cli("stats", slug, "--json").stdout)


def test_huamao_stats_from_the_cli(cli):
    s = stats(cli, "huamao")
    assert s["jurisdiction"] == "huamao"
    assert s["households"] == 1733
    assert s["residents"] >= 3000
    assert 0.45 <= s["area_km2"] <= 0.55
    assert set(s["counts"]) >= {"compound", "grid", "building", "courier_zone", "post_station",
                                "street_edge"}
    assert s["counts"]["courier_zone"] >= 3


def test_huamao_compounds_cbd_and_stations(conn):
    j = scalar(conn, "SELECT id FROM jurisdiction WHERE slug = 'huamao'")
    names = scalar(conn, "SELECT array_agg(name ORDER BY name) FROM compound"
                         " WHERE jurisdiction_id = %s", j)
    assert sorted(names) == sorted(["电厂小区", "柴家湾小区", "住四小区", "华贸公寓小区"])
    kinds = scalar(conn, "SELECT array_agg(DISTINCT kind) FROM building WHERE jurisdiction_id = %s", j)
    assert {"office", "hotel", "mall", "apartment", "residential"} <= set(kinds)
    # A post station in every office building; at least one apartment service centre.
    assert scalar(conn, "SELECT count(*) FROM building b WHERE b.jurisdiction_id = %s AND"
                        " b.kind = 'office' AND NOT EXISTS (SELECT 1 FROM post_station s WHERE"
                        " s.building_id = b.id AND s.kind = 'building_station'"
                        " AND ST_Intersects(s.geom, b.geom))", j) == 0
    assert scalar(conn, "SELECT count(*) FROM post_station s JOIN building b ON"
                        " b.id = s.building_id WHERE s.jurisdiction_id = %s AND"
                        " s.kind = 'service_centre' AND b.kind = 'apartment'", j) >= 1
    # Households live in residential and apartment buildings only.
    assert scalar(conn, "SELECT coalesce(sum(households), 0) FROM building WHERE"
                        " jurisdiction_id = %s AND kind NOT IN ('residential', 'apartment')", j) == 0


def test_huamao_network_is_connected_and_office_is_the_start(conn):
    j = scalar(conn, "SELECT id FROM jurisdiction WHERE slug = 'huamao'")
    with conn.cursor() as cur:
        cur.execute("SELECT source, target, length_m FROM street_edge WHERE jurisdiction_id = %s", (j,))
        g = nx.Graph()
        g.add_weighted_edges_from(cur.fetchall())
    conn.rollback()
    assert nx.is_connected(g)
    assert scalar(conn, "SELECT ST_Distance(office::geography, (SELECT ST_Collect(geom) FROM"
                        " street_edge WHERE jurisdiction_id = %s)::geography) FROM jurisdiction"
                        " WHERE id = %s", j, j) < 50


def test_huamao_grids_partition_the_jurisdiction_with_codes(conn):
    j = scalar(conn, "SELECT id FROM jurisdiction WHERE slug = 'huamao'")
    gap = scalar(conn, "SELECT ST_Area(ST_Difference(j.geom, (SELECT ST_Union(geom) FROM grid"
                       " WHERE jurisdiction_id = j.id))::geography) FROM jurisdiction j"
                       " WHERE j.id = %s", j)
    assert gap < 1.0
    codes = scalar(conn, "SELECT array_agg(code ORDER BY code) FROM grid WHERE jurisdiction_id = %s", j)
    assert codes == [f"110105015001{i:03d}" for i in range(1, 5)]
    assert scalar(conn, "SELECT count(*) FROM building WHERE jurisdiction_id = %s AND grid_id"
                        " IS NULL", j) == 0


def test_xinghuananli_is_its_own_jurisdiction(cli):
    s = stats(cli, "xinghuananli")
    assert s["households"] == 1619
    assert s["residents"] >= 4500
    assert abs(s["area_km2"] - 0.21) < 0.01
    assert s["counts"]["compound"] == 3 and s["counts"]["grid"] == 5


def test_loading_again_changes_nothing(cli, conn):
    before = scalar(conn, "SELECT count(*) FROM history")
    out = cli("load", "huamao").stdout
    assert "loaded already" in out
    assert scalar(conn, "SELECT count(*) FROM history") == before
