"""Requests an attacker forges: writes from another site's page (or another port of this host),
redirects after sign-in, a forged Host, printing pointed at another host; and the headers every
answer carries. Each was reproduced against the service before it was fixed."""

from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx
import pytest

from gis import db, users
from gis.access import Unauthorized
from gis.errors import InvalidInput
from gis.links import local_path
from gis.printing import render
from tests.conftest import count, scalar
from tests.test_api import ZONE

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def cookie_client(server, admin_token):
    """A browser-like client: signed in by the login cookie only, as the pages are."""
    with httpx.Client(base_url=server, timeout=60, cookies={"gridmap_token": admin_token}) as c:
        yield c


@pytest.fixture
def attacker():
    """Another web server on this machine (another port: same site, other origin) that records
    every request it gets and serves a page that asks a third host for data."""
    seen: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            seen.append((self.path, dict(self.headers)))
            if self.path == "/hop":  # a same-origin URL that redirects elsewhere
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.3:9/after-the-hop")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.path == "/hopping":
                body = b"<!doctype html><body data-ready=true><img src='/hop'></body>"
            else:
                body = (b"<!doctype html><body data-ready=true><h1>attacker</h1>"
                        b"<img src='http://127.0.0.2:9/steal'><iframe src='http://localhost:9/'></iframe></body>")
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", seen
    srv.shutdown()
    srv.server_close()


# --- forged writes (CSRF) ---------------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"},   # another port, a modern browser
    {"Origin": "http://127.0.0.1:1"},                                   # another port, no Fetch metadata
    {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"},
    {"Origin": "null"},                                                 # a sandboxed frame, a file
])
def test_a_cookie_write_from_another_page_is_refused(cookie_client, conn, copy_of, headers):
    slug = copy_of("huamao")
    before = count(conn, "courier_zone", slug), count(conn, "layout", slug)
    # what a form on the attacker's page can send: text/plain, the cookie riding along
    r = cookie_client.post("/collections/courier_zone/items", params={"jurisdiction": slug},
                           content=json.dumps(ZONE), headers={**headers, "Content-Type": "text/plain"})
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert "another site" in r.json()["detail"]
    r = cookie_client.post(f"/jurisdictions/{slug}/layouts", json={"name": "forged"}, headers=headers)
    assert r.status_code == 403
    r = cookie_client.post("/auth/logout", headers=headers)
    assert r.status_code == 403
    assert (count(conn, "courier_zone", slug), count(conn, "layout", slug)) == before
    assert cookie_client.get("/auth/me").status_code == 200  # still signed in


def test_a_heavy_read_from_another_page_is_refused(cookie_client, copy_of):
    """Printing and siting read, but take seconds each: an <img> on a page of another port of the
    same host (the login cookie rides along: same site) must not start them."""
    slug = copy_of("huamao")
    no_fetch_metadata = {"Origin": "http://127.0.0.1:1"}  # a browser that sends no Sec-Fetch-Site
    for url, params in ((f"/coverage/{slug}/suggest", {"add": 0}),
                        ("/grids/110105015001001/print.pdf", {"jurisdiction": slug, "size": "A3"})):
        forged = cookie_client.get(url, params=params, headers={"Sec-Fetch-Site": "same-site"})
        assert forged.status_code == 403 and "another site" in forged.json()["detail"], (url, forged.text)
        assert cookie_client.get(url, params=params, headers=no_fetch_metadata).status_code == 403
    ours = cookie_client.get(f"/coverage/{slug}/suggest", params={"add": 0}, headers={"Sec-Fetch-Site": "same-origin"})
    assert ours.status_code == 400 and "query.add" in ours.text, ours.text  # past the check: its parameter refused


