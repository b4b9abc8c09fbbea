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
