"""Schedules, GPX tracks, check-ins, coverage and stewards, on the real PostGIS."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, timedelta

import gpxpy.gpx
import icalendar
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from gis import db
from tests.conftest import count, scalar

# Tracks are sent as GPX (a body of another media type is refused, see tests/security/test_inputs.py),
# dated in the past: a track or a check-in of a day that has not come is refused.
GPX = {"content-type": "application/gpx+xml"}

def schedule(client, slug="huamao", **params):
    base = {"from": "2027-01-01", "days": 365, "workers": "王芳,李强"}
    return client.get(f"/patrol/{slug}/schedule", params={**base, **params})


def test_a_year_of_visits_and_patrols(client):
    r = schedule(client, holidays="2027-10-01,2027-10-04", workdays="2027-10-09")
    assert r.status_code == 200, r.text
    days = r.json()["days"]
    assert len(days) == 365
    by_date = {d["date"]: d for d in days}
    assert by_date["2027-10-01"]["workday"] is False and not by_date["2027-10-01"]["patrols"]
    assert by_date["2027-10-09"]["workday"] is True  # a Saturday made a working day (调休)
    assert by_date["2027-01-02"]["workday"] is False  # Saturday
    for d in days:
        if d["workday"]:
            assert sorted(p["worker"] for p in d["patrols"]) == ["李强", "王芳"]
            assert sorted(p["route"] for p in d["patrols"]) == [1, 2]
            assert len(d["visits"]) <= 4
        else:
            assert not d["patrols"] and not d["visits"]
    # every commercial building: one small visit this year; big visits for every other one
    visits = [v for d in days for v in d["visits"]]
    small = Counter(v["building_id"] for v in visits if v["kind"] == "small")
    big = Counter(v["building_id"] for v in visits if v["kind"] == "big")
    assert len(small) == 6 and set(small.values()) == {1}
    assert len(big) == 3 and set(big.values()) == {1}
    # spread evenly: visit dates are far apart
    dates = sorted(date.fromisoformat(d["date"]) for d in days for _ in d["visits"])
    assert min((b - a).days for a, b in zip(dates, dates[1:], strict=False)) >= 14
    # routes rotate between the workers
    wang = [p["route"] for d in days for p in d["patrols"] if p["worker"] == "王芳"]
    assert set(wang) == {1, 2}


def test_next_year_the_other_half_gets_big_visits(client):
    one = schedule(client, **{"from": "2027-01-01"}).json()["days"]
    two = schedule(client, **{"from": "2028-01-01", "days": 366}).json()["days"]

    def bigs(days):
        return {v["building_id"] for d in days for v in d["visits"] if v["kind"] == "big"}

    assert bigs(one).isdisjoint(bigs(two)) and len(bigs(one) | bigs(two)) == 6


def test_csv_and_icalendar(client):
    params = {"from": "2027-03-01", "days": 14}
    rows = list(csv.DictReader(io.StringIO(schedule(client, format="csv", **params).text)))
    assert {r["task"] for r in rows} >= {"patrol"}
    assert len([r for r in rows if r["task"] == "patrol"]) == 2 * 10  # two workers, ten working days
    cal = icalendar.Calendar.from_ical(schedule(client, format="ics", **params).content)
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(rows)
    assert len({str(e["uid"]) for e in events}) == len(events)
    first = min(e.decoded("dtstart") for e in events)
    assert first.hour == 9 and first.utcoffset() == timedelta(hours=8)


def test_a_calendar_too_large_to_write_at_once_is_refused_naming_its_size(client):
    """50 workers for two years (~36,000 events, 17 s and 6 MB to write) is refused with the count
    and the way out; the same schedule as CSV, and a smaller calendar, are answered."""
    from gis.limits import MAX_CALENDAR_EVENTS

    many = {"workers": ",".join(f"网格员{k}" for k in range(50)), "days": 731}
    r = schedule(client, format="ics", **many)
    assert r.status_code == 422 and f"{MAX_CALENDAR_EVENTS}" in r.json()["detail"], r.text
    assert "format=csv" in r.json()["detail"]
    rows = list(csv.DictReader(io.StringIO(schedule(client, format="csv", **many).text)))
    assert len(rows) > MAX_CALENDAR_EVENTS
    assert schedule(client, format="ics", **{**many, "days": 30}).status_code == 200


def test_schedule_bad_input(client, cli):
    assert schedule(client, capacity=1, **{"from": "2027-01-01"}).status_code == 200
    r = schedule(client, workers="王芳,王芳")
    assert r.status_code == 422 and "differ" in r.json()["detail"]
    r = schedule(client, **{"from": "2027-13-01"})
    assert r.status_code == 422 and "YYYY-MM-DD" in r.json()["detail"]
    r = schedule(client, holidays=",".join((date(2027, 1, 1) + timedelta(days=i)).isoformat()
                                          for i in range(365)))
    assert r.status_code == 422 and "no working days" in r.json()["detail"]
    out = cli("patrol", "schedule", "huamao", "--from", "2027-01-01", "--days", "7", "--workers", "A,B",
              "--json")
    assert len(json.loads(out.stdout)["days"]) == 7


def noisy_gpx(coords: np.ndarray, error_m: float, seed: int, to_metric, to_wgs84, shift=(0, 0),
              rho: float = 0.8) -> str:
    """A GPX track along ``coords`` (lon/lat), a point every 8 m (about 6 s of walking), with GPS
    error of ``error_m`` metres RMS. GPS error drifts rather than jumps: successive errors are
    correlated (AR(1), ``rho``); ``rho=0`` gives independent errors."""
    x, y = to_metric.transform(coords[:, 0], coords[:, 1])
    line = shapely.LineString(np.column_stack([x, y]))
    pts = shapely.get_coordinates(shapely.line_interpolate_point(line, np.arange(0, line.length, 8.0)))
    rng = np.random.default_rng(seed)
    sigma = error_m / np.sqrt(2)  # per axis
    err = np.zeros_like(pts)
    err[0] = rng.normal(0, sigma, 2)
    for k in range(1, len(pts)):
        err[k] = rho * err[k - 1] + np.sqrt(1 - rho**2) * rng.normal(0, sigma, 2)
    pts = pts + err + np.asarray(shift)
    lon, lat = to_wgs84.transform(pts[:, 0], pts[:, 1])
    doc = gpxpy.gpx.GPX()
    seg = gpxpy.gpx.GPXTrackSegment()
    for a, b in zip(lon, lat, strict=True):
        seg.points.append(gpxpy.gpx.GPXTrackPoint(latitude=b, longitude=a))
    track = gpxpy.gpx.GPXTrack()
    track.segments.append(seg)
    doc.tracks.append(track)
    return doc.to_xml()


def route_track(client, slug, grid=None):
    """The grid's patrol route as one lon/lat line, and its street ids."""
    params = {"format": "geojson", **({"grid": grid} if grid else {})}
    fc = client.get(f"/patrol/{slug}/route", params=params).json()
    legs = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    coords = np.vstack([legs[0]["geometry"]["coordinates"]] + [f["geometry"]["coordinates"][1:] for f in legs[1:]])
    return coords, {f["properties"]["edge_id"] for f in legs}


