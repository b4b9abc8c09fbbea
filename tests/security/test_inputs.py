"""Inputs an attacker sends to get a 500, database text, or more stored than anyone should: NUL
characters, dates and numbers past their types, bodies of any size or media type. Each is
refused with a clear problem+json (or a command-line message) in both languages, and nothing is
written; the limits of ``gis.limits`` hold at the edge and in the database itself.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, timedelta

import psycopg2
import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gis import db, limits
from gis.errors import Conflict, InvalidInput
from gis.messages import translate
from gis.patrol.records import recorded_day
from tests.conftest import count, scalar

# In the open space north of the CBD, off every building (as tests/test_api.py's zone).
WEST, EAST, SOUTH, NORTH = 116.48021, 116.48044, 39.91088, 39.91102
ZONE = {"type": "Feature", "properties": {"name": "分拣区", "capacity": 12},
        "geometry": {"type": "Polygon", "coordinates": [[
            [WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]]}}
ZH = {"Accept-Language": "zh-CN"}
CJK = re.compile(r"[\u4e00-\u9fff]")
# What must never reach a user: the driver's and the database's own words, SQL, constraint names.
LEAKS = re.compile(r"bigint|integer out of range|violates|constraint|relation \"|Key \(|psycopg|string literal"
                   r"|NUL \(0x00\)|SQL|Traceback|_chars\b|_vertices\b|_day_range\b", re.IGNORECASE)
GPX = {"Content-Type": "application/gpx+xml"}


def problem(r, status: int) -> dict:
    """The problem+json of an answer that must be ``status``, with no database text in it."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert not LEAKS.search(r.text), r.text
    return r.json()


def problems_text(body: dict) -> str:
    return " ".join([body["detail"], *body.get("problems", [])])


def gpx(points: int, lon: float = 116.4790, lat: float = 39.9100) -> bytes:
    pts = "".join(f'<trkpt lat="{lat + i * 1e-7:.7f}" lon="{lon}"/>' for i in range(points))
    return (f'<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">'
            f"<trk><trkseg>{pts}</trkseg></trk></gpx>").encode()


# --- NUL anywhere -------------------------------------------------------------------------------

def _nul_requests(slug: str, building: int) -> dict[str, tuple[str, str, dict]]:
    zone = json.loads(json.dumps(ZONE))
    zone["properties"]["name"] = "分拣\x00区"
    deep = {"type": "FeatureCollection", "features": [ZONE, {**ZONE, "properties": {"name": "x", "hours": ["\x00"]}}]}
    return {
        "courier-zone name": ("POST", f"/collections/courier_zone/items?jurisdiction={slug}", zone),
        "deep in a collection": ("POST", f"/collections/courier_zone/items?jurisdiction={slug}", deep),
        "worker name": ("POST", f"/patrol/{slug}/workers", {"name": "王\x00芳", "role": "volunteer"}),
        "check-in note": ("POST", f"/patrol/{slug}/checkins",
                          [{"building_id": building, "worker": "李强", "day": "2025-03-01", "kind": "small",
                            "note": "ok\x00"}]),
        "a key": ("POST", f"/jurisdictions/{slug}/layouts", {"name": "draft", "x\x00": 1}),
    }


@pytest.mark.parametrize("case", ["courier-zone name", "deep in a collection", "worker name", "check-in note",
                                  "a key"])
def test_nul_in_any_body_string_is_refused_naming_where(client, conn, copy_of, case):
    """psycopg2 cannot send a string holding NUL: these were 500s. Now 422, naming the place."""
    slug = copy_of("huamao")
    building = scalar(conn, "SELECT min(b.id) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id "
                            "WHERE j.slug = %s", slug)
    method, url, body = _nul_requests(slug, building)[case]
    before = [count(conn, t, slug) for t in ("courier_zone", "worker", "visit", "layout")]
    r = client.request(method, url, json=body)
    got = problem(r, 422)
    assert "NUL" in got["detail"] and got["problems"]
    assert all(p.startswith("body") and "NUL character" in p for p in got["problems"])
    where = {"courier-zone name": "body.properties.name", "worker name": "body.name",
             "deep in a collection": "body.features[1].properties.hours[0]", "check-in note": "body[0].note",
             "a key": "body (a key)"}[case]
    assert any(p.startswith(where + " ") for p in got["problems"]), got
    zh = problem(client.request(method, url, json=body, headers=ZH), 422)
    assert CJK.search(zh["detail"]) and all(CJK.search(p) for p in zh["problems"])
    assert [count(conn, t, slug) for t in ("courier_zone", "worker", "visit", "layout")] == before


