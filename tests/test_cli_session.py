"""The command line's one way to the database: one transaction, the connection closed after it,
and an unreachable or malformed database URL told in words (never with its password)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import uuid

import pytest

from gis.cli.session import session
from gis.errors import DatabaseUnavailable
from gis.jurisdictions import delete_jurisdiction
from gis.settings import DEFAULT_DATABASE_URL, Settings
from gis.settings_fields import setting
from tests.conftest import ROOT, count, scalar


def test_a_session_commits_its_work_and_closes_its_connection(settings, copy_of, conn):
    slug, actor = copy_of(), f"session-{uuid.uuid4().hex[:8]}"
    with session(actor, settings=settings) as cur:
        opened = cur.connection
        delete_jurisdiction(cur, slug)
    assert opened.closed
    assert scalar(conn, "SELECT count(*) FROM jurisdiction WHERE slug = %s", slug) == 0
    assert scalar(conn, "SELECT count(*) FROM history WHERE actor = %s AND op = 'delete'", actor) > 0


def test_a_session_that_fails_writes_nothing_and_closes_its_connection(settings, copy_of, conn):
    slug = copy_of()
    with pytest.raises(RuntimeError), session(settings=settings) as cur:
        opened = cur.connection
        delete_jurisdiction(cur, slug)
        raise RuntimeError("the command failed after the delete")
    assert opened.closed
    assert count(conn, "building", slug) == 32


def test_an_unreachable_database_is_named_without_its_password():
    with pytest.raises(DatabaseUnavailable) as caught:
        with session(settings=Settings(database_url="postgresql://someone:s3cret@127.0.0.1:1/elsewhere")):
            pass
    assert "elsewhere@127.0.0.1:1 (GRIDMAP_DATABASE_URL)" in caught.value.message
    assert "s3cret" not in caught.value.message


def test_a_malformed_database_url_is_refused_without_quoting_it():
    with pytest.raises(DatabaseUnavailable, match="GRIDMAP_DATABASE_URL is not a PostgreSQL connection URL"):
        with session(settings=Settings(database_url="host=x password=s3cret oops")):
            pass


def test_a_command_reads_the_database_url_as_settings_do(monkeypatch):
    for name in [k for k in os.environ if k.upper() == "GRIDMAP_DATABASE_URL"]:
        monkeypatch.delenv(name)
    assert setting("database_url") == Settings().database_url == DEFAULT_DATABASE_URL
    monkeypatch.setenv("gridmap_Database_Url", "postgresql://someone@elsewhere/gridmap")
    assert setting("database_url") == Settings().database_url == "postgresql://someone@elsewhere/gridmap"
    with pytest.raises(TypeError):
        setting("pool_max")  # not text: read through Settings


# Run as the gridmap process is (gis.cli.run), reporting whether the cyclic garbage collector runs
# just before the command's work begins, and during it.
SPY = """
import gc, sys
import gis.stats
from gis.cli import process, run

begin, count = process.working, gis.stats.jurisdiction_stats

def working():
    print("before the work, collecting:", gc.isenabled(), file=sys.stderr)
    begin()

def jurisdiction_stats(cur, slug):
    print("during the work, collecting:", gc.isenabled(), file=sys.stderr)
    return count(cur, slug)

process.working, gis.stats.jurisdiction_stats = working, jurisdiction_stats
sys.argv = ["gridmap", "stats", "huamao", "--json"]
run()
"""


def test_a_command_collects_garbage_as_usual_once_its_work_begins(database_url, settings):
    proc = subprocess.run([sys.executable, "-c", SPY], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "GRIDMAP_DATABASE_URL": database_url})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == ["before the work, collecting: False", "during the work, collecting: True"]
    assert json.loads(proc.stdout)["jurisdiction"] == "huamao"
    with session(settings=settings):  # in another's process (these tests), nothing changes
        assert gc.isenabled()
