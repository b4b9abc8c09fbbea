"""Coverage on the real PostGIS: distances checked against pgRouting, summaries, load, service
areas, bad input, comparing layouts and siting."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from gis import db
from gis.coverage.analysis import analyse
from gis.settings import Settings
from tests.conftest import count, scalar

# Every building and courier zone placed on its nearest street in SQL (an independent snapping):
# the edge, the fraction along it, and the metres from the street.
SNAP_SQL = """
CREATE TEMP TABLE pts ON COMMIT DROP AS
WITH j AS (SELECT id, metric_srid FROM jurisdiction WHERE slug = %(slug)s),
access AS (
    SELECT 'b' AS who, b.id, COALESCE(b.entrances, b.geom) AS g FROM building b, j WHERE b.jurisdiction_id = j.id
    UNION ALL
    SELECT 'f', z.id, z.geom FROM courier_zone z, j WHERE z.jurisdiction_id = j.id
)
SELECT row_number() OVER (ORDER BY a.who, a.id) AS pid, a.who, a.id, e.id AS edge_id,
       ST_LineLocatePoint(e.geom, ST_ClosestPoint(e.geom, a.g)) AS fraction,
       ST_Distance(ST_Transform(e.geom, j.metric_srid), ST_Transform(a.g, j.metric_srid)) AS offset_m
FROM access a, j
CROSS JOIN LATERAL (SELECT e.id, e.geom FROM street_edge e WHERE e.jurisdiction_id = j.id
                    ORDER BY ST_Distance(ST_Transform(e.geom, j.metric_srid), ST_Transform(a.g, j.metric_srid))
                    LIMIT 1) e
"""
# pgRouting's walking cost between every building and every zone, plus both offsets: the least.
COST_SQL = """
SELECT b.id, min(c.agg_cost + b.offset_m + f.offset_m)
FROM pgr_withPointsCost(
    'SELECT e.id, source, target, cost, reverse_cost FROM street_edge e JOIN jurisdiction j
      ON j.id = e.jurisdiction_id WHERE j.slug = ' || quote_literal(%(slug)s),
    'SELECT pid, edge_id, fraction FROM pts',
    (SELECT array_agg(-pid) FROM pts WHERE who = 'b'), (SELECT array_agg(-pid) FROM pts WHERE who = 'f'),
    directed => false) c
