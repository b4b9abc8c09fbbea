"""Serving the building layer of a synthetic district (100,000 buildings): gridmap against tipg
(FastAPI + PostGIS, the OGC API Features and Tiles peer) on the same database, same machine, same
client (wrk -c8), each run as its documentation says with 1 and with N worker processes: an items
page (limit 100, a bbox) asked again and again, distinct items pages (another bbox each time), one
z15 tile again and again (warm), and distinct z18 tiles (z18 and z19 on the district; cold: each
request another tile, none asked before); throughput and p95, gridmap ÷ tipg, and the issue's
target for each, met or missed.
Also what PostGIS alone does with gridmap's items query and its tile query (pgbench -M prepared),
the ceiling for any server, and the share of it each side reaches.

    .venv/bin/python bench/serving_bench.py > bench/results/serving.md
    .venv/bin/python bench/serving_bench.py --city > bench/results/serving_city.md

``--city``: the same requests on the synthetic city of bench/city_bench.py (300,000 buildings in
2,000 communities, its own database, built when missing), asked of the whole city as an unbound
admin (the street office) asks: no jurisdiction named on either side.

Each request is timed three times on each side (``REPEAT``), the sides taking turns to go first,
and the median of the three runs' ratios is the verdict: on a machine shared with other work one
run of either side can be 30% off, and a verdict should not hang on it. Every run's ratio is
printed too.

Equal answers first. Before anything is timed, both servers are asked the same questions and the
answers compared (``common.page_differences``, ``common.tile_differences``): the items page must
have the same numberMatched, page size, feature ids and geometries; the z15 tile and a sample of
the z18 tiles, decoded with mapbox-vector-tile, the same features (count, ids, tile geometries).
If any differs the benchmark prints why, times nothing and exits 1: a ratio against a server that
answered something else is not a result. (An earlier version let tipg pick the table's first
geometry column, ``entrances``, empty for the district: tipg answered empty pages and tiles, and
its "22.4× tipg" was no comparison at all.)

tipg is configured as its documentation says (docs/src/user_guide/configuration.md, "Table
settings"), with environment variables rather than per-request ``geom-column`` parameters, so
that its URLs are the ones a client would use:

- ``TIPG_TABLE_CONFIG__public_building__GEOMCOL=geom``: serve ``geom``, not ``entrances``;
- ``TIPG_TILE_BUFFER=64`` and ``TIPG_TILE_RESOLUTION=4096``: gridmap's buffer and extent (tipg's
  default buffer is 256), so that both tiles clip the same way;
- ``TIPG_SET_MVT_LAYERNAME=true``: the tile layer is named ``building``, as gridmap's is;
- ``?jurisdiction_id=ID`` on tipg's URLs (its documented property filter): the question
  gridmap's ``?jurisdiction=bench-district`` asks;
- uvicorn with uvloop and httptools (``uvicorn[standard]``), as gridmap is installed, rather than
  its README's plain ``pip install uvicorn``: the same server under both, the stronger for tipg;
  and ``--log-level warning`` on both (no access-log line per request).

gridmap is signed in on every request (an API key, checked each time); tipg has no sign-in. Both
servers and pgbench reach PostgreSQL the same way, over TCP on loopback.
Needs wrk and pgbench (``bash scripts/setup-bench.sh``). tipg runs from its own virtualenv
(bench/.venv-tipg, made on first run from PyPI) so the project's stays as pyproject.toml says.
The district is kept in the database between runs (jurisdiction ``bench-district``).
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import bench_headers, free_port, page_differences, tile_differences, tile_features  # noqa: E402
from psycopg2.extensions import make_dsn, parse_dsn  # noqa: E402

from gis import db  # noqa: E402
from gis.settings import Settings  # noqa: E402
from gis.tiles import tile_of  # noqa: E402

SLUG = "bench-district"
N = 100_000
COLD_ZOOM = 18
SECONDS = 8
REPEAT = 3  # timings of each request on each side
THREADS = 2
COLD_SAMPLE = 40  # cold tiles whose answers are compared before timing
WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95 %d\\n", latency:percentile(95)))
end
"""
# Each request another path: thread i asks paths i, i + THREADS, i + 2 THREADS, ...
WRK_PATHS_LUA = """
local threads = 0
function setup(thread) thread:set("first", threads); threads = threads + 1 end
function init(args) n = first end
function request()
  local path = paths[(n %% #paths) + 1]
  n = n + %d
  return wrk.format(nil, path)
end
"""


