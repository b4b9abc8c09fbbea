"""The one-map page (一张图) in headless Chromium: time from navigation to every default layer
drawn, on Huamao (GeoJSON layers) and on test_pbf's Kouvola (2,193 buildings, vector tiles).

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
    import_osm(conn, Path(pyrosm.get_data("test_pbf")), "kouvola", "Kouvola", box(26.93, 60.52, 26.97, 60.54),
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
            browser.close()
    finally:
        server.should_exit = True
    print("| one-map page | layers as | loads | median to drawn | slowest |")
    print("|---|---|---|---|---|")
    for slug, mode, med, worst in rows:
        print(f"| {slug} | {mode} | {loads} | {med:.0f} ms | {worst} ms |")


if __name__ == "__main__":
    main()
