"""The field app on an emulated phone (390×844, touch, geolocation granted) in Chromium: a walk
along today's route of Huamao, a check-in and three cases with photos recorded offline and sent
when the connection returns (exactly once, however often sent); the app reloaded with no signal
still shows today's route; an edit in the office changes the version the service worker caches
by, so the phone never sees stale data; a case marked handled with its after photo.

Screenshots of each screen go to tests/artifacts/field-*.png."""

from __future__ import annotations

import io
import math
import re
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from PIL import Image

from tests.browser import ARTIFACTS, LOCAL, log_in, session_cookie, signed_in
from tests.conftest import scalar
from tests.test_field import GRID_1, GRID_2, dispatched_case, field, walk_points  # noqa: F401 (field: a fixture)
from tests.test_layout import axe_violations

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai", "permissions": ["geolocation"],
         "geolocation": {"longitude": 116.4818, "latitude": 39.9143, "accuracy": 8}}
# What a phone with no connection logs, and nothing else is allowed.
OFFLINE_ERRORS = ("ERR_INTERNET_DISCONNECTED", "Failed to fetch", "status of 503", "status of 401")


@pytest.fixture
def phone(browser, server, field):  # noqa: F811
    """A phone's page, signed in as 王芳 (a grid worker linked to her worker record)."""
    ctx = browser.new_context(base_url=server, **PHONE)
    signed_in(ctx, server, field["tokens"]["worker"])
    outside: list[str] = []
    errors: list[str] = []

    def guard(route):
        if urlparse(route.request.url).hostname in LOCAL or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    ctx.route("**/*", guard)
    pg = ctx.new_page()
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    ctx.close()
    assert not outside, outside
    unexpected = [e for e in errors if not any(x in e for x in OFFLINE_ERRORS)]
    assert not unexpected, unexpected


def new_worker(conn, make_user, slug: str, who: str, grid: str, password: str | None = None) -> tuple[str, str]:
    """A grid worker of ``grid`` registered, with an account of her own linked to her record:
    her name (``who`` and a tail, unique) and an API key of hers."""
    from gis import db as gdb
    from gis.field_store import link_worker
    from gis.patrol.stewards_store import add_worker

    name = f"{who}-{uuid.uuid4().hex[:6]}"
    with gdb.transaction(conn) as cur:
        add_worker(cur, slug, name, "grid_worker", grid=grid)
    token = make_user("worker", slug, grid, username=name, password=password)
    with gdb.transaction(conn) as cur:
        link_worker(cur, name, slug, name)
    return name, token


def opens_field(pg, user: str, password: str, *, asked: bool = False) -> None:
    """Sign in on /login as ``user`` (``asked``: the app asked for, /login?next=/field; else
    nowhere asked, as a worker opens her phone), and the field app open and drawn."""
    pg.goto("/login?next=/field" if asked else "/login")
    log_in(pg, user, password)
    pg.wait_for_url("**/field**")
    pg.wait_for_selector("body[data-ready='1']")


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"field-{name}.png"))


def open_app(pg) -> None:
    """The app loaded, today's work drawn, and the service worker in control."""
    pg.goto("/field")
    pg.wait_for_selector("body[data-ready='1']")
    pg.wait_for_function("() => navigator.serviceWorker.controller !== null")
    pg.wait_for_selector("body[data-kept]")  # today's work came through the service worker: it is kept
    pg.wait_for_selector("path.leg", state="attached")


def walk(pg, legs: list[dict], srid: int) -> int:
    """Move the phone along the first legs of its route, each fix seen by the page before the
    next; the number of fixes."""
    fixes = walk_points(legs, srid, datetime.now(UTC), count=5)
    for p in fixes:
        pg.context.set_geolocation({"longitude": p["lon"], "latitude": p["lat"], "accuracy": 6})
        pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{p['lon']:.6f},{p['lat']:.6f}")
    return len(fixes)


def stop_walk(pg) -> None:
    """Stop the walk going: 结束巡查, and again to confirm (one tap in a pocket ended it)."""
    pg.click("#walk")
    pg.wait_for_selector("#walk.confirm")
    pg.click("#walk")
    pg.wait_for_selector("#walk[aria-pressed=false]")


def photo(seed: int) -> dict:
    """A camera's photo (a real JPEG, 3000×2000) as a file input receives it."""
    img = Image.new("RGB", (3000, 2000), (40 * seed % 255, 120, 200))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return {"name": f"IMG_{seed}.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def check_in(pg) -> None:
    """Tap 签到 on the open check-in sheet, and again when the phone stands far from the building
    (the app asks once before recording a visit it is not near)."""
    pg.click("#do-checkin")
    if pg.locator("#checkin-far").is_visible():
        pg.click("#do-checkin")


def offline_at(pg, b: dict, accuracy: float) -> None:
    """The signal gone, the phone standing at building ``b`` (seen by the page)."""
    pg.context.set_offline(True)
    pg.wait_for_selector("#net.offline")
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": accuracy})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")


def given_to_her(ours: dict, b: dict, text: str, urgency: str = "blue") -> int:
    """A case the leader reports at building ``b`` and gives to 王芳 by name (other tests of a file
    add workers to her grid, and the service's own choice may fall on them); ``ours``: the field
    fixture."""
    slug, lead = ours["slug"], ours["leader"]
    category = ours["worker"].get(f"/field/{slug}/today").json()["categories"][0]["code"]
    r = lead.post(f"/cases/{slug}", json={"category": category, "urgency": urgency, "description": text,
                                          "at": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}})
    step = lead.post(f"/cases/{slug}/{r.json()['id']}/transitions", json={"to": "accepted", "assignee": "王芳"},
                     headers={"If-Match": r.headers["ETag"]})
    assert step.status_code == 200, step.text
    return r.json()["id"]


def fingerprint(conn) -> str:
    return scalar(conn, "SELECT row((SELECT count(*) FROM patrol_track), (SELECT count(*) FROM patrol_walked),"
                        " (SELECT count(*) FROM visit), (SELECT count(*) FROM case_record),"
                        " (SELECT count(*) FROM case_photo), (SELECT count(*) FROM case_event))::text")


def test_a_day_offline_is_synced_once_when_the_signal_returns(phone, field, conn):  # noqa: F811
    pg, slug, w = phone, field["slug"], field["worker"]
    user = f"wangfang-{slug}"
    today = w.get(f"/field/{slug}/today").json()
    open_app(pg)
    assert pg.locator("#title").inner_text() == "今日巡查"
    # no base map: the buildings of her grid are drawn, to find her way by
    assert pg.locator("path.building").count() == len(today["buildings"]) > 0
    # the way to walk: where it starts, an arrow on each street still to walk, the next street named
    todo = sorted((leg for leg in today["legs"] if leg["edge_id"] not in today["walked"]), key=lambda leg: leg["seq"])
    assert pg.locator(".leg-arrow").count() == len(todo) > 0
    assert pg.locator(".start-pin").inner_text() in ("起点", "起点 · 社区办公室")
    assert f"下一段：{todo[0]['seq']}. {todo[0]['name'] or ''}".strip() in pg.locator("#route-text").inner_text()
    # the route's streets are named on the map, at the zoom it opens at (the next one among them)
    named = pg.locator(".label.street:not(.hidden)").all_inner_texts()
    streets = {leg["name"] for leg in today["legs"] if leg["name"]}
    assert set(named) <= streets and len(named) == len(set(named)) >= len(streets) * 0.8, (named, streets)
    assert todo[0]["name"] in named
    assert not axe_violations(pg)
    shot(pg, "map")
    pg.context.set_offline(True)
    pg.wait_for_selector("#net.offline")
    pg.click("#walk")
    fixes = walk(pg, today["legs"], field["srid"])
    assert re.search(r"结束巡查\s+\d+\.\d 公里 · \d+ 分钟", pg.locator("#walk").inner_text())
    stop_walk(pg)
    shot(pg, "walked")
    pg.click("#open-checkin")
    pg.wait_for_selector("#nearby input:checked")
    shot(pg, "checkin")
    check_in(pg)
    for k, text in enumerate(["快递车辆占用消防通道", "电动自行车楼道内充电", "井盖破损"], start=1):
        pg.click("#open-report")
        pg.select_option("#category", index=k)  # 0: "choose a category"
        pg.fill("#case-text", text)
        pg.set_input_files("#case-photos", [photo(k), photo(k + 10)][:1 + (k % 2)])
        pg.wait_for_function("n => document.querySelectorAll('#case-thumbs img').length === n", arg=1 + (k % 2))
        if k == 1:
            assert not axe_violations(pg)
            shot(pg, "report")
        pg.click("#do-report")
    photos = 2 + 1 + 2
    pg.wait_for_function("n => document.body.dataset.waiting === n", arg=str(1 + 1 + 3 + photos))
    assert pg.locator("#waiting").inner_text() == str(1 + 1 + 3 + photos)
    pg.click("#queue-button")
    shot(pg, "queue")
    queued = pg.evaluate("fieldQueue.all().then(a => a.filter(i => i.type !== 'photo')"
                         ".map(i => ({type: i.type, client_id: i.client_id, ...i.body})))")
    assert scalar(conn, "SELECT count(*) FROM case_record WHERE reporter = %s", user) == 0  # nothing sent yet

    pg.context.set_offline(False)
    pg.click("#sync-now")
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.body.dataset.refused === '0'")
    pg.wait_for_selector("path.leg.done", state="attached")
    pg.click("[data-close=queue]")
    shot(pg, "synced")
    jid = field["jid"]
    assert scalar(conn, "SELECT count(*) FROM case_record WHERE reporter = %s AND jurisdiction_id = %s", user, jid) == 3
    assert scalar(conn, "SELECT count(*) FROM case_photo p JOIN case_record c ON c.id = p.case_id"
                        " WHERE c.reporter = %s AND p.stage = 'before'", user) == photos
    assert scalar(conn, "SELECT count(*) FROM visit WHERE worker = '王芳' AND jurisdiction_id = %s", jid) == 1
    # the fix the walk started at, and every one on the way
    assert scalar(conn, "SELECT points FROM patrol_track WHERE worker = '王芳' AND jurisdiction_id = %s",
                  jid) == fixes + 1
    walked = w.get(f"/field/{slug}/today").json()["walked"]
    assert set(walked) & {leg["edge_id"] for leg in today["legs"][:5]}
    # and the office sees the day: the three cases in the list the one map's cases layer draws, the
    # streets walked in the patrol coverage
    office = field["leader"]
    listed = office.get(f"/cases/{slug}", params={"open": "true", "limit": 10000}).json()["cases"]
    assert {"快递车辆占用消防通道", "电动自行车楼道内充电", "井盖破损"} <= {c["description"] for c in listed}
    # by the name the office knows her by, her account beside it
    one = next(c for c in listed if c["description"] == "井盖破损")
    shown = office.get(f"/cases/{slug}/{one['id']}").json()
    assert (shown["reporter"], shown["reporter_name"]) == (user, "王芳")
    coverage = office.get(f"/patrol/{slug}/coverage", params={"days": 2}).json()
    assert set(walked) <= {s["edge_id"] for s in coverage["streets"] if s["share"] > 0} and coverage["walked_m"] > 0
    # the photos were resized on the phone (1600 px) and kept without their metadata
    assert scalar(conn, "SELECT max(greatest(width, height)) FROM case_photo p JOIN case_record c ON c.id = p.case_id"
                        " WHERE c.reporter = %s", user) == 1600
    # sending it all again — a second tab, an answer lost — changes nothing
    before = fingerprint(conn)
    again = w.post(f"/field/{slug}/sync", json={"items": queued}).json()
    assert again["exists"] == len(queued) == 5 and again["created"] == again["refused"] == 0
    assert fingerprint(conn) == before