@pytest.fixture
def projections(conn):
    srid = scalar(conn, "SELECT metric_srid FROM jurisdiction WHERE slug = 'huamao'")
    return (Transformer.from_crs(4326, srid, always_xy=True), Transformer.from_crs(srid, 4326, always_xy=True))


@pytest.mark.parametrize("error_m, rho", [(10.0, 0.8), (20.0, 0.8), (10.0, 0.0)])
def test_noisy_track_matches_its_streets(client, copy_of, conn, projections, error_m, rho):
    slug = copy_of("huamao")
    coords, streets = route_track(client, slug, "110105015001002")
    gpx = noisy_gpx(coords, error_m, seed=7, to_metric=projections[0], to_wgs84=projections[1], rho=rho)
    r = client.post(f"/patrol/{slug}/tracks", params={"worker": "王芳", "day": "2025-03-01"},
                    content=gpx, headers=GPX)
    assert r.status_code == 201, r.text
    got = set(r.json()["edges"])
    assert got == streets
    cov = client.get(f"/patrol/{slug}/coverage", params={"days": 7, "as_of": "2025-03-03"}).json()
    grids = {g["code"]: g for g in cov["grids"]}
    assert grids["110105015001002"]["share"] > 0.95
    assert grids["110105015001004"]["share"] < grids["110105015001002"]["share"]
    stale = {s["edge_id"] for s in cov["stale"]}
    assert stale and stale.isdisjoint(streets)
    # out of the window, everything is stale again
    later = client.get(f"/patrol/{slug}/coverage", params={"days": 7, "as_of": "2025-04-01"}).json()
    assert later["share"] == 0 and {s["edge_id"] for s in later["stale"]} >= streets
    assert all(s["last_walked"] == "2025-03-01" for s in later["stale"] if s["edge_id"] in streets)
    html = client.get(f"/patrol/{slug}/coverage", params={"as_of": "2025-03-03", "format": "html"}).text
    assert "Patrol coverage" in html and "#d73027" in html


