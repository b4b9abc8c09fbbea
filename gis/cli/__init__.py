"""The ``gridmap`` command line: database, datasets, imports, exports, stats, grids, patrols,
coverage, users, cases and the server.

One module per command group; :mod:`gis.cli.session` is the only place a command connects to
the database. Heavy libraries (geopandas, pyrosm, folium, scipy, networkx) are imported inside
the commands that use them, so that ``gridmap --help`` and ``gridmap stats`` start fast. The
command modules keep their annotations evaluated (no ``from __future__ import annotations``):
typer reads every command's annotations at each run, and as strings they would be evaluated
anew each time (~0.05 s of every command).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from gis.cli import (
    cases,
    coverage,
    daemon,
    data,
    database,
    grids,
    jurisdictions,
    patrol,
    process,
    serve,
    users,
    workers,
)
from gis.cli.options import err
from gis.errors import GridmapError

app = typer.Typer(help="gridmap: community grid management (网格化管理) on PostGIS.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.command("load")(data.load)
app.command("export")(data.export)
app.command("stats")(jurisdictions.stats)
app.command("serve")(serve.serve)
app.add_typer(database.db_app, name="db")
app.add_typer(data.import_app, name="import")
app.add_typer(jurisdictions.jurisdiction_app, name="jurisdiction")
app.add_typer(patrol.patrol_app, name="patrol")
app.add_typer(workers.worker_app, name="worker")
app.add_typer(coverage.coverage_app, name="coverage")
app.add_typer(grids.grids_app, name="grids")
app.add_typer(users.users_app, name="users")
app.add_typer(cases.cases_app, name="cases")
app.add_typer(daemon.daemon_app, name="daemon")


def main(invoke: Callable[[], object] | None = None) -> None:
    """Entry point: run the CLI (``invoke``: the command line as a daemon built it once, see
    :mod:`gis.command_server`), printing domain errors as one clear message (exit 2)."""
    try:
        (invoke or app)()
    except GridmapError as exc:
        from gis.i18n import check_marked
        from gis.messages import negotiate, translate
        from gis.settings import Settings

        settings = Settings()
        for text in (exc.message, *exc.problems):
            check_marked(text, strict=settings.strict_messages)
        lang = negotiate(settings.lang, None)
        err(f"{translate('error', lang)}: {translate(exc.message, lang)}")
        for p in exc.problems:
            err(f"  - {translate(p, lang)}")
        sys.exit(2)


def run() -> None:
    """The ``gridmap`` process (its console script, ``python -m gis.cli``): :func:`main`, the
    cyclic garbage collector kept out of the process's start and end (:mod:`gis.cli.process`)."""
    process.starting()
    try:
        main()
    finally:
        process.ending()
