"""The patrol page (/patrol-today) in a real browser: today in the jurisdiction's time zone, the
service's minutes at its configured walking speed, a legend of the workers' colours, arrows in the
walking direction, today's building visits, and every label in the page's language."""

from __future__ import annotations

import re
import socket
import threading
import time
from contextlib import contextmanager

import httpx
import pytest
import uvicorn

from tests.browser import browsing, shot

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PAGE = "/patrol-today?jurisdiction=huamao&workers=王芳,李强"


@contextmanager
def served(settings):
    """The app with ``settings`` on a loopback port of its own (for a setting the run's server
    does not have)."""
    from api.main import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(settings.model_copy(update={"print_base_url": f"http://127.0.0.1:{port}"}))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


def _open(pg, path: str = PAGE) -> list[str]:
    """Open the patrol page; the schedule requests it made."""
    asked: list[str] = []
    pg.on("request", lambda r: asked.append(r.url) if "/schedule?" in r.url else None)
    pg.goto(path)
    pg.wait_for_selector("body[data-ready=true]", timeout=30_000)
    return asked


def test_today_is_the_date_in_beijing_before_eight_in_the_morning(page):
    """At 07:30 in Beijing (23:30 UTC the day before) the page plans Beijing's day, and its
    print stamp says so: the UTC date (toISOString) would be yesterday."""
    page.clock.set_fixed_time("2027-03-01T23:30:00Z")  # Tuesday 2 March 2027, 07:30 in Beijing
    asked = _open(page)
    assert page.evaluate("document.body.dataset.date") == "2027-03-02"
    assert any("from=2027-03-02" in u for u in asked) and not any("from=2027-03-01" in u for u in asked)
    assert "2027年3月2日" in page.locator("#date").inner_text()
    assert page.locator("#stamp").text_content().startswith("打印于 2027-03-02 07:30")


def test_minutes_follow_the_configured_walking_speed(browser, settings, admin_token):
    """At 3 km/h (50 m a minute) the page's minutes are the service's, not metres ÷ 75."""
    with served(settings.model_copy(update={"walking_speed_kmh": 3.0})) as slow:
        for pg in browsing(browser, slow, admin_token):
            _open(pg)
            assert pg.evaluate("fetch('/config').then(r => r.json())")["walking_speed_kmh"] == 3.0
            for block in pg.locator(".worker").all():
                metres = sum(int(m) for m in re.findall(r"(\d+) 米", block.locator("ol").inner_text()))
                shown = int(block.locator(".total").get_attribute("data-minutes"))
                assert shown == pytest.approx(metres / 50, abs=2)
                assert abs(shown - metres / 75) > 5  # the old page's figure
            fc = httpx.get(f"{slow}/patrol/huamao/route", params={"workers": 2, "format": "geojson"},
                           headers={"Authorization": f"Bearer {admin_token}"}).json()
            leg = next(f for f in fc["features"] if f["geometry"]["type"] == "LineString")
            assert leg["properties"]["minutes"] == pytest.approx(leg["properties"]["length_m"] / 50, abs=0.01)


def _a_day_with_visits(client) -> str:
    days = client.get("/patrol/huamao/schedule", params={"from": "2027-03-01", "days": 30,
                                                          "workers": "王芳,李强"}).json()["days"]
    return next(d["date"] for d in days if d["visits"])


