"""Cases through the pages (#17): a grid worker on a phone reports a problem on the cases page
(a point tapped on the map) and records its handling; a grid leader at a desk accepts it
(dispatched at once to the worker), verifies and closes it, each on the case's page with the
buttons the service offers that user. Screenshots: tests/artifacts/cases_*."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.browser import browsing, shot, signed_in, table_rows
from tests.conftest import scalar
from tests.test_layout import SIZES, axe_violations

GRID_1 = "110105015001001"


def phone(browser, server, token):
    """A phone's page (390×844, touch), signed in, failing on any error it logs."""
    ctx = browser.new_context(base_url=server, **SIZES["phone"])
    signed_in(ctx, server, token)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    return pg, errors


def ready(pg, path):
    pg.goto(path)
    pg.wait_for_selector("body[data-ready=true]", timeout=30_000)


@pytest.fixture
def people(copy_of, make_user):
    slug = copy_of("huamao")
    tag = uuid.uuid4().hex[:6]
    worker, leader = f"wang-{tag}", f"li-{tag}"
    return {"slug": slug, "worker": worker, "leader": leader,
            "worker_token": make_user("worker", slug, GRID_1, username=worker),
            "leader_token": make_user("leader", slug, username=leader)}


def sanitations_case(conn, slug: str) -> dict:
    """A resident's case at 电厂小区2号楼, accepted and dispatched to the sanitation department."""
    from gis import db
    from gis.cases import store

    with db.transaction(conn, "居民") as cur:
        made = store.add_case(cur, slug, category="garbage", description="楼前堆放装修垃圾", source="resident",
                              building="电厂小区2号楼")
    with db.transaction(conn, "社区工作站") as cur:
        store.transition(cur, made["id"], "accepted", made["version"], department="sanitation")
    return made


def tap_in_grid(pg, code_end: str) -> None:
    """Tap the map inside the grid whose code ends with ``code_end``, away from its edges."""
    at = pg.evaluate("""(end) => { let g;
        gridmapMap.eachLayer((l) => { if (l.gridCode && l.gridCode.endsWith(end)) g = l; });
        gridmapMap.fitBounds(g.getBounds(), { animate: false });
        const p = gridmapMap.latLngToContainerPoint(g.getBounds().getCenter()); return [p.x, p.y]; }""", code_end)
    box = pg.locator("#map").bounding_box()
    pg.mouse.click(box["x"] + at[0], box["y"] + at[1])


