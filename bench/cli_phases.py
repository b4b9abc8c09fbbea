"""Where the time of ``gridmap patrol route`` goes, in a fresh process like the command's own:

    python bench/cli_phases.py SLUG

runs ``gridmap patrol route SLUG --json`` unchanged in this process (its answer on stdout) and
prints on stderr, as the last line, a JSON object: ``started`` and ``ended`` (``time.perf_counter``,
the clock the calling process reads too, so that it can add the interpreter's start before the
first line here and its exit after the last), and the seconds spent

- ``imports``: every outermost ``import`` statement (the imports made within one are its time);
- ``connect``: opening the database connection (``gis.cli.session.connect``);
- ``plan``: ``plan_routes``, of which ``solve`` is snapping the start onto the streets, the route
  and sharing it among the workers; the rest of it is loading (the jurisdiction, the area, the
  street network, the buildings along the way);
- ``answer``: the JSON (``RoutePlan.to_json``) and printing it;

each without the imports made while it ran. What is left of the run is typer parsing the
arguments, the settings, committing and closing. The wrappers and the import timer cost a few
milliseconds; the bench times the command itself apart.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import builtins  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

spent = dict.fromkeys(("imports", "connect", "plan", "solve", "answer"), 0.0)
_real_import = builtins.__import__
_depth = 0


def _timed_import(name, globals=None, locals=None, fromlist=(), level=0):  # noqa: A002 (__import__'s names)
    global _depth
    _depth += 1
    t = time.perf_counter()
    try:
        return _real_import(name, globals, locals, fromlist, level)
    finally:
        _depth -= 1
        if not _depth:
            spent["imports"] += time.perf_counter() - t


def timed(phase: str, fn):
    """``fn`` adding its time, less the imports made meanwhile, to ``spent[phase]``."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        imports, t = spent["imports"], time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[phase] += time.perf_counter() - t - (spent["imports"] - imports)

    return run


def main() -> None:
    builtins.__import__ = _timed_import
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from gis.cli import process

    process.starting()  # as gis.cli.run does first, before the imports below
    import gis.cli
    import gis.cli.patrol
    import gis.cli.session
    import gis.patrol.routes as routes

    gis.cli.session.connect = timed("connect", gis.cli.session.connect)
    routes.plan_routes = timed("plan", routes.plan_routes)
    for name in ("snap_start", "route_inspection", "split_tour"):
        setattr(routes, name, timed("solve", getattr(routes, name)))
    routes.RoutePlan.to_json = timed("answer", routes.RoutePlan.to_json)  # type: ignore[method-assign]
    gis.cli.patrol.emit = timed("answer", gis.cli.patrol.emit)
    sys.argv = ["gridmap", "patrol", "route", sys.argv[1], "--json"]
    try:
        gis.cli.run()
    except SystemExit as exc:
        if exc.code:
            raise
    sys.stdout.flush()
    print(json.dumps({"started": STARTED, "ended": time.perf_counter(), **spent}), file=sys.stderr)


if __name__ == "__main__":
    main()
