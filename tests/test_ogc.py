"""gridmap as an OGC API – Features service, read by a real client: GDAL's OAPIF driver
(``ogrinfo``, ``ogr2ogr``, Debian's gdal-bin) with the bearer token as an HTTP header; and the
documents it reads (landing page, conformance, collections, queryables, schemas, CRSs), checked
against the requirements they answer.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from typing import Any

import httpx
import pyogrio
import pytest
from pyproj import Transformer
from starlette.requests import Request

from api.main import create_app
from api.models.ogc import Conformance, JSONSchema, LandingPage
from api.routers import ogc as ogc_routes
from api.routers.ogc import wants_json
from gis import ogc
from gis.errors import MalformedRequest
from gis.layers import get_layer
from gis.settings import Settings
from tests.conftest import scalar

GDAL = shutil.which("ogrinfo")
needs_gdal = pytest.mark.skipif(GDAL is None, reason="GDAL's command-line tools (gdal-bin) are not installed")
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"


# --- without a database: the documents and the parameters ----------------------------------------


@pytest.fixture(scope="module")
def app():
    return create_app(Settings())


def request_to(app, path: str = "/") -> Request:
    """A request for ``path`` on http://127.0.0.1 (the routes' functions are called directly: no
    database is needed for these documents)."""
    return Request({"type": "http", "app": app, "router": app.router, "scheme": "http", "method": "GET",
                    "server": ("127.0.0.1", 80), "path": path, "root_path": "", "headers": [], "query_string": b""})


def rels(document: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {link["rel"]: link for link in document["links"]}


def test_the_landing_page_links_what_a_client_needs(app):
    page = LandingPage.model_validate(ogc_routes.landing(request_to(app)))
    links = rels(page.model_dump())
    assert {"self", "service-desc", "conformance", "data"} <= set(links)
    descs = {link["type"]: link["href"] for link in page.model_dump()["links"] if link["rel"] == "service-desc"}
    assert descs == {"application/vnd.oai.openapi+json;version=3.0": "http://127.0.0.1/openapi-3.0.json",
                     "application/vnd.oai.openapi+json;version=3.1": "http://127.0.0.1/openapi.json"}
    assert links["conformance"]["href"] == "http://127.0.0.1/conformance"
    assert links["data"]["href"] == "http://127.0.0.1/collections"
    assert app.openapi()["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/LandingPage"}}


@pytest.mark.parametrize(("accept", "query", "json"), [
    ("application/json", "", True), ("application/geo+json, application/json", "", True),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "", False), ("*/*", "", False),
    ("", "", False), ("text/html", "f=json", True), ("application/json", "f=html", False),
    ("application/json", "jurisdiction=huamao&f=json", True)])
def test_who_gets_the_landing_page(accept, query, json):
    headers = [(b"accept", accept.encode())] if accept else []
    assert wants_json({"type": "http", "query_string": query.encode(), "headers": headers}) is json


def test_the_conformance_classes(app):
    """Core, GeoJSON, OpenAPI 3.0, CRS by reference (Part 2) and queryables as query parameters
    (Part 3)."""
    classes = Conformance.model_validate(ogc_routes.conformance()).conformsTo
    assert CORE in classes and "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in classes
    assert app.openapi()["openapi"].startswith("3.1")


def test_the_api_description_in_openapi_30(app, server):
    """FastAPI writes OpenAPI 3.1; OGC's OpenAPI 3.0 class gets the same document in 3.0: nothing
    left that 3.0 cannot read (a null type, a list of types, const, a numeric exclusive bound,
    a $ref with siblings), and every operation still there. (openapi-spec-validator's 3.0 check
    passes it and refuses the 3.1 document; it is not a dependency of the project.)"""
    from api.openapi30 import openapi30, schema30

    spec = app.openapi()
    old = openapi30(spec)
    assert old["openapi"] == "3.0.3" and spec["openapi"].startswith("3.1")  # the 3.1 one is left as it was
    served = httpx.get(f"{server}/openapi-3.0.json")  # public, as /openapi.json
    assert served.headers["content-type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert served.json()["openapi"] == "3.0.3" and served.json()["paths"].keys() == old["paths"].keys()
    assert {p: set(ops) for p, ops in old["paths"].items()} == {p: set(ops) for p, ops in spec["paths"].items()}

    def walk(node):
        if isinstance(node, dict):
            yield node
            for v in node.values():
                yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    for node in walk(old):
        assert node.get("type") != "null" and not isinstance(node.get("type"), list), node
        assert "const" not in node and not ("$ref" in node and len(node) > 1), node
        assert not isinstance(node.get("exclusiveMinimum"), int | float) or isinstance(node["exclusiveMinimum"], bool)
    assert schema30({"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}], "title": "Name"}) == {
        "type": "string", "maxLength": 5, "nullable": True, "title": "Name"}
    assert schema30({"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]}) == {
        "nullable": True, "allOf": [{"$ref": "#/components/schemas/X"}]}
    assert schema30({"type": "integer", "exclusiveMinimum": 0, "const": 3, "examples": [3, 4]}) == {
        "type": "integer", "minimum": 0, "exclusiveMinimum": True, "enum": [3], "example": 3}


def test_the_queryables_and_the_feature_schema_are_typed():
    schema = JSONSchema.model_validate(ogc.queryables_schema(get_layer("grid"), "http://h/collections/grid/queryables"))
    schema = schema.model_dump(by_alias=True, exclude_none=True)
    assert schema["$schema"].startswith("https://json-schema.org/") and schema["$id"].endswith("/grid/queryables")
    assert schema["properties"]["target_households"] == {"type": "integer", "title": "target_households",
                                                         "minimum": 1}
    assert schema["properties"]["code"]["pattern"] == r"^[0-9]{15}$"
    assert schema["additionalProperties"] is False
    building = JSONSchema.model_validate(ogc.feature_schema(get_layer("building"), "http://h/"))
    building = building.model_dump(by_alias=True, exclude_none=True)
    props = building["properties"]["properties"]["properties"]
    assert props["floors"]["type"] == "integer" and props["households_estimated"]["type"] == "boolean"
    assert props["kind"]["enum"][0] == "residential" and props["grid_id"]["readOnly"] is True
    assert building["properties"]["geometry"]["properties"]["type"]["enum"] == ["Polygon", "MultiPolygon"]
    assert props["osm_id"] == {"type": "number", "format": "int64", "title": "osm_id",
                               "description": "OpenStreetMap id of the source"}
    assert "entrances" not in ogc.queryables(get_layer("building"))  # WKT: no equality on it


def test_crs_names_and_bboxes():
    assert ogc.crs_uri("EPSG:4326") == ogc.EPSG_4326 and ogc.crs_uri(ogc.CRS84) == ogc.CRS84
    with pytest.raises(MalformedRequest):
        ogc.crs_uri("EPSG:4490")
    box = (116.47, 39.90, 116.49, 39.92)
    assert ogc.parse_bbox("116.47,39.90,116.49,39.92") == box
    assert ogc.parse_bbox("39.90,116.47,39.92,116.49", ogc.EPSG_4326) == box  # latitude first
    assert ogc.parse_bbox("116.47,39.90,0,116.49,39.92,100") == box  # heights ignored
    x0, y0 = Transformer.from_crs(4326, 3857, always_xy=True).transform(116.47, 39.90)
    x1, y1 = Transformer.from_crs(4326, 3857, always_xy=True).transform(116.49, 39.92)
    assert ogc.parse_bbox(f"{x0},{y0},{x1},{y1}", ogc.EPSG_3857) == pytest.approx(box)
    for bad, crs in [("1,2,3", ogc.CRS84), ("116,39,117,nan", ogc.CRS84), ("116.47,39.90,116.49,39.92", ogc.EPSG_4326),
                     ("3e7,0,3.1e7,1", ogc.EPSG_3857)]:
        with pytest.raises(MalformedRequest):
            ogc.parse_bbox(bad, crs)


@pytest.mark.parametrize(("text", "good"), [
    ("2026-12-06T03:00:00Z", True), ("2026-12-06", True), ("2026-01-01T00:00:00Z/..", True),
    ("../2026-12-06", True), ("2026-01-01/2026-02-01", True), ("..", False), ("../..", False), ("yesterday", False),
    ("2026-01-01/2026-02-01/2026-03-01", False), ("2026-13-01", False)])
def test_datetime_is_checked(text, good):
    if good:
        ogc.check_datetime(text)
    else:
        with pytest.raises(MalformedRequest):
            ogc.check_datetime(text)


def test_property_filters_are_read_as_their_types_or_refused_together():
    building = get_layer("building")
    assert ogc.filter_values(building, [("kind", "residential"), ("floors", "6"), ("households_estimated", "true")]) \
        == {"kind": "residential", "floors": 6, "households_estimated": True}
    with pytest.raises(MalformedRequest) as err:
        ogc.filter_values(building, [("colour", "red"), ("floors", "six"), ("floors", "³"), ("kind", "a"),
                                     ("kind", "b")])
    assert len(err.value.problems) == 5  # colour, floors twice, kind "a" is no kind, kind twice
    assert "colour" in err.value.problems[0] and "floors" in err.value.problems[1]
    assert "one of residential" in err.value.problems[3] and "more than once" in err.value.problems[4]


def test_the_api_definition_names_each_layers_filters(app):
    paths = app.openapi()["paths"]
    building = {p["name"]: p for p in paths["/collections/building/items"]["get"]["parameters"]}
    assert building["kind"]["schema"] == {"type": "string", "enum": list(get_layer("building").field("kind").choices)}
    assert building["floors"]["schema"] == {"type": "integer"} and "bbox-crs" in building and "layer" not in building
    assert {p["name"] for p in paths["/collections/grid/items"]["get"]["parameters"]} >= {"code", "target_households"}
    limit = {p["name"]: p for p in paths["/collections/{layer}/items"]["get"]["parameters"]}["limit"]["schema"]
    assert limit == {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100, "title": "Limit"}


# --- on the real server and database --------------------------------------------------------------


def test_collections_have_extents_crss_and_links(client, conn):
    grid = client.get("/collections/grid").json()
    assert grid["crs"] == list(ogc.SERVED) and grid["storageCrs"] == ogc.CRS84
    w, s, e, n = grid["extent"]["spatial"]["bbox"][0]
    expected = [scalar(conn, f"SELECT ST_{f}(ST_Extent(geom)) FROM grid") for f in ("XMin", "YMin", "XMax", "YMax")]
    assert [w, s, e, n] == pytest.approx(expected)
    links = rels(grid)
    assert {"self", "items", "describedby", ogc.QUERYABLES} <= set(links)
    assert links["describedby"]["type"] == "application/schema+json"
    listed = client.get("/collections").json()
    assert [c for c in listed["collections"] if c["id"] == "grid"][0] == grid


def huamao_extent(conn, layer: str, slug: str = "huamao") -> list[float]:
    return [scalar(conn, f"SELECT ST_{f}(ST_Extent(t.geom)) FROM {layer} t JOIN jurisdiction j"
                         " ON j.id = t.jurisdiction_id WHERE j.slug = %s", slug)
            for f in ("XMin", "YMin", "XMax", "YMax")]


def test_an_extent_is_of_the_jurisdiction_the_request_names(server, client, conn, copy_of, make_user):
    import httpx

    named = client.get("/collections/building", params={"jurisdiction": "huamao"}).json()
    assert named["extent"]["spatial"]["bbox"][0] == pytest.approx(huamao_extent(conn, "building"))
    listed = client.get("/collections", params={"jurisdiction": "huamao"}).json()["collections"]
    assert [c for c in listed if c["id"] == "building"][0] == named
    assert client.get("/collections", params={"jurisdiction": "no-such-place"}).status_code == 404
    slug = copy_of("huamao")
    leader = {"Authorization": f"Bearer {make_user('leader', jurisdiction=slug)}"}
    with httpx.Client(base_url=server, headers=leader) as c:
        assert c.get("/collections/building", params={"jurisdiction": "huamao"}).status_code == 403
        own = c.get("/collections/building").json()["extent"]["spatial"]["bbox"][0]
    assert own == pytest.approx(huamao_extent(conn, "building", slug))


def test_a_grid_worker_sees_the_extent_of_their_own_buildings(server, make_user, conn):
    import httpx

    token = make_user("worker", jurisdiction="huamao", grid="110105015001001")
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}) as c:
        w, s, e, n = c.get("/collections/building").json()["extent"]["spatial"]["bbox"][0]
    # the grid's code is unique within its jurisdiction only: other tests' copies of huamao hold the same code
    xmax = scalar(conn, "SELECT ST_XMax(ST_Extent(b.geom)) FROM building b JOIN grid g ON g.id = b.grid_id"
                        " JOIN jurisdiction j ON j.id = g.jurisdiction_id"
                        " WHERE g.code = '110105015001001' AND j.slug = 'huamao'")
    assert e == pytest.approx(xmax)


def test_an_extent_follows_the_layer(server, client, copy_of, make_user):
    """Extents are kept between requests (ST_Extent over a whole layer is slow), under the
    layer's version: a feature deleted is out of the next one."""
    import httpx

    slug = copy_of("huamao")
    leader = {"Authorization": f"Bearer {make_user('leader', jurisdiction=slug)}"}
    with httpx.Client(base_url=server, headers=leader) as c:
        before = c.get("/collections/courier_zone").json()["extent"]["spatial"]["bbox"][0]
        assert c.get("/collections/courier_zone").json()["extent"]["spatial"]["bbox"][0] == before
        # the zone reaching farthest east goes: the extent's east side comes back to the next one
        zones = c.get("/collections/courier_zone/items", params={"jurisdiction": slug}).json()["features"]
        east = {z["id"]: max(x for ring in z["geometry"]["coordinates"] for x, _ in ring) for z in zones}
        last = max(east, key=east.__getitem__)
        assert east[last] == pytest.approx(before[2]) and len(zones) > 1
        tag = client.get(f"/collections/courier_zone/items/{last}").headers["etag"]
        assert client.delete(f"/collections/courier_zone/items/{last}", headers={"If-Match": tag}).status_code == 204
        after = c.get("/collections/courier_zone").json()["extent"]["spatial"]["bbox"][0]
        assert after[2] == pytest.approx(max(v for k, v in east.items() if k != last)) and after != before
        listed = {x["id"]: x for x in c.get("/collections").json()["collections"]}
        assert listed["courier_zone"]["extent"]["spatial"]["bbox"][0] == after


