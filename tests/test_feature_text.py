"""The buildings' GeoJSON the database keeps for items pages (020_building_feature_text.sql) is,
through every kind of write, the very text gis.store writes for a building; and a page of
buildings read from it is the page written anew."""

import json

from psycopg2 import sql

from gis import db, store
from gis.layers import get_layer

BUILDING = get_layer("building")


def _kept_against_written(conn, slug: str) -> tuple[int, list[int]]:
    """How many buildings ``slug`` has, and those whose kept text is missing or not the text
    gis.store writes for them now."""
    with db.transaction(conn) as cur:
        cur.execute(sql.SQL(
            "SELECT t.id, {written}, f.feature FROM building t JOIN jurisdiction j ON j.id = t.jurisdiction_id"
            " LEFT JOIN building_feature f ON f.id = t.id WHERE j.slug = %s").format(
                written=store._feature_text(BUILDING)), (slug,))
        rows = cur.fetchall()
    return len(rows), [i for i, written, kept in rows if kept != written]


def _write(conn, query: str, *params) -> None:
    with db.transaction(conn, "feature-text-test") as cur:
        cur.execute(query, params)


def test_kept_text_follows_every_write(conn, copy_of):
    slug = copy_of("huamao")  # an import: one statement writes the buildings
    n, differ = _kept_against_written(conn, slug)
    assert n > 20 and differ == []

    # an edit of properties (the version moves with it)
    _write(conn, "UPDATE building SET name = 'a \"quoted\" 名字\\n', households = 7 WHERE id = "
                 "(SELECT min(b.id) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id WHERE j.slug = %s)",
           slug)
    assert _kept_against_written(conn, slug)[1] == []

    # a grid removed: its buildings move out of it by the regridding trigger, not by a write of theirs
    with db.transaction(conn) as cur:
        cur.execute("SELECT g.id, count(b.id) FROM grid g JOIN jurisdiction j ON j.id = g.jurisdiction_id"
                    " JOIN building b ON b.grid_id = g.id WHERE j.slug = %s GROUP BY g.id ORDER BY 2 DESC LIMIT 1",
                    (slug,))
        grid_id, moved = cur.fetchone()
    assert moved > 0
    _write(conn, "DELETE FROM grid WHERE id = %s", grid_id)
    n, differ = _kept_against_written(conn, slug)
    assert differ == []

    # the jurisdiction's new slug, which every building's properties carry
    renamed = slug + "-r"
    _write(conn, "UPDATE jurisdiction SET slug = %s WHERE slug = %s", renamed, slug)
    assert _kept_against_written(conn, renamed) == (n, [])

    # a building deleted takes its text with it
    with db.transaction(conn) as cur:
        cur.execute("SELECT min(b.id) FROM building b JOIN jurisdiction j ON j.id = b.jurisdiction_id"
                    " WHERE j.slug = %s", (renamed,))
        gone = cur.fetchone()[0]
    _write(conn, "DELETE FROM building WHERE id = %s", gone)
    with db.transaction(conn) as cur:
        cur.execute("SELECT count(*) FROM building_feature WHERE id = %s", (gone,))
        assert cur.fetchone()[0] == 0
    assert _kept_against_written(conn, renamed) == (n - 1, [])


def test_a_page_of_kept_buildings_is_the_page_written_anew(conn):
    """Asked as stored (crs None), a page of buildings joins the kept texts; asked in CRS84 by name,
    the same page is written anew from the rows: the two are the same text, bbox or not."""
    from gis.ogc import CRS84, OUTPUTS

    with db.transaction(conn) as cur:
        cur.execute("SELECT id FROM jurisdiction WHERE slug = 'huamao'")
        jid = cur.fetchone()[0]
        for bbox in (None, (116.474, 39.907, 116.48, 39.911)):
            kept = store.feature_page(cur, BUILDING, jurisdiction_id=jid, bbox=bbox, limit=500)
            written = store.feature_page(cur, BUILDING, jurisdiction_id=jid, bbox=bbox, limit=500,
                                         crs=OUTPUTS[CRS84])
            assert kept == written and kept[1] > 5


def test_a_building_whose_text_is_missing_is_written_at_once(conn):
    """A bulk load with the triggers off (session_replication_role = replica) keeps no text: the
    page writes those buildings' features itself, the same page as ever."""
    from gis.ogc import CRS84, OUTPUTS

    with db.transaction(conn) as cur:
        cur.execute("SELECT id FROM jurisdiction WHERE slug = 'huamao'")
        jid = cur.fetchone()[0]
        before = store.feature_page(cur, BUILDING, jurisdiction_id=jid, limit=500)
        cur.execute("DELETE FROM building_feature f USING building b WHERE b.id = f.id AND b.jurisdiction_id = %s"
                    " AND b.id %% 2 = 0", (jid,))
        assert cur.rowcount > 5
        assert store.feature_page(cur, BUILDING, jurisdiction_id=jid, limit=500) == before == store.feature_page(
            cur, BUILDING, jurisdiction_id=jid, limit=500, crs=OUTPUTS[CRS84])
        # and a text that is kept is what the page sends (the page reads the kept texts)
        cur.execute("UPDATE building_feature f SET feature = '{\"type\": \"Feature\", \"id\": ' || f.id"
                    " || ', \"geometry\": null, \"properties\": {\"marker\": 1}}' FROM building b"
                    " WHERE b.id = f.id AND b.jurisdiction_id = %s", (jid,))
        marked = cur.rowcount
        page, _ = store.feature_page(cur, BUILDING, jurisdiction_id=jid, limit=500)
        assert marked > 5 and page.count('"marker": 1') == marked
        conn.rollback()


def test_a_slug_rename_and_a_building_edit_at_once_leave_both_in_the_text(database_url, copy_of):
    """One transaction edits a building while another renames its jurisdiction: whichever commits
    first, the kept text ends with the new slug and the new name (the rename locks the buildings)."""
    import threading

    slug = copy_of("huamao")
    edit, rename = db.connect(database_url), db.connect(database_url)
    try:
        with edit.cursor() as cur:  # the edit first, not committed yet
            cur.execute("UPDATE building SET name = 'edited' WHERE id = (SELECT min(b.id) FROM building b"
                        " JOIN jurisdiction j ON j.id = b.jurisdiction_id WHERE j.slug = %s) RETURNING id", (slug,))
            edited = cur.fetchone()[0]

        def do_rename() -> None:
            with rename.cursor() as cur:
                cur.execute("UPDATE jurisdiction SET slug = %s WHERE slug = %s", (slug + "-r", slug))
            rename.commit()

        renaming = threading.Thread(target=do_rename)
        renaming.start()
        renaming.join(1.0)
        assert renaming.is_alive()  # waits for the edited building
        edit.commit()
        renaming.join(10)
        with db.transaction(edit) as cur:
            cur.execute("SELECT feature FROM building_feature WHERE id = %s", (edited,))
            props = json.loads(cur.fetchone()[0])["properties"]
        assert props["jurisdiction"] == slug + "-r" and props["name"] == "edited"
        assert _kept_against_written(edit, slug + "-r")[1] == []
    finally:
        edit.close()
        rename.close()
