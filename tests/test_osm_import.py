"""Importing the real OSM extract that pyrosm ships (test_pbf: Kouvola, Finland)."""

import json
import shutil
from pathlib import Path

import networkx as nx
import pyrosm

from gis import db
from tests.conftest import KOUVOLA_BBOX, PBF, count, scalar


def test_buildings_and_walkable_network(kouvola, conn):
    assert kouvola["counts"]["building"] >= 2000
    assert count(conn, "building", "kouvola") == kouvola["counts"]["building"]
    assert count(conn, "street_edge", "kouvola") >= 900
    with conn.cursor() as cur:
        cur.execute("SELECT e.source, e.target FROM street_edge e JOIN jurisdiction j"
                    " ON j.id = e.jurisdiction_id WHERE j.slug = 'kouvola'")
        g = nx.Graph(cur.fetchall())
    conn.rollback()
    # The topology derived in the database is the one pyrosm builds from OSM node ids
    # (the extract cuts some paths off at its edge, so there are several pieces).
    nodes, edges = pyrosm.OSM(PBF).get_network("walking", nodes=True)
    expected = nx.Graph(list(zip(edges.u, edges.v, strict=True)))
    assert g.number_of_nodes() == expected.number_of_nodes()
    assert sorted(map(len, nx.connected_components(g))) == sorted(
        map(len, nx.connected_components(expected)))


def test_households_are_estimated_and_marked(kouvola, conn):
    j = scalar(conn, "SELECT id FROM jurisdiction WHERE slug = 'kouvola'")
    assert scalar(conn, "SELECT bool_and(households_estimated) FROM building"
                        " WHERE jurisdiction_id = %s", j)
    # Residential footprints get households; others none.
    assert scalar(conn, "SELECT count(*) FROM building WHERE jurisdiction_id = %s"
                        " AND kind = 'residential' AND households < 1", j) == 0
    assert scalar(conn, "SELECT coalesce(sum(households), 0) FROM building"
                        " WHERE jurisdiction_id = %s AND kind <> 'residential'", j) == 0
    # Tagged levels are kept: every building with building:levels has that many floors.
    b = pyrosm.OSM(PBF).get_buildings()
    tagged = {int(i): int(v) for i, v in zip(b["id"], b["building:levels"], strict=True)
              if isinstance(v, str)}
    with conn.cursor() as cur:
        cur.execute("SELECT osm_id, floors FROM building WHERE jurisdiction_id = %s"
                    " AND osm_id = ANY(%s)", (j, list(tagged)))
        stored = dict(cur.fetchall())
    conn.rollback()
    assert stored and all(stored[i] == tagged[i] for i in stored)


def test_candidate_sites(kouvola, conn):
    """The candidate sites are exactly the extract's parking places, parcel lockers and post
    offices inside the boundary (a polygon by its representative point), read here from the PBF
    with pyrosm directly."""
    from shapely.geometry import box

    area = box(*map(float, KOUVOLA_BBOX.split(",")))
    pois = pyrosm.OSM(PBF, bounding_box=area).get_pois(
        custom_filter={"amenity": ["parking", "parcel_locker", "post_office"]})
    want = {int(i) for i, a, g in zip(pois["id"], pois["amenity"], pois.geometry, strict=True)
            if g is not None and a in ("parking", "parcel_locker", "post_office")
            and area.covers(g if g.geom_type == "Point" else g.representative_point())}
    with db.transaction(conn) as cur:
        cur.execute("SELECT c.osm_id FROM candidate_site c JOIN jurisdiction j ON j.id = c.jurisdiction_id "
                    "WHERE j.slug = 'kouvola'")
        got = {r[0] for r in cur.fetchall()}
    assert want and got == want


def test_truncated_pbf_is_refused_and_writes_nothing(cli, conn, tmp_path):
    broken = tmp_path / "broken.osm.pbf"
    data = Path(PBF).read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    out = cli("import", "osm", str(broken), "--jurisdiction", "broken", "--name", "B",
              "--bbox", KOUVOLA_BBOX, check=False)
    assert out.returncode == 2
    assert "broken.osm.pbf" in out.stderr
    assert scalar(conn, "SELECT count(*) FROM jurisdiction WHERE slug = 'broken'") == 0


def test_bad_bbox_is_refused(cli, conn):
    out = cli("import", "osm", PBF, "--jurisdiction", "bad", "--name", "B",
              "--bbox", "60.52,26.93,60.54", check=False)
    assert out.returncode == 2 and "--bbox" in out.stderr


def test_boundary_file(cli, conn, tmp_path):
    boundary = tmp_path / "b.geojson"
    boundary.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[26.94, 60.525], [26.96, 60.525], [26.96, 60.535],
                                            [26.94, 60.535], [26.94, 60.525]]]}}))
    shutil.copy(PBF, tmp_path / "x.osm.pbf")
    out = json.loads(cli("import", "osm", str(tmp_path / "x.osm.pbf"), "--jurisdiction",
                         "kouvola-centre", "--name", "Centre", "--boundary", str(boundary),
                         "--json").stdout)
    assert 0 < out["counts"]["building"] < 2000
