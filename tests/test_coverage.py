"""Coverage on the real PostGIS: distances checked against pgRouting, summaries, load, service
areas, bad input, comparing layouts and siting."""

from __future__ import annotations

import itertools
import json
import math

import networkx as nx
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


# Where every building (its entrances, else its footprint) and every courier zone meets its nearest
# street, computed by PostGIS in the jurisdiction's metric CRS: the edge, the fraction along it, the
# metres from the street. With the edges' ends and lengths, all the oracle below needs of the database.
ORACLE_SNAP_SQL = """
WITH j AS (SELECT id, metric_srid FROM jurisdiction WHERE slug = %(slug)s),
e AS (SELECT e.id, ST_Transform(e.geom, j.metric_srid) AS g FROM street_edge e, j WHERE e.jurisdiction_id = j.id),
a AS (SELECT 'building' AS who, b.id, b.households, ST_Transform(COALESCE(b.entrances, b.geom), j.metric_srid) AS g
      FROM building b, j WHERE b.jurisdiction_id = j.id
      UNION ALL
      SELECT 'zone', z.id, 0, ST_Transform(z.geom, j.metric_srid) FROM courier_zone z, j WHERE z.jurisdiction_id = j.id)
SELECT a.who, a.id, a.households, n.id, ST_LineLocatePoint(n.g, ST_ClosestPoint(n.g, a.g)), ST_Distance(n.g, a.g)
FROM a CROSS JOIN LATERAL (SELECT e.id, e.g FROM e ORDER BY ST_Distance(e.g, a.g), e.id LIMIT 1) n
"""


def oracle_costs(conn, slug: str, snap_max_m: float):
    """Walking distances from every building to every courier zone and every street node (the
    candidate sites), computed without gridmap's network code: networkx shortest paths on the
    street edges as stored, each edge cut where PostGIS puts a building or a zone on it. Returns
    the households of the buildings that reach some site, their cost matrix (zones first, then
    the nodes) and the nodes' lon/lat."""
    with db.transaction(conn) as cur:
        cur.execute("SELECT e.id, e.source, e.target, e.length_m FROM street_edge e JOIN jurisdiction j "
                    "ON j.id = e.jurisdiction_id WHERE j.slug = %s", (slug,))
        edges = {e: (a, b, length) for e, a, b, length in cur.fetchall()}
        cur.execute(ORACLE_SNAP_SQL, {"slug": slug})
        snapped = cur.fetchall()
        nodes = sorted({n for a, b, _ in edges.values() for n in (a, b)})
        cur.execute("SELECT id, ST_X(geom), ST_Y(geom) FROM street_node WHERE id = ANY (%s)", (nodes,))
        lonlat = {i: (x, y) for i, x, y in cur.fetchall()}
    on_edge: dict[int, list] = {}
    offset, households = {}, {}
    for who, fid, hh, edge, t, off in snapped:
        if off <= snap_max_m:  # farther from every street: no walk (as gridmap's snapping limit)
            on_edge.setdefault(edge, []).append((t, (who, fid)))
            offset[(who, fid)] = off
            households[(who, fid)] = hh
    g = nx.MultiGraph()
    for e, (a, b, length) in edges.items():
        stops = [(0.0, ("node", a)), *sorted(on_edge.get(e, [])), (1.0, ("node", b))]
        for (t0, p), (t1, q) in itertools.pairwise(stops):
            g.add_edge(p, q, weight=(t1 - t0) * length)
    zones = sorted(k for k in offset if k[0] == "zone")
    sites = zones + [("node", n) for n in nodes]
    rows, hh = [], []
    for b in sorted(k for k in offset if k[0] == "building"):
        d = nx.single_source_dijkstra_path_length(g, b, weight="weight")
        rows.append([d[s] + offset[b] + offset.get(s, 0.0) if s in d else np.inf for s in sites])
        hh.append(households[b])
    cost, hh = np.array(rows), np.array(hh, dtype=float)
    reach = np.isfinite(cost).any(axis=1)
    return hh[reach], cost[reach], len(zones), [lonlat[n] for n in nodes]


def _nearest_node(lonlat: list[tuple[float, float]], site: dict) -> int:
    return min(range(len(lonlat)), key=lambda j: math.dist(lonlat[j], (site["lon"], site["lat"])))


