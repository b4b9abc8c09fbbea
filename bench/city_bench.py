"""City scale on one PostGIS: a synthetic city (bench/city.sql) of thousands of communities, tens
of thousands of grids and months of every worker's GPS tracks, and how long the service's own
queries take on it, one community at a time (what a request does) and across the city.

Also patrol tracks partitioned by month against one table: the same recent-tracks query, and
dropping a month (retention) against deleting it.

    python bench/city_bench.py [--communities 2000] [--days 61] [--rebuild]

The city lives in its own database (gridmap_city, on the server of GRIDMAP_DATABASE_URL), built
once and kept for later runs; --rebuild makes it again. Figures for docs/scaling.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import latency, own_database  # noqa: E402

from gis import db, users  # noqa: E402
from gis.grids.summary import grid_summary  # noqa: E402
from gis.layers import get_layer  # noqa: E402
from gis.patrol.records import patrol_coverage  # noqa: E402
from gis.settings import Settings  # noqa: E402
from gis.store import feature_page  # noqa: E402
from gis.tiles import tile, tile_of  # noqa: E402

CITY_DB = "gridmap_city"
LAST_DAY = date(2026, 11, 20)
REPEAT = 30


def timed(fn, repeat: int = REPEAT) -> tuple[float, float]:
    """Median and p95 (ms); one call alone (retention, which is rolled back) is not warmed."""
    return latency(fn, repeat, warm=3 if repeat > 1 else 0)


def build(base: str, communities: int, days: int, rebuild: bool) -> tuple[str, float | None]:
    """The city's database, built when missing (or asked to); the build time in seconds."""
    url, exists = own_database(base, CITY_DB, rebuild)
    if exists:
        return url, None
    conn = db.connect(url)
    with db.transaction(conn) as cur:
        db.migrate(cur)
    t = time.perf_counter()
    with db.transaction(conn) as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute((HERE / "city.sql").read_text(encoding="utf-8"),
                    {"communities": communities, "days": days, "last_day": LAST_DAY})
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    conn.close()
    return url, time.perf_counter() - t


