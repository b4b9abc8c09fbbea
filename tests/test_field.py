"""The grid worker's phone through the API: today's work for the signed-in worker, the batch of
what the phone recorded (each item kept once, or refused alone with the reason, nothing half
written), photos of cases (real images only, EXIF gone, served only to who sees the case)."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pytest
import shapely
from PIL import Image
from pyproj import Transformer

from gis import db
from gis.field_store import link_worker
from gis.patrol.stewards_store import add_worker
from gis.settings import Settings
from tests.conftest import scalar

GRID_1, GRID_2 = "110105015001001", "110105015001002"
ZH = {"Accept-Language": "zh"}
SERVICE_ZONE = Settings().time_zone


def field_place(database_url, make_user) -> dict:
    """A copy of Huamao with two daily walkers, the first (王芳, grid 001) with a worker account
    linked to her record, the second (李强, grid 002) too; a leader; a worker account linked to
    nobody. Their keys."""
    from gis import datasets
    from gis.importing import import_package

    conn = db.connect(database_url)
    slug = f"field-{uuid.uuid4().hex[:8]}"
    with db.transaction(conn) as cur:
        import_package(cur, datasets.dataset_path("huamao"), slug)
        add_worker(cur, slug, "王芳", "social_worker", grid=GRID_1)
        add_worker(cur, slug, "李强", "grid_worker", grid=GRID_2)
    worker = make_user("worker", slug, GRID_1, username=f"wangfang-{slug}")
    other = make_user("worker", slug, GRID_2, username=f"liqiang-{slug}")
    with db.transaction(conn) as cur:
        link_worker(cur, f"wangfang-{slug}", slug, "王芳")
        link_worker(cur, f"liqiang-{slug}", slug, "李强")
    jid = scalar(conn, "SELECT id FROM jurisdiction WHERE slug = %s", slug)
    srid = scalar(conn, "SELECT metric_srid FROM jurisdiction WHERE id = %s", jid)
    conn.close()
    tokens = {"worker": worker, "other": other, "unlinked": make_user("worker", slug, GRID_1),
              "leader": make_user("leader", slug)}
    return {"slug": slug, "jid": jid, "srid": srid, "tokens": tokens}


def clients(server: str, tokens: dict) -> dict:
    """An HTTP client per key."""
    return {k: httpx.Client(base_url=server, timeout=60, headers={"Authorization": f"Bearer {v}"})
            for k, v in tokens.items()}


@pytest.fixture(scope="module")
def field(database_url, server, make_user):
    place = field_place(database_url, make_user)
    made = clients(server, place["tokens"])
    yield {**place, **made}
    for c in made.values():
        c.close()


def walk_points(legs: list[dict], srid: int, end: datetime, count: int = 6) -> list[dict]:
    """A phone's fixes along the first ``count`` legs of a route, every 8 m, 6 s apart (closer if
    need be, to begin on the day of the service's zone that ``end`` falls on: a track counts for
    the day it begins), ending at ``end``."""
    coords = np.vstack([legs[0]["coordinates"]] + [leg["coordinates"][1:] for leg in legs[1:count]])
    there = Transformer.from_crs(4326, srid, always_xy=True)
    back = Transformer.from_crs(srid, 4326, always_xy=True)
    line = shapely.LineString(np.column_stack(there.transform(coords[:, 0], coords[:, 1])))
    xy = shapely.get_coordinates(shapely.line_interpolate_point(line, np.arange(0, line.length, 8.0)))
    lon, lat = back.transform(xy[:, 0], xy[:, 1])
    n = len(lon)
    local = end.astimezone(SERVICE_ZONE)
    since_midnight = (local - local.replace(hour=0, minute=0, second=0, microsecond=0)).total_seconds()
    apart = min(6.0, since_midnight / n)
    return [{"lon": float(lon[i]), "lat": float(lat[i]), "accuracy": 8.0,
             "t": (end - timedelta(seconds=apart * (n - 1 - i))).isoformat()} for i in range(n)]


def jpeg(width=640, height=480, gps=True) -> bytes:
    """A real JPEG, with EXIF carrying a GPS position as a phone's does."""
    img = Image.new("RGB", (width, height), (200, 80, 40))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 30.0), 3: "E", 4: (116.0, 28.0, 10.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def today_began() -> datetime:
    """A second after midnight of today in the service's zone (a walk ending then is today's)."""
    local = datetime.now(SERVICE_ZONE)
    return local.replace(hour=0, minute=0, second=1, microsecond=0)


def test_today_is_the_signed_in_workers_and_has_a_version(field, conn):
    w, slug = field["worker"], field["slug"]
    r = w.get(f"/field/{slug}/today")
    assert r.status_code == 200, r.text
    day = r.json()
    assert day["worker"]["name"] == "王芳" and day["worker"]["grid"] == GRID_1
    assert day["route"]["number"] in (1, 2) and day["route"]["of"] == 2 and len(day["legs"]) > 5
    assert day["buildings"] and day["categories"] and day["grid"]["code"] == GRID_1
    # a case is reported at a building of the account's grid only: the phone is told which those are
    with db.transaction(conn) as cur:
        cur.execute("SELECT b.id, g.code FROM building b JOIN grid g ON g.id = b.grid_id WHERE b.jurisdiction_id = %s",
                    (field["jid"],))
        grid_of = dict(cur.fetchall())
    assert [b["own"] for b in day["buildings"]] == [grid_of.get(b["id"]) == GRID_1 for b in day["buildings"]]
    assert any(b["own"] for b in day["buildings"])
    assert r.headers["ETag"] == day["version"] and "no-cache" in r.headers["Cache-Control"]
    assert w.get(f"/field/{slug}/today", headers={"If-None-Match": day["version"]}).status_code == 304
    # the other walker has the other route of the day
    mate = field["other"].get(f"/field/{slug}/today").json()
    assert mate["route"]["number"] != day["route"]["number"]
    assert {x["edge_id"] for x in mate["legs"]} != {x["edge_id"] for x in day["legs"]}
    # an account linked to no worker is told what to do
    r = field["unlinked"].get(f"/field/{slug}/today", headers=ZH)
    assert r.status_code == 409 and "网格员" in r.json()["detail"], r.text
    # no sign-in: 401, the phone keeps its queue
    assert httpx.post(f"{w.base_url}/field/{slug}/sync", json={"items": []}).status_code == 401


def test_buildings_in_no_grid_along_her_route_are_not_hers_and_hers_come_first(database_url, server, make_user, conn):
    """Where grids leave ground uncovered (one dropped while the street office redraws them), the
    buildings there along her route are listed as not hers (own was null: the day answered 500),
    after her grid's."""
    place = field_place(database_url, make_user)
    with db.transaction(conn) as cur:
        cur.execute("DELETE FROM grid WHERE jurisdiction_id = %s AND code <> %s", (place["jid"], GRID_1))
    with clients(server, place["tokens"])["worker"] as w:
        r = w.get(f"/field/{place['slug']}/today")
    assert r.status_code == 200, r.text
    own = [b["own"] for b in r.json()["buildings"]]
    assert True in own and False in own and own == sorted(own, reverse=True), own


def test_a_batch_is_kept_item_by_item_and_a_replay_changes_nothing(field, conn):
    w, slug = field["worker"], field["slug"]
    day = w.get(f"/field/{slug}/today").json()
    building = day["buildings"][0]
    case_at = building["lon"], building["lat"]
    items = [{"type": "track", "client_id": str(uuid.uuid4()),
              "points": walk_points(day["legs"], field["srid"], max(now() - timedelta(minutes=1), today_began()))},
             {"type": "visit", "client_id": str(uuid.uuid4()), "building_id": building["id"], "kind": "small",
              "note": "物业经理在岗", "at": now().isoformat()},
             {"type": "case", "client_id": str(uuid.uuid4()), "category": day["categories"][0]["code"],
              "urgency": "yellow", "description": "快递车占用消防通道", "at": now().isoformat(),
              "where": {"type": "Point", "coordinates": list(case_at)}, "address": f"{building['name']}旁约 8 米"},
             {"type": "track", "client_id": str(uuid.uuid4()), "points": []}]
    r = w.post(f"/field/{slug}/sync", json={"items": items}, headers=ZH)
    assert r.status_code == 200, r.text
    res = r.json()
    assert [x["status"] for x in res["results"]] == ["created", "created", "created", "refused"], res
    assert res["created"] == 3 and res["refused"] == 1 and "两个点" in res["results"][3]["reason"]
    walked = set(res["results"][0]["edges"])
    assert walked and walked <= {leg["edge_id"] for leg in day["legs"]}
    assert scalar(conn, "SELECT worker FROM patrol_track WHERE client_id = %s", items[0]["client_id"]) == "王芳"
    assert scalar(conn, "SELECT reporter FROM case_record WHERE client_id = %s", items[2]["client_id"]) == \
        f"wangfang-{slug}"
    # today now shows the streets walked, the check-in, and the case reported; its version moved
    after = w.get(f"/field/{slug}/today").json()
    assert set(after["walked"]) >= walked and after["version"] != day["version"]
    assert "small" in next(b for b in after["buildings"] if b["id"] == building["id"])["visited"]
    reported = next(c for c in after["cases"] if c["client_id"] == items[2]["client_id"])
    # where the phone said it was, kept for whoever handles it (the case's own page shows it)
    assert reported["address"] == f"{building['name']}旁约 8 米"
    assert field["leader"].get(f"/cases/{slug}/{reported['id']}").json()["address"] == reported["address"]

    def fingerprint():
        return scalar(conn, "SELECT row((SELECT count(*) FROM patrol_track), (SELECT count(*) FROM patrol_walked),"
                            " (SELECT count(*) FROM visit), (SELECT count(*) FROM case_record),"
                            " (SELECT count(*) FROM case_event), (SELECT count(*) FROM history))::text")

    before = fingerprint()
    again = w.post(f"/field/{slug}/sync", json={"items": items[:3]}).json()
    assert [x["status"] for x in again["results"]] == ["exists"] * 3
    assert [x["id"] for x in again["results"]] == [x["id"] for x in res["results"][:3]]
    assert fingerprint() == before


def test_bad_items_are_refused_alone_with_the_reason(field, conn, copy_of):
    w, slug = field["worker"], field["slug"]
    day = w.get(f"/field/{slug}/today").json()
    good = walk_points(day["legs"], field["srid"], now() - timedelta(hours=2), count=2)
    far = [{**p, "lon": p["lon"] - 40} for p in good]  # thousands of km west
    backwards = [*good[:3], {**good[3], "t": good[4]["t"]}, {**good[4], "t": good[3]["t"]}, *good[5:]]
    future = [{**p, "t": (datetime.fromisoformat(p["t"]) + timedelta(days=2)).isoformat()} for p in good]
    naive = [{**p, "t": p["t"][:19]} for p in good]
    other = copy_of("xinghuananli")
    elsewhere = scalar(conn, "SELECT min(b.id) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
                             " WHERE j.slug = %s", other)
    their_building = scalar(conn, "SELECT min(b.id) FROM building b JOIN grid g ON g.id = b.grid_id"
                                  " WHERE g.jurisdiction_id = %s AND g.code = %s", field["jid"], GRID_2)
    t = now().isoformat()
    month_ago, b0 = (now() - timedelta(days=30)).isoformat(), day["buildings"][0]  # a phone may be a week offline
    cases = [("track", {"points": []}, "至少需要两个点"),
             ("track", {"points": far}, "公里"),
             ("track", {"points": backwards}, "早于前一个点"),
             ("track", {"points": future}, "尚未到来"),
             ("track", {"points": naive}, "时区"),
             ("visit", {"building_id": elsewhere, "kind": "small", "at": t}, str(elsewhere)),
             ("visit", {"building_id": day["buildings"][0]["id"], "kind": "big",
                        "at": (now() + timedelta(days=3)).isoformat()}, "尚未到来"),
             # the figures count from them: a month back is not a week offline
             ("visit", {"building_id": b0["id"], "kind": "small", "at": month_ago}, "走访签到最多只能补记 7 天"),
             ("track", {"points": [{**p, "t": (datetime.fromisoformat(p["t"]) - timedelta(days=30)).isoformat()}
                                   for p in good]}, "巡查轨迹最多只能补记 7 天"),
             ("case", {"category": "nonsense", "description": "x", "at": t,
                       "where": {"type": "Point", "coordinates": [116.48, 39.91]}}, "nonsense"),
             ("case", {"category": day["categories"][0]["code"], "description": "远处", "at": t,
                       "where": {"type": "Point", "coordinates": [100.0, 30.0]}}, "之外"),
             ("case", {"category": day["categories"][0]["code"], "description": "上个月的", "at": month_ago,
                       "where": {"type": "Point", "coordinates": [b0["lon"], b0["lat"]]}}, "7 天"),
             ("case", {"category": day["categories"][0]["code"], "description": "邻格的楼", "at": t,
                       "building_id": their_building}, f"楼栋 {their_building} 不是您网格的"),  # as one of none
             ("case", {"category": day["categories"][0]["code"], "description": "没有的楼", "at": t,
                       "building_id": 2_000_000_000}, "楼栋 2000000000 不是您网格的"),  # the same words
             ("handled", {"case_id": 2_000_000_000, "version": 1, "note": "已清理"}, "2000000000")]
    items = [{"type": kind, "client_id": str(uuid.uuid4()), **body} for kind, body, _ in cases]
    before = scalar(conn, "SELECT row((SELECT count(*) FROM patrol_track), (SELECT count(*) FROM visit),"
                          " (SELECT count(*) FROM case_record), (SELECT count(*) FROM history))::text")
    r = w.post(f"/field/{slug}/sync", json={"items": items}, headers=ZH)
    assert r.status_code == 200, r.text
    for (kind, _, words), result in zip(cases, r.json()["results"], strict=True):
        assert result["status"] == "refused", (kind, result)
        text = result["reason"] + " ".join(result["problems"] or [])
        assert words in text, (kind, words, text)
        assert "_check" not in text and "SELECT" not in text
    assert scalar(conn, "SELECT row((SELECT count(*) FROM patrol_track), (SELECT count(*) FROM visit),"
                        " (SELECT count(*) FROM case_record), (SELECT count(*) FROM history))::text") == before
    # the worker is never a field of the request
    spoof = {**items[0], "points": good, "worker": "李强"}
    assert w.post(f"/field/{slug}/sync", json={"items": [spoof]}).status_code == 422
    # records a phone made as another account (its session changed while sending): refused whole,
    # nothing credited to the one signed in now
    other = w.post(f"/field/{slug}/sync", json={"items": [{**items[0], "points": good}], "recorded_by": "liqiang"})
    assert other.status_code == 409 and "liqiang" in other.json()["detail"], other.text
    assert scalar(conn, "SELECT row((SELECT count(*) FROM patrol_track), (SELECT count(*) FROM visit),"
                        " (SELECT count(*) FROM case_record), (SELECT count(*) FROM history))::text") == before


def synced_case(field: dict, text: str) -> int:
    """A case 王芳's phone reports at the first building of her day, synced; its id."""
    w, slug = field["worker"], field["slug"]
    day = w.get(f"/field/{slug}/today").json()
    b = day["buildings"][0]
    item = {"type": "case", "client_id": str(uuid.uuid4()), "category": day["categories"][0]["code"],
            "description": text, "at": now().isoformat(),
            "where": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}}
    return w.post(f"/field/{slug}/sync", json={"items": [item]}).json()["results"][0]["id"]