def test_items_page_forwards_and_back(client):
    first = client.get("/collections/building/items", params={"jurisdiction": "huamao", "limit": 10}).json()
    assert "prev" not in rels(first) and rels(first)["collection"]["href"].endswith("/collections/building")
    second = client.get(rels(first)["next"]["href"]).json()
    assert second["numberReturned"] == 10 and "offset=20" in rels(second)["next"]["href"]
    back = client.get(rels(second)["prev"]["href"]).json()
    assert [f["id"] for f in back["features"]] == [f["id"] for f in first["features"]]
    # past the last page: no feature, and still how many match (counted without a page to count on)
    beyond = client.get("/collections/building/items", params={"jurisdiction": "huamao", "limit": 10,
                                                               "offset": first["numberMatched"] + 5}).json()
    assert beyond["numberReturned"] == 0 and beyond["features"] == []
    assert beyond["numberMatched"] == first["numberMatched"] > 10 and "next" not in rels(beyond)


def test_items_filtered_by_properties(client, conn):
    page = client.get("/collections/building/items", params={"jurisdiction": "huamao", "kind": "residential",
                                                             "limit": 1000}).json()
    expected = scalar(conn, "SELECT count(*) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
                            " WHERE j.slug = 'huamao' AND b.kind = 'residential'")
    assert page["numberMatched"] == expected > 0
    assert {f["properties"]["kind"] for f in page["features"]} == {"residential"}
    code = page["features"][0]["properties"]["grid_id"]
    assert all(f["properties"]["grid_id"] == code for f in client.get("/collections/building/items", params={
        "grid_id": code}).json()["features"])
    for params in ({"colour": "red"}, {"floors": "six"}, {"jurisdiction": "huamao", "version": "1.5"}):
        r = client.get("/collections/building/items", params=params)
        assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json"), params


