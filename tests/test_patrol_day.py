"""The leader's view of a day of the workers (走动式工作法): what each walked, when and how fast, where
she checked in and what she noted, the cases she reported and handled; who recorded nothing. The
phone's records go through the service as a phone sends them (tests/test_field.py's helpers)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from gis.patrol.day import WALKING_PACE_MAX_KMH, pace_kmh
from tests.test_field import SERVICE_ZONE, field, now, walk_points  # noqa: F401 (field: a fixture)


def test_pace_of_a_walk():
    t0 = datetime(2026, 5, 1, 9, 0, tzinfo=SERVICE_ZONE)
    assert pace_kmh(5000, t0, t0 + timedelta(hours=1)) == 5.0
    assert pace_kmh(5300, t0, t0 + timedelta(minutes=6)) == pytest.approx(53.0)
    assert WALKING_PACE_MAX_KMH < 53
    assert pace_kmh(100, t0, t0 + timedelta(seconds=30)) is None  # under a minute and 200 m: jitter, no pace
    assert pace_kmh(280, t0, t0 + timedelta(seconds=49)) == pytest.approx(20.6, abs=0.1)  # ridden: told
    assert pace_kmh(280, t0, t0) is None  # no time between its ends
    assert pace_kmh(100, None, t0) is None


def day_items(field: dict) -> tuple[dict, list[dict]]:  # noqa: F811
    """王芳's phone's records of today: a walk at a walker's pace, the same streets again on a
    bicycle (1 s between fixes 8 m apart: 29 km/h), a check-in with a note, a report; all on the
    day it is in the service's zone (just after midnight too)."""
    w, slug = field["worker"], field["slug"]
    today = w.get(f"/field/{slug}/today").json()
    end = now()
    walk = walk_points(today["legs"], field["srid"], end - timedelta(seconds=90))  # on today, from midnight on
    began = datetime.fromisoformat(walk[0]["t"])
    # the ride: the same fixes a second apart, the last at now (from the walk's first fix, just after midnight)
    ride_start = max(end - timedelta(seconds=len(walk) - 1), began)
    ridden = [{**p, "t": (ride_start + timedelta(seconds=i)).isoformat()} for i, p in enumerate(walk)]
    b = today["buildings"][0]
    items = [{"type": "track", "client_id": str(uuid.uuid4()), "points": walk},
             {"type": "track", "client_id": str(uuid.uuid4()), "points": ridden},
             {"type": "visit", "client_id": str(uuid.uuid4()), "building_id": b["id"], "kind": "big",
              "note": "<b>地下室</b>电动车违规充电2处", "at": end.isoformat()},
             {"type": "case", "client_id": str(uuid.uuid4()), "category": today["categories"][0]["code"],
              "description": "楼道堆物", "at": end.isoformat(),
              "where": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}}]
    return today, items


def test_the_leader_sees_each_worker_s_day(field):  # noqa: F811
    w, slug, lead = field["worker"], field["slug"], field["leader"]
    today, items = day_items(field)
    sent = w.post(f"/field/{slug}/sync", json={"items": items}).json()["results"]
    assert [r["status"] for r in sent] == ["created"] * 4, sent
    day = lead.get(f"/patrol/{slug}/day")
    assert day.status_code == 200, day.text
    workers = {d["worker"]: d for d in day.json()["workers"]}
    mine = workers["王芳"]
    walked, ridden = sorted(mine["walks"], key=lambda x: x["started_at"])
    at = datetime.fromisoformat
    assert at(walked["started_at"]) == at(items[0]["points"][0]["t"])
    assert at(walked["ended_at"]) == at(items[0]["points"][-1]["t"])
    assert 3 <= walked["pace_kmh"] <= 6 and not walked["too_fast"]
    assert ridden["pace_kmh"] > 20 and ridden["too_fast"]  # marked for the leader, kept
    assert walked["length_m"] > 0 and walked["geometry"]["type"] == "MultiLineString"
    [visit] = mine["visits"]
    assert visit["note"] == "<b>地下室</b>电动车违规充电2处" and visit["kind"] == "big" and visit["at"]
    assert visit["building_id"] == today["buildings"][0]["id"]
    [case] = mine["reported"]
    assert case["id"] == sent[3]["id"] and case["description"] == "楼道堆物"
    assert at(mine["first"]) == at(walked["started_at"]) and not mine["nothing"]
    assert workers["李强"]["nothing"]  # a walker who recorded nothing is there, said so
    # another day: nothing of today's
    yesterday = (datetime.now(SERVICE_ZONE).date() - timedelta(days=1)).isoformat()
    other = lead.get(f"/patrol/{slug}/day", params={"day": yesterday}).json()
    assert all(d["nothing"] for d in other["workers"])
    # a grid worker reads no one's day, her own neither (it is the leader's view of the team)
    assert w.get(f"/patrol/{slug}/day").status_code == 403
    assert lead.get(f"/patrol/{slug}/day", params={"day": "2026-13-01"}).status_code == 422


def test_the_day_on_the_leader_s_page(page, field):  # noqa: F811
    """The page: each walker's card (her walks in all, the too-fast ride said in red, the check-in
    with its note as text, the case reported linked), the one who recorded nothing said so; the
    ride dashed on the map; the day before and after a tap away. Screenshots, desktop and phone."""
    from tests.browser import shot

    w, slug = field["worker"], field["slug"]
    _, items = day_items(field)
    sent = w.post(f"/field/{slug}/sync", json={"items": items}).json()["results"]
    assert all(r["status"] == "created" for r in sent)
    day = {d["worker"]: d for d in field["leader"].get(f"/patrol/{slug}/day").json()["workers"]}["王芳"]
    fast = [x for x in day["walks"] if x["too_fast"]]  # (the module's other test walked today too)
    page.goto(f"/patrol-day?jurisdiction={slug}")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    mine = page.locator('.worker[data-worker="王芳"]')
    assert f"巡查 {len(day['walks'])} 次" in mine.locator(".total").inner_text()
    assert mine.locator(".flag").count() == len(fast) > 0 and "速度异常" in mine.locator(".flag").first.inner_text()
    assert "<b>地下室</b>电动车违规充电2处" in mine.locator(".note").all_inner_texts()  # as text
    assert page.locator(".worker b").count() == 0
    assert mine.locator(f'a[href^="/case/{sent[3]["id"]}?"]').count() == 1
    assert "没有任何记录" in page.locator('.worker[data-worker="李强"]').inner_text()
    assert page.locator('path[stroke-dasharray="8 6"]').count() == len(fast)  # the rides, dashed
    assert page.locator(".leaflet-marker-icon.visit-mark").count() == len(day["visits"])
    shot(page, "patrol_day")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)
    shot(page, "patrol_day_phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    with page.expect_navigation():
        page.click("#prev-day")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    assert page.locator(".worker.nothing").count() == page.locator(".worker").count() >= 2
    assert page.locator("#next-day").is_enabled()