def test_photos_are_real_images_kept_without_exif_and_shown_only_to_who_sees_the_case(field, conn):
    w, slug = field["worker"], field["slug"]
    case_id = synced_case(field, "井盖破损")
    url = f"/cases/{slug}/{case_id}/photos"
    cid = str(uuid.uuid4())
    r = w.post(url, params={"client_id": cid}, content=jpeg(3000, 2000), headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    again = w.post(url, params={"client_id": cid}, content=jpeg(3000, 2000), headers={"Content-Type": "image/jpeg"})
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"] and not again.json()["created"]
    got = w.get(f"{url}/{r.json()['id']}")
    assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
    assert got.headers["cache-control"] == "private, no-store" and got.headers["x-content-type-options"] == "nosniff"
    img = Image.open(io.BytesIO(got.content))
    assert max(img.size) == 2048 and not img.getexif()  # capped, and the GPS position gone
    # the worker of another grid does not see the case, nor its photo
    assert field["other"].get(f"{url}/{r.json()['id']}").status_code == 403
    assert field["other"].post(url, content=jpeg(), headers={"Content-Type": "image/jpeg"}).status_code == 403
    # not an image, over the limit, not a photo type: refused, nothing kept
    n = scalar(conn, "SELECT count(*) FROM case_photo WHERE case_id = %s", case_id)
    bad = w.post(url, content=b"GIF89a not really", headers={"Content-Type": "image/jpeg", **ZH})
    assert bad.status_code == 422 and "图" in bad.json()["detail"], bad.text
    big = w.post(url, content=b"\xff" * (8 * 1024 * 1024 + 1), headers={"Content-Type": "image/jpeg"})
    assert big.status_code == 413, big.text
    assert w.post(url, content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    # an "after" photo is the handler's: the case is not dispatched to anyone yet
    assert w.post(url, params={"stage": "after"}, content=jpeg(),
                  headers={"Content-Type": "image/jpeg"}).status_code == 403
    assert scalar(conn, "SELECT count(*) FROM case_photo WHERE case_id = %s", case_id) == n
    # a case with its four "before" photos refuses a fifth before decoding it: what is sent need not
    # even be an image (decoding first let a burst of 50-megapixel uploads take gigabytes to refuse)
    for _ in range(4 - n):
        assert w.post(url, content=jpeg(), headers={"Content-Type": "image/jpeg"}).status_code == 201
    full = w.post(url, content=b"GIF89a not really", headers={"Content-Type": "image/jpeg"})
    assert full.status_code == 422 and "4 photos of the problem already" in full.json()["detail"], full.text
    assert scalar(conn, "SELECT count(*) FROM case_photo WHERE case_id = %s", case_id) == 4


def test_a_photo_that_waits_too_long_for_its_turn_is_refused_for_now(field, conn, monkeypatch):
    """Every decoding turn taken (a burst of uploads): a photo that cannot get one in time is
    refused for now, 503 with Retry-After, nothing kept; the phone sends it again later. (The
    service runs in this process: the turns are taken for real, not imitated.)"""
    from api.heavy import DECODING

    w, slug = field["worker"], field["slug"]
    case_id = synced_case(field, "排队的照片")
    monkeypatch.setattr(DECODING, "wait_s", 0.2)
    taken = [DECODING.slots.acquire(timeout=5) for _ in range(DECODING.at_once)]
    try:
        assert all(taken)
        r = w.post(f"/cases/{slug}/{case_id}/photos", content=jpeg(), headers={"Content-Type": "image/jpeg"})
        assert r.status_code == 503 and r.headers["retry-after"], r.text
    finally:
        for _ in taken:
            DECODING.slots.release()
    # one account's photos two at a time (a phone sends them one after another): a third at once is
    # 429, at once, holding no thread while it waits (80 sent at once by one worker held every thread
    # of the server's pool, and other workers' requests waited 20 s)
    me = scalar(conn, "SELECT id FROM app_user WHERE username = %s", f"wangfang-{slug}")
    DECODING.users[me] += DECODING.per_user
    try:
        r = w.post(f"/cases/{slug}/{case_id}/photos", content=jpeg(), headers={"Content-Type": "image/jpeg"})
        assert r.status_code == 429 and r.headers["retry-after"] and "photos" in r.json()["detail"], r.text
    finally:
        DECODING.users[me] -= DECODING.per_user
    assert scalar(conn, "SELECT count(*) FROM case_photo WHERE case_id = %s", case_id) == 0
    assert w.post(f"/cases/{slug}/{case_id}/photos", content=jpeg(),
                  headers={"Content-Type": "image/jpeg"}).status_code == 201  # its turn free again


def test_a_batch_holding_more_walk_points_than_one_walk_may_is_refused_whole(field, conn):
    """Matching walks costs about a second per 20,000 points: a batch may hold that many in all
    (the phone sends a longer queue in several), else 422 naming the limit, nothing kept."""
    from gis.limits import MAX_BATCH_FIXES

    w, slug = field["worker"], field["slug"]
    day = w.get(f"/field/{slug}/today").json()
    along = walk_points(day["legs"], field["srid"], now())  # a walk the service keeps, fixes 1 s apart
    half = MAX_BATCH_FIXES // 2 + 1
    start = now() - timedelta(seconds=2 * half)
    items = [{"type": "track", "client_id": str(uuid.uuid4()),
              "points": [{**along[i % len(along)], "t": (start + timedelta(seconds=k * half + i)).isoformat()}
                         for i in range(half)]} for k in range(2)]
    assert w.post(f"/field/{slug}/sync", json={"items": items[:1]}).json()["created"] == 1  # one alone is kept
    r = w.post(f"/field/{slug}/sync", json={"items": items}, headers=ZH)
    assert r.status_code == 422, r.text
    assert f"{MAX_BATCH_FIXES}" in r.json()["detail"] and f"{2 * half}" in r.json()["detail"], r.text
    assert "分几批" in r.json()["detail"], r.text
    assert scalar(conn, "SELECT count(*) FROM patrol_track WHERE client_id = %s", items[1]["client_id"]) == 0


def test_walks_wait_for_a_matching_turn_and_the_rest_of_the_phones_do_not(field, conn, monkeypatch):
    """Walks are matched a few batches at a time, holding no database connection: a batch of walks
    that cannot get a turn in time is refused for now (503, Retry-After, nothing of it kept: the
    phone sends it again); a batch with no walk does not wait for one. (The service runs in this
    process: the turns are taken for real.)"""
    from api.heavy import MATCHING

    w, slug = field["worker"], field["slug"]
    day = w.get(f"/field/{slug}/today").json()
    building = day["buildings"][1]
    walk = {"type": "track", "client_id": str(uuid.uuid4()),
            "points": walk_points(day["legs"], field["srid"], max(now() - timedelta(minutes=2), today_began()))}
    visit = {"type": "visit", "client_id": str(uuid.uuid4()), "building_id": building["id"], "at": now().isoformat()}
    monkeypatch.setattr(MATCHING, "wait_s", 0.2)
    taken = [MATCHING.slots.acquire(timeout=5) for _ in range(MATCHING.at_once)]
    try:
        assert all(taken)
        r = w.post(f"/field/{slug}/sync", json={"items": [walk, visit]})
        assert r.status_code == 503 and r.headers["retry-after"], r.text
        assert scalar(conn, "SELECT count(*) FROM visit WHERE client_id = %s", visit["client_id"]) == 0
        # walks with no points wait their turn too (each would have had the streets loaded in the
        # transaction, 200 times a batch)
        empty = {"type": "track", "client_id": str(uuid.uuid4()), "points": []}
        assert w.post(f"/field/{slug}/sync", json={"items": [empty] * 3}).status_code == 503
        alone = w.post(f"/field/{slug}/sync", json={"items": [visit]})
        assert alone.status_code == 200 and alone.json()["created"] == 1, alone.text
    finally:
        for _ in taken:
            MATCHING.slots.release()
    # one user's batches of walks one at a time: a second sent meanwhile (another tab) is 429
    me = scalar(conn, "SELECT id FROM app_user WHERE username = %s", f"wangfang-{slug}")
    MATCHING.users[me] += 1
    try:
        again = w.post(f"/field/{slug}/sync", json={"items": [walk]})
        assert again.status_code == 429 and again.headers["retry-after"], again.text
    finally:
        MATCHING.users[me] -= 1
    r = w.post(f"/field/{slug}/sync", json={"items": [walk, visit]})
    assert [x["status"] for x in r.json()["results"]] == ["created", "exists"], r.text
    assert r.json()["results"][0]["edges"]
    assert scalar(conn, "SELECT count(*) FROM patrol_track WHERE client_id = %s", walk["client_id"]) == 1


def dispatched_case(field: dict, building: int, text: str, note: str | None = None) -> int:
    """A case the leader reports at a building of 王芳's grid and accepts: it is dispatched to her."""
    slug, lead = field["slug"], field["leader"]
    day = field["worker"].get(f"/field/{slug}/today").json()
    b = day["buildings"][building]
    reported = lead.post(f"/cases/{slug}", json={"category": day["categories"][0]["code"], "description": text,
                                                 "at": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}})
    assert reported.status_code == 201, reported.text
    case_id = reported.json()["id"]
    step = lead.post(f"/cases/{slug}/{case_id}/transitions", json={"to": "accepted", "note": note},
                     headers={"If-Match": reported.headers["ETag"]})
    assert step.status_code == 200 and step.json()["assignee"] == "王芳", step.text
    return case_id


def test_a_case_of_the_grid_is_marked_handled_once_with_its_after_photo(field, conn):
    w, slug = field["worker"], field["slug"]
    case_id = dispatched_case(field, 1, "垃圾满溢")
    mine = next(c for c in w.get(f"/field/{slug}/today").json()["cases"] if c["id"] == case_id)
    assert mine["assigned"] and mine["may_handle"] and mine["state"] == "dispatched"
    assert mine["instructions"] is None  # dispatched by the service alone: nothing was said
    told = dispatched_case(field, 2, "楼道堆物", note="请督促清运，当天处理")
    said = next(c for c in w.get(f"/field/{slug}/today").json()["cases"] if c["id"] == told)
    assert said["instructions"] == "请督促清运，当天处理", said
    photo = str(uuid.uuid4())
    handled = {"type": "handled", "client_id": str(uuid.uuid4()), "case_id": case_id, "version": mine["version"],
               "note": "已清运", "photos": [photo]}
    early = w.post(f"/field/{slug}/sync", json={"items": [handled]}, headers=ZH).json()["results"][0]
    assert early["status"] == "refused" and "照片" in early["reason"], early
    stale = w.post(f"/field/{slug}/sync", json={"items": [{**handled, "version": mine["version"] - 1,
                                                           "photos": []}]}).json()["results"][0]
    assert stale["status"] == "refused" and "office" in stale["reason"], stale
    up = w.post(f"/cases/{slug}/{case_id}/photos", params={"stage": "after", "client_id": photo}, content=jpeg(),
                headers={"Content-Type": "image/jpeg"})
    assert up.status_code == 201, up.text
    done = w.post(f"/field/{slug}/sync", json={"items": [handled]}).json()["results"][0]
    assert done["status"] == "created" and done["state"] == "handled", done
    events = scalar(conn, "SELECT count(*) FROM case_event WHERE case_id = %s", case_id)
    again = w.post(f"/field/{slug}/sync", json={"items": [handled]}).json()["results"][0]
    assert again["status"] == "exists" and again["state"] == "handled"
    assert scalar(conn, "SELECT count(*) FROM case_event WHERE case_id = %s", case_id) == events
    assert scalar(conn, "SELECT handled_by FROM case_record WHERE id = %s", case_id) == f"wangfang-{slug}"


def in_grid_003(conn, jid: int) -> tuple[float, float]:
    """A point on the first building of grid 003 (neither 王芳's grid nor 李强's)."""
    with conn.cursor() as cur:
        cur.execute("SELECT ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom)) FROM building b"
                    " JOIN grid g ON g.id = b.grid_id WHERE b.jurisdiction_id = %s AND g.code LIKE '%%003'"
                    " ORDER BY b.id LIMIT 1", (jid,))
        lon, lat = cur.fetchone()
    conn.rollback()
    return lon, lat


def test_a_case_given_to_her_worker_name_in_another_grid_is_hers_to_handle(field, conn):
    """The leader gives a case of grid 003 to 王芳 by her worker record's name (the case page
    offers it beside her account): her phone lists it as hers and lets her handle it (it said
    派给我 with no way to record the handling: only her username, or her own grid, counted)."""
    w, slug, lead = field["worker"], field["slug"], field["leader"]
    lon, lat = in_grid_003(conn, field["jid"])
    day = w.get(f"/field/{slug}/today").json()
    reported = lead.post(f"/cases/{slug}", json={"category": day["categories"][0]["code"], "description": "垃圾堆放",
                                                 "at": {"type": "Point", "coordinates": [lon, lat]}})
    assert reported.status_code == 201, reported.text
    case_id = reported.json()["id"]
    given = lead.post(f"/cases/{slug}/{case_id}/transitions", json={"to": "accepted", "assignee": "王芳"},
                      headers={"If-Match": reported.headers["ETag"]})
    assert given.status_code == 200, given.text
    assert given.json()["assignee"] == "王芳" and given.json()["grid"] != GRID_1, given.text
    mine = next(c for c in w.get(f"/field/{slug}/today").json()["cases"] if c["id"] == case_id)
    assert mine["assigned"] and mine["may_handle"], mine
    assert w.get(f"/cases/{slug}/{case_id}").status_code == 200  # and her case page opens
    photo = str(uuid.uuid4())
    up = w.post(f"/cases/{slug}/{case_id}/photos", params={"stage": "after", "client_id": photo}, content=jpeg(),
                headers={"Content-Type": "image/jpeg"})
    assert up.status_code == 201, up.text
    done = w.post(f"/field/{slug}/sync", json={"items": [{
        "type": "handled", "client_id": str(uuid.uuid4()), "case_id": case_id, "version": mine["version"],
        "note": "已清运", "photos": [photo]}]}).json()["results"][0]
    assert done["status"] == "created" and done["state"] == "handled", done
    # 李强 (grid 002, another worker record) does not see it
    assert field["other"].get(f"/cases/{slug}/{case_id}").status_code in (403, 404)


def test_an_account_is_linked_to_its_worker_record_from_the_command_line(field, cli, make_user, conn):
    slug = field["slug"]
    name = f"zhao-{slug}"
    make_user("worker", slug, GRID_2, username=name)
    out = cli("users", "link", name, "李强", "--jurisdiction", slug)
    wid = scalar(conn, "SELECT id FROM worker WHERE name = '李强' AND jurisdiction_id = %s", field["jid"])
    assert out.stdout.strip() == f"{name!r}: worker {wid}"
    assert scalar(conn, "SELECT worker_id FROM app_user WHERE username = %s", name) == wid
    bad = cli("users", "link", name, "无此人", "--jurisdiction", slug, check=False)
    assert bad.returncode != 0 and "无此人" in bad.stderr + bad.stdout
    cli("users", "link", name)
    assert scalar(conn, "SELECT worker_id FROM app_user WHERE username = %s", name) is None


def test_a_case_replayed_after_a_week_is_the_case_it_made_not_refused(field, conn):
    """A case synced six days after it was recorded is kept; its answer lost, the phone sends it
    again two days later, now eight days after its time: the same case comes back ("exists"), not a
    refusal of a report dated too far back (that rule is for new cases), which would also have
    marked its photos refused on the phone."""
    from gis import db
    from gis.cases import store

    w, slug = field["worker"], field["slug"]
    day = w.get(f"/field/{slug}/today").json()
    b = day["buildings"][0]
    at = now() - timedelta(days=8)
    client_id = str(uuid.uuid4())
    with db.transaction(conn, f"wangfang-{slug}") as cur:  # as the first sync kept it, six days after its time
        made = store.add_case(cur, slug, category=day["categories"][0]["code"], description="一周前记录的",
                              at=(b["lon"], b["lat"]), reporter=f"wangfang-{slug}", reported_at=at, client_id=client_id)
    item = {"type": "case", "client_id": client_id, "category": day["categories"][0]["code"], "urgency": "blue",
            "description": "一周前记录的", "at": at.isoformat(),
            "where": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}}
    r = w.post(f"/field/{slug}/sync", json={"items": [item]}).json()["results"][0]
    assert r["status"] == "exists" and r["id"] == made["id"], r
    new = {**item, "client_id": str(uuid.uuid4())}  # a new report with that time: refused
    r = w.post(f"/field/{slug}/sync", json={"items": [new]}).json()["results"][0]
    assert r["status"] == "refused" and "7" in r["reason"], r


