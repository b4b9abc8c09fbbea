"""The HTTP API on a real server and database: reads, writes with ETags, and bad input."""

import json

import httpx
import pytest

from tests.conftest import count, scalar

# In the open space north of the CBD, 48 m from any building (zones never lie on one).
ZONE = {"type": "Feature", "properties": {"name": "新分拣区", "capacity": 12},
        "geometry": {"type": "Polygon", "coordinates": [[
            [116.48021, 39.91088], [116.48044, 39.91088], [116.48044, 39.91102],
            [116.48021, 39.91102], [116.48021, 39.91088]]]}}


def problem_of(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["detail"]
    return body


def test_health(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["postgis"].startswith("3.")


def test_collections_and_openapi(client):
    ids = [c["id"] for c in client.get("/collections").json()["collections"]]
    assert {"grid", "building", "courier_zone", "post_station", "street_edge"} <= set(ids)
    assert "/collections/{layer}/items" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_items_filters_and_paging(client):
    r = client.get("/collections/building/items", params={"jurisdiction": "huamao", "limit": 10})
    assert r.headers["content-type"] == "application/geo+json"
    page = r.json()
    assert page["numberMatched"] == 32 and page["numberReturned"] == 10
    nxt = [link["href"] for link in page["links"] if link["rel"] == "next"][0]
    assert len(client.get(nxt).json()["features"]) == 10
    everything = client.get("/collections/building/items", params={"limit": 1000}).json()
    assert everything["numberMatched"] > 32  # every jurisdiction when none is named
    # A bbox around the south-west corner of Huamao holds the office towers, not the compounds.
    west, south = 116.4745, 39.9075
    box = client.get("/collections/building/items", params={
        "jurisdiction": "huamao", "bbox": f"{west},{south},{west + 0.0025},{south + 0.0012}"}).json()
    names = {f["properties"]["name"] for f in box["features"]}
    assert "华贸中心写字楼1座" in names and not any("小区" in n for n in names)


def test_create_read_replace_delete_with_etags(client, conn, copy_of):
    slug = copy_of()
    r = client.post("/collections/courier_zone/items", params={"jurisdiction": slug}, json=ZONE)
    assert r.status_code == 201, r.text
    fid = r.json()["ids"][0]
    got = client.get(f"/collections/courier_zone/items/{fid}")
    assert got.json()["properties"]["name"] == "新分拣区"
    tag = got.headers["etag"]
    changed = {**ZONE, "properties": {"name": "新分拣区", "capacity": 20}}
    r = client.put(f"/collections/courier_zone/items/{fid}", json=changed, headers={"If-Match": tag})
    assert r.status_code == 204 and r.headers["etag"] != tag
    # The old ETag is stale now: 412 with the current version, nothing written.
    stale = client.put(f"/collections/courier_zone/items/{fid}",
                       json={**ZONE, "properties": {"name": "x", "capacity": 1}},
                       headers={"If-Match": tag})
    assert problem_of(stale, 412)["current_version"] == 2
    assert client.get(f"/collections/courier_zone/items/{fid}").json()["properties"]["capacity"] == 20
    # No If-Match at all: 428.
    problem_of(client.put(f"/collections/courier_zone/items/{fid}", json=changed), 428)
    problem_of(client.delete(f"/collections/courier_zone/items/{fid}",
                             headers={"If-Match": tag}), 412)
    new_tag = client.get(f"/collections/courier_zone/items/{fid}").headers["etag"]
    assert client.delete(f"/collections/courier_zone/items/{fid}",
                         headers={"If-Match": new_tag}).status_code == 204
    problem_of(client.get(f"/collections/courier_zone/items/{fid}"), 404)


def polygon(coords):
    return {**ZONE, "geometry": {"type": "Polygon", "coordinates": [coords]}}


BAD = [
    ("malformed JSON", b'{"type": "Feature", ', 400, "malformed JSON"),
    ("not GeoJSON", json.dumps({"type": "Banana"}).encode(), 422, "expected tags: 'Feature', 'FeatureCollection'"),
    ("wrong geometry type", json.dumps({**ZONE, "geometry": {
        "type": "Point", "coordinates": [116.479, 39.908]}}).encode(), 422,
     "wrong geometry type Point"),
    ("self-intersecting", json.dumps(polygon([[116.4790, 39.9080], [116.4792, 39.9081],
                                              [116.4792, 39.9080], [116.4790, 39.9081],
                                              [116.4790, 39.9080]])).encode(), 422,
     "Self-intersection"),
    ("empty", json.dumps({**ZONE, "geometry": {"type": "Polygon", "coordinates": []}}).encode(),
     422, "empty geometry"),
    ("out of range", json.dumps(polygon([[1e7, 4e6], [1.1e7, 4e6], [1.1e7, 4.1e6],
                                         [1e7, 4e6]])).encode(), 422, "out of range"),
    ("swapped", json.dumps(polygon([[39.9080, 116.4790], [39.9080, 116.4792],
                                    [39.9081, 116.4792], [39.9080, 116.4790]])).encode(), 422,
     "look swapped"),
    ("outside", json.dumps(polygon([[116.50, 39.90], [116.51, 39.90], [116.51, 39.91],
                                    [116.50, 39.90]])).encode(), 422, "outside jurisdiction"),
    ("other CRS", json.dumps({**ZONE, "crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::3857"}}}).encode(), 422, "Content-Crs"),
    ("missing property", json.dumps({**ZONE, "properties": {}}).encode(), 422,
     "'name' is required"),
]


