"""Grids on the real PostGIS: generate, check, drafts, live edits with ETags, publish, revert."""

from __future__ import annotations

import json
import re
import threading

import pytest
import shapely
import shapely.affinity
from shapely.geometry import Point, mapping, shape

from gis import db
from gis.grids.checks import BLOCKING
from tests.conftest import PBF, count, scalar


def kinds(report: dict) -> set[str]:
    return {p["kind"] for p in report["problems"]}


def test_check_the_published_huamao_layout(cli):
    r = json.loads(cli("grids", "check", "huamao", "--json").stdout)
    # The dataset's grids follow the four blocks; the first holds more households than the others.
    assert kinds(r) == {"households_out_of_tolerance"}
    assert [p["grid"] for p in r["problems"]] == ["110105015001001"]
    assert sum(g["households"] for g in r["grids"]) == 1733
    assert all(0 < g["polsby_popper"] <= 1 for g in r["grids"])


def test_generate_a_balanced_layout(client, copy_of, conn):
    slug = copy_of("huamao")
    r = client.post(f"/jurisdictions/{slug}/grids/generate", params={"households_per_grid": 430})
    assert r.status_code == 201, r.text
    r = r.json()
    assert r["ok"], r["problems"]
    codes = [g["code"] for g in r["grids"]]
    assert codes == [f"110105015001{i:03d}" for i in range(1, 5)]
    assert all(abs(g["households"] - r["target_households"]) <= 0.15 * r["target_households"] for g in r["grids"])
    assert sum(g["buildings"] for g in r["grids"]) == count(conn, "building", slug)
    # numbered west→east, north→south: the first row's grids lie north of the later rows' ones
    draft = client.get(f"/layouts/{r['layout']}").json()
    cents = {f["properties"]["code"]: shape(f["geometry"]).centroid for f in draft["grids"]["features"]}
    first, last = cents[codes[0]], cents[codes[-1]]
    assert first.y > last.y or (abs(first.y - last.y) < 1e-4 and first.x < last.x)
    union = shapely.union_all([shape(f["geometry"]) for f in draft["grids"]["features"]])
    boundary = shape(client.get("/collections/jurisdiction/items", params={"jurisdiction": slug}).json()
                     ["features"][0]["geometry"])
    assert abs(union.area - boundary.area) / boundary.area < 1e-5  # up to rounding to 1e-7°


def test_generate_on_real_osm_data(cli, kouvola):
    """test_pbf (Kouvola) with an admin code: every grid one piece, buildings whole, full cover."""
    cli("import", "osm", PBF, "--jurisdiction", "kouvola-grids", "--name", "Kouvola grids",
        "--bbox", "26.93,60.52,26.97,60.54", "--admin-code", "999999999001")
    r = json.loads(cli("grids", "generate", "kouvola-grids", "--households-per-grid", "300", "--json").stdout)
    blocking = kinds(r) & BLOCKING  # warnings (off target, a thin strip along a street) may remain
    assert not blocking, r["problems"][:5]
    assert len(r["grids"]) == 8
    within = [g for g in r["grids"] if abs(g["deviation"]) <= 0.15]
    assert len(within) >= 7
    check = json.loads(cli("grids", "check", "kouvola-grids", "--draft", str(r["layout"]), "--json").stdout)
    assert check["problems"] == r["problems"]
    # published, with what the rules allow said (a grid 38 % over its households went by with a bare
    # "published"); its deviation to a tenth of a per cent
    published = cli("grids", "publish", str(r["layout"]))
    warned = [line for line in published.stdout.splitlines() if line.startswith("  warning: ")]
    assert len(warned) == len(r["problems"]) > 0, published.stdout
    off = [w for w in warned if "households_out_of_tolerance" in w]
    assert all(re.search(r"[+-]\d+\.\d% from the target \d+(\.\d)? ", w) for w in off), off
    bad = cli("grids", "generate", "kouvola", "--households-per-grid", "300", check=False)
    assert bad.returncode == 2 and "12-digit admin code" in bad.stderr


def draft_of(client, slug) -> tuple[int, dict]:
    r = client.post(f"/jurisdictions/{slug}/layouts", json={"name": "planner's draft"})
    assert r.status_code == 201, r.text
    lid = r.json()["id"]
    return lid, client.get(f"/layouts/{lid}").json()


def grid(draft: dict, code_end: str) -> dict:
    return next(f for f in draft["grids"]["features"] if f["properties"]["code"].endswith(code_end))


