"""Roles and access on the real server and database: who may read and write what, sign-in with
the OAuth2 password flow, throttled guessing, keys, and the history's actor.

Every route is swept: without a token (401, or the login page for pages), and with each role
that may not do what the route does (403). Each sweep checks that nothing in the database changed.
"""

from __future__ import annotations

import re
import uuid

import httpx
import mapbox_vector_tile
import pytest

from api.auth import Allow, signed_in
from api.main import ROUTERS
from gis import access, db, users
from gis.tiles import tile_of
from tests.conftest import scalar, sign_in
from tests.test_grids import draft_of

# What each route needs: the policy, written out once more so that a route added without a
# deliberate choice (or a choice changed by accident) fails here.
POLICY = {
    "GET /health": "public",
    "POST /auth/token": "public",
    "GET /login": "public",
    "GET /docs": "public",
    "GET /docs/oauth2-redirect": "public",
    "POST /auth/logout": "signed_in",
    "GET /auth/me": "signed_in",
    "GET /collections": "view",
    "GET /collections/{layer}": "view",
    "GET /collections/{layer}/queryables": "signed_in",
    "GET /collections/{layer}/schema": "signed_in",
    "GET /conformance": "public",
    "GET /config": "signed_in",
    "GET /collections/{layer}/items": "view",
    "GET /collections/{layer}/items/{feature_id}": "view",
    "POST /collections/{layer}/items": "plan",
    "PUT /collections/{layer}/items/{feature_id}": "plan",
    "DELETE /collections/{layer}/items/{feature_id}": "plan",
    "GET /": "view",
    "GET /grids/{code}": "view",
    "GET /planner": "plan",
    "GET /patrol-today": "read",
    "GET /patrol-day": "read",
    "GET /cases": "view",
    "GET /case/{case_id}": "view",
    "GET /grids/{code}/print": "view",
    "GET /grids/{code}/print.{fmt}": "view",
    "GET /cases-report": "read",
    "GET /communities": "read",
    "GET /cases-report/print.{fmt}": "read",
    "GET /jurisdictions/{slug}/grids/{code}/summary": "view",
    "GET /patrol/{slug}/route": "view",
    "GET /patrol/{slug}/visits": "read",
    "GET /patrol/{slug}/schedule": "read",
    "POST /patrol/{slug}/tracks": "schedule",
    "POST /patrol/{slug}/checkins": "schedule",
    "GET /patrol/{slug}/coverage": "read",
    "GET /patrol/{slug}/progress": "read",
    "GET /patrol/{slug}/day": "read",
    "GET /patrol/{slug}/stewards": "read",
    "POST /patrol/{slug}/workers": "schedule",
    "GET /coverage/{slug}": "read",
    "POST /coverage/{slug}/compare": "read",
    "GET /coverage/{slug}/suggest": "read",
    "POST /coverage/{slug}/suggest": "read",
    "POST /jurisdictions/{slug}/grids/generate": "plan",
    "GET /jurisdictions/{slug}/grids/check": "read",
    "GET /jurisdictions/{slug}/layouts": "read",
    "POST /jurisdictions/{slug}/layouts": "plan",
    "GET /jurisdictions/{slug}/history": "read",
    "POST /jurisdictions/{slug}/layouts/{layout_id}/revert": "plan",
    "GET /layouts/{layout_id}": "read",
    "GET /layouts/{layout_id}/compare": "read",
    "POST /layouts/{layout_id}/publish": "plan",
    "DELETE /layouts/{layout_id}": "plan",
    "PUT /layouts/{layout_id}/grids/{grid_id}": "plan",
    "POST /layouts/{layout_id}/grids/{grid_id}/buildings": "plan",
    "POST /layouts/{layout_id}/grids/{grid_id}/split": "plan",
    "POST /layouts/{layout_id}/grids/{grid_id}/merge/{other_id}": "plan",
    "POST /layouts/{layout_id}/{layer}": "plan",
    "PUT /layouts/{layout_id}/{layer}/{fid}": "plan",
    "DELETE /layouts/{layout_id}/{layer}/{fid}": "plan",
    "POST /jurisdictions": "admin",
    "GET /jurisdictions/{slug}": "view",
    "GET /jurisdictions/kpi": "read",
    "PATCH /jurisdictions/{slug}": "admin",
    "GET /tiles/{layer}.json": "view",
    "GET /tiles/{layer}/{z}/{x}/{y}.mvt": "view",
    "GET /cases/{slug}": "view",
    "POST /cases/{slug}": "report",
    "GET /cases/{slug}/categories": "view",
    "GET /cases/{slug}/kpi": "read",
    "GET /cases/{slug}/hotspots": "read",
    "GET /cases/{slug}/density": "read",
    "GET /cases/{slug}/kpi.xlsx": "read",
    "POST /cases/{slug}/tickets": "triage",
    "POST /cases/{slug}/feedback": "triage",
    "PUT /cases/{slug}/categories/{category}": "triage",
    "PUT /cases/{slug}/departments/{department}": "triage",
    "GET /cases/{slug}/{case_id}": "view",
    "POST /cases/{slug}/{case_id}/transitions": "handle",
    "POST /cases/{slug}/{case_id}/feedback": "triage",
    "GET /cases/{slug}/assignees": "triage",
    "GET /field": "report",
    "GET /field/manifest.webmanifest": "public",
    "GET /field/sw.js": "public",
    "GET /field/{slug}/today": "report",
    "POST /field/{slug}/sync": "report",
    "POST /cases/{slug}/{case_id}/photos": "handle",
    "GET /cases/{slug}/{case_id}/photos/{photo_id}": "view",
}
# Reading computations that take a body: the only POSTs a reader may send.
READING_POSTS = {"POST /coverage/{slug}/compare", "POST /coverage/{slug}/suggest"}
GRID_1, GRID_2 = "110105015001001", "110105015001002"