def test_one_case_from_reported_to_closed_by_a_worker_and_a_leader(browser, server, people, conn):
    from gis import db
    from gis.patrol.stewards_store import add_worker

    slug = people["slug"]
    with db.transaction(conn) as cur:  # grid 001's leader is one of its social workers too
        cur.execute("SELECT g.leader FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id"
                    " WHERE j.slug = %s AND g.code = %s", (slug, GRID_1))
        add_worker(cur, slug, cur.fetchone()[0], "social_worker", grid=GRID_1)
    # the worker, on a phone: reports what they found on the walk
    pg, errors = phone(browser, server, people["worker_token"])
    try:
        ready(pg, f"/cases?jurisdiction={slug}")
        pg.locator("#sheet-handle").tap()
        pg.locator("#report summary").tap()
        pg.select_option("#r-category", "ebike_charging")
        pg.select_option("#r-urgency", "red")
        pg.fill("#r-description", "3号楼楼道内给电动车充电，插线板拖在地上")
        pg.wait_for_timeout(300)  # the map takes the room the open sheet leaves it
        tap_in_grid(pg, "001")
        shot(pg, "cases_report_worker_phone")
        assert pg.locator("#r-submit").is_enabled()
        pg.locator("#r-submit").tap()
        pg.wait_for_selector("#reported-link")
        case_id = pg.locator("#reported-link").inner_text().lstrip("#")
        shot(pg, "cases_list_worker_phone")
        assert not axe_violations(pg)
        pg.locator("#reported-link").tap()
        pg.wait_for_selector("body[data-ready=true][data-state=reported]", timeout=30_000)
        assert pg.locator("#buttons button").count() == 0  # a worker does not accept
        assert "电动车" in pg.locator("#description").inner_text()
        shot(pg, "cases_case_reported_worker_phone")
        assert not errors, errors
    finally:
        pg.context.close()

    # the leader, at a desk: accepts (dispatched at once to the grid's worker)
    for lead in browsing(browser, server, people["leader_token"]):
        ready(lead, f"/case/{case_id}")
        assert sorted(lead.locator("#buttons button").evaluate_all("(bs) => bs.map((b) => b.dataset.to)")) == [
            "accepted", "rejected"]
        # whom to dispatch to, offered as a list: the case's grid's people first
        lead.wait_for_function("() => document.querySelectorAll('#assignees option').length > 1")
        offered = lead.locator("#assignees option").evaluate_all("(os) => os.map((o) => [o.value, o.textContent])")
        assert offered[0][1].startswith("网格 001") and people["worker"] in [v for v, _ in offered], offered
        # one entry a name and grid, each part they have there said in it (a grid's leader is often
        # one of its workers too: two entries of one name looked like two people)
        assert len({(v, x.split(" · ")[0]) for v, x in offered}) == len(offered), offered
        assert ["王芳" in v and "网格长" in x and "社工" in x for v, x in offered].count(True) == 1, offered
        lead.locator('#buttons button[data-to="accepted"]').click()
        lead.wait_for_selector("body[data-state=dispatched]")
        assert people["worker"] in lead.locator("#facts").inner_text()
        shot(lead, "cases_case_dispatched_leader")
        assert not axe_violations(lead)

    # the worker: records what was done
    pg, errors = phone(browser, server, people["worker_token"])
    try:
        ready(pg, f"/case/{case_id}")
        pg.locator("#sheet-handle").tap()
        assert pg.locator("#buttons button").evaluate_all("(bs) => bs.map((b) => b.dataset.to)") == ["handled"]
        pg.locator('#buttons button[data-to="handled"]').tap()  # without a note: refused, said
        pg.wait_for_function("() => document.getElementById('step-message').textContent.length > 0")
        assert "须填写说明（做了什么）" in pg.locator("#step-message").inner_text()  # all in Chinese
        pg.fill("#note", "已劝离，收走充电线，张贴提示")
        pg.locator('#buttons button[data-to="handled"]').tap()
        pg.wait_for_selector("body[data-state=handled]")
        assert pg.locator("#buttons button").count() == 0  # the handler does not verify
        shot(pg, "cases_case_handled_worker_phone")
        assert not axe_violations(pg)
        assert not [e for e in errors if "status of 422" not in e], errors
    finally:
        pg.context.close()

    # the leader: verifies and closes
    for lead in browsing(browser, server, people["leader_token"]):
        ready(lead, f"/case/{case_id}")
        lead.locator('#buttons button[data-to="verified"]').click()
        lead.wait_for_selector("body[data-state=verified]")
        lead.locator('#buttons button[data-to="closed"]').click()
        lead.wait_for_selector("body[data-state=closed]")
        steps = lead.locator("#timeline li").all_inner_texts()
        # 立案 and the dispatch it made at once are one step, naming whom it went to (the later
        # steps do not: they said "(worker)" each); the handling by the worker, then 核查, 结案
        assert len(steps) == 5 and "上报 → 立案 → 派遣（王芳）" in steps[1], steps
        assert people["worker"] in steps[2] and "收走充电线" in steps[2]
        assert not any("（" in s.splitlines()[1] for s in steps[3:]), steps
        assert lead.locator("#buttons button").count() == 0
        # the resident called back (回访): the leader records the answer the rates count
        lead.wait_for_selector("#call-back:not([hidden])")
        lead.select_option("#cb-satisfaction", "satisfied")
        lead.select_option("#cb-solved", "true")
        lead.click("#cb-save")
        lead.wait_for_selector("#cb-message.ok")
        facts = lead.locator("#facts").inner_text()
        assert "满意" in facts and "已解决" in facts, facts
        shot(lead, "cases_case_closed_leader")
        # the list shows it closed
        ready(lead, f"/cases?jurisdiction={slug}&state=closed")
        assert lead.locator(f'#cases li[data-case="{case_id}"]').count() == 1
        shot(lead, "cases_list_leader")