def _mean_m(hh: np.ndarray, cost: np.ndarray, open_: list[int]) -> float:
    d = cost[:, open_].min(axis=1)
    return float(np.average(d, weights=hh))


def test_suggest_covers_the_most_households(client, conn, settings):
    """Maximal covering checked by brute force on distances of its own (:func:`oracle_costs`): no
    pair of street nodes added to the courier zones covers more households within 100 m than the
    pair suggested, which covers the households it says at the mean distance it says."""
    r = client.get("/coverage/huamao/suggest", params={"facility": "courier_zone", "add": 2, "within": 100}).json()
    assert len(r["chosen"]) == 2 and r["existing"] == 3
    assert r["after"]["households_within"] > r["before"]["households_within"]
    assert r["objective_value"] == r["after"]["households_within"]
    hh, cost, n_zones, lonlat = oracle_costs(conn, "huamao", settings.snap_max_m)
    assert n_zones == 3 and cost.shape[1] == r["candidates"] + 3
    # No building lies within a centimetre of 100 m from a site, so two sound computations of the
    # distances (they differ by millimetres) agree on who is covered.
    assert np.abs(cost[np.isfinite(cost)] - 100).min() > 0.01
    within = cost <= 100
    base = within[:, :n_zones].any(axis=1)

    def covered(pair: tuple[int, ...]) -> float:
        return float(hh[base | within[:, [n_zones + j for j in pair]].any(axis=1)].sum())

    best = max(covered(p) for p in itertools.combinations(range(len(lonlat)), 2))
    assert best > max(covered((j,)) for j in range(len(lonlat)))  # the second site matters
    assert r["objective_value"] == best
    chosen = sorted(_nearest_node(lonlat, c) for c in r["chosen"])
    assert covered(tuple(chosen)) == best  # the sites it names are a best pair
    assert r["before"]["households_within"] == hh[base].sum()
    zones = list(range(n_zones))
    assert r["before"]["mean_household_distance_m"] == pytest.approx(_mean_m(hh, cost, zones), abs=0.051)
    assert r["after"]["mean_household_distance_m"] == pytest.approx(
        _mean_m(hh, cost, zones + [n_zones + j for j in chosen]), abs=0.051)


def test_suggest_makes_the_mean_walk_shortest(client, conn, settings):
    """p-median checked by brute force on the oracle's distances: no pair of street nodes added to
    the courier zones gives a shorter total household walk than the pair suggested. The zones'
    capacities do not bind at that optimum (checked), so the uncapacitated brute force is the
    capacitated problem's optimum too."""
    r = client.get("/coverage/huamao/suggest", params={"facility": "courier_zone", "add": 2,
                                                        "objective": "median"}).json()
    assert r["optimal"] and len(r["chosen"]) == 2
    assert r["after"]["mean_household_distance_m"] < r["before"]["mean_household_distance_m"]
    hh, cost, n_zones, lonlat = oracle_costs(conn, "huamao", settings.snap_max_m)
    zones = list(range(n_zones))

    def total(pair: tuple[int, ...]) -> float:
        return float((hh * cost[:, zones + [n_zones + j for j in pair]].min(axis=1)).sum())

    pairs = list(itertools.combinations(range(len(lonlat)), 2))
    best_pair = min(pairs, key=total)
    best = total(best_pair)
    with db.transaction(conn) as cur:
        cur.execute("SELECT z.capacity FROM courier_zone z JOIN jurisdiction j ON j.id = z.jurisdiction_id "
                    "WHERE j.slug = 'huamao' ORDER BY z.id")
        caps = [c * settings.households_per_bay if c is not None else np.inf for (c,) in cur.fetchall()]
    serving = np.argmin(cost[:, zones + [n_zones + j for j in best_pair]], axis=1)
    assert all(hh[serving == z].sum() <= caps[z] for z in zones)
    # HiGHS stops within a relative gap of 1e-4 of the optimum; the distances differ by millimetres
    assert r["objective_value"] == pytest.approx(best, rel=1e-4)
    chosen = tuple(sorted(_nearest_node(lonlat, c) for c in r["chosen"]))
    assert total(chosen) == pytest.approx(best, rel=1e-4)
    assert total(chosen) < min(total((j, j)) for j in range(len(lonlat)))  # two sites beat any one
    assert r["after"]["mean_household_distance_m"] == pytest.approx(
        _mean_m(hh, cost, zones + [n_zones + j for j in chosen]), abs=0.051)


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
