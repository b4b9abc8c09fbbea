"""Coverage: gridmap's walking distance from every building to its nearest facility, against
networkx multi-source Dijkstra and pgRouting's pgr_drivingDistance on the same network, on
Huamao, on test_pbf (Kouvola, with facilities at its OSM candidate sites) and on a synthetic
district of 100,000 buildings. Prints a Markdown report.

    .venv/bin/python bench/coverage_bench.py [--quick] > bench/results/coverage.md

Peers answer a narrower question (distance from the facilities to every street node); gridmap's
time includes placing every building on its street and the answer per building. Writes nothing:
the facilities put on Kouvola live in a transaction that is rolled back.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
import pyrosm
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed  # noqa: E402
from patrol_bench import load_synthetic, synthetic_city  # noqa: E402

from gis import db  # noqa: E402
from gis.coverage.analysis import Buildings, Facility, analyse, measure  # noqa: E402
from gis.crs import transformers  # noqa: E402
from gis.network import StreetNetwork  # noqa: E402
from gis.network_store import LoadedNetwork  # noqa: E402
from gis.osm import import_osm, parse_bbox  # noqa: E402
from gis.settings import Settings  # noqa: E402
from gis.store import find_jurisdiction  # noqa: E402


def networkx_time(net: StreetNetwork, sources: list[int], repeat: int) -> float:
    g = nx.Graph()
    for a, b, w in zip(net.u.tolist(), net.v.tolist(), net.length.tolist(), strict=True):
        if a != b and (not g.has_edge(a, b) or g[a][b]["weight"] > w):
            g.add_edge(a, b, weight=w)
    _, t = timed(lambda: nx.multi_source_dijkstra_path_length(g, set(sources), weight="weight"), repeat)
    return t


def pgr_time(cur, edge_sql: str, sources: list[int], repeat: int) -> float:
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        cur.execute("SELECT count(*) FROM pgr_drivingDistance(%s, %s::bigint[], 1e9, directed => false, "
                    "equicost => true)", (edge_sql, sources))
        cur.fetchone()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def core_time(cov, snap_max: float, repeat: int) -> float:
    """gridmap's shortest-path part alone: the seeded multi-source Dijkstra and every building's
    distance from it (streets and buildings already placed)."""
    from gis.coverage.distance import nearest_facilities

    bsnaps = cov.net.snap_geoms(cov.buildings.access, snap_max)
    offsets = np.array([s.offset_m for s in cov.net.snap_geoms([f.metric for f in cov.facilities], snap_max)])
    _, t = timed(lambda: nearest_facilities(cov.net, cov.facility_nodes, offsets, bsnaps), repeat)
    return t


def db_case(conn, slug: str, facility: str, settings: Settings, repeat: int = 5) -> dict:
    """Read only; the caller's transaction is rolled back."""
    with conn.cursor() as cur:
        cov, t_all = timed(lambda: analyse(cur, slug, settings, facility).to_json(), repeat)
        cov = analyse(cur, slug, settings, facility)
        jur = find_jurisdiction(cur, slug)
        # pgRouting sees the stored network (its node ids); start from the stored nodes nearest
        # to the facilities, as a planner would with pgr_drivingDistance.
        cur.execute("SELECT array_agg(DISTINCT n.id) FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), %s), "
                    "4326) AS p FROM unnest(%s::float8[], %s::float8[]) AS t(x, y)) f CROSS JOIN LATERAL "
                    "(SELECT id FROM street_node WHERE jurisdiction_id = %s ORDER BY geom <-> f.p LIMIT 1) n",
                    (jur.metric_srid, [f.metric.centroid.x for f in cov.facilities],
                     [f.metric.centroid.y for f in cov.facilities], jur.id))
        starts = cur.fetchone()[0]
        t_pgr = pgr_time(cur, f"SELECT id, source, target, cost, reverse_cost FROM street_edge "
                              f"WHERE jurisdiction_id = {jur.id}", starts, repeat)
    src = sorted(set(cov.facility_nodes))
    t_nx = networkx_time(cov.net, src, repeat)
    s = cov.summary()
    return {"name": f"{slug} ({facility})", "buildings": s["buildings"], "edges": cov.net.n_edges,
            "facilities": len(cov.facilities), "t": t_all, "t_core": core_time(cov, settings.snap_max_m, repeat),
            "t_nx": t_nx, "t_pgr": t_pgr,
            "within100": s["within"]["100"]["households_share"]}


