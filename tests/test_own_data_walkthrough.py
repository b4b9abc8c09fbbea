"""docs/own-data.md, run as written: a community's own files (tests/own_data.py) to published
grids, an optimal route and maps that open offline, every step through the command line."""

from __future__ import annotations

import json
import re
import shlex
import uuid
from pathlib import Path

import networkx as nx
import pytest

from tests import own_data

DOC = Path(__file__).resolve().parent.parent / "docs" / "own-data.md"


def _steps() -> list[list[str]]:
    """The commands of the walkthrough, in order (each ``.venv/bin/gridmap …`` line of its sh blocks,
    as a new user types them in the checkout)."""
    blocks = re.findall(r"```sh\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    return [shlex.split(line) for block in blocks for line in block.splitlines()
            if line.startswith(".venv/bin/gridmap ")]


def _run(cli, step: list[str], values: dict[str, str]):
    args = [values.get(a, a) for a in step[1:]]
    args = [a.replace("$DATA", values["$DATA"]).replace("$OUT", values["$OUT"]) for a in args]
    return cli(*args)


@pytest.fixture(scope="module")
def walked(cli, tmp_path_factory, database_url):
    folder = tmp_path_factory.mktemp("own")
    community = own_data.write(folder / "data")
    (folder / "out").mkdir()
    slug = f"xf{uuid.uuid4().hex[:8]}"
    values = {"xingfuli": slug, "$DATA": str(folder / "data"), "$OUT": str(folder / "out")}
    outputs: list[tuple[list[str], object]] = []
    steps = _steps()
    assert len(steps) >= 10 and steps[0][1:3] == ["jurisdiction", "create"]
    for step in steps:
        proc = _run(cli, step, values)
        outputs.append((step, proc))
        if step[1:3] == ["grids", "generate"]:
            values["DRAFT"] = re.match(r"draft (\d+):", proc.stdout).group(1)
        if "written" in proc.stderr:  # progress says "checked" until the commit
            raise AssertionError(f"progress claimed a write before the commit: {proc.stderr}")
    return community, slug, folder, outputs


def _output(outputs, *words: str) -> str:
    """What the step whose command holds all ``words`` printed (stdout and stderr)."""
    found = [p for step, p in outputs if all(w in step for w in words)]
    assert len(found) == 1, words
    return found[0].stdout + found[0].stderr


def test_each_import_says_what_it_did(walked):
    _, _, _, outputs = walked
    streets = _output(outputs, "street_edge")
    assert "street_edge written" in streets and "from CAD layer 道路" in streets
    assert re.search(r"clipped to 幸福里社区: \d+ cut at the boundary", streets)
    buildings = _output(outputs, "building", "--map")
    assert "transformed from EPSG:4527 to WGS84" in buildings
    assert "households estimated from footprint × floors for 140 buildings" in buildings
    assert "6 building written" in _output(outputs, "building", "建筑")
    assert "2 courier_zone written" in _output(outputs, "import", "courier_zone")
    assert "幸福里社区" in _output(outputs, "stats")


def test_streets_past_the_boundary_were_clipped_and_counted(walked, cli):
    community, slug, folder, _ = walked
    refused = cli("import", "file", str(folder / "data" / "plan.dxf"), "--jurisdiction", slug, "--layer",
                  "street_edge", "--cad-layer", "道路", "--crs", "EPSG:4527", check=False)
    assert refused.returncode == 2 and "--clip" in refused.stderr  # strict by default, pointing to --clip
    assert "Traceback" not in refused.stderr


