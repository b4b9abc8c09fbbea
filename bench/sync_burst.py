"""A burst of phone syncs against the service: nine grid workers, each signed in as themselves,
send a batch of walks at once while a leader keeps reading a light page. Two batches: the red
team's (200 walks of 400 fixes, 80,000 points: it took 14–25 s of CPU each, holding a database
connection, and nine at once made every other request 503) and the largest the service now takes
(50 walks of 400 fixes, 20,000 points). Reports the answers, the burst's time, and the light
reads' latencies and failures.

    .venv/bin/python bench/sync_burst.py [--repo DIR] > bench/results/sync_burst.md

``--repo``: the checkout to serve (default this one), to run an older commit's code side by side
(a ``git worktree`` of it) against the same database. A copy of Huamao is made as its own
jurisdiction and deleted at the end (its users, workers and tracks with it).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import commit_of, huamao_copy, served_checkout  # noqa: E402

from gis import db, users  # noqa: E402
from gis.field_store import link_worker  # noqa: E402
from gis.patrol.stewards_store import add_worker  # noqa: E402

WORKERS = 9
FIXES = 400
BATCHES = {"the red team's: 200 walks × 400 fixes": 200, "the most now taken: 50 walks × 400 fixes": 50}
GRID = "110105015001001"


def walks(n: int, box: tuple[float, float, float, float], seed: int) -> list[dict]:
    """``n`` walks of FIXES fixes each, a second apart, inside ``box`` (lon/lat), ending ten
    minutes ago."""
    rng = random.Random(seed)
    end = datetime.now(UTC) - timedelta(minutes=10)
    out = []
    for _ in range(n):
        lon, lat = rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])
        points = []
        for i in range(FIXES):
            lon = min(max(lon + rng.uniform(-5e-5, 5e-5), box[0]), box[2])
            lat = min(max(lat + rng.uniform(-5e-5, 5e-5), box[1]), box[3])
            # as short as a phone might send them (the red team's 80,000 were 4.7 MB, under the 5 MiB limit)
            points.append({"lon": round(lon, 5), "lat": round(lat, 5),
                           "t": (end - timedelta(seconds=FIXES - i)).strftime("%Y-%m-%dT%H:%M:%SZ")})
        out.append({"type": "track", "client_id": str(uuid.uuid4()), "points": points})
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, default=HERE.parent)
    repo = parser.parse_args().repo.resolve()
    tag = uuid.uuid4().hex[:6]
    with huamao_copy("bench-sync") as (conn, slug):
        tokens = []
        with db.transaction(conn, "bench") as cur:
            for k in range(WORKERS):
                name = f"网格员{k}"
                add_worker(cur, slug, name, "grid_worker", grid=GRID)
                users.add_user(cur, f"sw{k}-{tag}", "worker", jurisdiction=slug, grid=GRID, password=None)
                link_worker(cur, f"sw{k}-{tag}", slug, name)
                tokens.append(users.issue_token(cur, f"sw{k}-{tag}", kind="key", hours=2, label="bench"))
            users.add_user(cur, f"sl-{tag}", "leader", jurisdiction=slug, password=None)
            leader = users.issue_token(cur, f"sl-{tag}", kind="key", hours=2, label="bench")
            cur.execute("SELECT ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom) FROM jurisdiction"
                        " WHERE slug = %s", (slug,))
            box = cur.fetchone()
        with served_checkout(repo) as (base, _):
            report(base, slug, tokens, leader, box, repo)


def burst(base: str, slug: str, tokens: list[str], leader: str, batch: list[list[dict]]) -> dict:
    """Every worker sends their batch at once; a leader reads a light page every 0.1 s meanwhile."""
    lead = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {leader}"}, timeout=300)
    latencies, failures, codes, done = [], [], [], threading.Event()

    def light() -> None:
        while not done.is_set():
            t = time.perf_counter()
            r = lead.get(f"/cases/{slug}", params={"limit": 1})
            latencies.append(time.perf_counter() - t)
            if r.status_code != 200:
                failures.append(r.status_code)
            time.sleep(0.1)

    def send(token: str, items: list[dict]) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=600) as c:
            codes.append(c.post(f"/field/{slug}/sync", json={"items": items}).status_code)

    watcher = threading.Thread(target=light)
    watcher.start()
    start = time.perf_counter()
    senders = [threading.Thread(target=send, args=(tok, items)) for tok, items in zip(tokens, batch, strict=True)]
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    took = time.perf_counter() - start
    time.sleep(0.3)
    done.set()
    watcher.join()
    return {"took": took, "codes": codes, "latencies": latencies, "failures": failures}


def report(base: str, slug: str, tokens: list[str], leader: str, box: tuple, repo: Path) -> None:
    commit = commit_of(repo)
    print("# A burst of phone syncs\n")
    print(f"`bench/sync_burst.py`, {time.strftime('%Y-%m-%d')}, code of commit `{commit}`, load average"
          f" {os.getloadavg()[0]:.1f}: {WORKERS} workers each send one batch of walks at once (random walks inside"
          " the community, a fix a second), a leader reading `GET /cases/{slug}?limit=1` every 0.1 s meanwhile.\n")
    print("| batch | burst | answers | light read median | light read max | light reads failed |")
    print("|---|---|---|---|---|---|")
    for label, n in BATCHES.items():
        batch = [walks(n, box, seed=k * 1000 + n) for k in range(WORKERS)]
        got = burst(base, slug, tokens, leader, batch)
        answers = ", ".join(f"{got['codes'].count(c)} × {c}" for c in sorted(set(got["codes"])))
        lat = got["latencies"]
        print(f"| {label} | {got['took']:.1f} s | {answers} | {statistics.median(lat) * 1000:.0f} ms"
              f" | {max(lat) * 1000:.0f} ms ({len(lat)} reads) | {len(got['failures'])}"
              f"{' (' + ', '.join(map(str, sorted(set(got['failures'])))) + ')' if got['failures'] else ''} |")


if __name__ == "__main__":
    main()
