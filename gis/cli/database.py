"""``gridmap db migrate``: the database schema."""

import typer

from gis import db
from gis.cli.options import listed, say
from gis.cli.session import session
from gis.i18n import msg

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("migrate")
def migrate() -> None:
    """Apply the schema migrations not applied yet (the database made first if it does not exist)."""
    from gis.settings import Settings

    if db.create_database(Settings().database_url):
        say(msg("database created"))
    with session() as cur:
        applied = db.migrate(cur)
    say(msg("applied: {0}", listed(applied)) if applied else msg("schema is up to date"))
