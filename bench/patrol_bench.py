"""Patrol routes: gridmap's exact route inspection against pgRouting's pgr_chinesePostman, and an
independent exact check of optimality, on Huamao, on test_pbf (Kouvola) and on a synthetic city
of more than 50,000 street edges. Prints a Markdown report (ratios, measured in one run).

    .venv/bin/python bench/patrol_bench.py [--quick] > bench/results/patrol.md

Needs the database of ``make setup`` (GRIDMAP_DATABASE_URL); imports test_pbf as ``kouvola`` if
it is not there yet. pgRouting's postman is directed only: it walks every two-way street both
ways, so its length answers a different question; it is shown for time and length side by side.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pymatching
import pyrosm
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import timed  # noqa: E402
from synthetic import store_city, synthetic_city  # noqa: E402

from gis import db  # noqa: E402
from gis.network import StreetNetwork  # noqa: E402
from gis.network_store import load_network  # noqa: E402
from gis.osm import import_osm, parse_bbox  # noqa: E402
from gis.patrol.postman import min_t_join, odd_nodes, route_inspection  # noqa: E402
from gis.patrol.split import split_tour  # noqa: E402
from gis.settings import Settings  # noqa: E402
from gis.store import find_jurisdiction  # noqa: E402


def dense_check_mm(net: StreetNetwork, required: np.ndarray) -> int:
    """The optimal T-join cost in whole millimetres from the textbook formulation: a perfect
    matching of the odd nodes on the complete graph of their shortest-path distances (pymatching
    on that dense graph, integer weights, so exact)."""
    mm = np.maximum(np.rint(net.length * 1000), 1)
    odd = odd_nodes(net, np.flatnonzero(required))
    g = sp.coo_matrix((np.concatenate([mm, mm]), (np.concatenate([net.u, net.v]),
                       np.concatenate([net.v, net.u]))), shape=(net.n_nodes,) * 2)
    best: dict[tuple[int, int], float] = {}  # parallel edges: the shortest
    for a, b, w in zip(g.row.tolist(), g.col.tolist(), g.data.tolist(), strict=True):
        if a != b and w < best.get((a, b), np.inf):
            best[(a, b)] = w
    keys = np.array(list(best.keys()))
    g = sp.csr_matrix((np.array(list(best.values())), (keys[:, 0], keys[:, 1])), shape=(net.n_nodes,) * 2)
    rows, cols, weights = [], [], []
    for chunk in np.array_split(odd, max(1, len(odd) // 200)):
        d = dijkstra(g, directed=False, indices=chunk)[:, odd]
        for i, a in enumerate(chunk.tolist()):
            later = odd > a
            rows.append(np.full(later.sum(), a))
            cols.append(odd[later])
            weights.append(d[i, later])
    rows, cols, weights = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    keep = np.isfinite(weights)
    rows, cols, weights = rows[keep], cols[keep], weights[keep]
    pos = {n: i for i, n in enumerate(odd.tolist())}
    r = np.array([pos[x] for x in rows.tolist()])
    c = np.array([pos[x] for x in cols.tolist()])
    m = len(r)
    h = sp.csc_matrix((np.ones(2 * m, dtype=np.uint8), (np.concatenate([r, c]),
                       np.concatenate([np.arange(m), np.arange(m)]))), shape=(len(odd), m))
    matching = pymatching.Matching.from_check_matrix(h, weights=weights)
    chosen = matching.decode(np.ones(len(odd), dtype=np.uint8))
    return int(round(float(weights[chosen.astype(bool)].sum())))


def sparse_cost_mm(net: StreetNetwork, required: np.ndarray) -> int:
    join = min_t_join(net, odd_nodes(net, np.flatnonzero(required)))
    return int(np.maximum(np.rint(net.length[join] * 1000), 1).sum())


def pgr_postman(cur, edge_sql: str, timeout_s: int):
    cur.execute(f"SET LOCAL statement_timeout = {timeout_s * 1000}")
    t = time.perf_counter()
    try:
        cur.execute("SELECT sum(cost) FROM pgr_chinesePostman(%s)", (edge_sql,))
        return float(cur.fetchone()[0]), time.perf_counter() - t
    except Exception as exc:  # noqa: BLE001 - a bench reports what the peer did
        cur.connection.rollback()
        return f"failed: {str(exc).splitlines()[0][:80]}", time.perf_counter() - t


def load_synthetic(cur, net: StreetNetwork) -> None:
    cur.execute("CREATE TEMP TABLE bench_edges (id bigint, source bigint, target bigint, cost float8, "
                "reverse_cost float8) ON COMMIT PRESERVE ROWS")
    from psycopg2.extras import execute_values

    execute_values(cur, "INSERT INTO bench_edges VALUES %s",
                   [(i + 1, int(a) + 1, int(b) + 1, float(w), float(w))
                    for i, (a, b, w) in enumerate(zip(net.u, net.v, net.length, strict=True))],
                   page_size=10_000)


def end_to_end(conn, net: StreetNetwork, settings: Settings, repeat: int = 3) -> dict:
    """The synthetic city as a jurisdiction in PostGIS (placed in Beijing's UTM zone), and the
    whole ``patrol route`` answer timed: load from PostGIS, snap the office, solve, JSON. All in
    one transaction that is rolled back, so the database is left as it was."""
    from gis.patrol.routes import plan_routes

    try:
        with conn.cursor() as cur:
            t = time.perf_counter()
            store_city(cur, net, "bench-city", "bench city")
            t_load = time.perf_counter() - t
            one, t_one = timed(lambda: plan_routes(cur, "bench-city", settings).to_json(), repeat)
            two, t_two = timed(lambda: plan_routes(cur, "bench-city", settings, workers=2).to_json(), repeat)
    finally:
        conn.rollback()
    return {"edges": len(net.geoms), "t_insert": t_load, "t_one": t_one, "t_two": t_two,
            "optimal": one["optimal"], "length": one["length_m"], "lower": one["lower_bound_m"],
            "longest2": two["longest_m"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="a smaller synthetic city")
    ap.add_argument("--pgr-timeout", type=int, default=600)
    args = ap.parse_args()
    settings = Settings()
    conn = db.connect(settings.database_url)
    with db.transaction(conn) as cur:
        cur.execute("SELECT 1 FROM jurisdiction WHERE slug = 'kouvola'")
        have = cur.fetchone()
    if not have:
        with db.transaction(conn) as cur:
            import_osm(cur, Path(pyrosm.get_data("test_pbf")), "kouvola", "Kouvola",
                       parse_bbox("26.93,60.52,26.97,60.54"), settings)
    rows = []
    for slug in ("huamao", "kouvola"):
        with db.transaction(conn) as cur:
            jur = find_jurisdiction(cur, slug)
            net = load_network(cur, jur).net
        label = net.components()
        biggest = np.bincount(label[net.u]).argmax()
        required = label[net.u] == biggest
        start = int(net.u[np.flatnonzero(required)[0]])
        ids = ",".join(str(int(i)) for i in net.edge_ids[required])
        rows.append(run_case(conn, slug, net, required, start,
                             f"SELECT id, source, target, cost, reverse_cost FROM street_edge WHERE id IN ({ids})",
                             args.pgr_timeout, repeat=5))
    side = 60 if args.quick else 165
    net = synthetic_city(side, 45.0, 0.03, seed=1)
    with db.transaction(conn) as cur:
        load_synthetic(cur, net)
        required = np.ones(net.n_edges, dtype=bool)
        rows.append(run_case(conn, f"synthetic {side}×{side}", net, required, int(net.u[0]),
                             "SELECT id, source, target, cost, reverse_cost FROM bench_edges",
                             args.pgr_timeout, repeat=3, in_txn=cur))
    print(report(rows))
    e2e = end_to_end(conn, net, settings)
    print()
    print(f"End to end, `patrol route` on the synthetic city stored in PostGIS ({e2e['edges']:,} edges, "
          f"stored, its topology derived by the database, in {e2e['t_insert']:.1f} s): load + snap + solve + JSON "
          f"**{e2e['t_one'] * 1000:.0f} ms** for one worker (optimal: {e2e['optimal']}, "
          f"{e2e['length']:.0f} m = lower bound {e2e['lower']:.0f} m), "
          f"**{e2e['t_two'] * 1000:.0f} ms** for two (longest {e2e['longest2']:.0f} m).")


def run_case(conn, name, net, required, start, edge_sql, pgr_timeout, repeat, in_txn=None) -> dict:
    tour, t_route = timed(lambda: route_inspection(net, required, start), repeat)
    split, t_split = timed(lambda: split_tour(net, tour, 2), 1)
    t0 = time.perf_counter()
    dense = dense_check_mm(net, required)
    t_dense = time.perf_counter() - t0
    sparse = sparse_cost_mm(net, required)
    if in_txn is None:
        with db.transaction(conn) as cur:
            pgr_len, t_pgr = pgr_postman(cur, edge_sql, pgr_timeout)
    else:
        pgr_len, t_pgr = pgr_postman(in_txn, edge_sql, pgr_timeout)
    return {"name": name, "edges": int(required.sum()), "odd": len(odd_nodes(net, np.flatnonzero(required))),
            "length": tour.length_m, "lower": tour.lower_bound_m, "t_route": t_route,
            "exact": sparse == dense, "sparse_mm": sparse, "dense_mm": dense, "t_dense": t_dense,
            "longest2": split.longest_m, "t_split": t_split, "pgr_len": pgr_len, "t_pgr": t_pgr}


def report(rows) -> str:
    out = ["| network | edges | odd nodes | gridmap route (m) | gridmap time | optimal: sparse = dense check | "
           "2 workers: longest (m), time | pgr_chinesePostman (m, directed) | its time | "
           "pgr time ÷ gridmap time | pgr length ÷ gridmap length |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ok = isinstance(r["pgr_len"], float)
        pgr = f"{r['pgr_len']:.0f}" if ok else r["pgr_len"]
        out.append(f"| {r['name']} | {r['edges']:,} | {r['odd']:,} | {r['length']:.1f} | "
                   f"{r['t_route'] * 1000:.0f} ms | {'yes' if r['exact'] else 'NO'} "
                   f"({r['sparse_mm']:,} = {r['dense_mm']:,} mm; dense took {r['t_dense']:.1f} s) | "
                   f"{r['longest2']:.0f}, {r['t_split'] * 1000:.0f} ms | {pgr} | {r['t_pgr'] * 1000:.0f} ms | "
                   f"{r['t_pgr'] / r['t_route']:.2f} | "
                   f"{(r['pgr_len'] / r['length']) if ok else float('nan'):.2f} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
