"""Cases at city scale (#17): 1,000,000 cases on the synthetic city of bench/city.sql (2,000
communities, 20,000 grids, 300,000 buildings), and the database time of what a grid leader and
a street office ask for:

- one community's 接诉即办 numbers for a month (``case_kpi``: case_kpi.sql and case_kpi_stays.sql);
- its open cases, first page (``list_cases`` and ``count_cases``, as GET /cases/{slug}?open=true);
- the city's numbers by community for a month (``kpi_by_jurisdiction``: case_kpi_by_jurisdiction.sql).

Database time is EXPLAIN (ANALYZE) of each statement the function runs (planning + execution,
summed), the median over random communities; the functions' own wall time from Python on the
same machine is given beside it. Targets (the issue): < 100 ms, < 100 ms, < 2 s.

    python bench/cases_bench.py [--communities 2000] [--cases 1000000] [--rebuild]

The city lives in a database of its own (gridmap_cases_city) with one day of patrol tracks (this
benchmark needs none), built once and kept; --rebuild makes it again. Not a test: nothing passes
or fails here, the figures go to bench/RESULTS.md with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import own_database  # noqa: E402

from gis import db  # noqa: E402
from gis.cases import store  # noqa: E402
from gis.cases.kpi import period  # noqa: E402
from gis.cases.kpi_store import case_kpi, kpi_by_jurisdiction  # noqa: E402
from gis.settings import Settings  # noqa: E402

CASES_DB = "gridmap_cases_city"
LAST_DAY = date(2026, 11, 20)
TZ = ZoneInfo("Asia/Shanghai")
MONTH = (date(2026, 10, 1), date(2026, 10, 31))
AS_OF = "2026-11-20 23:59+08"  # the synthetic clock: steps after it are not written

# 1,000,000 cases in one statement: each a random building of a random community, a category of
# its catalogue, an urgency, reported over the year up to LAST_DAY; its steps at times drawn
# after each other (accepted within hours, handled within its limit mostly, verified, closed),
# cut at the synthetic clock, so the last weeks' cases are still open; 3 % rejected, 1 % parked.
# The rules' triggers are off (replica), so the grid, due time, state and events are written here.
GENERATE = """
CREATE TEMP TABLE b AS
SELECT jurisdiction_id AS jid, grid_id, id, ST_PointOnSurface(geom) AS p,
       row_number() OVER (PARTITION BY jurisdiction_id ORDER BY id) - 1 AS k,
       count(*) OVER (PARTITION BY jurisdiction_id) AS n
  FROM building;
CREATE INDEX ON b (jid, k);
CREATE TEMP TABLE k AS
SELECT jurisdiction_id AS jid, id, red_hours, yellow_hours, blue_hours, department_id,
       row_number() OVER (PARTITION BY jurisdiction_id ORDER BY id) - 1 AS k
  FROM case_category;
CREATE INDEX ON k (jid, k);
CREATE TEMP TABLE js AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM jurisdiction
 WHERE slug LIKE 'city-%%';