def test_items_in_each_crs(client):
    params = {"jurisdiction": "huamao", "limit": 1}
    plain = client.get("/collections/post_station/items", params=params)
    assert plain.headers["content-crs"] == f"<{ogc.CRS84}>"
    lon, lat = plain.json()["features"][0]["geometry"]["coordinates"]
    latlon = client.get("/collections/post_station/items", params={**params, "crs": ogc.EPSG_4326})
    assert latlon.headers["content-crs"] == f"<{ogc.EPSG_4326}>"
    assert latlon.json()["features"][0]["geometry"]["coordinates"] == [lat, lon]
    merc = client.get("/collections/post_station/items", params={**params, "crs": "EPSG:3857"})
    x, y = merc.json()["features"][0]["geometry"]["coordinates"]
    assert (x, y) == pytest.approx(Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat), abs=0.01)
    assert "crs" not in merc.json()["features"][0]["geometry"]
    fid = plain.json()["features"][0]["id"]
    one = client.get(f"/collections/post_station/items/{fid}", params={"crs": "EPSG:4326"})
    assert one.headers["content-crs"] == f"<{ogc.EPSG_4326}>" and one.json()["geometry"]["coordinates"] == [lat, lon]
    assert {"self", "collection"} <= set(rels(one.json()))
    assert client.get("/collections/post_station/items", params={"crs": "EPSG:4490"}).status_code == 400
    # the same box in three CRSs selects the same features
    box = client.get("/collections/grid").json()["extent"]["spatial"]["bbox"][0]
    w, s, e, n = box[0], box[1], (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    x0, y0 = Transformer.from_crs(4326, 3857, always_xy=True).transform(w, s)
    x1, y1 = Transformer.from_crs(4326, 3857, always_xy=True).transform(e, n)
    ids = []
    for bbox, crs in [(f"{w},{s},{e},{n}", "CRS84"), (f"{s},{w},{n},{e}", ogc.EPSG_4326),
                      (f"{x0},{y0},{x1},{y1}", "EPSG:3857")]:
        page = client.get("/collections/building/items", params={"bbox": bbox, "bbox-crs": crs, "limit": 1000})
        ids.append({f["id"] for f in page.json()["features"]})
    assert ids[0] and ids[0] == ids[1] == ids[2]


def test_the_landing_page_is_public_and_the_map_page_is_not(server):
    import httpx

    r = httpx.get(f"{server}/", headers={"Accept": "application/json"})
    assert r.status_code == 200 and rels(r.json())["data"]["href"] == f"{server}/collections"
    assert httpx.get(f"{server}/", headers={"Accept": "text/html"}).status_code == 303
    assert httpx.get(f"{server}/collections", headers={"Accept": "application/json"}).status_code == 401


# --- GDAL as the client ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gdal(server, admin_token):
    """Run a GDAL command against the served app, signed in with the token as an HTTP header."""
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {admin_token}", "GDAL_HTTP_TIMEOUT": "60"}

    def run(*args: str, debug: bool = False) -> str:
        """Its output (with GDAL's debug messages, the URLs it fetched among them, when ``debug``)."""
        proc = subprocess.run(list(args), capture_output=True, text=True, timeout=300,
                              env={**env, "CPL_DEBUG": "ON" if debug else "OFF"})
        assert proc.returncode == 0 and "ERROR" not in proc.stderr, proc.stderr
        return proc.stdout + (proc.stderr if debug else "")

    return run


def fields(ogrinfo_summary: str) -> dict[str, str]:
    """Field name → OGR type (and subtype), from ``ogrinfo -so``: ``Integer``, ``Integer(Boolean)``."""
    return dict(re.findall(r"^(\w+): ([\w()]+) \(", ogrinfo_summary, re.M))


@needs_gdal
def test_gdal_lists_the_layers(gdal, server):
    out = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{server}/")
    listed = re.findall(r"^\d+: (\w+)", out, re.M)
    assert {"jurisdiction", "grid", "building", "courier_zone", "post_station", "street_edge"} <= set(listed)


@needs_gdal
def test_gdal_reads_typed_fields_the_count_and_the_extent(gdal, server, conn):
    out = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{server}/?jurisdiction=huamao", "grid")
    types = fields(out)
    assert types["target_households"] == "Integer" and types["code"] == "String" and types["version"] == "Integer"
    assert int(re.search(r"Feature Count: (\d+)", out).group(1)) == scalar(
        conn, "SELECT count(*) FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE j.slug = 'huamao'")
    # the extent of huamao's grids: GDAL sends ?jurisdiction= with every request, /collections too
    extent = [float(v) for v in re.search(r"Extent: \(([\d.]+), ([\d.]+)\) - \(([\d.]+), ([\d.]+)\)", out).groups()]
    assert extent == pytest.approx(huamao_extent(conn, "grid"), abs=1e-6)
    building = fields(gdal("ogrinfo", "-ro", "-so", f"OAPIF:{server}/?jurisdiction=huamao", "building"))
    assert building["floors"] == "Integer" and building["households_estimated"] == "Integer(Boolean)"
    # a 64-bit id as a number: GDAL 3.6 would clamp it to 32 bits as an integer
    assert building["osm_id"] == "Real" and building["kind"] == "String"


@needs_gdal
def test_gdal_pages_through_a_layer_into_a_geopackage(gdal, server, conn, tmp_path):
    """32 buildings in pages of 10: the GeoPackage holds each, with the database's values."""
    gpkg = tmp_path / "huamao.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(gpkg), f"OAPIF:{server}/?jurisdiction=huamao", "building",
         "-oo", "PAGE_SIZE=10")
    got = pyogrio.read_dataframe(gpkg, layer="building", fid_as_index=True)
    with conn.cursor() as cur:
        cur.execute("SELECT b.id, b.name, b.households, b.floors, ST_Area(b.geom) FROM building b"
                    " JOIN jurisdiction j ON j.id = b.jurisdiction_id WHERE j.slug = 'huamao' ORDER BY b.id")
        rows = cur.fetchall()
    conn.rollback()
    assert len(rows) > 10 * 3 and sorted(got.index) == [r[0] for r in rows]
    for fid, name, households, floors, area in rows:
        feature = got.loc[fid]
        assert feature["name"] == name and feature["households"] == households
        assert (floors is None and feature["floors"] is None) or feature["floors"] == floors
        assert feature.geometry.area == pytest.approx(area, rel=1e-6)
    info = pyogrio.read_info(gpkg, layer="building")
    dtypes = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert dtypes["households"] == "int32" and dtypes["floors"] == "int32"