def test_nul_in_query_and_path_parameters_is_refused_naming_them(client, conn):
    before = count(conn, "patrol_track")
    r = client.post("/patrol/huamao/tracks", params={"worker": "王\x00芳", "day": "2025-03-01"},
                    content=gpx(20), headers=GPX)
    assert "query.worker" in problems_text(problem(r, 400))
    assert count(conn, "patrol_track") == before
    r = client.get("/patrol/hua%00mao/route")
    assert "path.slug" in problems_text(problem(r, 400))
    r = client.get("/collections/building/items", params={"jurisdiction": "\x00"})
    assert "query.jurisdiction" in problems_text(problem(r, 400))
    zh = problem(client.get("/coverage/huamao", params={"thresholds": "1\x00"}, headers=ZH), 400)
    assert all(CJK.search(p) for p in zh["problems"])


@pytest.mark.parametrize("thresholds", ["1e400", "inf", "nan", "100,nan", "10001", ",".join(map(str, range(1, 12)))])
def test_coverage_thresholds_are_finite_and_bounded(client, thresholds):
    """NaN and infinite thresholds were 500s (JSON has no such numbers)."""
    body = problem(client.get("/coverage/huamao", params={"thresholds": thresholds}), 422)
    assert body["detail"] == "give at most 10 thresholds of at most 10000 m"


def test_nul_that_reaches_the_database_layer_is_refused_there_too(client, conn):
    """Routes without their own check and the command line: the transaction turns psycopg2's
    refusal into a clear message instead of a 500. (A jurisdiction named with a NUL no longer
    gets that far: no slug holds one, 400 before any query.)"""
    problem(client.get("/tiles/building.json", params={"jurisdiction": "hua\x00mao"}), 400)
    with pytest.raises(InvalidInput, match="NUL character"), db.transaction(conn) as cur:
        cur.execute("SELECT %s", ("a\x00b",))


# --- numbers and days past their types ----------------------------------------------------------

@pytest.mark.parametrize("url, params, where", [
    ("/collections/building/items", {"offset": "99999999999999999999"}, "query.offset"),
    ("/collections/building/items", {"offset": str(limits.MAX_OFFSET + 1)}, "query.offset"),
    ("/coverage/huamao/suggest", {"capacity": "1e30", "objective": "median"}, "query.capacity"),
    ("/coverage/huamao", {"draft": "99999999999"}, "query.draft"),
    ("/jurisdictions/huamao/grids/check", {"draft": "9999999999"}, "query.draft"),
])
def test_numbers_past_the_database_types_are_plain_validation_errors(client, url, params, where):
    """These reached PostgreSQL and came back as 422 "bigint out of range"."""
    body = problem(client.get(url, params=params), 400)
    assert body["detail"] == "invalid request parameters"
    assert any(p.startswith(where + ":") for p in body["problems"]), body
    zh = problem(client.get(url, params=params, headers=ZH), 400)
    assert zh["detail"] == "请求参数无效" and all(CJK.search(p) for p in zh["problems"])


@pytest.mark.parametrize("url", ["/collections/building/items/99999999999", "/collections/building/items/" + "9" * 30,
                                 "/layouts/4294967296", "/layouts/" + "9" * 30 + "/compare"])
def test_ids_past_the_database_types_are_not_found_or_refused_plainly(client, url):
    """A route whose access check looks the id up answers 404 or a plain 422 before the id's own
    bound (400) is checked: either way, no database text."""
    r = client.get(url)
    assert r.status_code in (400, 404, 422), r.text
    problem(r, r.status_code)


