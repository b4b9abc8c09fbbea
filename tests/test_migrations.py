"""Migrations that mend data an older release let in, run on a database as that release left it
(a scratch database, migrated up to the version before, holding the bad rows)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gis import datasets, db
from gis.errors import InvalidInput
from gis.importing import import_package
from tests.conftest import scratch_database


@pytest.fixture
def older_database() -> Iterator[str]:
    """A new database of its own, dropped afterwards (no migration applied yet)."""
    with scratch_database("gridmap_old") as url:
        yield url


def test_entrances_kept_outside_their_jurisdiction_before_025_are_dropped_and_no_others(older_database):
    """Before 025 an entrance at 200 200 was kept, and every walking distance of its jurisdiction
    failed on it: migrating drops such entrances (the footprint stands for them, as for a building
    with none), keeps the entrances inside, and from then on refuses a new one outside."""
    conn = db.connect(older_database)
    try:
        with db.transaction(conn) as cur:
            assert db.migrate(cur, until="024")[-1].startswith("024_")
            import_package(cur, datasets.dataset_path("huamao"), "huamao")
            cur.execute("SELECT id FROM building WHERE geom IS NOT NULL ORDER BY id LIMIT 2")
            (bad,), (good,) = cur.fetchall()
            cur.execute("UPDATE building SET entrances = ST_SetSRID(ST_GeomFromText("
                        "'MULTIPOINT((116.48 39.91), (200 200))'), 4326) WHERE id = %s", (bad,))  # as 024 kept it
            cur.execute("UPDATE building SET entrances = ST_Multi(ST_PointOnSurface(geom)) WHERE id = %s", (good,))
            cur.execute("SELECT ST_AsText(entrances) FROM building WHERE id = %s", (good,))
            (inside,) = cur.fetchone()
        with db.transaction(conn) as cur:
            assert [name for name in db.migrate(cur) if name.startswith("025_")]
            cur.execute("SELECT id, ST_AsText(entrances) FROM building WHERE id IN (%s, %s) ORDER BY id", (bad, good))
            assert dict(cur.fetchall()) == {bad: None, good: inside}
        with pytest.raises(InvalidInput, match="entrance outside"), db.transaction(conn) as cur:
            cur.execute("UPDATE building SET entrances = ST_SetSRID(ST_GeomFromText('MULTIPOINT((200 200))'), 4326)"
                        " WHERE id = %s", (good,))
    finally:
        conn.close()


def test_migrate_makes_the_database_it_is_pointed_at(database_url):
    """GRIDMAP_DATABASE_URL naming a database not made yet: `gridmap db migrate` (what `make setup`
    runs) makes it, then migrates it (it failed: database … does not exist)."""
    import os
    import subprocess
    import sys
    import uuid

    import psycopg2

    from tests.conftest import ROOT, _with_dbname

    name = f"gridmap_test_new_{uuid.uuid4().hex[:8]}"
    url = _with_dbname(database_url, name)
    admin = psycopg2.connect(_with_dbname(database_url, "postgres"))
    admin.autocommit = True
    try:
        env = {**os.environ, "GRIDMAP_DATABASE_URL": url}
        run = subprocess.run([sys.executable, "-m", "gis.cli", "db", "migrate"], capture_output=True, text=True,
                             env=env, cwd=ROOT, timeout=300)
        assert run.returncode == 0 and "database created" in run.stdout, run.stdout + run.stderr
        with psycopg2.connect(url) as made, made.cursor() as cur:
            cur.execute("SELECT to_regclass('public.case_record') IS NOT NULL")
            assert cur.fetchone()[0]
        made.close()
        again = subprocess.run([sys.executable, "-m", "gis.cli", "db", "migrate"], capture_output=True, text=True,
                               env=env, cwd=ROOT, timeout=300)
        assert again.returncode == 0 and "schema is up to date" in again.stdout and "created" not in again.stdout
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