@pytest.mark.parametrize("name, body, status, message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_nothing_written(client, conn, copy_of, name, body, status,
                                                  message):
    slug = copy_of()
    before = count(conn, "courier_zone", slug)
    r = client.post("/collections/courier_zone/items", params={"jurisdiction": slug},
                    content=body, headers={"Content-Type": "application/geo+json"})
    assert message in json.dumps(problem_of(r, status), ensure_ascii=False)
    assert count(conn, "courier_zone", slug) == before


def test_declared_crs_is_transformed(client, conn, copy_of):
    from pyproj import Transformer

    slug = copy_of()
    tr = Transformer.from_crs(4326, 3857, always_xy=True)
    ring = [list(tr.transform(x, y)) for x, y in ZONE["geometry"]["coordinates"][0]]
    body = {**polygon(ring), "crs": {"type": "name", "properties": {"name": "EPSG:3857"}}}
    r = client.post("/collections/courier_zone/items", params={"jurisdiction": slug},
                    json=body, headers={"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/3857>"})
    assert r.status_code == 201, r.text
    got = client.get(f"/collections/courier_zone/items/{r.json()['ids'][0]}").json()
    assert got["geometry"]["coordinates"][0][0] == pytest.approx(ZONE["geometry"]["coordinates"][0][0], abs=1e-7)


def test_a_crs_with_no_map_position_is_refused_in_words(client, conn, copy_of):
    slug = copy_of()
    before = count(conn, "courier_zone", slug)
    r = client.post("/collections/courier_zone/items", params={"jurisdiction": slug},
                    json=ZONE, headers={"Content-Crs": "<http://www.opengis.net/def/crs/EPSG/0/5714>",
                                        "Accept-Language": "zh"})
    detail = problem_of(r, 422)["detail"]
    assert "EPSG:5714" in detail and "不是地图坐标系" in detail, detail
    assert count(conn, "courier_zone", slug) == before


def test_one_bad_feature_in_a_collection_writes_none(client, conn, copy_of):
    slug = copy_of()
    before = count(conn, "courier_zone", slug)
    bad = {**ZONE, "geometry": {"type": "Point", "coordinates": [116.479, 39.908]}}
    r = client.post("/collections/courier_zone/items", params={"jurisdiction": slug},
                    json={"type": "FeatureCollection", "features": [ZONE, ZONE, bad]})
    assert "feature 3" in problem_of(r, 422)["problems"][0]
    assert count(conn, "courier_zone", slug) == before


def test_unknown_layer_jurisdiction_and_feature(client):
    problem_of(client.get("/collections/castle/items"), 404)
    problem_of(client.get("/collections/grid/items", params={"jurisdiction": "nowhere"}), 404)
    problem_of(client.post("/collections/courier_zone/items", params={"jurisdiction": "nowhere"},
                           json=ZONE), 404)
    problem_of(client.get("/collections/grid/items/999999"), 404)


def test_derived_layers_are_read_only(client):
    problem_of(client.post("/collections/street_node/items", params={"jurisdiction": "huamao"},
                           json=ZONE), 422)