class Place(NamedTuple):
    """Where the requests ask: the buildings, the jurisdiction they name, the repeated page's
    bbox, the warm tile, and the cold tiles and bboxes (each asked once, in a fixed order)."""

    title: str
    dsn: dict
    buildings: int
    jurisdiction: tuple[str, int] | None  # slug and id; None: the whole database (an unbound admin)
    bbox: str
    warm_tile: tuple[int, int, int]
    cold_tiles: list[tuple[int, int, int]]
    cold_boxes: list[str]


def tiles_over(west: float, south: float, east: float, north: float,
               zooms: tuple[int, ...] = (COLD_ZOOM,)) -> list[tuple[int, int, int]]:
    """Every tile of ``zooms`` over a box, in a fixed shuffled order (the zooms mixed alike all
    along the list, so that a side that gets further down it is asked the same mix)."""
    tiles = []
    for z in zooms:
        x0, y0 = tile_of(west, north, z)
        x1, y1 = tile_of(east, south, z)
        tiles += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    random.Random(COLD_ZOOM).shuffle(tiles)
    return tiles


def zooms_named(tiles: list[tuple[int, int, int]]) -> str:
    """"z18", or "z18 and z19": the zooms of some tiles."""
    return " and ".join(f"z{z}" for z in sorted({t[0] for t in tiles}))


def boxes_over(west: float, south: float, east: float, north: float, step: float = 0.001) -> list[str]:
    """Bounding boxes of 0.01° over a box, as the repeated page's, each ``step`` from the next (so
    that none is asked twice in a run): each another question, in a fixed shuffled order."""
    boxes = [f"{west + i * step:.4f},{south + j * step:.4f},{west + i * step + 0.01:.4f},"
             f"{south + j * step + 0.01:.4f}"
             for i in range(round((east - west - 0.01) / step) + 1)
             for j in range(round((north - south - 0.01) / step) + 1)]
    random.Random(0).shuffle(boxes)
    return boxes


def district(dsn: dict) -> Place:
    """100,000 buildings of 12 m × 12 m on a 40 m lattice south-east of Huamao, as the jurisdiction
    bench-district of gridmap's own database (made once); the requests name it."""
    conn = db.connect(make_dsn(**dsn))
    with db.transaction(conn) as cur:
        cur.execute("SELECT id FROM jurisdiction WHERE slug = %s", (SLUG,))
        row = cur.fetchone()
    if row is None:
        from shapely.geometry import box

        from gis.jurisdictions import create_jurisdiction

        with db.transaction(conn, "bench") as cur:
            jur = create_jurisdiction(cur, SLUG, "bench district", box(116.50, 39.78, 116.66, 39.912))
            cur.execute("""
                INSERT INTO building (jurisdiction_id, name, kind, floors, households, geom)
                SELECT %s, 'b' || i, 'residential', 6, 24,
                       ST_Multi(ST_MakeEnvelope(116.5005 + (i %% 316) * 0.00047, 39.9095 - (i / 316) * 0.00036,
                                                116.5005 + (i %% 316) * 0.00047 + 0.00014,
                                                39.9095 - (i / 316) * 0.00036 + 0.00011, 4326))
                FROM generate_series(0, %s - 1) AS i""", (jur.id, N))
            cur.execute("ANALYZE building, history, layer_version, jurisdiction")
        row = (jur.id,)
    conn.close()
    south = 39.9095 - (N // 316) * 0.00036
    return Place(f"Synthetic district: {N:,} buildings (jurisdiction `{SLUG}`, which every request names)", dsn, N,
                 (SLUG, row[0]), "116.50,39.90,116.51,39.91",  # a corner of the district: a full page
                 (15, 26988, 12416),  # a z15 tile over the district's north-west corner
                 # z18 and z19: the z18 tiles alone (11,732) are fewer than gridmap serves in a timing
                 tiles_over(116.5005, south, 116.5005 + 315 * 0.00047 + 0.00014, 39.9096, (COLD_ZOOM, COLD_ZOOM + 1)),
                 # every 0.0005°: every 0.001° (14,451) is fewer than gridmap serves in three timings
                 boxes_over(116.5005, 39.7960, 116.6385 + 0.01, 39.8990 + 0.01, 0.0005))


def city(dsn: dict) -> Place:
    """The synthetic city of bench/city_bench.py (2,000 communities, 300,000 buildings; its own
    database, built when missing as city_bench builds it), asked as a whole by an unbound admin
    (the street office): no jurisdiction named, every community's buildings."""
    from city_bench import CITY_DB, build

    url, _ = build(make_dsn(**dsn), 2000, 61, rebuild=False)
    conn = db.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), ST_XMin(ST_Extent(geom)), ST_YMin(ST_Extent(geom)), ST_XMax(ST_Extent(geom)),"
                    " ST_YMax(ST_Extent(geom)) FROM building")
        n, west, south, east, north = cur.fetchone()
    conn.close()
    return Place(f"Synthetic city (bench/city.sql, database `{CITY_DB}`): {n:,} buildings in 2,000 communities, "
                 "asked as a whole (no jurisdiction named, an unbound admin)", {**dsn, "dbname": CITY_DB}, n, None,
                 "116.40,39.85,116.41,39.86", (15, *tile_of(116.405, 39.855, 15)),
                 tiles_over(west, south, east, north), boxes_over(west, south, east, north))


