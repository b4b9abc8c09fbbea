"""psycopg2 connections, transactions and the migrations runner.

Everything that touches the database goes through :func:`transaction`, which sets the actor for
the history table, commits or rolls back as a whole, and turns database rule violations into
domain errors.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from importlib import resources

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.pool

from gis.errors import Conflict, DatabaseUnavailable, InvalidInput

Connection = psycopg2.extensions.connection

MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# gridmap's queries are interactive: compiling them with LLVM (PostgreSQL's JIT, which starts on
# cost estimates alone) costs more than it saves, e.g. ~120 ms on a 50,000-street network load.
SESSION_OPTIONS = "-c jit=off"


def connect(url: str) -> Connection:
    """Open one connection (CLI, tests); raises :class:`DatabaseUnavailable` when it cannot."""
    try:
        return psycopg2.connect(url, options=SESSION_OPTIONS)
    except psycopg2.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot connect to the database: {first_line(exc)}") from exc


def make_pool(url: str, minconn: int, maxconn: int) -> psycopg2.pool.ThreadedConnectionPool:
    """A thread-safe pool for the API; opened lazily so the app starts while the DB is down.

    psycopg2's pool keeps only ``minconn`` idle connections and closes the others when they come
    back, so with no connection opened at start every request would open its own (a new backend
    each time: milliseconds of start-up, a cold plan cache). Once made, the pool keeps them all.
    """
    pool = psycopg2.pool.ThreadedConnectionPool(minconn, maxconn, url, options=SESSION_OPTIONS)
    pool.minconn = maxconn
    return pool


def first_line(exc: BaseException) -> str:
    """The first line of a driver message, without context lines or SQL."""
    text = str(getattr(exc, "pgerror", None) or exc).strip()
    text = text.splitlines()[0] if text else type(exc).__name__
    return text.removeprefix("ERROR:").strip()


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn the database's rule violations into domain errors with the rule's own message."""
    try:
        yield
    except (psycopg2.errors.CheckViolation, psycopg2.errors.NotNullViolation,
            psycopg2.errors.ForeignKeyViolation, psycopg2.DataError) as exc:
        raise InvalidInput(first_line(exc)) from exc
    except psycopg2.errors.UniqueViolation as exc:
        detail = exc.diag.message_detail or first_line(exc)
        raise Conflict(f"already exists: {detail}") from exc
    except psycopg2.errors.InternalError as exc:
        # PostGIS reports bad geometry input (e.g. a parse error) this way.
        raise InvalidInput(first_line(exc)) from exc
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
        raise DatabaseUnavailable(f"the database is unavailable: {first_line(exc)}") from exc


@contextlib.contextmanager
def transaction(conn: Connection, actor: str | None = None) -> Iterator[psycopg2.extensions.cursor]:
    """One transaction: everything in it lands, or nothing does.

    Parameters
    ----------
    conn
        An open connection (not in autocommit mode).
    actor
        Who is writing; recorded in the history table (defaults to the database user).
    """
    with translate_errors():
        try:
            with conn.cursor() as cur:
                if actor:
                    cur.execute("SELECT set_config('gridmap.actor', %s, true)", (actor,))
                yield cur
            conn.commit()
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise


def read_sql(name: str) -> str:
    """The text of a packaged SQL file (``gis/sql/NAME``)."""
    return resources.files("gis.sql").joinpath(name).read_text(encoding="utf-8")


def migrations() -> list[tuple[str, str]]:
    """Packaged migrations as ``(version, filename)``, in order."""
    found = []
    for entry in resources.files("gis.sql").iterdir():
        m = MIGRATION_NAME.match(entry.name)
        if m:
            found.append((m.group(1), entry.name))
    return sorted(found)


def migrate(conn: Connection) -> list[str]:
    """Apply the migrations not applied yet, all in one transaction; return their names.

    A transaction-level advisory lock keeps two concurrent runs from applying the same file.
    """
    applied_now = []
    with transaction(conn) as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('gridmap.migrate'))")
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_migration ("
            " version text PRIMARY KEY, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cur.execute("SELECT version FROM schema_migration")
        done = {row[0] for row in cur.fetchall()}
        for version, name in migrations():
            if version in done:
                continue
            cur.execute(read_sql(name))
            cur.execute("INSERT INTO schema_migration (version, name) VALUES (%s, %s)",
                        (version, name))
            applied_now.append(name)
    return applied_now
