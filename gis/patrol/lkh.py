"""LKH-3 (through elkai) in a process of its own, for :func:`gis.patrol.tsp.solve_tour`.

elkai holds Python's GIL for its whole search: in the service's process a tour of a few hundred
stops would stop every other request's thread for seconds. Run here, it stops nothing, and LKH's
``TOTAL_TIME_LIMIT`` ends its search with the best tour found.

``python -m gis.patrol.lkh RUNS SECONDS`` reads a TSPLIB problem on stdin and writes the tour,
0-based, on stdout.
"""

from __future__ import annotations

import sys

from elkai import _elkai  # LKH itself: elkai's DistanceMatrix.solve_tsp takes no time limit


def main() -> None:
    """Solve the problem on stdin within the time limit; the tour on stdout."""
    runs, seconds = int(sys.argv[1]), float(sys.argv[2])
    params = f"RUNS = {runs}\nTOTAL_TIME_LIMIT = {seconds}\nPROBLEM_FILE = :stdin:\n"
    tour = _elkai.solve_problem(params, sys.stdin.read())
    sys.stdout.write(" ".join(str(i - 1) for i in tour))


if __name__ == "__main__":
    main()