def test_where_a_community_patrols_by_grid_each_walker_walks_her_own_grid(database_url, server, make_user, conn):
    """华贸's walkers share the whole community; switched to by_grid (网格员 each on their own grid),
    王芳 walks grid 001's streets and 李强 grid 002's, each the route `patrol route --grid` plans,
    every day, and a walker with no grid the whole community; the schedule says the same."""
    from gis.patrol.exports import street_ids
    from gis.patrol.routes import plan_routes

    place = field_place(database_url, make_user)
    slug = place["slug"]
    with db.transaction(conn) as cur:
        add_worker(cur, slug, "张伟", "social_worker")
        grid_route = {g: set(street_ids(p.net, p.split.routes[0].steps)) for g in (GRID_1, GRID_2, None)
                      for p in [plan_routes(cur, slug, Settings(), grid=g)]}
    made = clients(server, {**place["tokens"], "admin": make_user("admin")})
    try:
        shared = made["worker"].get(f"/field/{slug}/today").json()
        assert shared["route"]["of"] == 3 and shared["route"]["grid"] is None
        admin = made["admin"]
        etag = admin.get(f"/jurisdictions/{slug}").headers["etag"]
        bad = admin.patch(f"/jurisdictions/{slug}", json={"patrol": "weekly"}, headers={"If-Match": etag})
        assert bad.status_code == 422, bad.text
        r = admin.patch(f"/jurisdictions/{slug}", json={"patrol": "by_grid"}, headers={"If-Match": etag})
        assert r.status_code == 200 and r.json()["patrol"] == "by_grid", r.text
        for who, grid in (("worker", GRID_1), ("other", GRID_2)):
            day = made[who].get(f"/field/{slug}/today").json()
            assert day["route"] | {"length_m": 0, "minutes": 0, "day": 0} == {
                "number": 1, "of": 1, "grid": grid, "length_m": 0, "minutes": 0, "day": 0}
            assert {leg["edge_id"] for leg in day["legs"]} == grid_route[grid]
        assert grid_route[GRID_1] != grid_route[GRID_2]
        assert {leg["edge_id"] for leg in shared["legs"]} not in grid_route.values()
        days = made["leader"].get(f"/patrol/{slug}/schedule", params={
            "from": "2027-03-01", "days": 5, "workers": "张伟,王芳,李强"}).json()["days"]
        walks = [{p["worker"]: p["route"] for p in d["patrols"]} for d in days]
        assert walks and all(w == {"王芳": 1, "李强": 2, "张伟": 3} for w in walks), walks
        # the routes the patrol page draws are the schedule's, numbered alike
        fc = made["leader"].get(f"/patrol/{slug}/schedule", params={
            "from": "2027-03-01", "days": 1, "workers": "张伟,王芳,李强", "format": "geojson"}).json()
        drawn = {k: {f["properties"]["edge_id"] for f in fc["features"] if f["properties"].get("worker") == k}
                 for k in (1, 2, 3)}
        assert drawn[1] == grid_route[GRID_1] and drawn[2] == grid_route[GRID_2]
        assert drawn[3] == grid_route[None]  # 张伟, with no grid, walks the whole community
    finally:
        for c in made.values():
            c.close()