JOIN pts b ON b.pid = abs(c.start_pid)
JOIN pts f ON f.pid = abs(c.end_pid)
GROUP BY b.id
"""


def pgr_distances(conn, slug: str) -> dict[int, float]:
    with db.transaction(conn) as cur:
        cur.execute(SNAP_SQL, {"slug": slug})
        cur.execute(COST_SQL, {"slug": slug})
        return dict(cur.fetchall())


def test_distances_agree_with_pgrouting(conn, settings):
    with db.transaction(conn) as cur:
        cov = analyse(cur, "huamao", settings, "courier_zone")
    peer = pgr_distances(conn, "huamao")
    ours = dict(zip(cov.buildings.ids.tolist(), cov.nearest.distance.tolist(), strict=True))
    assert set(ours) == set(peer)
    for bid, d in ours.items():
        assert d == pytest.approx(peer[bid], abs=1.0), bid  # UTM vs ellipsoid lengths, SQL snapping


def test_summary_load_and_paths(client):
    r = client.get("/coverage/huamao", params={"facility": "courier_zone", "paths": "true"}).json()
    dist = [b["distance_m"] for b in r["buildings"]]
    hh = [b["households"] for b in r["buildings"]]
    for t in ("100", "200", "300"):
        ok = [d is not None and d <= float(t) for d in dist]
        assert r["summary"]["within"][t]["buildings"] == sum(ok)
        assert r["summary"]["within"][t]["households"] == sum(h for h, k in zip(hh, ok, strict=True) if k)
    assert sum(g["households"] for g in r["grids"]) == r["summary"]["households"] == 1733
    loads = {f["name"]: f for f in r["facilities"]}
    assert sum(f["households"] for f in r["facilities"]) == 1733
    over = [f for f in r["facilities"] if f["overloaded"]]
    assert all(f["households"] > f["capacity_households"] for f in over)
    assert loads["华贸中街南侧停车分拣区"]["capacity_households"] == 18 * 40
    # a path leads along streets from the building's street to its facility
    b = next(b for b in r["buildings"] if b["distance_m"] and b["distance_m"] > 200)
    assert b["path"] and all(isinstance(e, int) for e in b["path"])


def test_stations_serve_their_own_building(client):
    r = client.get("/coverage/huamao", params={"facility": "post_station"}).json()
    tower = next(b for b in r["buildings"] if b["name"] == "华贸中心写字楼1座")
    assert tower["distance_m"] == 0 and tower["facility"]["name"] == "写字楼1座楼宇驿站"


def test_service_areas_follow_the_streets(client):
    fc = client.get("/coverage/huamao", params={"facility": "courier_zone", "format": "geojson"}).json()
    areas = {f["properties"]["within_m"]: shape(f["geometry"]) for f in fc["features"]
             if f["properties"]["layer"] == "service_area"}
    assert areas[100].area < areas[200].area < areas[300].area
    for small, big in ((100, 200), (200, 300)):  # nested, up to the buffers' polygon arcs
        assert areas[small].difference(areas[big]).area < 1e-3 * areas[small].area
    zones = [shape(f["geometry"]) for f in fc["features"] if f["properties"].get("layer") == "courier_zone"]
    assert len(zones) == 3
    # not circles: far smaller than the discs of the same radius around the zones
    disc = shapely.union_all([shapely.Point(z.x, z.y).buffer(300 / 111_000) for z in zones])
    assert areas[300].area < 0.6 * disc.area
    html = client.get("/coverage/huamao", params={"facility": "courier_zone", "format": "html"}).text
    assert "Service area \\u2264 100 m" in html  # layer names go into the page's script escaped
    assert "unreachable" in html and "overloaded" in html


def test_pieces_duplicates_unreachable(client, copy_of, conn):
    slug = copy_of("huamao")
    before = client.get(f"/coverage/{slug}", params={"facility": "courier_zone"}).json()
    with db.transaction(conn) as cur:
        cur.execute("INSERT INTO street_edge (jurisdiction_id, name, geom) SELECT e.jurisdiction_id, e.name, e.geom "
                    "FROM street_edge e JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = %s "
                    "ORDER BY e.id LIMIT 1 RETURNING id", (slug,))
        dup = cur.fetchone()[0]
        # a lane of its own in an open space (500 m east, 380 m north of the south-west corner,
        # 48 m from any building), and a kiosk by it
        at = ("ST_Transform(ST_Translate(ST_Transform(ST_PointN(ST_ExteriorRing(ST_Envelope(j.geom)), 1), "
              "j.metric_srid), %s, %s), 4326)")
        cur.execute(f"INSERT INTO street_edge (jurisdiction_id, name, geom) SELECT j.id, 'island', "
                    f"ST_MakeLine({at}, {at}) FROM jurisdiction j WHERE slug = %s", (495, 380, 505, 380, slug))
        cur.execute(f"INSERT INTO building (jurisdiction_id, name, kind, households, geom) SELECT j.id, 'kiosk', "
                    f"'other', 0, ST_Multi(ST_Buffer({at}::geography, 3)::geometry) FROM jurisdiction j "
                    f"WHERE slug = %s", (500, 386, slug))
    after = client.get(f"/coverage/{slug}", params={"facility": "courier_zone"}).json()
    assert after["duplicate_edges_ignored"] == [dup]
    kiosk = next(b for b in after["buildings"] if b["name"] == "kiosk")
    assert kiosk["distance_m"] is None and kiosk["facility"] is None
    assert {"id": kiosk["id"], "name": "kiosk", "reason": "no facility on its piece of the street network"} \
        in after["unreachable"]
    same = {b["id"]: b["distance_m"] for b in before["buildings"]}
    changed = [(b["name"], same[b["id"]], b["distance_m"]) for b in after["buildings"]
               if b["id"] in same and b["distance_m"] != same[b["id"]]]
    assert not changed, changed


def test_far_and_missing_facilities(client, conn, copy_of, database_url):
    with db.transaction(conn) as cur:
        with pytest.raises(Exception, match="more than 9 m from any street") as err:
            analyse(cur, "huamao", Settings(database_url=database_url, snap_max_m=9), "courier_zone")
    assert any("华贸中街南侧停车分拣区" in p for p in err.value.problems)
    slug = copy_of("xinghuananli")
    with db.transaction(conn) as cur:
        cur.execute("DELETE FROM post_station WHERE jurisdiction_id = (SELECT id FROM jurisdiction WHERE slug = %s)",
                    (slug,))
    r = client.get(f"/coverage/{slug}", params={"facility": "post_station"})
    assert r.status_code == 422 and "no post_station facilities" in r.json()["detail"]
    assert client.get("/coverage/huamao", params={"thresholds": "100,x"}).status_code == 422
    assert client.get("/coverage/huamao", params={"facility": "bogus"}).status_code == 400


def test_cli(cli):
    r = json.loads(cli("coverage", "huamao", "--facility", "courier_zone", "--json").stdout)
    assert r["summary"]["households"] == 1733
    out = cli("coverage", "huamao", "--facility", "nothing", check=False)
    assert out.returncode == 2 and "facility must be one of" in out.stderr


def moved_zone_layout(client, dx: float):
    """The stored courier zones, the third moved ``dx`` degrees east."""
    fc = client.get("/collections/courier_zone/items", params={"jurisdiction": "huamao"}).json()
    feats = []
    for f in fc["features"]:
        g = shape(f["geometry"])
        if f["properties"]["name"] == "华贸中街南侧停车分拣区":
            g = shapely.affinity.translate(g, dx, 0)
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(g),
                      "properties": {k: f["properties"][k] for k in ("name", "capacity", "hours", "operator")}})
    return {"type": "FeatureCollection", "features": feats}


def test_compare_a_moved_zone(client, conn):
    written = scalar(conn, "SELECT count(*) FROM history")
    same = client.post("/coverage/huamao/compare", params={"facility": "courier_zone"},
                       json=moved_zone_layout(client, 0.0)).json()
    assert not same["better"] and not same["worse"]
    assert all(c["households"] == 0 for c in same["change"].values())
    moved = client.post("/coverage/huamao/compare", params={"facility": "courier_zone"},
                        json=moved_zone_layout(client, -0.002)).json()
    assert moved["better"] and moved["worse"]
    for b in moved["better"]:
        assert b["after_m"] < b["before_m"]
    delta = moved["after"]["within"]["300"]["households"] - moved["before"]["within"]["300"]["households"]
    assert moved["change"]["300"]["households"] == delta
    assert scalar(conn, "SELECT count(*) FROM history") == written  # comparing writes nothing
    bad = moved_zone_layout(client, 0.5)  # far outside the community
    r = client.post("/coverage/huamao/compare", params={"facility": "courier_zone"}, json=bad)
    assert r.status_code == 422 and "outside" in json.dumps(r.json())


def test_suggest_is_optimal_and_helps(client, conn, settings):
    r = client.get("/coverage/huamao/suggest", params={"facility": "courier_zone", "add": 2, "within": 100}).json()
    assert len(r["chosen"]) == 2 and r["existing"] == 3
    assert r["after"]["households_within"] > r["before"]["households_within"]
    assert r["objective_value"] == r["after"]["households_within"]
    # brute force over every pair of candidate street nodes gives the same best coverage
    from gis.coverage.distance import cost_matrix
    from gis.coverage.planning import _candidates
    from gis.network_store import load_network
    from gis.store import find_jurisdiction

    with db.transaction(conn) as cur:
        jur = find_jurisdiction(cur, "huamao")
        cov = analyse(cur, "huamao", settings, "courier_zone")
        loaded = load_network(cur, jur)
        _, geoms = _candidates(cur, jur, loaded, "courier_zone", "nodes", settings)
    snaps = loaded.net.snap_geoms(geoms, 100)
    net, nodes = loaded.net.split_at(snaps)
    bsnaps = net.snap_geoms(cov.buildings.access, 100)
    cost = cost_matrix(net, nodes, np.array([s.offset_m for s in snaps]), bsnaps)
    base = cov.nearest.distance <= 100
    hh = cov.buildings.households
    best = max(hh[base | (cost[:, list(p)] <= 100).any(axis=1)].sum()
               for p in itertools.combinations(range(cost.shape[1]), 2))
    assert r["objective_value"] == best
    med = client.get("/coverage/huamao/suggest", params={"facility": "courier_zone", "add": 2,
                                                          "objective": "median"}).json()
    assert med["after"]["mean_household_distance_m"] < med["before"]["mean_household_distance_m"]


def test_suggest_on_real_osm_sites(client, kouvola):
    """Kouvola has no facilities yet: choose 3 of its OSM candidate sites (parking, lockers,
    post offices) for post stations."""
    r = client.get("/coverage/kouvola/suggest", params={"facility": "any", "add": 3, "within": 300,
                                                         "candidates": "sites"})
    assert r.status_code == 200, r.text
    r = r.json()
    assert r["existing"] == 0 and len(r["chosen"]) == 3
    assert all(c["kind"] == "candidate_site" for c in r["chosen"])
    assert r["after"]["households_within"] > 0


def test_suggest_with_given_candidates_and_bad_input(client, conn):
    zone = moved_zone_layout(client, -0.002)["features"][2]
    r = client.post("/coverage/huamao/suggest", params={"add": 1, "within": 100},
                    json={"type": "FeatureCollection", "features": [zone]})
    assert r.status_code == 200 and r.json()["chosen"][0]["kind"] == "proposed"
    r = client.post("/coverage/huamao/suggest", params={"add": 2, "within": 100},
                    json={"type": "FeatureCollection", "features": [zone]})
    assert r.status_code == 422 and "cannot" in r.json()["detail"]
    r = client.post("/coverage/huamao/suggest", params={"add": 1},
                    json={"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None}]})
    assert r.status_code == 422
    before = count(conn, "courier_zone")
    assert client.get("/coverage/huamao/suggest", params={"add": 0}).status_code == 400
    assert count(conn, "courier_zone") == before


def test_coverage_of_a_draft_against_the_published_layout(client, copy_of, cli):
    """A draft where the busiest zone is removed and one is added in the open space north of the
    CBD: some buildings get closer, others farther, and the published layout is untouched."""
    from tests.test_api import ZONE

    slug = copy_of("huamao")
    lid = client.post(f"/jurisdictions/{slug}/layouts", json={"name": "zones moved"}).json()["id"]
    zones = client.get(f"/layouts/{lid}").json()["courier_zones"]["features"]
    busiest = next(z for z in zones if z["properties"]["name"] == "华贸中街南侧停车分拣区")
    tag = f'"layout_courier_zone-{busiest["id"]}-{busiest["properties"]["version"]}"'
    assert client.delete(f"/layouts/{lid}/courier_zone/{busiest['id']}", headers={"If-Match": tag}).status_code == 204
    assert client.post(f"/layouts/{lid}/courier_zone", json=ZONE).status_code == 201
    published = client.get(f"/coverage/{slug}", params={"facility": "courier_zone"}).json()
    r = client.get(f"/coverage/{slug}", params={"facility": "courier_zone", "draft": lid}).json()
    assert r["draft"] == lid and len(r["facilities"]) == 3
    names = {f["name"] for f in r["facilities"]}
    assert names == {"华贸西街快递集中停车分拣区", "华贸南街快递集中停车分拣区", "新分拣区"}
    diff = r["compared_with_published"]
    assert diff["better"] and diff["worse"]
    assert diff["before"] == published["summary"] and diff["after"] == r["summary"]
    out = json.loads(cli("coverage", slug, "--facility", "courier_zone", "--draft", str(lid), "--json").stdout)
    assert out["compared_with_published"]["change"] == diff["change"]
    assert client.get(f"/coverage/{slug}", params={"draft": 999999}).status_code == 422
