"""Small things that say "unfinished" when missing: the icon, and a clean sign-in."""

from __future__ import annotations

import uuid

import httpx

from tests.browser import browsing, log_in


def test_the_favicon_is_served_and_linked(server, page):
    r = httpx.get(f"{server}/static/app/favicon.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.lstrip().startswith("<svg")
    icons = []
    page.on("response", lambda resp: icons.append((resp.url, resp.status)) if "favicon" in resp.url else None)
    page.goto("/login")
    page.wait_for_selector("#login")
    assert page.locator("link[rel=icon]").get_attribute("href") == "/static/app/favicon.svg"
    page.goto("/patrol/huamao/route?format=html")  # a folium map has it too
    page.wait_for_selector(".leaflet-container", timeout=20_000)
    assert page.locator("link[rel=icon]").get_attribute("href") == "/static/app/favicon.svg"
    page.wait_for_timeout(300)
    assert icons and all(status == 200 for _, status in icons), icons


def test_signing_in_logs_nothing_and_aborts_no_request(browser, server, make_user):
    name = f"leader-{uuid.uuid4().hex[:6]}"
    make_user("leader", "huamao", username=name, password="leader password")
    failed: list[str] = []
    logged: list[str] = []
    for pg in browsing(browser, server, None):
        pg.on("requestfailed", lambda r: failed.append(f"{r.method} {r.url} {r.failure}"))
        pg.on("console", lambda m: logged.append(m.text))
        pg.goto("/login?next=/patrol-today%3Fjurisdiction%3Dhuamao")
        log_in(pg, name, "leader password")
        pg.wait_for_url("**/patrol-today?**")
        pg.wait_for_selector("body[data-ready=true]", timeout=30_000)
        assert not failed, failed
        assert not [m for m in logged if "ERR_ABORTED" in m or "auth/token" in m], logged