CREATE TEMP TABLE gen AS
WITH r AS (
    SELECT n, js.id AS jid, random() AS rb, floor(random() * 10)::int AS kc, random() AS ru, random() AS rt,
           random() AS rs, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
           random() AS rf
      FROM generate_series(1, %(cases)s) n JOIN js ON js.k = n %% (SELECT count(*) FROM js)
), t AS (
    SELECT r.*, b.id AS building_id, b.grid_id, b.p, k.id AS category_id, k.department_id,
           CASE WHEN ru < 0.1 THEN 'red' WHEN ru < 0.4 THEN 'yellow' ELSE 'blue' END AS urgency,
           %(end)s::timestamptz - (rt * interval '365 days') AS reported_at,
           CASE WHEN ru < 0.1 THEN k.red_hours WHEN ru < 0.4 THEN k.yellow_hours ELSE k.blue_hours END AS hours
      FROM r JOIN b ON b.jid = r.jid AND b.k = floor(r.rb * b.n)::int
      JOIN k ON k.jid = r.jid AND k.k = r.kc
), s AS (
    SELECT t.*, reported_at + r1 * interval '3 hours' AS a1,
           reported_at + r1 * interval '3 hours' + r2 * interval '20 minutes' AS a2,
           reported_at + r1 * interval '3 hours' + r2 * interval '20 minutes'
               + r3 * hours * 1.15 * interval '1 hour' AS a3
      FROM t
), u AS (
    SELECT s.*, a3 + r4 * interval '6 hours' AS a4, a3 + r4 * interval '6 hours' + r5 * interval '2 hours' AS a5
      FROM s
)
SELECT row_number() OVER (ORDER BY reported_at) AS n,  -- numbered as reported, as a serial numbers them
       jid, building_id, grid_id, p, category_id, department_id, urgency, reported_at,
       reported_at + make_interval(hours => hours) AS due_at,
       CASE WHEN rs < 0.03 THEN 'rejected' WHEN rs < 0.04 THEN 'parked' ELSE 'flow' END AS path,
       CASE WHEN rs < 0.45 THEN 'hotline' ELSE 'patrol' END AS source,
       a1, a2, a3, a4, a5, rf
  FROM u;
"""
# The cases and their steps from gen, every step not after the clock.
WRITE = """
CREATE TEMP TABLE steps AS
SELECT n, jid, department_id, st, at FROM gen, LATERAL (VALUES
    ('reported', reported_at), ('rejected', CASE WHEN path = 'rejected' THEN a1 END),
    ('accepted', CASE WHEN path <> 'rejected' THEN a1 END), ('dispatched', CASE WHEN path <> 'rejected' THEN a2 END),
    ('parked', CASE WHEN path = 'parked' THEN a3 END), ('handled', CASE WHEN path = 'flow' THEN a3 END),
    ('verified', CASE WHEN path = 'flow' THEN a4 END), ('closed', CASE WHEN path = 'flow' THEN a5 END)) v (st, at)
 WHERE at IS NOT NULL AND at <= %(as_of)s;
CREATE TEMP TABLE last AS
SELECT DISTINCT ON (n) n, st, at FROM steps ORDER BY n, at DESC;
INSERT INTO case_record (id, jurisdiction_id, source, ticket_no, category_id, urgency, description, building_id,
                         grid_id, state, state_since, parked_from, review_on, reason, assignee, department_id,
                         handled_by, handling, reported_at, due_at, accepted_at, rejected_at, dispatched_at,
                         handled_at, verified_at, closed_at, parked_at, satisfaction, solved, feedback_at, geom)
SELECT g.n, g.jid, g.source, CASE WHEN g.source = 'hotline' THEN 'T' || g.n END, g.category_id, g.urgency,
       '合成事件 ' || g.n, g.building_id, g.grid_id, l.st, l.at,
       CASE WHEN l.st = 'parked' THEN 'dispatched' END, CASE WHEN l.st = 'parked' THEN %(as_of)s::date + 30 END,
       CASE WHEN l.st IN ('parked', 'rejected') THEN '合成' END,
       NULL, CASE WHEN g.a2 <= %(as_of)s AND g.path <> 'rejected' THEN g.department_id END,
       CASE WHEN g.a3 <= %(as_of)s AND g.path = 'flow' THEN '部门' END,
       CASE WHEN g.a3 <= %(as_of)s AND g.path = 'flow' THEN '已处置' END,
       g.reported_at, g.due_at,
       CASE WHEN g.path <> 'rejected' AND g.a1 <= %(as_of)s THEN g.a1 END,
       CASE WHEN g.path = 'rejected' AND g.a1 <= %(as_of)s THEN g.a1 END,
       CASE WHEN g.path <> 'rejected' AND g.a2 <= %(as_of)s THEN g.a2 END,
       CASE WHEN g.path = 'flow' AND g.a3 <= %(as_of)s THEN g.a3 END,
       CASE WHEN g.path = 'flow' AND g.a4 <= %(as_of)s THEN g.a4 END,
       CASE WHEN g.path = 'flow' AND g.a5 <= %(as_of)s THEN g.a5 END,
       CASE WHEN g.path = 'parked' AND g.a3 <= %(as_of)s THEN g.a3 END,
       CASE WHEN l.st = 'closed' AND g.source = 'hotline'
            THEN (ARRAY['satisfied', 'satisfied', 'satisfied', 'basically', 'dissatisfied'])[1 + floor(g.rf * 5)::int]
       END,
       CASE WHEN l.st = 'closed' AND g.source = 'hotline' THEN g.rf < 0.9 END,
       CASE WHEN l.st = 'closed' AND g.source = 'hotline' THEN l.at + interval '1 day' END,
       g.p
  FROM gen g JOIN last l ON l.n = g.n;
