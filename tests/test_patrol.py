"""Patrol on the real PostGIS: routes, workers, exports, bad input — via the CLI and the API."""

from __future__ import annotations

import json

import gpxpy
import networkx as nx
import numpy as np
import pytest

from gis import db
from gis.network_store import find_area, load_network
from gis.patrol.routes import plan_routes
from gis.store import find_jurisdiction
from tests.conftest import scalar

GRID2 = "110105015001002"


def route_json(cli, *args) -> dict:
    return json.loads(cli("patrol", "route", *args, "--json").stdout)


def in_area_ids(conn, slug, grid=None) -> set[int]:
    with db.transaction(conn) as cur:
        jur = find_jurisdiction(cur, slug)
        loaded = load_network(cur, jur, find_area(cur, jur, grid))
    return set(loaded.net.edge_ids[loaded.in_area].tolist())


def street_graph(conn, slug) -> nx.MultiGraph:
    g = nx.MultiGraph()
    with db.transaction(conn) as cur:
        cur.execute("SELECT e.id, source, target, length_m FROM street_edge e JOIN jurisdiction j "
                    "ON j.id = e.jurisdiction_id WHERE j.slug = %s", (slug,))
        for eid, s, t, length in cur.fetchall():
            g.add_edge(s, t, key=eid, weight=length)
    return g


def independent_optimum(g: nx.MultiGraph, required: set[int]) -> float:
    """Required length + min-weight perfect matching of odd nodes on the complete graph of
    shortest paths (networkx blossom): the textbook exact answer."""
    req = [(u, v, d) for u, v, k, d in g.edges(keys=True, data=True) if k in required]
    deg: dict[int, int] = {}
    for u, v, _ in req:
        deg[u] = deg.get(u, 0) + 1
        deg[v] = deg.get(v, 0) + 1
    odd = [n for n, d in deg.items() if d % 2]
    simple = nx.Graph()
    for u, v, d in g.edges(data=True):
        if u != v and (not simple.has_edge(u, v) or simple[u][v]["weight"] > d["weight"]):
            simple.add_edge(u, v, weight=d["weight"])
    k = nx.Graph()
    for i, a in enumerate(odd):
        dist = nx.single_source_dijkstra_path_length(simple, a)
        for b in odd[i + 1:]:
            k.add_edge(a, b, weight=dist[b])
    match = nx.min_weight_matching(k)
    return sum(d["weight"] for _, _, d in req) + sum(k[a][b]["weight"] for a, b in match)


def test_huamao_route_is_optimal_and_walks_every_street(cli, conn):
    r = route_json(cli, "huamao")
    assert r["optimal"] is True
    assert r["length_m"] == pytest.approx(r["lower_bound_m"], abs=0.01)
    streets = in_area_ids(conn, "huamao")
    assert streets == {e for e in streets if e in set(r["routes"][0]["edges"])}
    g = street_graph(conn, "huamao")
    assert r["length_m"] == pytest.approx(independent_optimum(g, streets), abs=0.05)
    assert r["deadhead_m"] == pytest.approx(r["length_m"] - r["required_m"], abs=0.05)
    assert r["routes"][0]["minutes"] == pytest.approx(r["length_m"] / 75, abs=0.1)  # 4.5 km/h