def test_a_stale_page_loads_the_case_again(browser, server, people):
    """Two leaders' pages on one case: the second's step names an old ETag, is refused (412), and
    the page shows the case as it is now."""
    import httpx

    slug = people["slug"]
    auth = {"Authorization": f"Bearer {people['leader_token']}"}
    with httpx.Client(base_url=server, headers=auth) as c:
        body = {"category": "garbage", "description": "垃圾满溢", "building": "电厂小区1号楼"}
        case = c.post(f"/cases/{slug}", json=body).json()
    for lead in browsing(browser, server, people["leader_token"]):
        lead.expected_errors = ["status of 412"]
        ready(lead, f"/case/{case['id']}")
        with httpx.Client(base_url=server, headers=auth) as c:
            c.post(f"/cases/{slug}/{case['id']}/transitions", json={"to": "rejected", "note": "重复"},
                   headers={"If-Match": case["etag"]})
        lead.locator('#buttons button[data-to="accepted"]').click()
        lead.wait_for_selector("body[data-state=rejected]")
        assert lead.locator("#step-message").inner_text()


def test_the_cases_page_names_the_streets_and_buildings_its_cases_are_at(page):
    """The cases' map is read by its streets and buildings: both drawn (a tap on them still places a
    report), the buildings named by number once the map is close enough."""
    ready(page, "/cases?jurisdiction=huamao")
    page.wait_for_selector("body[data-streets=drawn]")
    page.wait_for_selector("body[data-buildings=drawn]")
    assert page.locator(".label.street:not(.hidden)").count() >= 8
    assert page.locator('.legend li[data-layer="streets"]').count() == 1
    assert page.locator('.legend li[data-layer="buildings"]').count() == 1
    assert page.locator(".leaflet-gm-building-pane path").count() == 32
    page.evaluate("gridmapMap.setZoom(17)")
    page.wait_for_function("() => document.querySelectorAll('.label.building:not(.hidden)').length >= 10")
    shot(page, "cases_buildings")


def test_the_one_map_shows_the_open_cases_by_urgency_with_the_overdue_ringed(page):
    page.goto("/?jurisdiction=huamao")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    cases = re.compile(r"^\s*事件\s*$")  # not 事件热点
    page.locator(".leaflet-control-layers-overlays label", has_text=cases).locator("input").check()
    page.wait_for_selector("body[data-cases=loaded]")
    assert page.locator('.legend li[data-layer="cases"]').count() == 5  # three urgencies, parked, overdue
    markers = page.evaluate("""() => { const out = []; gridmapMap.eachLayer((l) => {
        if (l.caseId) out.push([l.options.fillColor, l.options.dashArray || ""]); }); return out; }""")
    assert markers and {c for c, _ in markers} <= {"#dc2626", "#eab308", "#2563eb", "#9ca3af"}
    assert any(d for _, d in markers)  # a year of Huamao's cases leaves some overdue
    # close in on the cases, buildings named: no name lies on a case (住四小区5号楼 55户 did)
    page.evaluate("""() => { const at = []; gridmapMap.eachLayer((l) => { if (l.caseId) at.push(l.getLatLng()); });
        gridmapMap.setView(at[0], 18, { animate: false }); }""")
    page.wait_for_function("() => document.querySelectorAll('.label.building:not(.hidden)').length > 0")
    covered = page.evaluate("""() => {
        const boxes = (sel) => [...document.querySelectorAll(sel)].map((n) => [n, n.getBoundingClientRect()])
            .filter(([, b]) => b.width > 0);
        const cases = boxes(".leaflet-gm-case-pane path");
        const over = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        return boxes(".label:not(.hidden) > div").filter(([, b]) => cases.some(([, c]) => over(b, c)))
            .map(([n]) => n.textContent); }""")
    assert covered == []
    # a case clicked: its popup, and not its tooltip left under it over the map
    x, y = page.evaluate("""() => { let p = null; gridmapMap.eachLayer((l) => {
        if (l.caseId && !p) p = gridmapMap.latLngToContainerPoint(l.getLatLng()); }); return [p.x, p.y]; }""")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.wait_for_selector(".leaflet-tooltip")
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector(".leaflet-popup a.open-case")
    page.wait_for_selector(".leaflet-tooltip", state="detached")  # (closed, it fades out)
    shot(page, "cases_one_map")