def test_check_finds_every_kind_of_problem(client, copy_of, conn):
    slug = copy_of("huamao")
    lid, _ = draft_of(client, slug)
    with db.transaction(conn) as cur:
        # shrink grid 001 (a gap, its buildings now in no grid), push 003 over 002 and past the boundary
        cur.execute("UPDATE layout_grid SET geom = ST_Buffer(geom, -0.0004, 'join=mitre') "
                    "WHERE layout_id = %s AND code LIKE '%%001'", (lid,))
        cur.execute("UPDATE layout_grid SET geom = ST_Buffer(geom, 0.0003, 'join=mitre') "
                    "WHERE layout_id = %s AND code LIKE '%%003'", (lid,))
        cur.execute("UPDATE layout_grid SET code = '1101050150019' WHERE layout_id = %s AND code LIKE '%%004'",
                    (lid,))
    r = client.get(f"/jurisdictions/{slug}/grids/check", params={"draft": lid}).json()
    assert {"gap", "overlap", "outside_boundary", "building_unassigned", "building_split",
            "invalid_code"} <= kinds(r)
    assert all(p["message"] for p in r["problems"])
    gap = next(p for p in r["problems"] if p["kind"] == "gap")
    assert gap["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # such a draft is not published, and nothing changes
    before = scalar(conn, "SELECT string_agg(ST_AsText(g.geom), ',' ORDER BY g.code) FROM grid g JOIN jurisdiction j "
                          "ON j.id = g.jurisdiction_id WHERE j.slug = %s", slug)
    refused = client.post(f"/layouts/{lid}/publish")
    assert refused.status_code == 422 and "cannot be published" in refused.json()["detail"]
    assert scalar(conn, "SELECT string_agg(ST_AsText(g.geom), ',' ORDER BY g.code) FROM grid g JOIN jurisdiction j "
                        "ON j.id = g.jurisdiction_id WHERE j.slug = %s", slug) == before
    assert client.get(f"/jurisdictions/{slug}/layouts").json()[0]["status"] == "draft"


def etag(feature: dict) -> str:
    return feature["properties"]["etag"]


STEP = 0.0001  # degrees of longitude, ~8.5 m here: less than buildings stand back from the streets


def east_wider(g1: dict, g2: dict):
    """Grid 001 with the strip of grid 002 along their common edge."""
    a, b = shape(g1["geometry"]), shape(g2["geometry"])
    return shapely.union_all([a, shapely.intersection(b, shapely.affinity.translate(a, STEP, 0))])


def east_narrower(g1: dict):
    """Grid 001 without the strip along its east edge."""
    a = shape(g1["geometry"])
    return shapely.intersection(a, shapely.affinity.translate(a, -STEP, 0))


def test_live_edits(client, copy_of, conn):
    slug = copy_of("huamao")
    lid, draft = draft_of(client, slug)
    g1, g2 = grid(draft, "001"), grid(draft, "002")
    # move the boundary between grids 001 and 002 (side by side in the north) 8 m east
    wider = east_wider(g1, g2)
    r = client.put(f"/layouts/{lid}/grids/{g1['id']}", json={"type": "Feature", "geometry": mapping(wider)},
                   headers={"If-Match": etag(g1)})
    assert r.status_code == 200, r.text
    body = r.json()
    touched = {g["code"]: g for g in body["grids"]}
    assert set(touched) == {g1["properties"]["code"], g2["properties"]["code"]}
    assert touched[g1["properties"]["code"]]["area_m2"] > g1["properties"]["area_m2"]
    assert touched[g2["properties"]["code"]]["area_m2"] < g2["properties"]["area_m2"]
    # the old ETag is stale now: 412 with the current version; none: 428
    stale = client.put(f"/layouts/{lid}/grids/{g1['id']}", json=mapping(wider), headers={"If-Match": etag(g1)})
    assert stale.status_code == 412 and stale.json()["current_version"] == touched[g1["properties"]["code"]]["version"]
    assert client.put(f"/layouts/{lid}/grids/{g1['id']}", json=mapping(wider)).status_code == 428
    # a boundary pushed outside the jurisdiction is refused, naming the problem; nothing changes
    draft = client.get(f"/layouts/{lid}").json()
    g1 = grid(draft, "001")
    out = shapely.affinity.translate(shape(g1["geometry"]), -0.001, 0)
    r = client.put(f"/layouts/{lid}/grids/{g1['id']}", json=mapping(out), headers={"If-Match": etag(g1)})
    assert r.status_code == 422 and "outside_boundary" in json.dumps(r.json())
    assert client.get(f"/layouts/{lid}").json() == draft
    # move a building of grid 002 into grid 001 (neighbours): it now counts there
    with db.transaction(conn) as cur:
        cur.execute("SELECT b.id FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id "
                    "JOIN layout_grid l ON l.layout_id = %s AND l.code LIKE '%%002' AND ST_Intersects(l.geom, "
                    "ST_PointOnSurface(b.geom)) WHERE j.slug = %s ORDER BY ST_X(ST_Centroid(b.geom)) LIMIT 1",
                    (lid, slug))
        west = cur.fetchone()[0]
    g1 = grid(draft, "001")
    r = client.post(f"/layouts/{lid}/grids/{g1['id']}/buildings", json={"buildings": [west]},
                    headers={"If-Match": etag(g1)})
    assert r.status_code == 200, r.text
    after = {g["code"][-3:]: g for g in r.json()["grids"]}
    assert after["001"]["buildings"] == g1["properties"]["buildings"] + 1
    # split a grid along a straight line between its buildings (refused through one), merge it back
    draft = client.get(f"/layouts/{lid}").json()
    footprints = shapely.union_all([shape(f["geometry"]) for f in client.get(
        "/collections/building/items", params={"jurisdiction": slug, "limit": 1000}).json()["features"]])

    def line_at(g, f):  # north–south for f < 1, east–west beyond
        x0, y0, x1, y1 = shape(g["geometry"]).bounds
        if f < 1:
            x = x0 + f * (x1 - x0)
            return shapely.LineString([(x, y0 - 0.001), (x, y1 + 0.001)])
        y = y0 + (f - 1) * (y1 - y0)
        return shapely.LineString([(x0 - 0.001, y), (x1 + 0.001, y)])

    tries = [f / 50 for f in range(10, 41)] + [1 + f / 50 for f in range(10, 41)]
    target, between = next((g, f) for g in draft["grids"]["features"] for f in tries
                           if not line_at(g, f).buffer(0.00002).intersects(footprints))
    through = next(f for f in tries if line_at(target, f).intersects(footprints))
    r = client.post(f"/layouts/{lid}/grids/{target['id']}/split", json=mapping(line_at(target, through)),
                    headers={"If-Match": etag(target)})
    assert r.status_code == 422 and "building_split" in json.dumps(r.json())
    r = client.post(f"/layouts/{lid}/grids/{target['id']}/split", json=mapping(line_at(target, between)),
                    headers={"If-Match": etag(target)})
    assert r.status_code == 200, r.text
    new = next(g for g in r.json()["grids"] if g["code"].endswith("005"))
    draft = client.get(f"/layouts/{lid}").json()
    assert len(draft["grids"]["features"]) == 5
    g4, g5 = grid(draft, target["properties"]["code"][-3:]), grid(draft, "005")
    assert g5["id"] == new["id"]
    r = client.post(f"/layouts/{lid}/grids/{g4['id']}/merge/{g5['id']}",
                    headers={"If-Match": f"{etag(g4)}, {etag(g5)}"})
    assert r.status_code == 200, r.text
    assert r.json()["removed"] == [g5["properties"]["code"]]
    check = client.get(f"/jurisdictions/{slug}/grids/check", params={"draft": lid}).json()
    assert kinds(check) <= {"households_out_of_tolerance"}


def test_two_planners_one_grid_no_lost_update(server, copy_of, auth):
    import httpx

    slug = copy_of("huamao")
    with httpx.Client(base_url=server, timeout=30, headers=auth) as c:
        lid, draft = draft_of(c, slug)
    g1 = grid(draft, "001")
    shapes = [east_wider(g1, grid(draft, "002")), east_narrower(g1)]
    results = [None, None]

    def edit(k):
        with httpx.Client(base_url=server, timeout=30, headers=auth) as c:
            results[k] = c.put(f"/layouts/{lid}/grids/{g1['id']}", json=mapping(shapes[k]),
                               headers={"If-Match": etag(g1)})

    threads = [threading.Thread(target=edit, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status_code for r in results) == [200, 412]
    winner = next(k for k, r in enumerate(results) if r.status_code == 200)
    with httpx.Client(base_url=server, timeout=30, headers=auth) as c:
        now = grid(c.get(f"/layouts/{lid}").json(), "001")
    assert shape(now["geometry"]).bounds[2] == pytest.approx(shapes[winner].bounds[2], abs=1e-7)
    loser = results[1 - winner]
    if loser.status_code == 412:
        assert loser.json()["current_version"] == now["properties"]["version"]


def test_publish_compare_revert_and_history(client, copy_of, conn):
    slug = copy_of("huamao")
    gen = client.post(f"/jurisdictions/{slug}/grids/generate", params={"households_per_grid": 430}).json()
    cmp = client.get(f"/layouts/{gen['layout']}/compare").json()
    assert cmp["buildings_moved"] and all(m["from"] != m["to"] for m in cmp["buildings_moved"])
    assert {g["code"] for g in cmp["grids"]} >= {g["code"] for g in gen["grids"]}
    assert all(g["changed"] for g in cmp["grids"] if g["before"] != g["after"])
    before = scalar(conn, "SELECT string_agg(g.code || ST_AsText(g.geom), ',' ORDER BY g.code) FROM grid g "
                          "JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE j.slug = %s", slug)
    with db.transaction(conn, "planner-wang") as cur:
        from gis.grids.layouts import publish

        published = publish(cur, gen["layout"])
    assert published["status"] == "published" and published["published_by"] == "planner-wang"
    # the buildings follow the new grids (derived by the database)
    moved = cmp["buildings_moved"][0]
    assert scalar(conn, "SELECT g.code FROM building b JOIN grid g ON g.id = b.grid_id WHERE b.id = %s",
                  moved["building_id"]) == moved["to"]
    layouts = client.get(f"/jurisdictions/{slug}/layouts").json()
    assert [x["status"] for x in layouts] == ["published", "archived"]
    hist = client.get(f"/jurisdictions/{slug}/history").json()
    assert any(h["actor"] == "planner-wang" and h["table"] == "grid" for h in hist)
    r = client.post(f"/jurisdictions/{slug}/layouts/{layouts[1]['id']}/revert")
    assert r.status_code == 200, r.text
    assert scalar(conn, "SELECT string_agg(g.code || ST_AsText(g.geom), ',' ORDER BY g.code) FROM grid g "
                        "JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE j.slug = %s", slug) == before
    statuses = [x["status"] for x in client.get(f"/jurisdictions/{slug}/layouts").json()]
    assert statuses.count("published") == 1 and statuses.count("archived") == 2
    assert client.post(f"/layouts/{gen['layout']}/publish").status_code == 409  # not a draft any more


def test_a_draft_is_discarded_and_a_published_layout_is_kept(client, copy_of, conn):
    slug = copy_of("huamao")
    draft = client.post(f"/jurisdictions/{slug}/layouts", json={"name": "试一试"}).json()
    locker = client.post(f"/layouts/{draft['id']}/post_station", json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [116.4803, 39.9109]},
        "properties": {"name": "新快递柜", "kind": "parcel_locker", "capacity": 80}})
    assert locker.status_code == 201, locker.text
    published = scalar(conn, "SELECT string_agg(g.code || ST_AsText(g.geom), ',' ORDER BY g.code) FROM grid g "
                             "JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE j.slug = %s", slug)
    # as last read: an edit made since (another planner's) is not thrown away unseen
    assert client.delete(f"/layouts/{draft['id']}").status_code == 428
    read = client.get(f"/layouts/{draft['id']}").json()["etag"]
    moved = client.post(f"/layouts/{draft['id']}/post_station", json={
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [116.4805, 39.9109]},
        "properties": {"name": "又一个快递柜", "kind": "parcel_locker", "capacity": 20}})
    assert moved.status_code == 201, moved.text
    stale = client.delete(f"/layouts/{draft['id']}", headers={"If-Match": read, "Accept-Language": "zh"})
    assert stale.status_code == 412 and "已被修改" in stale.json()["detail"], stale.text
    assert client.get(f"/layouts/{draft['id']}").status_code == 200
    now = client.get(f"/layouts/{draft['id']}").json()["etag"]
    assert now != read
    assert client.delete(f"/layouts/{draft['id']}", headers={"If-Match": now}).status_code == 204
    assert client.get(f"/layouts/{draft['id']}").status_code == 404
    assert draft["id"] not in [x["id"] for x in client.get(f"/jurisdictions/{slug}/layouts").json()]
    for table in ("layout_grid", "layout_courier_zone", "layout_post_station"):
        assert scalar(conn, f"SELECT count(*) FROM {table} WHERE layout_id = %s", draft["id"]) == 0
    assert scalar(conn, "SELECT string_agg(g.code || ST_AsText(g.geom), ',' ORDER BY g.code) FROM grid g "
                        "JOIN jurisdiction j ON j.id = g.jurisdiction_id WHERE j.slug = %s", slug) == published
    hist = client.get(f"/jurisdictions/{slug}/history", params={"limit": 1000}).json()
    assert any(h["table"] == "layout" and h["op"] == "delete" and h["id"] == draft["id"] for h in hist)
    # what was published is the record of what was: not discarded
    current = client.post(f"/jurisdictions/{slug}/layouts", json={"name": "发布的"}).json()
    assert client.post(f"/layouts/{current['id']}/publish").status_code == 200
    refused = client.delete(f"/layouts/{current['id']}", headers={"Accept-Language": "zh", "If-Match": "*"})
    assert refused.status_code == 409 and "不是草案" in refused.json()["detail"], refused.text
    assert client.delete("/layouts/2000000000", headers={"If-Match": "*"}).status_code == 404


