"""Serving the building layer of a synthetic district (100,000 buildings): gridmap against tipg
(FastAPI + PostGIS, the OGC API Features peer) on the same database, same machine, same client
(wrk): items pages (limit 100, a bbox) and MVT tiles; throughput and p95. Also what PostGIS alone
does with gridmap's items query (pgbench), the ceiling for any server.

    .venv/bin/python bench/serving_bench.py > bench/results/serving.md

Needs wrk and pgbench (Debian: wrk, postgresql-client). tipg runs from its own virtualenv
(bench/.venv-tipg, made on first run from PyPI) so the project's stays as pyproject.toml says.
The district is kept in the database between runs (jurisdiction ``bench-district``).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import bench_headers  # noqa: E402
from grids_bench import serve  # noqa: E402
from psycopg2.extensions import parse_dsn  # noqa: E402

from gis import db  # noqa: E402
from gis.settings import Settings  # noqa: E402

SLUG = "bench-district"
N = 100_000
BBOX = "116.50,39.90,116.51,39.91"  # a corner of the district: a full page of 100 buildings
WRK_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95 %d\\n", latency:percentile(95)))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def district(conn) -> int:
    """100,000 buildings of 12 m × 12 m on a 40 m lattice south-east of Huamao (made once)."""
    with db.transaction(conn) as cur:
        cur.execute("SELECT id FROM jurisdiction WHERE slug = %s", (SLUG,))
        row = cur.fetchone()
        if row:
            return row[0]
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
        cur.execute("ANALYZE building")
    return jur.id


def tipg(url: str, port: int) -> subprocess.Popen:
    venv = HERE / ".venv-tipg"
    if not (venv / "bin" / "uvicorn").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "tipg", "uvicorn"], check=True)
    env = {**os.environ, "DATABASE_URL": url, "TIPG_DB_SCHEMAS": '["public"]', "TIPG_DB_TABLES": '["public.building"]'}
    proc = subprocess.Popen([str(venv / "bin" / "uvicorn"), "tipg.main:app", "--port", str(port), "--log-level",
                             "warning"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"tipg did not start: {proc.stderr.read().decode()[-500:]}")


def wrk(url: str, seconds: int = 10, headers: dict | None = None) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_LUA)
    extra = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", f.name, *extra, url], capture_output=True,
                         text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = int(re.search(r"P95 (\d+)", out).group(1)) / 1e6  # wrk reports microseconds
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{url}: {bad.group(1)} failed responses")
    return rps, p95


def pgbench(dsn: dict, jurisdiction_id: int, seconds: int = 10) -> float:
    from gis.layers import get_layer
    from gis.store import feature_page

    w, s, e, n = (float(x) for x in BBOX.split(","))
    conn = db.connect(Settings().database_url)
    with conn.cursor() as cur:  # the exact SQL gridmap runs for an items page, values inlined
        feature_page(cur, get_layer("building"), jurisdiction_id=jurisdiction_id, bbox=(w, s, e, n), limit=100,
                     offset=0)
        query = cur.query.decode()
    conn.close()
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(query.replace("\n", " ") + ";\n")
    args = ["pgbench", "-n", "-c2", "-j2", f"-T{seconds}", "-f", f.name, dsn["dbname"]]
    if dsn.get("host"):
        args[1:1] = ["-h", dsn["host"]]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def main() -> None:
    settings = Settings()
    conn = db.connect(settings.database_url)
    jid = district(conn)
    dsn = parse_dsn(settings.database_url)
    user = os.environ.get("USER") or "root"
    tport = free_port()
    peer = tipg(f"postgresql://{user}@127.0.0.1:5432/{dsn['dbname']}", tport)
    server, base = serve(settings)
    auth = bench_headers(conn)  # gridmap checks the key on every request; tipg has no sign-in
    try:
        z, x, y = 15, 26988, 12416  # a tile over the district's north-west corner
        cases = {
            "items (limit 100, bbox)": (f"{base}/collections/building/items?jurisdiction={SLUG}&limit=100&bbox={BBOX}",
                                        f"http://127.0.0.1:{tport}/collections/public.building/items?limit=100"
                                        f"&bbox={BBOX}"),
            "MVT tile z15": (f"{base}/tiles/building/{z}/{x}/{y}.mvt?jurisdiction={SLUG}",
                             f"http://127.0.0.1:{tport}/collections/public.building/tiles/WebMercatorQuad/{z}/{x}/{y}"),
        }
        rows = []
        for name, (ours, theirs) in cases.items():
            wrk(ours, 2, auth), wrk(theirs, 2)  # warm up
            o, t = wrk(ours, headers=auth), wrk(theirs)
            rows.append((name, o, t))
        tps = pgbench(dsn, jid)
    finally:
        server.should_exit = True
        peer.terminate()
    print(f"Synthetic district: {N:,} buildings. wrk -t2 -c8 -d10s on loopback, 2 cores shared by client, "
          "server and PostgreSQL.\n")
    print("| request | gridmap req/s | gridmap p95 | tipg req/s | tipg p95 | gridmap ÷ tipg (throughput) |")
    print("|---|---|---|---|---|---|")
    for name, (ors, op95), (trs, tp95) in rows:
        print(f"| {name} | {ors:.0f} | {op95 * 1000:.1f} ms | {trs:.0f} | {tp95 * 1000:.1f} ms | {ors / trs:.1f}× |")
    print(f"\nPostGIS alone, gridmap's items query for the same page (pgbench, 2 clients): {tps:.0f} per second.")


if __name__ == "__main__":
    main()