@needs_gdal
def test_gdal_sends_a_bbox_and_gets_what_lies_in_it(gdal, server, conn):
    w, s, e, n = 116.4745, 39.9075, 116.477, 39.9087
    out = gdal("ogrinfo", "-ro", "-al", "-q", "-spat", str(w), str(s), str(e), str(n), "-oo", "PAGE_SIZE=5",
               f"OAPIF:{server}/?jurisdiction=huamao", "building")
    ids = sorted(int(i) for i in re.findall(r"^OGRFeature\(building\):(\d+)", out, re.M))
    with conn.cursor() as cur:
        cur.execute("SELECT b.id FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
                    " WHERE j.slug = 'huamao' AND b.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326) ORDER BY b.id",
                    (w, s, e, n))
        expected = [r[0] for r in cur.fetchall()]
    conn.rollback()
    assert ids == expected and 0 < len(ids) < 32


@needs_gdal
def test_gdal_filters_by_a_property_on_the_server(gdal, server, conn):
    """GDAL finds the layer's filters in the API definition (/collections/building/items and its
    parameters) and sends them, rather than reading every feature to filter them itself."""
    out = gdal("ogrinfo", "-ro", "-al", "-q", "-where", "kind = 'residential'", f"OAPIF:{server}/?jurisdiction=huamao",
               "building", debug=True)
    assert re.search(r"/collections/building/items\?[^ ]*kind=residential", out)
    assert "evaluated on client side" not in out
    assert len(re.findall(r"^OGRFeature\(building\)", out, re.M)) == scalar(
        conn, "SELECT count(*) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
              " WHERE j.slug = 'huamao' AND b.kind = 'residential'")