def test_courier_zones_in_a_draft(client, copy_of, conn):
    slug = copy_of("huamao")
    lid, draft = draft_of(client, slug)
    zone = draft["courier_zones"]["features"][0]
    # on a building: refused by the database, named
    with db.transaction(conn) as cur:
        cur.execute("SELECT ST_AsGeoJSON(ST_Buffer(ST_Centroid(b.geom)::geography, 5)::geometry) FROM building b "
                    "JOIN jurisdiction j ON j.id = b.jurisdiction_id WHERE j.slug = %s LIMIT 1", (slug,))
        on_building = json.loads(cur.fetchone()[0])
    props = {"name": "新停车区", "capacity": 10}
    r = client.post(f"/layouts/{lid}/courier_zone", json={"type": "Feature", "geometry": on_building,
                                                          "properties": props})
    assert r.status_code == 422 and "footprint" in r.json()["detail"]
    far = shapely.affinity.translate(shape(zone["geometry"]), 0.05, 0)
    r = client.post(f"/layouts/{lid}/courier_zone", json={"type": "Feature", "geometry": mapping(far),
                                                          "properties": props})
    assert r.status_code == 422 and "outside" in json.dumps(r.json())
    moved = shapely.affinity.translate(shape(zone["geometry"]), 0.0, 0.00002)
    tag = f'"layout_courier_zone-{zone["id"]}-{zone["properties"]["version"]}"'
    r = client.put(f"/layouts/{lid}/courier_zone/{zone['id']}", headers={"If-Match": tag},
                   json={"type": "Feature", "geometry": mapping(moved), "properties": {"name": "挪过的停车区"}})
    assert r.status_code == 200, r.text
    again = client.put(f"/layouts/{lid}/courier_zone/{zone['id']}", headers={"If-Match": tag},
                       json={"type": "Feature", "geometry": mapping(moved), "properties": {"name": "x"}})
    assert again.status_code == 412
    gone = client.delete(f"/layouts/{lid}/courier_zone/{zone['id']}", headers={"If-Match": r.json()["etag"]})
    assert gone.status_code == 204
    assert client.post(f"/layouts/{lid}/publish").status_code == 200
    assert count(conn, "courier_zone", slug) == len(draft["courier_zones"]["features"]) - 1