def test_hot_spots_shade_the_grids_by_the_cases_of_a_category(page):
    page.goto("/cases?jurisdiction=huamao&category=courier_parking")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.locator("#hot summary").click()
    page.fill("#h-from", "2025-01-01")
    page.fill("#h-to", "2025-12-31")
    page.locator("#h-on").check()
    page.wait_for_selector("#hot-table tr")
    rows = page.locator("#hot-table tr").evaluate_all("(rs) => rs.map((r) => r.dataset.grid)")
    assert len(rows) == 4 and rows[0] == "110105015001004"  # couriers crowd the CBD's towers
    fills = page.evaluate("""() => { const out = {}; gridmapMap.eachLayer((l) => {
        if (l.gridCode) out[l.gridCode] = l.options.fillColor; }); return out; }""")
    assert fills["110105015001004"] == "#7f0000" and len(set(fills.values())) > 1
    assert page.locator('.legend li[data-layer="grids"]').count() == 5
    shot(page, "cases_hotspots")


def test_the_one_map_shows_the_density_of_a_category_where_it_clusters(page):
    """The hot-spot view: the courier cases of 2025 heat the CBD's towers and courier zones most;
    choosing e-bike charging moves the heat to the old compounds."""
    page.goto("/?jurisdiction=huamao")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    page.locator(".leaflet-control-layers-overlays label", has_text="事件热点").locator("input").check()
    page.wait_for_selector("#hot-panel")
    page.wait_for_selector("body[data-hotspots=loaded]")
    page.fill("#hot-from", "2025-01-01")
    page.fill("#hot-to", "2025-12-31")
    page.select_option("#hot-category", "courier_parking")
    # a function, not an expression: an expression is polled with eval, which the pages' CSP refuses
    page.wait_for_function("() => document.getElementById('hot-status').textContent.includes('件事件')")
    page.wait_for_selector("body[data-hotspots=loaded]")

    def peaks():
        return page.evaluate("""() => { const out = []; gridmapMap.eachLayer((l) => {
            if (l.peak) out.push([l.peak, l.getTooltip().getContent().textContent]); });
            return out.sort((a, b) => a[0] - b[0]).map((p) => p[1]); }""")

    courier = peaks()
    assert len(courier) == 3 and any(name in courier[0] for name in ("新光天地", "写字楼", "华贸")), courier
    assert page.locator('.legend li[data-layer="hotspots"]').count() == 6
    shot(page, "cases_one_map_density_courier")
    before = page.locator("#hot-status").text_content()
    page.select_option("#hot-category", "ebike_charging")
    page.wait_for_function("(t) => document.getElementById('hot-status').textContent !== t", arg=before)
    ebikes = peaks()
    assert all(any(o in p for o in ("电厂小区", "柴家湾", "住四小区")) for p in ebikes), ebikes
    shot(page, "cases_one_map_density_ebikes")