def kouvola_case(conn, settings: Settings) -> dict:
    """Post stations at Kouvola's OSM candidate sites, in a transaction rolled back."""
    with db.transaction(conn) as cur:
        cur.execute("SELECT 1 FROM jurisdiction WHERE slug = 'kouvola'")
        have = cur.fetchone()
    if not have:
        with db.transaction(conn) as cur:
            import_osm(cur, Path(pyrosm.get_data("test_pbf")), "kouvola", "Kouvola",
                       parse_bbox("26.93,60.52,26.97,60.54"), settings)
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO post_station (jurisdiction_id, name, kind, capacity, geom) "
                        "SELECT jurisdiction_id, coalesce(name, kind), 'parcel_locker', 200, geom FROM candidate_site "
                        "WHERE jurisdiction_id = (SELECT id FROM jurisdiction WHERE slug = 'kouvola')")
        big = Settings(database_url=settings.database_url, snap_max_m=200)
        return db_case(conn, "kouvola", "post_station", big)
    finally:
        conn.rollback()


def synthetic_case(conn, side: int, n_buildings: int, n_facilities: int, repeat: int = 3) -> dict:
    """A lattice district with buildings set back 8–30 m from random streets, facilities likewise."""
    net = synthetic_city(side, 80.0, 0.03, seed=2)
    rng = np.random.default_rng(5)

    def beside(n):
        e = rng.integers(0, net.n_edges, n)
        t = rng.uniform(0.05, 0.95, n)
        pts = shapely.line_interpolate_point(net.geoms[net.parent[e]], t, normalized=True)
        xy = shapely.get_coordinates(pts) + rng.uniform(-30, 30, (n, 2))
        return shapely.points(xy)

    homes = beside(n_buildings)
    buildings = Buildings(np.arange(n_buildings), [None] * n_buildings, ["residential"] * n_buildings,
                          rng.integers(10, 120, n_buildings).astype(float), [None] * n_buildings, homes,
                          np.zeros((n_buildings, 2)))
    facilities = [Facility("post_station", i, None, 500.0, p, 0.0, 0.0) for i, p in enumerate(beside(n_facilities))]
    to_metric, to_wgs84 = transformers(32650)  # the synthetic district's plane (only its answer's WGS84 needs it)
    loaded = LoadedNetwork(net, np.ones(net.n_edges, dtype=bool), [], to_wgs84, to_metric, version=0)

    class Jur:
        slug = "synthetic"

    cov, t = timed(lambda: measure(Jur, loaded, facilities, buildings, "post_station", [100.0, 200.0, 300.0],
                                   100.0), repeat)
    src = sorted(set(cov.facility_nodes))
    t_nx = networkx_time(cov.net, src, repeat)
    with conn.cursor() as cur:
        load_synthetic(cur, cov.net)
        t_pgr = pgr_time(cur, "SELECT id, source, target, cost, reverse_cost FROM bench_edges",
                         [s + 1 for s in src], repeat)
    conn.rollback()
    s = cov.summary()
    return {"name": f"synthetic {side}×{side}, in memory", "buildings": n_buildings, "edges": cov.net.n_edges,
            "facilities": n_facilities, "t": t, "t_core": core_time(cov, 100.0, repeat), "t_nx": t_nx, "t_pgr": t_pgr,
            "within100": s["within"]["100"]["households_share"]}


def report(rows) -> str:
    out = ["| case | buildings | street edges | facilities | gridmap: whole answer | gridmap: shortest paths "
           "(Dijkstra + every building) | networkx multi-source Dijkstra | pgr_drivingDistance | "
           "networkx ÷ gridmap paths | pgRouting ÷ gridmap paths | households within 100 m |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['name']} | {r['buildings']:,} | {r['edges']:,} | {r['facilities']} | "
                   f"{r['t'] * 1000:.0f} ms | {r['t_core'] * 1000:.1f} ms | {r['t_nx'] * 1000:.1f} ms | "
                   f"{r['t_pgr'] * 1000:.1f} ms | {r['t_nx'] / r['t_core']:.1f} | {r['t_pgr'] / r['t_core']:.1f} | "
                   f"{r['within100']:.0%} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    settings = Settings()
    conn = db.connect(settings.database_url)
    rows = [db_case(conn, "huamao", "courier_zone", settings), db_case(conn, "huamao", "any", settings)]
    conn.rollback()
    rows.append(kouvola_case(conn, settings))
    rows.append(synthetic_case(conn, 60, 10_000, 30) if args.quick else synthetic_case(conn, 130, 100_000, 300))
    print(report(rows))
    print()
    print("The whole answer: for the stored cases, loading streets, buildings and facilities from PostGIS, "
          "placing each on its street, the distances and the JSON; for the synthetic district, the same from "
          "arrays in memory (no JSON). The shortest-path part is compared with the peers: theirs gives the "
          "distance from the facilities to every street node only; gridmap's also gives every building's.")


if __name__ == "__main__":
    main()
