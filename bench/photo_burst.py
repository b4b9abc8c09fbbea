"""A burst of photo uploads against the service: one worker sends twelve 49-megapixel PNGs (just
under the 50-megapixel limit, 160 KB each) to one case at once, while a leader keeps reading a
light page. Reports the server process's peak memory, the burst's time and the light reads'
latencies (the red-team pass measured 266 MB → 3 GB and an 8.7 s read before photos were
checked before decoding and decoded two at a time).

    .venv/bin/python bench/photo_burst.py [--repo DIR] [--cases K] > bench/results/photo_burst.md

``--cases K``: the uploads spread over K cases of the worker's (four each have room), so that
every one is decoded: the attack review's burst (80 at once over 20 cases held every thread of
the server's pool waiting for a decoding turn, and another's light read took 22.6 s); with
``--uploads``, how many.

``--repo``: the checkout to serve (default this one), to run an older commit's code side by side
(a ``git worktree`` of it) against the same database. A copy of Huamao is made as its own
jurisdiction and deleted at the end (its users and cases with it).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from common import commit_of, huamao_copy, served_checkout  # noqa: E402

from gis import db, users  # noqa: E402

UPLOADS = 12
SIDE = 7000  # 49 megapixels
GRID = "110105015001001"


def rss_mb(pid: int) -> float:
    """The resident memory of process ``pid`` (Linux /proc), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, default=HERE.parent)
    parser.add_argument("--cases", type=int, default=1)
    parser.add_argument("--uploads", type=int, default=UPLOADS)
    args = parser.parse_args()
    repo = args.repo.resolve()
    tag = uuid.uuid4().hex[:6]
    with huamao_copy("bench-photos") as (conn, slug):
        with db.transaction(conn, "bench") as cur:
            users.add_user(cur, f"pw-{tag}", "worker", jurisdiction=slug, grid=GRID, password=None)
            worker = users.issue_token(cur, f"pw-{tag}", kind="key", hours=2, label="bench")
            users.add_user(cur, f"pl-{tag}", "leader", jurisdiction=slug, password=None)
            leader = users.issue_token(cur, f"pl-{tag}", kind="key", hours=2, label="bench")
        with served_checkout(repo) as (base, pid):
            report(base, pid, slug, worker, leader, repo, args.cases, args.uploads)


def report(base: str, pid: int, slug: str, worker: str, leader: str, repo: Path, cases: int, uploads_n: int) -> None:
    w = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {worker}"}, timeout=300)
    lead = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {leader}"}, timeout=300)
    point = lead.get(f"/jurisdictions/{slug}/grids/{GRID}/summary").json()["geometry"]["coordinates"][0][0]
    made = [w.post(f"/cases/{slug}", json={"category": "garbage", "description": f"photo burst {k}",
                                           "at": {"type": "Point", "coordinates": [point[0] + 1e-4, point[1] - 1e-4]}})
            for k in range(cases)]
    for r in made:
        r.raise_for_status()
    case_ids = [r.json()["id"] for r in made]
    buf = io.BytesIO()
    Image.new("RGB", (SIDE, SIDE), (120, 30, 30)).save(buf, "PNG")
    png = buf.getvalue()
    for _ in range(5):
        lead.get(f"/cases/{slug}", params={"limit": 1})
    before = rss_mb(pid)
    peak, latencies, codes, done = [before], [], [], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak.append(rss_mb(pid))
            time.sleep(0.05)

    def light() -> None:
        while not done.is_set():
            t = time.perf_counter()
            lead.get(f"/cases/{slug}", params={"limit": 1})
            latencies.append(time.perf_counter() - t)
            time.sleep(0.1)

    def upload(k: int) -> None:
        codes.append(w.post(f"/cases/{slug}/{case_ids[k % cases]}/photos", params={"stage": "before"}, content=png,
                            headers={"Content-Type": "image/png"}).status_code)

    watchers = [threading.Thread(target=sample), threading.Thread(target=light)]
    for t in watchers:
        t.start()
    start = time.perf_counter()
    uploads = [threading.Thread(target=upload, args=(k,)) for k in range(uploads_n)]
    for t in uploads:
        t.start()
    for t in uploads:
        t.join()
    burst = time.perf_counter() - start
    done.set()
    for t in watchers:
        t.join()
    commit = commit_of(repo)
    print("# A burst of photo uploads\n")
    print(f"`bench/photo_burst.py`, {time.strftime('%Y-%m-%d')}, code of commit `{commit}`, load average"
          f" {os.getloadavg()[0]:.1f}: {uploads_n} uploads at once of a {SIDE} × {SIDE} PNG ({len(png) // 1024} KB)"
          f" by one worker to {cases} case{'s' if cases > 1 else ''} (4 photos a stage are kept), a leader reading"
          " `GET /cases/{slug}?limit=1` every 0.1 s meanwhile.\n")
    print("| burst | answers | server memory before → peak | light read median | light read max |")
    print("|---|---|---|---|---|")
    said = ", ".join(f"{codes.count(c)} × {c}" for c in sorted(set(codes)))
    print(f"| {burst:.1f} s | {said}"
          f" | {before:.0f} → {max(peak):.0f} MB | {statistics.median(latencies) * 1000:.0f} ms"
          f" | {max(latencies) * 1000:.0f} ms ({len(latencies)} reads) |")


if __name__ == "__main__":
    main()
