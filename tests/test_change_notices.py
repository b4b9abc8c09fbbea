"""A server process remembers who holds a token and the layers' versions between requests
(api.layer_access), so that a tile already made costs no round trip, and forgets at every change
the database notifies (019_change_notices.sql): a token revoked or a layer edited elsewhere (by
another process, the command line, SQL) is seen at once; nothing is remembered while the
notices are not heard."""

from __future__ import annotations

import time

import httpx
import psycopg2
import pytest

from api.main import create_app
from gis.users import token_key
from tests.conftest import serving, settled

TILE = "/tiles/building/15/26986/12415.mvt"  # over Huamao's buildings


@pytest.fixture(scope="module")
def served(settings):
    """An app of its own (so that its memo can be looked at), served for the module."""
    app = create_app(settings)
    with serving(lambda port: app) as url:
        assert app.state.listener.listening(10), "the change notices are not heard"
        yield app, url


def until(check, seconds: float = 5.0):
    """``check()``'s last answer, asked again until it is true or ``seconds`` have passed."""
    deadline = time.monotonic() + seconds
    while not (answer := check()) and time.monotonic() < deadline:
        time.sleep(0.02)
    return answer


def test_a_tile_asked_again_is_answered_from_memory(served, auth, copy_of):
    app, url = served
    slug = copy_of("huamao")
    settled(app)
    with httpx.Client(base_url=url, headers=auth) as c:
        first = c.get(TILE, params={"jurisdiction": slug})
        hits = app.state.memo.hits
        again = c.get(TILE, params={"jurisdiction": slug})
    assert first.status_code == again.status_code == 200 and first.content and again.content == first.content
    assert app.state.memo.hits == hits + 1  # the token and the version were not asked again


def test_a_token_revoked_elsewhere_is_refused_at_once(served, make_user, conn, copy_of):
    app, url = served
    slug = copy_of("huamao")
    key = make_user("leader", jurisdiction=slug)
    settled(app)
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as c:
        assert c.get(TILE).status_code == 200
        assert c.get(TILE).status_code == 200 and len(app.state.memo)  # remembered
        with conn, conn.cursor() as cur:  # revoked by SQL, not through this process
            cur.execute("UPDATE api_token SET revoked_at = now() WHERE token_hash = %s", (token_key(key),))
        started = time.monotonic()
        refused = until(lambda: c.get(TILE).status_code == 401)
    assert refused, "a revoked token still read tiles after 5 s"
    assert time.monotonic() - started < 1.0


def test_an_edit_elsewhere_changes_the_tile_at_once(served, auth, conn, copy_of):
    app, url = served
    slug = copy_of("huamao")
    with httpx.Client(base_url=url, headers=auth, params={"jurisdiction": slug}) as c:
        before = c.get(TILE)
        assert c.get(TILE).headers["etag"] == before.headers["etag"]
        with conn, conn.cursor() as cur:  # an edit by SQL, as another process or a planner in QGIS
            cur.execute("UPDATE building SET floors = floors + 1 WHERE jurisdiction_id ="
                        " (SELECT id FROM jurisdiction WHERE slug = %s)", (slug,))
        assert until(lambda: c.get(TILE).headers["etag"] != before.headers["etag"]), \
            "the tile kept the version from before the edit"


def test_a_write_answered_here_is_read_at_once(served, auth, copy_of):
    app, url = served
    slug = copy_of("huamao")
    zone = {"type": "Feature", "properties": {"name": "新停放区", "capacity": 3}, "geometry": {
        "type": "Polygon", "coordinates": [[[116.48021, 39.91088], [116.48030, 39.91088], [116.48030, 39.91095],
                                            [116.48021, 39.91095], [116.48021, 39.91088]]]}}
    with httpx.Client(base_url=url, headers=auth, params={"jurisdiction": slug}) as c:
        c.get("/collections/courier_zone/items"), c.get("/collections/courier_zone/items")
        assert c.post("/collections/courier_zone/items", json=zone).status_code == 201
        names = {f["properties"]["name"] for f in c.get("/collections/courier_zone/items").json()["features"]}
    assert "新停放区" in names  # no wait: the write made this process forget before it answered


def test_a_newer_version_asked_for_is_read_from_the_database(served, auth, copy_of):
    app, url = served
    slug = copy_of("huamao")
    settled(app)
    with httpx.Client(base_url=url, headers=auth) as c:
        current = c.get("/tiles/building.json", params={"jurisdiction": slug}).json()["version"]
        real = c.get(TILE, params={"jurisdiction": slug}).headers["etag"]
        # As if the notice of a change had not arrived yet: the memo holds an older version.
        memo = app.state.memo
        (key, (seen, expires)), = [(k, v) for k, v in memo._answers.items() if k[1] == slug]
        memo.put(key, seen._replace(version="0.0"), expires, memo.generation())
        stale = c.get(TILE, params={"jurisdiction": slug})
        fresh = c.get(TILE, params={"jurisdiction": slug, "v": current})
    assert stale.headers["etag"] != real  # answered from memory, with what it held
    assert fresh.headers["etag"] == real and fresh.headers["cache-control"].endswith("immutable")


def test_nothing_is_remembered_while_the_notices_are_not_heard(served, auth, database_url, copy_of):
    app, url = served
    slug = copy_of("huamao")
    admin = psycopg2.connect(database_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:  # the listeners' connections drop (a failover, an admin)
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"  # of this run's database only
                        " WHERE application_name = 'gridmap change notices' AND datname = current_database()")
    finally:
        admin.close()
    with httpx.Client(base_url=url, headers=auth, params={"jurisdiction": slug}) as c:
        assert until(lambda: not app.state.memo.live, 2.0), "the broken listener went unnoticed"
        assert c.get(TILE).status_code == 200  # answered meanwhile, from the database
        assert app.state.listener.listening(10), "the listener did not connect again"
        assert c.get(TILE).status_code == 200
