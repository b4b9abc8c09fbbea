"""psycopg2 connections, transactions and the migrations runner.

One transaction rule: the edge owns the transaction, domain functions take a cursor. A route
(``with transaction(conn) as cur``) or a command (``gis.cli.session.session``) opens it, calls
the domain with its cursor and commits once at the end, or rolls back; no function in ``gis/``
takes a connection, commits or rolls back (this module aside). So what one request or command
does lands whole or not at all (an import, a publish), and the edge can put several domain calls
in one transaction. :func:`transaction` sets the actor for the history table and turns database
rule violations into domain errors.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import weakref
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from typing import Any, TypeAlias

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.pool
import psycopg2.sql

from gis import constraints
from gis.errors import Conflict, DatabaseUnavailable, GridmapError, InvalidInput, ProblemTooLarge, ServiceBusyError
from gis.i18n import msg
from gis.sql_messages import from_database

Connection: TypeAlias = psycopg2.extensions.connection
Cursor: TypeAlias = psycopg2.extensions.cursor

MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# gridmap's queries are interactive: compiling them with LLVM (PostgreSQL's JIT, which starts on
# cost estimates alone) costs more than it saves, e.g. ~120 ms on a 50,000-street network load.
SESSION_OPTIONS = "-c jit=off"
# Retry-After of a request refused because another change held its records past lock_timeout.
LOCKED_RETRY_S = 5


def connect(url: str, application_name: str | None = None) -> Connection:
    """Open one connection (CLI, tests), named ``application_name`` in ``pg_stat_activity``;
    raises :class:`DatabaseUnavailable` when it cannot."""
    named = {"application_name": application_name} if application_name else {}
    try:
        return psycopg2.connect(url, options=SESSION_OPTIONS, **named)
    except psycopg2.OperationalError as exc:
        raise DatabaseUnavailable(msg("cannot connect to the database: {0}", first_line(exc))) from exc


def create_database(url: str) -> bool:
    """Create the database ``url`` names when it does not exist yet, from the same server's
    ``postgres`` database (``make setup`` with ``GRIDMAP_DATABASE_URL`` naming a new one failed at
    the migration: "database … does not exist"); whether it was created.
    :class:`DatabaseUnavailable` when the server cannot be reached or will not create it."""
    params = psycopg2.extensions.parse_dsn(url)
    name = params.get("dbname")
    if not name or name == "postgres":
        return False
    try:  # there already: nothing else asked of the server (a role may not reach its postgres database)
        psycopg2.connect(url).close()
        return False
    except psycopg2.OperationalError as exc:
        if getattr(exc, "pgcode", None) != "3D000" and "does not exist" not in str(exc):
            raise DatabaseUnavailable(msg("cannot connect to the database: {0}", first_line(exc))) from exc
    try:
        admin = psycopg2.connect(psycopg2.extensions.make_dsn(**{**params, "dbname": "postgres"}))
    except psycopg2.OperationalError as exc:
        raise DatabaseUnavailable(msg("cannot connect to the database: {0}", first_line(exc))) from exc
    try:
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cur.fetchone():
                return False
            cur.execute(psycopg2.sql.SQL("CREATE DATABASE {}").format(psycopg2.sql.Identifier(name)))
            return True
    except psycopg2.Error as exc:
        raise DatabaseUnavailable(msg("database {0} does not exist and cannot be made here: {1}", name,
                                      first_line(exc))) from exc
    finally:
        admin.close()


def make_pool(url: str, minconn: int, maxconn: int, statement_timeout_s: float = 0,
              lock_timeout_s: float = 0) -> psycopg2.pool.ThreadedConnectionPool:
    """A thread-safe pool for the API; opened lazily so the app starts while the DB is down.

    psycopg2's pool keeps only ``minconn`` idle connections and closes the others when they come
    back, so with no connection opened at start every request would open its own (a new backend
    each time: milliseconds of start-up, a cold plan cache). Once made, the pool keeps them all.
    Each statement runs at most ``statement_timeout_s`` seconds and waits for a lock at most
    ``lock_timeout_s`` (0: no limit).
    """
    options = (f"{SESSION_OPTIONS} -c statement_timeout={round(statement_timeout_s * 1000)}"
               f" -c lock_timeout={round(lock_timeout_s * 1000)}")
    pool = psycopg2.pool.ThreadedConnectionPool(minconn, maxconn, url, options=options)
    pool.minconn = maxconn
    return pool


def first_line(exc: BaseException) -> str:
    """The first line of a driver message, without context lines or SQL."""
    text = str(getattr(exc, "pgerror", None) or exc).strip()
    text = text.splitlines()[0] if text else type(exc).__name__
    return text.removeprefix("ERROR:").strip()


# What PostgreSQL says of a constraint it names itself, not a rule with a message of its own.
_BARE_CHECK = re.compile(r"violates check constraint|is violated by some row")
_REFERRED = re.compile(r'table "(?P<table>\w+)"')
_KEY = re.compile(r"^Key \((?P<columns>.*)\)=\((?P<values>.*)\) already exists\.?$")


def _broken_rule(exc: psycopg2.Error) -> GridmapError:
    """A check the database refused, in words: a rule's own message (``RAISE EXCEPTION``), or,
    for a bare CHECK constraint, its message in ``gis.constraints``; never its name or the SQL."""
    diag = exc.diag
    if not _BARE_CHECK.search(diag.message_primary or ""):
        return InvalidInput(from_database(first_line(exc)))
    known = constraints.message(diag.constraint_name or "", diag.table_name or "")
    return InvalidInput(known or msg("the values break a rule of {0}", diag.table_name or "the data"))


def _data_error(exc: psycopg2.DataError) -> GridmapError:
    """A value the database could not take (a number or a date out of its range, ...), in words."""
    if isinstance(exc, psycopg2.errors.NumericValueOutOfRange):
        return InvalidInput(msg("a number is out of range"))
    if isinstance(exc, psycopg2.errors.DatetimeFieldOverflow | psycopg2.errors.InvalidDatetimeFormat):
        return InvalidInput(msg("a date or time is out of range or malformed"))
    if isinstance(exc, psycopg2.errors.StringDataRightTruncation):
        return InvalidInput(msg("a text is too long"))
    return InvalidInput(msg("a value has the wrong type or form"))


def _duplicate(constraint: str, table: str, detail: str) -> GridmapError:
    """What a unique key found twice, from PostgreSQL's ``Key (a, b)=(x, y) already exists``:
    the values that name it (``name 王芳``), not the ids of what holds it."""
    key = _KEY.match(detail)
    columns, values = (key["columns"].split(", "), key["values"].split(", ")) if key else ([], [])
    named = [f"{c} {v}" for c, v in zip(columns, values, strict=False)
             if re.fullmatch(r"[a-z_]+", c) and not c.endswith("_id")]
    if not named or len(columns) != len(values):
        return Conflict(constraints.message(constraint, table) or msg("this record exists already"))
    return Conflict(msg("already exists: {0}", ", ".join(named)))


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    """Turn the database's rule violations into domain errors with the rule's own message, or
    one saying what was refused; no SQL, constraint name or driver text reaches the user."""
    try:
        yield
    except psycopg2.errors.LockNotAvailable as exc:  # the API's lock_timeout: another change holds the records
        raise ServiceBusyError(msg("another change is writing the same records; try again in {0} s", LOCKED_RETRY_S),
                               LOCKED_RETRY_S) from exc
    except psycopg2.errors.QueryCanceled as exc:  # the API's statement_timeout
        raise ProblemTooLarge(msg("the request took longer than the service lets one take, and was stopped: ask for "
                                  "less at once (a shorter period, fewer days or workers, a smaller file)")) from exc
    except psycopg2.errors.CheckViolation as exc:
        raise _broken_rule(exc) from exc
    except psycopg2.errors.NotNullViolation as exc:
        raise InvalidInput(msg("{0!r} is required", exc.diag.column_name or "a value")) from exc
    except psycopg2.errors.ForeignKeyViolation as exc:
        referred = _REFERRED.search(exc.diag.message_detail or "")
        if (exc.diag.message_primary or "").startswith("update or delete"):
            raise Conflict(msg("{0} is still referred to by {1}",
                               exc.diag.table_name, referred["table"] if referred else "another record")) from exc
        raise InvalidInput(msg("{0} refers to a {1} that does not exist",
                               exc.diag.table_name, referred["table"] if referred else "record")) from exc
    except psycopg2.DataError as exc:
        raise _data_error(exc) from exc
    except psycopg2.errors.UniqueViolation as exc:
        raise _duplicate(exc.diag.constraint_name or "", exc.diag.table_name or "",
                             exc.diag.message_detail or "") from exc
    except psycopg2.errors.InternalError_ as exc:
        # PostGIS reports bad geometry input (e.g. a parse error) this way.
        raise InvalidInput(msg("the database could not process a geometry of the input")) from exc
    except psycopg2.InternalError as exc:
        raise InvalidInput(msg("the database could not process the request")) from exc
    except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
        raise DatabaseUnavailable(msg("the database is unavailable: {0}", first_line(exc))) from exc
    except ValueError as exc:
        # psycopg2 refuses a string holding NUL before sending it: no text in PostgreSQL can.
        if "NUL (0x00)" not in str(exc):
            raise
        raise InvalidInput(msg("text cannot contain the NUL character (U+0000)")) from exc


# Statements prepared on each connection (server-side, by PREPARE), by their name.
_prepared: weakref.WeakKeyDictionary[Connection, set[str]] = weakref.WeakKeyDictionary()
MOST_PREPARED = 200  # per connection; past it, statements are sent as they are
_PLACEHOLDER = re.compile(r"%(?:\((?P<name>[^)]+)\))?(?P<kind>[s%])")


def _numbered(query: str) -> tuple[str, list[str | int]]:
    """``query`` with psycopg2's placeholders (``%s``, ``%(name)s``) as PREPARE's ``$1``, ``$2``…,
    and which parameter each number takes (its position, or its name)."""
    order: list[str | int] = []

    def number(m: re.Match) -> str:
        if m["kind"] == "%":
            return "%"
        key: str | int = m["name"] if m["name"] is not None else len(order)
        if key not in order or isinstance(key, int):
            order.append(key)
        return f"${order.index(key) + 1}"

    return _PLACEHOLDER.sub(number, query), order


@functools.lru_cache(maxsize=1024)
def _statement(text: str) -> tuple[str, str, list[str | int]]:
    """A statement's name (after its text), its text for PREPARE and its parameters' order."""
    return ("gm_" + hashlib.blake2b(text.encode(), digest_size=8).hexdigest(), *_numbered(text))


def execute_prepared(cur: Cursor, query: str | psycopg2.sql.Composable, params: Sequence[Any] | Mapping[str, Any]
                     ) -> None:
    """``cur.execute(query, params)``, as a statement PostgreSQL keeps planned on this connection.

    A query asked again and again (a token's check, a tile, a page of items) is planned once per
    connection instead of every time: for the token and layer version check, 1.2 ms planned each
    time against 0.16 ms prepared. Named after its text, so one name is one statement. PostgreSQL
    plans the first few executions with the values given (custom plans) and then keeps a generic
    plan only when it costs no more. Prepared statements outlive a rolled-back transaction.
    """
    text = query if isinstance(query, str) else query.as_string(cur)
    done = _prepared.setdefault(cur.connection, set())
    name, numbered, order = _statement(text)
    if name not in done:
        if len(done) >= MOST_PREPARED:
            cur.execute(text, params)
            return
        cur.execute(f"PREPARE {name} AS {numbered}")
        done.add(name)
    values = [params[k] for k in order]  # type: ignore[index]
    cur.execute(f"EXECUTE {name}" + (f" ({', '.join(['%s'] * len(values))})" if values else ""), values)


@contextlib.contextmanager
def autocommit(conn: Connection) -> Iterator[Connection]:
    """Statements each on their own, with no BEGIN and COMMIT around them (two round trips
    fewer): for a lone read, or a session setting. The connection must be idle."""
    conn.autocommit = True
    try:
        yield conn
    finally:
        if not conn.closed:
            conn.autocommit = False


@contextlib.contextmanager
def transaction(conn: Connection, actor: str | None = None, *,
                snapshot: bool = False) -> Iterator[Cursor]:
    """One transaction: everything in it lands, or nothing does.

    Parameters
    ----------
    conn
        An open connection (not in autocommit mode).
    actor
        Who is writing; recorded in the history table (defaults to the database user).
    snapshot
        Read only, every query seeing the same snapshot (``REPEATABLE READ, READ ONLY``): for an
        export whose layers must agree with one another.
    """
    with translate_errors():
        try:
            with conn.cursor() as cur:
                if snapshot:
                    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
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


def migrate(cur: Cursor, until: str | None = None) -> list[str]:
    """Apply the migrations not applied yet (up to version ``until``, when given: a database as an
    older release left it), all in the caller's transaction; return their names.

    A transaction-level advisory lock keeps two concurrent runs from applying the same file.
    """
    applied_now = []
    cur.execute("SELECT pg_advisory_xact_lock(hashtext('gridmap.migrate'))")
    cur.execute(
        "CREATE TABLE IF NOT EXISTS schema_migration ("
        " version text PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    cur.execute("SELECT version FROM schema_migration")
    done = {row[0] for row in cur.fetchall()}
    for version, name in migrations():
        if version in done or (until is not None and version > until):
            continue
        cur.execute(read_sql(name))
        cur.execute("INSERT INTO schema_migration (version, name) VALUES (%s, %s)",
                    (version, name))
        applied_now.append(name)
    return applied_now