def started(proc: subprocess.Popen, port: int, what: str) -> subprocess.Popen:
    """``proc`` once it answers on ``port``."""
    for _ in range(600):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"{what} did not start: {proc.stderr.read().decode()[-500:]}")


def tipg(url: str, port: int, workers: int) -> subprocess.Popen:
    """tipg as its documentation runs it: uvicorn on ``tipg.main:app``, with ``workers`` processes."""
    venv = HERE / ".venv-tipg"
    if not list(venv.glob("lib/python*/site-packages/uvloop")):
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "tipg", "uvicorn[standard]"], check=True)
    env = {**os.environ, "DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["public"]',
           "TIPG_DB_TABLES": '["public.building"]',
           "TIPG_TABLE_CONFIG__public_building__GEOMCOL": "geom",
           "TIPG_TILE_BUFFER": "64", "TIPG_TILE_RESOLUTION": "4096", "TIPG_SET_MVT_LAYERNAME": "true"}
    return started(subprocess.Popen([str(venv / "bin" / "uvicorn"), "tipg.main:app", "--port", str(port),
                                     "--workers", str(workers), "--log-level", "warning"],
                                    env=env, cwd=venv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE),
                   port, "tipg")


def gridmap(url: str, port: int, workers: int) -> subprocess.Popen:
    """gridmap as its README runs it: ``gridmap serve --workers N``."""
    env = {**os.environ, "GRIDMAP_DATABASE_URL": url, "PYTHONPATH": str(HERE.parent)}
    return started(subprocess.Popen([sys.executable, "-m", "gis.cli", "serve", "--port", str(port),
                                     "--workers", str(workers), "--log-level", "warning"], env=env, cwd=HERE.parent,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE), port, "gridmap")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def tipg_version() -> str:
    out = subprocess.run([str(HERE / ".venv-tipg" / "bin" / "python"), "-c",
                          "import tipg; print(tipg.__version__)"], capture_output=True, text=True)
    return out.stdout.strip() or "?"


def get(url: str, headers: dict | None = None) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=60) as r:
        return r.read()


def wrk(base: str, paths: list[str], seconds: int = SECONDS, headers: dict | None = None) -> dict:
    """Requests per second, p95 (s) and the number of requests of a wrk run asking ``paths`` in
    turn (one path: the same request again and again)."""
    script = WRK_LUA
    if len(paths) > 1:
        script += "paths = {" + ",".join(json.dumps(p) for p in paths) + "}\n" + WRK_PATHS_LUA % THREADS
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(["wrk", f"-t{THREADS}", "-c8", f"-d{seconds}s", "-s", f.name, *extra, base + paths[0]],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{base}{paths[0]}: {bad.group(1)} failed responses")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p95": int(re.search(r"P95 (\d+)", out).group(1)) / 1e6,  # wrk reports microseconds
            "requests": int(re.search(r"(\d+) requests in", out).group(1))}


