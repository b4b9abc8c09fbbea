"""The command line against the API on the same jobs: a command's whole wall time (the process
starting, importing what it needs, connecting, working, printing) against the same request to a
running server, answers checked equal first.

    .venv/bin/python bench/cli_bench.py > bench/results/cli.md

The goals (issue 16): simple commands (stats, list, check) under 0.5 s; a patrol route on the
command line within 1.5× of the API's. The route is planned on pyrosm's test_pbf (Kouvola)
walking network imported as its own jurisdiction (deleted at the end), and on Huamao.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pyrosm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_headers, serve  # noqa: E402

from gis import db  # noqa: E402
from gis.jurisdictions import delete_jurisdiction  # noqa: E402
from gis.settings import Settings  # noqa: E402

GRIDMAP = [sys.executable, "-m", "gis.cli"]
REPEAT = 5
SIMPLE = [("stats", ["stats", "huamao", "--json"]),
          ("jurisdiction list", ["jurisdiction", "list", "--json"]),
          ("grids check", ["grids", "check", "huamao", "--json"])]


def run(args: list[str]) -> tuple[str, float]:
    t = time.perf_counter()
    out = subprocess.run([*GRIDMAP, *args], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}).stdout
    return out, time.perf_counter() - t


def best(fn, repeat: int = REPEAT) -> tuple[object, float, float]:
    """The answer, the best and the median wall time of ``repeat`` runs."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return out, times[0], times[len(times) // 2]


def same_route(cli: dict, api: dict) -> None:
    keys = ("length_m", "lower_bound_m", "required_m", "optimal")
    if [cli[k] for k in keys] != [api[k] for k in keys] or \
            [r["edges"] for r in cli["routes"]] != [r["edges"] for r in api["routes"]]:
        raise SystemExit(f"unequal answers: {[cli[k] for k in keys]} vs {[api[k] for k in keys]}")


def main() -> None:
    settings = Settings()
    conn = db.connect(settings.database_url)
    slug = f"bench-cli-{uuid.uuid4().hex[:6]}"
    _, imported = run(["import", "osm", pyrosm.get_data("test_pbf"), "--jurisdiction", slug, "--name", "Kouvola",
                       "--bbox", "26.93,60.52,26.97,60.54"])
    with db.transaction(conn) as cur:
        cur.execute("SELECT count(*) FROM street_edge e JOIN jurisdiction j ON j.id = e.jurisdiction_id"
                    " WHERE j.slug = %s", (slug,))
        edges = cur.fetchone()[0]
    headers = bench_headers(conn)
    server, base = serve(settings)
    load = os.getloadavg()
    try:
        print("# The command line against the API\n")
        print(f"`bench/cli_bench.py`, {time.strftime('%Y-%m-%d')}, load average {load[0]:.1f}. Wall time of the"
              f" whole command (process start included), best and median of {REPEAT}.\n")
        print("## Simple commands (goal: under 0.5 s)\n")
        print("| command | best | median | under 0.5 s |\n|---|---|---|---|")
        for _, args in SIMPLE:
            _, low, mid = best(lambda a=args: run(a))
            print(f"| `gridmap {' '.join(args)}` | {low:.2f} s | {mid:.2f} s | {'yes' if mid < 0.5 else 'no'} |")
        print(f"\n## A patrol route, command line against API (goal: within 1.5×)\n\nKouvola imported as `{slug}`"
              f" ({edges:,} street edges; the import took {imported:.1f} s). The API is warm (one request before"
              " timing), as a running service is.\n")
        print("| network | CLI best | CLI median | API best | API median | CLI / API (medians) |")
        print("|---|---|---|---|---|---|")
        with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
            for name, target in (("Huamao", "huamao"), (f"Kouvola ({edges:,} edges)", slug)):
                def api(t=target):
                    r = client.get(f"/patrol/{t}/route")
                    r.raise_for_status()
                    return r.json()

                api()
                def cli(t=target):
                    return json.loads(run(["patrol", "route", t, "--json"])[0])

                cli_answer, cli_low, cli_mid = best(cli)
                api_answer, api_low, api_mid = best(api)
                same_route(cli_answer, api_answer)
                print(f"| {name} | {cli_low:.2f} s | {cli_mid:.2f} s | {api_low:.2f} s | {api_mid:.2f} s |"
                      f" {cli_mid / api_mid:.2f}× |")
    finally:
        server.should_exit = True
        with db.transaction(conn) as cur:
            delete_jurisdiction(cur, slug)
        conn.close()


if __name__ == "__main__":
    main()
