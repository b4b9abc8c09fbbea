"""gridmap keeps its own planner statistics: an import ANALYZEs the tables it wrote, so plans do
not wait for autovacuum (which may be off, as on the servers here)."""

from gis import db
from tests.conftest import scalar

WRITTEN = ("jurisdiction", "building", "building_feature", "grid", "street_edge", "street_node", "history")


def last_analyze(conn) -> dict:
    """When each table of ``WRITTEN`` was last ANALYZEd by hand (not by autovacuum), or None."""
    with db.transaction(conn) as cur:
        cur.execute("SELECT pg_stat_clear_snapshot()")  # the statistics as they are now
        cur.execute("SELECT relname, last_analyze FROM pg_stat_user_tables WHERE relname = ANY(%s)",
                    (list(WRITTEN),))
        return dict(cur.fetchall())


def test_an_import_refreshes_the_statistics_of_the_tables_it_wrote(conn, copy_of):
    slug = copy_of("huamao")
    after = last_analyze(conn)
    # Whatever ran before (a fresh run's tables never analysed, or many copies already counted),
    # after an import the planner counts each table it wrote as autovacuum would keep it counted:
    # within 50 rows + 10 % of the truth; and a table it left alone it was right to leave.
    for table in WRITTEN:
        rows = scalar(conn, f"SELECT count(*) FROM {table}")
        counted = scalar(conn, "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", table)
        assert counted >= 0 and abs(rows - counted) <= 50 + 0.1 * counted, (table, rows, counted, after[table])
    mine = scalar(conn, "SELECT count(*) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
                        " WHERE j.slug = %s", slug)
    assert mine == 32


def test_a_table_is_analysed_when_a_write_makes_its_statistics_stale(conn):
    """The rule itself, on a scratch table: autovacuum's threshold, this transaction's rows counted."""
    from gis.importing import analyze_written

    with db.transaction(conn) as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS stats_probe (n int)")
        cur.execute("TRUNCATE stats_probe")
        cur.execute("ANALYZE stats_probe")
        cur.execute("INSERT INTO stats_probe SELECT generate_series(1, 40)")  # under 50: not stale
        assert "stats_probe" not in analyze_written(cur, ["stats_probe"])
        cur.execute("INSERT INTO stats_probe SELECT generate_series(1, 20)")  # 60 changed since: stale
        assert "stats_probe" in analyze_written(cur, ["stats_probe"])
        cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'stats_probe'::regclass")
        assert cur.fetchone()[0] == 60
        cur.execute("DROP TABLE stats_probe")