def test_once_the_handling_is_checked_its_photos_stay_as_they_were(field, conn):
    """A case verified (the leader checked the handling) takes no more photos from its handler or
    its reporter: the photos are what it was judged by (a worker could add "evidence" after the
    check). The leader's office record may still take one."""
    w, lead, slug = field["worker"], field["leader"], field["slug"]
    case_id = dispatched_case(field, 2, "楼道堆物")
    url = f"/cases/{slug}/{case_id}/photos"
    sent = str(uuid.uuid4())
    image = {"Content-Type": "image/jpeg"}
    after = w.post(url, params={"stage": "after", "client_id": sent}, content=jpeg(), headers=image)
    assert after.status_code == 201, after.text
    case = w.get(f"/cases/{slug}/{case_id}")
    handled = w.post(f"/cases/{slug}/{case_id}/transitions", json={"to": "handled", "note": "已清理"},
                     headers={"If-Match": case.headers["ETag"]})
    assert handled.status_code == 200, handled.text
    verified = lead.post(f"/cases/{slug}/{case_id}/transitions", json={"to": "verified"},
                         headers={"If-Match": handled.headers["ETag"]})
    assert verified.status_code == 200, verified.text
    n = scalar(conn, "SELECT count(*) FROM case_photo WHERE case_id = %s", case_id)
    for stage in ("after", "before"):
        late = w.post(url, params={"stage": stage}, content=jpeg(), headers={"Content-Type": "image/jpeg", **ZH})
        assert late.status_code == 403 and "已核实或已结案" in late.json()["detail"], late.text
    assert scalar(conn, "SELECT count(*) FROM case_photo WHERE case_id = %s", case_id) == n
    # one stored before the check, sent again (its answer lost): answered as stored, not refused
    again = w.post(url, params={"stage": "after", "client_id": sent}, content=jpeg(), headers=image)
    assert again.status_code == 200 and again.json()["id"] == after.json()["id"], again.text
    assert lead.post(url, params={"stage": "after"}, content=jpeg(),
                     headers={"Content-Type": "image/jpeg"}).status_code == 201