def test_offline_reload_keeps_the_route_and_an_edit_is_never_served_stale(phone, field, conn):  # noqa: F811
    pg = phone
    open_app(pg)
    first = pg.evaluate("document.body.dataset.version")
    legs = pg.locator("path.leg").count()
    pg.context.set_offline(True)
    pg.reload()
    pg.wait_for_selector("body[data-ready='1']")
    assert pg.locator("path.leg").count() == legs and "路线" in pg.locator("#route-text").inner_text()
    assert pg.evaluate("document.body.dataset.version") == first
    shot(pg, "offline-reload")
    pg.context.set_offline(False)

    # the office dispatches a new case of her grid to her: today's version changes
    case_id = dispatched_case(field, 2, "垃圾桶满溢", note="联系物业，当天清运")
    pg.reload()
    pg.wait_for_selector("body[data-ready='1']")
    second = pg.evaluate("document.body.dataset.version")
    assert second != first
    names = pg.evaluate("caches.keys()")
    data = [n for n in names if n.startswith("field-data-")]
    assert data == ["field-data-" + "".join(ch for ch in second if ch.isalnum() or ch in "_-")], names
    assert len([n for n in names if n.startswith("field-shell-")]) == 1
    pg.wait_for_selector(f"body[data-kept='{second}']")
    pg.context.set_offline(True)
    pg.reload()
    pg.wait_for_selector("body[data-ready='1']")
    assert pg.evaluate("document.body.dataset.version") == second  # offline too, the new version
    assert pg.locator(f"li[data-case='{case_id}']").count() == 1

    # she marks it handled with an after photo, still with no signal: the card says it waits, and
    # offers no second mark; the signal back, it is sent
    pg.click("#open-cases")
    pg.wait_for_selector(f"li[data-case='{case_id}'] button.handle")
    # what the office said giving it, on her card
    assert pg.locator(f"li[data-case='{case_id}'] .said").inner_text() == "交办说明：联系物业，当天清运"
    shot(pg, "cases")
    pg.click(f"li[data-case='{case_id}'] button.handle")
    pg.fill("#handle-note", "已联系物业清运")
    pg.set_input_files("#handle-photos", [photo(7)])
    pg.wait_for_selector("#handle-thumbs img")
    shot(pg, "handle")
    pg.click("#do-handle")
    pg.click("#open-cases")
    card = pg.locator(f"li[data-case='{case_id}']")
    card.locator(".pending").wait_for()
    assert card.locator("button.handle").count() == 0 and "待同步" in card.inner_text()
    shot(pg, "handled-offline")
    pg.click("[data-close=cases]")
    pg.context.set_offline(False)
    pg.wait_for_selector(f"li[data-case='{case_id}'] button.handle", state="detached")  # today, reloaded
    pg.wait_for_function("() => document.body.dataset.waiting === '0'")
    assert pg.evaluate("[document.body.dataset.waiting, document.body.dataset.refused]") == ["0", "0"]
    assert scalar(conn, "SELECT state FROM case_record WHERE id = %s", case_id) == "handled"
    assert scalar(conn, "SELECT count(*) FROM case_photo WHERE case_id = %s AND stage = 'after'", case_id) == 1

    # signed out (the session ended): what she records stays on the phone until she signs in again
    visits = scalar(conn, "SELECT count(*) FROM visit WHERE jurisdiction_id = %s", field["jid"])
    pg.context.clear_cookies()
    pg.click("#open-checkin")
    check_in(pg)
    pg.wait_for_selector("#banner.error a[href^='/login']")
    assert pg.evaluate("document.body.dataset.waiting") == "1"
    shot(pg, "signed-out")
    assert scalar(conn, "SELECT count(*) FROM visit WHERE jurisdiction_id = %s", field["jid"]) == visits
    signed_in(pg.context, pg.url.split("/field")[0], field["tokens"]["worker"])
    pg.click("#queue-button")
    pg.click("#sync-now")
    pg.wait_for_function("() => document.body.dataset.waiting === '0'")
    assert scalar(conn, "SELECT count(*) FROM visit WHERE jurisdiction_id = %s", field["jid"]) == visits + 1

    # what the service refuses stays on the phone, with the reason, until the worker deletes it
    pg.click("[data-close=queue]")
    pg.evaluate("""fieldQueue.add({type: "visit", client_id: fieldQueue.uuid(), label: "#2147483000",
        body: {building_id: 2147483000, kind: "small", note: null, at: new Date().toISOString()}})""")
    pg.click("#queue-button")
    pg.click("#sync-now")
    reason = pg.wait_for_selector("#queue-list li.refused .reason")
    assert "不属于" in reason.inner_text() and "2147483000" in reason.inner_text()
    assert pg.evaluate("[document.body.dataset.waiting, document.body.dataset.refused]") == ["0", "1"]
    shot(pg, "refused")


def test_what_one_worker_queued_is_not_sent_by_the_next_to_sign_in(phone, field, server, conn):  # noqa: F811
    """A phone shared by a shift: 王芳 checks in with no signal; 李强 signs in on the same phone
    and the signal comes back. Her check-in waits for her (sent by him, it would have been his
    visit; sent while the session changed, the service refuses it whole, 409); when she signs in
    again it goes as hers."""
    pg, jid = phone, field["jid"]

    def visits(name: str) -> int:
        return scalar(conn, "SELECT count(*) FROM visit WHERE worker = %s AND jurisdiction_id = %s", name, jid)

    def as_(token: str, online: bool = False) -> None:
        pg.context.clear_cookies()
        signed_in(pg.context, server, token)
        if online:  # the signal back once the phone is another's (her page, still open, tries to send)
            pg.context.set_offline(False)
        open_app(pg)
        pg.wait_for_function("() => Number(document.body.dataset.syncs || 0) > 0")  # it tried to send, on opening

    open_app(pg)
    pg.context.set_offline(True)
    pg.wait_for_selector("#net.offline")
    pg.click("#open-checkin")
    pg.wait_for_selector("#nearby input:checked")
    check_in(pg)
    pg.wait_for_function("() => document.body.dataset.waiting === '1'")
    building = pg.evaluate("() => fieldQueue.all().then((a) => a[0].label)")
    before = visits("王芳"), visits("李强")
    as_(field["tokens"]["other"], online=True)
    assert (visits("王芳"), visits("李强")) == before
    assert pg.evaluate("() => [document.body.dataset.waiting, document.body.dataset.held]") == ["1", "1"]
    pg.click("#queue-button")
    held = pg.locator('#queue-list li[data-held="true"]')
    assert held.count() == 1 and f"wangfang-{field['slug']}" in held.inner_text()
    assert building and building not in held.inner_text()  # whose and what kind; where she was is hers
    shot(pg, "held-for-another")
    as_(field["tokens"]["worker"])
    pg.wait_for_function("() => document.body.dataset.waiting === '0'")
    assert (visits("王芳"), visits("李强")) == (before[0] + 1, before[1])


def test_a_check_in_far_from_the_building_is_asked_again_and_each_record_is_confirmed(phone, field, conn):  # noqa: F811
    """Standing 300 m from the nearest building of her grid, a tap on 签到 says how far it is and
    records nothing; a second tap records it, and the page says what was recorded."""
    pg, jid = phone, field["jid"]
    today = field["worker"].get(f"/field/{field['slug']}/today").json()
    open_app(pg)
    b = min(today["buildings"], key=lambda x: x["lat"])
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"] - 0.0027, "accuracy": 10})  # ~300 m south
    pg.wait_for_function("() => document.body.dataset.position !== undefined")
    pg.click("#open-checkin")
    pg.wait_for_selector("#nearby input:checked")
    name = pg.locator("#nearby input:checked + span").inner_text()
    chosen = pg.locator("#nearby input:checked").input_value()
    before = scalar(conn, "SELECT count(*) FROM visit WHERE jurisdiction_id = %s", jid)
    pg.click("#do-checkin")
    far = pg.locator("#checkin-far")
    assert far.is_visible() and name in far.inner_text() and "米" in far.inner_text()
    assert pg.evaluate("() => fieldQueue.all().then((a) => a.length)") == 0  # nothing recorded yet
    shot(pg, "checkin-far")
    pg.click("#do-checkin")
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.getElementById('banner')"
                         ".textContent.includes('已同步')")
    assert f"已签到：{name}" in pg.locator("#banner").inner_text()
    assert scalar(conn, "SELECT count(*) FROM visit WHERE jurisdiction_id = %s", jid) == before + 1
    # where she has been today is green on the map (each building checked in at, this one among them)
    day = field["worker"].get(f"/field/{field['slug']}/today").json()
    visited = {x["id"] for x in day["buildings"] if x["visited"]}
    pg.wait_for_function("n => document.querySelectorAll('path.building.visited').length === n", arg=len(visited))
    assert int(chosen) in visited
    shot(pg, "checked-in")


def test_each_check_in_starts_at_the_building_she_stands_at_and_a_small_visit(phone, field):  # noqa: F811
    """The check-in sheet opened again, 400 m on, chooses the building she now stands at and a
    small visit: it kept the last one's building and kind, and one tap recorded a big visit, with
    its note, at a building 83 m behind her."""
    import math

    pg = phone
    today = field["worker"].get(f"/field/{field['slug']}/today").json()
    first = today["buildings"][0]
    apart = lambda b: math.dist((b["lon"], b["lat"]), (first["lon"], first["lat"])) * 111_320  # noqa: E731  # ~metres
    second = min((b for b in today["buildings"] if apart(b) > 40), key=apart)  # the first still listed there
    open_app(pg)

    def stand_at(b: dict) -> None:
        pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 5})
        pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")

    stand_at(first)
    pg.click("#open-checkin")
    assert pg.locator("#nearby input:checked").input_value() == str(first["id"])
    pg.check("input[name=visit-kind][value=big]")
    pg.fill("#visit-note", "地下室电动车充电")
    check_in(pg)
    pg.wait_for_function("() => document.body.dataset.waiting === '0'")
    stand_at(second)
    pg.click("#open-checkin")
    assert pg.locator("#nearby input:checked").input_value() == str(second["id"])
    assert pg.locator("input[name=visit-kind]:checked").input_value() == "small"
    assert pg.locator("#visit-note").input_value() == ""