def test_a_department_sees_the_building_of_its_case_and_its_photos(browser, server, copy_of, make_user, conn):
    """A department user (街乡吹哨、部门报到) opens a case dispatched to it: the building it is at is
    drawn and named on the case's map, and it may read that building through the API. Its photos,
    before and after, are listed by the case's answer and served to it by the photo route; an
    address outside this service slipped into the answer is never loaded."""
    import json

    import httpx

    from gis import db
    from gis.photos_store import add_photo
    from tests.test_field import jpeg

    slug = copy_of("huamao")
    made = sanitations_case(conn, slug)
    case_id, building_id = made["id"], made["building_id"]
    with db.transaction(conn, "居民") as cur:
        add_photo(cur, case_id, jpeg(), "before")
        add_photo(cur, case_id, jpeg(), "after")
    token = make_user("department", slug, department="sanitation")
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}) as c:
        assert c.get(f"/collections/building/items/{building_id}").status_code == 200
        case = c.get(f"/cases/{slug}/{case_id}").json()
        assert case["actions"] == ["handled"]  # theirs to handle
        assert [p["stage"] for p in case["photos"]] == ["before", "after"]
        image = c.get(case["photos"][0]["url"])
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    outside = {**case["photos"][1], "id": 999, "url": "https://elsewhere.example/x.png"}

    def with_an_outside_photo(route):
        r = route.fetch()
        body = r.json()
        route.fulfill(response=r, body=json.dumps({**body, "photos": [*body["photos"], outside]}))

    for pg in browsing(browser, server, token):
        pg.route(f"**/cases/{slug}/{case_id}", with_an_outside_photo)
        ready(pg, f"/case/{case_id}")
        pg.wait_for_selector("body[data-building=drawn]")
        drawn = pg.evaluate("() => { const out = []; gridmapMap.eachLayer((l) => { if (l.buildingId) "
                            "out.push(l.buildingId); }); return out; }")
        assert drawn == [int(building_id)]
        assert case["building"] in pg.locator("#facts").inner_text()
        timeline = pg.locator("#timeline").inner_text()
        assert "环卫所" in timeline and "sanitation" not in timeline  # the department by its name, not its code
        # and what is around it, to find the place by: the streets and buildings near, named
        pg.wait_for_selector("body[data-around=drawn]")
        assert pg.locator(".label.street:not(.hidden)").count() >= 1
        nearby = pg.evaluate("() => gridmapMap.hasLayer(gridmapMap._layers ? Object.values(gridmapMap._layers)"
                             ".find((l) => l.feature && l.feature.properties.households !== undefined "
                             "&& !l.buildingId) : null)")
        assert nearby
        assert pg.locator('.legend li[data-layer="streets"]').count() == 1
        assert pg.locator('#photos figure[data-stage="before"] img').count() == 1
        assert pg.locator('#photos figure[data-stage="after"] img').count() == 1  # not the outside one
        # a function, not an expression: an expression is polled with eval, which the pages' CSP refuses
        pg.wait_for_function("() => Array.from(document.querySelectorAll('#photos img')).every((i) => i.naturalWidth)")
        assert pg.locator('.legend li[data-layer="buildings"]').count() == 1
        shot(pg, "case_department_building_photos")
        # with photos of the problem only (nothing handled yet), nothing else is written under them
        pg.unroute(f"**/cases/{slug}/{case_id}")
        pg.route(f"**/cases/{slug}/{case_id}", lambda route: route.fulfill(
            response=(r := route.fetch()), body=json.dumps({**r.json(), "photos": r.json()["photos"][:1]})))
        ready(pg, f"/case/{case_id}")
        pg.wait_for_selector('#photos figure[data-stage="before"] img')
        assert pg.locator("#photos figure").count() == 1
        assert pg.locator("#photos").inner_text().strip() == pg.locator("#photos figcaption").inner_text().strip()


