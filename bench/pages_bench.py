"""The one-map page (一张图) in headless Chromium: time from navigation to every default layer
drawn, on Huamao (GeoJSON layers) and on test_pbf's Kouvola (2,193 buildings, vector tiles); and
the planner page: an edit's round trip in the page (a vertex dragged, the service's check, the
draft drawn again), as the page itself measures it (``#status[data-ms]``).

    .venv/bin/python bench/pages_bench.py > bench/results/pages.md

Serves the app on loopback; Debian's /usr/bin/chromium through Playwright; a fresh browser
context per load (nothing cached).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_headers  # noqa: E402
from grids_bench import serve  # noqa: E402

from gis import db  # noqa: E402
from gis.settings import Settings  # noqa: E402


def kouvola(conn, settings: Settings) -> None:
    """Kouvola from pyrosm's test_pbf, imported once (as the tests do) when the database lacks it."""
    import pyrosm
    from shapely.geometry import box

    from gis.osm import import_osm

    with db.transaction(conn) as cur:
        cur.execute("SELECT 1 FROM jurisdiction WHERE slug = 'kouvola'")
        if cur.fetchone():
            return
        import_osm(cur, Path(pyrosm.get_data("test_pbf")), "kouvola", "Kouvola", box(26.93, 60.52, 26.97, 60.54),
                   settings)


def main(loads: int = 10) -> None:
    settings = Settings()
    kouvola(db.connect(settings.database_url), settings)
    server, base = serve(settings)
    key = bench_headers(db.connect(settings.database_url))["Authorization"].removeprefix("Bearer ")
    rows = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            for slug in ("huamao", "kouvola"):
                times = []
                for _ in range(loads + 1):
                    ctx = browser.new_context(viewport={"width": 1280, "height": 820})
                    ctx.add_cookies([{"name": "gridmap_token", "value": key, "url": base}])
                    page = ctx.new_page()
                    page.goto(f"{base}/?jurisdiction={slug}")
                    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
                    times.append(int(page.evaluate("document.body.dataset.readyMs")))
                    mode = page.evaluate("document.body.dataset.tiles")
                    ctx.close()
                times = times[1:]  # the first load warms the server
                rows.append((slug, mode, statistics.median(times), max(times)))
            edits = planner_edits(browser, base, key, settings)
            browser.close()
    finally:
        server.should_exit = True
    print("| one-map page | layers as | loads | median to drawn | slowest |")
    print("|---|---|---|---|---|")
    for slug, mode, med, worst in rows:
        print(f"| {slug} | {mode} | {loads} | {med:.0f} ms | {worst} ms |")
    print()
    print("| planner page, Huamao | edits | median round trip in the page | slowest |")
    print("|---|---|---|---|")
    med = statistics.median(edits)
    print(f"| a grid vertex dragged 30 px and back | {len(edits)} | {med:.0f} ms | {max(edits)} ms |")


def planner_edits(browser, base: str, key: str, settings: Settings, n: int = 10) -> list[int]:
    """Drag the corner grid 001 shares with grid 002 back and forth ``n`` times on a copy of
    Huamao; each edit's round trip as the page measures it (from the drop to the draft drawn)."""
    from gis import datasets
    from gis.importing import import_package

    conn = db.connect(settings.database_url)
    with db.transaction(conn) as cur:
        cur.execute("DELETE FROM jurisdiction WHERE slug = 'bench-planner'")
        import_package(cur, datasets.dataset_path("huamao"), "bench-planner")
    ctx = browser.new_context(viewport={"width": 1280, "height": 820})
    ctx.add_cookies([{"name": "gridmap_token", "value": key, "url": base}])
    page = ctx.new_page()
    page.goto(f"{base}/planner?jurisdiction=bench-planner")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.click("#new")
    page.wait_for_selector("body[data-draft]")
    draft = page.evaluate("document.body.dataset.draft")
    fc = page.evaluate(f"fetch('/layouts/{draft}').then(r => r.json())")
    ring = next(f for f in fc["grids"]["features"] if f["properties"]["code"].endswith("001"))["geometry"]
    ne = max(ring["coordinates"][0][:-1], key=lambda c: c[0] + c[1] * 1.3)
    page.evaluate(f"() => {{ gridmapMap.setView([{ne[1]}, {ne[0]}], 18, {{ animate: false }}); }}")
    times, states = [], []
    box = page.locator("#map").bounding_box()
    at = [ne[1], ne[0]]
    for k in range(n):
        x, y = page.evaluate("([lat, lng]) => { const p = gridmapMap.latLngToContainerPoint([lat, lng]); "
                             "return [p.x, p.y]; }", at)
        dx = 30 if k % 2 == 0 else -30  # beyond Geoman's 20 px snapping back
        page.evaluate("document.getElementById('status').removeAttribute('data-ms')")
        page.mouse.move(box["x"] + x, box["y"] + y)
        page.mouse.down()
        for step in range(1, 7):
            page.mouse.move(box["x"] + x + dx * step / 6, box["y"] + y)
        page.mouse.up()
        page.wait_for_selector("#status[data-ms]", state="attached", timeout=30_000)
        times.append(int(page.evaluate("document.getElementById('status').dataset.ms")))
        states.append(page.evaluate("document.getElementById('status').dataset.state"))
        # where that vertex is now (Geoman may have snapped it): grid 001's vertex nearest the drop
        drop = page.evaluate("([x, y]) => { const l = gridmapMap.containerPointToLatLng([x, y]); "
                             "return [l.lat, l.lng]; }", [x + dx, y])
        fc = page.evaluate(f"fetch('/layouts/{draft}').then(r => r.json())")
        ring = next(f for f in fc["grids"]["features"] if f["properties"]["code"].endswith("001"))["geometry"]
        lng, lat = min(ring["coordinates"][0], key=lambda c: (c[0] - drop[1]) ** 2 + (c[1] - drop[0]) ** 2)
        at = [lat, lng]
    ctx.close()
    with db.transaction(conn) as cur:
        cur.execute("DELETE FROM jurisdiction WHERE slug = 'bench-planner'")
    conn.close()
    print(f"planner edits: {', '.join(states)}", file=sys.stderr)
    return times


if __name__ == "__main__":
    main()
