"""The command line's one way to the database: a session is a connection of its own, one
transaction on it, and the connection closed at the end.

A command is the edge: it owns its transaction (see :mod:`gis.db`). It opens a session, calls
the domain with the session's cursor, and prints once the session has committed::

    with session(actor) as cur:
        report = import_package(cur, path, slug)
    typer.echo(...)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import psycopg2
from psycopg2.extensions import parse_dsn

from gis import db
from gis.cli import process
from gis.errors import DatabaseUnavailable
from gis.i18n import msg

if TYPE_CHECKING:
    from gis.settings import Settings


def _where(url: str) -> str:
    """The database a URL names, for a message: ``NAME@HOST[:PORT]``, never its password."""
    try:
        params = parse_dsn(url)
    except psycopg2.ProgrammingError:  # its message may quote a piece of the password
        raise DatabaseUnavailable(msg("GRIDMAP_DATABASE_URL is not a PostgreSQL connection URL")) from None
    host = params.get("host") or "localhost"
    port = f":{params['port']}" if params.get("port") else ""
    return f"{params.get('dbname') or params.get('user') or ''}@{host}{port}"


def connect(url: str) -> db.Connection:
    """A connection to the database ``url`` (``GRIDMAP_DATABASE_URL``), or :class:`DatabaseUnavailable`
    naming which one could not be reached and the setting that names it."""
    where = _where(url)
    try:
        return db.connect(url)
    except DatabaseUnavailable as exc:
        reason = db.first_line(exc.__cause__) if exc.__cause__ else exc.message
        raise DatabaseUnavailable(msg("cannot connect to the database {0} (GRIDMAP_DATABASE_URL): {1}",
                                      where, reason)) from exc


@contextlib.contextmanager
def session(actor: str | None = None, *, snapshot: bool = False,
            settings: Settings | None = None) -> Iterator[db.Cursor]:
    """A cursor in one transaction on a connection of its own: committed when the block ends,
    rolled back when it raises, and the connection closed either way.

    Parameters
    ----------
    actor
        Who is writing; recorded in the history table (defaults to the database user).
    snapshot
        Read only, every query seeing the same snapshot (an export).
    settings
        Where the database is; when not given, its URL alone is read from the environment (as
        ``Settings`` reads it, without building them all: pydantic-settings is slow to import).
    """
    process.working()  # the command's imports are done: its work begins
    if settings is None:
        from gis.settings_fields import setting  # pydantic: not for --help

        url = setting("database_url")
    else:
        url = settings.database_url
    conn = connect(url)
    try:
        with db.transaction(conn, actor, snapshot=snapshot) as cur:
            yield cur
    finally:
        conn.close()
