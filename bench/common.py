"""What the benchmarks share."""

from __future__ import annotations

import statistics
import time


def timed(fn, repeat: int):
    """``fn()``'s result and its median time (s) over ``repeat`` runs."""
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return out, statistics.median(times)


def percentile(xs: list[float], p: float) -> float:
    """The ``p``-th percentile of ``xs`` (nearest rank)."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def latency(fn, repeat: int, warm: int = 3) -> tuple[float, float]:
    """Median and 95th percentile (ms) of ``fn()`` over ``repeat`` calls, after ``warm`` calls
    to warm the caches."""
    for _ in range(warm):
        fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), percentile(times, 95)


def bench_headers(conn) -> dict[str, str]:
    """An Authorization header for the benchmarks: a day's API key of the ``bench`` machine
    account (an admin), added the first time."""
    from gis import db, users

    with db.transaction(conn) as cur:
        cur.execute("SELECT 1 FROM app_user WHERE username = 'bench'")
        if cur.fetchone() is None:
            users.add_user(cur, "bench", "admin", password=None)
        key = users.issue_token(cur, "bench", kind="key", hours=24, label="benchmarks")
    return {"Authorization": f"Bearer {key}"}
