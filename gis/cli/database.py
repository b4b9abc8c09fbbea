"""``gridmap db migrate``: the database schema."""

import typer

from gis import db
from gis.cli.session import session

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


@db_app.command("migrate")
def migrate() -> None:
    """Apply the schema migrations not applied yet (the database made first if it does not exist)."""
    from gis.settings import Settings

    if db.create_database(Settings().database_url):
        typer.echo("database created")
    with session() as cur:
        applied = db.migrate(cur)
    typer.echo("applied: " + ", ".join(applied) if applied else "schema is up to date")
