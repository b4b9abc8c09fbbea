"""The field app (``/field``) on an emulated mid-range phone: Chromium's CPU throttled ×4 and a
"slow 4G" network (150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up, as Lighthouse emulates
it); time from navigation to today's route drawn (``body[data-ready]``, the page's own
``performance.now()``), cold (a fresh phone: nothing cached) and cached (the service worker in
control, the shell from its cache, today's work asked from the network first).

    .venv/bin/python bench/field_bench.py > bench/results/field.md

The answers are checked before they are timed: every load must draw the same route (the same
streets, in the same order) as ``GET /field/{slug}/today`` returns. Runs in a database of its
own (created, migrated, dropped), on loopback. Chromium applies the network emulation to the
page, not to its service worker, so a cached load's request for today's work is not slowed:
the cached times are a lower bound on a real slow network by one round trip and today's
payload (its size is printed).
"""

from __future__ import annotations

import statistics
import sys
import uuid
from pathlib import Path

import httpx
import psycopg2
from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from grids_bench import serve  # noqa: E402

from gis import datasets, db, users  # noqa: E402
from gis.field_store import link_worker  # noqa: E402
from gis.importing import import_package  # noqa: E402
from gis.patrol.stewards_store import add_worker  # noqa: E402
from gis.settings import Settings  # noqa: E402

SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "permissions": ["geolocation"],
         "geolocation": {"longitude": 116.4818, "latitude": 39.9143, "accuracy": 8}}


def own_database(base: str) -> tuple[str, str]:
    """A fresh database (created and migrated) and its name."""
    from psycopg2.extensions import make_dsn, parse_dsn

    name = f"gridmap_bench_field_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(make_dsn(**{**parse_dsn(base), "dbname": "postgres"}))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    url = make_dsn(**{**parse_dsn(base), "dbname": name})
    conn = db.connect(url)
    with db.transaction(conn) as cur:
        db.migrate(cur)
    conn.close()
    return name, url


def drop(base: str, name: str) -> None:
    from psycopg2.extensions import make_dsn, parse_dsn

    admin = psycopg2.connect(make_dsn(**{**parse_dsn(base), "dbname": "postgres"}))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def worker_key(url: str) -> str:
    """Huamao with two daily walkers; the key of 王芳's account, linked to her record."""
    conn = db.connect(url)
    with db.transaction(conn) as cur:
        import_package(cur, datasets.dataset_path("huamao"), "huamao")
        add_worker(cur, "huamao", "王芳", "social_worker", grid="110105015001001")
        add_worker(cur, "huamao", "李强", "grid_worker", grid="110105015001002")
        users.add_user(cur, "wangfang", "worker", password=None, jurisdiction="huamao", grid="110105015001001")
        link_worker(cur, "wangfang", "huamao", "王芳")
        key = users.issue_token(cur, "wangfang", kind="key", hours=2, label="bench")
    conn.close()
    return key


def load(page, base: str, throttle) -> tuple[int, list[int]]:
    """Navigate to the app; ms to the route drawn, and the streets drawn in order."""
    throttle(page)
    page.goto(f"{base}/field")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    ms = int(page.evaluate("document.body.dataset.readyMs"))
    legs = page.evaluate("JSON.parse(document.body.dataset.legs || '[]')")
    return ms, legs


def main(loads: int = 10) -> None:
    base_url = Settings().database_url
    name, url = own_database(base_url)
    try:
        key = worker_key(url)
        server, base = serve(Settings(database_url=url))
        today = httpx.get(f"{base}/field/huamao/today", headers={"Authorization": f"Bearer {key}"}, timeout=60)
        expected = [leg["edge_id"] for leg in today.json()["legs"]]
        size = len(today.content)
        cold, cached = [], []
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])

                def throttle(page):
                    cdp = page.context.new_cdp_session(page)
                    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                    cdp.send("Network.enable")
                    cdp.send("Network.emulateNetworkConditions", SLOW_4G)

                for _ in range(loads + 1):
                    ctx = browser.new_context(**PHONE)
                    ctx.add_cookies([{"name": "gridmap_token", "value": key, "url": base}])
                    page = ctx.new_page()
                    ms, legs = load(page, base, throttle)
                    assert legs == expected, "a cold load drew another route"
                    cold.append(ms)
                    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
                    page.close()
                    page = ctx.new_page()
                    ms, legs = load(page, base, throttle)
                    assert legs == expected, "a cached load drew another route"
                    cached.append(ms)
                    ctx.close()
                browser.close()
        finally:
            server.should_exit = True
    finally:
        drop(base_url, name)
    cold, cached = cold[1:], cached[1:]  # the first round warms the server
    print(f"Today's work for 王芳 in Huamao: {len(expected)} streets on her route, {size / 1024:.0f} KiB of JSON.")
    print()
    print("| field page, CPU ×4, slow 4G | loads | median to route drawn | slowest | target |")
    print("|---|---|---|---|---|")
    print(f"| cold (nothing cached) | {len(cold)} | {statistics.median(cold):.0f} ms | {max(cold)} ms | < 5000 ms |")
    print(f"| cached (service worker) | {len(cached)} | {statistics.median(cached):.0f} ms | {max(cached)} ms "
          f"| < 2000 ms |")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