def test_a_report_is_said_to_be_reported_only_once_the_service_has_it(phone, field):  # noqa: F811
    """On a connection that carries nothing (the phone believes it is online: Wi-Fi with no
    internet), a report is said to be kept on the phone, never "已上报", until the service has it."""
    pg = phone
    b = field["worker"].get(f"/field/{field['slug']}/today").json()["buildings"][0]
    open_app(pg)
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 6})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")
    pg.route("**/field/*/sync", lambda route: route.abort("internetdisconnected"))
    tries = int(pg.evaluate("document.body.dataset.syncs || 0"))
    pg.click("#open-report")
    pg.select_option("#category", index=1)
    pg.fill("#case-text", "消防通道被私家车占用")
    pg.click("#do-report")
    pg.wait_for_function("n => Number(document.body.dataset.syncs || 0) > n", arg=tries)  # tried, and failed
    said = pg.locator("#banner").inner_text()
    assert "事件已保存：消防通道" in said and "已保存在手机上" in said and "已上报" not in said, said
    pg.unroute("**/field/*/sync")
    pg.evaluate("() => window.dispatchEvent(new Event('online'))")  # the signal back
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.getElementById('banner')"
                         ".textContent.includes('已同步')")
    assert "已上报：消防通道" in pg.locator("#banner").inner_text()


def test_a_record_kept_while_others_are_sent_goes_next_and_is_not_said_sent_before(phone, field, conn):  # noqa: F811
    """A check-in made while a photo is on its way: the round already sending had taken its list,
    and said "已签到 … · 已同步" for a check-in that then waited two minutes. It goes straight after,
    and 已同步 is said once it is there."""
    pg, jid = phone, field["jid"]
    b = field["worker"].get(f"/field/{field['slug']}/today").json()["buildings"][0]
    open_app(pg)
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 6})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")
    held: list = []
    pg.route("**/photos?**", lambda route: held.append(route))
    pg.click("#open-report")
    pg.select_option("#category", index=1)
    pg.fill("#case-text", "路面塌陷，需设围挡")
    pg.set_input_files("#case-photos", [photo(3)])
    pg.wait_for_selector("#case-thumbs img")
    pg.click("#do-report")
    for _ in range(100):  # the round is sending the photo, held
        if held:
            break
        pg.wait_for_timeout(100)
    assert held
    visits = scalar(conn, "SELECT count(*) FROM visit WHERE jurisdiction_id = %s", jid)
    pg.click("#open-checkin")
    pg.wait_for_selector("#nearby input:checked")
    check_in(pg)
    held[0].continue_()
    pg.unroute("**/photos?**")
    pg.wait_for_function("() => document.body.dataset.waiting === '0'", timeout=20_000)  # not two minutes on
    assert scalar(conn, "SELECT count(*) FROM visit WHERE jurisdiction_id = %s", jid) == visits + 1
    pg.wait_for_function("() => document.getElementById('banner').textContent.includes('已同步')")
    assert "已签到" in pg.locator("#banner").inner_text()


def test_a_case_reported_at_a_building_names_it_and_needs_its_category(phone, field, conn):  # noqa: F811
    """Standing at a building of her grid, the report names that building (the case's page then
    draws it); no category is taken for granted."""
    pg = phone
    today = field["worker"].get(f"/field/{field['slug']}/today").json()
    b = today["buildings"][0]
    open_app(pg)
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 6})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")
    pg.click("#open-report")
    assert pg.locator("#case-building").input_value() == str(b["id"])
    pg.fill("#case-text", "单元门禁损坏")
    pg.click("#do-report")
    assert "类别" in pg.locator("#banner").inner_text()  # refused: no category chosen
    assert pg.evaluate("() => fieldQueue.all().then((a) => a.length)") == 0
    pg.select_option("#category", index=1)
    shot(pg, "report-at-building")
    pg.click("#do-report")
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.getElementById('banner')"
                         ".textContent.includes('已同步')")
    assert scalar(conn, "SELECT building_id FROM case_record WHERE description = '单元门禁损坏'"
                        " AND jurisdiction_id = %s", field["jid"]) == b["id"]
    # the next report: no category taken over from the last; a building left out stays left out
    # while the phone's position keeps coming
    pg.click("#open-report")
    assert pg.locator("#category").input_value() == ""
    pg.select_option("#case-building", "")
    pg.context.set_geolocation({"longitude": b["lon"] + 2e-5, "latitude": b["lat"], "accuracy": 5})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon'] + 2e-5:.6f},{b['lat']:.6f}")
    assert pg.locator("#case-building").input_value() == ""


def whole(pg, selector):
    """Whether the text of ``selector`` is shown whole: nothing cut at its edge or hidden under it."""
    return pg.evaluate("""s => { const t = document.querySelector(s);
        return t.scrollWidth <= t.clientWidth && t.scrollHeight <= t.clientHeight; }""", selector)


def test_the_bar_names_the_worker_and_her_whole_grid_on_a_narrow_phone(phone, field, conn):  # noqa: F811
    """The bar at the top names who is signed in and the whole name of her grid (第一网格（电厂小区）,
    how a worker tells whose ground this is), on a 360-pixel phone too, beside the chips."""
    pg = phone
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM grid WHERE jurisdiction_id = %s AND code = %s", (field["jid"], GRID_1))
        (grid_name,) = cur.fetchone()
    for width in (390, 360):
        pg.set_viewport_size({"width": width, "height": 780})
        open_app(pg)
        assert grid_name in pg.locator("#worker").inner_text()
        assert whole(pg, "#worker") and whole(pg, "#title")
        header, chips = (pg.locator(s).bounding_box() for s in ("#top", "#status"))
        assert chips["x"] + chips["width"] <= header["x"] + header["width"]
    shot(pg, "narrow-bar")


def test_turned_sideways_every_action_is_on_the_screen_with_the_map(phone, field):  # noqa: F811
    """844 × 390: the four actions in one row under the map (上报事件 and 我的事件 were below the
    screen, which does not scroll), the map still there to walk by."""
    pg = phone
    pg.set_viewport_size({"width": 844, "height": 390})
    open_app(pg)
    for button in ("#walk", "#open-checkin", "#open-report", "#open-cases"):
        box = pg.locator(button).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 390 and box["height"] >= 44, (button, box)
    assert pg.locator("#map").bounding_box()["height"] >= 120
    shot(pg, "landscape")


def test_the_phone_switches_language_and_keeps_it_offline(phone, field):  # noqa: F811
    """A worker who reads English taps EN in the bar: the app, its route line and its categories
    come in English; tapped again with no signal, it comes back in Chinese from the phone."""
    pg = phone
    open_app(pg)
    assert pg.locator("#lang").inner_text() == "EN" and pg.locator("#lang").get_attribute("aria-label") == "English"
    pg.click("#lang")
    pg.wait_for_selector("body[data-ready='1']")
    assert "lang=en" in pg.url
    assert pg.locator("#title").inner_text() == "Patrol"
    assert whole(pg, "#title")
    assert pg.locator("#open-report").inner_text() == "Report a case"
    assert "route" in pg.locator("#route-text").inner_text()
    b = field["worker"].get(f"/field/{field['slug']}/today").json()["buildings"][0]
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 4})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")
    pg.click("#open-report")
    assert pg.locator("#category option").nth(1).inner_text().isascii()
    # where, said in English; kept with the case in the office's words
    assert pg.locator("#where-text").inner_text().startswith(f"At {b['name']}")
    assert pg.locator("#where-text").get_attribute("data-words") == f"在{b['name']}"
    shot(pg, "english-report")
    pg.click("#report [data-close='report']")
    pg.context.set_offline(True)
    pg.click("#lang")
    pg.wait_for_selector("body[data-ready='1']")
    assert "lang=zh" in pg.url and pg.locator("#title").inner_text() == "今日巡查"
    assert whole(pg, "#title")
    assert "路线" in pg.locator("#route-text").inner_text()
    pg.context.set_offline(False)


def test_where_the_community_patrols_by_grid_the_phone_shows_her_grid_s_route(phone, field, conn):  # noqa: F811
    """Switched to by_grid, 王芳's phone draws the route of her own grid and says so (走遍本网格)."""
    from gis import db
    from gis.jurisdictions import update_jurisdiction

    pg = phone
    with db.transaction(conn) as cur:
        update_jurisdiction(cur, field["slug"], patrol="by_grid")
    try:
        today = field["worker"].get(f"/field/{field['slug']}/today").json()
        assert today["route"]["grid"] == GRID_1
        open_app(pg)
        pg.wait_for_function("n => document.querySelectorAll('path.leg').length === n", arg=len(today["legs"]))
        assert "走遍本网格" in pg.locator("#route-text").inner_text()
        shot(pg, "by-grid")
    finally:
        with db.transaction(conn) as cur:
            update_jurisdiction(cur, field["slug"], patrol="shared")


def test_a_report_on_the_boundary_street_is_taken_a_step_past_it_is_not(phone, field, conn):  # noqa: F811
    """A worker on a street drawn along the community's boundary stands a hair past it: her report
    there is taken, as the service takes it (its tolerance, half a metre; the phone said 在本社区之外
    and kept the sheet open, on the days her route ended on that street); three metres past, not."""
    import shapely

    pg, slug = phone, field["slug"]
    today = field["worker"].get(f"/field/{slug}/today").json()
    assert today["boundary_tolerance_m"] == 0.5
    area = shapely.geometry.shape(today["boundary"])
    ring = shapely.get_coordinates(shapely.get_exterior_ring(shapely.get_parts(area)[0]))
    k = max(range(len(ring) - 1), key=lambda i: abs(complex(*(ring[i + 1] - ring[i]))))
    middle, step = (ring[k] + ring[k + 1]) / 2, ring[k + 1] - ring[k]
    per_m = [1 / (111_320 * math.cos(math.radians(middle[1]))), 1 / 111_320]
    out = [-step[1] / per_m[1], step[0] / per_m[0]]  # square to the edge, in metres
    out = [c / math.hypot(*out) for c in out]
    if area.contains(shapely.Point(middle[0] + out[0] * per_m[0], middle[1] + out[1] * per_m[1])):
        out = [-out[0], -out[1]]

    def past(metres):
        return {"longitude": middle[0] + metres * out[0] * per_m[0], "latitude": middle[1] + metres * out[1] * per_m[1],
                "accuracy": 5}

    open_app(pg)
    for metres, taken in ((3, False), (0.2, True)):
        at = past(metres)
        pg.context.set_geolocation(at)
        pg.wait_for_function("want => document.body.dataset.position === want",
                             arg=f"{at['longitude']:.6f},{at['latitude']:.6f}")
        pg.click("#open-report")
        pg.select_option("#category", index=1)
        pg.fill("#case-text", f"边界路上井盖缺失 {metres} 米")
        pg.click("#do-report")
        if taken:
            pg.wait_for_selector("#report", state="hidden")
        else:
            assert "社区之外" in pg.locator("#report .sheet-error").inner_text()
            pg.click("[data-close=report]")
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.getElementById('banner')"
                         ".textContent.includes('已同步')")
    assert "已上报：边界路上井盖缺失 0.2" in pg.locator("#banner").inner_text()
    assert scalar(conn, "SELECT count(*) FROM case_record WHERE description = '边界路上井盖缺失 0.2 米'") == 1
    assert scalar(conn, "SELECT count(*) FROM case_record WHERE description LIKE '边界路上井盖缺失 3 %%'") == 0


