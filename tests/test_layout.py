"""Every page at a desktop's size and a phone's (390×844, touch): nothing runs off the side, every
control of the header is on screen, the map has most of a phone's screen, every grid is labelled
and every layer shown is in the legend; axe-core (npm, run in the page) finds no serious or
critical accessibility violation. Screenshots of each go to tests/artifacts/ (layout_*)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser import browsing, shot, signed_in

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": {"viewport": {"width": 1280, "height": 800}},
         "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
                   "device_scale_factor": 2}}
PAGES = {
    "login": "/login",
    "one_map": "/?jurisdiction=huamao",
    "grid": "/grids/110105015001001?jurisdiction=huamao",
    "planner": "/planner?jurisdiction=huamao",
    "patrol": "/patrol-today?jurisdiction=huamao&workers=王芳,李强",
    "patrol_day": "/patrol-day?jurisdiction=huamao",
    "cases": "/cases?jurisdiction=huamao&open=true",
    "case": "/case/1",
    "communities": "/communities?month=2025-06",
    "report": "/cases-report?jurisdiction=huamao&month=2025-06",
}
LAYOUT = """() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const off = [...document.querySelectorAll("#bar button, #bar select, #bar a")].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width === 0 || r.left < 0 || r.right > vw + 0.5 || r.top < 0 || r.bottom > vh;
  }).map((e) => e.id || e.textContent);
  const node = document.getElementById("map");
  const m = node ? node.getBoundingClientRect() : { top: 0, bottom: 0, width: 0 };
  return { overflow: document.documentElement.scrollWidth - vw, off,
           mapShare: (Math.min(m.bottom, vh) - Math.max(m.top, 0)) * m.width / (vw * vh) };
}"""


def axe_violations(pg) -> list[str]:
    """Serious and critical violations axe-core finds in the page (run through the DevTools
    protocol, so the page's script policy does not apply to it)."""
    found = pg.evaluate(AXE.read_text(encoding="utf-8") + """
        ;(async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => `${v.id}: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`))()""")
    return found


def _open(browser, server, token, size, path):
    """A page of ``size``, signed in, drawn; and the errors it logs."""
    ctx = browser.new_context(base_url=server, **SIZES[size])
    signed_in(ctx, server, token)
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.goto(path)
    pg.wait_for_selector("body[data-ready=true], form#login", timeout=30_000)
    return pg, errors


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_fits_the_screen(browser, server, admin_token, size, name):
    pg, errors = _open(browser, server, admin_token, size, PAGES[name])
    try:
        pg.wait_for_timeout(300)
        got = pg.evaluate(LAYOUT)
        shot(pg, f"layout_{name}_{size}")
        assert got["overflow"] <= 0, f"{name} runs {got['overflow']} px off the side"
        under = pg.evaluate("""() => {  // names the map's controls (scale bar, zoom, legend) cover
          const controls = [...document.querySelectorAll('.leaflet-control')].map((c) => c.getBoundingClientRect());
          return [...document.querySelectorAll('.label:not(.hidden):not(.grid)')].filter((n) => {
            const b = n.firstChild ? n.firstChild.getBoundingClientRect() : n.getBoundingClientRect();
            return controls.some((c) => c.width && b.left < c.right && c.left < b.right && b.top < c.bottom
                                        && c.top < b.bottom);
          }).map((n) => n.textContent); }""")
        assert not under, f"{name}: names under the map's controls: {under}"
        title = pg.locator("#bar h1")  # said whole (a grid's short code and name fit on two lines)
        assert name == "report" or title.evaluate(  # (the report's sheets are headed as printed)
            "n => n.scrollHeight <= n.clientHeight + 1 && n.scrollWidth <= n.clientWidth + 1"), title.inner_text()
        assert not got["off"], f"header controls off screen: {got['off']}"
        if name == "report":  # an A4 sheet shown whole, as a PDF viewer shows it (794 px ran off a phone)
            right = pg.evaluate("() => document.querySelector('.sheet').getBoundingClientRect().right")
            assert right <= pg.viewport_size["width"], right
        if size == "phone" and name not in ("login", "communities", "report"):  # tables, sheets: no map of its own
            assert got["mapShare"] >= 0.6, f"the map has {got['mapShare']:.0%} of the phone's screen"
        if size == "phone":  # what a thumb taps is 44 px tall at least (WCAG 2.5.5)
            small = pg.evaluate("""() => [...document.querySelectorAll(
                '.leaflet-control-zoom a, .legend button, #bar button, #bar select, .case-list li a')]
                .filter((n) => n.offsetParent !== null && n.getBoundingClientRect().height < 43.5)
                .map((n) => `${n.tagName}#${n.id}.${n.className} ${Math.round(n.getBoundingClientRect().height)}`)""")
            assert not small, f"{name}: targets under 44 px on a phone: {small}"
        assert not axe_violations(pg)
        assert not errors, errors
    finally:
        pg.context.close()


# The grids' names shown cut by the map's edge or under a control (zoom buttons, layer list).
CUT_GRID_NAMES = """() => {
    const frame = document.getElementById("map").getBoundingClientRect();
    const box = (n) => n.getBoundingClientRect();
    const controls = [...document.querySelectorAll(".leaflet-control")].map(box);
    const over = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return [...document.querySelectorAll(".label.grid:not(.hidden) > div")].map((n) => [n, box(n)])
      .filter(([, b]) => b.left < frame.left || b.right > frame.right || b.top < frame.top
                         || b.bottom > frame.bottom || controls.some((c) => over(b, c)))
      .map(([n]) => n.textContent); }"""


@pytest.mark.parametrize("size", SIZES)
def test_the_one_map_labels_every_grid_and_has_a_legend_for_every_layer(browser, server, admin_token, auth, size):
    import httpx

    grids = httpx.get(f"{server}/collections/grid/items", params={"jurisdiction": "huamao"}, headers=auth).json()
    pg, errors = _open(browser, server, admin_token, size, PAGES["one_map"])
    try:
        labels = pg.locator(".label.grid:not(.hidden)").all_inner_texts()
        assert len(labels) == grids["numberMatched"] == 4
        for f in grids["features"]:
            assert any(f["properties"]["code"][-3:] in x and (f["properties"]["name"] or "") in x for x in labels)
        # no name lies on a station's dot (第一网格's name sat on 电厂小区's station, a street's on another)
        on_dots = pg.evaluate("""() => {
            const box = (n) => n.getBoundingClientRect();
            const over = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
            const dots = [...document.querySelectorAll(".leaflet-gm-station-pane path")].map(box)
              .filter((b) => b.width);
            return [...document.querySelectorAll(".label:not(.hidden) > div")]
              .filter((n) => dots.some((d) => over(box(n), d))).map((n) => n.textContent); }""")
        assert pg.locator(".leaflet-gm-station-pane path").count() > 0 and on_dots == [], on_dots
        # each grid's whole name where the grid is wide enough on screen (第二网格（… at zoom 16 on a
        # phone; on a desktop, in larger type, the grids are as wide as their names there)
        pg.evaluate("() => { window.opened = [gridmapMap.getCenter(), gridmapMap.getZoom()];"
                    " gridmapMap.setZoom(16, { animate: false }); }")
        pg.wait_for_function("() => gridmapMap.getZoom() === 16")
        cut = pg.evaluate("""() => [...document.querySelectorAll(".label.grid:not(.hidden) span")]
            .filter((x) => x.scrollWidth > x.clientWidth + 1).map((x) => x.textContent)""")
        assert size == "desktop" or cut == [], cut
        pg.evaluate("() => gridmapMap.setView(...window.opened, { animate: false })")  # back to the view it opened at
        # streets are named without hovering (at the zoom the map opens at on a desktop)
        if size == "desktop":
            streets = httpx.get(f"{server}/collections/street_edge/items", params={"jurisdiction": "huamao",
                                "limit": 1000}, headers=auth).json()["features"]
            shown = pg.locator(".label.street:not(.hidden)").all_inner_texts()
            # every street named, once (where a grid's name covers its middle, off it)
            assert sorted(shown) == sorted({f["properties"]["name"] for f in streets if f["properties"]["name"]})
            # each street's name halfway along it, not at an end, where it read as the cross street's
            ends = pg.evaluate("""() => { const out = []; gridmapMap.eachLayer((m) => {
                if (!m.streetName || m.getElement().classList.contains("hidden")) return;
                let best = null;
                gridmapMap.eachLayer((l) => {
                  if (!l.feature || l.feature.properties.name !== m.streetName || !l.getLatLngs) return;
                  const pts = l.getLatLngs().flat(3);
                  const d = Math.min(...pts.map((p) => p.distanceTo(m.getLatLng())));
                  const len = pts.slice(1).reduce((s, p, i) => s + p.distanceTo(pts[i]), 0);
                  if (!best || len > best.len) best = { len, near: d };
                });
                out.push([m.streetName, best && best.near, best && best.len]); }); return out; }""")
            assert len(ends) >= 5
            for name, nearest_vertex, length in ends:
                assert nearest_vertex >= length / 2 - 0.5 or nearest_vertex > 20, (name, nearest_vertex, length)
            compounds = httpx.get(f"{server}/collections/compound/items", params={"jurisdiction": "huamao"},
                                  headers=auth).json()["features"]
            named = pg.locator(".label.compound:not(.hidden)").all_inner_texts()
            assert sorted(named) == sorted(f["properties"]["name"] for f in compounds)  # every compound
            # buildings by their number (the compound is named beside them), the unnumbered by name; in
            # full, with their households, from zoom 18
            assert pg.evaluate("() => gridmapMap.getZoom()") < 18
            numbers = pg.locator(".label.building:not(.hidden)").all_inner_texts()
            assert len(numbers) >= 28 and "3号楼" in numbers and "2座" in numbers and "新光天地" in numbers, numbers
            assert not [x for x in numbers if "户" in x or "小区" in x], numbers
            briefs = pg.evaluate("(names) => names.map(gridmapLabels.briefName)",
                                 ["华贸中心写字楼1座", "住四小区三号楼", "华贸公寓A座", "7 栋", "社区卫生服务站", None])
            assert briefs == ["1座", "三号楼", "A座", "7 栋", "社区卫生服务站", ""]  # a name with no number: itself
            pg.evaluate("() => gridmapMap.setZoom(18, { animate: false })")
            pg.wait_for_function("() => [...document.querySelectorAll('.label.building:not(.hidden)')]"
                                 ".some((x) => x.textContent.includes('户'))")
            full = pg.locator(".label.building:not(.hidden)").all_inner_texts()
            assert full and not [x for x in full if re.fullmatch(r"\d+(号楼|座)", x)], full  # no bare numbers
            # close in, each grid's name is on the part of it shown: not cut by the map's edge, nor
            # under the zoom buttons or the layer list (第一网格 ran under the zoom buttons)
            assert pg.evaluate(CUT_GRID_NAMES) == []
            shot(pg, "one_map_close_desktop")
        # a grid shown as a sliver at the map's edge is not named cut there ("网格 00… 第二网格（柴家"
        # ran off a phone's map): named whole, or not until more of it is shown
        pg.evaluate("""() => { const g = []; gridmapMap.eachLayer((l) => { if (l.feature && l.feature.properties.code
            === "110105015001001" && l.getBounds) g.push(l.getBounds()); });
            gridmapMap.setView(g[0].getCenter(), 18, { animate: false }); }""")
        pg.wait_for_function("() => gridmapMap.getZoom() === 18")
        assert pg.evaluate(CUT_GRID_NAMES) == []
        assert "001" in " ".join(pg.locator(".label.grid:not(.hidden)").all_inner_texts())  # the one in view, named
        # the legend names each layer shown, and follows the layer switches
        shown = {"boundary", "compounds", "streets", "buildings", "courier_zones", "stations", "grids"}
        assert set(pg.locator(".legend li").evaluate_all("(xs) => xs.map((x) => x.dataset.layer)")) == shown
        if size == "desktop":
            pg.locator(".leaflet-control-layers-overlays label", has_text="今日巡查路线").locator("input").check()
            pg.wait_for_selector('.legend li[data-layer="patrol"]')
            assert pg.locator('.legend li[data-layer="patrol"]').count() == 2  # a line a worker
            # each route named with who walks it today (it said 路线 1, 路线 2)
            named = sorted(x.split(" · ")[-1] for x in pg.locator('.legend li[data-layer="patrol"]').all_inner_texts())
            assert named == sorted(pg.evaluate("document.body.dataset.walkers").split(",")), named
            routes = pg.locator(".route-arrow").evaluate_all("(xs) => xs.map((x) => x.dataset.route)")
            assert set(routes) == {"1", "2"}  # arrows in the walking direction, on both routes
            pg.locator(".leaflet-control-layers-overlays label", has_text="小区").locator("input").uncheck()
            assert pg.locator('.legend li[data-layer="compounds"]').count() == 0
            # every layer on: the legend grows, scrolls, and never covers the layer switches
            for box in pg.locator(".leaflet-control-layers-overlays input").all():
                box.check()
            pg.wait_for_selector('.legend li[data-layer="cases"]')
            legend, switches = (pg.locator(sel).bounding_box() for sel in (".legend", ".leaflet-control-layers"))
            assert legend["y"] >= switches["y"] + switches["height"], (legend, switches)
            # the hot spots' shading lies under the cases and stations it is about, not over their colours
            z = pg.evaluate("""() => Object.fromEntries(["gm-heat", "gm-station", "gm-case"].map((p) =>
                [p, Number(getComputedStyle(gridmapMap.getPane(p)).zIndex)]))""")
            assert z["gm-heat"] < z["gm-station"] < z["gm-case"], z
        assert not errors, errors
    finally:
        pg.context.close()


def test_switching_a_layer_off_and_on_keeps_the_drawing_order(page):
    """Compounds switched off and on come back under the grids: a grid can still be clicked."""
    page.goto(PAGES["one_map"])
    page.wait_for_selector("body[data-ready=true]", timeout=20_000)
    box = page.locator(".leaflet-control-layers-overlays label", has_text="小区").locator("input")
    box.uncheck()
    box.check()
    order = page.evaluate("""() => ["gm-compound", "gm-grid", "gm-building", "gm-boundary"]
        .map((p) => Number(getComputedStyle(gridmapMap.getPane(p)).zIndex))""")
    assert order == sorted(order)
    # a point inside grid 001 away from its buildings and streets answers with the grid's popup
    page.evaluate("""() => { let g;
        gridmapMap.eachLayer((l) => { if (l.gridCode && l.gridCode.endsWith("001")) g = l; });
        const b = g.getBounds(); const p = gridmapMap.latLngToContainerPoint(
          [b.getSouth() + 0.12 * (b.getNorth() - b.getSouth()), b.getWest() + 0.5 * (b.getEast() - b.getWest())]);
        window.__at = p; }""")
    at = page.evaluate("() => [window.__at.x, window.__at.y]")
    top = page.locator("#map").bounding_box()
    page.mouse.click(top["x"] + at[0], top["y"] + at[1])
    page.wait_for_selector(".leaflet-popup-content")
    assert "001" in page.locator(".leaflet-popup-content").inner_text()


def test_no_route_is_drawn_in_a_case_s_colour(page):
    """The first patrol route was the blue of 一般 cases (#1d4ed8 beside #2563eb): on the one map a
    route read as a case. Every route's colour stands apart from every urgency's."""
    page.goto(PAGES["one_map"])
    page.wait_for_selector("body[data-ready=true]", timeout=20_000)
    routes, cases = page.evaluate("() => [gridmapLayers.routeColours, Object.values(gridmapLayers.urgencyColours)]")

    def rgb(hex_: str) -> tuple[int, ...]:
        return tuple(int(hex_[i:i + 2], 16) for i in (1, 3, 5))

    far = [min(sum((a - b) ** 2 for a, b in zip(rgb(r), rgb(c), strict=True)) ** 0.5 for c in cases) for r in routes]
    assert len(routes) >= 4 and min(far) > 80, dict(zip(routes, far, strict=True))


def test_a_worker_is_not_offered_what_they_may_not_see(browser, server, make_user):
    token = make_user("worker", jurisdiction="huamao", grid="110105015001001")
    for pg in browsing(browser, server, token):
        pg.goto(PAGES["one_map"])
        pg.wait_for_selector("body[data-ready=true]", timeout=20_000)
        overlays = pg.locator(".leaflet-control-layers-overlays label").all_inner_texts()
        assert not any("快递服务范围" in x for x in overlays)  # courier coverage: read only
        assert any("今日巡查路线" in x for x in overlays)


@pytest.mark.parametrize("path", ["/patrol-today?jurisdiction=huamao", "/grids/110105015001002?jurisdiction=huamao",
                                  "/?jurisdiction=xinghuananli", "/planner?jurisdiction=huamao&lang=en"])
def test_a_page_the_user_may_not_open_says_why_in_their_language(browser, server, make_user, path):
    """A grid worker opening another grid, another community, today's patrol or the planner gets a
    page (403) in the page's language that says why and links to what they may open."""
    token = make_user("worker", jurisdiction="huamao", grid="110105015001001")
    for pg in browsing(browser, server, token):
        pg.expected_errors = ["status of 403"]
        r = pg.goto(path)
        assert r.status == 403 and r.headers["content-type"].startswith("text/html")
        pg.wait_for_selector("body[data-ready=true]")
        text = pg.locator(".message").inner_text()
        english = "lang=en" in path
        assert ("may not" in text) if english else ("不能" in text or "无权" in text), text
        links = pg.locator(".message a").evaluate_all("(xs) => xs.map((a) => a.getAttribute('href'))")
        assert any(h.startswith("/?jurisdiction=huamao") for h in links)
        assert any(h.startswith("/grids/110105015001001") for h in links)
        assert links[0].startswith("/field")  # her own app first, the one page of hers for the street
        assert not axe_violations(pg)
        shot(pg, "forbidden_" + ("en" if english else "zh"))


@pytest.mark.parametrize("path, status, says", [
    ("/case/999999", 404, "999999"),
    ("/cases?jurisdiction=nowhere", 404, "nowhere"),
    ("/cases-report?month=2026-99", 400, "应为年月（YYYY-MM"),
    ("/patrol-day?jurisdiction=huamao&day=2026-02-30", 422, "2026-02-30"),
    ("/case/abc", 400, "abc"),
    # words in a crafted link are not shown as the service's ("没有这个网格 ：系统升级，请拨打 010-…")
    ("/grids/%EF%BC%9A%E7%B3%BB%E7%BB%9F%E5%8D%87%E7%BA%A7?jurisdiction=huamao", 400, "应为 15 位数字的网格代码"),
    ("/cases?jurisdiction=%E8%AF%B7%E6%8B%A8%E6%89%93", 400, "社区应以标识表示"),
    ("/patrol-day?jurisdiction=huamao&day=%E8%AF%B7%E6%8B%A8%E6%89%93", 400, "应为日期"),
])
def test_a_stale_or_wrong_link_opens_a_page_that_says_why(page, server, path, status, says):
    """A link to a case that is no more, a community that is not there, a month or day that is no
    date: a page in the page's language saying why, with the way back to the map (their raw
    problem+json was all it showed); asked by a client, not a browser, it is still problem+json."""
    import httpx

    page.expected_errors = [f"status of {status}"]
    r = page.goto(path)
    assert r.status == status and r.headers["content-type"].startswith("text/html")
    page.wait_for_selector("body[data-ready=true]")
    text = page.locator(".message").inner_text()
    assert says in text and not re.search(r"\b(should|must|unknown|has no|not found)\b", text, re.I), text
    assert "{" not in text and "problem" not in text and "系统升级" not in text and "请拨打" not in text
    assert page.locator(".message a").first.get_attribute("href").startswith("/?")
    assert not axe_violations(page)
    shot(page, f"wrong_link_{status}")
    api = httpx.get(server + path, cookies={c["name"]: c["value"] for c in page.context.cookies()})
    assert api.status_code == status and api.headers["content-type"] == "application/problem+json"


def test_a_grid_worker_reads_their_route_on_a_phone(browser, server, make_user):
    """A grid worker on a phone switches today's route on: it is drawn with arrows in the walking
    direction, over their grid, with the streets named."""
    token = make_user("worker", jurisdiction="huamao", grid="110105015001001")
    pg, errors = _open(browser, server, token, "phone", PAGES["one_map"])
    try:
        pg.locator(".leaflet-control-layers-toggle").tap()
        pg.locator(".leaflet-control-layers-overlays label", has_text="今日巡查路线").locator("input").tap()
        pg.wait_for_selector("body[data-patrol=loaded]")
        pg.evaluate("() => document.querySelector('.leaflet-control-layers')"
                    ".classList.remove('leaflet-control-layers-expanded')")  # the list folded again
        pg.wait_for_timeout(400)
        assert pg.locator(".route-arrow").count() > 0
        first, second = pg.evaluate("[gridmapLayers.routeColour(1), gridmapLayers.routeColour(2)]")
        assert pg.locator(f'path.leaflet-interactive[stroke="{first}"]').count() > 0  # one route: theirs alone
        assert pg.locator(f'path.leaflet-interactive[stroke="{second}"]').count() == 0
        # the map shows the route whole (once it has been fitted to it)
        pg.wait_for_function("""() => { let all = true, seen = 0; const view = gridmapMap.getBounds().pad(0.02);
            gridmapMap.eachLayer((l) => { if (l.feature && l.feature.properties && l.feature.properties.seq) {
              seen += 1; if (!view.contains(l.getBounds())) all = false; } });
            return seen > 0 && all; }""", timeout=10_000)
        shot(pg, "layout_worker_route_phone")
        assert not errors, errors
    finally:
        pg.context.close()


@pytest.mark.parametrize("path", ["/grids/110105015001001/print?jurisdiction=huamao",
                                  "/patrol/huamao/route?format=html", "/patrol/huamao/visits?format=html&kind=office",
                                  "/patrol/huamao/coverage?format=html", "/coverage/huamao?format=html&facility=any"])
def test_the_printed_map_and_the_map_files_are_accessible(page, path):
    """axe-core on the print page and the folium maps: a title, the page's language, a viewport that
    lets a phone zoom, markers not announced as nameless buttons."""
    page.goto(path)
    page.wait_for_selector("body[data-ready=true], .leaflet-container", timeout=30_000)
    page.wait_for_timeout(300)
    assert not axe_violations(page)


def test_an_unknown_grid_says_so_and_still_shows_the_community(page):
    page.expected_errors = ["status of 404"]
    page.goto("/grids/110105015001999?jurisdiction=huamao")
    page.wait_for_selector("body[data-ready=true]", timeout=20_000)
    assert page.locator("#title").inner_text() == "没有这个网格 110105015001999"
    assert page.locator("#side a", has_text="回到一张图").count() == 1
    assert page.locator("path").count() >= 1  # the community's boundary, not an empty map


def test_the_grid_page_draws_the_stations_it_counts(page, auth, server):
    import httpx

    summary = httpx.get(f"{server}/jurisdictions/huamao/grids/110105015001001/summary", headers=auth).json()
    page.goto("/grids/110105015001001?jurisdiction=huamao")
    page.wait_for_selector("body[data-ready=true]", timeout=20_000)
    inside = page.evaluate("""() => { let n = 0; const box = gridmapMap.getBounds();
        gridmapMap.eachLayer((l) => { if (l instanceof L.CircleMarker && box.contains(l.getLatLng())) n += 1; });
        return n; }""")
    assert summary["stations"] >= 1 and inside >= summary["stations"]
    roles = page.locator("#workers").inner_text()
    assert "social_worker" not in roles  # roles in the page's language


def test_the_grid_page_lists_its_workers_as_a_reader_orders_them(page, conn, copy_of):
    """By pinyin, numbers by value: 第2小组 before 第10小组 (the database's order put 第10 first)."""
    from gis import db
    from gis.patrol.stewards_store import add_worker

    slug = copy_of("huamao")
    with db.transaction(conn) as cur:
        for name in ["志愿服务队第10小组", "志愿服务队第2小组", "陈静", "艾伟"]:
            add_worker(cur, slug, name, "volunteer", grid="110105015001002")
    page.goto(f"/grids/110105015001002?jurisdiction={slug}")
    page.wait_for_selector("body[data-ready=true]", timeout=20_000)
    names = [li.split("（")[0] for li in page.locator("#workers li").all_inner_texts()]
    mine = [n for n in names if n in ("志愿服务队第10小组", "志愿服务队第2小组", "陈静", "艾伟")]
    assert mine == ["艾伟", "陈静", "志愿服务队第2小组", "志愿服务队第10小组"], names


@pytest.mark.parametrize("role, grid, names", [
    ("leader", None, ["一张图", "事件办理", "接诉即办月报", "今日巡查路线", "巡查记录", "外勤（手机）"]),
    ("planner", None, ["一张图", "事件办理", "接诉即办月报", "今日巡查路线", "巡查记录", "网格规划"]),
    ("worker", "110105015001001", ["一张图", "事件办理", "外勤（手机）"]),
])
def test_every_page_leads_to_the_pages_the_role_may_open(browser, server, make_user, role, grid, names):
    """A menu in the bar of every page lists the pages the role may open, of the jurisdiction shown
    (the monthly report, the planner, today's patrols were reached only by typing their address)."""
    token = make_user(role, "huamao", grid)
    for pg in browsing(browser, server, token):
        pg.goto("/cases?jurisdiction=huamao")
        pg.wait_for_selector("#pages summary")
        assert pg.locator("#pages nav a").all_text_contents() == names
        assert pg.locator("#pages nav a[aria-current=page]").text_content() == "事件办理"
        pg.click("#pages summary")
        if role == "leader":
            shot(pg, "pages_menu_leader")
        href = pg.locator("#pages nav a", has_text=names[0]).get_attribute("href")
        assert href.startswith("/?jurisdiction=huamao")
        pg.click(f"#pages nav a:has-text('{names[1]}')")
        pg.wait_for_url("**/cases?jurisdiction=huamao*")
        # every link opens for this role (none is a page it would be refused)
        for a in pg.locator("#pages nav a").evaluate_all("(xs) => xs.map((x) => x.getAttribute('href'))"):
            assert pg.request.get(a).status == 200, a