def test_legend_arrows_and_the_buildings_to_visit(page, client):
    day = _a_day_with_visits(client)
    page.clock.set_fixed_time(f"{day}T02:00:00Z")  # 10:00 in Beijing
    _open(page)
    plan = client.get("/patrol/huamao/schedule", params={"from": day, "days": 1, "workers": "王芳,李强"}).json()
    visits = plan["days"][0]["visits"]
    # a legend row per worker, in the colour their route is drawn in
    legend = page.locator(".patrol-legend")
    for p in plan["days"][0]["patrols"]:
        row = legend.locator(f"li[data-worker='{p['worker']}']")
        assert f"路线 {p['route']}" in row.inner_text()
        colour = row.locator(".swatch").evaluate("n => getComputedStyle(n).borderTopColor")
        drawn = page.evaluate(f"""() => {{ let c = null; gridmapMap.eachLayer(l => {{
            if (l.feature && l.feature.properties.worker === {p['route']} && l.options.color) c = l.options.color; }});
            return c; }}""")
        assert drawn and colour == page.evaluate("c => { const d = document.createElement('div'); "
                                                 "d.style.color = c; return d.style.color; }", drawn)
    assert "箭头" in legend.inner_text() and "今日走访楼栋" in legend.inner_text()
    # arrows along each route, in its colour
    for p in plan["days"][0]["patrols"]:
        arrows = page.locator(f".route-arrow[data-route='{p['route']}']")
        assert arrows.count() >= 10 and arrows.first.text_content() == "►"
        assert "rotate(" in arrows.first.locator(".arrow-head").get_attribute("style")
    # today's buildings: labelled on the map and listed under their worker
    labels = page.locator(".map-name.visit:not(.hidden)").all_inner_texts()
    assert sorted(labels) == sorted(v["name"] for v in visits)
    # and the streets are named on the map, none on top of another
    streets = page.locator(".map-name.street:not(.hidden)").all_inner_texts()
    assert len(streets) >= 5 and len(set(streets)) == len(streets)
    for v in visits:
        assert v["name"] in page.locator(f".worker[data-worker='{v['worker']}'] ul.visits").inner_text()
    shot(page, "patrol_today_desktop")


def test_the_page_in_english_has_no_chinese_labels(page):
    page.clock.set_fixed_time("2027-03-02T02:00:00Z")
    _open(page, "/patrol-today?jurisdiction=huamao&workers=Ann,Bob&lang=en")
    assert not CJK.search(page.locator(".patrol-legend").inner_text())
    for block in page.locator(".worker").all():
        head = block.locator("h3").inner_text() + block.locator(".total").inner_text()
        assert not CJK.search(head), head
        assert re.fullmatch(r"Worker: (Ann|Bob) · Route [12]", block.locator("h3").inner_text())
    assert "Tuesday, 2 March 2027" in page.locator("#date").inner_text()


def test_patrol_page_on_a_phone(browser, server, admin_token):
    for pg in browsing(browser, server, admin_token):
        pg.set_viewport_size({"width": 390, "height": 844})
        pg.clock.set_fixed_time("2027-03-02T02:00:00Z")
        _open(pg)
        assert pg.locator(".patrol-legend").is_visible()
        shot(pg, "patrol_today_phone")


def test_the_route_text_is_in_one_language(client):
    zh = client.get("/patrol/huamao/route", params={"workers": 2, "format": "txt", "lang": "zh"}).text
    en = client.get("/patrol/huamao/route", params={"workers": 2, "format": "txt", "lang": "en"}).text
    assert "巡查路线" in zh and "路线 1：" in zh and "Route" not in zh and "patrol" not in zh
    assert "Route 1:" in en and "路线" not in en and "巡查" not in en


def test_the_office_pages_share_the_route_among_the_walkers_the_phones_do(client, conn, copy_of):
    """The one map and today's patrol page share the route among the jurisdiction's registered
    walkers, as the field app's schedule does (they showed two routes for "社工1, 社工2" while a
    phone showed route 1 of 1); with none registered, two social workers."""
    from gis import db
    from gis.patrol.stewards_store import add_worker

    slug = copy_of("huamao")
    walkers = re.compile(r'data-walkers="([^"]*)"')
    names = re.compile(r'data-workers="([^"]*)"')
    assert walkers.search(client.get("/", params={"jurisdiction": slug}).text).group(1) == "社工1,社工2"
    assert names.search(client.get("/patrol-today", params={"jurisdiction": slug}).text).group(1) == "社工1,社工2"
    with db.transaction(conn) as cur:
        for name, role in (("王芳", "social_worker"), ("李强", "social_worker"), ("赵敏", "grid_worker")):
            add_worker(cur, slug, name, role)
    assert walkers.search(client.get("/", params={"jurisdiction": slug}).text).group(1) == "王芳,李强,赵敏"
    assert names.search(client.get("/patrol-today", params={"jurisdiction": slug}).text).group(1) == "王芳,李强,赵敏"
    # named in the address, the names asked for
    page = client.get("/patrol-today", params={"jurisdiction": slug, "workers": "甲,乙"}).text
    assert names.search(page).group(1) == "甲,乙"