def test_a_report_the_service_sends_back_is_never_said_to_be_reported(phone, field, conn):  # noqa: F811
    """A mistake in the form is said in the form (the banner is under it); a place outside the
    community (shaded on the map) is refused on the phone, offline too; and a case the service
    refuses is said to be sent back, with why, never "已上报 · 已同步"."""
    pg = phone
    today = field["worker"].get(f"/field/{field['slug']}/today").json()
    b = today["buildings"][0]
    open_app(pg)
    assert pg.locator("path.outside").count() == 1
    assert pg.evaluate("() => document.querySelector('.leaflet-control-scale-line').textContent") in (
        "50 m", "100 m", "200 m")  # the map still opens on the community, not on the shaded world
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 6})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")
    pg.click("#open-report")
    pg.fill("#case-text", "井盖缺失")
    pg.click("#do-report")
    said = pg.locator("#report .sheet-error")
    assert "类别" in said.inner_text() and said.is_visible()
    box = said.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= pg.viewport_size["height"]
    shot(pg, "form-error")
    # outside the community: refused on the phone, nothing queued
    pg.select_option("#category", index=1)
    far = {"longitude": 116.4700, "latitude": 39.9200, "accuracy": 6}
    pg.context.set_geolocation(far)
    pg.wait_for_function("want => document.body.dataset.position === want",
                         arg=f"{far['longitude']:.6f},{far['latitude']:.6f}")
    pg.click("#do-report")
    assert "社区之外" in said.inner_text()
    assert pg.evaluate("() => fieldQueue.all().then((a) => a.length)") == 0
    # a building of another grid (as a phone with stale data might send): the service refuses it
    other = scalar(conn, "SELECT b.id FROM building b JOIN grid g ON g.id = b.grid_id WHERE b.jurisdiction_id = %s"
                         " AND g.code <> %s ORDER BY b.id LIMIT 1", field["jid"], GRID_1)
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 6})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")
    pg.evaluate("id => { const s = document.getElementById('case-building'); s.append(new Option('x', id));"
                " s.value = String(id); }", other)
    pg.set_input_files("#case-photos", [photo(7)])
    pg.wait_for_function("() => document.querySelectorAll('#case-thumbs img').length === 1")
    pg.click("#do-report")
    pg.wait_for_function("() => document.body.dataset.refused === '2'")  # the case, and its photo with it
    pg.wait_for_function("() => document.getElementById('banner').textContent.includes('退回')")
    text = pg.locator("#banner").inner_text()
    assert "已同步" not in text and "井盖缺失" in text, text
    assert scalar(conn, "SELECT count(*) FROM case_record WHERE description = '井盖缺失'") == 0
    shot(pg, "refused")
    # corrected on the phone and sent again: the same report (its id, its time), at no building
    queued = pg.evaluate("() => fieldQueue.all().then((a) => a.find((i) => i.type === 'case'))")
    pg.click("#queue-button")
    pg.click("#queue-list li.refused button.fix")
    assert pg.locator("#report").is_visible() and pg.locator("#case-text").input_value() == "井盖缺失"
    assert pg.locator("#category").input_value() == queued["body"]["category"]
    pg.wait_for_selector("#case-thumbs img.kept")  # its photo, waiting to go with it, shown
    assert pg.locator("#case-building").input_value() == ""  # the other grid's building is not offered again
    shot(pg, "correcting")
    pg.click("#do-report")
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.body.dataset.refused === '0'")
    assert scalar(conn, "SELECT count(*) FROM case_record WHERE client_id = %s AND building_id IS NULL",
                  queued["client_id"]) == 1
    assert scalar(conn, "SELECT count(*) FROM case_photo p JOIN case_record c ON c.id = p.case_id"
                        " WHERE c.client_id = %s", queued["client_id"]) == 1
    assert scalar(conn, "SELECT reported_at = %s::timestamptz FROM case_record WHERE client_id = %s",
                  queued["body"]["at"], queued["client_id"])


def test_a_walk_longer_than_the_service_takes_at_once_is_split_and_sent_in_batches(phone, field, conn):  # noqa: F811
    """A walk reaching the most points the service takes in one (20,000; a dozen here, set on the page)
    is kept as it is and goes on as a new walk from its last fix; the queue is sent in batches of
    at most that many points, each one accepted: nothing recorded is ever too long to send."""
    import json

    pg, slug = phone, field["slug"]
    today = field["worker"].get(f"/field/{slug}/today").json()
    open_app(pg)
    sent: list[dict] = []
    pg.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.method == "POST"
          and r.url.endswith(f"/field/{slug}/sync") else None)
    # pieces that each move far enough to be matched, the last one too (8 m a fix, 20 m thinning)
    n = len(walk_points(today["legs"], field["srid"], datetime.now(UTC), count=5))
    most = next(m for m in range(10, 40) if n % (m - 1) == 0 or n % (m - 1) >= 5)
    pg.evaluate("m => { document.body.dataset.maxFixes = String(m); }", most)
    pg.context.set_offline(True)
    pg.wait_for_selector("#net.offline")
    pg.click("#walk")
    fixes = walk(pg, today["legs"], field["srid"]) + 1  # and the fix it started at
    stop_walk(pg)  # stopped, and kept
    walks = pg.evaluate("fieldQueue.all().then(a => a.filter(i => i.type === 'track').map(i => i.body.points))")
    # each piece up to the most, the next beginning where the last ended
    assert len(walks) == -(-(fixes - 1) // (most - 1)) >= 2 and all(2 <= len(w) <= most for w in walks), walks
    assert all(a[-1] == b[0] for a, b in zip(walks, walks[1:], strict=False))
    assert sum(map(len, walks)) == fixes + len(walks) - 1
    pg.context.set_offline(False)
    pg.click("#queue-button")
    pg.click("#sync-now")
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.body.dataset.refused === '0'")
    batches = [[i for i in b["items"] if i["type"] == "track"] for b in sent]
    assert len(batches) >= 2 and all(sum(len(i["points"]) for i in b) <= most for b in batches), batches
    ids = [i["client_id"] for b in batches for i in b]
    assert scalar(conn, "SELECT count(*) FROM patrol_track WHERE client_id = ANY (%s::uuid[])", ids) == len(walks)


def test_after_signing_out_the_phone_shows_nobody_s_day_offline_or_not(browser, server, make_user, conn,
                                                                        field):  # noqa: F811
    """On a phone shared by a shift: 赵敏 signs out (on the one map, where the bar has 退出); the
    day the phone kept for her offline goes with her. Opened again offline, /field shows no route
    and none of her cases; online, it asks to sign in, and still shows nothing of hers."""
    slug = field["slug"]
    name, token = new_worker(conn, make_user, slug, "zhaomin", GRID_1)
    ctx = browser.new_context(base_url=server, **PHONE)
    signed_in(ctx, server, token)
    pg = ctx.new_page()
    try:
        open_app(pg)
        pg.wait_for_function("() => caches.keys().then(k => k.filter(n => n.startsWith('field-data-')).length === 1)")
        pg.goto(f"/?jurisdiction={slug}")
        pg.click("#logout")
        pg.wait_for_url("**/login**")
        assert pg.evaluate("caches.keys().then(k => k.filter(n => n.startsWith('field-data-')).length)") == 0
        pg.context.set_offline(True)
        pg.goto("/field")
        pg.wait_for_selector("#banner:not([hidden])")
        assert pg.locator("path.leg").count() == 0 and pg.locator("#cases li").count() == 0
        pg.context.set_offline(False)
        pg.reload()
        pg.wait_for_selector("#banner a[href^='/login']")
        assert pg.locator("path.leg").count() == 0
        # signed out, a sheet says so instead of opening empty ("no building nearby" was untrue)
        pg.click("#open-checkin")
        assert pg.locator("#checkin").is_hidden() and pg.locator("#banner a[href^='/login']").is_visible()
        pg.click("#open-report")
        assert pg.locator("#report").is_hidden()
        pg.click("#walk")  # nor a walk: whose, along what?
        assert pg.locator("#walk").get_attribute("aria-pressed") == "false"
        assert pg.evaluate("() => fieldQueue.walk()") is None
        shot(pg, "signed-out")
    finally:
        ctx.close()


def test_the_phone_s_back_button_closes_the_sheet_and_never_returns_to_the_sign_in(browser, server, make_user, conn,
                                                                                     field):  # noqa: F811
    """Back with the report sheet open took her to the sign-in page (signed in still), and the text
    she had typed was gone. Back closes the sheet, keeping it; while choosing the place on the map,
    Back is back to the report; the sign-in page is not a step of history once she is in."""
    name, _ = new_worker(conn, make_user, field["slug"], "backkey", GRID_1, password="worker password")
    ctx = browser.new_context(base_url=server, **PHONE)
    pg = ctx.new_page()
    try:
        pg.goto("/field")  # sent to the sign-in page, as a phone opening the app the first time
        pg.wait_for_url("**/login**")
        log_in(pg, name, "worker password")
        pg.wait_for_url("**/field**")
        pg.wait_for_selector("body[data-ready='1']")
        pg.click("#open-report")
        pg.fill("#case-text", "楼道堆放杂物，堵塞消防通道")
        pg.click("#where-tap")
        assert pg.locator("#pickbar").is_visible()
        pg.go_back()  # choosing the place: back to the form
        pg.wait_for_function("() => !document.getElementById('report').hidden")
        assert urlparse(pg.url).path == "/field" and pg.locator("#pickbar").is_hidden()
        pg.go_back()  # the form closed, on the app still, the text kept
        pg.wait_for_function("() => document.getElementById('report').hidden")
        assert urlparse(pg.url).path == "/field"
        pg.click("#open-report")
        assert pg.locator("#case-text").input_value() == "楼道堆放杂物，堵塞消防通道"
        pg.click("[data-close=report]")
        pg.wait_for_function("() => !(history.state && history.state.sheet)")  # its step taken back
        pg.go_back()  # out of the app: to where she was before it, not to the sign-in page
        pg.wait_for_load_state()
        assert "/login" not in pg.url, pg.url
    finally:
        ctx.close()


def test_a_worker_signs_out_of_the_phone_app_and_signing_in_brings_her_back_to_it(browser, server, make_user, conn,
                                                                                   field):  # noqa: F811
    """/field has its own 退出 (the one map's bar is not where a worker in the street is); signing
    in again, from the page it sends her to or from /login with nowhere asked, opens /field, not
    the office's map; a leader signing in with nowhere asked opens the one map."""
    slug = field["slug"]  # (in the other grid: what the module dispatches to 王芳's stays hers)
    name, _ = new_worker(conn, make_user, slug, "sunli", GRID_2, password="worker password")
    leader = f"leader-{uuid.uuid4().hex[:6]}"
    make_user("leader", slug, username=leader, password="leader password")
    ctx = browser.new_context(base_url=server, **PHONE)
    pg = ctx.new_page()

    try:
        opens_field(pg, name, "worker password")
        pg.click("#who")  # her name in the bar: her account, the office's pages she may open, and the way out
        assert pg.locator("#sign-out").inner_text() == "退出登录" and pg.locator("#sign-out").is_visible()
        assert name in pg.locator("#account-who").inner_text()
        pages = pg.locator("#account-pages a").evaluate_all(
            "(as) => as.map((a) => [a.textContent, a.getAttribute('href')])")
        assert [text for text, _ in pages] == ["事件办理", "我的网格", "一张图"], pages
        assert pages[1][1].startswith(f"/grids/{GRID_2}?jurisdiction={slug}"), pages
        shot(pg, "account")
        session = session_cookie(ctx)
        assert httpx.get(f"{server}/auth/me", headers={"Cookie": session}).status_code == 200
        pg.click("#sign-out")
        pg.wait_for_url("**/login?next=%2Ffield**")
        assert pg.evaluate("caches.keys().then(k => k.filter(n => n.startsWith('field-data-')).length)") == 0
        assert httpx.get(f"{server}/auth/me", headers={"Cookie": session}).status_code == 401  # ended on the service
        log_in(pg, name, "worker password")
        pg.wait_for_url("**/field?lang=zh")
        pg.wait_for_selector("body[data-ready='1']")
        pg.click("#who")
        pg.click("#sign-out")
        pg.wait_for_url("**/login**")
        pg.goto("/login")
        log_in(pg, leader, "leader password")
        pg.wait_for_url(lambda url: urlparse(url).path == "/")
    finally:
        ctx.close()


def in_metres(buildings: list[dict], srid: int) -> list[tuple[dict, Any]]:
    """Each of the phone's buildings with its outline in the jurisdiction's metric CRS."""
    import numpy as np
    import shapely
    from pyproj import Transformer
    from shapely.geometry import shape

    there = Transformer.from_crs(4326, srid, always_xy=True)
    return [(b, shapely.transform(shape(b["outline"]), lambda xy: np.column_stack(there.transform(xy[:, 0], xy[:, 1]))))
            for b in buildings]


def test_a_report_says_where_in_the_street_s_words_and_takes_the_building_at_hand(phone, field):  # noqa: F811
    """Standing 8 m off the end of a long building of her grid (over 30 m from its middle), the
    report sheet says '<building>旁约 8 米', not coordinates, and the case is put at that building."""
    import shapely
    from pyproj import Transformer

    pg = phone
    today = field["worker"].get(f"/field/{field['slug']}/today").json()
    back = Transformer.from_crs(field["srid"], 4326, always_xy=True)
    own = [(b, g) for b, g in in_metres(today["buildings"], field["srid"]) if b["own"]]
    spot = None
    for b, g in own:
        c = g.centroid
        p = shapely.Point(g.bounds[2] + 8, c.y)
        others = min(h.distance(p) for x, h in own if x["id"] != b["id"])
        if others > 20 and p.distance(c) > 36:
            spot = b, back.transform(p.x, p.y)
            break
    assert spot, "no building of her grid stands alone at its end"
    b, (lon, lat) = spot
    open_app(pg)
    pg.context.set_geolocation({"longitude": lon, "latitude": lat, "accuracy": 3})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{lon:.6f},{lat:.6f}")
    pg.click("#open-report")
    where = pg.locator("#where-text").inner_text()
    assert where.startswith(f"{b['name']}旁约 8 米") and "116." not in where, where
    assert pg.locator("#case-building").input_value() == str(b["id"])
    shot(pg, "report-where")


def test_a_report_at_another_grid_s_building_offers_none_of_hers_far_off(phone, field):  # noqa: F811
    """At a building of another grid, 100 m and more from any of hers, the report says where (that
    building) and offers none of hers: the list offered her grid's 400 m away, and one taken sent
    the case to the wrong block. The case goes by its point; a note says so."""
    pg = phone
    today = field["worker"].get(f"/field/{field['slug']}/today").json()
    metric = in_metres([b for b in today["buildings"] if b["outline"]], field["srid"])
    hers = [g for b, g in metric if b["own"]]
    away = [b for b, g in metric if not b["own"] and b["name"] and min(g.distance(h) for h in hers) > 130]
    assert hers and away, "no building of another grid on her phone stands far from hers"
    b = away[0]
    open_app(pg)
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 5})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")
    pg.click("#open-report")
    assert pg.locator("#where-text").inner_text().startswith(f"在{b['name']}")
    assert pg.locator("#case-building option").all_inner_texts() == ["不指定楼栋（只记位置）"]
    assert pg.locator("#building-note").is_visible()
    shot(pg, "report-other-grid")
    # back at one of hers, hers are offered again and the note is gone
    mine = next(x for x in today["buildings"] if x["own"])
    pg.context.set_geolocation({"longitude": mine["lon"], "latitude": mine["lat"], "accuracy": 5})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{mine['lon']:.6f},{mine['lat']:.6f}")
    pg.click("#where-here")
    assert pg.locator("#case-building").input_value() == str(mine["id"])
    assert not pg.locator("#building-note").is_visible()