def test_our_own_pages_still_write(cookie_client, conn, copy_of, server):
    slug = copy_of("huamao")
    host = urlsplit(server).netloc
    r = cookie_client.post(f"/jurisdictions/{slug}/layouts", json={"name": "ours"},
                           headers={"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 201, r.text
    r = cookie_client.post("/collections/courier_zone/items", params={"jurisdiction": slug}, json=ZONE,
                           headers={"Origin": f"http://{host}"})
    assert r.status_code == 201, r.text


def test_a_json_body_needs_a_json_content_type(client, conn, copy_of):
    slug = copy_of("huamao")
    before = count(conn, "courier_zone", slug)
    r = client.post("/collections/courier_zone/items", params={"jurisdiction": slug}, content=json.dumps(ZONE),
                    headers={"Content-Type": "text/plain"})
    assert r.status_code == 415, r.text
    assert count(conn, "courier_zone", slug) == before


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_nobody_s_json_body_is_read_before_they_are_signed_in(server, token):
    """Parsing a large JSON body costs the service up to a second: an anonymous caller (or one
    with a made-up token) is refused 401 before it is read, malformed or not (it was parsed first:
    '{bad' answered 400, and eight anonymous clients posting 5 MB slowed every signed-in request)."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    big = json.dumps({"items": [{"type": "visit", "client_id": str(k)} for k in range(60_000)]})
    with httpx.Client(base_url=server, timeout=60) as c:
        for body in ("{bad", big):
            for path in ("/field/huamao/sync", "/collections/courier_zone/items?jurisdiction=huamao",
                         "/patrol/huamao/checkins"):
                r = c.post(path, content=body, headers=headers)
                assert r.status_code == 401, (path, r.status_code, r.text[:200])


# --- redirects after sign-in --------------------------------------------------------------------

@pytest.mark.parametrize("next_value, lands", [
    ("/.%2F/evil.com", "/evil.com"),
    ("/./%2Fevil.com", "/evil.com"),
    ("/%2E//evil.com", "/evil.com"),
    ("/%252F%252Fevil.com", "/evil.com"),
    ("//evil.com", "/"),
    ("/\\evil.com", "/"),
    ("/%5Cevil.com", "/"),
    ("https://evil.com/", "/"),
    ("javascript:alert(1)", "/"),
    ("/grids/110105015001001?jurisdiction=huamao", "/grids/110105015001001?jurisdiction=huamao"),
])
def test_after_sign_in_only_a_path_of_this_site(server, next_value, lands):
    assert local_path(next_value) == lands
    page = httpx.get(f"{server}/login", params={"next": next_value}).text
    got = re.search(r'data-next="([^"]*)"', page).group(1).replace("&amp;", "&")
    assert got == lands


def test_signing_in_through_a_crafted_link_stays_on_this_site(browser, server, make_user):
    """The browser follows ``next`` after signing in: it must stay on this host."""
    make_user("leader", jurisdiction="huamao", username="redirected", password="correct horse 1")
    ctx = browser.new_context(base_url=server)
    pg = ctx.new_page()
    try:
        pg.goto("/login?next=" + "/.%252F/evil.com")
        pg.fill("#username", "redirected")
        pg.fill("#password", "correct horse 1")
        pg.click("#submit")
        pg.wait_for_url(re.compile(r"lang="))
        assert urlsplit(pg.url).netloc == urlsplit(server).netloc
    finally:
        ctx.close()


# --- sign-out, cookies, what is public ------------------------------------------------------------

def test_logout_clears_the_cookie_with_its_flags(server, make_user):
    token = make_user("leader", jurisdiction="huamao")
    with httpx.Client(base_url=server, cookies={"gridmap_token": token}) as c:
        r = c.post("/auth/logout")
    assert r.status_code == 204
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=0" in cookie


def test_the_login_cookie_is_secure_when_configured(settings):
    from starlette.requests import Request

    from api.routers.auth import cookie_flags

    plain = Request({"type": "http", "scheme": "http", "headers": [], "path": "/", "server": ("x", 80)})
    assert cookie_flags(plain, settings)["secure"] is False
    assert cookie_flags(plain, settings.model_copy(update={"cookie_secure": True}))["secure"] is True


def test_only_the_documented_routes_are_public(server):
    """Decided: the API's description (/openapi.json, /docs, the OGC landing page and conformance
    classes) is public like /health and the login;
    every other route needs a sign-in (tests/test_access.py sweeps them all)."""
    for path in ("/health", "/login", "/openapi.json", "/docs", "/conformance"):
        assert httpx.get(server + path).status_code == 200, path
    # the OGC landing page: / asked for as JSON (as a browser asks, / is the map page: a sign-in)
    assert httpx.get(server + "/", headers={"Accept": "application/json"}).status_code == 200
    assert httpx.get(server + "/", headers={"Accept": "text/html"}).status_code == 303
    assert httpx.get(server + "/collections").status_code == 401


# --- headers and hosts ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/docs", "/", "/collections"])
def test_every_answer_has_the_security_headers(client, path):
    r = client.get(path, follow_redirects=False)
    csp = r.headers["content-security-policy"]
    script = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    assert r.headers["x-frame-options"] == "SAMEORIGIN"


def test_what_a_signed_in_user_sees_is_kept_by_no_shared_cache(client):
    """A case (a resident's address, a worker's name), the case list, the month's numbers: no
    answer that says nothing of caching may be kept by a proxy for the next one to ask; the page
    scripts, the same for everyone, may be (and are checked before reuse)."""
    case = client.get("/cases/huamao", params={"limit": 1}).json()["cases"][0]
    for path in (f"/cases/huamao/{case['id']}", "/cases/huamao", "/cases/huamao/kpi?from=2026-10-01&to=2026-10-31",
                 "/jurisdictions/huamao"):
        r = client.get(path)
        assert r.status_code == 200, (path, r.text)
        assert "private" in r.headers["cache-control"] and "no-cache" in r.headers["cache-control"], path
        assert "Authorization" in r.headers["vary"], path
    # the scripts, the same for everyone, are asked again before reuse (their names carry no
    # version): a browser guessing one fresh kept the release before's beside the new ones
    for path in ("/static/app/js/i18n.js", "/static/vendor/leaflet/leaflet.js"):
        asset = client.get(path)
        assert asset.status_code == 200 and asset.headers["cache-control"] == "no-cache", path
        again = client.get(path, headers={"If-None-Match": asset.headers["etag"]})
        assert again.status_code == 304, path  # cheaply


def test_a_folium_map_runs_only_its_own_scripts(client):
    r = client.get("/patrol/huamao/route", params={"format": "html"})
    nonce = re.search(r"'nonce-([^']+)'", r.headers["content-security-policy"]).group(1)
    tags = re.findall(r"<script\b[^>]*>", r.text)
    assert tags and all(f'nonce="{nonce}"' in t for t in tags)
    again = client.get("/patrol/huamao/route", params={"format": "html"})
    assert nonce not in again.headers["content-security-policy"]  # a nonce per answer


def test_a_forged_host_is_refused(server, auth):
    from api.headers import HEADERS

    r = httpx.get(server + "/collections", headers={**auth, "Host": "evil.example"})
    assert r.status_code == 400
    assert all(r.headers.get(name) == value for name, value in HEADERS.items()), r.headers  # the refusal too


# --- printing cannot be pointed elsewhere (SSRF) ----------------------------------------------------

def test_printing_ignores_the_host_it_is_asked_by(client, attacker):
    url, seen = attacker
    host = urlsplit(url).netloc  # 127.0.0.1:<the attacker's port>: an allowed name, another port
    r = client.get("/grids/110105015001001/print.pdf", params={"jurisdiction": "huamao"},
                   headers={"Host": host}, timeout=120)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    assert seen == []  # the print browser never went to the attacker, with a cookie or without


def test_the_print_browser_goes_to_no_other_origin(attacker):
    """A page that asks other hosts for anything is refused, not printed; those requests never
    leave the browser."""
    url, seen = attacker
    with ThreadPoolExecutor(1) as pool, pytest.raises(InvalidInput) as err:  # apart from the tests' browser loop
        pool.submit(render, url, "/", CHROMIUM).result()
    assert "other sites" in err.value.message
    assert any("127.0.0.2" in p for p in err.value.problems)
    assert [p for p, _ in seen] == ["/"]


def test_a_print_token_only_reads_and_ends(server, conn, copy_of):
    slug = copy_of("huamao")
    with db.transaction(conn) as cur:
        users.add_user(cur, f"printer-{slug}", "planner", password=None, jurisdiction=slug)
        token = users.issue_token(cur, f"printer-{slug}", kind="print", hours=0.02)
    h = {"Authorization": f"Bearer {token}"}
    layouts = count(conn, "layout", slug)
    assert httpx.get(f"{server}/collections/grid/items", params={"jurisdiction": slug}, headers=h).status_code == 200
    r = httpx.post(f"{server}/jurisdictions/{slug}/layouts", json={"name": "x"}, headers=h)
    assert r.status_code == 401 and count(conn, "layout", slug) == layouts
    # refused before its body is read, as an anonymous caller is
    bad = httpx.post(f"{server}/patrol/{slug}/checkins", content="{bad",
                     headers={**h, "Content-Type": "application/json"})
    assert bad.status_code == 401 and "print token" in bad.json()["detail"], bad.text
    with db.transaction(conn) as cur:
        users.revoke_token(cur, token)
    assert httpx.get(f"{server}/collections/grid/items", params={"jurisdiction": slug}, headers=h).status_code == 401


def test_after_a_print_its_token_is_revoked(client, conn):
    assert client.get("/grids/110105015001001/print.png", params={"jurisdiction": "huamao"},
                      timeout=120).status_code == 200
    with db.transaction(conn) as cur:
        cur.execute("SELECT count(*) FILTER (WHERE revoked_at IS NULL AND expires_at > now()), count(*)"
                    " FROM api_token WHERE kind = 'print'")
        live, made = cur.fetchone()
    assert made >= 1 and live == 0


# --- a few prints cannot take the service down --------------------------------------------------

def test_concurrent_prints_never_starve_the_api(server, make_user):
    """Sixteen prints at once by a grid worker (and a few by a leader): the worker gets one
    print, the rest 429 at once; the service never runs more prints than its limit; and light
    reads all answer while the prints are still being drawn (no pool deadlock: a print holds no
    database connection while its page calls back into the service)."""
    import time

    worker = make_user("worker", jurisdiction="huamao", grid="110105015001001")
    leader = make_user("leader", jurisdiction="huamao")
    url = f"{server}/grids/110105015001001/print.pdf?jurisdiction=huamao"
    done: list[tuple[float, int, str | None]] = []

    def prints(token):
        r = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=180)
        done.append((time.monotonic(), r.status_code, r.headers.get("retry-after")))

    threads = [threading.Thread(target=prints, args=(worker,)) for _ in range(16)]
    threads += [threading.Thread(target=prints, args=(leader,)) for _ in range(3)]
    for t in threads:
        t.start()
    reads = []
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {leader}"}, timeout=60) as c:
        for _ in range(10):
            r = c.get("/collections/building/items", params={"jurisdiction": "huamao", "limit": 5})
            reads.append((time.monotonic(), r.status_code))
    for t in threads:
        t.join()
    statuses = sorted(s for _, s, _ in done)
    # at most one print a user at once: the requests arrive together, so nearly all are refused
    assert statuses.count(200) >= 2 and statuses.count(429) >= 12, statuses
    assert set(statuses) <= {200, 429, 503} and all(ra for _, s, ra in done if s != 200)
    assert all(s == 200 for _, s in reads)
    last_print = max(t for t, s, _ in done if s == 200)
    assert max(t for t, _ in reads) < last_print  # answered while prints were still drawing



def test_a_redirect_does_not_take_the_print_browser_elsewhere(attacker):
    url, seen = attacker
    with ThreadPoolExecutor(1) as pool, pytest.raises(InvalidInput) as err:
        pool.submit(render, url, "/hopping", CHROMIUM).result()
    assert any("127.0.0.3" in p for p in err.value.problems)


# --- found by a review: other Authorization schemes, locking users out, formulas, 500s --------------

def test_a_browser_behind_a_basic_auth_proxy_still_gets_the_csrf_check(cookie_client, client, copy_of, conn):
    """A proxy's Basic (or Negotiate) login makes the browser send Authorization on every request,
    forged ones too: only a Bearer token exempts a write from the origin check."""
    slug = copy_of("huamao")
    draft = client.post(f"/jurisdictions/{slug}/layouts", json={"name": "to publish"}).json()["id"]
    forged = {"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site", "Authorization": "Basic Zm9vOmJhcg=="}
    published = lambda: scalar(conn, "SELECT count(*) FROM layout WHERE id = %s AND status = 'published'",  # noqa: E731
                                draft)
    assert cookie_client.post(f"/layouts/{draft}/publish", headers=forged).status_code == 403
    assert cookie_client.post("/auth/logout", headers=forged).status_code == 403
    assert cookie_client.post(f"/jurisdictions/{slug}/grids/generate", params={"households_per_grid": 400},
                              headers=forged).status_code == 403
    assert published() == 0 and cookie_client.get("/auth/me").status_code == 200


def test_nobody_can_lock_a_user_out_by_failing_on_purpose(conn, make_user):
    import uuid

    from gis.access import TooManyAttempts
    from gis.users import LoginLimits
    from tests.conftest import sign_in

    make_user("leader", "huamao", username="locked-out-not", password="the right one 1")
    limits = LoginLimits(window_s=300, per_client=20, per_user=10)
    guesser, owner = f"guesser-{uuid.uuid4().hex[:8]}", f"owner-{uuid.uuid4().hex[:8]}"  # addresses of their own
    for _ in range(10):
        with pytest.raises(Unauthorized):
            sign_in(conn, "locked-out-not", "wrong", guesser, hours=1, limits=limits)
    with pytest.raises(TooManyAttempts):  # the guessing client is stopped, even with the right password
        sign_in(conn, "locked-out-not", "the right one 1", guesser, hours=1, limits=limits)
    token, who = sign_in(conn, "locked-out-not", "the right one 1", owner, hours=1, limits=limits)
    assert token and who.username == "locked-out-not"  # the user, from their own machine, is not


def test_a_spreadsheet_shows_names_as_text_not_formulas(client):
    r = client.get("/patrol/huamao/schedule", params={"from": "2026-12-01", "days": 3, "format": "csv",
                                                      "workers": "=HYPERLINK(\"http://evil\"),@SUM(1)"})
    assert r.status_code == 200
    cells = [c for line in r.text.splitlines()[1:] for c in next(__import__("csv").reader([line]))]
    assert "'=HYPERLINK(\"http://evil\")" in cells and "'@SUM(1)" in cells
    assert not any(c[:1] in "=+@" for c in cells if c)


def test_the_login_form_never_sends_the_password_in_a_url(server):
    page = httpx.get(f"{server}/login").text
    assert re.search(r'<form id="login"[^>]*method="post"[^>]*action="/auth/token"', page)


def test_a_coverage_map_with_many_thresholds(client):
    r = client.get("/coverage/huamao", params={"format": "html", "thresholds": "50,100,150,200,250,300"})
    assert r.status_code == 200, r.text[:300]


def test_an_unexpected_error_still_carries_the_security_headers(settings):
    import asyncio

    from api.main import create_app

    app = create_app(settings)

    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/boom", boom)

    async def call():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as c:
            return await c.get("/boom")

    with ThreadPoolExecutor(1) as pool:  # an event loop of its own, whatever ran before
        r = pool.submit(asyncio.run, call()).result()
    assert r.status_code == 500 and "a bug" not in r.text
    assert "'unsafe-inline'" not in re.search(r"script-src ([^;]*)", r.headers["content-security-policy"]).group(1)
    assert r.headers["x-content-type-options"] == "nosniff"


def test_markup_in_a_street_name_adds_no_script_to_a_folium_map(client, copy_of, conn):
    """folium's inline scripts get this answer's nonce; a name can add no script tag of its own
    (``gis.map_text`` escapes it), so the nonce blesses folium's tags only."""
    plain = client.get("/patrol/huamao/route", params={"format": "html"}).text
    slug = copy_of("huamao")
    with db.transaction(conn) as cur:
        cur.execute("UPDATE street_edge s SET name = '</script><script>alert(1)</script>' FROM jurisdiction j "
                    "WHERE j.id = s.jurisdiction_id AND j.slug = %s", (slug,))
    planted = client.get(f"/patrol/{slug}/route", params={"format": "html"}).text
    assert planted.count("<script") == plain.count("<script") and "alert(1)</script>" not in planted


@pytest.mark.parametrize("proxy", [None, "127.0.0.1"])
def test_a_client_cannot_pose_as_many_addresses_to_pass_the_sign_in_throttle(database_url, proxy):
    """`gridmap serve` as run (a process of its own, 3 failures allowed per address here): wrong
    passwords each sent with another X-Forwarded-For are still one client's, and the fourth is
    429. Only behind a proxy named with --forwarded-allow-ips is the header believed: then it is
    the proxy's word for who the client is, and each address is counted on its own."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import uuid

    from tests.conftest import ROOT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRIDMAP_DATABASE_URL": database_url, "GRIDMAP_LOGIN_MAX_FAILURES_CLIENT": "3"}
    args = [sys.executable, "-m", "gis.cli", "serve", "--port", str(port), "--log-level", "warning"]
    server = subprocess.Popen(args + (["--forwarded-allow-ips", proxy] if proxy else []), env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(base + "/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        name = f"nobody-{uuid.uuid4().hex[:8]}"
        answers = [httpx.post(base + "/auth/token", data={"username": name, "password": "wrong"},
                              headers={"X-Forwarded-For": f"203.0.113.{k}"}, timeout=30).status_code
                   for k in range(1, 5)]
    finally:
        server.terminate()
        server.wait(10)
    assert answers == ([401] * 4 if proxy else [401, 401, 401, 429]), answers