@pytest.mark.parametrize("params, words", [
    ({"from": "9999-12-31", "days": 731, "workers": "a"}, "between 2000-01-01 and 2099-12-31"),  # was OverflowError
    ({"from": "0001-01-01", "days": 1, "workers": "a"}, "between 2000-01-01 and 2099-12-31"),
    ({"from": "2099-06-01", "days": 731, "workers": "a"}, "run past 2099-12-31"),
    ({"from": "2027-01-01", "days": 7, "workers": ",".join(f"w{i}" for i in range(51))}, "at most 50"),
    ({"from": "2027-01-01", "days": 7, "workers": "x" * 201}, "longer than 200 characters"),
    ({"from": "2027-01-01", "days": 7, "workers": "a", "holidays": "9999-12-31"}, "between"),
])
def test_schedule_days_and_workers_within_their_limits(client, params, words):
    body = problem(client.get("/patrol/huamao/schedule", params=params), 422)
    assert words in problems_text(body)
    zh = problem(client.get("/patrol/huamao/schedule", params=params, headers=ZH), 422)
    assert CJK.search(zh["detail"])


@pytest.mark.parametrize("day, words", [
    ("9999-12-31", "between 2000-01-01 and 2099-12-31"),
    ("0001-01-01", "between 2000-01-01 and 2099-12-31"),
    ((date.today() + timedelta(days=2)).isoformat(), "has not come yet"),
])
def test_tracks_and_checkins_of_impossible_days_are_refused(client, conn, copy_of, day, words):
    slug = copy_of("huamao")
    before = count(conn, "patrol_track"), count(conn, "visit")
    r = client.post(f"/patrol/{slug}/tracks", params={"worker": "王芳", "day": day}, content=gpx(20), headers=GPX)
    assert words in problems_text(problem(r, 422))
    building = scalar(conn, "SELECT min(b.id) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id "
                            "WHERE j.slug = %s", slug)
    r = client.post(f"/patrol/{slug}/checkins", json=[{"building_id": building, "worker": "李强", "day": day,
                                                       "kind": "small"}])
    assert words in problems_text(problem(r, 422))
    assert (count(conn, "patrol_track"), count(conn, "visit")) == before


def test_a_check_in_of_today_or_tomorrow_is_kept():
    today = date(2026, 6, 1)
    assert recorded_day("2026-06-02", today=today) == date(2026, 6, 2)
    with pytest.raises(InvalidInput, match="has not come yet"):
        recorded_day("2026-06-03", today=today)


# --- sizes ------------------------------------------------------------------------------------