def test_her_grid_is_tinted_and_named_and_a_building_tapped_says_its_compound(phone, field):  # noqa: F811
    """Her grid is tinted and named on the map (it read as one more grey, its outline under the
    route); the compounds are named, and a building tapped says its whole name: four compounds each
    have an 8号楼, and the map named them by number alone."""
    pg = phone
    today = field["worker"].get(f"/field/{field['slug']}/today").json()
    open_app(pg)
    assert pg.locator("path.my-grid").count() == 1
    assert today["grid"]["name"] in pg.locator(".label.grid").inner_text()
    assert today["compounds"] and {c["name"] for c in today["compounds"]} <= set(
        pg.locator(".label.compound").all_text_contents())
    b = next(x for x in today["buildings"] if x["own"] and x["name"])
    pg.evaluate("([lat, lon]) => gridmapMap.setView([lat, lon], 18, { animate: false })", [b["lat"], b["lon"]])
    pg.wait_for_timeout(300)
    at = pg.evaluate("""([lat, lon]) => { const p = gridmapMap.latLngToContainerPoint([lat, lon]);
        const box = document.getElementById('map').getBoundingClientRect(); return [box.x + p.x, box.y + p.y]; }""",
                     [b["lat"], b["lon"]])
    pg.touchscreen.tap(*at)
    pg.wait_for_selector(".leaflet-tooltip", timeout=3000)
    assert b["name"] in pg.locator(".leaflet-tooltip").inner_text()
    shot(pg, "building-tapped")


def test_a_street_turns_green_as_it_is_walked_and_stays_so_for_the_day(phone, field, conn):  # noqa: F811
    """Walking the route's first leg turns it green at once, on the phone (offline too), and the
    next leg is named; the legs of other streets stay to do. Sent and matched, and the page opened
    again, the leg walked stays green: kept for the day on the phone (the service counts a street
    walked past half its length, so a leg that is part of a street the start splits would not be)."""
    pg, slug = phone, field["slug"]
    today = field["worker"].get(f"/field/{slug}/today").json()
    legs = [leg for leg in sorted(today["legs"], key=lambda leg: leg["seq"]) if leg["edge_id"] not in today["walked"]]
    first = legs[0]  # the first street still to walk (others of this phone's day may be walked already)
    after = [leg for leg in legs if leg["edge_id"] != first["edge_id"]]
    open_app(pg)
    pg.context.set_offline(True)
    pg.wait_for_selector("#net.offline")
    pg.click("#walk")
    fixes = walk_points([first], field["srid"], datetime.now(UTC), count=1)
    for p in fixes:
        pg.context.set_geolocation({"longitude": p["lon"], "latitude": p["lat"], "accuracy": 6})
        pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{p['lon']:.6f},{p['lat']:.6f}")
    done = "() => [...document.querySelectorAll('path.leg.done')].length"
    pg.wait_for_function(f"{done} >= 1")
    assert f"下一段：{after[0]['seq']}." in pg.locator("#route-text").inner_text()
    # the legs along the street walked are done (the route walks it again at its end), no other
    assert pg.locator("path.leg.todo").count() == len(after)
    shot(pg, "walking-progress")
    stop_walk(pg)
    pg.context.set_offline(False)
    pg.click("#queue-button")
    pg.click("#sync-now")
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.body.dataset.refused === '0'")
    pg.click("[data-close=queue]")
    pg.wait_for_function(f"{done} >= 1")
    assert f"下一段：{after[0]['seq']}." in pg.locator("#route-text").inner_text()
    pg.reload()
    pg.wait_for_selector("body[data-ready='1']")
    pg.wait_for_function(f"{done} >= 1")
    assert f"下一段：{after[0]['seq']}." in pg.locator("#route-text").inner_text()  # as the map, from the start
    kept = pg.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('gridmap-field-done-'))"
                       ".flatMap((k) => JSON.parse(localStorage.getItem(k)))")
    assert f"{first['seq']}:{first['edge_id']}" in kept  # kept for the day on the phone, whatever the service counts


def test_a_walk_started_and_stopped_at_once_is_not_sent_to_be_refused(phone, field):  # noqa: F811
    """开始巡查 and 结束巡查 tapped at once (or a walk that never left the spot): nothing is queued
    to come back refused ("too short"); the phone says the walk was not kept."""
    pg = phone
    open_app(pg)
    pg.click("#walk")
    pg.wait_for_selector("#walk[aria-pressed=true]")
    pg.click("#walk")  # one tap asks for another: the walk goes on meanwhile
    assert pg.locator("#walk").inner_text() == "再点一次结束巡查"
    assert pg.evaluate("() => fieldQueue.walk().then((w) => w !== null)")
    pg.click("#walk")
    pg.wait_for_selector("#walk[aria-pressed=false]")
    pg.wait_for_function("() => document.getElementById('banner').textContent.includes('未保存')")
    assert pg.evaluate("() => fieldQueue.all().then((a) => a.filter((i) => i.type === 'track').length)") == 0
    assert "error" not in (pg.locator("#banner").get_attribute("class") or "")


# Pixels between the worker's dot and the middle of the map.
OFFSET = """(() => {
  const m = document.getElementById('map').getBoundingClientRect();
  const me = document.querySelector('path.me').getBoundingClientRect();
  return Math.hypot(me.x + me.width / 2 - (m.x + m.width / 2), me.y + me.height / 2 - (m.y + m.height / 2));
})()"""