def test_every_building_is_in_exactly_one_grid_and_none_is_cut(walked, conn):
    """Stored to 1e-7° (about a centimetre), a grid may touch a neighbour's wall by a hair: a cut
    is half a square metre of a building in a second grid (a 10 m wall moved 5 cm)."""
    community, slug, _, _ = walked
    with conn.cursor() as cur:
        cur.execute("""SELECT b.name, b.grid_id IS NOT NULL,
                              (SELECT count(*) FROM grid g WHERE g.jurisdiction_id = j.id
                                 AND ST_Area(ST_Intersection(g.geom, b.geom)::geography) > 0.5)
                       FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id WHERE j.slug = %s""", (slug,))
        rows = cur.fetchall()
    conn.rollback()
    assert len(rows) == len(community.buildings) + len(community.cad_buildings)
    assert all(assigned for _, assigned, _ in rows)
    assert [name for name, _, grids in rows if grids != 1] == []


def test_households_come_from_the_ledger(walked, conn):
    community, slug, _, outputs = walked
    ledger = community.ledger
    with conn.cursor() as cur:
        cur.execute("""SELECT b.name, b.households, b.residents, b.households_estimated, b.address
                       FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id
                       WHERE j.slug = %s AND b.name IS NOT NULL""", (slug,))
        got = {r[0]: r[1:] for r in cur.fetchall()}
    conn.rollback()
    for key, hh, res in zip(ledger["楼栋名称"], ledger["户数"], ledger["人数"], strict=True):
        name = key.replace("3#楼", "3号楼")
        if name == "幸福里999号楼":
            continue
        assert got[name][:3] == (hh, res, False), name
    assert got["幸福里5号楼"][3] == "幸福路5号"  # the address (门牌) came in through --map
    for name in community.names[-3:]:  # not in the ledger: still estimated, and reported
        assert got[name][2] is True and got[name][0] > 0
    report = _output(outputs, "ledger")
    assert "row " in report and "幸福里999号楼" in report and "3 named buildings are not in the ledger" in report


def test_the_route_is_optimal(walked, conn, cli):
    """The route's single tour against the Chinese postman optimum computed here, with networkx."""
    _, slug, _, _ = walked
    r = json.loads(cli("patrol", "route", slug, "--json").stdout)
    assert r["start"]["note"] and "no community office" in r["start"]["note"]
    with conn.cursor() as cur:
        cur.execute("""SELECT e.source, e.target, ST_Length(e.geom::geography) FROM street_edge e
                       JOIN jurisdiction j ON j.id = e.jurisdiction_id WHERE j.slug = %s""", (slug,))
        edges = cur.fetchall()
    conn.rollback()
    g = nx.MultiGraph()
    g.add_weighted_edges_from(edges)
    odd = [n for n, d in g.degree() if d % 2]
    dist = dict(nx.all_pairs_dijkstra_path_length(nx.Graph(g)))
    pairs = nx.Graph()
    pairs.add_weighted_edges_from((a, b, -dist[a][b]) for i, a in enumerate(odd) for b in odd[i + 1:])
    matching = nx.max_weight_matching(pairs, maxcardinality=True)
    postman = sum(w for *_, w in edges) + sum(dist[a][b] for a, b in matching)
    assert r["optimal"] is True
    assert r["single_length_m"] == pytest.approx(postman, abs=0.5)


@pytest.mark.parametrize("name, drawn", [("route.html", 2), ("coverage.html", 140)])  # 2 routes; buildings
def test_the_maps_render_with_the_network_off(walked, browser, name, drawn):
    _, _, folder, _ = walked
    path = folder / "out" / name
    assert (folder / "out" / name.replace(".html", "_files")).is_dir()
    ctx = browser.new_context()
    blocked: list[str] = []
    ctx.route(re.compile(r"^(?!file:).*"), lambda route: (blocked.append(route.request.url), route.abort()))
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("requestfailed", lambda r: errors.append(r.url))
    pg.goto(path.as_uri())
    pg.wait_for_selector(".leaflet-overlay-pane path", timeout=20_000)
    assert pg.locator(".leaflet-overlay-pane path").count() >= drawn
    assert pg.locator(".leaflet-control-scale").count() == 1  # folium's own scripts ran
    assert not blocked and not errors, (blocked, errors)
    ctx.close()