def test_items_not_modified_are_304_until_the_layer_or_a_slug_changes(client, copy_of, conn):
    slug = copy_of("huamao")
    params = {"jurisdiction": slug, "limit": 5}
    first = client.get("/collections/grid/items", params=params)
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache" and tag.startswith('W/"')
    again = client.get("/collections/grid/items", params=params, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    # the features name their jurisdiction's slug: a renamed jurisdiction is a changed page
    with conn.cursor() as cur:
        cur.execute("UPDATE jurisdiction SET name = name || '·' WHERE slug = %s", (slug,))
    conn.commit()
    # a write on another connection reaches the server's memory by the database's notice, which
    # may take a few milliseconds more than the next request (api.layer_access)
    deadline = time.monotonic() + 5
    while (status := client.get("/collections/grid/items", params=params,
                                headers={"If-None-Match": tag}).status_code) == 304 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert status == 200


def test_large_answers_come_compressed_to_who_accepts_it(client, kouvola):
    from gis.tiles import tile_of

    params = {"limit": 1000}
    zipped = client.get("/collections/building/items", params=params, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["vary"]
    assert "Authorization" in zipped.headers["vary"]
    plain = client.get("/collections/building/items", params=params, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.json() == zipped.json()
    with client.stream("GET", "/collections/building/items", params=params,
                       headers={"Accept-Encoding": "gzip"}) as r:
        wire = b"".join(r.iter_raw())
    assert len(wire) * 3 < int(plain.headers["content-length"])  # GeoJSON shrinks (about 5×)
    # tiles too, above 4 KiB: a small one goes as it is (compressing it gains less than it costs)
    from api.main import GZIP_ABOVE_BYTES

    sizes = {}
    for place, (lon, lat) in {"huamao": (116.479, 39.910), "kouvola": (26.95, 60.53)}.items():
        x, y = tile_of(lon, lat, 15)
        url = f"/tiles/building/15/{x}/{y}.mvt?jurisdiction={place}"
        raw = client.get(url, headers={"Accept-Encoding": "identity"})
        tile = client.get(url, headers={"Accept-Encoding": "gzip"})
        sizes[place] = len(raw.content)
        assert tile.headers.get("content-encoding") == ("gzip" if sizes[place] > GZIP_ABOVE_BYTES else None)
        assert tile.content == raw.content  # as sent, once unzipped
    assert min(sizes.values()) <= GZIP_ABOVE_BYTES < max(sizes.values()), sizes


@pytest.mark.parametrize("crs", [None, *ogc.OUTPUTS.values()], ids=lambda c: getattr(c, "uri", "stored"))
def test_a_pages_features_are_each_feature_as_read_alone(conn, crs):
    """A page joins its features' JSON text from their parts (gis.store._feature_text); each is the
    very feature read alone (json_build_object), for every layer, in every CRS."""
    from gis import store
    from gis.layers import LAYERS

    with conn.cursor() as cur:
        cur.execute("SELECT id FROM jurisdiction WHERE slug = 'huamao'")
        jid = cur.fetchone()[0]
        compared = 0
        for layer in LAYERS.values():
            page, matched = store.feature_page(cur, layer, jurisdiction_id=jid, limit=20, crs=crs)
            features = json.loads(page)
            assert len(features) == min(matched, 20)
            for feature in features:
                alone, _ = store.get_feature(cur, layer, feature["id"], crs)
                assert feature == json.loads(alone), (layer.name, feature["id"])
                compared += 1
    conn.rollback()
    assert compared > 50