def _zone_with_vertices(n: int) -> dict:
    """A valid rectangle whose south edge repeats each point (GEOS allows repeated points): n
    vertices in under 5 MiB of JSON."""
    steps = 2300
    south = [[round(WEST + (i * steps // n) * (EAST - WEST) / steps, 7), SOUTH] for i in range(n - 4)]
    ring = [*south, [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]
    return {**ZONE, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_a_200000_vertex_zone_and_a_1_mb_name_are_refused(client, conn, copy_of):
    slug = copy_of("huamao")
    before = count(conn, "courier_zone", slug)
    url = f"/collections/courier_zone/items?jurisdiction={slug}"
    body = problem(client.post(url, json=_zone_with_vertices(200_000)), 422)
    assert "200000 vertices, more than the limit of 10000" in problems_text(body)
    body = problem(client.post(url, json={**ZONE, "properties": {"name": "名" * 1_000_000}}), 422)
    assert "1000000 characters, more than the limit of 200" in problems_text(body)
    assert len(client.post(url, json={**ZONE, "properties": {"name": "名" * 1_000_000}}).content) < 2000
    # at the limits, it is accepted
    ok = {**_zone_with_vertices(limits.MAX_VERTICES), "properties": {"name": "名" * limits.MAX_NAME_CHARS}}
    assert client.post(url, json=ok).status_code == 201
    assert count(conn, "courier_zone", slug) == before + 1


def test_too_many_features_or_candidate_sites_in_one_request(client, conn, copy_of):
    slug = copy_of("huamao")
    point = {"type": "Feature", "properties": {"name": "p", "kind": "parcel_locker"},
             "geometry": {"type": "Point", "coordinates": [116.4790, 39.9100]}}
    many = {"type": "FeatureCollection", "features": [point] * (limits.MAX_FEATURES_PER_REQUEST + 1)}
    before = count(conn, "post_station", slug)
    body = problem(client.post(f"/collections/post_station/items?jurisdiction={slug}", json=many), 422)
    assert "5001 features in one request, more than the limit of 5000" in body["detail"]
    assert count(conn, "post_station", slug) == before
    sites = {"type": "FeatureCollection", "features": [point] * 20_000}
    body = problem(client.post(f"/coverage/{slug}/suggest", json=sites), 422)
    assert "20000 candidate sites in one request, more than the limit of 2000" in body["detail"]
    zh = problem(client.post(f"/coverage/{slug}/suggest", json=sites, headers=ZH), 422)
    assert zh["detail"] == "一次请求含 20000 个候选点，超过上限 2000"
    visits = [{"building_id": 1, "worker": "a", "day": "2025-01-01", "kind": "small"}] * 5001
    assert "5001 visits" in problem(client.post(f"/patrol/{slug}/checkins", json=visits), 422)["detail"]


def test_a_55000_point_track_is_refused(client, conn):
    before = count(conn, "patrol_track")
    r = client.post("/patrol/huamao/tracks", params={"worker": "王芳", "day": "2025-03-01"},
                    content=gpx(55_000), headers=GPX)
    assert "55000 points; a track may hold at most 20000" in problem(r, 422)["detail"]
    assert count(conn, "patrol_track") == before


def test_long_text_in_patrol_records_and_drafts(client, conn, copy_of):
    slug = copy_of("huamao")
    building = scalar(conn, "SELECT min(b.id) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id "
                            "WHERE j.slug = %s", slug)
    # the limits are in the bodies' schemas: refused naming the field (the detail: "invalid request body")
    r = client.post(f"/patrol/{slug}/workers", json={"name": "x" * 201, "role": "volunteer"})
    assert "body.name: String should have at most 200 characters" in problems_text(problem(r, 422))
    r = client.post(f"/patrol/{slug}/checkins", json=[{"building_id": building, "worker": "李强", "day": "2025-03-01",
                                                       "kind": "small", "note": "n" * 2001}])
    assert "body[0].note: String should have at most 2000 characters" in problems_text(problem(r, 422))
    r = client.post(f"/patrol/{slug}/checkins", json=[{"building_id": [1], "worker": {}, "day": "2025-03-01",
                                                       "kind": "small", "note": {"a": 1}}])
    assert "body[0].note: Input should be a valid string" in problems_text(problem(r, 422))
    r = client.post(f"/jurisdictions/{slug}/layouts", json={"name": "d" * 201})
    assert "body.name: String should have at most 200 characters" in problems_text(problem(r, 422))
    r = client.post(f"/patrol/{slug}/tracks", params={"worker": "w" * 201, "day": "2025-03-01"},
                    content=gpx(20), headers=GPX)
    problem(r, 400)
    r = client.post(f"/jurisdictions/{slug}/grids/generate", params={"households_per_grid": 400, "name": "g" * 201})
    assert "longer than 200 characters" in problem(r, 422)["detail"]


# --- the database keeps the limits itself -------------------------------------------------------

def test_the_database_holds_the_same_limits(conn):
    for function, value in limits.IN_DATABASE.items():
        assert scalar(conn, f"SELECT {function}()") == value, function
    assert scalar(conn, "SELECT count(*) FROM schema_migration WHERE name = '007_limits.sql'") == 1


def _jid(conn, slug):
    return scalar(conn, "SELECT id FROM jurisdiction WHERE slug = %s", slug)


def _ring(n: int) -> str:
    """The zone as WKT with ``n`` vertices (its first one repeated: still a valid polygon)."""
    pts = [f"{WEST} {SOUTH}"] * (n - 4) + [f"{EAST} {SOUTH}", f"{EAST} {NORTH}", f"{WEST} {NORTH}", f"{WEST} {SOUTH}"]
    return f"POLYGON(({', '.join(pts)}))"


RULES = [  # (what, SQL as QGIS or psql would send it, the message)
    ("name", "INSERT INTO courier_zone (jurisdiction_id, name, geom) VALUES (%(j)s, repeat('x', 201), "
             "ST_GeomFromText(%(zone)s, 4326))", "'name' is longer than 200 characters"),
    ("vertices", "INSERT INTO courier_zone (jurisdiction_id, name, geom) VALUES (%(j)s, 'z', "
                 "ST_GeomFromText(%(big)s, 4326))", "'geom' has more than 10000 vertices"),
    ("governance", "UPDATE compound SET governance = repeat('g', 2001) WHERE jurisdiction_id = %(j)s",
     "'governance' is longer than 2000 characters"),
    ("track day", "INSERT INTO patrol_track (jurisdiction_id, worker, day, points, matched_points, geom) VALUES "
                  "(%(j)s, 'w', '9999-12-31', 2, 2, ST_GeomFromText('MULTILINESTRING((116.479 39.91, 116.48 39.91))',"
                  " 4326))", "the day must be between 2000-01-01 and 2099-12-31"),
    ("track points", "INSERT INTO patrol_track (jurisdiction_id, worker, day, points, matched_points, geom) VALUES "
                     "(%(j)s, 'w', '2025-01-01', 20001, 0, ST_Multi(ST_MakeLine(ARRAY(SELECT ST_MakePoint("
                     "116.479 + i * 1e-8, 39.91) FROM generate_series(1, 20001) i))))",
     "a track has more than 20000 points"),
    ("visit day", "INSERT INTO visit (jurisdiction_id, building_id, worker, day, kind) SELECT %(j)s, min(id), 'w', "
                  "'0001-01-01', 'small' FROM building WHERE jurisdiction_id = %(j)s",
     "the day must be between 2000-01-01 and 2099-12-31"),
    ("a bare check", "UPDATE building SET kind = 'castle' WHERE jurisdiction_id = %(j)s",
     "a building's kind must be residential, office, apartment, hotel, mall, public or other"),
    ("invalid geometry", "UPDATE courier_zone SET geom = ST_GeomFromText('POLYGON((116.476 39.909, 116.477 39.910, "
                         "116.477 39.909, 116.476 39.910, 116.476 39.909))', 4326) WHERE jurisdiction_id = %(j)s",
     "'geom' is empty or not a valid geometry"),
    ("not null", "INSERT INTO worker (jurisdiction_id, role) VALUES (%(j)s, 'volunteer')", "'name' is required"),
    ("reference", "INSERT INTO visit (jurisdiction_id, building_id, worker, day, kind) VALUES "
                  "(%(j)s, 2147483647, 'w', '2025-01-01', 'small')", "visit refers to a building that does not exist"),
    ("a number", "SELECT 99999999999999999999::bigint", "a number is out of range"),
    ("a date", "SELECT '99999-99-99'::date", "a date or time is out of range or malformed"),
]


@pytest.mark.parametrize("what, sql, message", RULES, ids=[r[0] for r in RULES])
def test_every_rule_of_the_database_becomes_a_clear_message(conn, copy_of, what, sql, message):
    """Written straight to the database, each is refused; through gridmap, the refusal is a message
    in the user's language that names no constraint and holds no SQL."""
    slug = copy_of("huamao")
    params = {"j": _jid(conn, slug), "zone": _ring(5), "big": _ring(limits.MAX_VERTICES + 1)}
    with pytest.raises(InvalidInput) as caught, db.transaction(conn) as cur:
        cur.execute(sql, params)
    assert caught.value.message == message
    assert not LEAKS.search(caught.value.message)
    assert CJK.search(translate(caught.value.message, "zh")), translate(caught.value.message, "zh")


def test_a_duplicate_names_the_value_not_the_key(conn, copy_of):
    add = "INSERT INTO worker (jurisdiction_id, name, role) VALUES (%s, '王芳', 'volunteer')"
    slug = copy_of("huamao")
    with db.transaction(conn) as cur:
        cur.execute(add, (_jid(conn, slug),))
    with pytest.raises(Conflict) as caught, db.transaction(conn) as cur:
        cur.execute(add, (_jid(conn, slug),))
    assert caught.value.message == "already exists: name 王芳"
    assert translate(caught.value.message, "zh") == "已存在：name 王芳"


def test_a_plain_client_is_held_to_the_limits_too(conn, copy_of):
    """QGIS or psql, without gridmap: the database refuses, naming the rule it keeps."""
    slug = copy_of("huamao")
    with pytest.raises(psycopg2.errors.CheckViolation, match="grid_name_chars"), conn.cursor() as cur:
        try:
            cur.execute("UPDATE grid SET name = repeat('n', 201) WHERE jurisdiction_id = %s", (_jid(conn, slug),))
        finally:
            conn.rollback()


# --- media types ---------------------------------------------------------------------------------

def _json_routes() -> list[tuple[str, str]]:
    """Every route that reads a JSON body (a Pydantic model, checked first by api.deps.JSONBodyRoute)."""
    from fastapi import params

    from api.deps import JSONBodyRoute
    from api.main import ROUTERS

    out = []
    for route in (r for module in ROUTERS for r in module.router.routes):
        if isinstance(route, APIRoute) and route.body_field and not isinstance(route.body_field.field_info,
                                                                                  params.Form):
            assert isinstance(route, JSONBodyRoute), route.path  # so its body is checked before it is read
            out += [(m, route.path) for m in sorted(route.methods)]
    return out


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          None, "application/jsonx", "text/json"])
def test_a_json_body_must_say_it_is_json(client, conn, copy_of, content_type):
    """A form another site posts (text/plain, urlencoded, multipart) created features: now 415 on
    every route that reads JSON, and nothing is written."""
    slug = copy_of("huamao")
    routes = _json_routes()
    assert len(routes) >= 12, routes
    layout = client.post(f"/jurisdictions/{slug}/layouts", json={"name": "t"}).json()["id"]
    draft = client.get(f"/layouts/{layout}").json()
    grids = [g["id"] for g in draft["grids"]["features"]]
    fill = {"slug": slug, "layer": "courier_zone", "layout_id": layout, "grid_id": grids[0],
            "other_id": grids[1], "fid": draft["courier_zones"]["features"][0]["id"], "code": "110105015001001",
            "feature_id": scalar(conn, "SELECT min(z.id) FROM courier_zone z JOIN jurisdiction j "
                                       "ON j.id = z.jurisdiction_id WHERE j.slug = %s", slug),
            "case_id": _a_case(conn, slug), "category": "garbage", "department": "sanitation"}
    before = count(conn, "history")
    headers = {"Content-Type": content_type} if content_type else {}
    for method, path in routes:
        url = path.format(**fill) + f"?jurisdiction={slug}"
        r = client.request(method, url, content=json.dumps(ZONE).encode(), headers=headers)
        body = problem(r, 415)
        assert "application/json or application/geo+json" in body["detail"], (method, path)
    assert count(conn, "history") == before


# Bodies of the right media type but the wrong shape: what each JSON route must refuse in words.
ODD_BODIES = [
    None, [], {}, "x", 1, [None], {"type": "Feature"}, {"type": "FeatureCollection"},
    {"type": "FeatureCollection", "features": None}, {"type": "FeatureCollection", "features": [None, 1, "x", {}]},
    {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": "x"}, "properties": {}},
    {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[1e308, 1e308]]]}, "properties": {}},
    {"type": "Feature", "geometry": {"type": "Point", "coordinates": []}, "properties": {"name": 1e308}},
    {"type": "Feature", "geometry": {"type": "GeometryCollection", "geometries": []}},
    {**ZONE, "properties": {"name": ["a"], "capacity": 1e308, "hours": {"a": 1}, "kind": [], "building_id": 9e18}},
    {**ZONE, "properties": {"name": "a", "capacity": -1, "building_id": 2**62}},
    {"buildings": [None, "a", 1e308, 2**62, -1]}, {"name": None, "from_layout": 2**62},
    {"name": 1, "role": 2, "home": [1e308, 1e308], "grid": 1},
    [{"building_id": 2**62, "worker": "a", "day": 20250101, "kind": "small"}],
    {"type": "Feature", "crs": {"type": "name", "properties": {"name": "EPSG:3857"}},
     "geometry": {"type": "Point", "coordinates": [1e300, 1e300]},
     "properties": {"name": "a", "kind": "parcel_locker"}},
]


def _a_case(conn, slug: str) -> int:
    """A case of ``slug`` (the dataset's year of cases), for the case routes' paths."""
    return scalar(conn, "SELECT min(c.id) FROM case_record c JOIN jurisdiction j ON j.id = c.jurisdiction_id "
                        "WHERE j.slug = %s", slug)


def test_every_json_route_refuses_odd_bodies_in_words(client, copy_of, conn):
    """A FeatureCollection where a geometry goes, or coordinates that are not numbers, were 500s
    on the grid edits; every JSON route, every layer, each of these bodies: never a 5xx, never
    database text."""
    slug = copy_of("huamao")
    layout = client.post(f"/jurisdictions/{slug}/layouts", json={"name": "t"}).json()["id"]
    draft = client.get(f"/layouts/{layout}").json()
    grids = [g["id"] for g in draft["grids"]["features"]]
    fill = {"slug": slug, "layout_id": layout, "grid_id": grids[0], "other_id": grids[1], "feature_id": 1,
            "fid": draft["courier_zones"]["features"][0]["id"], "code": "110105015001001",
            "case_id": _a_case(conn, slug), "category": "garbage", "department": "sanitation"}
    headers = {"If-Match": ",".join(g["properties"]["etag"] for g in draft["grids"]["features"])}
    failed = []
    for method, path in _json_routes():
        for layer in ("courier_zone", "post_station", "grid", "building") if "{layer}" in path else ("-",):
            url = path.format(**fill, layer=layer) + f"?jurisdiction={slug}"
            for body in ODD_BODIES:
                r = client.request(method, url, json=body, headers=headers)
                if r.status_code >= 500 or LEAKS.search(r.text):  # some are fine: a zone with odd extra properties
                    failed.append(f"{method} {url} {json.dumps(body)[:100]}: {r.status_code} {r.text[:200]}")
    assert not failed, "\n".join(failed)


def test_json_and_geojson_media_types_are_accepted(client, copy_of):
    slug = copy_of("huamao")
    for content_type in ("application/json", "application/geo+json", "application/json; charset=utf-8",
                         "Application/GEO+JSON"):
        r = client.post(f"/collections/courier_zone/items?jurisdiction={slug}", content=json.dumps(ZONE).encode(),
                        headers={"Content-Type": content_type})
        assert r.status_code == 201, (content_type, r.text)
    zh = problem(client.post(f"/collections/courier_zone/items?jurisdiction={slug}", content=b"{}",
                             headers={"Content-Type": "text/plain", **ZH}), 415)
    assert zh["title"] == "不支持的媒体类型" and CJK.search(zh["detail"])


@pytest.mark.parametrize("content_type, status", [
    ("text/plain", 415), ("application/x-www-form-urlencoded", 415), (None, 415), ("application/json", 415),
    ("application/gpx+xml", 422), ("application/xml", 422), ("text/xml; charset=utf-8", 422)])
def test_a_track_must_be_sent_as_gpx(client, conn, content_type, status):
    """GPX, or XML: anything else is refused before it is read (the 422s: the track is elsewhere)."""
    before = count(conn, "patrol_track")
    headers = {"Content-Type": content_type} if content_type else {}
    r = client.post("/patrol/huamao/tracks", params={"worker": "王芳", "day": "2025-03-01"},
                    content=gpx(20, lon=116.6, lat=39.95), headers=headers)
    body = problem(r, status)
    if status == 415:
        assert "application/gpx+xml or application/xml or text/xml" in body["detail"]
    assert count(conn, "patrol_track") == before


# --- the command line ---------------------------------------------------------------------------

# What an operating system can pass as an argument: any text but NUL (argv strings end at it).
ARG = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=300)
NUMBER = st.one_of(st.integers(), st.integers(-3, 40).map(str), st.floats(allow_nan=True).map(str), ARG)
DAY = st.one_of(st.dates(limits.EARLIEST_DAY, limits.LATEST_DAY).map(date.isoformat), st.dates().map(date.isoformat),
                ARG)


def _run(monkeypatch, capsys, database_url, args: list[str], *, note: bool = True) -> tuple[int, str]:
    from gis.cli import main

    monkeypatch.setenv("GRIDMAP_DATABASE_URL", database_url)
    monkeypatch.setattr(sys, "argv", ["gridmap", *args])
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr()
    code = done.value.code if isinstance(done.value.code, int) else (0 if done.value.code is None else 1)
    assert code in (0, 1, 2), (args, code, out)
    if code:
        assert out.err.strip() or out.out.strip(), args
    given_text = " ".join(args).lower()  # a message may quote what it was given
    assert not [m for m in LEAKS.findall(out.err) if m.lower() not in given_text], (args, out.err)
    if note:  # what each property test ended in: --hypothesis-show-statistics
        event(f"{args[0]} {args[1] if args[0] in ('grids', 'patrol', 'worker', 'import') else ''}: exit {code}")
    return code, out.err


def test_no_query_parameter_sits_in_an_sql_comment():
    """psycopg2 fills %(name)s in comments too: a value holding a newline ended the comment and the
    rest ran as SQL (``gridmap stats $'\\nSELECT 1/0;--'`` divided by zero). Found by the property
    test below; no packaged query may have a placeholder in a comment again."""
    from importlib import resources

    for entry in resources.files("gis.sql").iterdir():
        if entry.name.endswith(".sql"):
            for n, line in enumerate(entry.read_text(encoding="utf-8").splitlines(), 1):
                comment = line.partition("--")[2]
                assert not re.search(r"%\(\w+\)s|%s", comment), f"{entry.name}:{n}: {line}"


def test_a_slug_cannot_run_sql(monkeypatch, capsys, database_url):
    code, err = _run(monkeypatch, capsys, database_url, ["stats", "\nSELECT 1/0;--"], note=False)
    assert code == 2 and "unknown jurisdiction" in err


@pytest.fixture
def cli_slug(copy_of):
    return copy_of("huamao")


def _slug(slug):
    return st.one_of(st.just(slug), st.just("huamao"), ARG)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_cli_stats_and_grid_checks_never_end_in_a_traceback(monkeypatch, capsys, database_url, cli_slug, data):
    args = data.draw(st.one_of(
        st.tuples(st.just("stats"), _slug(cli_slug)).map(list),
        st.tuples(st.just("stats"), _slug(cli_slug), st.just("--json")).map(list),
        st.tuples(st.just("grids"), st.just("check"), _slug(cli_slug)).map(list),
        st.tuples(st.just("grids"), st.just("check"), _slug(cli_slug), st.just("--draft"), NUMBER.map(str)).map(list),
        st.tuples(st.just("grids"), st.just("compare"), NUMBER.map(str)).map(list),
    ))
    _run(monkeypatch, capsys, database_url, args)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slug=st.one_of(st.just("huamao"), ARG), start=DAY, days=st.one_of(st.integers(1, 30).map(str), NUMBER.map(str)),
       workers=st.one_of(st.just("王芳,李强"), ARG), capacity=st.one_of(st.none(), NUMBER.map(str)))