def queries(place: Place) -> dict[str, str]:
    """The exact SQL gridmap runs for the items page and for the warm tile, values inlined."""

    from gis import store, tiles
    from gis.layers import get_layer

    w, s, e, n = (float(x) for x in place.bbox.split(","))
    jurisdiction_id = place.jurisdiction[1] if place.jurisdiction else None
    conn = db.connect(make_dsn(**place.dsn))
    sent: list[str] = []

    def plain(cur, query, params):  # the statement itself, not EXECUTE of its prepared name
        cur.execute(query, params)
        sent.append(cur.query.decode())

    store.execute_prepared, tiles.execute_prepared = plain, plain  # type: ignore[assignment]
    try:
        with conn.cursor() as cur:
            store.feature_page(cur, get_layer("building"), jurisdiction_id=jurisdiction_id, bbox=(w, s, e, n),
                               limit=100, offset=0)
            tiles.tile(cur, get_layer("building"), *place.warm_tile, jurisdiction_id)
    finally:
        store.execute_prepared = tiles.execute_prepared = db.execute_prepared
        conn.close()
    return {"items": sent[0], "tile": "SET max_parallel_workers_per_gather = 0;\n" + sent[1]}


def pgbench(dsn: dict, query: str, seconds: int = SECONDS) -> float:
    """Transactions per second of PostgreSQL alone running ``query`` (each statement of it on its
    own line), prepared (-M prepared), 2 clients on 2 threads, over TCP as the servers."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(query.strip().rstrip(";") + ";\n")  # pgbench reads statements over lines, to each ';'
    args = ["pgbench", "-n", "-M", "prepared", "-c2", "-j2", f"-T{seconds}", "-f", f.name, "-h", dsn["host"], "-p",
            str(dsn.get("port", 5432)), "-U", dsn["user"], dsn["dbname"]]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def median_of(runs: list[dict]) -> dict:
    """The median of some wrk runs' throughputs and of their p95s."""
    return {"rps": statistics.median(r["rps"] for r in runs), "p95": statistics.median(r["p95"] for r in runs)}


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def quiet(most: float = 3.0, wait_s: int = 600) -> None:
    """Wait (up to ``wait_s``) for the machine's load average to fall to ``most``: other work on
    this shared machine skews both sides."""
    deadline = time.monotonic() + wait_s
    while os.getloadavg()[0] > most and time.monotonic() < deadline:
        time.sleep(15)


# What the issue asks for: gridmap ÷ tipg throughput, per request.
TARGETS = {"items": 5.0, "items_cold": 5.0, "warm": 10.0, "cold": 1.5}