def test_post_stations_in_a_draft(client, copy_of, conn):
    slug = copy_of("huamao")
    lid, _ = draft_of(client, slug)
    locker = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.4803, 39.9109]},
              "properties": {"name": "新快递柜", "kind": "parcel_locker", "capacity": 80}}
    r = client.post(f"/layouts/{lid}/post_station", json=locker)
    assert r.status_code == 201, r.text
    sid, tag = r.json()["id"], r.json()["etag"]
    bigger = {**locker, "properties": {**locker["properties"], "capacity": 120}}
    assert client.put(f"/layouts/{lid}/post_station/{sid}", json=bigger, headers={"If-Match": tag}).status_code == 200
    assert client.put(f"/layouts/{lid}/post_station/{sid}", json=bigger, headers={"If-Match": tag}).status_code == 412
    bad = {**locker, "properties": {**locker["properties"], "kind": "shop"}}
    assert client.post(f"/layouts/{lid}/post_station", json=bad).status_code == 422
    assert client.post(f"/layouts/{lid}/parking_lot", json=locker).status_code == 404
    before = count(conn, "post_station", slug)
    assert client.post(f"/layouts/{lid}/publish").status_code == 200
    assert count(conn, "post_station", slug) == before + 1
    assert scalar(conn, "SELECT capacity FROM post_station p JOIN jurisdiction j ON j.id = p.jurisdiction_id "
                        "WHERE j.slug = %s AND p.name = '新快递柜'", slug) == 120


