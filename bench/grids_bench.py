"""Live grid edits on Huamao: latency of each accepted edit through the real API (uvicorn on
loopback), as a planner makes them: boundary moves back and forth, a building moved between
grids. Each edit reshapes the grids, checks the whole layout and writes in one transaction.

    .venv/bin/python bench/grids_bench.py > bench/results/grids.md

Works on a copy of Huamao under a new slug, deleted at the end.
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
import shapely
from shapely.geometry import mapping, shape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_headers, percentile, serve  # noqa: E402

from gis import datasets, db  # noqa: E402
from gis.importing import import_package  # noqa: E402
from gis.jurisdictions import delete_jurisdiction  # noqa: E402
from gis.settings import Settings  # noqa: E402

STEP = 0.0001  # degrees of longitude, ~8.5 m: less than buildings stand back from the streets


def grid(draft: dict, end: str) -> dict:
    return next(f for f in draft["grids"]["features"] if f["properties"]["code"].endswith(end))


def main(rounds: int = 100) -> None:
    settings = Settings()
    conn = db.connect(settings.database_url)
    slug = f"bench-grids-{uuid.uuid4().hex[:6]}"
    with db.transaction(conn) as cur:
        import_package(cur, datasets.dataset_path("huamao"), slug)
    server, base = serve(settings)
    times: dict[str, list[float]] = {"move a boundary": [], "move a building": []}
    try:
        with httpx.Client(base_url=base, timeout=30, headers=bench_headers(conn)) as c:
            lid = c.post(f"/jurisdictions/{slug}/layouts", json={"name": "bench"}).json()["id"]
            draft = c.get(f"/layouts/{lid}").json()
            a, b = shape(grid(draft, "001")["geometry"]), shape(grid(draft, "002")["geometry"])
            wider = shapely.union_all([a, shapely.intersection(b, shapely.affinity.translate(a, STEP, 0))])
            buildings = c.get("/collections/building/items", params={"jurisdiction": slug, "limit": 100}).json()
            slab = min((f for f in buildings["features"]
                        if shape(f["geometry"]).representative_point().within(b)),
                       key=lambda f: shape(f["geometry"]).centroid.x)["id"]
            for k in range(rounds):
                draft = c.get(f"/layouts/{lid}").json()
                g1 = grid(draft, "001")
                body = mapping(wider if k % 2 == 0 else a)
                t = time.perf_counter()
                r = c.put(f"/layouts/{lid}/grids/{g1['id']}", json=body, headers={"If-Match": g1["properties"]["etag"]})
                times["move a boundary"].append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
                draft = c.get(f"/layouts/{lid}").json()
                target = grid(draft, "001" if k % 2 == 0 else "002")
                t = time.perf_counter()
                r = c.post(f"/layouts/{lid}/grids/{target['id']}/buildings", json={"buildings": [slab]},
                           headers={"If-Match": target["properties"]["etag"]})
                times["move a building"].append(time.perf_counter() - t)
                assert r.status_code == 200, r.text
    finally:
        server.should_exit = True
        with db.transaction(conn) as cur:
            delete_jurisdiction(cur, slug)
    print("| edit on Huamao (4 grids, 32 buildings), through the API | edits | p50 | p95 | max |")
    print("|---|---|---|---|---|")
    for name, ts in times.items():
        print(f"| {name} | {len(ts)} | {statistics.median(ts) * 1000:.0f} ms | {percentile(ts, 95) * 1000:.0f} ms | "
              f"{max(ts) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