def test_the_buildings_along_her_route_are_on_her_phone_whatever_their_grid(field, conn):
    """A route shared over the community runs through other grids: the buildings along it (within
    25 m) are on her phone to walk by and check in at (the map there showed none, and the check-in
    list offered her own grid's, 223 m away), names and outlines only, with no case to report at
    them by building; a building of another grid away from her route is not."""
    from shapely.geometry import MultiLineString, shape

    from gis.field_store import ALONG_ROUTE_M

    w, slug = field["worker"], field["slug"]
    day = w.get(f"/field/{slug}/today").json()
    route = MultiLineString([leg["coordinates"] for leg in day["legs"]])
    assert not route.is_empty
    with conn.cursor() as cur:
        cur.execute("SELECT b.id, ST_Distance(b.geom::geography, ST_GeomFromText(%s, 4326)::geography)"
                    " FROM building b JOIN grid g ON g.id = b.grid_id WHERE b.jurisdiction_id = %s AND g.code <> %s",
                    (route.wkt, field["jid"], GRID_1))
        others = dict(cur.fetchall())
    conn.rollback()
    near = {i for i, m in others.items() if m <= ALONG_ROUTE_M - 1}
    far = {i for i, m in others.items() if m > ALONG_ROUTE_M + 1}
    assert near and far
    shown = {b["id"]: b for b in day["buildings"]}
    assert near <= set(shown) and not (far & set(shown))
    assert all(not shown[i]["own"] and "households" not in shown[i] for i in near)
    assert all(shape(shown[i]["outline"]).is_valid for i in near)
    b = shown[min(near)]
    visit = {"type": "visit", "client_id": str(uuid.uuid4()), "building_id": b["id"], "kind": "small",
             "at": now().isoformat()}
    assert w.post(f"/field/{slug}/sync", json={"items": [visit]}).json()["results"][0]["status"] == "created"