def test_dragging_a_shared_vertex_a_few_metres_keeps_both_grids_clean(client, copy_of):
    """The planner page sends back a grid's ring as drawn (GeoJSON rounded to 7 decimals, one
    vertex dragged ~8 m): every vertex a neighbour shares, dragged each of four ways. When the
    edit is accepted, every grid comes back clean (no spikes, short edges or extra pieces), and no
    compactness collapses."""
    import numpy as np
    from shapely.geometry import Polygon

    from tests.test_grid_edits import shape_problems

    slug = copy_of("huamao")
    lid, draft = draft_of(client, slug)
    shapes = {f["properties"]["code"]: shape(f["geometry"]) for f in draft["grids"]["features"]}
    boundary = shape(client.get("/collections/jurisdiction/items", params={"jurisdiction": slug}).json()
                     ["features"][0]["geometry"])
    compact = {c: g.area * 4 * np.pi / g.length**2 for c, g in shapes.items()}
    metric = (111_000.0 * np.cos(np.radians(39.92)), 111_000.0)
    accepted = 0
    for code, g in shapes.items():
        ring = np.asarray(g.exterior.coords)
        shared = [k for k in range(len(ring) - 1) if boundary.boundary.distance(Point(ring[k])) > 1e-4
                  and any(c != code and o.boundary.distance(Point(ring[k])) < 1e-7 for c, o in shapes.items())]
        for k in shared[:3]:
            for dx, dy in ((7, 3), (-7, -3), (3, -7), (-3, 7)):  # metres
                lid, draft = draft_of(client, slug)
                feat = next(f for f in draft["grids"]["features"] if f["properties"]["code"] == code)
                moved = ring.copy()
                moved[k] += (dx / metric[0], dy / metric[1])
                if k == 0:
                    moved[-1] = moved[0]
                r = client.put(f"/layouts/{lid}/grids/{feat['id']}", headers={"If-Match": etag(feat)},
                               json={"type": "Feature", "geometry": mapping(Polygon(np.round(moved, 7)))})
                assert r.status_code in (200, 422), r.text
                if r.status_code != 200:
                    continue
                accepted += 1
                # the comparison says so though no building changes grid: a boundary moved changes the grid
                cmp = client.get(f"/layouts/{lid}/compare").json()
                assert code in {g["code"] for g in cmp["grids"] if g["changed"]}, (code, k, dx, dy)
                for f in client.get(f"/layouts/{lid}").json()["grids"]["features"]:
                    c, after = f["properties"]["code"], shape(f["geometry"])
                    m = shapely.affinity.scale(after, *metric, origin=(0, 0))
                    assert not shape_problems(m), (code, k, dx, dy, c, shape_problems(m)[:3])
                    assert after.area * 4 * np.pi / after.length**2 > 0.7 * compact[c], (code, k, dx, dy, c)
    assert accepted >= 4


