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