def test_a_worker_name_that_is_another_account_s_username_gives_her_none_of_its_cases(field, conn, make_user,
                                                                                       server):
    """A case given to a name that is both her worker record's and another account's username is
    the other account's (the name an assignee is written by is a username first): she neither sees
    nor handles it."""
    import httpx

    slug, lead = field["slug"], field["leader"]
    name = f"zhou.min-{uuid.uuid4().hex[:6]}"  # (a username is latin letters: a Chinese name is never one)
    with db.transaction(conn) as cur:
        add_worker(cur, slug, name, "grid_worker", grid=GRID_1)
    hers = make_user("worker", slug, GRID_1, username=f"zhoumin-{uuid.uuid4().hex[:6]}")
    with conn.cursor() as cur:
        cur.execute("SELECT username FROM app_user ORDER BY id DESC LIMIT 1")
        (account,) = cur.fetchone()
    conn.rollback()
    with db.transaction(conn) as cur:
        link_worker(cur, account, slug, name)
    other = make_user("worker", slug, GRID_2, username=name)  # another person's account, by that name
    lon, lat = in_grid_003(conn, field["jid"])
    day = field["worker"].get(f"/field/{slug}/today").json()
    reported = lead.post(f"/cases/{slug}", json={"category": day["categories"][0]["code"], "description": "占道",
                                                 "at": {"type": "Point", "coordinates": [lon, lat]}})
    given = lead.post(f"/cases/{slug}/{reported.json()['id']}/transitions", json={"to": "accepted", "assignee": name},
                      headers={"If-Match": reported.headers["ETag"]})
    assert given.status_code == 200, given.text
    case_id = reported.json()["id"]
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {hers}"}) as h, \
            httpx.Client(base_url=server, headers={"Authorization": f"Bearer {other}"}) as o:
        assert h.get(f"/cases/{slug}/{case_id}").status_code in (403, 404)
        assert o.get(f"/cases/{slug}/{case_id}").status_code == 200
