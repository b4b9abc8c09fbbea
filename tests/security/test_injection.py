"""Markup planted in data or a URL never runs: a corpus of payloads goes into every text field of
every layer, of workers, GPS tracks and check-ins, and of a draft; then every page and every HTML
answer is opened in a real browser as each role, every tooltip and popup is opened, and the test
fails on any dialog, any element the payloads would create, any content security policy violation
or any error the page logs. It also checks that the payloads were shown, as text: the test looks
at the very places an attack would go.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import gpxpy.gpx
import httpx
import pytest

from gis import datasets, db
from gis.field_store import link_worker
from gis.importing import import_package
from tests.browser import browsing, shot

# Each closes a context an attacker might hope the value lands in: HTML text, an attribute, an
# inline script, a JavaScript template literal, a URL; SVG and frames.
PAYLOADS = (
    "<img src=x onerror=alert(1) id=gm-inj-1>",
    '"><script id=gm-inj-2>alert(2)</script>',
    "</script><script>alert(3)</script>",
    "'><svg id=gm-inj-4 onload=alert(4)>",
    "javascript:alert(5)",
    "`${alert(6)}`\\",
    '<a id=gm-inj-7 href="javascript:alert(7)">x</a>',
    '<iframe id=gm-inj-8 srcdoc="<script>alert(8)</script>"></iframe>',
    "<b id=gm-inj-9>bold</b>{{7*7}}",
)
# Every free-text column a planner, scheduler or import can fill (others are codes and kinds
# that the database holds to a pattern).
TEXT_COLUMNS = {
    "jurisdiction": ("name",), "compound": ("name", "governance"), "grid": ("name", "leader"),
    "building": ("name", "manager"), "courier_zone": ("name", "hours", "operator"),
    "post_station": ("name", "hours"), "candidate_site": ("name",), "street_edge": ("name",),
    "layout_grid": ("name", "leader"), "layout_courier_zone": ("name", "hours", "operator"),
    "layout_post_station": ("name", "hours"), "department": ("name_zh", "name_en"),
    "case_category": ("name_zh", "name_en"),
}
# What a page must not hold after the payloads went through it.
INJECTED = ('[id^="gm-inj"], [onerror], [onload], iframe, a[href^="javascript:" i], '
            'script:not([src]):not([nonce])')
# Watch the page from its first script: content security policy violations, and every text
# added to the document (to prove the payloads were shown).
WATCH = """
window.__csp = []; window.__seen = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) if (n.textContent) window.__seen.push(n.textContent);
}).observe(document, { childList: true, subtree: true });
"""
# Open every tooltip and popup on every map of the page: what a user hovering and clicking
# everything would see (a group's tooltip, bound once, opens for each of its features).
OPEN_ALL = """() => {
  const maps = Object.keys(window).map((k) => { try { return window[k]; } catch (e) { return null; } })
    .filter((v) => v instanceof L.Map);
  let opened = 0;
  for (const m of new Set(maps)) {
    m.eachLayer((l) => {
      let at = null;
      try {  // a group of groups (a layer with its labels) has no bounds of its own
        const box = l.getBounds && l.getBounds();
        at = l.getLatLng ? l.getLatLng() : (box && box.isValid() ? box.getCenter() : null);
      } catch (e) { at = null; }
      if (!at) return;
      l.fire("mouseover", { latlng: at }, true);
      l.fire("click", { latlng: at }, true);
      opened += 1;
    });
  }
  return opened;
}"""


def _gpx(coords) -> str:
    doc = gpxpy.gpx.GPX()
    seg = gpxpy.gpx.GPXTrackSegment()
    for lon, lat in coords:
        seg.points.append(gpxpy.gpx.GPXTrackPoint(latitude=lat, longitude=lon))
    track = gpxpy.gpx.GPXTrack()
    track.segments.append(seg)
    doc.tracks.append(track)
    return doc.to_xml()


@pytest.fixture(scope="module")
def planted(database_url, server, make_user):
    """A copy of Huamao with a payload in every text field, a draft, workers, tracks and
    check-ins named by payloads; the users of each role there, and a grid."""
    slug = f"inj-{uuid.uuid4().hex[:8]}"
    conn = db.connect(database_url)
    try:
        with db.transaction(conn) as cur:
            import_package(cur, datasets.dataset_path("huamao"), slug)
        users = {role: make_user(role, jurisdiction=slug) for role in ("leader", "planner", "scheduler")}
        with db.transaction(conn) as cur:
            cur.execute("SELECT id FROM jurisdiction WHERE slug = %s", (slug,))
            jid = cur.fetchone()[0]
            cur.execute("SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid"
                        " WHERE jurisdiction_id = %s ORDER BY code LIMIT 1", (jid,))
            code, *inside = cur.fetchone()
        worker = f"worker-{uuid.uuid4().hex[:8]}"
        users["worker"] = make_user("worker", jurisdiction=slug, grid=code, username=worker)
        users["admin"] = make_user("admin")
        as_ = {role: {"Authorization": f"Bearer {key}"} for role, key in users.items()}
        with httpx.Client(base_url=server, timeout=60) as c:
            # a planner names a draft; a scheduler registers workers, tracks and check-ins
            r = c.post(f"/jurisdictions/{slug}/layouts", json={"name": PAYLOADS[0]}, headers=as_["planner"])
            assert r.status_code == 201, r.text
            for name in PAYLOADS:
                r = c.post(f"/patrol/{slug}/workers", json={"name": name, "role": "social_worker", "grid": code},
                           headers=as_["scheduler"])
                assert r.status_code == 201, r.text
            with db.transaction(conn) as cur:  # the worker's phone: its account is the first of them
                link_worker(cur, worker, slug, PAYLOADS[0])
            fc = c.get(f"/patrol/{slug}/route", params={"format": "geojson"}, headers=as_["leader"]).json()
            line = [f["geometry"]["coordinates"] for f in fc["features"] if f["geometry"]["type"] == "LineString"]
            coords = [p for leg in line[:12] for p in leg]
            for name in PAYLOADS[:3]:
                r = c.post(f"/patrol/{slug}/tracks", params={"worker": name, "day": "2026-11-20"},
                           content=_gpx(coords), headers={**as_["scheduler"], "Content-Type": "application/gpx+xml"})
                assert r.status_code == 201, r.text
            plan = c.get(f"/patrol/{slug}/progress", params={"as_of": "2026-12-31"}, headers=as_["leader"]).json()
            body = [{"building_id": v["building_id"], "worker": PAYLOADS[k], "day": "2026-11-20", "kind": v["kind"],
                     "note": PAYLOADS[-1 - k]} for k, v in enumerate(plan["visits"][:3])]
            r = c.post(f"/patrol/{slug}/checkins", json=body, headers=as_["scheduler"])
            assert r.status_code == 201, r.text
            # cases: a payload as the description and the address; the first one dispatched (to a
            # worker named by a payload) and handled with a payload as the note
            cases = []
            for k, text in enumerate(PAYLOADS):
                r = c.post(f"/cases/{slug}", headers=as_["leader"], json={
                    "category": "garbage", "description": text, "address": PAYLOADS[-1 - k],
                    "at": {"type": "Point", "coordinates": inside}})
                assert r.status_code == 201, r.text
                cases.append(r.json())
            first = c.post(f"/cases/{slug}/{cases[0]['id']}/transitions", json={"to": "accepted", "note": PAYLOADS[2]},
                           headers={**as_["leader"], "If-Match": cases[0]["etag"]})
            assert first.status_code == 200 and first.json()["assignee"] in PAYLOADS, first.text
            r = c.post(f"/cases/{slug}/{cases[0]['id']}/transitions", json={"to": "handled", "note": PAYLOADS[1]},
                       headers={"Authorization": f"Bearer {users['worker']}", "If-Match": first.json()["etag"]})
            assert r.status_code == 200, r.text
        # every free-text field of every layer (and of the draft's copies) holds a payload
        with db.transaction(conn, "attacker") as cur:
            for table, columns in TEXT_COLUMNS.items():
                owner = "jurisdiction_id" if table != "jurisdiction" else "id"
                if table.startswith("layout_"):
                    where = "layout_id IN (SELECT id FROM layout WHERE jurisdiction_id = %(j)s)"
                else:
                    where = f"{owner} = %(j)s"
                sets = ", ".join(f"{c} = (%(p)s::text[])[1 + (id + {k}) %% %(n)s]" for k, c in enumerate(columns))
                cur.execute(f"UPDATE {table} SET {sets} WHERE {where}", {"j": jid, "p": list(PAYLOADS),
                                                                          "n": len(PAYLOADS)})
        yield {"slug": slug, "code": code, "tokens": users, "cases": [x["id"] for x in cases]}
    finally:
        conn.close()


def _pages(slug: str, code: str, cases: list[int]) -> dict[str, list[str]]:
    """The pages and HTML answers of the jurisdiction, by who may open them."""
    q = f"jurisdiction={quote(slug)}"
    view = [f"/?{q}", f"/grids/{code}?{q}", f"/grids/{code}/print?{q}", f"/?{q}&lang=en", f"/cases?{q}",
            f"/cases?{q}&lang=en&open=true", *(f"/case/{k}" for k in cases[:3]), f"/grids/{code}/print?{q}&cases=open"]
    workers = quote(",".join(PAYLOADS[:4]))
    read = [f"/patrol-today?{q}&workers={workers}", f"/patrol-day?{q}&day=2026-11-20",  # walks, check-in notes
            f"/patrol/{slug}/route?workers=2&format=html",
            f"/patrol/{slug}/visits?kind=office,mall,hotel&format=html",
            f"/patrol/{slug}/coverage?format=html&as_of=2026-11-21&days=7",
            f"/coverage/{slug}?facility=any&format=html",
            f"/cases-report?{q}&month={datetime.now(ZoneInfo('Asia/Shanghai')):%Y-%m}",  # the cases planted now
            f"/communities?{q}"]  # the communities' names (the planted one's is a payload)
    plan = [f"/planner?{q}"]
    return {"worker": [*view, "/field"], "leader": view + read, "scheduler": view + read, "planner": view + read + plan,
            "admin": view + read + plan}


def _visit(browser, server: str, token: str | None, path: str, name: str, must_show: bool = True,
           expected_errors: tuple[str, ...] = ()) -> None:
    for pg in browsing(browser, server, token):
        pg.expected_errors = list(expected_errors)
        dialogs: list[str] = []
        pg.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        pg.add_init_script(WATCH)
        pg.goto(path)
        if pg.locator("body[data-jurisdiction], body[data-next]").count():
            pg.wait_for_selector("body[data-ready=true], body[data-ready='1'], body[data-next]", timeout=30_000)
            if path.startswith("/cases?"):  # its streets and buildings, named, come after it is ready
                pg.wait_for_selector("body[data-streets=drawn][data-buildings=drawn]", timeout=30_000)
        else:
            pg.wait_for_selector(".leaflet-container, #swagger-ui", timeout=30_000)
        boxes = pg.query_selector_all(".leaflet-control-layers-overlays input:not(:checked)")
        for box in boxes:
            box.check()  # the overlays fetched when switched on: patrol routes, coverage
        if boxes:
            pg.wait_for_load_state("networkidle")
        opened = pg.evaluate(OPEN_ALL) if pg.evaluate("() => typeof L !== 'undefined'") else 0
        pg.wait_for_timeout(200)  # let an injected image fail and its handler (would) run
        injected = pg.evaluate(f"() => [...document.querySelectorAll({json.dumps(INJECTED)})].map((e) => e.outerHTML)")
        seen = "\n".join(pg.evaluate("() => window.__seen"))
        csp = pg.evaluate("() => window.__csp")
        shot(pg, f"injection_{name}")
        assert not dialogs, f"{path}: a dialog opened: {dialogs}"
        assert not injected, f"{path}: injected elements: {injected[:5]}"
        assert not csp, f"{path}: content security policy violations: {csp[:5]}"
        if must_show:
            assert opened or "leaflet" not in path, path
            assert any(p in seen for p in PAYLOADS), f"{path}: no payload was shown as text"


@pytest.mark.parametrize("role", ["worker", "leader", "planner", "scheduler", "admin"])
def test_planted_markup_never_runs_on_any_page(browser, server, planted, role):
    pages = _pages(planted["slug"], planted["code"], planted["cases"])[role]
    for k, path in enumerate(pages):
        # a grid worker may not compute courier coverage: the overlay is refused (403), said in the console
        _visit(browser, server, planted["tokens"][role], path, f"{role}_{k}",
               expected_errors=("status of 403",) if role == "worker" else ())


@pytest.mark.parametrize("next_path", [
    "/patrol-today?jurisdiction=huamao&workers=<img src=x onerror=alert(1) id=gm-inj-1>",
    '/"><script>alert(2)</script>',
    "javascript:alert(3)",
])
def test_a_link_to_the_login_page_never_runs_what_it_carries(browser, server, next_path):
    """Reflected: a crafted link to the login page carries markup in ``next``."""
    _visit(browser, server, None, "/login?" + urlencode({"next": next_path}), "login", must_show=False)


def test_the_api_docs_run_no_inline_script(browser, server):
    _visit(browser, server, None, "/docs", "docs", must_show=False)


def test_folium_text_is_shown_as_text():
    """Without a browser: what folium receives is entity-escaped for HTML and for the template
    literal it is placed in."""
    from gis.map_text import as_text

    for p in PAYLOADS:
        out = as_text(p)
        assert not any(ch in out for ch in "<>\"'`$\\"), out
    assert as_text(None) == ""
    assert as_text("华贸中心 1座") == "华贸中心 1座"


def test_a_name_never_runs_as_a_template_in_the_server_s_maps(server, planted, database_url):
    """folium (through branca) parses each map element's script again as a Jinja template, on the
    server: a planted ``{{7*7}}`` came back as 49 in every tooltip, and ``{{ lipsum.__globals__
    .os.popen(…) }}`` ran a shell command as the service. Every folium page shows it as text."""
    slug = planted["slug"]
    # the few buildings a visit tour goes to hold the template payload whatever their ids (the
    # payloads are dealt out by id: one run's offices, malls and hotels had none of it)
    conn = db.connect(database_url)
    try:
        with db.transaction(conn, "attacker") as cur:
            cur.execute("UPDATE building SET name = %s || ' ' || id WHERE kind IN ('office', 'mall', 'hotel')"
                        " AND jurisdiction_id = (SELECT id FROM jurisdiction WHERE slug = %s)", (PAYLOADS[-1], slug))
            assert cur.rowcount > 0
    finally:
        conn.close()
    headers = {"Authorization": f"Bearer {planted['tokens']['admin']}"}
    pages = [f"/patrol/{slug}/route?workers=2&format=html",
             f"/patrol/{slug}/visits?kind=office,mall,hotel&format=html",
             f"/patrol/{slug}/coverage?format=html&as_of=2026-11-21&days=7",
             f"/coverage/{slug}?facility=any&format=html"]
    with httpx.Client(base_url=server, headers=headers, timeout=120) as c:
        for path in pages:
            r = c.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            assert "7*7" in r.text, path  # the planted name is on the map ...
            assert "&gt;49" not in r.text and "bold49" not in r.text, path  # ... and was not evaluated
