"""gridmap keeps its own planner statistics: an import ANALYZEs the tables it wrote, so plans do
not wait for autovacuum (which may be off, as on the servers here)."""

from gis import db
from tests.conftest import scalar

WRITTEN = ("jurisdiction", "building", "grid", "street_edge", "street_node", "history")


def last_analyze(conn) -> dict:
    """When each table of ``WRITTEN`` was last ANALYZEd by hand (not by autovacuum), or None."""
    with db.transaction(conn) as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")  # the statistics as they are now
        cur.execute("SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(%s)",
                    (list(WRITTEN),))
        return dict(cur.fetchall())


def test_an_import_refreshes_the_statistics_of_the_tables_it_wrote(conn, copy_of):
    before = last_analyze(conn)
    started = scalar(conn, "SELECT clock_timestamp()")
    slug = copy_of("huamao")
    after = last_analyze(conn)
    for table in WRITTEN:
        assert after[table] is not None and after[table] >= started, (table, before[table], after[table])
    # The planner now counts the rows the import wrote (without ANALYZE, reltuples stays at what
    # the last ANALYZE saw, -1 for a table never analysed).
    buildings = scalar(conn, "SELECT count(*) FROM building")
    assert scalar(conn, "SELECT reltuples FROM pg_class WHERE oid = 'building'::regclass") == buildings
    mine = scalar(conn, "SELECT count(*) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
                        " WHERE j.slug = %s", slug)
    assert mine == 32