def centre_offset(pg) -> float:
    return pg.evaluate(f"() => {OFFSET}")


def centred(pg) -> None:
    """Wait until the map (moving, animated) has the worker's dot in its middle."""
    pg.wait_for_function(f"() => {OFFSET} < 3")


def test_the_map_tells_the_worker_from_cases_and_office_names_buildings_and_follows_her(phone, field):  # noqa: F811
    """The one blue dot on the phone's map is the worker: the office is a label, cases are
    pins in their urgency's colour saying how many are at the spot (two at one building read "2",
    and a tap lists both first in 我的事件). ◎ centres on her near enough for the buildings to be
    named, and the map follows her as she walks, until she drags it. The summary says the distance
    still to walk."""
    pg, slug = phone, field["slug"]
    today = field["worker"].get(f"/field/{slug}/today").json()
    b = today["buildings"][1]
    reports = [{"type": "case", "client_id": str(uuid.uuid4()), "category": today["categories"][0]["code"],
                "description": text, "where": {"type": "Point", "coordinates": [b["lon"], b["lat"]]},
                "at": datetime.now(UTC).isoformat()} for text in ("垃圾满溢", "楼道堆物")]  # hers, at one spot
    sent = field["worker"].post(f"/field/{slug}/sync", json={"items": reports}).json()["results"]
    first, second = (r["id"] for r in sent)
    open_app(pg)
    # one pin for both (and any case the module's other tests reported at that building), saying how many
    pin = pg.locator(f".case-pin[title~='#{first}'][title~='#{second}']")
    here = [int(x[1:]) for x in pin.get_attribute("title").split()]
    assert pin.inner_text() == str(len(here)) and len(here) >= 2
    # the walk begins at the office: one label says both (no dot, nor a square under the start's)
    assert pg.locator(".start-pin").inner_text() == "起点 · 社区办公室" and pg.locator(".office-pin").count() == 0
    blue = pg.evaluate("""() => [...document.querySelectorAll('path[fill-opacity="1"]')]
      .filter((p) => /^#(1e88e5|2563eb|0b5cab)$/i.test(p.getAttribute('fill'))).map((p) => p.getAttribute('class'))""")
    assert len(blue) == 1 and "me" in blue[0].split(), blue  # the worker's dot alone
    assert pg.locator("#route-text").inner_text().count("公里") == 2  # the route's length and what is left of it
    assert "还需走" in pg.locator("#route-text").inner_text() and "约" in pg.locator("#route-text").inner_text()
    shot(pg, "map-pins")
    # the map moved until the start is by its right edge: its label moved in, read whole (it was cut)
    frame, label = pg.locator("#map").bounding_box(), pg.locator(".start-pin span").bounding_box()
    dx = frame["x"] + frame["width"] - 6 - (label["x"] + label["width"] / 2)
    pg.evaluate("dx => gridmapMap.panBy([-dx, 0], { animate: false })", dx)
    pg.wait_for_function("""() => { const f = document.getElementById("map").getBoundingClientRect(),
        b = document.querySelector(".start-pin span").getBoundingClientRect();
        return b.left >= f.left && b.right <= f.right; }""")
    pg.evaluate("dx => gridmapMap.panBy([dx, 0], { animate: false })", dx)
    pin.click()
    pg.wait_for_selector("#cases:not([hidden])")
    listed = pg.evaluate("n => [...document.querySelectorAll('#case-list li')].slice(0, n)"
                         ".map((li) => [Number(li.dataset.case), li.classList.contains('marked')])", len(here))
    assert sorted(listed) == sorted([[x, True] for x in here]), listed  # listed first, and marked
    pg.click("[data-close=cases]")
    # centre on me: near enough to name the buildings, and following
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 5})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")
    pg.click("#follow")
    pg.wait_for_selector("#follow[aria-pressed=true]")
    centred(pg)
    named = pg.locator(".label.building:not(.hidden)")
    pg.wait_for_function("() => document.querySelectorAll('.label.building:not(.hidden)').length >= 3")
    names = [x["name"] or "" for x in today["buildings"]]  # each by its number (3号楼) or its whole name
    assert all(any(n.endswith(text) for n in names) for text in named.all_inner_texts()), named.all_inner_texts()
    shot(pg, "following")
    c = today["buildings"][2]
    pg.context.set_geolocation({"longitude": c["lon"], "latitude": c["lat"], "accuracy": 5})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{c['lon']:.6f},{c['lat']:.6f}")
    centred(pg)  # followed her
    box = pg.locator("#map").bounding_box()
    pg.mouse.move(box["x"] + 100, box["y"] + 100)
    pg.mouse.down()
    pg.mouse.move(box["x"] + 220, box["y"] + 180, steps=6)
    pg.mouse.up()
    pg.wait_for_selector("#follow[aria-pressed=false]")
    moved = centre_offset(pg)
    pg.context.set_geolocation({"longitude": b["lon"], "latitude": b["lat"], "accuracy": 5})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{b['lon']:.6f},{b['lat']:.6f}")
    pg.wait_for_timeout(400)
    assert moved > 50 and centre_offset(pg) > 50  # dragged away: the map stays where she put it


def test_no_name_lies_under_the_worker_s_dot_or_an_arrow(phone, field):  # noqa: F811
    """Standing where a street's name is written, the worker's dot does not cover it: the name
    moves to a free place (it went under the dot, and a worker on 金汇路 could not read where she was).
    The route's arrows keep off the names too (one went through the middle of 电厂路)."""
    pg = phone
    open_app(pg)
    pg.evaluate("() => gridmapMap.setZoom(17, { animate: false })")
    pg.wait_for_selector(".label.street:not(.hidden)")
    name = pg.locator(".label.street:not(.hidden)").first
    text, box = name.inner_text(), name.locator("> *").first.bounding_box()
    frame = pg.locator("#map").bounding_box()
    where = pg.evaluate("p => { const l = gridmapMap.containerPointToLatLng(p); return [l.lng, l.lat]; }",
                        [box["x"] + box["width"] / 2 - frame["x"], box["y"] + box["height"] / 2 - frame["y"]])
    pg.context.set_geolocation({"longitude": where[0], "latitude": where[1], "accuracy": 5})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{where[0]:.6f},{where[1]:.6f}")
    covered = """() => { const me = document.querySelector("path.me").getBoundingClientRect();
      return [...document.querySelectorAll(".label:not(.hidden) > *")]
        .map((n) => [n.textContent, n.getBoundingClientRect()])
        .filter(([, b]) => b.left < me.right && me.left < b.right && b.top < me.bottom && me.top < b.bottom)
        .map(([t]) => t); }"""
    pg.wait_for_function(f"() => ({covered})().length === 0")
    assert pg.evaluate(covered) == []
    assert text in pg.locator(".label.street:not(.hidden)").all_inner_texts()  # still named, elsewhere
    under_arrows = pg.evaluate("""() => {
      const names = [...document.querySelectorAll(".label:not(.hidden) > *")];
      return [...document.querySelectorAll(".leg-arrow")].map((a) => a.getBoundingClientRect()).flatMap((a) => names
        .filter((n) => { const b = n.getBoundingClientRect();
                         return b.left < a.right && a.left < b.right && b.top < a.bottom && a.top < b.bottom; })
        .map((n) => n.textContent)); }""")
    assert pg.locator(".leg-arrow").count() > 3 and under_arrows == [], under_arrows
    shot(pg, "dot-clear-of-names")


def test_a_report_made_offline_is_in_my_cases_at_once_and_arrives_saying_where_it_was(phone, field, conn):  # noqa: F811
    """Reported with no signal, a case is in 我的事件 at once, said to be waiting to be sent, with
    where it is in words; the banner cuts a long description at a mark of punctuation, with …;
    sent, the case keeps those words as its address, for whoever handles it."""
    pg, slug = phone, field["slug"]
    today = field["worker"].get(f"/field/{slug}/today").json()
    b = next(x for x in today["buildings"] if x["own"] and x["name"])
    text = "单元门口堆放大量装修垃圾，影响通行，需尽快清运处理"
    open_app(pg)
    offline_at(pg, b, accuracy=4)
    pg.click("#open-report")
    words = pg.locator("#where-text").get_attribute("data-words")
    assert words == f"在{b['name']}", words
    pg.select_option("#category", index=1)
    pg.check("input[name=urgency][value=red]")
    pg.fill("#case-text", text)
    pg.click("#do-report")
    pg.wait_for_function("() => document.body.dataset.waiting === '1'")
    pg.click("#open-report")  # the next report is as urgent as it is said to be, never as the last one
    assert pg.locator("input[name=urgency][value=blue]").is_checked() and pg.locator("#category").input_value() == ""
    pg.click("[data-close=report]")
    assert "单元门口堆放大量装修垃圾，影响通行…" in pg.locator("#banner").inner_text()
    pg.click("#open-cases")
    pg.wait_for_selector("#cases:not([hidden])")
    waiting = pg.locator("#case-list li[data-queued]")
    assert waiting.count() == 1
    said = waiting.inner_text()
    assert text in said and words in said and "未同步" in said, said
    shot(pg, "my-cases-offline")
    pg.click("[data-close=cases]")
    # and on the map where she made it, a pin said not sent yet (it was nowhere on the map)
    unsent = pg.locator(".case-pin.unsent")
    assert unsent.count() == 1 and "urgency-red" in unsent.get_attribute("class")
    shot(pg, "unsent-pin")
    pg.context.set_offline(False)
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.body.dataset.refused === '0'")
    assert pg.locator(".case-pin.unsent").count() == 0  # sent: the service's case pin stands there now
    assert scalar(conn, "SELECT address FROM case_record WHERE description = %s", text) == words
    pg.click("#open-cases")
    pg.wait_for_selector("#cases:not([hidden])")
    arrived = pg.locator("#case-list li[data-case]", has_text=text)
    assert arrived.count() == 1 and words in arrived.inner_text()
    assert pg.locator("#case-list li[data-queued]").count() == 0