SELECT setval(pg_get_serial_sequence('case_record', 'id'), (SELECT max(id) FROM case_record));
INSERT INTO case_event (jurisdiction_id, case_id, at, actor, from_state, to_state, department_id)
SELECT jid, n, at, 'bench', lag(st) OVER (PARTITION BY n ORDER BY at), st,
       CASE WHEN st NOT IN ('reported', 'accepted', 'rejected') THEN department_id END
  FROM steps ORDER BY n, at;
"""


def build(base: str, communities: int, cases: int, rebuild: bool) -> tuple[str, dict[str, float]]:
    """The database with the city and its cases, built when missing (or asked to): the build's
    times in seconds by step (empty when it was there)."""
    url, exists = own_database(base, CASES_DB, rebuild)
    conn = db.connect(url)
    with db.transaction(conn) as cur:
        db.migrate(cur)  # a later migration's indexes too, on a database built before it
    if exists:
        conn.close()
        return url, {}
    times: dict[str, float] = {}
    t = time.perf_counter()
    with db.transaction(conn) as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute((HERE / "city.sql").read_text(encoding="utf-8"),
                    {"communities": communities, "days": 1, "last_day": LAST_DAY})
        cur.execute("SELECT count(*) FROM (SELECT gridmap_seed_case_catalogue(id) FROM jurisdiction) s")
    times["city (1 day of tracks) and catalogues"] = time.perf_counter() - t
    _, end = period(LAST_DAY, LAST_DAY, TZ)
    t = time.perf_counter()
    with db.transaction(conn) as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(GENERATE, {"cases": cases, "end": end})
        cur.execute(WRITE, {"as_of": AS_OF})
    times[f"{cases:,} cases and their steps (one set-based INSERT each)"] = time.perf_counter() - t
    conn.autocommit = True
    t = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    times["VACUUM ANALYZE"] = time.perf_counter() - t
    conn.close()
    return url, times


def explained(cur, sql: str, params) -> float:
    """Planning + execution time (ms) of ``sql`` as EXPLAIN ANALYZE reports it."""
    cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
    plan = cur.fetchone()[0]
    plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
    return float(plan["Planning Time"]) + float(plan["Execution Time"])


def median_ms(xs: list[float]) -> str:
    return f"{statistics.median(xs):.1f} ms (p95 {sorted(xs)[int(0.95 * (len(xs) - 1))]:.1f})"


def main() -> None:
    from gis.db import read_sql

    ap = argparse.ArgumentParser()
    ap.add_argument("--communities", type=int, default=2000)
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--database", default=CASES_DB, help="The database to build and keep the city in")
    args = ap.parse_args()
    globals()["CASES_DB"] = args.database
    load_before = os.getloadavg()
    url, built = build(Settings().database_url, args.communities, args.cases, args.rebuild)
    conn = db.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("SELECT (SELECT count(*) FROM jurisdiction), (SELECT count(*) FROM grid),"
                " (SELECT count(*) FROM building), (SELECT count(*) FROM case_record),"
                " (SELECT count(*) FROM case_event), (SELECT count(*) FROM case_record WHERE state NOT IN"
                " ('closed', 'rejected')), pg_size_pretty(pg_total_relation_size('case_record')),"
                " pg_size_pretty(pg_total_relation_size('case_event'))")
    n_j, n_g, n_b, n_c, n_e, n_open, size_c, size_e = cur.fetchone()
    cur.execute("SELECT slug FROM jurisdiction WHERE slug LIKE 'city-%' ORDER BY id")
    slugs = [r[0] for r in cur.fetchall()]
    rng = random.Random(20261206)
    first, last = MONTH
    start, end = period(first, last, TZ)
    as_of = end
    kpi_db, kpi_wall, list_db, list_wall = [], [], [], []
    for _ in range(args.repeat):
        slug = rng.choice(slugs)
        cur.execute("SELECT id FROM jurisdiction WHERE slug = %s", (slug,))
        jid = cur.fetchone()[0]
        params = {"jurisdiction_id": jid, "start": start, "end": end, "as_of": as_of, "basic_weight": 1.0}
        kpi_db.append(explained(cur, read_sql("case_kpi.sql"), params)
                      + explained(cur, read_sql("case_kpi_stays.sql"), params))
        t = time.perf_counter()
        case_kpi(cur, slug, first, last, TZ)
        kpi_wall.append((time.perf_counter() - t) * 1000)
        where, wparams = store._where(cur, slug, open_only=True)
        list_db.append(explained(cur, store._CASE + " WHERE " + where
                                 + " ORDER BY c.reported_at DESC, c.id DESC LIMIT %s OFFSET %s", (*wparams, 100, 0))
                       + explained(cur, "SELECT count(*) FROM case_record c JOIN case_category k ON k.id ="
                                   " c.category_id LEFT JOIN grid g ON g.id = c.grid_id LEFT JOIN department d"
                                   " ON d.id = c.department_id WHERE " + where, wparams))
        t = time.perf_counter()
        store.list_cases(cur, slug, open_only=True, limit=100)
        store.count_cases(cur, slug, open_only=True)
        list_wall.append((time.perf_counter() - t) * 1000)
    city_db, city_wall = [], []
    city_params = {"jurisdiction_ids": None, "start": start, "end": end, "as_of": as_of, "basic_weight": 1.0}
    for _ in range(max(3, args.repeat // 4)):
        city_db.append(explained(cur, read_sql("case_kpi_by_jurisdiction.sql"), city_params))
        t = time.perf_counter()
        city = kpi_by_jurisdiction(cur, first, last, TZ)
        city_wall.append((time.perf_counter() - t) * 1000)
    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + read_sql("case_kpi_by_jurisdiction.sql"), city_params)
    city_plan = "\n".join(r[0] for r in cur.fetchall())
    load_after = os.getloadavg()
    received = sum(r["received"] for r in city["jurisdictions"])
    print(f"Cases on the synthetic city ({CASES_DB}), {date.today()}: **{n_j:,} communities, {n_g:,} grids,"
          f" {n_b:,} buildings; {n_c:,} cases ({n_open:,} open), {n_e:,} steps**; case_record {size_c},"
          f" case_event {size_e} with indexes.")
    print(f"\nLoad average (1, 5, 15 min) before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f};"
          f" after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 cores, shared with other work).")
    if built:
        print("\nBuilt now: " + "; ".join(f"{k} {v:.1f} s" for k, v in built.items()) + ".")
    print(f"\nThe month {first}…{last} ({received:,} cases received in the city); {args.repeat} random"
          " communities. Database time: EXPLAIN ANALYZE, planning + execution of each statement, summed;"
          " wall: the service's function from Python (psycopg2, local socket).\n")
    print("| query | target | database time, median | wall, median |")
    print("|---|---|---|---|")
    print(f"| a community's KPI for a month (case_kpi.sql + case_kpi_stays.sql) | < 100 ms | {median_ms(kpi_db)} |"
          f" {statistics.median(kpi_wall):.1f} ms |")
    print(f"| its open cases, first page of 100 and the count | < 100 ms | {median_ms(list_db)} |"
          f" {statistics.median(list_wall):.1f} ms |")
    print(f"| the city's KPI by community, a month (case_kpi_by_jurisdiction.sql) | < 2 s | {median_ms(city_db)} |"
          f" {statistics.median(city_wall):.1f} ms |")
    print("\nThe city's query plan (last run):\n\n```\n" + city_plan + "\n```")


if __name__ == "__main__":
    main()
