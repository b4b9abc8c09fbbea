"""The printed 网格责任图 (/grids/{code}/print, and its PDF): buildings and streets named on the
map, the grid's workers and who to contact, a legend drawing lines as lines and points as points,
a title that does not break, the date in the jurisdiction's time zone; and how long a print takes
(measured and kept in tests/artifacts/print_timings.json, not asserted)."""

from __future__ import annotations

import json
import re
import statistics
import time

import pytest

from gis import db
from tests.browser import ARTIFACTS, shot

GRID = "110105015001001"


def _open(pg, path: str) -> None:
    pg.goto(path)
    pg.wait_for_selector("body[data-ready=true]", timeout=30_000)


def test_the_print_names_buildings_and_streets(page, client):
    _open(page, f"/grids/{GRID}/print?jurisdiction=huamao")
    summary = client.get(f"/jurisdictions/huamao/grids/{GRID}/summary").json()
    buildings = client.get("/collections/building/items", params={"jurisdiction": "huamao", "limit": 1000}).json()
    mine = {f["properties"]["name"] for f in buildings["features"] if f["properties"]["grid_id"] == summary["id"]}
    streets = {f["properties"]["name"] for f in client.get(
        "/collections/street_edge/items", params={"jurisdiction": "huamao", "limit": 1000}).json()["features"]}
    shown = page.evaluate("() => Array.from(document.querySelectorAll('.map-name:not(.hidden)'), "
                          "n => [n.classList.contains('street') ? 'street' : n.classList.contains('building') "
                          "? 'building' : 'other', n.textContent])")
    # every building of the grid, named, with its households
    assert {text.split(" · ")[0] for kind, text in shown if kind == "building"} == mine
    assert all(re.fullmatch(r".+ · \d+户", text) for kind, text in shown if kind == "building")
    named_streets = {text for kind, text in shown if kind == "street"}
    assert named_streets <= streets and len(named_streets) >= 3
    # no two names shown on top of each other, none off the map
    boxes = page.evaluate("() => Array.from(document.querySelectorAll('.map-name:not(.hidden) .name-text'), n => { "
                          "const b = n.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })")
    frame = page.locator("#map").bounding_box()
    for i, a in enumerate(boxes):
        assert frame["x"] <= a[0] and a[2] <= frame["x"] + frame["width"] + 0.5
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    # the legend draws areas as boxes, streets as a line, stations as a dot
    assert page.locator("#legend tr[data-kind=line] svg line").count() == 1
    assert page.locator("#legend tr[data-kind=point] svg circle").count() == 1
    assert page.locator("#legend tr[data-kind=area] svg rect").count() == 2
    assert "打印于" in page.locator("#stamp").inner_text()


def test_the_print_names_the_workers_and_who_to_contact(page, client, copy_of, cli):
    slug = copy_of("huamao")
    cli("worker", "add", slug, "赵敏", "--role", "social_worker", "--grid", GRID)
    cli("worker", "add", slug, "钱多多", "--role", "grid_worker", "--grid", GRID)
    _open(page, f"/grids/{GRID}/print?jurisdiction={slug}")
    people = page.locator("#people").inner_text()
    assert "王芳" in people  # the grid leader
    assert "赵敏" in people and "钱多多" in people
    assert "social_worker" not in people and "社工" in people
    assert "华贸中心社区" in page.locator("#who").inner_text()  # the community to contact
    assert client.get(f"/jurisdictions/{slug}/grids/{GRID}/summary").json()["jurisdiction_name"] == "华贸中心社区"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_title_stays_on_one_line(page, lang):
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 portrait, as printed
    _open(page, f"/grids/{GRID}/print?jurisdiction=huamao&lang={lang}")
    title = page.locator("header h1")
    assert title.inner_text() == {"zh": "网格责任图", "en": "Grid responsibility map"}[lang]
    line = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('header h1')).lineHeight) "
                         "|| 1.35 * parseFloat(getComputedStyle(document.querySelector('header h1')).fontSize)")
    assert title.bounding_box()["height"] < 1.5 * line
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shot(page, f"grid_print_page_{lang}")


@pytest.mark.parametrize("size, orientation, viewport", [("A4", "portrait", (794, 1123)),
                                                         ("A3", "landscape", (1587, 1123))])