def test_signing_out_with_no_signal_ends_the_session_once_there_is_one(browser, server, make_user, conn,
                                                                        field):  # noqa: F811
    """On a shared phone with no signal, 退出登录 cannot reach the service and no page can clear
    the session's cookie: the sign-out is remembered, and the next time the app opens with a
    signal it ends the session before asking anything, so the next person is never the last. A
    sign-out the service answers with an error (503, a proxy's 502) is remembered the same way; and
    the next one to sign in meanwhile keeps her own session (the last one's is ended first)."""
    from gis import db as gdb
    from gis.field_store import link_worker

    slug, name, other = field["slug"], f"zhouli-{uuid.uuid4().hex[:6]}", f"wuhua-{uuid.uuid4().hex[:6]}"
    for user in (name, other):
        make_user("worker", slug, GRID_1, username=user, password="worker password")
        with gdb.transaction(conn) as cur:
            link_worker(cur, user, slug, "王芳")
    ctx = browser.new_context(base_url=server, **PHONE)
    pg = ctx.new_page()
    pending = "() => localStorage.getItem('gridmap-sign-out-pending') === '1'"

    def alive(cookie: str) -> bool:
        return httpx.get(f"{server}/auth/me", headers={"Cookie": cookie}).status_code == 200

    def sign_out() -> None:
        pg.click("#who")
        pg.click("#sign-out")

    try:
        opens_field(pg, name, "worker password", asked=True)
        pg.wait_for_function("() => navigator.serviceWorker.controller !== null")
        first = session_cookie(ctx)
        # no signal: remembered (seen from the app opened again, still offline), not ended yet
        pg.context.set_offline(True)
        sign_out()
        again = ctx.new_page()
        again.goto("/field")  # the service worker's copy
        again.wait_for_function(pending)
        again.close()
        assert alive(first)
        pg.context.set_offline(False)
        pg.goto("/field")
        pg.wait_for_selector("#banner a[href^='/login']")  # signed out, as she left it
        assert not alive(first) and not pg.evaluate(pending)
        assert pg.locator("path.leg").count() == 0
        # the service answering 503: remembered too; the next to sign in ends it first, and keeps hers
        opens_field(pg, name, "worker password", asked=True)
        second = session_cookie(ctx)
        pg.route("**/auth/logout", lambda route: route.fulfill(status=503, body="busy"))
        sign_out()
        pg.wait_for_url("**/login**")
        pg.wait_for_function(pending)
        assert alive(second)
        pg.unroute("**/auth/logout")
        log_in(pg, other, "worker password")  # on the sign-in page the sign-out led to
        pg.wait_for_url("**/field**")
        pg.wait_for_selector("body[data-ready='1']")
        assert not alive(second) and alive(session_cookie(ctx)) and not pg.evaluate(pending)
    finally:
        ctx.close()


def test_a_case_given_to_her_while_the_app_is_open_reaches_it_and_is_said(phone, field, conn):  # noqa: F811
    """A red case the office gives her while the app is open reaches the phone when it comes back
    to the front (and every two minutes in front), said in red, a filled pin on the map; a case she
    only reported is a hollow pin; a case she marked handled is no longer a pin."""
    pg, slug, lead, w = phone, field["slug"], field["leader"], field["worker"]
    today = w.get(f"/field/{slug}/today").json()
    b = today["buildings"][4]
    open_app(pg)
    with pg.expect_response(lambda r: r.url.endswith(f"/field/{slug}/today") and r.status == 304):
        pg.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")  # nothing new: 304, no data
    reported = lead.post(f"/cases/{slug}", json={"category": today["categories"][0]["code"], "urgency": "red",
                                                  "description": "消防通道堵塞",
                                                  "at": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}})
    case_id = reported.json()["id"]
    given = lead.post(f"/cases/{slug}/{case_id}/transitions", json={"to": "accepted", "assignee": "王芳"},
                      headers={"If-Match": reported.headers["ETag"]})  # (the module's tests add workers to her grid)
    assert given.status_code == 200 and given.json()["assignee"] == "王芳", given.text
    pg.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")  # the app back in front
    pg.wait_for_function("id => document.getElementById('banner').textContent.includes('#' + id)", arg=case_id)
    said = pg.locator("#banner")
    assert "新派给您 1 件事件" in said.inner_text() and "紧急" in said.inner_text()
    assert "error" in (said.get_attribute("class") or "")  # a red case is said in red
    # 我的事件 counts hers, and those given to her still to handle apart (they were one number)
    given = [c for c in w.get(f"/field/{slug}/today").json()["cases"]
             if c["assigned"] and c["state"] not in ("handled", "verified", "closed")]
    assert pg.locator("#cases-todo").inner_text() == f"待办 {len(given)}"
    # one given while the app is shut is said when it opens (it opened knowing none, and took all as known)
    pg.goto("about:blank")
    b = today["buildings"][5]
    shut = lead.post(f"/cases/{slug}", json={"category": today["categories"][0]["code"], "description": "楼道灯不亮",
                                              "at": {"type": "Point", "coordinates": [b["lon"], b["lat"]]}})
    later = shut.json()["id"]
    assert lead.post(f"/cases/{slug}/{later}/transitions", json={"to": "accepted", "assignee": "王芳"},
                     headers={"If-Match": shut.headers["ETag"]}).status_code == 200
    open_app(pg)
    pg.wait_for_function("id => document.getElementById('banner').textContent.includes('#' + id)", arg=later)
    assert "新派给您 1 件事件" in said.inner_text()
    # opened with none seen on this phone (first use, signed in again): what waits for her, by number
    pg.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('gridmap-field-seen-'))"
                ".forEach((k) => localStorage.removeItem(k))")
    waiting = [c for c in w.get(f"/field/{slug}/today").json()["cases"]
               if c["assigned"] and c["state"] not in ("handled", "verified", "closed")]
    open_app(pg)
    pg.wait_for_function("() => document.getElementById('banner').textContent.includes('待处理')")
    assert f"有 {len(waiting)} 件派给您的事件待处理" in said.inner_text()
    pin = pg.locator(f".case-pin[title~='#{case_id}']")
    assert "urgency-red" in pin.get_attribute("class") and "reported" not in pin.get_attribute("class")
    shot(pg, "case-given")
    mine = [{"type": "case", "client_id": str(uuid.uuid4()), "category": today["categories"][0]["code"],
             "description": "井盖松动", "at": datetime.now(UTC).isoformat(),
             "where": {"type": "Point", "coordinates": [today["buildings"][6]["lon"], today["buildings"][6]["lat"]]}}]
    own = w.post(f"/field/{slug}/sync", json={"items": mine}).json()["results"][0]["id"]
    case = next(c for c in w.get(f"/field/{slug}/today").json()["cases"] if c["id"] == case_id)
    handled = w.post(f"/field/{slug}/sync", json={"items": [{"type": "handled", "client_id": str(uuid.uuid4()),
                                                             "case_id": case_id, "version": case["version"],
                                                             "note": "已清理"}]})
    assert handled.json()["results"][0]["status"] == "created", handled.text
    pg.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
    pg.wait_for_selector(f".case-pin[title~='#{own}']")
    assert "reported" in pg.locator(f".case-pin[title~='#{own}']").get_attribute("class")
    assert pg.locator(f".case-pin[title~='#{case_id}']").count() == 0  # hers is done: the office's now


def test_my_cases_puts_what_is_due_first_shows_its_photos_and_where_it_is(phone, field, conn):  # noqa: F811
    """Hers to handle first, the one due soonest at the top (a red case due in 2 hours was under a
    blue one due in 3 days); the photos themselves, not "1 张照片"; a way to see the case on the
    map; the handling sheet says what and where; a long description says how much is left."""
    from tests.test_field import jpeg

    pg, slug, lead, w = phone, field["slug"], field["leader"], field["worker"]
    today = w.get(f"/field/{slug}/today").json()

    blue = given_to_her(field, today["buildings"][2], "路灯不亮", "blue")
    red = given_to_her(field, today["buildings"][3], "消防通道堵塞", "red")
    photo = lead.post(f"/cases/{slug}/{red}/photos", params={"stage": "before"}, content=jpeg(),
                      headers={"Content-Type": "image/jpeg"})
    assert photo.status_code == 201, photo.text
    open_app(pg)
    pg.click("#open-cases")
    order = pg.locator("#case-list li[data-case]").evaluate_all("(xs) => xs.map((x) => Number(x.dataset.case))")
    assert order.index(red) < order.index(blue), order
    card = pg.locator(f"#case-list li[data-case='{red}']")
    card.locator(".thumbs img").first.wait_for()
    pg.wait_for_function("id => { const i = document.querySelector(`#case-list li[data-case='${id}'] .thumbs img`);"
                         " return i && i.complete && i.naturalWidth > 0; }", arg=red)
    shot(pg, "my-cases")
    card.locator(".handle").click()
    assert "消防通道堵塞" in pg.locator("#handle-what").inner_text()
    pg.click("[data-close=handle]")
    pg.click("#open-cases")
    pg.locator(f"#case-list li[data-case='{red}'] .show-on-map").click()
    pg.wait_for_function("id => document.body.dataset.shown === String(id)", arg=red)
    assert pg.locator("#cases").is_hidden()
    b = today["buildings"][3]
    centre = pg.evaluate("() => { const c = gridmapMap.getCenter(); return [c.lng, c.lat]; }")
    assert abs(centre[0] - b["lon"]) < 1e-4 and abs(centre[1] - b["lat"]) < 1e-4
    pg.click("#open-report")
    pg.fill("#case-text", "长" * 1850)
    count = pg.locator("#case-text-count")
    assert count.inner_text() == "1850/2000 字" and "near" in (count.get_attribute("class") or "")


