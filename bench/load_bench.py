"""A load test on loopback: mixed reads and edits for 60 s (bounded in time and count) against
the real app on a copy of Huamao; no request may fail. Prints throughput and p95 per kind.

    .venv/bin/python bench/load_bench.py [--seconds 60] > bench/results/load.md

Edits read the feature, then PUT it back changed with its ETag; a 412 (another client got there
first) is the optimistic lock working, counted apart, and retried.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_headers, percentile  # noqa: E402
from grids_bench import serve  # noqa: E402

from gis import datasets, db  # noqa: E402
from gis.importing import import_package  # noqa: E402
from gis.jurisdictions import delete_jurisdiction  # noqa: E402
from gis.settings import Settings  # noqa: E402


async def client_loop(base: str, slug: str, until: float, max_requests: int, stats: dict, rng: random.Random,
                      headers: dict) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as c:
        zones = (await c.get("/collections/courier_zone/items", params={"jurisdiction": slug})).json()["features"]
        while time.monotonic() < until and stats["count"] < max_requests:
            roll = rng.random()
            t = time.perf_counter()
            if roll < 0.45:
                kind, r = "items: grids", await c.get("/collections/grid/items", params={"jurisdiction": slug})
            elif roll < 0.70:
                kind, r = "items: buildings in a bbox", await c.get(
                    "/collections/building/items",
                    params={"jurisdiction": slug, "limit": 100, "bbox": "116.474,39.907,116.480,39.911"})
            elif roll < 0.80:
                kind, r = "a grid's numbers", await c.get(f"/jurisdictions/{slug}/grids/110105015001002/summary")
            elif roll < 0.88:
                kind, r = "patrol route", await c.get(f"/patrol/{slug}/route")
            else:
                kind = "edit: courier zone (GET + PUT with If-Match)"
                zone = rng.choice(zones)
                got = await c.get(f"/collections/courier_zone/items/{zone['id']}")
                props = {k: v for k, v in got.json()["properties"].items() if k not in ("jurisdiction", "version")}
                props["capacity"] = rng.randint(10, 40)
                r = await c.put(f"/collections/courier_zone/items/{zone['id']}",
                                json={"type": "Feature", "geometry": got.json()["geometry"], "properties": props},
                                headers={"If-Match": got.headers["etag"]})
                if r.status_code == 412:
                    stats["conflicts"] += 1
                    continue
            took = time.perf_counter() - t
            stats["count"] += 1
            stats.setdefault(kind, []).append(took)
            if r.status_code >= 400:
                stats["errors"].append((kind, r.status_code, r.text[:200]))


async def run(base: str, slug: str, seconds: float, clients: int, max_requests: int, headers: dict) -> dict:
    stats: dict = {"count": 0, "conflicts": 0, "errors": []}
    until = time.monotonic() + seconds
    start = time.perf_counter()
    await asyncio.gather(*(client_loop(base, slug, until, max_requests, stats, random.Random(k), headers)
                           for k in range(clients)))
    stats["elapsed"] = time.perf_counter() - start
    return stats


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--max-requests", type=int, default=200_000)
    args = ap.parse_args()
    settings = Settings()
    conn = db.connect(settings.database_url)
    slug = f"bench-load-{uuid.uuid4().hex[:6]}"
    with db.transaction(conn) as cur:
        import_package(cur, datasets.dataset_path("huamao"), slug)
    server, base = serve(settings)
    try:
        stats = asyncio.run(run(base, slug, args.seconds, args.clients, args.max_requests, bench_headers(conn)))
    finally:
        server.should_exit = True
        with db.transaction(conn) as cur:
            delete_jurisdiction(cur, slug)
    kinds = [k for k in stats if k not in ("count", "conflicts", "errors", "elapsed")]
    print(f"{args.clients} clients for {stats['elapsed']:.0f} s on loopback (2 cores shared by clients, server and "
          f"PostgreSQL): **{stats['count'] / stats['elapsed']:.0f} requests/s**, {stats['count']:,} requests, "
          f"**{len(stats['errors'])} errors**, {stats['conflicts']} edits that met a newer version (412, retried).\n")
    print("| kind | requests | p50 | p95 |")
    print("|---|---|---|---|")
    for k in sorted(kinds, key=lambda k: -len(stats[k])):
        ts = stats[k]
        print(f"| {k} | {len(ts):,} | {percentile(ts, 50) * 1000:.0f} ms | {percentile(ts, 95) * 1000:.0f} ms |")
    if stats["errors"]:
        print("\nErrors:", stats["errors"][:5])
        raise SystemExit(1)


if __name__ == "__main__":
    main()
