"""``gridmap worker add``: workers and lane stewards."""

from typing import Annotated

import typer

from gis.cli.options import Slug, say
from gis.cli.session import session
from gis.i18n import msg
from gis.parsing import parse_lonlat

worker_app = typer.Typer(help="Workers and lane stewards (社工 / 网格员 / 小巷管家).", no_args_is_help=True)


@worker_app.command("add")
def worker_add(slug: Slug, name: Annotated[str, typer.Argument()],
               role: Annotated[str, typer.Option(help="social_worker, grid_worker, steward_retired, "
                                                      "steward_working or volunteer.")],
               home: Annotated[str | None, typer.Option(help="Home as LON,LAT.")] = None,
               grid: Annotated[str | None, typer.Option(help="The grid a staff member works.")] = None,
               actor: Annotated[str | None, typer.Option()] = None) -> None:
    """Register a worker or volunteer."""
    from gis.limits import check_text
    from gis.patrol.stewards_store import add_worker

    check_text(name, "the name")
    with session(actor) as cur:
        wid = add_worker(cur, slug, name, role, parse_lonlat(home) if home else None, grid)
    say(msg("worker {0}: {1}", wid, name))
