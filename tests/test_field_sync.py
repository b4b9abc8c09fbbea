"""What a phone sends again is kept once: tracks and check-ins carry the phone's client_id, and a
retried upload (a second tab, an answer lost on a bad connection) writes nothing more and is
answered as the first time."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.conftest import scalar
from tests.test_field import ZH, field, now, today_began, walk_points  # noqa: F401 (field: a fixture)
from tests.test_patrol_records import GPX, noisy_gpx, projections, route_track  # noqa: F401 (fixture)


def test_a_track_sent_twice_is_kept_once_and_answered_the_same(client, copy_of, conn, projections):  # noqa: F811
    slug = copy_of("huamao")
    coords, streets = route_track(client, slug, "110105015001002")
    gpx = noisy_gpx(coords, 10.0, seed=7, to_metric=projections[0], to_wgs84=projections[1], rho=0.8)
    params = {"worker": "王芳", "day": "2025-03-01", "client_id": str(uuid.uuid4())}
    first = client.post(f"/patrol/{slug}/tracks", params=params, content=gpx, headers=GPX)
    again = client.post(f"/patrol/{slug}/tracks", params=params, content=gpx, headers=GPX)
    assert first.status_code == again.status_code == 201, again.text
    assert first.json()["created"] is True and again.json()["created"] is False
    assert {**first.json(), "created": None} == {**again.json(), "created": None}
    assert set(first.json()["edges"]) == streets
    assert scalar(conn, "SELECT count(*) FROM patrol_track WHERE client_id = %s", params["client_id"]) == 1
    # another jurisdiction cannot reach it by its client_id
    other = client.post("/patrol/xinghuananli/tracks", params=params, content=gpx, headers=GPX)
    assert other.status_code == 422 and "another jurisdiction" in other.json()["detail"]
    bad = client.post(f"/patrol/{slug}/tracks", params={**params, "client_id": "x"}, content=gpx, headers=GPX)
    assert bad.status_code == 400


def test_a_gpx_upload_is_matched_in_a_turn_as_a_phone_s_walks_are(client, copy_of, conn, projections,  # noqa: F811
                                                                    monkeypatch):
    """An uploaded GPX walk is matched as a phone's are: in a turn of its own, holding no database
    connection; with every turn taken it is refused for now (503, Retry-After), nothing kept."""
    from api import heavy

    slug = copy_of("huamao")
    coords, _ = route_track(client, slug, "110105015001002")
    gpx = noisy_gpx(coords, 10.0, seed=3, to_metric=projections[0], to_wgs84=projections[1], rho=0.8)
    params = {"worker": "王芳", "day": "2025-03-01", "client_id": str(uuid.uuid4())}
    monkeypatch.setattr(heavy.MATCHING, "wait_s", 0.2)
    taken = [heavy.MATCHING.slots.acquire(timeout=5) for _ in range(heavy.MATCHING.at_once)]
    try:
        r = client.post(f"/patrol/{slug}/tracks", params=params, content=gpx, headers=GPX)
        assert r.status_code == 503 and r.headers["retry-after"], r.text
    finally:
        for _ in taken:
            heavy.MATCHING.slots.release()
    assert scalar(conn, "SELECT count(*) FROM patrol_track WHERE client_id = %s", params["client_id"]) == 0
    assert client.post(f"/patrol/{slug}/tracks", params=params, content=gpx, headers=GPX).status_code == 201


def test_check_ins_sent_again_are_kept_once(client, copy_of, conn):
    slug = copy_of("huamao")
    buildings = client.get("/collections/building/items", params={"jurisdiction": slug, "limit": 3}).json()
    ids = [f["id"] for f in buildings["features"]]
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    batch = [{"building_id": ids[0], "worker": "王芳", "day": "2025-03-02", "kind": "small", "client_id": a},
             {"building_id": ids[1], "worker": "王芳", "day": "2025-03-02", "kind": "big", "note": "无人"},
             {"building_id": ids[2], "worker": "王芳", "day": "2025-03-02", "kind": "small", "client_id": b}]
    first = client.post(f"/patrol/{slug}/checkins", json=batch)
    assert first.status_code == 201, first.text
    again = client.post(f"/patrol/{slug}/checkins", json=[batch[0], batch[2], batch[0]])  # retried, repeated
    assert again.status_code == 201, again.text
    assert again.json()["ids"] == [first.json()["ids"][0], first.json()["ids"][2], first.json()["ids"][0]]
    assert scalar(conn, "SELECT count(*) FROM visit WHERE client_id IN (%s, %s)", a, b) == 2
    jid = scalar(conn, "SELECT id FROM jurisdiction WHERE slug = %s", slug)
    assert scalar(conn, "SELECT count(*) FROM visit WHERE jurisdiction_id = %s AND day = '2025-03-02'", jid) == 3


def test_walks_whose_streets_change_while_they_are_matched_are_refused_for_now_then_matched_anew(
        client, field, conn, projections, monkeypatch):  # noqa: F811
    """Streets re-imported between a walk's matching (outside the transaction, api/heavy) and its
    keeping: the walk's street ids may be gone, so it is not kept on them, nor refused for good
    (its phone would drop it) — the upload, or the phone's whole batch, is answered 503 with
    Retry-After and nothing is written; sent again, it is matched on the streets as they are."""
    from api.routers import field as field_routes
    from api.routers import patrol as patrol_routes
    from gis import db

    slug = field["slug"]

    def reimported_meanwhile(real):
        def run(*args, **kwargs):
            out = real(*args, **kwargs)
            with db.transaction(conn) as cur:  # another connection, committed: as an import would be
                cur.execute("UPDATE street_edge SET name = name WHERE id = (SELECT min(id) FROM street_edge"
                            " WHERE jurisdiction_id = %s)", (field["jid"],))
            return out
        return run

    def kept(client_id: str) -> int:
        return scalar(conn, "SELECT count(*) FROM patrol_track WHERE client_id = %s", client_id)

    # an uploaded GPX walk
    coords, streets = route_track(client, slug, "110105015001002")
    gpx = noisy_gpx(coords, 10.0, seed=5, to_metric=projections[0], to_wgs84=projections[1], rho=0.8)
    params = {"worker": "王芳", "day": "2025-03-01", "client_id": str(uuid.uuid4())}
    monkeypatch.setattr(patrol_routes, "match_segments", reimported_meanwhile(patrol_routes.match_segments))
    r = client.post(f"/patrol/{slug}/tracks", params=params, content=gpx, headers={**GPX, **ZH})
    assert r.status_code == 503 and r.headers["retry-after"] == "1" and "街道数据已更新" in r.json()["detail"], r.text
    assert kept(params["client_id"]) == 0
    monkeypatch.undo()
    again = client.post(f"/patrol/{slug}/tracks", params=params, content=gpx, headers=GPX)
    assert again.status_code == 201 and set(again.json()["edges"]) == streets, again.text
    # a phone's batch: its case is not kept alone either (the phone sends the whole batch again)
    w = field["worker"]
    day = w.get(f"/field/{slug}/today").json()
    b = day["buildings"][0]
    walk = {"type": "track", "client_id": str(uuid.uuid4()),
            "points": walk_points(day["legs"], field["srid"], max(now() - timedelta(minutes=1), today_began()))}
    case = {"type": "case", "client_id": str(uuid.uuid4()), "category": day["categories"][0]["code"],
            "description": "路灯不亮", "at": now().isoformat(),
            "where": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}}
    monkeypatch.setattr(field_routes, "match_walks", reimported_meanwhile(field_routes.match_walks))
    r = w.post(f"/field/{slug}/sync", json={"items": [case, walk]})
    assert r.status_code == 503 and r.headers["retry-after"] == "1", r.text
    assert kept(walk["client_id"]) == 0
    assert scalar(conn, "SELECT count(*) FROM case_record WHERE client_id = %s", case["client_id"]) == 0
    monkeypatch.undo()
    sent = w.post(f"/field/{slug}/sync", json={"items": [case, walk]})
    assert sent.status_code == 200, sent.text
    assert [x["status"] for x in sent.json()["results"]] == ["created", "created"]