def test_an_edit_that_changes_nothing_bumps_no_version(client, copy_of):
    slug = copy_of("huamao")
    lid, draft = draft_of(client, slug)
    g1 = grid(draft, "001")
    r = client.put(f"/layouts/{lid}/grids/{g1['id']}", json=g1, headers={"If-Match": etag(g1)})
    assert r.status_code == 200, r.text
    assert r.json()["changed"] is False and r.json()["grids"] == []
    assert client.get(f"/layouts/{lid}").json() == draft


def test_courier_zones_and_stations_keep_their_ids_when_published(client, copy_of, conn):
    """Publishing updates the live zones and stations a draft came from, in place: their ids stay
    (links to them keep working); one deleted in the draft goes, one added gets an id that the next
    publish keeps too."""
    slug = copy_of("huamao")

    def live(table):
        with db.transaction(conn) as cur:
            cur.execute(f"SELECT t.id, t.name, ST_AsText(t.geom) FROM {table} t JOIN jurisdiction j "
                        f"ON j.id = t.jurisdiction_id WHERE j.slug = %s ORDER BY t.id", (slug,))
            return cur.fetchall()

    zones, stations = live("courier_zone"), live("post_station")
    assert len(zones) >= 2 and stations
    lid, draft = draft_of(client, slug)
    first, second = draft["courier_zones"]["features"][:2]
    moved = shapely.affinity.translate(shape(first["geometry"]), 0.00002, 0)
    r = client.put(f"/layouts/{lid}/courier_zone/{first['id']}", headers={"If-Match": f'"layout_courier_zone-'
                   f'{first["id"]}-{first["properties"]["version"]}"'},
                   json={"type": "Feature", "geometry": mapping(moved), "properties": {"name": "挪过的停车区"}})
    assert r.status_code == 200, r.text
    r = client.delete(f"/layouts/{lid}/courier_zone/{second['id']}",
                      headers={"If-Match": f'"layout_courier_zone-{second["id"]}-{second["properties"]["version"]}"'})
    assert r.status_code in (200, 204), r.text
    assert client.post(f"/layouts/{lid}/publish").status_code == 200
    after = live("courier_zone")
    ids = {z[0] for z in after}
    gone = {z[0] for z in zones if z[1] == second["properties"]["name"]}
    assert len(gone) == 1 and ids == {z[0] for z in zones} - gone  # the others kept their ids
    renamed = next(z for z in after if z[1] == "挪过的停车区")
    assert renamed[0] in {z[0] for z in zones} and renamed[2] != next(z[2] for z in zones if z[0] == renamed[0])
    assert live("post_station") == stations  # untouched: same ids, names and places
    # a zone added in the next draft (where the deleted one was) gets an id, kept by the publish after
    lid2, _ = draft_of(client, slug)
    r = client.post(f"/layouts/{lid2}/courier_zone", json={"type": "Feature", "geometry": second["geometry"],
                                                           "properties": {"name": "新停车区", "capacity": 5}})
    assert r.status_code == 201, r.text
    assert client.post(f"/layouts/{lid2}/publish").status_code == 200
    new_id = next(z[0] for z in live("courier_zone") if z[1] == "新停车区")
    assert new_id not in gone
    lid3, _ = draft_of(client, slug)
    assert client.post(f"/layouts/{lid3}/publish").status_code == 200
    assert next(z[0] for z in live("courier_zone") if z[1] == "新停车区") == new_id