def partition_by_month(cur) -> None:
    """patrol_track_monthly and patrol_walked_monthly: the same rows, partitioned by month of day
    (the walked streets carry their track's day, so that a month drops as a whole)."""
    cur.execute("SELECT 1 FROM pg_class WHERE relname = 'patrol_walked_monthly'")
    if cur.fetchone():
        return
    cur.execute("DROP TABLE IF EXISTS patrol_track_monthly")
    cur.execute("CREATE TABLE patrol_track_monthly (LIKE patrol_track INCLUDING DEFAULTS) PARTITION BY RANGE (day)")
    cur.execute("CREATE TABLE patrol_walked_monthly (LIKE patrol_walked, day date NOT NULL) PARTITION BY RANGE (day)")
    cur.execute("SELECT date_trunc('month', min(day))::date, date_trunc('month', max(day))::date FROM patrol_track")
    first, last = cur.fetchone()
    month = first
    while month <= last:
        nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        for table in ("patrol_track", "patrol_walked"):
            cur.execute(f"CREATE TABLE {table}_{month:%Y_%m} PARTITION OF {table}_monthly "
                        f"FOR VALUES FROM ('{month}') TO ('{nxt}')")
        month = nxt
    cur.execute("INSERT INTO patrol_track_monthly SELECT * FROM patrol_track")
    cur.execute("INSERT INTO patrol_walked_monthly SELECT w.*, t.day FROM patrol_walked w "
                "JOIN patrol_track t ON t.id = w.track_id")
    cur.execute("CREATE INDEX ON patrol_track_monthly (jurisdiction_id, day)")
    cur.execute("CREATE INDEX ON patrol_walked_monthly (track_id)")
    cur.execute("ANALYZE patrol_track_monthly")
    cur.execute("ANALYZE patrol_walked_monthly")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--communities", type=int, default=2000)
    ap.add_argument("--days", type=int, default=61)
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    url, built = build(Settings().database_url, args.communities, args.days, args.rebuild)
    conn = db.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    partition_by_month(cur)
    counts = ", ".join(f"(SELECT count(*) FROM {t})" for t in ("jurisdiction", "grid", "building", "street_edge",
                                                                "worker", "patrol_track", "patrol_walked"))
    cur.execute(f"SELECT {counts}, (SELECT sum(points) FROM patrol_track),"
                " pg_size_pretty(pg_database_size(current_database()))")
    n_j, n_g, n_b, n_e, n_w, n_t, n_walked, n_points, size = cur.fetchone()
    cur.execute("SELECT id, slug, admin_code, ST_XMin(geom), ST_YMin(geom) FROM jurisdiction ORDER BY id")
    places = cur.fetchall()
    rng = random.Random(20261123)
    pick = lambda: rng.choice(places)  # noqa: E731
    buildings = get_layer("building")

    def items():
        jid = pick()[0]
        feature_page(cur, buildings, jurisdiction_id=jid, limit=100)

    def items_bbox():
        jid, _, _, x, y = pick()
        feature_page(cur, buildings, jurisdiction_id=jid, bbox=(x, y, x + 0.004, y + 0.003), limit=100)

    def summary():
        _, slug, code, _, _ = pick()
        grid_summary(cur, slug, code + f"{rng.randint(1, 10):03d}", 7, LAST_DAY)

    def vector_tile():
        jid, _, _, x, y = pick()
        tile(cur, buildings, 16, *tile_of(x + 0.004, y + 0.003, 16), jid)

    def coverage():
        patrol_coverage(cur, pick()[1], 7, LAST_DAY, geometry=False)

    since = LAST_DAY - timedelta(days=6)

    def recent(table: str):
        def run():
            cur.execute(f"SELECT count(*), sum(points) FROM {table} WHERE jurisdiction_id = %s"
                        " AND day BETWEEN %s AND %s", (pick()[0], since, LAST_DAY))
            cur.fetchone()
        return run

    cur.execute("SELECT 1 FROM app_user WHERE username = 'city-bench'")
    if cur.fetchone() is None:
        users.add_user(cur, "city-bench", "leader", password=None, jurisdiction=places[0][1])
    token = users.issue_token(cur, "city-bench", kind="key", hours=1)

    rows = [
        ("items page, one community (limit 100)", timed(items)),
        ("items page, one community, bbox", timed(items_bbox)),
        ("a grid's numbers (households, workers, 7-day patrol coverage)", timed(summary)),
        ("MVT tile z16, one community's buildings", timed(vector_tile)),
        ("patrol coverage of a community, last 7 days (every street)", timed(coverage, 10)),
        ("who holds a token (every request)", timed(lambda: users.principal_of(cur, token))),
        ("a community's tracks of the last 7 days, one table", timed(recent("patrol_track"))),
        ("the same, partitioned by month", timed(recent("patrol_track_monthly"))),
    ]

    def households_per_grid():
        cur.execute("SELECT g.id, sum(b.households) FROM grid g JOIN building b ON b.grid_id = g.id GROUP BY g.id")
        cur.fetchall()

    city_wide = timed(households_per_grid, 3)
    cur.execute("SELECT min(day) FROM patrol_track")
    oldest = cur.fetchone()[0].replace(day=1)
    nxt = (oldest.replace(day=28) + timedelta(days=4)).replace(day=1)

    def delete_month():
        cur.execute("BEGIN")
        cur.execute("DELETE FROM patrol_track WHERE day >= %s AND day < %s", (oldest, nxt))
        cur.execute("ROLLBACK")

    def drop_month():
        cur.execute("BEGIN")
        for table in ("patrol_track", "patrol_walked"):
            cur.execute(f"ALTER TABLE {table}_monthly DETACH PARTITION {table}_{oldest:%Y_%m}")
            cur.execute(f"DROP TABLE {table}_{oldest:%Y_%m}")
        cur.execute("ROLLBACK")

    delete = timed(delete_month, 1)
    drop = timed(drop_month, 3)
    cur.execute("SELECT count(*) FROM patrol_track WHERE day >= %s AND day < %s", (oldest, nxt))
    month_rows = cur.fetchone()[0]
    sizes = {}
    for rel in ("building", "grid", "street_edge", "patrol_track", "patrol_walked"):
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size(%s))", (rel,))
        sizes[rel] = cur.fetchone()[0]
    conn.close()

    print(f"Synthetic city ({CITY_DB}): **{n_j:,} communities, {n_g:,} grids, {n_b:,} buildings, {n_e:,} "
          f"street edges, {n_w:,} workers; {n_t:,} GPS tracks ({n_points:,} points) of {args.days} days, "
          f"{n_walked:,} walked streets**; {size} on disk"
          + (f", built in {built:.0f} s." if built else "."))
    print("Sizes with indexes: " + ", ".join(f"{k} {v}" for k, v in sizes.items()) + ".\n")
    print(f"One PostgreSQL, the service's own queries from Python (psycopg2), {REPEAT} calls each on random "
          "communities (10 for patrol coverage); 2 cores shared.\n")
    print("| query | median | p95 |")
    print("|---|---|---|")
    for name, (med, p95) in rows:
        print(f"| {name} | {med:.1f} ms | {p95:.1f} ms |")
    print(f"| households per grid, the whole city ({n_g:,} grids) | {city_wide[0]:.0f} ms | {city_wide[1]:.0f} ms |")
    print(f"\nRetention, the oldest month ({month_rows:,} tracks and their walked streets): DELETE from the "
          f"tables as they are (the walked streets cascade, history rows are written) **{delete[0] / 1000:.1f} s**; "
          f"DETACH and DROP the month's partitions of both **{drop[0]:.1f} ms**; both rolled back.")


if __name__ == "__main__":
    main()
