"""Test fixtures: a database of our own per test run, on the real PostGIS, dropped at the end.

The run's database is created from ``GRIDMAP_DATABASE_URL`` (default: the local server), migrated
and loaded with the embedded datasets. Tests that change data work on copies of a dataset under
new slugs, so tests do not depend on each other's order.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import hypothesis
import psycopg2
import pyrosm
import pytest
import uvicorn
from psycopg2.extensions import make_dsn, parse_dsn

from gis import datasets, db, users
from gis.importing import import_package
from gis.settings import Settings
from tests.browser import anon_page, browser, page  # noqa: F401  (fixtures for every test module)

ROOT = Path(__file__).resolve().parent.parent

# Property tests explore new examples on every run here; in CI (CI set) they replay the same ones,
# so that a landing is never refused by an example no one has seen (one found locally is kept in
# .hypothesis/ and replayed first, and becomes a test of its own when it shows a bug).
hypothesis.settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")


def _with_dbname(url: str, name: str) -> str:
    params = parse_dsn(url)
    params["dbname"] = name
    return make_dsn(**params)


@contextlib.contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A new, empty database of the server's (named ``prefix`` and a random part): its URL;
    dropped afterwards."""
    base = Settings().database_url
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(_with_dbname(base, "postgres"))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_dbname(base, name)
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this run: created, migrated, loaded; dropped afterwards."""
    with scratch_database("gridmap_test") as url:
        conn = db.connect(url)
        with db.transaction(conn) as cur:
            db.migrate(cur)
        for dataset in datasets.available():
            with db.transaction(conn) as cur:
                datasets.load(cur, dataset)
        conn.close()
        yield url


@pytest.fixture(scope="session")
def make_user(database_url: str):
    """Add a user with a role (and reach) to the run's database; returns an API key of theirs."""

    def make(role: str, jurisdiction: str | None = None, grid: str | None = None,
             username: str | None = None, password: str | None = None, department: str | None = None,
             display_name: str | None = None) -> str:
        name = username or f"{role}-{uuid.uuid4().hex[:8]}"
        conn = db.connect(database_url)
        try:
            with db.transaction(conn) as cur:
                users.add_user(cur, name, role, password=password, jurisdiction=jurisdiction, grid=grid,
                               department=department, display_name=display_name)
                return users.issue_token(cur, name, kind="key", hours=24, label="tests")
        finally:
            conn.close()

    return make


@pytest.fixture(scope="session")
def admin_token(make_user) -> str:
    """An admin's key: what the tests that are not about access use."""
    return make_user("admin", username="test-admin")


@pytest.fixture(scope="session")
def auth(admin_token: str) -> dict[str, str]:
    """The admin's Authorization header."""
    return {"Authorization": f"Bearer {admin_token}"}


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    """Settings pointing at the run's database."""
    return Settings(database_url=database_url)


@pytest.fixture
def conn(database_url: str):
    """A connection for one test."""
    c = db.connect(database_url)
    yield c
    c.close()


@pytest.fixture
def copy_of(conn):
    """Make a copy of an embedded dataset under a new slug; returns the slug."""

    def make(dataset: str = "huamao") -> str:
        slug = f"{dataset[:20]}-{uuid.uuid4().hex[:8]}"
        with db.transaction(conn) as cur:
            import_package(cur, datasets.dataset_path(dataset), slug)
        return slug

    return make


def sign_in(conn, *args, **kwargs):
    """Log in as the sign-in route does (the attempt committed first); the token and who holds it."""
    with db.transaction(conn) as cur:
        attempt = users.login(cur, *args, **kwargs)
    return attempt.session()


def settled(app) -> None:
    """Let the change notices of the writes made so far reach ``app``'s listener and be taken, so
    that a test counting answers from memory is not surprised by a late one (each forgets all)."""
    time.sleep(0.2)
    app.state.listener.drain()


def scalar(conn, query: str, *params):
    """One value from a query."""
    with db.transaction(conn) as cur:
        cur.execute(query, params)
        return cur.fetchone()[0]


def count(conn, table: str, slug: str | None = None) -> int:
    """Rows of ``table`` (in jurisdiction ``slug`` when given)."""
    if slug is None:
        return scalar(conn, f"SELECT count(*) FROM {table}")
    return scalar(conn, f"SELECT count(*) FROM {table} t JOIN jurisdiction j"
                        f" ON j.id = t.jurisdiction_id WHERE j.slug = %s", slug)


PBF = pyrosm.get_data("test_pbf")
KOUVOLA_BBOX = "26.93,60.52,26.97,60.54"


@pytest.fixture(scope="session")
def kouvola(cli):
    """The real OSM extract pyrosm ships (Kouvola, Finland) imported once as jurisdiction
    ``kouvola``; the import report."""
    out = cli("import", "osm", PBF, "--jurisdiction", "kouvola", "--name", "Kouvola",
              "--bbox", KOUVOLA_BBOX, "--json")
    return json.loads(out.stdout)


@contextlib.contextmanager
def serving(make_app) -> Iterator[str]:
    """An app served by uvicorn on a free loopback port (``make_app(port)`` builds it), for the
    duration of the block; its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(make_app(port), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def server(settings: Settings):
    """The real app served by uvicorn on a free loopback port, for the run."""
    from api.main import create_app

    with serving(lambda port: create_app(settings.model_copy(
            update={"print_base_url": f"http://127.0.0.1:{port}"}))) as url:
        yield url


@pytest.fixture
def client(server: str, auth: dict[str, str]):
    """An HTTP client for the served app, signed in as an admin."""
    with httpx.Client(base_url=server, timeout=30, headers=auth) as c:
        yield c


@pytest.fixture(scope="session")
def cli(database_url: str):
    """Run the ``gridmap`` command against the run's database; returns the CompletedProcess."""

    def run(*args: str, check: bool = True, input_text: str | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "GRIDMAP_DATABASE_URL": database_url}
        proc = subprocess.run([sys.executable, "-m", "gis.cli", *args], capture_output=True, input=input_text,
                              text=True, env=env, cwd=ROOT, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"gridmap {' '.join(args)} failed ({proc.returncode}):\n"
                                 f"{proc.stdout}\n{proc.stderr}")
        return proc

    return run


def pytest_configure(config):
    """Every Settings the tests build, and every command they run, refuses a message that reaches
    a user without gis.i18n.msg (a 500, a traceback) instead of logging it."""
    os.environ.setdefault("GRIDMAP_STRICT_MESSAGES", "1")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """In CI a skipped test is a failure: the database tests must all run."""
    skipped = terminalreporter.stats.get("skipped", [])
    if os.environ.get("CI") and skipped:
        terminalreporter.write_line(f"CI: {len(skipped)} test(s) skipped; failing the run",
                                    red=True)


def pytest_sessionfinish(session, exitstatus):
    """Fail the run in CI when anything was skipped."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter and reporter.stats.get("skipped"):
        session.exitstatus = 1