def test_the_whole_grid_is_on_the_sheet(page, size, orientation, viewport):
    """The map is fitted to the grid once the header and footer have their size (filled after it,
    they had shrunk the map and cut the grid's south off)."""
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    _open(page, f"/grids/{GRID}/print?jurisdiction=huamao&size={size}&orientation={orientation}")
    inside = page.evaluate("""() => { const out = [];  // the grid's outline: the polygon drawn 4 px wide
        gridmapMap.eachLayer(l => { if (l instanceof L.Polygon && l.options.weight === 4)
          out.push(gridmapMap.getBounds().contains(l.getBounds())); });
        return out; }""")
    assert inside == [True]


def test_the_print_page_at_desktop_and_phone_sizes(page):
    for name, size in (("desktop", (1280, 800)), ("phone", (390, 844))):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        _open(page, f"/grids/{GRID}/print?jurisdiction=huamao")
        shot(page, f"grid_print_page_{name}")


def test_how_long_a_print_takes(client):
    """Times of whole prints (PDF), kept for the record: the first, and the median of the next."""
    times = []
    for _ in range(4):
        started = time.perf_counter()
        r = client.get(f"/grids/{GRID}/print.pdf", params={"jurisdiction": "huamao"}, timeout=120)
        times.append(time.perf_counter() - started)
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "grid_print.pdf").write_bytes(r.content)
    (ARTIFACTS / "print_timings.json").write_text(json.dumps(
        {"seconds": [round(t, 3) for t in times], "median_after_first": round(statistics.median(times[1:]), 3)}))


def test_every_building_of_the_grid_is_named_on_the_sheet_or_under_the_map(page, conn, copy_of):
    """Names too long for their building (and buildings packed too close) are shown by their
    number (1012号楼), where no other building of the grid has it, and those with no room even for
    that are listed under the map: the sheet left them out without a word (a terrace of 9 m houses
    lost half its names)."""
    slug = copy_of("huamao")
    with db.transaction(conn) as cur:
        cur.execute("UPDATE building b SET name = %s || (1000 + b.id) || '号楼'"
                    " FROM jurisdiction j WHERE j.id = b.jurisdiction_id AND j.slug = %s"
                    " RETURNING b.id, b.name, b.households, b.grid_id",
                    ("华贸中心社区电厂小区住宅区北侧沿街东起第二排自南向北数临街商铺楼上第", slug))
        rows = cur.fetchall()
        cur.execute("SELECT g.id FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id"
                    " WHERE j.slug = %s AND g.code = %s", (slug, GRID))
        (grid_id,) = cur.fetchone()
        # and a yard of 20 sheds, 4 m each and 2 m apart, in the open: 20 m from the other buildings and the grid's edge
        cur.execute("WITH g AS (SELECT g.geom, g.jurisdiction_id, ST_PointOnSurface(ST_Difference("
                    "  ST_Buffer(g.geom::geography, -20)::geometry,"
                    "  (SELECT ST_Union(ST_Buffer(b.geom::geography, 20)::geometry) FROM building b"
                    "   WHERE b.grid_id = g.id))) AS at FROM grid g WHERE g.id = %s)"
                    " INSERT INTO building (jurisdiction_id, name, households, geom)"
                    " SELECT g.jurisdiction_id, CASE WHEN i < 2 THEN '东区临时建筑工棚' ELSE '西区临时建筑工棚' END"
                    "  || (100 + (i * 4 + k) %% 8) || '号楼', 1,"
                    "  ST_Multi(ST_Transform(ST_MakeEnvelope(ST_X(c) + i * 6 - 12, ST_Y(c) + k * 6 - 12,"
                    "   ST_X(c) + i * 6 - 8, ST_Y(c) + k * 6 - 8, 3857), 4326))"
                    " FROM g, ST_Transform(g.at, 3857) AS c, generate_series(0, 4) i, generate_series(0, 3) k"
                    " RETURNING id, name, households, grid_id", (grid_id,))
        rows += cur.fetchall()
        # two buildings of one number in two compounds (东区1057号楼 and the other 1057号楼)
        first, second = sorted(bid for bid, _, _, g in rows[:-20] if g == grid_id)[:2]
        cur.execute("UPDATE building SET name = %s || (1000 + %s) || '号楼' WHERE id = %s RETURNING id, name",
                    ("华贸中心社区东区住宅区北侧沿街东起第二排自南向北数临街商铺楼上第", second, first))
        renamed = dict(cur.fetchall())
    mine = [(bid, renamed.get(bid, name), hh) for bid, name, hh, g in rows if g == grid_id]
    twice = f"{1000 + second}号楼"
    assert len(mine) >= 5
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 portrait, as printed
    _open(page, f"/grids/{GRID}/print?jurisdiction={slug}")
    shown = set(page.locator(".map-name.building:not(.hidden)").all_inner_texts())
    listed = page.locator("#unnamed").inner_text() if page.locator("#unnamed").is_visible() else ""
    number = {name: re.search(r"(\d+号楼)$", name).group(1) for _, name, _ in mine}
    in_full = {name for _, name, hh in mine if f"{name} · {hh}户" in shown}
    by_number = {name for name, n in number.items() if n in shown or any(s.startswith(f"{n} · ") for s in shown)}
    # a number two buildings have names neither (the sheds': 东区临时建筑工棚101号楼 and 西区…101号楼)
    assert not any(s.split(" · ")[0] == twice for s in shown), shown
    assert not {n for n in by_number if "工棚" in n or n.endswith(twice)}, shown
    in_list = {name for _, name, _ in mine if name in listed}
    assert {name for _, name, _ in mine} == in_full | by_number | in_list, (shown, listed)
    assert by_number and in_list, ("the test shows nothing: every name had room", shown, listed)
    # none is shown twice, none is both on the map and listed
    assert not (in_full | by_number) & in_list
    boxes = page.evaluate("() => Array.from(document.querySelectorAll('.map-name:not(.hidden) .name-text'), n => { "
                          "const b = n.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; })")
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    # the map still holds the whole grid, above the list
    assert page.locator("#map").bounding_box()["y"] + page.locator("#map").bounding_box()["height"] \
        <= (page.locator("#unnamed").bounding_box() or page.locator("footer").bounding_box())["y"] + 1
    shot(page, "grid_print_long_names")