def test_track_on_real_osm_streets(kouvola, client, conn):
    """A noisy walk on test_pbf's real streets (Kouvola): the matched streets are the walked ones."""
    with db.transaction(conn) as cur:
        cur.execute("SELECT ST_X(ST_StartPoint(e.geom)), ST_Y(ST_StartPoint(e.geom)) FROM street_edge e "
                    "JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = 'kouvola' "
                    "ORDER BY e.length_m DESC LIMIT 1")
        lon, lat = cur.fetchone()
        srid = scalar(conn, "SELECT metric_srid FROM jurisdiction WHERE slug = 'kouvola'")
    visits = client.get("/patrol/kouvola/visits", params={"buildings": _some_buildings(conn), "start": f"{lon},{lat}",
                                                          "format": "geojson"}).json()
    legs = [f for f in visits["features"] if f["geometry"]["type"] == "LineString"]
    coords = np.vstack([legs[0]["geometry"]["coordinates"]] + [f["geometry"]["coordinates"][1:] for f in legs[1:]])
    walked = {}
    for f in legs:
        walked[f["properties"]["edge_id"]] = walked.get(f["properties"]["edge_id"], 0) + f["properties"]["length_m"]
    lengths = dict(_lengths(conn, "kouvola"))
    truth = {e for e, m in walked.items() if m >= 0.5 * lengths[e]}
    gpx = noisy_gpx(coords, 10.0, 3, Transformer.from_crs(4326, srid, always_xy=True),
                    Transformer.from_crs(srid, 4326, always_xy=True))
    r = client.post("/patrol/kouvola/tracks", params={"worker": "tester", "day": "2025-05-05"}, content=gpx,
                    headers=GPX)
    assert r.status_code == 201, r.text
    got = set(r.json()["edges"])
    recall = len(got & truth) / len(truth)
    precision = len(got & truth) / len(got)
    assert recall >= 0.9 and precision >= 0.9, (recall, precision, len(truth))


def _some_buildings(conn) -> str:
    """12 buildings spread over the town: every n/12-th along the ids, which an import hands out
    along a Hilbert curve (the first 12 ids are 12 neighbours, and may lie off the street network)."""
    with db.transaction(conn) as cur:
        cur.execute("SELECT id FROM (SELECT b.id, row_number() OVER (ORDER BY b.id) AS k, count(*) OVER () AS n"
                    " FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id WHERE j.slug = 'kouvola') x"
                    " WHERE k % greatest(n / 12, 1) = 0 ORDER BY id LIMIT 12")
        return ",".join(str(r[0]) for r in cur.fetchall())


def _lengths(conn, slug):
    with db.transaction(conn) as cur:
        cur.execute("SELECT e.id, e.length_m FROM street_edge e JOIN jurisdiction j ON j.id = e.jurisdiction_id "
                    "WHERE j.slug = %s", (slug,))
        return cur.fetchall()


@pytest.mark.parametrize("body, words", [
    (b"<gpx><trk><trkseg><trkpt lat='39.9' lon=", "malformed"),
    (b"not xml at all", "malformed"),
    (b'<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"></gpx>', "no track points"),
    (b"", "GPX file"),
])
def test_bad_gpx_writes_nothing(client, conn, body, words):
    before = count(conn, "patrol_track")
    r = client.post("/patrol/huamao/tracks", params={"worker": "王芳", "day": "2025-03-01"}, content=body,
                    headers=GPX)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert words in r.json()["detail"]
    assert count(conn, "patrol_track") == before


def test_a_track_elsewhere_is_refused(client, conn, projections):
    coords, _ = route_track(client, "huamao")
    gpx = noisy_gpx(coords, 10, 1, *projections, shift=(3000, 2000))
    before = count(conn, "patrol_track")
    r = client.post("/patrol/huamao/tracks", params={"worker": "王芳", "day": "2025-03-01"}, content=gpx,
                    headers=GPX)
    assert r.status_code == 422 and "away from the streets" in r.json()["detail"]
    assert count(conn, "patrol_track") == before
    assert client.post("/patrol/huamao/tracks", params={"worker": "王芳", "day": "soon"},
                       content=gpx, headers=GPX).status_code == 422