def test_cli_patrol_schedule_never_ends_in_a_traceback(monkeypatch, capsys, database_url, slug, start, days, workers,
                                                        capacity):
    args = ["patrol", "schedule", slug, "--from", start, "--days", days, "--workers", workers]
    _run(monkeypatch, capsys, database_url, args + (["--capacity", capacity] if capacity is not None else []))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_cli_worker_add_and_checkin_never_end_in_a_traceback(monkeypatch, capsys, database_url, cli_slug, data):
    slug = data.draw(st.one_of(st.just(cli_slug), ARG))  # writes go to a copy only
    if data.draw(st.booleans()):
        args = ["worker", "add", slug, data.draw(ARG), "--role",
                data.draw(st.one_of(st.sampled_from(["volunteer", "grid_worker", "steward_retired"]), ARG))]
        home = data.draw(st.one_of(st.none(), ARG, st.tuples(st.floats(), st.floats()).map(lambda p: f"{p[0]},{p[1]}")))
        args += ["--home", home] if home is not None else []
    else:
        args = ["patrol", "checkin", slug, "--building", data.draw(NUMBER.map(str)), "--worker", data.draw(ARG),
                "--day", data.draw(DAY), "--note", data.draw(ARG)]
    _run(monkeypatch, capsys, database_url, args)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.one_of(ARG, st.sampled_from(["/", "/etc", "/etc/passwd", "/nonexistent.gpkg", "data", "."])),
       slug=ARG, layer=st.one_of(st.none(), st.sampled_from(["courier_zone", "street_node", "building"]), ARG))
def test_cli_import_of_a_bad_path_never_ends_in_a_traceback(monkeypatch, capsys, database_url, path, slug, layer):
    args = ["import", "file", path, "--jurisdiction", slug] + (["--layer", layer] if layer is not None else [])
    _run(monkeypatch, capsys, database_url, args)