def test_the_cases_page_says_how_the_month_stands_to_who_may_read_it(browser, server, people):
    """A leader opens the cases: this month's 接诉即办 numbers (as the API counts them) head the
    panel, with the way to the monthly report; a worker, who may not read them, gets none."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import httpx

    slug = people["slug"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {people['leader_token']}"}) as c:
        c.post(f"/cases/{slug}", json={"category": "garbage", "description": "本月的一件",
                                       "at": {"type": "Point", "coordinates": [116.4765, 39.9115]}})
        kpi = c.get(f"/cases/{slug}/kpi", params={"from": f"{today:%Y-%m}-01", "to": today.isoformat()}).json()
    assert kpi["overall"]["received"] >= 1
    for pg in browsing(browser, server, people["leader_token"]):
        ready(pg, f"/cases?jurisdiction={slug}")
        pg.wait_for_selector("#kpi:not([hidden])")
        rows = table_rows(pg, "#kpi-table")
        assert rows["受理"] == str(kpi["overall"]["received"])
        rate = kpi["overall"]["response_rate"]
        assert rows["响应率"] == ("—" if rate is None else f"{rate * 100:.1f}%")
        assert pg.locator("#kpi-report").get_attribute("href").startswith(f"/cases-report?jurisdiction={slug}&month=")
        # the numbers and the filters in two columns: the list starts in a laptop's first screen
        pg.set_viewport_size({"width": 1366, "height": 768})
        first = pg.locator("#cases li").first.bounding_box()
        assert first["y"] + first["height"] < 768, first
        shot(pg, "cases_this_month")
        # in English, a case is named by its category's English name, as the filter names it
        ready(pg, f"/cases?jurisdiction={slug}&lang=en")
        english = next(o for o in pg.locator("#f-category option").all_text_contents() if "arbage" in o)
        assert any(english in x for x in pg.locator("#cases li a").all_inner_texts())
    for pg in browsing(browser, server, people["worker_token"]):
        ready(pg, f"/cases?jurisdiction={slug}")
        assert pg.locator("#kpi").is_hidden()


def test_a_step_dated_back_shows_when_it_was_written(browser, server, people, conn):
    """The worker's phone records a handling it did offline two hours ago: the case's history
    gives the time it was done and, beside it, when it was written (补录), so the leader who
    judges the times sees a step dated back for what it is; a step written as it happened says
    nothing more."""
    from datetime import UTC, datetime, timedelta

    from gis import db
    from gis.cases import store

    slug = people["slug"]
    began = datetime.now(UTC) - timedelta(hours=3)
    with db.transaction(conn, people["worker"]) as cur:
        made = store.add_case(cur, slug, category="garbage", description="垃圾桶满溢", building="电厂小区1号楼",
                              reported_at=began)
    with db.transaction(conn, people["leader"]) as cur:
        made = store.transition(cur, made["id"], "accepted", made["version"], assignee=people["worker"],
                                at=began + timedelta(minutes=3))
    with db.transaction(conn, people["worker"]) as cur:
        store.transition(cur, made["id"], "handled", made["version"], note="已清运", at=began + timedelta(hours=1))
    for lead in browsing(browser, server, people["leader_token"]):
        ready(lead, f"/case/{made['id']}?lang=zh")
        steps = lead.locator("#timeline li")
        texts = steps.all_inner_texts()
        late = steps.evaluate_all("(ls) => ls.map((l) => l.classList.contains('late'))")
        assert [("补录于" in s) for s in texts] == late == [False, True, True], texts
        assert "已清运" in texts[2]
        shot(lead, "cases_case_late_steps_leader")
    # a step written as it happens says nothing more
    with db.transaction(conn, people["leader"]) as cur:
        store.transition(cur, made["id"], "verified", store.get_case(cur, made["id"])["version"])
    for lead in browsing(browser, server, people["leader_token"]):
        ready(lead, f"/case/{made['id']}?lang=zh")
        assert "补录于" not in lead.locator("#timeline li").last.inner_text()


def test_a_department_at_a_desk_adds_its_photos_of_the_handling(browser, server, copy_of, make_user, conn, tmp_path):
    """A department (环卫所) handles a case dispatched to it from a desk: the photos of what it did
    (处置后照片) are added on the case's page, as the phone adds them, then the step is taken."""
    from tests.test_field import jpeg

    slug = copy_of("huamao")
    made = sanitations_case(conn, slug)
    token = make_user("department", slug, department="sanitation")
    photo = tmp_path / "after.jpg"
    photo.write_bytes(jpeg())
    for pg in browsing(browser, server, token):
        ready(pg, f"/case/{made['id']}")
        assert pg.locator("#after-label").is_visible()
        pg.set_input_files("#after-photos", [str(photo)])
        pg.wait_for_selector('#photos figure[data-stage="after"] img')
        pg.fill("#note", "已清运装修垃圾")
        pg.click('#buttons button[data-to="handled"]')
        pg.wait_for_selector("body[data-state=handled]")
        assert not pg.locator("#after-label").is_visible()  # handled: the photos are the record now
        shot(pg, "case_department_after_photo")
    assert scalar(conn, "SELECT count(*) FROM case_photo WHERE case_id = %s AND stage = 'after'", made["id"]) == 1