def test_payload_over_the_limit_is_refused(client, settings, conn):
    before = count(conn, "courier_zone")
    big = b'{"type":"FeatureCollection","features":[' + b" " * (settings.max_body_bytes + 1) + b"]}"
    r = client.post("/collections/courier_zone/items", params={"jurisdiction": "huamao"},
                    content=big)
    assert "over the limit" in problem_of(r, 413)["detail"]
    assert count(conn, "courier_zone") == before


@pytest.mark.parametrize("params", [{"bbox": "1,2,3"}, {"bbox": "200,0,210,10"},
                                    {"limit": "0"}, {"limit": "100000000"}])
def test_bad_query_parameters(client, params):
    problem_of(client.get("/collections/building/items", params=params), 400)


def test_pages_are_served_with_their_assets_and_no_outside_host(client):
    import re

    for path in ("/?jurisdiction=huamao", "/grids/110105015001001?jurisdiction=huamao"):
        r = client.get(path)
        assert r.status_code == 200 and 'data-jurisdiction="huamao"' in r.text
        assets = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert assets and all(a.startswith("/") or a.startswith("data:") for a in assets)
        for a in assets:
            if a.startswith("/static/"):
                assert client.get(a).status_code == 200, a
    # an unknown jurisdiction is a 404, a value no slug can be a 400 (problem+json to a client, never
    # HTML); a grid "code" that is no code is refused before any page holds it
    assert problem_of(client.get("/", params={"jurisdiction": "nowhere"}), 404)
    assert problem_of(client.get("/", params={"jurisdiction": '"><script>'}), 400)
    assert problem_of(client.get("/grids/%22%3E%3Cscript%3E", params={"jurisdiction": "huamao"}), 400)


def test_a_courier_zone_on_a_building_is_refused(client, copy_of, conn):
    slug = copy_of()
    before = count(conn, "courier_zone", slug)
    mall = client.get("/collections/building/items", params={"jurisdiction": slug, "limit": 100}).json()
    footprint = next(f for f in mall["features"] if f["properties"]["name"] == "新光天地")["geometry"]
    r = client.post("/collections/courier_zone/items", params={"jurisdiction": slug},
                    json={**ZONE, "geometry": {"type": "Polygon", "coordinates": footprint["coordinates"][0]}})
    assert "footprint of 新光天地" in problem_of(r, 422)["detail"]
    assert count(conn, "courier_zone", slug) == before