def test_a_strip_given_up_goes_to_the_grid_beside_it_and_drawing_noise_stays(client, copy_of):
    """Grid 001 narrowed along its east edge, drawn in degrees so that its south edge comes back a
    few centimetres off: the strip goes to grid 002 beside it; the hairline along the south edge
    stays with 001 (it used to go to 002 as a spike along grid 004's whole top edge, or make 004
    two pieces)."""
    slug = copy_of("huamao")
    lid, draft = draft_of(client, slug)
    g1 = grid(draft, "001")
    r = client.put(f"/layouts/{lid}/grids/{g1['id']}", json=mapping(east_narrower(g1)), headers={"If-Match": etag(g1)})
    assert r.status_code == 200, r.text
    assert {g["code"][-3:] for g in r.json()["grids"]} == {"001", "002"}  # 004 untouched


def test_a_column_of_buildings_along_a_boundary_goes_to_the_next_grid(client, copy_of, conn):
    """电厂小区's east column (2, 4, 6, 8号楼) given to grid 002, one by one or at once: accepted.
    The Voronoi cells that carry their ground met the grid's edge along a line and left 0° spikes
    there, which the checks refused; the pieces now lose their spikes and the grids stay a
    partition (the same ground, no overlap: cleaning each grid on its own had left slivers of
    0.1-0.3 m²). A building of the west column would cut grid 002 in two: still refused."""
    from shapely.geometry import shape

    slug = copy_of("huamao")
    grids = {g["id"]: g["properties"]["code"] for g in client.get(
        "/collections/grid/items", params={"jurisdiction": slug}).json()["features"]}
    buildings = [b for b in client.get("/collections/building/items", params={"jurisdiction": slug}).json()[
        "features"] if grids[b["properties"]["grid_id"]].endswith("001")]
    by_x = sorted(buildings, key=lambda b: -shape(b["geometry"]).centroid.x)
    east, west = by_x[:4], by_x[-1]
    assert sorted(b["properties"]["name"] for b in east) == [f"电厂小区{n}号楼" for n in (2, 4, 6, 8)]

    def give(ids):
        lid, draft = draft_of(client, slug)
        to = next(g for g in draft["grids"]["features"] if g["properties"]["code"].endswith("002"))
        return client.post(f"/layouts/{lid}/grids/{to['id']}/buildings", json={"buildings": ids},
                           headers={"If-Match": to["properties"]["etag"]})

    def partition(lid):  # m² the grids cover, and m² where two overlap, to 0.1 m² (the stored geometries)
        return scalar(conn, "SELECT row(round(ST_Area(ST_Union(geom)::geography)::numeric, 1), round((sum(ST_Area("
                            "geom::geography)) - ST_Area(ST_Union(geom)::geography))::numeric, 1))::text"
                            " FROM layout_grid WHERE layout_id = %s", lid)

    before = partition(draft_of(client, slug)[0])  # as published
    for b in east:
        r = give([b["id"]])
        assert r.status_code == 200, (b["properties"]["name"], r.json())
        assert partition(r.json()["layout"]) == before, b["properties"]["name"]
    together = give([b["id"] for b in east])
    assert together.status_code == 200, together.json()
    assert not [p for p in together.json()["problems"] if p["kind"] == "thin_part"]
    assert partition(together.json()["layout"]) == before
    cut = give([west["id"]])
    assert cut.status_code == 422 and "not_contiguous" in cut.json()["problems"][0]


