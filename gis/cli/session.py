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
import os
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


# How the command line's connections are named in pg_stat_activity (a daemon's workers keep theirs).
APPLICATION_NAME = "gridmap command"


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
        return db.connect(url, APPLICATION_NAME)
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
    conn = _taken(url)
    try:
        with db.transaction(conn, actor, snapshot=snapshot) as cur:
            yield cur
    finally:
        _given_back(url, conn)


def _key(url: str) -> str:
    """What a connection was opened with: the URL and libpq's own variables (PGUSER, PGPASSWORD,
    PGSERVICE, PGOPTIONS …), which a command run with other ones must not share."""
    return "\0".join([url, *sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("PG"))])


# The connection kept between commands, with what it was opened with (_key), in a process that
# runs command after command (a daemon's worker, once keep_connections is called); in a command's
# own process none is kept: its connection closes with the session.
_keeping = False
_kept: tuple[str, db.Connection] | None = None


def keep_connections() -> None:
    """From now on, keep the database's connection open between sessions, as a server's pool
    does, rather than connect anew for each (:mod:`gis.command_server`): its server process
    warm, what it has read of the catalogue and PostGIS set up already."""
    global _keeping
    _keeping = True


def _taken(url: str) -> db.Connection:
    """The connection kept for ``url`` (and the same libpq variables) when it still answers,
    else a new one; a kept one for anything else is closed."""
    global _kept
    kept, _kept = _kept, None
    if kept is not None:
        key, conn = kept
        try:
            if key == _key(url):
                with conn.cursor() as cur:
                    cur.execute("SELECT 1")
                conn.rollback()
                return conn
        except psycopg2.Error:  # the server restarted, or ended the connection
            pass
        with contextlib.suppress(psycopg2.Error):
            conn.close()
    return connect(url)


def _given_back(url: str, conn: db.Connection) -> None:
    """Keep the session's connection for the next one when keeping and it is open and idle;
    else close it."""
    global _kept
    if _keeping and not conn.closed and \
            conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        _kept = (_key(url), conn)
    else:
        conn.close()