def test_security_headers_and_no_cors_by_default(client):
    for path in ("/collections", "/?jurisdiction=huamao", "/nowhere"):
        r = client.get(path)
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in r.headers["content-security-policy"]
    r = client.options("/collections", headers={"Origin": "https://elsewhere.example",
                                                "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_for_configured_origins(settings):
    """Preflights are answered by the CORS layer itself (no database needed): the app is called
    in process through httpx's ASGI transport."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from api.main import create_app

    app = create_app(settings.model_copy(update={"cors_origins": ("https://portal.example",),
                                                 "allowed_hosts": ("gridmap",)}))

    async def preflight(origin: str):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gridmap") as c:
            return await c.options("/collections", headers={"Origin": origin, "Access-Control-Request-Method": "PUT",
                                                            "Access-Control-Request-Headers": "If-Match"})

    def run(coro):  # in a thread of its own: a browser test may hold this thread's event loop
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coro).result()

    ok = run(preflight("https://portal.example"))
    assert ok.headers["access-control-allow-origin"] == "https://portal.example"
    assert "if-match" in ok.headers["access-control-allow-headers"].lower()
    other = run(preflight("https://other.example"))
    assert other.headers.get("access-control-allow-origin") != "https://other.example"


def test_a_malformed_if_match_is_400_everywhere(client, copy_of):
    """One parser of If-Match for every route: the same malformed tag gets the same answer. A weak
    tag names its version too (a compressing proxy weakens the ETags it passes: the page echoing
    one back must still write)."""
    from gis.etags import etag, version, versions

    assert etag("grid", 3, 7) == '"grid-3-7"' and version('W/"grid-3-7"', "grid", 3) == 7
    assert versions('"layout_grid-1-2", "layout_grid-4-5"', "layout_grid") == {1: 2, 4: 5}
    slug = copy_of("huamao")
    zone = client.get("/collections/courier_zone/items", params={"jurisdiction": slug}).json()["features"][0]
    lid = client.post(f"/jurisdictions/{slug}/layouts", json={"name": "etags"}).json()["id"]
    grid = client.get(f"/layouts/{lid}").json()["grids"]["features"][0]
    bad = {"If-Match": '"nonsense"'}
    a = client.put(f"/collections/courier_zone/items/{zone['id']}", json=zone, headers=bad)
    b = client.put(f"/layouts/{lid}/grids/{grid['id']}", json=grid, headers=bad)
    assert a.status_code == b.status_code == 400
    assert client.put(f"/layouts/{lid}/grids/{grid['id']}", json=grid).status_code == 428
    weak = {"If-Match": "W/" + client.get(f"/collections/courier_zone/items/{zone['id']}").headers["etag"]}
    assert client.put(f"/collections/courier_zone/items/{zone['id']}", json=zone, headers=weak).status_code == 204



def test_the_items_page_is_encoded_json_whatever_its_url(client):
    """The links name the page's own URL, encoded as JSON strings (they were pasted into an
    f-string): a query holding quotes and braces leaves the page valid, with every feature."""
    r = client.get("/collections/grid/items", params={"jurisdiction": "huamao", "lang": '"}],"features":[]}'})
    page = r.json()
    assert page["numberReturned"] == len(page["features"]) == 4
    assert page["links"][0]["href"].startswith("http") and "features" in page["links"][0]["href"]


def test_a_street_renamed_keeps_its_line_and_a_bridge_stays_apart(client, conn, copy_of):
    """A PUT that changes a street's name, not its line, joins nothing: a bridge stored over a road
    with no node between them (as OSM draws one) stays apart from it, both whole (joined again on a
    rename, the route would turn off the bridge onto the road below)."""
    slug = copy_of()
    edge, across = _a_long_street(conn, slug)
    with conn.cursor() as cur:  # the bridge, written past the API's joining (as an OSM import keeps it)
        cur.execute("INSERT INTO street_edge (jurisdiction_id, name, geom) SELECT id, '过街天桥',"
                    " ST_SetSRID(ST_MakeLine(ST_Point(%s, %s), ST_Point(%s, %s)), 4326) FROM jurisdiction"
                    " WHERE slug = %s RETURNING id", (*across(-15), *across(15), slug))
        bridge = cur.fetchone()[0]
    conn.commit()
    streets = count(conn, "street_edge", slug)
    got = client.get(f"/collections/street_edge/items/{bridge}")
    renamed = {**got.json(), "properties": {**got.json()["properties"], "name": "华贸天桥"}}
    r = client.put(f"/collections/street_edge/items/{bridge}", json=renamed, headers={"If-Match": got.headers["etag"]})
    assert r.status_code == 204, r.text
    assert count(conn, "street_edge", slug) == streets
    assert scalar(conn, "SELECT name FROM street_edge WHERE id = %s", bridge) == "华贸天桥"
    assert scalar(conn, "SELECT ST_Intersects(a.geom, b.geom) AND NOT ST_Touches(a.geom, b.geom)"
                        " FROM street_edge a, street_edge b WHERE a.id = %s AND b.id = %s", bridge, edge)


def _a_long_street(conn, slug):
    """A straight street well inside ``slug`` (30 m clear of its boundary), and a function
    giving the point ``metres`` off the street's middle, square to it."""
    import math

    with conn.cursor() as cur:
        cur.execute("SELECT e.id, ST_X(ST_LineInterpolatePoint(e.geom, 0.5)),"
                    " ST_Y(ST_LineInterpolatePoint(e.geom, 0.5)),"
                    " degrees(ST_Azimuth(ST_StartPoint(e.geom), ST_EndPoint(e.geom))) FROM street_edge e"
                    " JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = %s AND ST_NPoints(e.geom) = 2"
                    " AND ST_Covers(j.geom, ST_Buffer(e.geom::geography, 30)::geometry)"
                    " ORDER BY e.length_m DESC LIMIT 1", (slug,))
        edge, x, y, azimuth = cur.fetchone()
    conn.rollback()

    def across(metres, along=0.0):  # (and ``along`` it from the middle)
        a, b = math.radians(azimuth + 90), math.radians(azimuth)
        east, north = metres * math.sin(a) + along * math.sin(b), metres * math.cos(a) + along * math.cos(b)
        return [x + east / (111_320 * math.cos(math.radians(y))), y + north / 111_320]

    return edge, across


def test_a_street_posted_across_another_is_joined_to_it(client, conn, copy_of):
    """A lane drawn across a stored street through the API is
    joined as an imported one is: cut where it crosses, the street split there, every piece's id
    returned, and the route walks them (a posted lane was a piece of its own, never walked)."""
    slug = copy_of()
    edge, across = _a_long_street(conn, slug)
    streets = count(conn, "street_edge", slug)
    lane = {"type": "Feature", "properties": {"name": "新开小路"},
            "geometry": {"type": "LineString", "coordinates": [across(-15), across(15)]}}
    r = client.post("/collections/street_edge/items", params={"jurisdiction": slug}, json=lane)
    assert r.status_code == 201, r.text
    ids = r.json()["ids"]
    assert len(ids) == 2 and r.headers["location"].endswith(f"/street_edge/items/{ids[0]}")
    assert count(conn, "street_edge", slug) == streets + 2 + 1  # the lane's two pieces, the street's second
    assert scalar(conn, "SELECT count(*) FROM street_edge WHERE id = %s", edge) == 1  # it kept its id
    route = client.get(f"/patrol/{slug}/route").json()
    walked = {e for w in route["routes"] for e in w["edges"]}
    assert set(ids) <= walked and route["unreachable_edges"] == []

    # a piece of the lane moved by a PUT beside the street further along, across nothing: 204
    beside = dict(lane, geometry={"type": "LineString", "coordinates": [across(4, 20), across(10, 20)]})
    r = client.put(f"/collections/street_edge/items/{ids[0]}", json=beside,
                   headers={"If-Match": client.get(f"/collections/street_edge/items/{ids[0]}").headers["etag"]})
    assert r.status_code == 204, r.text


def test_a_street_moved_across_another_is_joined_to_it(client, conn, copy_of):
    """A PUT that moves a lane across a stored street joins it there as a POST does: the lane keeps
    its id for its first piece, its other piece and the street's second are new rows, the answer
    lists the lane's pieces, and the route walks them (a moved lane crossed the street with no
    node, a piece of its own that no route reached)."""
    slug = copy_of()
    edge, across = _a_long_street(conn, slug)
    lane = {"type": "Feature", "properties": {"name": "新开小路"},
            "geometry": {"type": "LineString", "coordinates": [across(4), across(10)]}}
    r = client.post("/collections/street_edge/items", params={"jurisdiction": slug}, json=lane)
    assert r.status_code == 201 and len(r.json()["ids"]) == 1, r.text
    lane_id, tag = r.json()["ids"][0], r.headers["etag"]
    streets = count(conn, "street_edge", slug)
    moved = dict(lane, geometry={"type": "LineString", "coordinates": [across(-15), across(15)]})
    r = client.put(f"/collections/street_edge/items/{lane_id}", json=moved, headers={"If-Match": tag})
    assert r.status_code == 200, r.text
    ids = r.json()["ids"]
    assert len(ids) == 2 and ids[0] == lane_id and r.headers["etag"] != tag
    assert count(conn, "street_edge", slug) == streets + 2  # the lane's second piece, the street's second
    assert scalar(conn, "SELECT count(*) FROM street_edge WHERE id = %s AND name = '新开小路'", ids[1]) == 1
    route = client.get(f"/patrol/{slug}/route").json()
    walked = {e for w in route["routes"] for e in w["edges"]}
    assert set(ids) | {edge} <= walked and route["unreachable_edges"] == []
    # a street drawn along the stored one throughout is no piece of the network: refused, by POST (a 500
    # before) and by PUT alike, writing nothing
    on_it = dict(lane, geometry={"type": "LineString", "coordinates": [across(0, -10), across(0, 10)]})
    r = client.post("/collections/street_edge/items", params={"jurisdiction": slug}, json=on_it)
    assert r.status_code == 422 and "along a stored street" in r.text, r.text
    r = client.put(f"/collections/street_edge/items/{lane_id}", json=on_it,
                   headers={"If-Match": client.get(f"/collections/street_edge/items/{lane_id}").headers["etag"]})
    assert r.status_code == 422 and count(conn, "street_edge", slug) == streets + 2, r.text
    # a stale ETag still changes nothing
    r = client.put(f"/collections/street_edge/items/{lane_id}", json=lane, headers={"If-Match": tag})
    assert r.status_code == 412 and count(conn, "street_edge", slug) == streets + 2