def test_routes_walk_on_from_edge_to_edge_and_close_at_the_start(client):
    """The GeoJSON export: consecutive streets meet end to end, the walk ends where it began,
    sequence numbers count up; the GPX has one track per worker starting at the start."""
    fc = client.get("/patrol/huamao/route", params={"workers": 2, "format": "geojson"}).json()
    lines = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    for worker in (1, 2):
        legs = [f for f in lines if f["properties"]["worker"] == worker]
        assert [f["properties"]["seq"] for f in legs] == list(range(1, len(legs) + 1))
        for a, b in zip(legs, legs[1:], strict=False):
            assert np.allclose(a["geometry"]["coordinates"][-1], b["geometry"]["coordinates"][0], atol=1e-6)
        assert np.allclose(legs[0]["geometry"]["coordinates"][0], legs[-1]["geometry"]["coordinates"][-1],
                           atol=1e-6)
    gpx = gpxpy.parse(client.get("/patrol/huamao/route", params={"workers": 2, "format": "gpx"}).text)
    assert len(gpx.tracks) == 2
    start = gpx.waypoints[0]
    for t in gpx.tracks:
        first, last = t.segments[0].points[0], t.segments[0].points[-1]
        assert (first.latitude, first.longitude) == (last.latitude, last.longitude)
        assert first.distance_2d(start) < 30  # the office is 12 m from its street
    # the commercial buildings of the area are waypoints too (6 in Huamao: towers, mall, hotels)
    assert sorted(w.type for w in gpx.waypoints[1:]) == ["hotel"] * 2 + ["mall"] + ["office"] * 3
    grid = gpxpy.parse(client.get("/patrol/huamao/route", params={"grid": GRID2, "format": "gpx"}).text)
    assert len(grid.waypoints) < len(gpx.waypoints)
    text = client.get("/patrol/huamao/route", params={"format": "txt"}).text
    assert "柴家湾胡同" in text and "Route 1" in text


def test_workers_share_the_streets(client, conn):
    one = client.get("/patrol/huamao/route").json()
    two = client.get("/patrol/huamao/route", params={"workers": 2}).json()
    assert len(two["routes"]) == 2
    covered = set().union(*(set(r["edges"]) for r in two["routes"]))
    assert in_area_ids(conn, "huamao") <= covered
    assert two["longest_lower_bound_m"] - 0.01 <= two["longest_m"] <= one["length_m"]
    assert two["longest_m"] < 0.6 * one["length_m"]  # sharing pays
    assert 0 < two["balance"] <= 1


def test_a_grid_patrol_stays_in_its_grid(cli, conn):
    r = route_json(cli, "huamao", "--grid", GRID2)
    grid_streets = in_area_ids(conn, "huamao", GRID2)
    walked = set(r["routes"][0]["edges"])
    assert grid_streets <= walked
    assert r["required_m"] < route_json(cli, "huamao")["required_m"]
    assert r["area"] == {"kind": "grid", "name": GRID2}


def test_real_osm_network_exact_and_pieces_listed(kouvola, conn):
    """test_pbf's walking network (cut by the bbox into pieces): the route covers the piece of
    the start exactly optimally, and lists the streets on the other pieces."""
    with db.transaction(conn) as cur:
        cur.execute("SELECT ST_X(ST_StartPoint(e.geom)), ST_Y(ST_StartPoint(e.geom)) FROM street_edge e "
                    "JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = 'kouvola' "
                    "ORDER BY e.length_m DESC LIMIT 1")
        start = cur.fetchone()
        from gis.settings import Settings

        plan = plan_routes(cur, "kouvola", Settings(database_url=conn.dsn), start=start)
    r = plan.to_json()
    assert r["optimal"] and r["unreachable_edges"]
    g = street_graph(conn, "kouvola")
    required = {int(plan.net.edge_ids[plan.net.parent[e]]) for e in plan.tour.required}
    walked = set(r["routes"][0]["edges"])
    assert required <= walked
    assert not (set(r["unreachable_edges"]) & walked)
    # the start cuts one street in two; the optimum over the uncut graph is the same walk
    piece = g.subgraph(nx.node_connected_component(g, next(
        u for u, v, k in g.edges(keys=True) if k in required)))
    assert r["length_m"] == pytest.approx(independent_optimum(nx.MultiGraph(piece), required), abs=0.1)