def main() -> None:
    workers_n = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 2
    wait_s = int(sys.argv[sys.argv.index("--wait") + 1]) if "--wait" in sys.argv else 600
    default = parse_dsn(Settings().database_url)
    user = default.get("user") or os.environ.get("USER") or "root"
    # both servers over TCP, as pgbench
    place = (city if "--city" in sys.argv else district)(
        {"host": "127.0.0.1", "port": "5432", "user": user, "dbname": default["dbname"]})
    dsn, url = place.dsn, make_dsn(**place.dsn)
    conn = db.connect(url)
    auth = bench_headers(conn)  # gridmap checks the key on every request; tipg has no sign-in
    conn.close()
    quiet(wait_s=wait_s)
    load_before = load()
    bbox = place.bbox
    ours_q = f"jurisdiction={place.jurisdiction[0]}&" if place.jurisdiction else ""
    theirs_q = f"jurisdiction_id={place.jurisdiction[1]}&" if place.jurisdiction else ""
    ours_items = f"/collections/building/items?{ours_q}limit=100&bbox={bbox}"
    theirs_items = f"/collections/public.building/items?{theirs_q}limit=100&bbox={bbox}"

    def ours_tile(z: int, x: int, y: int) -> str:
        return f"/tiles/building/{z}/{x}/{y}.mvt" + (f"?{ours_q.rstrip('&')}" if ours_q else "")

    def theirs_tile(z: int, x: int, y: int) -> str:
        return f"/collections/public.building/tiles/WebMercatorQuad/{z}/{x}/{y}" + \
            (f"?{theirs_q.rstrip('&')}" if theirs_q else "")

    every = place.cold_tiles
    sample = every[:: max(1, len(every) // COLD_SAMPLE)][:COLD_SAMPLE]
    cold = [t for t in every if t not in set(sample)]  # the sample is asked before timing: cached since
    boxes = place.cold_boxes
    box_sample, boxes = boxes[:5], boxes[5:]
    results: dict[int, list[tuple[str, str, dict, dict, int]]] = {}
    for workers in (1, workers_n):
        oport, tport = free_port(), free_port()
        ours = gridmap(url, oport, workers)
        peer = tipg(f"postgresql://{user}@127.0.0.1:5432/{dsn['dbname']}", tport, workers)
        base, theirs = f"http://127.0.0.1:{oport}", f"http://127.0.0.1:{tport}"
        try:
            # 1. The same answers, or no timing at all.
            page = {"gridmap": json.loads(get(base + ours_items, auth)),
                    "tipg": json.loads(get(theirs + theirs_items))}
            why = [f"items: {w}" for w in page_differences(page)]
            for b in box_sample:
                other = {"gridmap": json.loads(get(base + ours_items.replace(bbox, b), auth)),
                         "tipg": json.loads(get(theirs + theirs_items.replace(bbox, b)))}
                why += [f"items in {b}: {w}" for w in page_differences(other)]
            drawn = {"warm": 0, "cold": 0}
            buffer_only = {"gridmap": 0, "tipg": 0}  # features wholly in the buffer: not drawn
            for kind, t in [("warm", place.warm_tile)] + [("cold", t) for t in sample]:
                tiles = {"gridmap": (get(base + ours_tile(*t), auth), "building"),
                         "tipg": (get(theirs + theirs_tile(*t)), "building")}
                drawn[kind] += len(tile_features(tiles["gridmap"][0], "building"))
                for side, (data, layer) in tiles.items():
                    buffer_only[side] += (len(tile_features(data, layer, drawn=False))
                                          - len(tile_features(data, layer)))
                why += [f"z{t[0]} tile {t[1:]}: {w}" for w in tile_differences(tiles)
                        if kind == "warm" or "holds no features" not in w]  # an edge tile may be empty on both
            if drawn["cold"] == 0:
                why.append(f"the sampled {zooms_named(sample)} tiles are all empty: nothing to compare")
            if why:
                message = "Unequal answers: gridmap and tipg did not answer the same; nothing timed.\n\n" + \
                    "\n".join(f"- {w}" for w in why)
                print(message)
                print(message, file=sys.stderr)
                sys.exit(1)

            # 2. Timing, each request on both sides one after the other (who goes first alternates).
            cases = {
                "items": ("items (limit 100, bbox), again and again", [ours_items], [theirs_items]),
                "items_cold": (f"items (limit 100, bbox), distinct pages (cold; {len(boxes):,} bboxes dealt out "
                               "to the runs)",
                               [ours_items.replace(bbox, b) for b in boxes],
                               [theirs_items.replace(bbox, b) for b in boxes]),
                "warm": ("one z15 tile, again and again (warm)", [ours_tile(*place.warm_tile)],
                         [theirs_tile(*place.warm_tile)]),
                "cold": (f"distinct {zooms_named(every)} tiles (cold; {len(cold):,} dealt out to the runs, none "
                         "asked before)",
                         [ours_tile(*t) for t in cold], [theirs_tile(*t) for t in cold]),
            }
            rows = []
            for i, (key, (name, o, t)) in enumerate(cases.items()):
                if len(o) == 1:  # warm up; the cold runs are not, so that nothing is asked twice
                    wrk(base, o, 2, auth), wrk(theirs, t, 2)
                runs = []
                for r in range(REPEAT):
                    # distinct requests are dealt out to the runs: no run asks what another asked
                    mo, mt = (o, t) if len(o) == 1 else (o[r::REPEAT], t[r::REPEAT])
                    if (i + r) % 2 == 0:
                        mine, their = wrk(base, mo, headers=auth), wrk(theirs, mt)
                    else:
                        their, mine = wrk(theirs, mt), wrk(base, mo, headers=auth)
                    runs.append((mine, their, len(mo)))
                rows.append((key, name, runs))
            results[workers] = rows
        finally:
            stop(ours)
            stop(peer)
    ceilings = {k: pgbench(dsn, q) for k, q in queries(place).items()}
    load_after = load()

    matched = page["gridmap"]["numberMatched"]
    print(f"{place.title}. tipg {tipg_version()}, serving column `geom` "
          "(TIPG_TABLE_CONFIG__public_building__GEOMCOL=geom), run by uvicorn as its documentation says, with "
          "uvicorn[standard] (uvloop, httptools) as gridmap has it; gridmap by `gridmap serve`; both at log level "
          "warning (no line per request) and both with 1 and with "
          f"{workers_n} worker processes. wrk -t2 -c8 -d{SECONDS}s on loopback; client, servers and PostgreSQL "
          f"share {os.cpu_count()} cores with other work on the machine (load average before: {load_before}; "
          f"after: {load_after}).\n")
    print(f"Equal answers, checked before timing: the items page has numberMatched {matched:,} and the same "
          f"{len(page['gridmap']['features'])} feature ids and geometries (to 1e-7°) on both sides, and so do "
          f"{len(box_sample)} of the distinct pages; the z15 tile "
          f"draws the same {drawn['warm']} features (ids and tile geometries, decoded with mapbox-vector-tile) on "
          f"both sides, and so do {len(sample)} of the {zooms_named(sample)} tiles ({drawn['cold']:,} features in "
          "all). "
          "Features lying wholly in the 64-pixel buffer outside a tile are not drawn and not compared: in these "
          f"tiles, gridmap sent {buffer_only['gridmap']} and tipg {buffer_only['tipg']} (gridmap selects by the "
          "bounding box, whose single-precision rounding takes in buildings within a metre of the edge; tipg by "
          "ST_Intersects). gridmap is signed in on every request (an API key); tipg has no sign-in.\n")
    print(f"Each request timed {REPEAT} times on each side, the sides alternating which goes first; the table has the "
          "median of the runs for each side (throughput and p95 alike), the median of the runs' ratios (each run's "
          "two sides ran one after the other), and in brackets each run's ratio. Distinct requests are dealt out "
          "to the runs, so that no run asks what another asked.\n")
    print("| workers | request | gridmap req/s | gridmap p95 | tipg req/s | tipg p95 "
          "| gridmap ÷ tipg, median (each run) | target |")
    print("|---|---|---|---|---|---|---|---|")
    missed = []
    medians: dict[int, dict[str, tuple[float, float]]] = {}
    for workers, rows in results.items():
        for key, name, runs in rows:
            o, t = (median_of([run[side] for run in runs]) for side in (0, 1))
            medians.setdefault(workers, {})[key] = (o["rps"], t["rps"])
            # each run's pair ran one after the other, on the machine as it was then: the verdict
            # is the median of the pairs' ratios, not a ratio of medians taken apart
            ratios = [m["rps"] / th["rps"] for m, th, _ in runs]
            ratio = statistics.median(ratios)
            each = ", ".join(f"{r:.2f}×" for r in ratios)
            twice = [m["requests"] for m, _, distinct in runs if distinct > 1 and m["requests"] > distinct]
            note = f" (asked {max(twice):,} in a run: some twice, from the cache)" if twice else ""
            verdict = "met" if ratio >= TARGETS[key] and not note else "**missed**"
            if verdict != "met":
                missed.append(f"{name}, {workers} worker(s): {ratio:.2f}× (target {TARGETS[key]}×)")
            print(f"| {workers} | {name}{note} | {o['rps']:.0f} | {o['p95'] * 1000:.1f} ms | {t['rps']:.0f} | "
                  f"{t['p95'] * 1000:.1f} ms | {ratio:.2f}× ({each}) | ≥ {TARGETS[key]}× {verdict} |")
    print(f"\nPostGIS alone (pgbench -M prepared -c2 -j2, TCP), the ceiling for any server: gridmap's items query "
          f"for the same page {ceilings['items']:.0f} per second, its z15 tile query {ceilings['tile']:.0f} per "
          "second. Share of it reached:")
    for workers, by in medians.items():
        print(f"- {workers} worker(s): items, distinct pages: gridmap {by['items_cold'][0] / ceilings['items']:.0%}, "
              f"tipg {by['items_cold'][1] / ceilings['items']:.0%}; items, the same page: gridmap "
              f"{by['items'][0] / ceilings['items']:.0%} (from its cache: above 100% means PostGIS is not asked), tipg "
              f"{by['items'][1] / ceilings['items']:.0%}; the z15 tile: gridmap {by['warm'][0] / ceilings['tile']:.0%} "
              f"(from its tile cache), tipg {by['warm'][1] / ceilings['tile']:.0%}")
    print("\nTargets missed: " + ("; ".join(missed) if missed else "none") + ".")


if __name__ == "__main__":
    main()