def test_checkins_and_progress(client, copy_of, conn):
    slug = copy_of("huamao")
    plan = client.get(f"/patrol/{slug}/progress", params={"as_of": "2025-12-31"}).json()
    assert plan["planned"] == 9 and plan["done"] == 0  # 6 small + 3 big
    due = plan["visits"][:2]
    body = [{"building_id": v["building_id"], "worker": "李强", "day": v["planned"], "kind": v["kind"]} for v in due]
    r = client.post(f"/patrol/{slug}/checkins", json=body)
    assert r.status_code == 201 and len(r.json()["ids"]) == 2
    after = client.get(f"/patrol/{slug}/progress", params={"as_of": "2025-12-31"}).json()
    assert after["done"] == 2 and len(after["missed"]) == 7
    # one bad check-in among good ones: none is kept, every problem named
    before = count(conn, "visit", slug)
    bad = body + [{"building_id": 999999, "worker": "", "day": "2025-02-30", "kind": "huge"},
                  {"building_id": due[0]["building_id"], "worker": "x", "day": "2025-01-05", "kind": "huge"}]
    r = client.post(f"/patrol/{slug}/checkins", json=bad)
    assert r.status_code == 422
    problems = " ".join(r.json()["problems"])  # each bad value named where it is
    assert all(f"{where}:" in problems for where in ("body[2].day", "body[2].kind", "body[3].kind", "body[2].worker"))
    assert count(conn, "visit", slug) == before
    assert scalar(conn, "SELECT actor FROM history WHERE table_name = 'visit' ORDER BY id DESC LIMIT 1")


def test_stewards_by_proximity(client, copy_of, conn, cli):
    slug = copy_of("xinghuananli")
    with db.transaction(conn) as cur:
        cur.execute("SELECT code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)) FROM grid g "
                    "JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE j.slug = %s ORDER BY code", (slug,))
        grids = cur.fetchall()
    first, second = grids[0], grids[1]
    assert client.post(f"/patrol/{slug}/workers", json={"name": "社工甲", "role": "grid_worker",
                                                        "grid": first[0]}).status_code == 201
    # six retired members living in the first grid: five go there, one to the nearest other grid
    for i in range(6):
        r = client.post(f"/patrol/{slug}/workers", json={"name": f"退休{i}", "role": "steward_retired",
                                                         "home": [first[1], first[2]]})
        assert r.status_code == 201, r.text
    cli("worker", "add", slug, "在职0", "--role", "steward_working", "--home", f"{second[1]},{second[2]}")
    dup = client.post(f"/patrol/{slug}/workers", json={"name": "在职0", "role": "volunteer"})
    assert dup.status_code == 409
    bad = client.post(f"/patrol/{slug}/workers", json={"name": "x", "role": "boss"})
    assert bad.status_code == 422 and bad.json()["problems"][0].startswith("body.role: Input should be 'social_worker'")
    r = client.get(f"/patrol/{slug}/stewards").json()
    g = {x["code"]: x for x in r["grids"]}
    assert g[first[0]]["staff"] == ["社工甲"]
    assert len(g[first[0]]["steward_retired"]) == 5
    assert sum(len(x["steward_retired"]) for x in r["grids"]) == 6
    assert g[second[0]]["steward_working"] == ["在职0"]
    assert g[first[0]]["short"] == {"steward_working": 10}


def test_today_is_the_jurisdictions_day_not_the_servers():
    """At 07:00 in Beijing a server on UTC is still on yesterday: "today" is the time zone's."""
    from datetime import UTC, datetime

    from gis.settings import Settings

    for zone, hours in (("Etc/GMT-14", 14), ("Etc/GMT+12", -12)):  # the earliest and the latest day on Earth
        assert Settings(time_zone=zone).today() == (datetime.now(UTC) + timedelta(hours=hours)).date()


def test_coverage_and_progress_count_up_to_the_jurisdictions_today(client, copy_of):
    from gis.settings import Settings

    slug = copy_of("huamao")
    today = Settings().today().isoformat()
    assert client.get(f"/patrol/{slug}/coverage", params={"days": 2}).json()["as_of"] == today
    assert client.get(f"/patrol/{slug}/progress").json()["as_of"] == today