def test_a_case_s_place_tapped_on_the_map_is_seen_said_and_can_be_tapped_again(phone, field, conn):  # noqa: F811
    """The report's 在地图上点选 leaves the map free under a short bar: a tap outside the community
    is said at once and not taken; a tap at a building says it in words and can be tapped again
    (one mark on the map, moved); 用这个位置 brings the form back with that place and building;
    picking again and going 返回 keeps it; the case arrives there. (Each tap is made on the worker's
    own dot, which takes no tap, with the map following her: a place the test knows.)"""
    from shapely.geometry import shape

    pg, slug = phone, field["slug"]
    today = field["worker"].get(f"/field/{slug}/today").json()
    own = [x for x in today["buildings"] if x["own"] and x["name"]]
    a, b = own[0], own[-1]
    west, south, east, north = shape(today["boundary"]).bounds
    away = {"lon": (west + east) / 2, "lat": north + 0.002}  # about 200 m north of the community

    def stand_and_tap(at):
        pg.context.set_geolocation({"longitude": at["lon"], "latitude": at["lat"], "accuracy": 5})
        pg.wait_for_function("want => document.body.dataset.position === want",
                             arg=f"{at['lon']:.6f},{at['lat']:.6f}")
        pg.wait_for_function("""() => { const d = document.querySelector('path.me').getBoundingClientRect(),
            m = document.getElementById('map').getBoundingClientRect();
            return Math.abs(d.x + d.width / 2 - (m.x + m.width / 2)) < 2
                && Math.abs(d.y + d.height / 2 - (m.y + m.height / 2)) < 2; }""")  # the map followed her
        box = pg.locator("path.me").bounding_box()
        pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    marks = ".leaflet-marker-icon[title='事件位置']"
    text = f"路灯不亮 {uuid.uuid4().hex[:6]}"
    open_app(pg)
    pg.context.set_geolocation({"longitude": a["lon"], "latitude": a["lat"], "accuracy": 5})
    pg.wait_for_function("want => document.body.dataset.position === want", arg=f"{a['lon']:.6f},{a['lat']:.6f}")
    pg.click("#follow")
    pg.wait_for_selector("#follow[aria-pressed=true]")
    pg.click("#open-report")
    pg.select_option("#category", index=1)
    pg.fill("#case-text", text)
    pg.click("#where-tap")
    assert pg.locator("#pickbar").is_visible() and not pg.locator("#report").is_visible()
    assert pg.locator("#pick-words").inner_text() == "请在地图上点一下事件位置"
    assert pg.locator("#pick-use").is_disabled()
    # the bar leaves most of the map to tap
    bar, mapbox = pg.locator("#pickbar").bounding_box(), pg.locator("#map").bounding_box()
    assert bar["y"] - mapbox["y"] > mapbox["height"] * 0.6, (bar, mapbox)
    stand_and_tap(away)
    pg.wait_for_selector("#pick-words.warn")
    assert "本社区之外" in pg.locator("#pick-words").inner_text() and pg.locator("#pick-use").is_disabled()
    stand_and_tap(a)
    pg.wait_for_function("want => document.getElementById('pick-words').textContent === want", arg=f"在{a['name']}")
    stand_and_tap(b)
    pg.wait_for_function("want => document.getElementById('pick-words').textContent === want", arg=f"在{b['name']}")
    assert pg.locator(marks).count() == 1 and pg.locator("#pick-use").is_enabled()
    shot(pg, "pick-place")
    pg.click("#pick-use")
    assert pg.locator("#report").is_visible() and not pg.locator("#pickbar").is_visible()
    assert pg.locator("#where-text").get_attribute("data-words") == f"在{b['name']}"
    assert pg.locator("#case-building").input_value() == str(b["id"])
    assert pg.locator("#where-tap").get_attribute("class") == "pill on"
    # chosen again and left with 返回: the place the form had stays, wherever she now stands
    pg.click("#where-tap")
    assert pg.locator("#pick-words").inner_text() == f"在{b['name']}" and pg.locator("#pick-use").is_enabled()
    stand_and_tap(a)
    pg.wait_for_function("want => document.getElementById('pick-words').textContent === want", arg=f"在{a['name']}")
    pg.click("#pick-back")
    assert pg.locator("#where-text").get_attribute("data-words") == f"在{b['name']}"
    assert pg.locator(marks).count() == 1
    pg.click("#do-report")
    pg.wait_for_selector(marks, state="detached")  # reported: the mark goes with the form
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.getElementById('banner')"
                         ".textContent.includes('已同步')")
    row = scalar(conn, "SELECT json_build_array(address, building_id, ST_X(ST_Transform(geom, 4326)),"
                       " ST_Y(ST_Transform(geom, 4326))) FROM case_record WHERE description = %s", text)
    assert row[:2] == [f"在{b['name']}", b["id"]]
    assert abs(row[2] - b["lon"]) < 4e-5 and abs(row[3] - b["lat"]) < 4e-5, row  # the tapped pixel: within 3 m


def test_the_next_to_sign_in_never_sees_the_last_one_s_day_however_her_session_ended(browser, server, make_user,
                                                                                     conn, field):  # noqa: F811
    """A shared phone whose worker never signed out: her session simply ended (the cookie gone,
    as at its expiry). A department user signing in at /login?next=/field sees none of her day
    (the page was the service worker's copy, and a refused /today fell back to the day kept);
    and, her session past its end, the phone with no signal shows her day to nobody."""
    slug = field["slug"]
    name, _ = new_worker(conn, make_user, slug, "zhouli", GRID_2, password="worker password")
    clerk = f"dept-{uuid.uuid4().hex[:6]}"
    make_user("department", slug, username=clerk, password="clerk password", department="urban_management")
    kept = "() => caches.keys().then(k => k.filter(n => n.startsWith('field-data-')).length)"
    ctx = browser.new_context(base_url=server, **PHONE)
    pg = ctx.new_page()
    try:
        opens_field(pg, name, "worker password")
        pg.wait_for_function(f"() => ({kept})().then(n => n === 1)")
        assert name in pg.locator("#worker").inner_text() and pg.locator("path.leg").count() > 0
        ctx.clear_cookies()  # her session is over; she never signed out
        opens_field(pg, clerk, "clerk password", asked=True)
        assert name not in pg.locator("body").inner_text()
        assert pg.locator("path.leg").count() == 0 and pg.locator("#case-list li[data-case]").count() == 0
        assert pg.locator("#banner").is_visible()  # why there is nothing: the service's refusal
        assert pg.evaluate(kept) == 0
        # she signs in again; her account refused its day (403) while one is kept: the refusal is
        # said, the day kept is not shown in its place
        ctx.clear_cookies()
        opens_field(pg, name, "worker password", asked=True)
        pg.wait_for_function(f"() => ({kept})().then(n => n === 1)")
        refusal = {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": "没有权限"}
        ctx.route("**/field/*/today", lambda route: route.fulfill(status=403, json=refusal))
        pg.reload()
        pg.wait_for_selector("body[data-ready='1']")
        assert pg.locator("path.leg").count() == 0 and "没有权限" in pg.locator("#banner").inner_text()
        ctx.unroute("**/field/*/today")
        pg.reload()
        pg.wait_for_selector("body[data-ready='1']")
        pg.wait_for_function(f"() => ({kept})().then(n => n === 1)")
        assert pg.locator("path.leg").count() > 0
        # and her session runs out (12 hours on) with the app open, the phone in a cellar: the day
        # goes from the screen when the app is next in front, and from the phone
        pg.click("#walk")
        pg.wait_for_function("() => fieldQueue.walk().then((w) => w !== null)")
        pg.evaluate("() => localStorage.setItem('gridmap-session-ends', String(Date.now() - 1000))")
        ctx.set_offline(True)
        pg.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")
        pg.wait_for_function("() => document.querySelectorAll('path.leg').length === 0")
        assert name not in pg.locator("#worker").inner_text() or pg.locator("#worker").inner_text() == ""
        assert pg.evaluate("() => fieldQueue.walk()") is None  # her walk ended, as hers
        pg.wait_for_function(f"() => ({kept})().then(n => n === 0)")
        ctx.clear_cookies()
        pg.reload()
        pg.wait_for_selector("body[data-ready='1']")
        pg.wait_for_selector("#banner a[href^='/login']")
        assert name not in pg.locator("body").inner_text() and pg.locator("path.leg").count() == 0
        shot(pg, "session-over-offline")
    finally:
        ctx.close()


def test_a_check_in_or_report_kept_by_mistake_is_taken_back_before_it_is_sent(phone, field, conn):  # noqa: F811
    """A check-in at the wrong building and a report made twice, kept with no signal: each is
    taken back from the queue (asked once), the report with its photo, and never reaches the
    service; what she meant to keep is sent. (Only a refused record or a colleague's could be
    deleted: her own mistakes waited to be sent.) A walk is never offered: it is what she walked."""
    pg, slug = phone, field["slug"]
    b = field["worker"].get(f"/field/{slug}/today").json()["buildings"][0]
    open_app(pg)
    offline_at(pg, b, accuracy=5)
    pg.click("#open-checkin")
    pg.fill("#visit-note", "撤回测试：签错楼栋")
    check_in(pg)
    kept, mistaken = "撤回测试：楼道灯不亮", "撤回测试：楼道灯不亮（重复）"
    for text, photos in ((kept, []), (mistaken, [photo(21)])):
        pg.click("#open-report")
        pg.select_option("#category", index=1)
        pg.fill("#case-text", text)
        if photos:
            pg.set_input_files("#case-photos", photos)
            pg.wait_for_selector("#case-thumbs img")
        pg.click("#do-report")
    pg.wait_for_function("() => document.body.dataset.waiting === '4'")  # a check-in, two reports, a photo
    pg.click("#queue-button")
    offered = pg.locator("#queue-list li:has(button.take-back)")
    # the list is drawn from the phone's queue once the sheet opens (it was read before it was drawn)
    pg.wait_for_function("() => document.querySelectorAll('#queue-list li button.take-back').length === 3")
    assert sorted(offered.evaluate_all("l => l.map(li => li.dataset.type)")) == ["case", "case", "visit"]
    shot(pg, "queue-take-back")
    asked: list[str] = []
    pg.on("dialog", lambda d: (asked.append(d.message), d.accept()))
    pg.locator("#queue-list li[data-type=visit] button.take-back").click()
    pg.wait_for_function("() => document.body.dataset.waiting === '3'")
    pg.locator("#queue-list li", has_text="（重复）").locator("button.take-back").click()
    pg.wait_for_function("() => document.body.dataset.waiting === '1'")  # the report and its photo
    assert len(asked) == 2 and "撤回" in asked[0] and "（重复）" in asked[1], asked
    assert "已撤回" in pg.locator("#banner").inner_text()
    before = fingerprint(conn)
    pg.context.set_offline(False)
    pg.wait_for_function("() => document.body.dataset.waiting === '0' && document.body.dataset.refused === '0'")
    assert scalar(conn, "SELECT count(*) FROM case_record WHERE description = %s", kept) == 1
    assert scalar(conn, "SELECT count(*) FROM case_record WHERE description = %s", mistaken) == 0
    assert scalar(conn, "SELECT count(*) FROM visit WHERE note = %s", "撤回测试：签错楼栋") == 0
    assert fingerprint(conn) != before  # the one kept arrived


def test_a_long_description_shows_its_first_lines_and_the_rest_on_a_tap(phone, field):  # noqa: F811
    """A hotline ticket's description runs to hundreds of characters: its card showed all of it,
    and the next case and the card's own buttons were screens away. Four lines, then 展开全文."""
    pg = phone
    today = field["worker"].get(f"/field/{field['slug']}/today").json()
    text = "市民来电反映：" + "小区东门外人行道上长期堆放建筑垃圾和废旧家具，影响居民出行，雨天污水外溢。" * 8
    case_id = given_to_her(field, today["buildings"][4], text)
    short = given_to_her(field, today["buildings"][5], "井盖松动")
    open_app(pg)
    pg.click("#open-cases")
    card = pg.locator(f"#case-list li[data-case='{case_id}']")
    words = card.locator(".text")
    assert words.inner_text() == text  # all of it is there, for a reader of the screen too
    height = "n => n.getBoundingClientRect().height"  # measured where it is now (a sync may draw the list again)
    folded = words.evaluate(height)
    line = pg.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#case-list .text')).lineHeight)"
                       " || 22")
    assert folded <= 4.5 * line, (folded, line)
    card.scroll_into_view_if_needed()
    shot(pg, "long-case-folded")
    card.locator("button.more").click()
    assert card.locator("button.more").inner_text() == "收起"
    assert card.locator("button.more").get_attribute("aria-expanded") == "true"
    assert words.evaluate(height) > 2 * folded
    assert pg.locator(f"#case-list li[data-case='{short}'] button.more").count() == 0  # a short one has none