def routes() -> list[tuple[str, str, str, bool]]:
    """Every route as (method, path, what it needs, whether it is a page)."""
    out = []
    for module in ROUTERS:
        for route in module.router.routes:
            needs, page = "public", False
            for dep in route.dependant.dependencies:
                if isinstance(dep.call, Allow):
                    needs, page = dep.call.action, dep.call.page
                elif dep.call is signed_in:
                    needs = "signed_in"
            for method in route.methods:
                out.append((method, route.path, needs, page))
    return out


def test_every_route_declares_what_it_needs():
    declared = {f"{m} {p}": needs for m, p, needs, _ in routes()}
    assert declared == POLICY
    for key, needs in declared.items():
        method = key.split()[0]
        if method != "GET" and key not in READING_POSTS | {"POST /auth/token", "POST /auth/logout"}:
            assert needs in {"plan", "schedule", "admin"} | access.CASE_ACTIONS, f"{key} writes with only {needs!r}"


def test_the_policy_table():
    """Who may do what (gis.access, pure)."""
    assert not access.GRANTS["worker"] & {"read", "plan", "schedule", "triage"}
    assert access.GRANTS["leader"] == {"view", "read", "report", "handle", "triage"}
    assert access.GRANTS["department"] == {"view", "handle"}
    assert not (access.GRANTS["planner"] | access.GRANTS["scheduler"]) & access.CASE_ACTIONS
    assert "plan" in access.GRANTS["planner"] and "schedule" not in access.GRANTS["planner"]
    assert "schedule" in access.GRANTS["scheduler"] and "plan" not in access.GRANTS["scheduler"]
    assert access.GRANTS["admin"] == set(access.ACTIONS)
    worker = access.Principal(1, "w", "worker", 7, "a", GRID_1, 11)
    access.check(worker, "view", 7, 11)
    access.check(worker, "view", 7, None)
    for args in [("view", 7, 12), ("view", 8, None), ("read", 7, None), ("plan", 7, 11)]:
        with pytest.raises(access.Forbidden):
            access.check(worker, *args)
    city = access.Principal(2, "c", "leader")  # bound to no jurisdiction: reads every one
    access.check(city, "read", None)
    access.check(city, "read", 8)