def test_visits_tour(client):
    r = client.get("/patrol/huamao/visits", params={"kind": "office,mall,hotel"}).json()
    assert len(r["stops"]) == 6
    assert len({s["building_id"] for s in r["stops"]}) == 6
    assert r["lower_bound_m"] <= r["street_m"] + 0.01
    assert r["gap"] == pytest.approx((r["street_m"] - r["lower_bound_m"]) / r["lower_bound_m"], abs=1e-5)
    assert r["length_m"] == pytest.approx(r["street_m"] + r["access_m"], abs=0.02)
    gpx = gpxpy.parse(client.get("/patrol/huamao/visits", params={"kind": "office", "format": "gpx"}).text)
    assert [w.name.split(". ")[0] for w in gpx.waypoints[1:]] == ["1", "2", "3"]
    bad = client.get("/patrol/huamao/visits", params={"buildings": "999999"})
    assert bad.status_code == 404 and "999999" in bad.json()["detail"]


@pytest.mark.parametrize("params, status, words", [
    ({"start": "116.60,39.95"}, 422, "from any street"),
    ({"grid": "110105015001999"}, 404, "no grid"),
    ({"workers": 0}, 400, "workers"),
    ({"start": "east"}, 400, "start"),
])
def test_route_bad_input(client, params, status, words):
    r = client.get("/patrol/huamao/route", params=params)
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert words in json.dumps(r.json())


def test_route_cli_bad_input(cli):
    out = cli("patrol", "route", "huamao", "--start", "116.60,39.95", check=False)
    assert out.returncode == 2 and "more than 100 m from any street" in out.stderr


def test_network_in_pieces_duplicates_and_empty_area(copy_of, conn, client):
    slug = copy_of("huamao")
    before = client.get(f"/patrol/{slug}/route").json()
    with db.transaction(conn) as cur:
        # a street copied on top of another, and a street inside a corner, joined to nothing
        cur.execute("INSERT INTO street_edge (jurisdiction_id, name, geom) SELECT jurisdiction_id, name, geom "
                    "FROM street_edge e WHERE e.id = %s RETURNING id", (before["routes"][0]["edges"][3],))
        dup = cur.fetchone()[0]
        cur.execute("INSERT INTO street_edge (jurisdiction_id, name, geom) SELECT j.id, 'island', "
                    "ST_MakeLine(ST_Project(c::geography, 30, radians(45))::geometry, "
                    "ST_Project(c::geography, 70, radians(45))::geometry) FROM jurisdiction j, "
                    "ST_PointN(ST_ExteriorRing(ST_Envelope(j.geom)), 1) c WHERE slug = %s RETURNING id", (slug,))
        island = cur.fetchone()[0]
    written = scalar(conn, "SELECT count(*) FROM history")
    r = client.get(f"/patrol/{slug}/route").json()
    assert scalar(conn, "SELECT count(*) FROM history") == written  # planning writes nothing
    assert r["duplicate_edges_ignored"] == [dup]
    assert island in r["unreachable_edges"]
    assert r["length_m"] == pytest.approx(before["length_m"], abs=0.01)
    # a compound with no street in it
    with db.transaction(conn) as cur:
        cur.execute("INSERT INTO compound (jurisdiction_id, name, geom) SELECT j.id, 'tiny', ST_Multi("
                    "ST_Buffer(ST_Centroid(b.geom)::geography, 3)::geometry) FROM jurisdiction j "
                    "JOIN building b ON b.jurisdiction_id = j.id WHERE j.slug = %s ORDER BY b.id LIMIT 1",
                    (slug,))
    empty = client.get(f"/patrol/{slug}/route", params={"compound": "tiny"})
    assert empty.status_code == 422 and "no walkable streets" in empty.json()["detail"]


def test_patrol_map_draws_each_route_with_arrows(client):
    html = client.get("/patrol/huamao/route", params={"workers": 2, "format": "html"}).text
    assert "#e41a1c" in html and "#377eb8" in html  # one colour per worker
    assert html.count("setText") >= 2                  # direction arrows along each route
    assert "Start" in html and "Route 2" in html  # in English, the language asked for (none)
    visits = client.get("/patrol/huamao/visits", params={"kind": "office", "format": "html"}).text
    assert "华贸中心写字楼1座" in visits