def test_long_lists_under_the_map_leave_it_room(page, conn, copy_of):
    """A grid with sixty workers (long names) and its open cases listed: the lists under the map
    squeezed it to 0 px, the grid fitted into nothing broke the page (Leaflet: Invalid LatLng NaN)
    and it never got ready. The map keeps at least 40% of the sheet and the whole grid."""
    from gis.patrol.stewards_store import add_worker

    slug = copy_of("huamao")
    with db.transaction(conn) as cur:
        for i in range(60):
            add_worker(cur, slug, f"华贸中心社区第一网格志愿服务队第{i + 1}小组组长", "social_worker", grid=GRID)
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape, as printed
    _open(page, f"/grids/{GRID}/print?jurisdiction={slug}&size=A4&orientation=landscape&cases=open")
    sheet, drawn = page.locator("body").bounding_box(), page.locator("#map").bounding_box()
    assert drawn["height"] >= 0.35 * sheet["height"], (drawn, sheet)  # 40% of the sheet within its margins
    assert page.evaluate("""() => { let whole = false;
        gridmapMap.eachLayer(l => { if (l instanceof L.Polygon && l.options.weight === 4)
          whole = gridmapMap.getBounds().contains(l.getBounds()); });
        return whole; }""")
    # nothing runs past the sheet's foot (the sixty names did, off the paper): as many as fit, and how many more
    assert page.evaluate("document.body.scrollHeight <= document.body.clientHeight")
    people = page.locator("#people").inner_text()
    listed, more = people.count("组长"), re.search(r"(\d+) more not listed|另有 (\d+) 人未列出", people)
    assert more and 0 < listed < 60 and listed + int(more.group(1) or more.group(2)) == 60, people
    assert [int(n) for n in re.findall(r"第(\d+)小组", people)] == list(range(1, listed + 1))  # 第2 before 第10
    shot(page, "grid_print_long_lists")


def test_a_sheet_lies_the_way_that_draws_its_grid_largest():
    """Pure: a grid twice as wide as tall lies across the sheet; a square or tall one stands; east–
    west degrees shrink with the latitude (at Beijing's, 1.3° across by 1° up is about square)."""
    from gis.printing import orientation_for

    assert orientation_for(116.0, 39.9, 116.02, 39.91) == "landscape"
    assert orientation_for(116.0, 39.9, 116.01, 39.91) == "portrait"
    assert orientation_for(116.0, 39.9, 116.005, 39.91) == "portrait"
    assert orientation_for(116.0, 39.0, 116.013, 39.01) == "portrait"  # 1.3:1 in degrees, ~1:1 on the ground
    assert orientation_for(116.0, 39.9, 116.0, 39.9) == "portrait"  # no extent: as it was