@pytest.fixture(scope="module")
def place(database_url, server, auth):
    """A copy of Huamao with a draft, and the ids the routes' paths need."""
    from gis import datasets
    from gis.importing import import_package

    conn = db.connect(database_url)
    slug = f"access-{uuid.uuid4().hex[:8]}"
    with db.transaction(conn) as cur:
        import_package(cur, datasets.dataset_path("huamao"), slug)
    with httpx.Client(base_url=server, headers=auth, timeout=30) as c:
        lid, draft = draft_of(c, slug)
    grids = {f["properties"]["code"]: f["id"] for f in draft["grids"]["features"]}
    zone = draft["courier_zones"]["features"][0]["id"]
    jid = scalar(conn, "SELECT id FROM jurisdiction WHERE slug = %s", slug)
    live = dict(zip(("g1", "g2"), (scalar(conn, "SELECT id FROM grid WHERE jurisdiction_id = %s AND code = %s",
                                          jid, code) for code in (GRID_1, GRID_2)), strict=True))
    in_2 = scalar(conn, "SELECT min(id) FROM building WHERE grid_id = %s", live["g2"])
    in_1 = scalar(conn, "SELECT min(id) FROM building WHERE grid_id = %s", live["g1"])
    case_2 = scalar(conn, "SELECT min(id) FROM case_record WHERE grid_id = %s AND department_id IS NULL", live["g2"])
    conn.close()
    return {"slug": slug, "jid": jid, "layout_id": lid, "grid_id": grids[GRID_1], "other_id": grids[GRID_2],
            "fid": zone, "building_2": in_2, "building_1": in_1, "live_grid_1": live["g1"], "case_2": case_2}


def url_for(path: str, place: dict) -> str:
    """The route's path filled with real ids of the copy, aimed at grid 002 and its buildings."""
    layer = "courier_zone" if path.startswith("/layouts/") else "building"
    values = {"slug": place["slug"], "layout_id": place["layout_id"], "grid_id": place["grid_id"],
              "other_id": place["other_id"], "fid": place["fid"], "layer": layer, "feature_id": place["building_2"],
              "code": GRID_2, "z": 0, "x": 0, "y": 0, "fmt": "pdf", "case_id": place["case_2"],
              "category": "garbage", "department": "sanitation", "photo_id": 1}
    filled = re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
    return f"{filled}?jurisdiction={place['slug']}"


def fingerprint(conn) -> tuple:
    """What any write would change."""
    return scalar(conn, "SELECT row((SELECT count(*) FROM history), (SELECT count(*) FROM layout),"
                        " (SELECT count(*) FROM worker), (SELECT count(*) FROM patrol_track),"
                        " (SELECT count(*) FROM visit), (SELECT coalesce(sum(version), 0) FROM layout_grid),"
                        " (SELECT coalesce(sum(version), 0) FROM layout_courier_zone),"
                        " (SELECT count(*) FROM api_token))::text")


def send(c: httpx.Client, method: str, url: str) -> httpx.Response:
    return c.request(method, url, json={} if method in ("POST", "PUT", "PATCH") else None, follow_redirects=False)


def test_without_a_token_every_route_but_the_public_is_refused(server, place, conn):
    before = fingerprint(conn)
    with httpx.Client(base_url=server, timeout=30) as c:
        for method, path, needs, page in routes():
            if needs == "public":
                continue
            r = send(c, method, url_for(path, place))
            if page:
                assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), (method, path)
            else:
                assert r.status_code == 401, (method, path, r.status_code, r.text)
                assert r.headers["www-authenticate"] == "Bearer"
                assert r.headers["content-type"] == "application/problem+json"
                assert place["slug"] not in r.text  # nothing of the place leaks
        for bad in ("Bearer nonsense", "Bearer gm_" + "x" * 43, "Basic Ym9zczpib3Nz"):
            r = c.get(url_for("/collections/{layer}/items", place), headers={"Authorization": bad})
            assert r.status_code == 401, bad
    assert fingerprint(conn) == before


def refusal(r) -> str:
    """Why a 403 refused: problem+json's detail, or, for a page, the reason the page shows (pages
    answer a page in the user's language, not JSON)."""
    if r.headers["content-type"].startswith("text/html"):
        import html
        import re

        return html.unescape(re.search(r'data-message="([^"]*)"', r.text).group(1))
    assert r.json()["title"] == "Forbidden"
    return r.json()["detail"]