def test_the_comparison_names_the_courier_zones_and_stations_a_draft_changes(client, copy_of):
    """A draft that reshapes a zone, removes another and adds a station: the comparison names each,
    with its area and capacity before and after; an untouched draft changes none."""
    slug = copy_of("huamao")
    lid, draft = draft_of(client, slug)
    assert client.get(f"/layouts/{lid}/compare").json()["facilities"] == []
    zones = draft["courier_zones"]["features"]
    bigger, gone = zones[0], zones[1]
    grown = shape(bigger["geometry"]).buffer(0.00005, join_style="mitre")
    r = client.put(f"/layouts/{lid}/courier_zone/{bigger['id']}", json={
        "type": "Feature", "geometry": mapping(grown), "properties": {"name": bigger["properties"]["name"],
                                                                      "capacity": bigger["properties"]["capacity"]}},
        headers={"If-Match": f'"layout_courier_zone-{bigger["id"]}-{bigger["properties"]["version"]}"'})
    assert r.status_code == 200, r.text
    r = client.delete(f"/layouts/{lid}/courier_zone/{gone['id']}",
                      headers={"If-Match": f'"layout_courier_zone-{gone["id"]}-{gone["properties"]["version"]}"'})
    assert r.status_code == 204, r.text
    at = shape(bigger["geometry"]).centroid
    station = {"name": "新驿站", "kind": "parcel_locker", "capacity": 300}
    r = client.post(f"/layouts/{lid}/post_station", json={"type": "Feature", "geometry": mapping(at),
                                                          "properties": station})
    assert r.status_code == 201, r.text
    got = {(f["layer"], f["name"]): f for f in client.get(f"/layouts/{lid}/compare").json()["facilities"]}
    assert set(got) == {("courier_zone", bigger["properties"]["name"]), ("courier_zone", gone["properties"]["name"]),
                        ("post_station", "新驿站")}
    changed = got[("courier_zone", bigger["properties"]["name"])]
    assert changed["change"] == "changed" and changed["area_after_m2"] > changed["area_before_m2"] > 0
    assert got[("courier_zone", gone["properties"]["name"])]["change"] == "removed"
    added = got[("post_station", "新驿站")]
    assert added["change"] == "added" and added["capacity_after"] == 300 and added["capacity_before"] is None
    assert changed["moved"] > 0 and added["moved"] is None
    # a zone given a vertex on one of its edges (an edge's middle handle grabbed and let go where it
    # was, as a planner does by mistake): the same ground, no change (it was listed, 901 m² → 901 m²)
    assert len(zones) == 3  # Huamao's
    same = zones[2]
    ring = same["geometry"]["coordinates"][0]
    (ax, ay), (bx, by) = ring[0], ring[1]
    # where the handle was, through the map's pixels and back: a millimetre off the edge
    bent = [ring[0], [ax + (bx - ax) / 3 + 1e-8, ay + (by - ay) / 3 - 1e-8], *ring[1:]]
    r = client.put(f"/layouts/{lid}/courier_zone/{same['id']}", json={
        "type": "Feature", "geometry": {"type": "Polygon", "coordinates": [bent]},
        "properties": {"name": same["properties"]["name"], "capacity": same["properties"]["capacity"]}},
        headers={"If-Match": f'"layout_courier_zone-{same["id"]}-{same["properties"]["version"]}"'})
    assert r.status_code == 200, r.text
    names = {f["name"] for f in client.get(f"/layouts/{lid}/compare").json()["facilities"]}
    assert same["properties"]["name"] not in names, names


def test_another_community_s_layout_is_answered_as_one_that_does_not_exist(client, copy_of):
    """A draft's id named with a community it is not of: 404 in the words a missing id gets, the
    owner never named (it was "layout 7 belongs to <the other community>")."""
    mine, theirs = copy_of("huamao"), copy_of("huamao")
    lid, _ = draft_of(client, theirs)
    missing = 2_000_000_000
    for params in ({"draft": lid}, {"draft": missing}):
        r = client.get(f"/jurisdictions/{mine}/grids/check", params=params, headers={"Accept-Language": "en"})
        assert r.status_code == 404 and r.json()["detail"] == f"no layout {params['draft']} in {mine}", r.text
        assert theirs not in r.text
    for source in (lid, missing):
        r = client.post(f"/jurisdictions/{mine}/layouts", json={"name": "copy", "from_layout": source},
                        headers={"Accept-Language": "en"})
        assert r.status_code == 404 and r.json()["detail"] == f"no layout {source} in {mine}", r.text
    assert client.get(f"/jurisdictions/{theirs}/grids/check", params={"draft": lid}).status_code == 200