@pytest.mark.parametrize("role", ["worker", "leader", "planner", "scheduler", "department"])
def test_each_role_is_refused_what_it_may_not_do(server, place, conn, make_user, role):
    token = make_user(role, place["slug"], GRID_1 if role == "worker" else None,
                      department="sanitation" if role == "department" else None)
    before = fingerprint(conn)
    refused = 0
    with httpx.Client(base_url=server, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        for method, path, needs, _ in routes():
            if needs in ("public", "signed_in"):
                continue
            # a worker may view, but not grid 002, which every path here points at
            other_grid = "{code}" in path or "{feature_id}" in path
            may = needs in access.GRANTS[role] and not (role == "worker" and other_grid)
            if may:
                continue
            r = send(c, method, url_for(path, place))
            assert r.status_code == 403, (role, method, path, r.status_code, r.text[:200])
            assert refusal(r)
            refused += 1
    assert refused == {"worker": 57, "leader": 21, "planner": 17, "scheduler": 30, "department": 56}[role]
    assert fingerprint(conn) == before


def test_nobody_bound_to_another_jurisdiction_reaches_this_one(server, place, conn, make_user):
    token = make_user("planner", "xinghuananli")
    before = fingerprint(conn)
    with httpx.Client(base_url=server, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        for method, path, needs, _ in routes():
            if needs in ("public", "signed_in") or needs not in access.GRANTS["planner"]:
                continue
            r = send(c, method, url_for(path, place))
            assert r.status_code == 403, (method, path, r.status_code)
            assert "another jurisdiction" in refusal(r) or "无权访问其他社区" in refusal(r)  # pages: Chinese
        # lists without a jurisdiction hold only their own
        grids = c.get("/collections/grid/items", params={"limit": 1000}).json()
        assert grids["numberMatched"] == 5 and {f["properties"]["jurisdiction"] for f in grids["features"]} == {
            "xinghuananli"}
        places = c.get("/collections/jurisdiction/items").json()["features"]
        assert [f["properties"]["jurisdiction"] for f in places] == ["xinghuananli"]
    assert fingerprint(conn) == before


def test_a_grid_worker_reads_the_buildings_and_households_of_their_grid_only(server, place, conn, make_user):
    token = make_user("worker", place["slug"], GRID_1)
    slug = place["slug"]
    mine = scalar(conn, "SELECT row(count(*), sum(households))::text FROM building WHERE grid_id = %s",
                  place["live_grid_1"])
    n_mine, households_mine = (int(x) for x in mine.strip("()").split(","))
    n_all = scalar(conn, "SELECT count(*) FROM building WHERE jurisdiction_id = %s", place["jid"])
    assert 0 < n_mine < n_all
    with httpx.Client(base_url=server, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        fc = c.get("/collections/building/items", params={"jurisdiction": slug, "limit": 10000}).json()
        assert fc["numberMatched"] == n_mine == len(fc["features"])
        assert {f["properties"]["grid_id"] for f in fc["features"]} == {place["live_grid_1"]}
        assert sum(f["properties"]["households"] for f in fc["features"]) == households_mine
        # the map layers without residents are the jurisdiction's
        assert c.get("/collections/grid/items", params={"jurisdiction": slug}).json()["numberMatched"] == 4
        # one by one: their grid's building, not another's
        assert c.get(f"/collections/building/items/{place['building_1']}").status_code == 200
        assert c.get(f"/collections/building/items/{place['building_2']}").status_code == 403
        # the grid's numbers
        assert c.get(f"/jurisdictions/{slug}/grids/{GRID_1}/summary").json()["households"] == households_mine
        assert c.get(f"/jurisdictions/{slug}/grids/{GRID_2}/summary").status_code == 403
        # vector tiles hold their grid's buildings only
        tj = c.get("/tiles/building.json", params={"jurisdiction": slug}).json()
        x, y = tile_of(116.479, 39.910, 13)  # all of Huamao
        r = c.get(f"/tiles/building/13/{x}/{y}.mvt", params={"jurisdiction": slug, "v": tj["version"]})
        ids = {f["properties"]["id"] for f in mapbox_vector_tile.decode(r.content)["building"]["features"]}
        in_grid = set(scalar(conn, "SELECT array_agg(id) FROM building WHERE grid_id = %s", place["live_grid_1"]))
        assert ids == in_grid
        # their patrol route is their grid's; another grid's is refused
        route = c.get(f"/patrol/{slug}/route").json()
        whole = c.get(f"/patrol/{slug}/route", params={"grid": GRID_1}).json()
        assert route["length_m"] == whole["length_m"]
        assert c.get(f"/patrol/{slug}/route", params={"grid": GRID_2}).status_code == 403
        assert c.get(f"/patrol/{slug}/route", params={"compound": "华贸中心"}).status_code == 403
        me = c.get("/auth/me").json()
        assert me["role"] == "worker" and me["grid"] == GRID_1 and me["may"] == ["handle", "report", "view"]


def test_writes_are_recorded_as_the_user_who_made_them(server, place, conn, make_user):
    name = f"planner-{uuid.uuid4().hex[:6]}"
    token = make_user("planner", place["slug"], username=name)
    slug = place["slug"]
    with httpx.Client(base_url=server, timeout=30, headers={"Authorization": f"Bearer {token}"}) as c:
        g = c.get("/collections/grid/items", params={"jurisdiction": slug}).json()["features"][0]
        tag = c.get(f"/collections/grid/items/{g['id']}").headers["etag"]
        props = {k: v for k, v in g["properties"].items() if k not in ("jurisdiction", "version")}
        r = c.put(f"/collections/grid/items/{g['id']}", headers={"If-Match": tag},
                  json={"type": "Feature", "geometry": g["geometry"], "properties": {**props, "leader": "张三"}})
        assert r.status_code == 204, r.text
        draft = c.post(f"/jurisdictions/{slug}/layouts", json={"name": "by " + name}).json()
        assert draft["created_by"] == name
        history = c.get(f"/jurisdictions/{slug}/history", params={"limit": 1000}).json()
    assert any(h["actor"] == name and h["table"] == "grid" and h["op"] == "update" and h["id"] == g["id"]
               for h in history)
    assert scalar(conn, "SELECT actor FROM history WHERE table_name = 'grid' AND feature_id = %s "
                        "ORDER BY id DESC LIMIT 1", g["id"]) == name
    # the next request on the same pooled connection, without a user, is no one's: its actor is cleared
    with httpx.Client(base_url=server, timeout=30) as anon:
        assert anon.get("/health").status_code == 200


def test_the_oauth2_password_flow_and_the_cookie(server, make_user):
    name = f"leader-{uuid.uuid4().hex[:6]}"
    make_user("leader", "huamao", username=name, password="a long secret phrase")
    with httpx.Client(base_url=server, timeout=30) as c:
        r = c.post("/auth/token", data={"username": name, "password": "a long secret phrase"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["token_type"] == "bearer" and body["user"]["role"] == "leader"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        bearer = {"Authorization": f"Bearer {body['access_token']}"}
        assert c.get("/auth/me", headers=bearer).json()["jurisdiction"] == "huamao"
        assert c.get("/coverage/huamao", headers=bearer).status_code == 200  # a leader reads the jurisdiction
        # the cookie alone signs the pages in
        with httpx.Client(base_url=server, cookies={"gridmap_token": body["access_token"]}) as browser:
            assert browser.get("/?jurisdiction=huamao", follow_redirects=False).status_code == 200
        # signing out ends the token
        assert c.post("/auth/logout", headers=bearer).status_code == 204
        assert c.get("/auth/me", headers=bearer).status_code == 401
        # a wrong password, an unknown user: the same answer
        for user, pw in ((name, "not the password"), ("nobody-" + name, "a long secret phrase")):
            r = c.post("/auth/token", data={"username": user, "password": pw})
            assert r.status_code == 401 and r.json()["detail"] == "wrong user name or password"


def test_password_guessing_is_throttled(server, make_user, conn):
    name = f"target-{uuid.uuid4().hex[:6]}"
    make_user("planner", "huamao", username=name, password="the right password")
    with httpx.Client(base_url=server, timeout=30) as c:
        for _ in range(10):  # GRIDMAP_LOGIN_MAX_FAILURES_USER
            assert c.post("/auth/token", data={"username": name, "password": "guess"}).status_code == 401
        r = c.post("/auth/token", data={"username": name, "password": "the right password"})
        assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 300
        assert "too many failed logins" in r.json()["detail"]
    assert scalar(conn, "SELECT count(*) FROM login_attempt WHERE username = %s AND NOT ok", name) == 10
    assert scalar(conn, "SELECT count(*) FROM api_token t JOIN app_user u ON u.id = t.user_id "
                        "WHERE u.username = %s AND t.kind = 'session'", name) == 0
    # from one client, over many user names: the client's own limit
    limits = users.LoginLimits(window_s=60, per_client=3, per_user=100)
    client = f"client-{uuid.uuid4().hex[:8]}"  # an address no other test fails from
    for k in range(3):
        with pytest.raises(access.Unauthorized):
            sign_in(conn, f"someone-{k}", "guess", client, hours=1, limits=limits)
    with pytest.raises(access.TooManyAttempts):
        sign_in(conn, name, "the right password", client, hours=1, limits=limits)


def test_users_from_the_command_line(cli, server, conn):
    name = f"cli-{uuid.uuid4().hex[:6]}"
    out = cli("users", "add", name, "--role", "worker", "--jurisdiction", "huamao", "--grid", GRID_1,
              "--password-stdin", input_text="worker password 1\n")
    assert f"{name}: worker in huamao, grid {GRID_1}" in out.stdout
    stored = scalar(conn, "SELECT password_hash FROM app_user WHERE username = %s", name)
    assert stored.startswith("$argon2id$") and "worker password 1" not in stored
    with httpx.Client(base_url=server, timeout=30) as c:
        r = c.post("/auth/token", data={"username": name, "password": "worker password 1"})
        assert r.status_code == 200 and r.json()["user"]["grid"] == GRID_1
    # a machine account with a key; the key is kept as a hash only
    cli("users", "add", f"{name}-etl", "--role", "scheduler", "--jurisdiction", "huamao", "--machine")
    key = cli("users", "key", f"{name}-etl", "--days", "30", "--label", "gps import").stdout.strip()
    assert key.startswith("gm_")
    assert scalar(conn, "SELECT count(*) FROM api_token WHERE label = 'gps import' AND token_hash = "
                        "sha256(convert_to(%s, 'UTF8'))", key) == 1
    with httpx.Client(base_url=server, timeout=30, headers={"Authorization": f"Bearer {key}"}) as c:
        assert c.get("/auth/me").json()["role"] == "scheduler"
        cli("users", "disable", f"{name}-etl")
        assert c.get("/auth/me").status_code == 401
    # refused, with the reason, and nothing written
    users_before = scalar(conn, "SELECT count(*) FROM app_user")
    for args, message in [
        (("users", "add", name, "--role", "leader", "--machine"), "exists already"),
        (("users", "add", "w-" + name, "--role", "worker", "--jurisdiction", "huamao", "--machine"), "needs"),
        (("users", "add", "r-" + name, "--role", "mayor", "--machine"), "is not one of"),
        (("users", "add", "g-" + name, "--role", "worker", "--jurisdiction", "huamao", "--grid", "110105015001999",
          "--machine"), "has no grid"),
        (("users", "add", "p-" + name, "--role", "leader", "--password-stdin"), "8 to 1024 characters"),
    ]:
        proc = cli(*args, check=False, input_text="short\n")
        assert proc.returncode == 2 and message in proc.stderr, (args, proc.stderr)
    assert scalar(conn, "SELECT count(*) FROM app_user") == users_before
    # the first admin is made only when there is no user at all
    assert "users exist already" in cli("users", "bootstrap").stdout
    assert scalar(conn, "SELECT count(*) FROM app_user") == users_before


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_the_login_page_sends_nobody_to_another_site(server, target):
    page = httpx.get(f"{server}/login", params={"next": target})
    assert page.status_code == 200 and 'data-next="/"' in page.text
